package ieee11073

import (
	"errors"
	"testing"
)

func decodeVector(t testing.TB, name string) *APDU {
	t.Helper()
	var a APDU
	if _, err := a.Unmarshal(vectorBytes(t, name)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &a
}

type wantObs struct {
	handle Handle
	code   OID
	unit   OID
	value  string
	time   string
}

func checkObs(t *testing.T, got []Observation, want []wantObs) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d observations, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Handle != w.handle || g.Type.Code != w.code || g.Unit != w.unit || g.Value.String() != w.value ||
			g.Time.String() != w.time {
			t.Errorf("observation %d = handle %d %s %s %s at %s, want handle %d %s %s %s at %s", i,
				g.Handle, Name(g.Type.Partition, g.Type.Code), g.Value, Name(PartitionDim, g.Unit), g.Time,
				w.handle, Name(PartitionSCADA, w.code), w.value, Name(PartitionDim, w.unit), w.time)
		}
	}
}

func TestObservationsBPStandard(t *testing.T) {
	cfg, ok := StandardConfiguration(0x02BC)
	if !ok {
		t.Fatal("no standard configuration 0x02BC")
	}
	for _, name := range []string{"er_bp_02BC_std_example", "er_bp_02BC_antidote_testvec"} {
		a := decodeVector(t, name)
		if a.Choice != ChoicePRST || a.PRST.Choice != MessageROIVConfirmedEventReport {
			t.Fatalf("%s: %v %v", name, a.Choice, a.PRST.Choice)
		}
		obs, err := cfg.Observations(nil, &a.PRST.EventReport)
		if err != nil {
			t.Fatal(err)
		}
		const ts = "2007-12-06T12:10:00.00"
		checkObs(t, obs, []wantObs{
			{1, MDCPressBldNoninvSys, MDCDimMmhg, "120", ts},
			{1, MDCPressBldNoninvDia, MDCDimMmhg, "80", ts},
			{1, MDCPressBldNoninvMean, MDCDimMmhg, "100", ts},
			{2, MDCPulsRateNonInv, MDCDimBeatPerMin, "60.0", ts},
		})
	}
}

// registerVector decodes a configuration report vector and registers it.
func registerVector(t *testing.T, r *Registry, name string) *Configuration {
	t.Helper()
	a := decodeVector(t, name)
	ev := &a.PRST.EventReport
	if ev.EventType != MDCNotiConfig {
		t.Fatalf("%s: event type %d", name, ev.EventType)
	}
	cfg, res, err := r.Register([]byte("sys-0001"), &ev.Report.Config)
	if err != nil || res != ConfigResultAccepted {
		t.Fatalf("%s: Register = %v, %v", name, res, err)
	}
	return cfg
}

func TestObservationsExtended(t *testing.T) {
	var r Registry
	scale := registerVector(t, &r, "config_report_scale_ext_4000_H221")
	a := decodeVector(t, "er_scale_H241")
	obs, err := scale.Observations(nil, &a.PRST.EventReport)
	if err != nil {
		t.Fatal(err)
	}
	checkObs(t, obs, []wantObs{
		{1, MDCMassBodyActual, MDCDimKiloG, "62.4", "2007-02-01T12:10:00.00"},
		{2, MDCBodyFat, MDCDimPercent, "25.6", "2007-02-01T12:10:00.00"},
	})

	// The same configuration comes back by System ID and Config ID.
	if got, ok := r.Lookup([]byte("sys-0001"), 0x4000); !ok || got != scale {
		t.Fatalf("Lookup = %p, %v, want %p", got, ok, scale)
	}
	// The data response of a data request carries a scan report too.
	act := decodeVector(t, "action_rsp_H244")
	res := &act.PRST.ActionResult
	obs, err = scale.AppendObservations(obs[:0], res.Result.DataResponse.EventType, &res.Result.DataResponse.Report)
	if err != nil || len(obs) != 2 || obs[0].Value.String() != "62.4" {
		t.Fatalf("data response observations = %+v, %v", obs, err)
	}

	var r2 Registry
	bp := registerVector(t, &r2, "config_report_bp_ext_4000")
	mp := decodeVector(t, "er_bp_mp_fixed_4000")
	obs, err = bp.Observations(nil, &mp.PRST.EventReport)
	if err != nil {
		t.Fatal(err)
	}
	const ts = "2010-07-21T15:35:53.00"
	checkObs(t, obs, []wantObs{
		{1, MDCPressBldNoninvSys, MDCDimMmhg, "113", ts},
		{1, MDCPressBldNoninvDia, MDCDimMmhg, "71", ts},
		{1, MDCPressBldNoninvMean, MDCDimMmhg, "85", ts},
		{2, MDCPulsRateNonInv, MDCDimBeatPerMin, "71", ts},
		{3, 0xF012, MDCDimDimless, "0", ts},
	})
	for _, o := range obs {
		if o.PersonID != 0x42 {
			t.Fatalf("person %#x, want 0x42", o.PersonID)
		}
	}

	thermo := registerVector(t, &r2, "config_report_thermo_ext_4000")
	if thermo.Objects[0].Type.Code != MDCTempBody || thermo.Objects[0].Unit != MDCDimDegc {
		t.Fatalf("thermometer config = %+v", thermo.Objects[0])
	}
}

