package ieee11073

import (
	"errors"
	"reflect"
	"testing"
)

func TestSegmentObservations(t *testing.T) {
	m := PmSegmentEntryMap{Header: SegmEntryHeaderAbsTime, Elems: []SegmEntryElem{
		{ClassID: MDCMocVmoMetricNu, MetricType: Type{PartitionSCADA, MDCConcGluCapillaryWholeblood}, ObjHandle: 1,
			ValMap: AttrValMap{{MDCAttrNuValObsBasic, 2}}},
		{ClassID: MDCMocVmoMetricNu, MetricType: Type{PartitionSCADA, MDCTempBody}, ObjHandle: 5,
			ValMap: AttrValMap{{MDCAttrNuValObsSimp, 4}, {MDCAttrUnitCode, 2}}},
	}}
	b, err := m.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back PmSegmentEntryMap
	if n, err := back.Unmarshal(b); err != nil || n != len(b) || !reflect.DeepEqual(back, m) {
		t.Fatalf("PmSegmentEntryMap round trip = %d, %v: %+v", n, err, back)
	}
	for i := range b {
		if _, err := back.Unmarshal(b[:i]); err == nil {
			t.Fatalf("prefix %d decoded", i)
		}
	}
	entry := func(day byte, glu uint16) []byte {
		return []byte{0x20, 0x26, 0x11, day, 0x07, 0x30, 0, 0, byte(glu >> 8), byte(glu), 0xFF, 0, 0x01, 0x6E, 0x17, 0xA0}
	}
	ev := SegmentDataEvent{Descr: SegmDataEventDescr{Instance: 1, EntryIndex: 0, EntryCount: 2},
		Entries: append(entry(0x21, 0x005F), entry(0x22, 0xF3F2)...)}
	cfg, _ := StandardConfiguration(0x06A4)
	dst := make([]Observation, 0, 8)
	obs, err := cfg.SegmentObservations(dst, &m, &ev)
	if err != nil || len(obs) != 4 {
		t.Fatalf("SegmentObservations = %+v, %v", obs, err)
	}
	if obs[0].Value.String() != "95" || obs[0].Unit != MDCDimMilliGPerDl || obs[0].Time.String() != "2026-11-21T07:30:00.00" ||
		obs[1].Type.Code != MDCTempBody || obs[1].Value.String() != "36.6" || obs[1].Unit != MDCDimDegc ||
		obs[2].Value.String() != "101.0" || obs[3].Time.String() != "2026-11-22T07:30:00.00" {
		t.Fatalf("SegmentObservations = %+v", obs)
	}
	if n := testing.AllocsPerRun(50, func() { dst, _ = cfg.SegmentObservations(dst[:0], &m, &ev) }); n != 0 {
		t.Errorf("SegmentObservations: %v allocations, want 0", n)
	}
	ev.Descr.EntryCount = 3
	if _, err := cfg.SegmentObservations(nil, &m, &ev); !errors.Is(err, ErrLength) {
		t.Fatalf("wrong entry count: %v", err)
	}
	ev.Descr.EntryCount = 2
	ev.Entries = append([]byte(nil), ev.Entries...)
	ev.Entries[2] = 0x1F // month 1F is not BCD
	var de *DecodeError
	if _, err := cfg.SegmentObservations(nil, &m, &ev); !errors.As(err, &de) || !errors.Is(err, ErrValue) {
		t.Fatalf("bad time: %v", err)
	}
}
