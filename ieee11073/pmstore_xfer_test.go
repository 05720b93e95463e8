package ieee11073

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

const testStore Handle = 0x0100

// glucosePMConfig is an extended 10417 configuration: the glucose object of the standard
// configuration 0x06A4 plus a PM-store.
func glucosePMConfig(t testing.TB) *Configuration {
	t.Helper()
	std, _ := StandardConfiguration(0x06A4)
	rep, err := std.Report()
	if err != nil {
		t.Fatal(err)
	}
	rep.Objects = append(rep.Objects, ConfigObject{Class: MDCMocVmoPmstore, ObjHandle: testStore, Attributes: AttributeList{
		{ID: MDCAttrPMStoreCapab, Value: []byte{0x00, 0x00}},
	}})
	rep.ConfigReportID = 0x4000
	cfg, err := ParseConfigReport(&rep)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ID = 0x4000
	return cfg
}

// glucoseMap lays out a glucose entry: an absolute time, then the SFLOAT of object 1.
var glucoseMap = PmSegmentEntryMap{Header: SegmEntryHeaderAbsTime, Elems: []SegmEntryElem{
	{ClassID: MDCMocVmoMetricNu, MetricType: Type{PartitionSCADA, MDCConcGluCapillaryWholeblood}, ObjHandle: 1,
		ValMap: AttrValMap{{MDCAttrNuValObsBasic, 2}}},
}}

// glucoseEntry is entry i of segment seg: 2026-11-(seg+1) at 06:i, 80+i+10*seg mg/dL.
func glucoseEntry(seg, i int) ([]byte, string, string) {
	b := []byte{0x20, 0x26, 0x11, toBCD(seg + 1), 0x06, toBCD(i), 0, 0}
	v := 80 + i + 10*seg
	b = binary.BigEndian.AppendUint16(b, uint16(v))
	return b, fmt.Sprintf("2026-11-%02dT06:%02d:00.00", seg+1, i), fmt.Sprint(v)
}