func TestObservationsVar(t *testing.T) {
	cfg, _ := StandardConfiguration(0x0191)
	a := decodeVector(t, "er_oximeter_unbuf_var")
	obs, err := cfg.Observations(nil, &a.PRST.EventReport)
	if err != nil {
		t.Fatal(err)
	}
	const ts = "2007-12-06T12:10:00.00"
	checkObs(t, obs, []wantObs{
		{1, MDCPulsOximSatO2, MDCDimPercent, "98", ts},
		{10, MDCPulsOximPulsRate, MDCDimBeatPerMin, "72", ts},
	})
}

func TestObservationsErrors(t *testing.T) {
	cfg := &Configuration{ID: 0x4001, Objects: []ConfiguredObject{{Class: MDCMocVmoMetricNu, Handle: 7,
		Type: Type{PartitionSCADA, MDCTempBody}, Unit: MDCDimDegc}}}
	a := decodeVector(t, "er_bp_02BC_std_example")
	_, err := cfg.Observations(nil, &a.PRST.EventReport)
	if !errors.Is(err, ErrUnknownHandle) {
		t.Fatalf("Observations with the wrong configuration = %v, want ErrUnknownHandle", err)
	}
	bp, _ := StandardConfiguration(0x02BC)
	ev := a.PRST.EventReport
	ev.Report.ScanFixed.Observations = append([]ObservationScanFixed(nil), ev.Report.ScanFixed.Observations...)
	ev.Report.ScanFixed.Observations[1].Value = ev.Report.ScanFixed.Observations[1].Value[:9]
	_, err = bp.Observations(nil, &ev)
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrShort) {
		t.Fatalf("Observations of a short value = %v, want *DecodeError ErrShort", err)
	}
	cr := decodeVector(t, "config_report_bp_ext_4000")
	if _, err := bp.Observations(nil, &cr.PRST.EventReport); !errors.Is(err, ErrUnsupportedReport) {
		t.Fatalf("Observations of a config report = %v, want ErrUnsupportedReport", err)
	}
}

