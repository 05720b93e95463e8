package ieee11073

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// parsed returns the configuration with the given objects as ParseConfigReport builds it
// from the report an agent would send, plans included.
func parsed(tb testing.TB, id ConfigID, objs []ConfiguredObject) *Configuration {
	tb.Helper()
	rep, err := (&Configuration{ID: id, Objects: objs}).Report()
	if err != nil {
		tb.Fatal(err)
	}
	c, err := ParseConfigReport(&rep)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// planTestConfigs returns the standard configurations and extended ones whose attribute
// value maps put the time stamps, status and unit before, between and after the values.
func planTestConfigs(tb testing.TB) []*Configuration {
	var cs []*Configuration
	for _, id := range StandardConfigurationIDs() {
		c, _ := StandardConfiguration(id)
		cs = append(cs, c)
	}
	nu := func(h Handle, code OID, unit OID, m AttrValMap) ConfiguredObject {
		return ConfiguredObject{Class: MDCMocVmoMetricNu, Handle: h, Type: Type{PartitionSCADA, code}, Unit: unit, ValMap: m}
	}
	bp := nu(1, MDCPressBldNoninv, MDCDimMmhg, AttrValMap{{MDCAttrMsmtStat, 2}, {MDCAttrNuCmpdValObsSimp, 16},
		{MDCAttrTimeStampRel, 4}, {MDCAttrUnitCode, 2}})
	bp.PhysioList = []OID{MDCPressBldNoninvSys, MDCPressBldNoninvDia, MDCPressBldNoninvMean}
	short := nu(5, MDCPressBldNoninv, MDCDimMmhg, AttrValMap{{MDCAttrNuCmpdValObsBasic, 12}, {MDCAttrTimeStampAbs, 8}})
	short.PhysioList = []OID{MDCPressBldNoninvSys} // fewer names than parts
	cs = append(cs, parsed(tb, 0x4100, []ConfiguredObject{
		bp,
		nu(2, MDCPulsRateNonInv, MDCDimBeatPerMin, AttrValMap{{MDCAttrTimeStampAbs, 8}, {MDCAttrNuValObsBasic, 2},
			{MDCAttrNuValObsSimp, 4}, {MDCAttrMsmtStat, 2}}),
		nu(3, MDCTempBody, MDCDimDegc, AttrValMap{{MDCAttrNuValObsSimp, 4}, {MDCAttrUnitCode, 2},
			{MDCAttrTimeStampRel, 4}, {MDCAttrTimeStampAbs, 8}}),
		// Maps no plan covers: a repeated time stamp, an enumeration.
		nu(4, MDCMassBodyActual, MDCDimKiloG, AttrValMap{{MDCAttrNuValObsBasic, 2}, {MDCAttrTimeStampAbs, 8},
			{MDCAttrTimeStampAbs, 8}}),
		short,
		{Class: MDCMocVmoMetricEnum, Handle: 6, Type: Type{PartitionSCADA, 0x1234},
			ValMap: AttrValMap{{MDCAttrEnumObsValSimpOID, 2}, {MDCAttrTimeStampAbs, 8}}},
	}))
	return cs
}

// withoutPlans returns a copy of c that decodes every report by walking the maps.
func withoutPlans(c *Configuration) *Configuration {
	d := *c
	d.plans = nil
	return &d
}

// randomData returns obs-val-data for the map m: random values, valid times, and compound
// headers that match the map, or with bad true anything at all in the places checked.
func randomData(rng *rand.Rand, m AttrValMap, bad bool) []byte {
	var b []byte
	for _, e := range m {
		start := len(b)
		for range e.Len {
			b = append(b, byte(rng.UintN(256)))
		}
		f := b[start:]
		switch e.ID {
		case MDCAttrTimeStampAbs:
			if !bad || rng.IntN(4) != 0 {
				copy(f, []byte{0x20, 0x26, 0x11, 0x22, 0x04, 0x12, 0x59, 0x99})
			}
		case MDCAttrNuCmpdValObsBasic, MDCAttrNuCmpdValObsSimp:
			size := 2
			if e.ID == MDCAttrNuCmpdValObsSimp {
				size = 4
			}
			if !bad || rng.IntN(4) != 0 {
				n := (int(e.Len) - 4) / size
				f[0], f[1], f[2], f[3] = byte(n>>8), byte(n), byte((n*size)>>8), byte(n*size)
			}
		case MDCAttrNuValObsBasic:
			if rng.IntN(4) == 0 {
				f[0], f[1] = 0x07, 0xFE+byte(rng.IntN(2)) // a special value
			}
		}
	}
	if bad && rng.IntN(4) == 0 {
		b = b[:rng.IntN(len(b)+1)]
	}
	return b
}

// sameResult fails unless two decodings gave the same observations and the same error.
func sameResult(t *testing.T, what string, got, want []Observation, gerr, werr error) {
	t.Helper()
	if !reflect.DeepEqual(gerr, werr) {
		t.Fatalf("%s: error %v, want %v", what, gerr, werr)
	}
	if (len(got) != 0 || len(want) != 0) && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// TestPlannedObservations checks that decoding fixed-format reports with the plans built
// with a configuration gives what walking the attribute value maps gives, for good and bad
// data, in single- and multiple-person reports.
func TestPlannedObservations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cs := planTestConfigs(t)
	ext := cs[len(cs)-1]
	for i, want := range []bool{true, true, true, false, true, false} {
		if got := ext.plans[i].size >= 0; got != want {
			t.Errorf("object %d has a plan: %v, want %v", ext.Objects[i].Handle, got, want)
		}
	}
	for _, c := range cs {
		if len(c.plans) != len(c.Objects) {
			t.Fatalf("configuration %#04x has %d plans for %d objects", uint16(c.ID), len(c.plans), len(c.Objects))
		}
		slow := withoutPlans(c)
		for round := range 200 {
			bad := round%2 == 1
			var sf ScanReportInfoFixed
			for i := range c.Objects {
				o := &c.Objects[rng.IntN(len(c.Objects))]
				if round < 10 {
					o = &c.Objects[i] // in configuration order
				}
				sf.Observations = append(sf.Observations, ObservationScanFixed{ObjHandle: o.Handle,
					Value: randomData(rng, o.ValMap, bad)})
			}
			if bad && rng.IntN(8) == 0 {
				sf.Observations = append(sf.Observations, ObservationScanFixed{ObjHandle: 0x7777, Value: []byte{1, 2}})
			}
			ev := EventReportArgument{EventType: MDCNotiScanReportFixed, Report: EventInfo{ScanFixed: sf}}
			got, gerr := c.Observations(make([]Observation, 0, rng.IntN(4)), &ev)
			want, werr := slow.Observations(nil, &ev)
			sameResult(t, "fixed", got, want, gerr, werr)

			ev = EventReportArgument{EventType: MDCNotiBufScanReportMPFixed, Report: EventInfo{ScanMPFixed: ScanReportInfoMPFixed{
				Persons: []ScanReportPerFixed{{PersonID: 1, Observations: sf.Observations}, {PersonID: 2, Observations: sf.Observations[:1]}}}}}
			got, gerr = c.Observations(got[:0], &ev)
			want, werr = slow.Observations(want[:0], &ev)
			sameResult(t, "multiple-person", got, want, gerr, werr)
		}
	}
}

// TestPlanFollowsChanges checks that a plan is not used once the object it was built from
// has changed, in a copy of the configuration or in a new list of objects.
func TestPlanFollowsChanges(t *testing.T) {
	bp, _ := StandardConfiguration(0x02BC)
	a := decodeVector(t, "er_bp_02BC_std_example")
	ev := &a.PRST.EventReport
	want, err := withoutPlans(bp).Observations(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	changes := []func(o *ConfiguredObject){
		func(o *ConfiguredObject) { o.Unit = MDCDimKiloPascal },
		func(o *ConfiguredObject) { o.Type.Partition = PartitionDim },
		func(o *ConfiguredObject) { o.PhysioList = []OID{1, 2, 3} },
		func(o *ConfiguredObject) {
			o.ValMap = AttrValMap{{MDCAttrTimeStampAbs, 8}, {MDCAttrNuCmpdValObsBasic, 10}}
		},
	}
	for i, change := range changes {
		c := *bp
		c.Objects = append([]ConfiguredObject(nil), bp.Objects...)
		change(&c.Objects[0])
		got, gerr := c.Observations(nil, ev)
		w, werr := withoutPlans(&c).Observations(nil, ev)
		sameResult(t, "changed object", got, w, gerr, werr)
		if i < 3 && reflect.DeepEqual(got, want) {
			t.Fatalf("change %d: observations did not change", i)
		}
	}
}

// TestPlanLimit checks that a map declaring a huge compound value gets no plan, and that
// its reports still decode.
func TestPlanLimit(t *testing.T) {
	o := ConfiguredObject{Class: MDCMocVmoMetricNu, Handle: 1, Type: Type{PartitionSCADA, MDCPressBldNoninv},
		Unit: MDCDimMmhg, ValMap: AttrValMap{{MDCAttrNuCmpdValObsBasic, 4 + 2*(maxPlanObs+1)}}}
	c := parsed(t, 0x4200, []ConfiguredObject{o})
	if c.plans[0].size >= 0 {
		t.Fatalf("a map of %d values got a plan", maxPlanObs+1)
	}
	v := randomData(rand.New(rand.NewPCG(3, 4)), o.ValMap, false)
	ev := EventReportArgument{EventType: MDCNotiScanReportFixed, Report: EventInfo{ScanFixed: ScanReportInfoFixed{
		Observations: []ObservationScanFixed{{ObjHandle: 1, Value: v}}}}}
	if obs, err := c.Observations(nil, &ev); err != nil || len(obs) != maxPlanObs+1 {
		t.Fatalf("Observations = %d, %v", len(obs), err)
	}
	o.ValMap[0].Len = 4 + 2*maxPlanObs
	if c := parsed(t, 0x4200, []ConfiguredObject{o}); c.plans[0].size < 0 {
		t.Fatalf("a map of %d values got no plan", maxPlanObs)
	}
}

// TestPlannedObservationsAllocs holds decoding with a plan to no allocations when dst has
// room, in single- and multiple-person reports of an extended configuration.
func TestPlannedObservationsAllocs(t *testing.T) {
	c := planTestConfigs(t)[len(StandardConfigurationIDs())]
	rng := rand.New(rand.NewPCG(5, 6))
	var sf ScanReportInfoFixed
	for i := range 3 {
		o := &c.Objects[i]
		sf.Observations = append(sf.Observations, ObservationScanFixed{ObjHandle: o.Handle, Value: randomData(rng, o.ValMap, false)})
	}
	ev := EventReportArgument{EventType: MDCNotiScanReportFixed, Report: EventInfo{ScanFixed: sf}}
	mp := EventReportArgument{EventType: MDCNotiScanReportMPFixed, Report: EventInfo{ScanMPFixed: ScanReportInfoMPFixed{
		Persons: []ScanReportPerFixed{{PersonID: 7, Observations: sf.Observations}}}}}
	dst := make([]Observation, 0, 16)
	for _, e := range []*EventReportArgument{&ev, &mp} {
		var err error
		if dst, err = c.Observations(dst[:0], e); err != nil || len(dst) != 6 {
			t.Fatalf("Observations = %d, %v", len(dst), err)
		}
		if n := testing.AllocsPerRun(50, func() { dst, _ = c.Observations(dst[:0], e) }); n != 0 {
			t.Errorf("%v: %v allocations, want 0", e.EventType, n)
		}
	}
}

// TestScanFixedOnePass checks the one-pass decoding of fixed scan reports against the
// Reader on every vector and on every strict prefix and single-byte change of them.
func TestScanFixedOnePass(t *testing.T) {
	for _, v := range loadVectors(t) {
		checkOnePass(t, v.bytes)
		for i := range v.bytes {
			checkOnePass(t, v.bytes[:i])
			b := append([]byte(nil), v.bytes...)
			for _, x := range []byte{0, 1, 0x7F, 0xFF} {
				b[i] = v.bytes[i] + x
				checkOnePass(t, b)
			}
		}
	}
}

// checkOnePass fails unless APDU.Unmarshal, which takes fixed scan reports in one pass,
// and the Reader decode b alike.
func checkOnePass(t testing.TB, b []byte) {
	t.Helper()
	var fast, slow APDU
	n, err := fast.Unmarshal(b)
	m, werr := slow.unmarshalReader(b)
	if n != m || !reflect.DeepEqual(err, werr) {
		t.Fatalf("%X: Unmarshal = %d, %v; the Reader gives %d, %v", b, n, err, m, werr)
	}
	if err == nil && !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%X: Unmarshal gives\n%+v\nthe Reader gives\n%+v", b, fast, slow)
	}
	var de *DecodeError
	if err != nil && !errors.As(err, &de) {
		t.Fatalf("%X: error %T is not *DecodeError", b, err)
	}
	if err == nil {
		checkEncodeOnePass(t, &fast)
	}
}

// checkEncodeOnePass fails unless APDU.AppendBinary, which writes fixed scan reports in
// one pass, and the field-by-field encoder encode a alike, after a prefix.
func checkEncodeOnePass(t testing.TB, a *APDU) {
	t.Helper()
	prefix := []byte{0xAA, 0xBB}
	got, gerr := a.AppendBinary(append([]byte(nil), prefix...))
	want, werr := a.appendGeneral(append([]byte(nil), prefix...))
	if !reflect.DeepEqual(gerr, werr) || !bytes.Equal(got, want) {
		t.Fatalf("AppendBinary = %X, %v; field by field %X, %v", got, gerr, want, werr)
	}
}

// TestScanFixedEncodeOnePass checks the one-pass encoding of fixed scan reports against
// the field-by-field encoder on reports the vectors do not hold: the largest that fits,
// one octet too large, none, and other event types and messages.
func TestScanFixedEncodeOnePass(t *testing.T) {
	var a APDU
	if _, err := a.Unmarshal(vectorBytes(t, "er_bp_02BC_std_example")); err != nil {
		t.Fatal(err)
	}
	sf := &a.PRST.EventReport.Report.ScanFixed
	checkEncodeOnePass(t, &a)
	for _, extra := range []int{0xFFFF - 26 - 4, 0xFFFF - 26 - 4 + 1, 70000} {
		sf.Observations = []ObservationScanFixed{{ObjHandle: 1, Value: make([]byte, extra)}}
		checkEncodeOnePass(t, &a)
	}
	sf.Observations = nil
	checkEncodeOnePass(t, &a)
	a.PRST.InvokeID = 0xFFFF
	a.PRST.Choice = MessageROIVEventReport
	checkEncodeOnePass(t, &a)
	a.PRST.EventReport.EventType = MDCNotiScanReportVar
	checkEncodeOnePass(t, &a)
	a.PRST.Choice = MessageROIVGet
	checkEncodeOnePass(t, &a)

	b := a // the largest report that fits encodes to 4 + 65,535 octets
	b.PRST.Choice = MessageROIVConfirmedEventReport
	b.PRST.EventReport.EventType = MDCNotiBufScanReportFixed
	b.PRST.EventReport.Report.ScanFixed.Observations = []ObservationScanFixed{{Value: make([]byte, 0xFFFF-30)}}
	if enc, err := b.AppendBinary(nil); err != nil || len(enc) != 4+0xFFFF {
		t.Fatalf("largest report: %d octets, %v", len(enc), err)
	}
	b.PRST.EventReport.Report.ScanFixed.Observations[0].Value = make([]byte, 0xFFFF-29)
	if _, err := b.AppendBinary(nil); err == nil {
		t.Fatal("a report one octet too large encodes")
	}
}

// FuzzFixedScanPaths checks that the fast paths for fixed scan reports agree with the
// general ones: one-pass APDU decoding with the Reader, and observations decoded with the
// configurations' plans with observations decoded by walking the attribute value maps.
func FuzzFixedScanPaths(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.bytes)
	}
	cfgs := planTestConfigs(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkOnePass(t, b)
		var a APDU
		if _, err := a.Unmarshal(b); err != nil || a.Choice != ChoicePRST {
			return
		}
		if a.PRST.Choice != MessageROIVEventReport && a.PRST.Choice != MessageROIVConfirmedEventReport {
			return
		}
		ev := &a.PRST.EventReport
		for _, c := range cfgs {
			got, gerr := c.Observations(nil, ev)
			want, werr := withoutPlans(c).Observations(nil, ev)
			sameResult(t, "observations", got, want, gerr, werr)
			// Appending after an observation, into a slice with room to spare.
			prior := Observation{Value: 7, Handle: 0x7777}
			got, gerr = c.Observations(append(make([]Observation, 0, 300), prior), ev)
			want, werr = withoutPlans(c).Observations([]Observation{prior}, ev)
			sameResult(t, "observations after one", got, want, gerr, werr)
		}
	})
}
