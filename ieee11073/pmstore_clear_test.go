package ieee11073

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"testing"
	"time"
)

// absTime returns the AbsoluteTime of 2026-11-day at hh:mm.
func absTime(day, hh, mm int) AbsoluteTime {
	return AbsoluteTime{0x20, 0x26, 0x11, toBCD(day), toBCD(hh), toBCD(mm), 0, 0}
}

// timedPMStore returns a PM-store with capabilities capab and segments 1 to 4 of n entries
// each: segment k runs from 2026-11-k 06:00 to 2026-11-k 18:00, except segment 4, which has
// no start and end times.
func timedPMStore(t testing.TB, capab uint16, n int) *PMStore {
	t.Helper()
	s := NewPMStore(testStore, AttributeList{{ID: MDCAttrPMStoreCapab, Value: binary.BigEndian.AppendUint16(nil, capab)}})
	for seg := range 4 {
		var attrs AttributeList
		if seg < 3 {
			start, end := absTime(seg+1, 6, 0), absTime(seg+1, 18, 0)
			attrs = AttributeList{{ID: MDCAttrTimeStartSeg, Value: start[:]}, {ID: MDCAttrTimeEndSeg, Value: end[:]}}
		}
		if err := s.AddSegment(uint16(seg+1), glucoseMap, attrs); err != nil {
			t.Fatal(err)
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

// pmAssociation associates an Agent offering s with a Manager over loopback TCP.
func pmAssociation(t *testing.T, s *PMStore) (*pmHarness, *Association) {
	t.Helper()
	h := newPMHarness(t, ManagerConfig{}, nil)
	a := dialAgent(t, h.addr, AgentConfig{Config: glucosePMConfig(t), PMStore: s, SegmentEntriesPerEvent: 2})
	if err := a.Associate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h, h.association(t)
}

// usage returns instance number → Segment-Usage-Count of segs.
func usage(t *testing.T, segs SegmentInfoList) map[uint16]uint32 {
	t.Helper()
	m := make(map[uint16]uint32)
	for _, s := range segs {
		v, ok := s.Attributes.Get(MDCAttrSegUsageCnt)
		if !ok || len(v) != 4 {
			t.Fatalf("segment %d: no Segment-Usage-Count in %+v", s.InstNo, s.Attributes)
		}
		m[s.InstNo] = binary.BigEndian.Uint32(v)
	}
	return m
}

func instances(segs SegmentInfoList) []uint16 {
	var l []uint16
	for _, s := range segs {
		l = append(l, s.InstNo)
	}
	return l
}

func equalU16(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func numSegments(t *testing.T, as *Association) int {
	t.Helper()
	attrs, err := as.GetAttributes(context.Background(), testStore, MDCAttrNumSeg)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := attrs.Get(MDCAttrNumSeg)
	if !ok || len(v) != 2 {
		t.Fatalf("no Number-Of-Segments in %+v", attrs)
	}
	return int(binary.BigEndian.Uint16(v))
}

func isRemote(err error, v ErrorValue) bool {
	var re *RemoteError
	return errors.As(err, &re) && re.Choice == MessageROER && re.Value == v
}

func TestPMStoreSelectByList(t *testing.T) {
	_, as := pmAssociation(t, timedPMStore(t, 0, 3))
	ctx := context.Background()
	segs, err := as.SelectSegmentInfo(ctx, testStore, SegmSelection{Choice: SegmSelectionSegmIDList, SegmIDs: []uint16{3, 1, 9}})
	if err != nil {
		t.Fatal(err)
	}
	if got := instances(segs); !equalU16(got, []uint16{1, 3}) {
		t.Fatalf("segments %v, want [1 3] (9 does not exist)", got)
	}
	if _, ok := segs[0].Attributes.Get(MDCAttrPMSegMap); !ok {
		t.Fatal("no entry map")
	}
	segs, err = as.SelectSegmentInfo(ctx, testStore, SegmSelection{Choice: SegmSelectionSegmIDList})
	if err != nil || len(segs) != 0 {
		t.Fatalf("empty list: %v, %v", instances(segs), err)
	}
	if _, err := as.SelectSegmentInfo(ctx, testStore, SegmSelection{Choice: 7}); !errors.Is(err, ErrChoice) {
		t.Fatalf("unknown choice: %v", err)
	}
	if _, err := as.SelectSegmentInfo(ctx, testStore, SegmSelection{Choice: SegmSelectionSegmIDList, SegmIDs: make([]uint16, 40000)}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("list too long: %v", err)
	}
	// The association goes on.
	if segs, err := as.SegmentInfo(ctx, testStore); err != nil || len(segs) != 4 {
		t.Fatalf("all segments: %v, %v", instances(segs), err)
	}
}

func TestPMStoreSelectByTime(t *testing.T) {
	_, as := pmAssociation(t, timedPMStore(t, PMStoreCapabAbsTimeSelect, 3))
	ctx := context.Background()
	for _, tt := range []struct {
		name     string
		from, to AbsoluteTime
		want     []uint16
	}{
		{"days 1 to 2", absTime(1, 0, 0), absTime(2, 23, 0), []uint16{1, 2}},
		{"all days", absTime(1, 0, 0), absTime(30, 0, 0), []uint16{1, 2, 3}},
		{"overlap only", absTime(2, 12, 0), absTime(3, 12, 0), nil},
		{"start equal", absTime(2, 6, 0), absTime(2, 23, 0), nil},
		{"end equal", absTime(2, 0, 0), absTime(2, 18, 0), nil},
		{"just around", absTime(2, 5, 59), absTime(2, 18, 1), []uint16{2}},
		{"none", absTime(10, 0, 0), absTime(11, 0, 0), nil},
	} {
		segs, err := as.SelectSegmentInfo(ctx, testStore, SegmSelection{Choice: SegmSelectionAbsTimeRange, From: tt.from, To: tt.to})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := instances(segs); !equalU16(got, tt.want) {
			t.Errorf("%s: segments %v, want %v", tt.name, got, tt.want)
		}
	}

	// Without pmsc-abs-time-select the agent refuses a time range.
	_, as = pmAssociation(t, timedPMStore(t, 0, 1))
	_, err := as.SelectSegmentInfo(ctx, testStore, SegmSelection{Choice: SegmSelectionAbsTimeRange, From: absTime(1, 0, 0), To: absTime(30, 0, 0)})
	if !isRemote(err, ErrorValueNotAllowedByObject) {
		t.Fatalf("time range without pmsc-abs-time-select: %v", err)
	}
}

func TestPMStoreClearOne(t *testing.T) {
	const n = 3
	s := timedPMStore(t, PMStoreCapabClearSegmByListSup, n)
	h, as := pmAssociation(t, s)
	ctx := context.Background()
	if err := as.ClearSegments(ctx, testStore, SegmSelection{Choice: SegmSelectionSegmIDList, SegmIDs: []uint16{2}}); err != nil {
		t.Fatal(err)
	}
	segs, err := as.SegmentInfo(ctx, testStore)
	if err != nil {
		t.Fatal(err)
	}
	if u := usage(t, segs); len(u) != 4 || u[1] != n || u[2] != 0 || u[3] != n || u[4] != n {
		t.Fatalf("usage counts after clearing 2: %v", u)
	}
	if got := numSegments(t, as); got != 4 {
		t.Fatalf("Number-Of-Segments %d, want 4: an emptied segment stays", got)
	}
	if k, _ := s.Entries(2); k != 0 {
		t.Fatalf("segment 2 holds %d entries", k)
	}
	var te *TriggerError
	if _, err := as.TransferSegment(ctx, testStore, &segs[1]); !errors.As(err, &te) || te.Result != TrigSegmXferRspFailSegmEmpty {
		t.Fatalf("transfer of the cleared segment: %v", err)
	}
	// The other segments are whole, and the cleared one fills again.
	if res, err := as.TransferSegment(ctx, testStore, &segs[0]); err != nil || res.Entries != n {
		t.Fatalf("segment 1: %+v, %v", res, err)
	}
	e, _, v := glucoseEntry(5, 0)
	if err := s.AddEntry(2, e); err != nil {
		t.Fatal(err)
	}
	if res, err := as.TransferSegment(ctx, testStore, &segs[1]); err != nil || res.Entries != 1 {
		t.Fatalf("segment 2 refilled: %+v, %v", res, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.obs) != n+1 || h.obs[n].Value.String() != v {
		t.Fatalf("%d observations, last %+v; want %d, the last %s", len(h.obs), h.obs[len(h.obs)-1], n+1, v)
	}
}

func TestPMStoreClearByTime(t *testing.T) {
	s := timedPMStore(t, PMStoreCapabClearSegmByTimeSup, 2)
	_, as := pmAssociation(t, s)
	ctx := context.Background()
	sel := SegmSelection{Choice: SegmSelectionAbsTimeRange, From: absTime(1, 0, 0), To: absTime(2, 23, 0)}
	if err := as.ClearSegments(ctx, testStore, sel); err != nil {
		t.Fatal(err)
	}
	segs, err := as.SegmentInfo(ctx, testStore)
	if err != nil {
		t.Fatal(err)
	}
	if u := usage(t, segs); u[1] != 0 || u[2] != 0 || u[3] != 2 || u[4] != 2 {
		t.Fatalf("usage counts after clearing days 1 and 2: %v", u)
	}
	// Clearing by list is not among this store's capabilities.
	err = as.ClearSegments(ctx, testStore, SegmSelection{Choice: SegmSelectionSegmIDList, SegmIDs: []uint16{3}})
	if !isRemote(err, ErrorValueNotAllowedByObject) {
		t.Fatalf("clear by list without pmsc-clear-segm-by-list-sup: %v", err)
	}
	if k, _ := s.Entries(3); k != 2 {
		t.Fatalf("segment 3 holds %d entries after a refused clear", k)
	}
}

func TestPMStoreClearAll(t *testing.T) {
	for _, remove := range []bool{false, true} {
		capab := uint16(0)
		want := 4
		if remove {
			capab, want = PMStoreCapabVarNoOfSegm|PMStoreCapabClearSegmRemove, 0
		}
		_, as := pmAssociation(t, timedPMStore(t, capab, 3))
		ctx := context.Background()
		if err := as.ClearSegments(ctx, testStore, SegmSelection{Choice: SegmSelectionAllSegments}); err != nil {
			t.Fatal(err)
		}
		segs, err := as.SegmentInfo(ctx, testStore)
		if err != nil {
			t.Fatal(err)
		}
		if len(segs) != want || numSegments(t, as) != want {
			t.Fatalf("remove %v: segments %v, want %d", remove, instances(segs), want)
		}
		for inst, c := range usage(t, segs) {
			if c != 0 {
				t.Fatalf("segment %d: usage count %d after clearing all", inst, c)
			}
		}
	}
}

func TestPMStoreClearRemove(t *testing.T) {
	s := timedPMStore(t, PMStoreCapabVarNoOfSegm|PMStoreCapabClearSegmByListSup|PMStoreCapabClearSegmRemove, 2)
	_, as := pmAssociation(t, s)
	ctx := context.Background()
	before, err := as.SegmentInfo(ctx, testStore)
	if err != nil {
		t.Fatal(err)
	}
	if err := as.ClearSegments(ctx, testStore, SegmSelection{Choice: SegmSelectionSegmIDList, SegmIDs: []uint16{2, 4}}); err != nil {
		t.Fatal(err)
	}
	segs, err := as.SegmentInfo(ctx, testStore)
	if err != nil {
		t.Fatal(err)
	}
	if got := instances(segs); !equalU16(got, []uint16{1, 3}) || numSegments(t, as) != 2 {
		t.Fatalf("segments %v after removing 2 and 4", got)
	}
	var te *TriggerError
	if _, err := as.TransferSegment(ctx, testStore, &before[1]); !errors.As(err, &te) || te.Result != TrigSegmXferRspFailNoSuchSegment {
		t.Fatalf("transfer of a removed segment: %v", err)
	}
	if _, err := s.Entries(2); !errors.Is(err, ErrNoSegment) {
		t.Fatalf("Entries of a removed segment: %v", err)
	}
	if err := s.AddSegment(2, glucoseMap, nil); err != nil {
		t.Fatalf("adding segment 2 again: %v", err)
	}
}

func TestPMStoreClearUnknown(t *testing.T) {
	s := timedPMStore(t, PMStoreCapabClearSegmByListSup, 2)
	_, as := pmAssociation(t, s)
	ctx := context.Background()
	err := as.ClearSegments(ctx, testStore, SegmSelection{Choice: SegmSelectionSegmIDList, SegmIDs: []uint16{1, 9}})
	if !isRemote(err, ErrorValueNotAllowedByObject) {
		t.Fatalf("clear naming segment 9: %v", err)
	}
	if k, _ := s.Entries(1); k != 2 {
		t.Fatalf("segment 1 holds %d entries after a refused clear", k)
	}
	if err := as.ClearSegments(ctx, 0x0200, SegmSelection{Choice: SegmSelectionAllSegments}); !errors.As(err, new(*RemoteError)) {
		t.Fatalf("clear of an object that is no PM-store: %v", err)
	}
	if err := as.ClearSegments(ctx, testStore, SegmSelection{Choice: 0}); !errors.Is(err, ErrChoice) {
		t.Fatalf("choice 0: %v", err)
	}
	if err := as.ClearSegments(ctx, testStore, SegmSelection{Choice: SegmSelectionSegmIDList}); err != nil {
		t.Fatalf("empty list: %v", err)
	}
	if k, _ := s.Entries(1); k != 2 {
		t.Fatalf("segment 1 holds %d entries after clearing an empty list", k)
	}
}

// TestPMStoreClearDuringTransfer sends, as a manager that never confirms segment data
// events, a trigger of segment 1 (sent in one event, never confirmed), clear 1, a trigger
// of segment 3 (which waits for the transfer of 1), clear 3, clear 2 and clear all: the
// agent refuses the clears that include a segment being transferred and carries out the
// other.
func TestPMStoreClearDuringTransfer(t *testing.T) {
	var msgs []byte
	add := func(invoke uint16, typ OID, arg func(*ActionInvoke)) {
		x := APDU{Choice: ChoicePRST}
		x.PRST.InvokeID = invoke
		x.PRST.Choice = MessageROIVConfirmedAction
		x.PRST.Action = ActionArgument{ObjHandle: testStore, ActionType: typ}
		arg(&x.PRST.Action.Invoke)
		b, err := x.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b...)
	}
	list := func(ids ...uint16) func(*ActionInvoke) {
		return func(inv *ActionInvoke) {
			inv.SegmSelection = SegmSelection{Choice: SegmSelectionSegmIDList, SegmIDs: ids}
		}
	}
	add(1, MDCActSegTrigXfer, func(inv *ActionInvoke) { inv.TrigSegmDataXfer.SegInstNo = 1 })
	add(2, MDCActSegClr, list(1))
	add(3, MDCActSegTrigXfer, func(inv *ActionInvoke) { inv.TrigSegmDataXfer.SegInstNo = 3 })
	add(4, MDCActSegClr, list(3))
	add(5, MDCActSegClr, list(2))
	add(6, MDCActSegClr, func(inv *ActionInvoke) { inv.SegmSelection = SegmSelection{Choice: SegmSelectionAllSegments} })
	addr, raw := silentManagerSending(t, msgs)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := timedPMStore(t, PMStoreCapabClearSegmByListSup, 3)
	a, err := NewAgent(c, AgentConfig{Config: glucosePMConfig(t), PMStore: s, SegmentEntriesPerEvent: 3, ResponseTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Associate(context.Background()); err != nil {
		t.Fatal(err)
	}
	answers := map[uint16]*APDU{}
	for b := range raw {
		var x APDU
		if _, err := x.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if x.Choice == ChoiceABRT {
			break
		}
		if x.PRST.Choice != MessageROIVConfirmedEventReport {
			answers[x.PRST.InvokeID] = &x
		}
	}
	for invoke, refused := range map[uint16]bool{2: true, 4: true, 5: false, 6: true} {
		x := answers[invoke]
		switch {
		case x == nil:
			t.Errorf("no answer to invoke %d", invoke)
		case refused && (x.PRST.Choice != MessageROER || x.PRST.Error.ErrorValue != ErrorValueNotAllowedByObject):
			t.Errorf("invoke %d: %v, want a ROER not-allowed-by-object", invoke, x.PRST.Choice)
		case !refused && (x.PRST.Choice != MessageRORSConfirmedAction || x.PRST.ActionResult.ActionType != MDCActSegClr):
			t.Errorf("invoke %d: %v %+v, want the clear's result", invoke, x.PRST.Choice, x.PRST.ActionResult)
		}
	}
	if x := answers[3]; x == nil || x.PRST.ActionResult.Result.TrigSegmDataXfer.Result != TrigSegmXferRspSuccessful {
		t.Fatalf("the trigger of segment 3 was not accepted: %+v", x)
	}
	for inst, want := range map[uint16]int{1: 3, 2: 0, 3: 3, 4: 3} {
		if k, _ := s.Entries(inst); k != want {
			t.Errorf("segment %d holds %d entries, want %d", inst, k, want)
		}
	}
}