func TestObservationsAllocs(t *testing.T) {
	b := vectorBytes(t, "er_bp_02BC_std_example")
	cfg, _ := StandardConfiguration(0x02BC)
	var a APDU
	dst := make([]Observation, 0, 8)
	run := func() {
		if _, err := a.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		var err error
		if dst, err = cfg.Observations(dst[:0], &a.PRST.EventReport); err != nil || len(dst) != 4 {
			t.Fatal(err)
		}
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("decoding a BP report to observations: %v allocations, want 0", n)
	}
	out := make([]byte, 0, 128)
	enc := func() {
		var err error
		if out, err = a.AppendBinary(out[:0]); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(100, enc); n != 0 {
		t.Fatalf("encoding a BP report: %v allocations, want 0", n)
	}
	// Every vector decodes without allocating once its APDU has been used.
	for _, v := range loadVectors(t) {
		if len(v.Name) > 4 && v.Name[:4] == "BAD_" {
			continue
		}
		var x APDU
		if _, err := x.Unmarshal(v.bytes); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(20, func() { _, _ = x.Unmarshal(v.bytes) }); n != 0 {
			t.Errorf("%s: Unmarshal into a used APDU: %v allocations, want 0", v.Name, n)
		}
	}
}

func TestObservationsEnum(t *testing.T) {
	cfg := &Configuration{ID: 0x4010, Objects: []ConfiguredObject{{Class: MDCMocVmoMetricEnum, Handle: 4,
		Type: Type{PartitionSCADA, 0x1234}}}}
	enumOID, _ := (&EnumObsValue{MetricID: 0x1235, State: MeasurementStatusDemoData, Choice: EnumValObjID, ObjID: 0x4242}).AppendBinary(nil)
	enumBits, _ := (&EnumObsValue{MetricID: 0x1236, Choice: EnumValBitStr, Bits: 0x80000001}).AppendBinary(nil)
	ev := EventReportArgument{EventType: MDCNotiScanReportVar, Report: EventInfo{ScanVar: ScanReportInfoVar{
		Observations: []ObservationScan{{ObjHandle: 4, Attributes: AttributeList{
			{MDCAttrEnumObsValSimpOID, []byte{0x11, 0x22}},
			{MDCAttrValEnumObs, enumOID},
			{MDCAttrValEnumObs, enumBits},
			{MDCAttrEnumObsValBasicBitStr, []byte{0x00, 0x05}},
			{MDCAttrTimeStampRel, []byte{0, 0, 1, 0}},
		}}},
	}}}
	obs, err := cfg.Observations(nil, &ev)
	if err != nil || len(obs) != 4 {
		t.Fatalf("Observations = %+v, %v", obs, err)
	}
	want := []Observation{
		{Kind: ObservationEnumOID, Enum: 0x1122, Type: Type{PartitionSCADA, 0x1234}},
		{Kind: ObservationEnumOID, Enum: 0x4242, Type: Type{PartitionSCADA, 0x1235}, Status: MeasurementStatusDemoData},
		{Kind: ObservationEnumBits, Bits: 0x80000001, Type: Type{PartitionSCADA, 0x1236}},
		{Kind: ObservationEnumBits, Bits: 5, Type: Type{PartitionSCADA, 0x1234}},
	}
	for i := range want {
		want[i].Handle, want[i].PersonID, want[i].RelTime = 4, PersonIDUnknown, 256
		if obs[i] != want[i] {
			t.Errorf("observation %d = %+v, want %+v", i, obs[i], want[i])
		}
	}
	var nilCfg *Configuration
	if _, err := nilCfg.Observations(nil, &ev); !errors.Is(err, ErrConfig) {
		t.Errorf("nil configuration: %v", err)
	}
}

func TestObservationsGrouped(t *testing.T) {
	hvm, _ := HandleAttrValMap{
		{1, AttrValMap{{MDCAttrNuValObsBasic, 2}, {MDCAttrTimeStampAbs, 8}}},
		{2, AttrValMap{{MDCAttrNuValObsSimp, 4}}},
	}.AppendBinary(nil)
	rep := ConfigReport{ConfigReportID: 0x4100, Objects: []ConfigObject{
		{Class: MDCMocVmoMetricNu, ObjHandle: 1, Attributes: AttributeList{
			{MDCAttrIDType, []byte{0, 2, 0x4B, 0x5C}}, {MDCAttrUnitCode, []byte{0x17, 0xA0}}}},
		{Class: MDCMocVmoMetricNu, ObjHandle: 2, Attributes: AttributeList{
			{MDCAttrIDType, []byte{0, 2, 0xE1, 0x40}}, {MDCAttrUnitCode, []byte{0x06, 0xC3}}}},
		{Class: MDCMocScanCfgPeri, ObjHandle: 100, Attributes: AttributeList{{MDCAttrScanHandleAttrValMap, hvm}}},
	}}
	var r Registry
	cfg, res, err := r.Register([]byte("grouped!"), &rep)
	if err != nil || res != ConfigResultAccepted {
		t.Fatalf("Register = %v, %v", res, err)
	}
	group := []byte{0xF1, 0x6E, 0x20, 0x26, 0x01, 0x02, 0x08, 0x30, 0x00, 0x00, 0xFF, 0x00, 0x02, 0x6F}
	a := APDU{Choice: ChoicePRST, PRST: DataAPDU{InvokeID: 9, Choice: MessageROIVEventReport,
		EventReport: EventReportArgument{ObjHandle: 100, EventType: MDCNotiUnbufScanReportGrouped,
			Report: EventInfo{ScanGrouped: ScanReportInfoGrouped{Groups: [][]byte{group, group}}}}}}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back APDU
	if _, err := back.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	obs, err := cfg.Observations(nil, &back.PRST.EventReport)
	if err != nil || len(obs) != 4 {
		t.Fatalf("Observations = %+v, %v", obs, err)
	}
	if obs[0].Type.Code != MDCTempBody || obs[0].Value.String() != "36.6" || obs[0].Time.String() != "2026-01-02T08:30:00.00" ||
		obs[1].Type.Code != MDCMassBodyActual || obs[1].Value.String() != "62.3" || obs[1].Unit != MDCDimKiloG {
		t.Fatalf("Observations = %+v", obs[:2])
	}
	back.PRST.EventReport.Report.ScanGrouped.Groups[1] = group[:13]
	if _, err := cfg.Observations(nil, &back.PRST.EventReport); !errors.Is(err, ErrShort) {
		t.Fatalf("short group: %v", err)
	}
	back.PRST.EventReport.ObjHandle = 1
	if _, err := cfg.Observations(nil, &back.PRST.EventReport); err == nil {
		t.Fatal("grouped report from an object that is no scanner decoded")
	}
}

// An agent encodes observations with AppendObsValue; the manager decodes the same values.
func TestAppendObsValueRoundTrip(t *testing.T) {
	at := AbsoluteTime{0x20, 0x26, 0x11, 0x22, 0x03, 0x15, 0x00, 0x00}
	for _, id := range StandardConfigurationIDs() {
		cfg, _ := StandardConfiguration(id)
		var rep ScanReportInfoFixed
		rep.DataReqID = DataReqIDAgentInitiated
		var want []Observation
		for _, obj := range cfg.Objects {
			parts := 1
			if len(obj.PhysioList) > 0 {
				parts = len(obj.PhysioList)
			}
			var obs []Observation
			for i := 0; i < parts; i++ {
				v, _ := NewFloat(int32(100+i), -1)
				o := Observation{Handle: obj.Handle, PersonID: PersonIDUnknown, Type: component(&obj, i), Unit: obj.Unit, Value: v}
				for _, e := range obj.ValMap {
					if e.ID == MDCAttrTimeStampAbs {
						o.Time = at
					}
				}
				obs = append(obs, o)
			}
			val, err := cfg.AppendObsValue(nil, obj.Handle, obs)
			if err != nil {
				t.Fatalf("%#04x: %v", uint16(id), err)
			}
			rep.Observations = append(rep.Observations, ObservationScanFixed{obj.Handle, val})
			want = append(want, obs...)
		}
		ev := EventReportArgument{EventType: MDCNotiScanReportFixed, Report: EventInfo{ScanFixed: rep}}
		a := APDU{Choice: ChoicePRST, PRST: DataAPDU{Choice: MessageROIVConfirmedEventReport, EventReport: ev}}
		b, err := a.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back APDU
		if _, err := back.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		got, err := cfg.Observations(nil, &back.PRST.EventReport)
		if err != nil {
			t.Fatalf("%#04x: %v", uint16(id), err)
		}
		if len(got) != len(want) {
			t.Fatalf("%#04x: %d observations, want %d", uint16(id), len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%#04x observation %d = %+v, want %+v", uint16(id), i, got[i], want[i])
			}
		}
	}
	cfg, _ := StandardConfiguration(0x02BC)
	if _, err := cfg.AppendObsValue(nil, 9, []Observation{{}}); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("unknown handle: %v", err)
	}
	if _, err := cfg.AppendObsValue(nil, 1, []Observation{{}}); !errors.Is(err, ErrValue) {
		t.Errorf("too few parts: %v", err)
	}
	big, _ := NewFloat(100000, 0)
	if _, err := cfg.AppendObsValue(nil, 2, []Observation{{Value: big}}); !errors.Is(err, ErrFloatRange) {
		t.Errorf("value too wide for an SFLOAT: %v", err)
	}
}