// pmStore returns a PM-store with segments 1 and 2 of n entries each, and the empty
// segment 3.
func pmStore(t testing.TB, n int) *PMStore {
	t.Helper()
	s := NewPMStore(testStore, AttributeList{{ID: MDCAttrPMStoreCapab, Value: []byte{0, 0}}})
	for seg := range 3 {
		if err := s.AddSegment(uint16(seg+1), glucoseMap, nil); err != nil {
			t.Fatal(err)
		}
		if seg == 2 {
			continue
		}
		for i := range n {
			e, _, _ := glucoseEntry(seg, i)
			if err := s.AddEntry(uint16(seg+1), e); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

type pmHarness struct {
	m     *Manager
	addr  string
	infos chan *AssociationInfo
	ended chan error

	mu  sync.Mutex
	obs []Observation
	evs []SegmDataEventDescr
}

func newPMHarness(t *testing.T, cfg ManagerConfig, onSeg func(ev *SegmentDataEvent) error) *pmHarness {
	h := &pmHarness{infos: make(chan *AssociationInfo, 10), ended: make(chan error, 10)}
	cfg.OnAssociate = func(info *AssociationInfo) { h.infos <- info }
	cfg.OnDisassociate = func(info *AssociationInfo, err error) { h.ended <- err }
	cfg.OnSegmentData = func(info *AssociationInfo, store Handle, ev *SegmentDataEvent, obs []Observation) error {
		if store != testStore {
			return fmt.Errorf("store %d", store)
		}
		h.mu.Lock()
		h.obs = append(h.obs, obs...)
		h.evs = append(h.evs, ev.Descr)
		h.mu.Unlock()
		if onSeg != nil {
			return onSeg(ev)
		}
		return nil
	}
	h.m, h.addr = testManager(t, cfg)
	return h
}

func (h *pmHarness) association(t *testing.T) *Association {
	t.Helper()
	select {
	case info := <-h.infos:
		a := h.m.Association(info)
		if a == nil {
			t.Fatal("Association returned nil")
		}
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no association")
	}
	return nil
}

func TestPMStoreTransfer(t *testing.T) {
	const n = 25
	h := newPMHarness(t, ManagerConfig{}, nil)
	var confMu sync.Mutex
	var confirms []SegmDataEventDescr
	a := dialAgent(t, h.addr, AgentConfig{
		Config: glucosePMConfig(t), PMStore: pmStore(t, n), SegmentEntriesPerEvent: 4,
		OnSegmentConfirm: func(d SegmDataEventDescr) {
			confMu.Lock()
			confirms = append(confirms, d)
			confMu.Unlock()
		},
	})
	ctx := context.Background()
	if err := a.Associate(ctx); err != nil {
		t.Fatal(err)
	}
	as := h.association(t)

	attrs, err := as.GetAttributes(ctx, testStore)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := attrs.Get(MDCAttrNumSeg); !ok || binary.BigEndian.Uint16(v) != 3 {
		t.Fatalf("PM-store attributes %+v: want 3 segments", attrs)
	}
	if _, ok := attrs.Get(MDCAttrPMStoreCapab); !ok {
		t.Fatalf("PM-store attributes %+v: no PM-Store-Capab", attrs)
	}
	segs, err := as.SegmentInfo(ctx, testStore)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 3 {
		t.Fatalf("%d segments, want 3", len(segs))
	}
	for i, s := range segs {
		want := uint32(n)
		if i == 2 {
			want = 0
		}
		if v, ok := s.Attributes.Get(MDCAttrSegUsageCnt); s.InstNo != uint16(i+1) || !ok || binary.BigEndian.Uint32(v) != want {
			t.Fatalf("segment %d: %+v", i, s)
		}
	}
	for seg := range 2 {
		res, err := as.TransferSegment(ctx, testStore, &segs[seg])
		if err != nil {
			t.Fatalf("segment %d: %v", seg+1, err)
		}
		if res != (SegmentTransfer{Instance: uint16(seg + 1), Events: 7, Entries: n}) {
			t.Fatalf("segment %d: %+v", seg+1, res)
		}
	}
	_, err = as.TransferSegment(ctx, testStore, &segs[2])
	var te *TriggerError
	if !errors.As(err, &te) || te.Result != TrigSegmXferRspFailSegmEmpty {
		t.Fatalf("empty segment: %v", err)
	}
	unknown := SegmentInfo{InstNo: 9, Attributes: segs[0].Attributes}
	if _, err = as.TransferSegment(ctx, testStore, &unknown); !errors.As(err, &te) || te.Result != TrigSegmXferRspFailNoSuchSegment {
		t.Fatalf("unknown segment: %v", err)
	}
	// An object the agent has no PM-store on.
	var re *RemoteError
	if _, err = as.SegmentInfo(ctx, 0x0200); !errors.As(err, &re) {
		t.Fatalf("SegmentInfo of another object: %v", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-h.ended; err != nil {
		t.Fatal(err)
	}
	if _, err := as.GetAttributes(ctx, 0); !errors.Is(err, ErrNotOperating) && !errors.Is(err, ErrAssociationEnded) {
		t.Fatalf("request after release: %v", err)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.obs) != 2*n {
		t.Fatalf("%d observations, want %d", len(h.obs), 2*n)
	}
	for k, o := range h.obs {
		seg, i := k/n, k%n
		_, ts, v := glucoseEntry(seg, i)
		if o.Handle != 1 || o.Type.Code != MDCConcGluCapillaryWholeblood || o.Unit != MDCDimMilliGPerDl ||
			o.Value.String() != v || o.Time.String() != ts {
			t.Fatalf("observation %d: %+v (time %v), want %s at %s", k, o, o.Time, v, ts)
		}
	}
	confMu.Lock()
	defer confMu.Unlock()
	if len(confirms) != 14 || len(h.evs) != 14 {
		t.Fatalf("%d confirmations, %d events, want 14", len(confirms), len(h.evs))
	}
	for k, c := range confirms {
		ev := h.evs[k]
		want := ev
		want.Status = ev.Status&(SegmEvtStatusFirstEntry|SegmEvtStatusLastEntry) | SegmEvtStatusManagerConfirm
		if c != want {
			t.Fatalf("confirmation %d: %+v, want %+v", k, c, want)
		}
		if first, last := k%7 == 0, k%7 == 6; (ev.Status&SegmEvtStatusFirstEntry != 0) != first ||
			(ev.Status&SegmEvtStatusLastEntry != 0) != last || ev.EntryIndex != uint32(k%7*4) {
			t.Fatalf("event %d: %+v", k, ev)
		}
	}
}

func TestPMStoreNoPMStore(t *testing.T) {
	h := newPMHarness(t, ManagerConfig{}, nil)
	a := dialAgent(t, h.addr, AgentConfig{ConfigID: 0x06A4})
	ctx := context.Background()
	if err := a.Associate(ctx); err != nil {
		t.Fatal(err)
	}
	as := h.association(t)
	var re *RemoteError
	if _, err := as.SegmentInfo(ctx, testStore); !errors.As(err, &re) || re.Choice != MessageRORJ {
		t.Fatalf("SegmentInfo without a PM-store: %v", err)
	}
	if _, err := as.GetAttributes(ctx, testStore); !errors.As(err, &re) || re.Choice != MessageROER {
		t.Fatalf("GET without a PM-store: %v", err)
	}
	if attrs, err := as.GetAttributes(ctx, 0, MDCAttrSysID); err != nil || len(attrs) != 1 {
		t.Fatalf("GET of the MDS: %+v, %v", attrs, err)
	}
}

func TestPMStoreTimeout(t *testing.T) {
	h := newPMHarness(t, ManagerConfig{SkipMDSGet: true, ResponseTimeout: 100 * time.Millisecond}, nil)
	r := dialRaw(t, h.addr)
	r.write(antidoteAARQ(t))
	r.read() // AARE
	as := h.association(t)
	done := make(chan error, 1)
	go func() {
		_, err := as.SegmentInfo(context.Background(), testStore)
		done <- err
	}()
	if a, _ := r.read(); a.Choice != ChoicePRST || a.PRST.Choice != MessageROIVConfirmedAction || a.PRST.Action.ActionType != MDCActSegGetInfo {
		t.Fatalf("want MDC_ACT_SEG_GET_INFO, got %+v", a.PRST)
	}
	if a, _ := r.read(); a.Choice != ChoiceABRT || a.ABRT.Reason != AbortReasonResponseTimeout {
		t.Fatalf("got %v %v, want ABRT response-timeout", a.Choice, a.ABRT.Reason)
	}
	if err := <-done; !errors.Is(err, ErrResponseTimeout) {
		t.Fatalf("SegmentInfo: %v, want ErrResponseTimeout", err)
	}
	if err := <-h.ended; !errors.Is(err, ErrAssociationAborted) {
		t.Fatalf("OnDisassociate: %v", err)
	}
}

func TestPMStoreAbortMidTransfer(t *testing.T) {
	inHook := make(chan struct{})
	goOn := make(chan struct{})
	var once sync.Once
	h := newPMHarness(t, ManagerConfig{}, func(ev *SegmentDataEvent) error {
		once.Do(func() {
			close(inHook)
			<-goOn
		})
		return nil
	})
	a := dialAgent(t, h.addr, AgentConfig{Config: glucosePMConfig(t), PMStore: pmStore(t, 10)})
	ctx := context.Background()
	if err := a.Associate(ctx); err != nil {
		t.Fatal(err)
	}
	as := h.association(t)
	segs, err := as.SegmentInfo(ctx, testStore)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := as.TransferSegment(ctx, testStore, &segs[0])
		done <- err
	}()
	<-inHook
	if err := a.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	close(goOn)
	if err := <-done; !errors.Is(err, ErrAssociationEnded) || !errors.Is(err, ErrAssociationAborted) {
		t.Fatalf("TransferSegment: %v", err)
	}
	if err := <-h.ended; !errors.Is(err, ErrAssociationAborted) {
		t.Fatalf("OnDisassociate: %v", err)
	}
}

// TestPMStoreGarbage checks that entries that do not fit the segment's map abort that
// association only.
func TestPMStoreGarbage(t *testing.T) {
	h := newPMHarness(t, ManagerConfig{}, nil)
	ctx := context.Background()
	other := dialAgent(t, h.addr, AgentConfig{ConfigID: 0x06A4})
	if err := other.Associate(ctx); err != nil {
		t.Fatal(err)
	}
	<-h.infos
	a := dialAgent(t, h.addr, AgentConfig{Config: glucosePMConfig(t), PMStore: pmStore(t, 3)})
	if err := a.Associate(ctx); err != nil {
		t.Fatal(err)
	}
	as := h.association(t)
	if _, err := as.SegmentInfo(ctx, testStore); err != nil {
		t.Fatal(err)
	}
	// The manager decodes with a map whose entries are 2 octets longer than the agent's.
	bad := glucoseMap
	bad.Elems = []SegmEntryElem{glucoseMap.Elems[0]}
	bad.Elems[0].ValMap = AttrValMap{{MDCAttrNuValObsBasic, 2}, {MDCAttrUnitCode, 2}}
	enc, _ := bad.AppendBinary(nil)
	seg := SegmentInfo{InstNo: 1, Attributes: AttributeList{{ID: MDCAttrPMSegMap, Value: enc}}}
	var de *DecodeError
	if _, err := as.TransferSegment(ctx, testStore, &seg); !errors.As(err, &de) || !errors.Is(err, ErrLength) {
		t.Fatalf("TransferSegment: %v", err)
	}
	if err := <-h.ended; !errors.As(err, &de) {
		t.Fatalf("OnDisassociate: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); a.State() != StateUnassociated; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the agent is %v, want Unassociated after the manager's abort", a.State())
		}
	}
	if other.State() != StateOperating {
		t.Fatalf("the other agent is %v", other.State())
	}
	std, _ := StandardConfiguration(0x06A4)
	if err := other.SendObservations(ctx, sampleObservations(t, std, time.Now()), true); err != nil {
		t.Fatalf("the other agent: %v", err)
	}
}

// TestManagerSegmentDataAllocs holds the manager's handling of a segment data event in a
// transfer (decode the entries, hand them over, answer) to no allocation per event.
func TestManagerSegmentDataAllocs(t *testing.T) {
	peer, conn := net.Pipe()
	t.Cleanup(func() { peer.Close(); conn.Close() })
	noop := func(*AssociationInfo, Handle, *SegmentDataEvent, []Observation) error { return nil }
	m, _ := NewManager(ManagerConfig{OnSegmentData: noop})
	c := newManagerConn(m, conn)
	c.state = StateOperating
	c.info.Config = glucosePMConfig(t)
	c.op = &assocReq{kind: assocTrigXfer, obj: testStore, inst: 1, m: glucoseMap, xfer: true, reply: make(chan assocResult, 1)}
	var entries []byte
	for i := range 4 {
		e, _, _ := glucoseEntry(0, i)
		entries = append(entries, e...)
	}
	info, _ := (&SegmentDataEvent{Descr: SegmDataEventDescr{Instance: 1, EntryIndex: 8, EntryCount: 4}, Entries: entries}).AppendBinary(nil)
	apdu := segmentDataAPDU(3, testStore, info)
	if _, err := c.in.Unmarshal(apdu); err != nil {
		t.Fatal(err)
	}
	run := func() {
		c.op.nextIndex = 8
		c.wbuf = c.wbuf[:0]
		c.handleSegmentData()
	}
	run()
	if c.op == nil || c.op.res.Entries != 4 || len(c.obs) != 4 || len(c.wbuf) == 0 {
		t.Fatalf("event not taken: op %+v, %d observations, %d octets to send", c.op, len(c.obs), len(c.wbuf))
	}
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("segment data event: %v allocations, want 0", n)
	}
}
