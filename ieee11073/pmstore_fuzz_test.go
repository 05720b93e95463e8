package ieee11073

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// segmentDataAPDU is a confirmed MDC_NOTI_SEGMENT_DATA event report from object store
// whose event-info is info, as on the wire.
func segmentDataAPDU(invoke uint16, store Handle, info []byte) []byte {
	b := []byte{0xE7, 0x00, 0, 0, 0, 0}
	b = binary.BigEndian.AppendUint16(b, invoke)
	b = binary.BigEndian.AppendUint16(b, uint16(MessageROIVConfirmedEventReport))
	b = binary.BigEndian.AppendUint16(b, uint16(10+len(info)))
	b = binary.BigEndian.AppendUint16(b, uint16(store))
	b = binary.BigEndian.AppendUint32(b, 0xFFFFFFFF)
	b = binary.BigEndian.AppendUint16(b, uint16(MDCNotiSegmentData))
	b = binary.BigEndian.AppendUint16(b, uint16(len(info)))
	b = append(b, info...)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)-6))
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-4))
	return b
}

// FuzzManagerSegmentData sends a Manager, during a PM-segment transfer it asked for, a
// segment data event whose event-info is arbitrary, and checks that TransferSegment
// returns (an error, or a transfer whose entry count matches the observations delivered),
// that nothing panics, and that another association is not disturbed.
//
//	go test -run '^$' -fuzz '^FuzzManagerSegmentData$' -fuzztime 60s -fuzzminimizetime 2s ./ieee11073
func FuzzManagerSegmentData(f *testing.F) {
	for _, n := range []int{1, 3} {
		var entries []byte
		for i := range n {
			e, _, _ := glucoseEntry(0, i)
			entries = append(entries, e...)
		}
		ev := SegmentDataEvent{Descr: SegmDataEventDescr{Instance: 1, EntryCount: uint32(n),
			Status: SegmEvtStatusFirstEntry | SegmEvtStatusLastEntry}, Entries: entries}
		b, _ := ev.AppendBinary(nil)
		f.Add(b)
		ev.Descr.Status = SegmEvtStatusFirstEntry
		b, _ = ev.AppendBinary(nil)
		f.Add(b)
	}
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xC0, 0, 0, 1, 0})

	infos := make(chan *AssociationInfo, 1)
	var delivered int
	m, err := NewManager(ManagerConfig{
		SkipMDSGet:      true,
		ResponseTimeout: 50 * time.Millisecond,
		OnAssociate:     func(info *AssociationInfo) { infos <- info },
		OnObservations:  func(*AssociationInfo, *EventReportArgument, []Observation) error { return nil },
		OnSegmentData: func(_ *AssociationInfo, _ Handle, _ *SegmentDataEvent, obs []Observation) error {
			delivered += len(obs)
			return nil
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	good := associatedPipeAgent(f, m)
	<-infos
	aarq := loadSessions(f)[1].apdus[0].data // Antidote's blood pressure AARQ, 0x02BC
	mapEnc, _ := glucoseMap.AppendBinary(nil)
	seg := SegmentInfo{InstNo: 1, Attributes: AttributeList{{ID: MDCAttrPMSegMap, Value: mapEnc}}}
	report := bpReport(120, 80, 93, 60)

	f.Fuzz(func(t *testing.T, info []byte) {
		client, server := net.Pipe()
		defer client.Close()
		if !m.ServeConn(ctx, server) {
			t.Fatal("ServeConn refused")
		}
		client.SetDeadline(time.Now().Add(5 * time.Second))
		fr := NewFramer(client, 0)
		if _, err := client.Write(aarq); err != nil {
			t.Fatal(err)
		}
		if _, err := fr.ReadAPDU(); err != nil { // AARE
			t.Fatal(err)
		}
		as := m.Association(<-infos)
		if as == nil {
			t.Fatal("no association")
		}
		delivered = 0
		type result struct {
			x   SegmentTransfer
			err error
		}
		done := make(chan result, 1)
		go func() {
			x, err := as.TransferSegment(ctx, testStore, &seg)
			done <- result{x, err}
		}()
		b, err := fr.ReadAPDU()
		if err != nil {
			t.Fatal(err)
		}
		var trig APDU
		if _, err := trig.Unmarshal(b); err != nil || trig.PRST.Action.ActionType != MDCActSegTrigXfer {
			t.Fatalf("want the trigger, got %x: %v", b, err)
		}
		rsp := APDU{Choice: ChoicePRST}
		rsp.PRST.InvokeID = trig.PRST.InvokeID
		rsp.PRST.Choice = MessageRORSConfirmedAction
		rsp.PRST.ActionResult = ActionResult{ObjHandle: testStore, ActionType: MDCActSegTrigXfer}
		rsp.PRST.ActionResult.Result.TrigSegmDataXfer = TrigSegmDataXferRsp{SegInstNo: 1}
		out, _ := rsp.MarshalBinary()
		out = append(out, segmentDataAPDU(7, testStore, info)...)
		go func() {
			client.Write(out)
			io.Copy(io.Discard, client) // net.Pipe writes block until read
		}()
		r := <-done
		if r.err == nil {
			if r.x.Entries != uint64(delivered) || r.x.Events != 1 {
				t.Fatalf("transfer %+v with %d observations delivered", r.x, delivered)
			}
		} else if !errors.Is(r.err, ErrResponseTimeout) && !errors.Is(r.err, ErrAssociationEnded) {
			var de *DecodeError
			if !errors.As(r.err, &de) && !errors.Is(r.err, ErrSegmentTransferAborted) {
				t.Fatalf("TransferSegment: %v", r.err)
			}
		}
		client.Close()
		for i := 0; m.Associations() != 1; i++ {
			if i == 2000 {
				t.Fatalf("%d connections still served after the fuzzed one closed", m.Associations())
			}
			time.Sleep(time.Millisecond)
		}
		if err := good.SendReport(ctx, report, true); err != nil {
			t.Fatalf("the other association failed: %v", err)
		}
	})
}

// FuzzPMStoreSelection decodes a SegmSelection as the agent does from an
// MDC_ACT_SEG_GET_INFO or MDC_ACT_SEG_CLR, checks that it encodes back to the same octets,
// lists and clears the segments it selects in PM-stores of each clearing capability, and
// checks that a clear empties or removes exactly the segments listed, or changes nothing
// when refused.
func FuzzPMStoreSelection(f *testing.F) {
	for _, sel := range []SegmSelection{
		{Choice: SegmSelectionAllSegments},
		{Choice: SegmSelectionSegmIDList, SegmIDs: []uint16{2, 4}},
		{Choice: SegmSelectionSegmIDList, SegmIDs: []uint16{1, 9}},
		{Choice: SegmSelectionAbsTimeRange, From: absTime(1, 0, 0), To: absTime(2, 23, 0)},
	} {
		b, err := sel.AppendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(b, uint8(0xFF))
	}
	f.Fuzz(func(t *testing.T, b []byte, flags uint8) {
		var sel SegmSelection
		n, err := sel.Unmarshal(b)
		if err != nil {
			return
		}
		enc, err := sel.AppendBinary(nil)
		if err != nil || !bytes.Equal(enc, b[:n]) {
			t.Fatalf("%x decodes to %+v, which encodes to %x, %v", b[:n], sel, enc, err)
		}
		capab := uint16(flags) & (PMStoreCapabClearSegmByListSup | PMStoreCapabClearSegmByTimeSup | PMStoreCapabClearSegmRemove | PMStoreCapabAbsTimeSelect)
		s := timedPMStore(t, capab, 2)
		listed := map[uint16]bool{}
		for _, info := range s.segmentInfo(nil, &sel) {
			if listed[info.InstNo] {
				t.Fatalf("segment %d listed twice", info.InstNo)
			}
			listed[info.InstNo] = true
		}
		busy := flags&1 != 0
		_, ok := s.clearSegments(&sel, func(inst uint16) bool { return busy && inst == 3 })
		for inst := uint16(1); inst <= 4; inst++ {
			k, err := s.Entries(inst)
			switch {
			case !ok || !listed[inst]:
				if k != 2 || err != nil {
					t.Fatalf("segment %d: %d entries, %v; want it untouched (clear ok %v)", inst, k, err, ok)
				}
			case capab&PMStoreCapabClearSegmRemove != 0:
				if !errors.Is(err, ErrNoSegment) {
					t.Fatalf("segment %d not removed", inst)
				}
			case k != 0 || err != nil:
				t.Fatalf("segment %d: %d entries, %v; want it empty", inst, k, err)
			}
		}
	})
}
