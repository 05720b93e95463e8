package ieee11073

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestInteropAntidotePMStore runs our Agent, offering a PM-store of two segments of glucose
// entries, against a manager program built on Antidote's manager library that, once the
// agent is associated, asks the PM-store at handle 0x0100 for its segment information
// (manager_request_get_segment_info), then for the data of segments 1 and 2
// (manager_request_get_segment_data), prints each segment's data list as one line
// "PMSEGMENT <handle> <instance> <json>", then "PMDONE"; the agent then releases. It is found through
// PHDKIT_ANTIDOTE_PM_MANAGER and is run like the sample manager (127.0.0.1, ANTIDOTE_PORT).
func TestInteropAntidotePMStore(t *testing.T) {
	bin := antidoteBinary(t, "PHDKIT_ANTIDOTE_PM_MANAGER")
	const n = 5
	c, out := dialAntidoteManager(t, bin)
	var mu sync.Mutex
	var confirms []SegmDataEventDescr
	a, err := NewAgent(c, AgentConfig{
		Config: glucosePMConfig(t), PMStore: pmStore(t, n), SegmentEntriesPerEvent: 2,
		OnSegmentConfirm: func(d SegmDataEventDescr) {
			mu.Lock()
			defer mu.Unlock()
			confirms = append(confirms, d)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.Associate(ctx); err != nil {
		t.Fatalf("Associate: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "PMDONE") {
		if time.Now().After(deadline) {
			t.Fatal("Antidote never received both segments")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The release waits for the confirmation of the last segment data event.
	if err := a.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	text := out.String()
	for seg := range 2 {
		line := ""
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "PMSEGMENT 256 "+string(rune('1'+seg))+" ") {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("Antidote printed no data for segment %d", seg+1)
		}
		for i := range n {
			_, _, v := glucoseEntry(seg, i)
			if !strings.Contains(line, `"`+v+`.000000"`) {
				t.Errorf("segment %d: Antidote's data lacks entry %d (%s): %s", seg+1, i, v, tail(line, 2000))
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// 5 entries, 2 per event: 3 events per segment, each confirmed.
	if len(confirms) != 6 {
		t.Fatalf("%d confirmations, want 6: %+v", len(confirms), confirms)
	}
	for k, d := range confirms {
		if d.Status&SegmEvtStatusManagerConfirm == 0 || d.EntryIndex != uint32(k%3*2) {
			t.Errorf("confirmation %d: %+v", k, d)
		}
	}
}

// TestInteropAntidotePMClear runs our Agent against a manager program built on Antidote's
// manager library that, besides what TestInteropAntidotePMStore's does, clears segments of
// the PM-store at handle 0x0100 once it has printed "PMDONE": first segment 9, which the
// PM-store lacks, then segment 1 (manager_request_clear_segment, a segm-id-list of one
// segment). For each answer it prints "PMCLEAR <instance> <error> <detail>", where error is
// 0 for a result and 1 for a ROER of error value detail, then "PMCLEARDONE". It is found
// through PHDKIT_ANTIDOTE_PM_CLEAR_MANAGER and is run like the sample manager.
func TestInteropAntidotePMClear(t *testing.T) {
	bin := antidoteBinary(t, "PHDKIT_ANTIDOTE_PM_CLEAR_MANAGER")
	const n = 3
	s := timedPMStore(t, PMStoreCapabClearSegmByListSup, n)
	c, out := dialAntidoteManager(t, bin)
	a, err := NewAgent(c, AgentConfig{Config: glucosePMConfig(t), PMStore: s, SegmentEntriesPerEvent: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := a.Associate(ctx); err != nil {
		t.Fatalf("Associate: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "PMCLEARDONE") {
		if time.Now().After(deadline) {
			t.Fatalf("Antidote never finished clearing: %s", tail(out.String(), 2000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	var got []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "PMCLEAR ") {
			got = append(got, l)
		}
	}
	want := []string{"PMCLEAR 9 1 24", "PMCLEAR 1 0 0"} // 24: not-allowed-by-object
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Antidote printed %q, want %q", got, want)
	}
	for inst, w := range map[uint16]int{1: 0, 2: n, 3: n, 4: n} {
		if k, _ := s.Entries(inst); k != w {
			t.Errorf("segment %d holds %d entries, want %d", inst, k, w)
		}
	}
}
