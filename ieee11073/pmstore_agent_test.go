package ieee11073

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func TestPMStoreErrors(t *testing.T) {
	s := NewPMStore(testStore, nil)
	if err := s.AddSegment(1, glucoseMap, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSegment(1, glucoseMap, nil); err == nil {
		t.Error("a second segment 1 was added")
	}
	if err := s.AddSegment(2, PmSegmentEntryMap{}, nil); !errors.Is(err, ErrValue) {
		t.Errorf("empty entry map: %v", err)
	}
	if err := s.AddEntry(1, make([]byte, 9)); !errors.Is(err, ErrLength) {
		t.Errorf("short entry: %v", err)
	}
	if err := s.AddEntry(7, make([]byte, 10)); !errors.Is(err, ErrNoSegment) {
		t.Errorf("unknown segment: %v", err)
	}
	e, _, _ := glucoseEntry(0, 0)
	if err := s.AddEntry(1, e); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Entries(1); n != 1 || err != nil {
		t.Errorf("Entries = %d, %v", n, err)
	}
	if _, err := s.Entries(7); !errors.Is(err, ErrNoSegment) {
		t.Errorf("Entries of an unknown segment: %v", err)
	}
	if _, err := NewAgent(nil, AgentConfig{SegmentEntriesPerEvent: -1}); err == nil {
		t.Error("negative SegmentEntriesPerEvent accepted")
	}
}

// TestAgentSegmentNotConfirmed checks that an agent whose segment data event is never
// answered aborts the association after the response timeout, and that it sends nothing
// more before.
func TestAgentSegmentNotConfirmed(t *testing.T) {
	trig := APDU{Choice: ChoicePRST}
	trig.PRST.InvokeID = 1
	trig.PRST.Choice = MessageROIVConfirmedAction
	trig.PRST.Action = ActionArgument{ObjHandle: testStore, ActionType: MDCActSegTrigXfer}
	trig.PRST.Action.Invoke.TrigSegmDataXfer.SegInstNo = 1
	tb, _ := trig.MarshalBinary()
	addr, raw := silentManagerSending(t, tb)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAgent(c, AgentConfig{Config: glucosePMConfig(t), PMStore: pmStore(t, 3), ResponseTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Associate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var seen []*APDU
	for b := range raw {
		var x APDU
		if _, err := x.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, &x)
		if x.Choice == ChoiceABRT {
			break
		}
	}
	if len(seen) != 3 {
		t.Fatalf("agent sent %d APDUs, want the trigger's answer, one event and an abort", len(seen))
	}
	if r := seen[0].PRST; r.Choice != MessageRORSConfirmedAction || r.ActionResult.Result.TrigSegmDataXfer.Result != TrigSegmXferRspSuccessful {
		t.Fatalf("answer to the trigger: %+v", r)
	}
	if e := seen[1].PRST; e.Choice != MessageROIVConfirmedEventReport || e.EventReport.EventType != MDCNotiSegmentData ||
		e.EventReport.Report.SegmentData.Descr != (SegmDataEventDescr{Instance: 1, EntryIndex: 0, EntryCount: 1, Status: SegmEvtStatusFirstEntry}) {
		t.Fatalf("segment data event: %+v", e)
	}
	if seen[2].ABRT.Reason != AbortReasonResponseTimeout {
		t.Fatalf("abort reason %v", seen[2].ABRT.Reason)
	}
}
