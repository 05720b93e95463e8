package ieee11073

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// Messages built field by field encode to the published bytes.
func TestEncodeBuiltMessages(t *testing.T) {
	sysID := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}
	tests := []struct {
		vector string
		apdu   APDU
	}{
		{"aare_accepted_unknown_config_H212", APDU{Choice: ChoiceAARE, AARE: AARE{
			Result: AssociateResultAcceptedUnknownConfig,
			SelectedDataProto: DataProto{ID: DataProtoID20601, Assoc: PhdAssociationInformation{
				ProtocolVersion: ProtocolVersion1, EncodingRules: EncodingMDER,
				NomenclatureVersion: NomenclatureVersion1, SystemType: SystemTypeManager,
				SystemID: sysID,
			}},
		}}},
		{"aarq_bp_02BC_std_example", APDU{Choice: ChoiceAARQ, AARQ: AARQ{
			AssocVersion: AssocVersion1,
			DataProtos: []DataProto{{ID: DataProtoID20601, Assoc: PhdAssociationInformation{
				ProtocolVersion: ProtocolVersion1, EncodingRules: EncodingMDER | EncodingPER,
				NomenclatureVersion: NomenclatureVersion1, SystemType: SystemTypeAgent,
				SystemID: sysID, DevConfigID: 0x02BC,
				DataReqModeCapab: DataReqModeCapab{Flags: DataReqModeCapabInitAgent, InitAgentCount: 1},
			}}},
		}}},
		{"config_report_rsp_accepted_H222", APDU{Choice: ChoicePRST, PRST: DataAPDU{
			InvokeID: 0x4321, Choice: MessageRORSConfirmedEventReport,
			EventReportResult: EventReportResult{EventType: MDCNotiConfig,
				Reply: EventReply{Config: ConfigReportRsp{ConfigReportID: 0x4000, Result: ConfigResultAccepted}}},
		}}},
		{"er_rsp_H242", APDU{Choice: ChoicePRST, PRST: DataAPDU{
			InvokeID: 0x4321, Choice: MessageRORSConfirmedEventReport,
			EventReportResult: EventReportResult{EventType: MDCNotiScanReportFixed},
		}}},
		{"get_mds_all_req_H232", APDU{Choice: ChoicePRST, PRST: DataAPDU{
			InvokeID: 0x3456, Choice: MessageROIVGet,
		}}},
		{"action_data_request_H243", APDU{Choice: ChoicePRST, PRST: DataAPDU{
			InvokeID: 0x7654, Choice: MessageROIVConfirmedAction,
			Action: ActionArgument{ActionType: MDCActDataRequest, Invoke: ActionInvoke{DataRequest: DataRequest{
				ID: 0x0100, Mode: DataReqModeStartStop | DataReqModeScopeType | DataReqModeSingleRsp,
				Class: MDCMocVmoMetricNu,
			}}},
		}}},
		{"abrt_response_timeout", APDU{Choice: ChoiceABRT, ABRT: ABRT{Reason: AbortReasonResponseTimeout}}},
		{"er_bp_02BC_std_example", APDU{Choice: ChoicePRST, PRST: DataAPDU{
			InvokeID: 0x0054, Choice: MessageROIVConfirmedEventReport,
			EventReport: EventReportArgument{EventType: MDCNotiScanReportFixed, Report: EventInfo{
				ScanFixed: ScanReportInfoFixed{DataReqID: DataReqIDAgentInitiated, Observations: []ObservationScanFixed{
					{1, []byte{0, 3, 0, 6, 0, 0x78, 0, 0x50, 0, 0x64, 0x20, 0x07, 0x12, 0x06, 0x12, 0x10, 0, 0}},
					{2, []byte{0xF2, 0x58, 0x20, 0x07, 0x12, 0x06, 0x12, 0x10, 0, 0}},
				}},
			}},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			got, err := tt.apdu.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if want := vectorBytes(t, tt.vector); !bytes.Equal(got, want) {
				t.Fatalf("encoded\n got %X\nwant %X", got, want)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	a := APDU{Choice: 0xE800}
	if _, err := a.MarshalBinary(); !errors.Is(err, ErrChoice) {
		t.Errorf("unknown APDU choice: %v", err)
	}
	a = APDU{Choice: ChoicePRST, PRST: DataAPDU{Choice: 0x0102}}
	if _, err := a.MarshalBinary(); !errors.Is(err, ErrChoice) {
		t.Errorf("unknown message choice: %v", err)
	}
	a = APDU{Choice: ChoicePRST, PRST: DataAPDU{Choice: MessageROIVEventReport,
		EventReport: EventReportArgument{EventType: 0x1234, Info: make([]byte, 70000)}}}
	if _, err := a.MarshalBinary(); !errors.Is(err, ErrTooLong) {
		t.Errorf("oversized event-info: %v", err)
	}
}

func TestDecodeErrorFields(t *testing.T) {
	tests := []struct {
		hex   []byte
		field string
		off   int
		err   error
	}{
		{[]byte{0xE8, 0x00, 0x00, 0x00}, "APDU.choice", 0, ErrChoice},
		{[]byte{0xE6, 0x00, 0x00, 0x04, 0x00, 0x00}, "APDU.length", 2, ErrShort},
		{[]byte{0xE6, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00}, "APDU.length", 6, ErrLength},
		{[]byte{0xE7, 0x00, 0x00, 0x08, 0x00, 0x06, 0x00, 0x01, 0x01, 0x02, 0x00, 0x00}, "DataApdu.message.choice", 8, ErrChoice},
	}
	for _, tt := range tests {
		var a APDU
		_, err := a.Unmarshal(tt.hex)
		var de *DecodeError
		if !errors.As(err, &de) || de.Field != tt.field || de.Offset != tt.off || !errors.Is(err, tt.err) {
			t.Errorf("Unmarshal(%X) = %v, want %s at %d: %v", tt.hex, err, tt.field, tt.off, tt.err)
		}
	}
	// The message names the package, the field and the offset.
	var a APDU
	_, err := a.Unmarshal([]byte{0xE8, 0, 0, 0})
	if got := err.Error(); got != "ieee11073: decoding APDU.choice at offset 0: ieee11073: unknown choice" {
		t.Errorf("Error() = %q", got)
	}
}

func TestStandardConfigurations(t *testing.T) {
	want := []ConfigID{0x0190, 0x0191, 0x02BC, 0x0320, 0x05DC, 0x06A4}
	if got := StandardConfigurationIDs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("StandardConfigurationIDs() = %v, want %v", got, want)
	}
	for _, id := range want {
		cfg, ok := StandardConfiguration(id)
		if !ok || cfg.ID != id || !id.IsStandard() {
			t.Fatalf("StandardConfiguration(%#04x) = %v, %v", uint16(id), cfg, ok)
		}
		// A standard configuration survives its own configuration report.
		rep, err := cfg.Report()
		if err != nil {
			t.Fatal(err)
		}
		b, err := rep.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back ConfigReport
		if n, err := back.Unmarshal(b); err != nil || n != len(b) {
			t.Fatalf("%#04x: decoding its report: %v", uint16(id), err)
		}
		parsed, err := ParseConfigReport(&back)
		if err != nil {
			t.Fatalf("%#04x: %v", uint16(id), err)
		}
		for i := range cfg.Objects {
			o, p := cfg.Objects[i], parsed.Objects[i]
			p.Attributes = nil
			if !reflect.DeepEqual(o, p) {
				t.Errorf("%#04x object %d:\n got %+v\nwant %+v", uint16(id), i, p, o)
			}
		}
	}
	if _, ok := StandardConfiguration(0x4000); ok {
		t.Error("StandardConfiguration(0x4000) found an extended configuration")
	}
}

func TestParseConfigReportErrors(t *testing.T) {
	good := func() *ConfigReport {
		cfg, _ := StandardConfiguration(0x02BC)
		rep, _ := cfg.Report()
		return &rep
	}
	tests := []struct {
		name   string
		modify func(*ConfigReport)
	}{
		{"handle 0", func(r *ConfigReport) { r.Objects[0].ObjHandle = 0 }},
		{"duplicate handle", func(r *ConfigReport) { r.Objects[1].ObjHandle = r.Objects[0].ObjHandle }},
		{"no type", func(r *ConfigReport) { r.Objects[0].Attributes = r.Objects[0].Attributes[1:] }},
		{"short unit", func(r *ConfigReport) {
			for i, a := range r.Objects[0].Attributes {
				if a.ID == MDCAttrUnitCode {
					r.Objects[0].Attributes[i].Value = a.Value[:1]
				}
			}
		}},
		{"bad value map size", func(r *ConfigReport) {
			for i, a := range r.Objects[1].Attributes {
				if a.ID == MDCAttrAttributeValMap {
					v := append([]byte(nil), a.Value...)
					v[7] = 3 // MDC_ATTR_NU_VAL_OBS_BASIC is 2 bytes
					r.Objects[1].Attributes[i].Value = v
				}
			}
		}},
	}
	for _, tt := range tests {
		r := good()
		tt.modify(r)
		if _, err := ParseConfigReport(r); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: ParseConfigReport = %v, want ErrConfig", tt.name, err)
		}
	}
}

func TestRegistry(t *testing.T) {
	cfg, _ := StandardConfiguration(0x02BC)
	rep, _ := cfg.Report()
	rep.ConfigReportID = 0x4001
	sysA, sysB := []byte("AAAAAAAA"), []byte("BBBBBBBB")

	var r Registry
	if _, ok := r.Lookup(sysA, 0x4001); ok {
		t.Fatal("empty registry found a configuration")
	}
	if c, ok := r.Lookup(sysA, 0x02BC); !ok || c.ID != 0x02BC {
		t.Fatal("Lookup of a standard configuration failed")
	}
	got, res, err := r.Register(sysA, &rep)
	if err != nil || res != ConfigResultAccepted || got.ID != 0x4001 {
		t.Fatalf("Register = %v, %v", res, err)
	}
	// The registry owns its copy: changing the report afterwards changes nothing.
	rep.Objects[0].Attributes[0].Value[0] = 0xFF
	if c, ok := r.Lookup(sysA, 0x4001); !ok || c != got || c.Objects[0].Type.Partition != PartitionSCADA {
		t.Fatalf("Lookup after Register = %+v, %v", c, ok)
	}
	if _, ok := r.Lookup(sysB, 0x4001); ok {
		t.Fatal("another system's configuration was found")
	}
	if r.Len() != 1 {
		t.Fatalf("Len = %d", r.Len())
	}
	r.Forget(sysA, 0x4001)
	if _, ok := r.Lookup(sysA, 0x4001); ok || r.Len() != 0 {
		t.Fatal("Forget did not forget")
	}

	rep, _ = cfg.Report()
	rep.ConfigReportID = 0x4002
	refuse := Registry{Policy: func(_ []byte, c *Configuration) bool { return len(c.Objects) < 2 }}
	if _, res, err := refuse.Register(sysA, &rep); res != ConfigResultUnsupported || !errors.Is(err, ErrConfig) {
		t.Fatalf("Policy refusal = %v, %v", res, err)
	}
	small := Registry{MaxEntries: 1}
	if _, res, _ := small.Register(sysA, &rep); res != ConfigResultAccepted {
		t.Fatal("first registration refused")
	}
	if _, res, _ := small.Register(sysA, &rep); res != ConfigResultAccepted {
		t.Fatal("replacing a registration refused")
	}
	if _, res, err := small.Register(sysB, &rep); res != ConfigResultUnsupported || !errors.Is(err, ErrConfig) {
		t.Fatalf("full registry = %v, %v", res, err)
	}
	rep.ConfigReportID = 0x8000
	if _, res, _ := r.Register(sysA, &rep); res != ConfigResultUnsupported {
		t.Fatal("reserved config id accepted")
	}
}

func TestRegistryConcurrent(t *testing.T) {
	cfg, _ := StandardConfiguration(0x0320)
	var r Registry
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rep, _ := cfg.Report()
			for i := 0; i < 50; i++ {
				sys := []byte(fmt.Sprintf("sys-%d-%d", g, i%5))
				rep.ConfigReportID = ConfigID(0x4000 + i%7)
				if _, res, err := r.Register(sys, &rep); err != nil || res != ConfigResultAccepted {
					t.Error(err)
					return
				}
				if _, ok := r.Lookup(sys, rep.ConfigReportID); !ok {
					t.Error("registered configuration not found")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if r.Len() > 8*5*7 || r.Len() == 0 {
		t.Fatalf("Len = %d", r.Len())
	}
}

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{ChoiceAARQ.String(), "AARQ"},
		{ChoicePRST.String(), "PRST"},
		{Choice(0xE800).String(), "Choice(0xe800)"},
		{MessageROIVConfirmedEventReport.String(), "roiv-cmip-confirmed-event-report"},
		{MessageRORJ.String(), "rorj"},
		{MessageChoice(0x0102).String(), "MessageChoice(0x102)"},
		{MessageChoice(0x0407).String(), "MessageChoice(0x407)"},
		{AssociateResultAcceptedUnknownConfig.String(), "accepted-unknown-config"},
		{AbortReasonConfigurationTimeout.String(), "configuration-timeout"},
		{ReleaseRequestReasonNormal.String(), "normal"},
		{ReleaseResponseReasonNormal.String(), "normal"},
		{ErrorValueNoSuchAction.String(), "no-such-action"},
		{ErrorValue(3).String(), "ErrorValue(3)"},
		{RorjProblemUnexpectedError.String(), "unexpected-error"},
		{ConfigResultStandardConfigUnknown.String(), "standard-config-unknown"},
		{DataReqResultInvalidReqID.String(), "data-req-result-invalid-req-id"},
		{DataReqResult(10).String(), "DataReqResult(10)"},
		{TrigSegmXferRspFailOther.String(), "tsxr-fail-other"},
		{ModifyOperatorSetToDefault.String(), "setToDefault"},
		{DataProtoID20601.String(), "data-proto-id-20601"},
		{EnumValBitStr.String(), "enum-bit-str"},
		{SegmSelectionAbsTimeRange.String(), "abs-time-range"},
		{ObservationEnumOID.String(), "enum-oid"},
		{FloatKindNRes.String(), "NRes"},
		{PartitionSCADA.String(), "MDC_PART_SCADA"},
		{Type{PartitionSCADA, MDCPressBldNoninvSys}.String(), "MDC_PRESS_BLD_NONINV_SYS"},
		{Type{PartitionSCADA, 0xF012}.String(), "MDC_PART_SCADA:61458"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
	if !MessageROIVGet.IsConfirmed() || MessageROIVEventReport.IsConfirmed() || !MessageROIVAction.IsInvoke() || MessageROER.IsInvoke() {
		t.Error("IsConfirmed/IsInvoke wrong")
	}
}

func TestNomenclature(t *testing.T) {
	// Facts from the specializations, checked in two sources (nomenclature_sources.md).
	facts := []struct {
		p    Partition
		c    OID
		name string
	}{
		{PartitionObj, 2351, "MDC_ATTR_ID_TYPE"},
		{PartitionObj, 3357, "MDC_NOTI_SCAN_REPORT_FIXED"},
		{PartitionObj, 3099, "MDC_ACT_DATA_REQUEST"},
		{PartitionObj, 6, "MDC_MOC_VMO_METRIC_NU"},
		{PartitionSCADA, 18949, "MDC_PRESS_BLD_NONINV_SYS"},
		{PartitionSCADA, 19384, "MDC_PULS_OXIM_SAT_O2"},
		{PartitionSCADA, 57664, "MDC_MASS_BODY_ACTUAL"},
		{PartitionDim, 3872, "MDC_DIM_MMHG"},
		{PartitionDim, 6048, "MDC_DIM_DEGC"},
		{PartitionInfra, 4103, "MDC_DEV_SPEC_PROFILE_BP"},
	}
	for _, f := range facts {
		if got := Name(f.p, f.c); got != f.name {
			t.Errorf("Name(%v, %d) = %q, want %q", f.p, f.c, got, f.name)
		}
		if p, c, ok := LookupName(f.name); !ok || p != f.p || c != f.c {
			t.Errorf("LookupName(%q) = %v, %d, %v", f.name, p, c, ok)
		}
	}
	for i := range nomTable {
		e := &nomTable[i]
		if i > 0 {
			prev := &nomTable[i-1]
			if prev.partition > e.partition || prev.partition == e.partition && prev.code >= e.code {
				t.Fatalf("table not sorted at %s", e.name)
			}
		}
		if Name(e.partition, e.code) != e.name {
			t.Fatalf("Name does not find %s", e.name)
		}
	}
	if Name(PartitionSCADA, 1) != "" {
		t.Error("Name of an unknown code is not empty")
	}
}

func TestUnknownEventTypeStrict(t *testing.T) {
	// An event report of a private event type: its event-info is kept raw.
	msg := []byte{0xE7, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x01, 0x01, 0x00, 0x00, 0x0C,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x01, 0x00, 0x02, 0xAB, 0xCD}
	var a APDU
	if n, err := a.Unmarshal(msg); err != nil || n != len(msg) || !bytes.Equal(a.PRST.EventReport.Info, []byte{0xAB, 0xCD}) {
		t.Fatalf("Unmarshal = %d, %v, info %X", n, err, a.PRST.EventReport.Info)
	}
	if out, err := a.MarshalBinary(); err != nil || !bytes.Equal(out, msg) {
		t.Fatalf("MarshalBinary = %X, %v", out, err)
	}
	// One byte more in the message than its fields hold.
	bad := []byte{0xE7, 0x00, 0x00, 0x15, 0x00, 0x13, 0x00, 0x01, 0x01, 0x00, 0x00, 0x0D,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x01, 0x00, 0x02, 0xAB, 0xCD, 0xEE}
	_, err := a.Unmarshal(bad)
	var de *DecodeError
	if !errors.As(err, &de) || de.Field != "DataApdu.message.length" || !errors.Is(err, ErrLength) {
		t.Fatalf("trailing byte in the message: %v", err)
	}
}

func TestLargeConfiguration(t *testing.T) {
	// Many objects, in no particular handle order: lookups stay fast and exact.
	rep := ConfigReport{ConfigReportID: 0x4200}
	for i := 0; i < 500; i++ {
		h := Handle((i*7919)%997 + 1)
		rep.Objects = append(rep.Objects, ConfigObject{Class: MDCMocVmoMetricNu, ObjHandle: h, Attributes: AttributeList{
			{MDCAttrIDType, []byte{0, 2, 0x4B, 0x5C}},
			{MDCAttrAttributeValMap, []byte{0, 1, 0, 4, 0x0A, 0x4C, 0, 2}},
		}})
	}
	cfg, err := ParseConfigReport(&rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range rep.Objects {
		if got := cfg.Object(o.ObjHandle); got == nil || got.Handle != o.ObjHandle {
			t.Fatalf("Object(%d) = %v", o.ObjHandle, got)
		}
	}
	if cfg.Object(998) != nil || cfg.Object(0) != nil {
		t.Fatal("Object found a handle that is not there")
	}
	rep.Objects[499].ObjHandle = rep.Objects[3].ObjHandle
	if _, err := ParseConfigReport(&rep); !errors.Is(err, ErrConfig) {
		t.Fatalf("duplicate handle among many: %v", err)
	}
}
