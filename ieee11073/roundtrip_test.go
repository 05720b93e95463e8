package ieee11073

import (
	"errors"
	"reflect"
	"testing"
)

// Every message kind survives encoding and decoding, and every strict prefix of its
// encoding fails to decode.
func TestMessageRoundTrips(t *testing.T) {
	at := AbsoluteTime{0x20, 0x26, 0x11, 0x22, 0x03, 0x15, 0x30, 0x50}
	attrs := AttributeList{{MDCAttrTimeAbs, at[:]}, {MDCAttrIDLabelString, []byte("label")}}
	prst := func(invoke uint16, c MessageChoice, set func(*DataAPDU)) APDU {
		a := APDU{Choice: ChoicePRST, PRST: DataAPDU{InvokeID: invoke, Choice: c}}
		set(&a.PRST)
		return a
	}
	tests := []struct {
		name string
		apdu APDU
	}{
		{"rlrq", APDU{Choice: ChoiceRLRQ, RLRQ: RLRQ{ReleaseRequestReasonConfigurationChanged}}},
		{"rlre", APDU{Choice: ChoiceRLRE, RLRE: RLRE{ReleaseResponseReasonNormal}}},
		{"aare rejected", APDU{Choice: ChoiceAARE, AARE: AARE{Result: AssociateResultRejectedNoCommonProtocol,
			SelectedDataProto: DataProto{ID: 0, Info: []byte{}}}}},
		{"aarq external", APDU{Choice: ChoiceAARQ, AARQ: AARQ{AssocVersion: AssocVersion1, DataProtos: []DataProto{
			{ID: DataProtoIDExternal, Info: []byte{1, 2, 3}},
			{ID: DataProtoID20601, Assoc: PhdAssociationInformation{SystemID: []byte{1, 2, 3, 4, 5, 6, 7, 8},
				OptionList: attrs}},
		}}}},
		{"set", prst(1, MessageROIVSet, func(d *DataAPDU) {
			d.Set = SetArgument{ObjHandle: 0, Modifications: []AttributeModEntry{
				{ModifyOperatorReplace, AVA{MDCAttrTimeAbs, at[:]}}, {ModifyOperatorAddValues, AVA{2, []byte{}}}}}
		})},
		{"confirmed set", prst(2, MessageROIVConfirmedSet, func(d *DataAPDU) {
			d.Set = SetArgument{ObjHandle: 3, Modifications: []AttributeModEntry{{ModifyOperatorSetToDefault, AVA{7, []byte{9}}}}}
		})},
		{"set result", prst(2, MessageRORSConfirmedSet, func(d *DataAPDU) {
			d.SetResult = SetResult{ObjHandle: 3, Attributes: attrs}
		})},
		{"get result", prst(3, MessageRORSGet, func(d *DataAPDU) {
			d.GetResult = GetResult{Attributes: attrs}
		})},
		{"get attributes", prst(3, MessageROIVGet, func(d *DataAPDU) {
			d.Get = GetArgument{ObjHandle: 0, AttributeIDs: []OID{MDCAttrSysID, MDCAttrTimeAbs}}
		})},
		{"set time", prst(4, MessageROIVConfirmedAction, func(d *DataAPDU) {
			d.Action = ActionArgument{ActionType: MDCActSetTime, Invoke: ActionInvoke{SetTime: SetTimeInvoke{at, 0xFE000001}}}
		})},
		{"set time result", prst(4, MessageRORSConfirmedAction, func(d *DataAPDU) {
			d.ActionResult = ActionResult{ActionType: MDCActSetTime, Args: []byte{}}
		})},
		{"trig segm xfer", prst(5, MessageROIVConfirmedAction, func(d *DataAPDU) {
			d.Action = ActionArgument{ObjHandle: 0x10, ActionType: MDCActSegTrigXfer,
				Invoke: ActionInvoke{TrigSegmDataXfer: TrigSegmDataXferReq{SegInstNo: 2}}}
		})},
		{"trig segm xfer result", prst(5, MessageRORSConfirmedAction, func(d *DataAPDU) {
			d.ActionResult = ActionResult{ObjHandle: 0x10, ActionType: MDCActSegTrigXfer,
				Result: ActionResponse{TrigSegmDataXfer: TrigSegmDataXferRsp{2, TrigSegmXferRspFailSegmEmpty}}}
		})},
		{"seg get info all", prst(6, MessageROIVConfirmedAction, func(d *DataAPDU) {
			d.Action = ActionArgument{ObjHandle: 0x10, ActionType: MDCActSegGetInfo,
				Invoke: ActionInvoke{SegmSelection: SegmSelection{Choice: SegmSelectionAllSegments}}}
		})},
		{"seg clear list", prst(6, MessageROIVAction, func(d *DataAPDU) {
			d.Action = ActionArgument{ObjHandle: 0x10, ActionType: MDCActSegClr,
				Invoke: ActionInvoke{SegmSelection: SegmSelection{Choice: SegmSelectionSegmIDList, SegmIDs: []uint16{1, 5}}}}
		})},
		{"seg clear time range", prst(6, MessageROIVAction, func(d *DataAPDU) {
			d.Action = ActionArgument{ObjHandle: 0x10, ActionType: MDCActSegClr,
				Invoke: ActionInvoke{SegmSelection: SegmSelection{Choice: SegmSelectionAbsTimeRange, From: at, To: at}}}
		})},
		{"seg get info result", prst(6, MessageRORSConfirmedAction, func(d *DataAPDU) {
			d.ActionResult = ActionResult{ObjHandle: 0x10, ActionType: MDCActSegGetInfo,
				Result: ActionResponse{SegmentInfo: SegmentInfoList{{InstNo: 0, Attributes: attrs}, {InstNo: 1}}}}
		})},
		{"private action", prst(7, MessageROIVConfirmedAction, func(d *DataAPDU) {
			d.Action = ActionArgument{ActionType: 0xF001, Args: []byte{1, 2}}
		})},
		{"segment data", prst(8, MessageROIVConfirmedEventReport, func(d *DataAPDU) {
			d.EventReport = EventReportArgument{ObjHandle: 0x10, EventType: MDCNotiSegmentData,
				Report: EventInfo{SegmentData: SegmentDataEvent{
					Descr:   SegmDataEventDescr{Instance: 1, EntryIndex: 0, EntryCount: 2, Status: SegmEvtStatusFirstEntry | SegmEvtStatusLastEntry},
					Entries: []byte{1, 2, 3, 4}}}}
		})},
		{"segment data result", prst(8, MessageRORSConfirmedEventReport, func(d *DataAPDU) {
			d.EventReportResult = EventReportResult{ObjHandle: 0x10, EventType: MDCNotiSegmentData,
				Reply: EventReply{SegmentData: SegmentDataResult{SegmDataEventDescr{1, 0, 2, SegmEvtStatusManagerConfirm}}}}
		})},
		{"mp var", prst(9, MessageROIVEventReport, func(d *DataAPDU) {
			d.EventReport = EventReportArgument{EventType: MDCNotiBufScanReportMPVar, Report: EventInfo{
				ScanMPVar: ScanReportInfoMPVar{DataReqID: 1, ScanReportNo: 2, Persons: []ScanReportPerVar{
					{PersonID: 1, Observations: []ObservationScan{{ObjHandle: 1, Attributes: attrs}}}, {PersonID: 2}}}}}
		})},
		{"mp grouped", prst(9, MessageROIVEventReport, func(d *DataAPDU) {
			d.EventReport = EventReportArgument{EventType: MDCNotiBufScanReportMPGrouped, Report: EventInfo{
				ScanMPGrouped: ScanReportInfoMPGrouped{Persons: []ScanReportPerGrouped{{1, []byte{1, 2}}, {2, []byte{}}}}}}
		})},
		{"data response var", prst(10, MessageRORSConfirmedAction, func(d *DataAPDU) {
			d.ActionResult = ActionResult{ActionType: MDCActDataRequest, Result: ActionResponse{DataResponse: DataResponse{
				RelTimeStamp: 5, Result: DataReqResultNoError, EventType: MDCNotiScanReportVar,
				Report: EventInfo{ScanVar: ScanReportInfoVar{Observations: []ObservationScan{{ObjHandle: 2, Attributes: attrs}}}}}}}
		})},
		{"data request handles", prst(10, MessageROIVConfirmedAction, func(d *DataAPDU) {
			d.Action = ActionArgument{ActionType: MDCActDataRequest, Invoke: ActionInvoke{DataRequest: DataRequest{
				ID: 1, Mode: DataReqModeScopeHandle | DataReqModeSingleRsp, ObjHandles: []Handle{1, 2, 3}}}}
		})},
		{"roer", prst(11, MessageROER, func(d *DataAPDU) {
			d.Error = ErrorResult{ErrorValue: ErrorValueNoSuchObjectInstance, Parameter: []byte{0, 5}}
		})},
		{"rorj", prst(12, MessageRORJ, func(d *DataAPDU) { d.Reject = RejectResult{RorjProblemUnrecognizedOperation} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.apdu.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got APDU
			if n, err := got.Unmarshal(b); err != nil || n != len(b) {
				t.Fatalf("Unmarshal = %d, %v", n, err)
			}
			again, _ := got.MarshalBinary()
			if string(again) != string(b) {
				t.Fatalf("re-encoded\n got %X\nwant %X", again, b)
			}
			if got.Choice == ChoicePRST {
				var d DataAPDU
				if n, err := d.Unmarshal(b[6:]); err != nil || n != len(b)-6 {
					t.Fatalf("DataAPDU.Unmarshal = %d, %v", n, err)
				}
				if out, _ := d.AppendBinary(nil); string(out) != string(b[6:]) {
					t.Fatalf("DataAPDU.AppendBinary differs")
				}
				if _, err := d.Unmarshal(append(b[6:len(b):len(b)], 0)); !errors.Is(err, ErrLength) {
					t.Fatalf("DataAPDU with a trailing byte: %v", err)
				}
			}
			for i := range b {
				var p APDU
				if _, err := p.Unmarshal(b[:i]); err == nil {
					t.Fatalf("prefix of %d bytes decoded", i)
				}
			}
			// The typed parts come back as they were built.
			if got.Choice == ChoicePRST {
				switch got.PRST.Choice {
				case MessageROIVSet, MessageROIVConfirmedSet:
					if !reflect.DeepEqual(got.PRST.Set, tt.apdu.PRST.Set) {
						t.Fatalf("Set = %+v, want %+v", got.PRST.Set, tt.apdu.PRST.Set)
					}
				case MessageRORJ:
					if got.PRST.Reject != tt.apdu.PRST.Reject {
						t.Fatalf("Reject = %+v", got.PRST.Reject)
					}
				}
			}
		})
	}
}

func TestStandaloneDecoders(t *testing.T) {
	a := decodeVector(t, "er_bp_02BC_std_example")
	var s ScanReportInfoFixed
	if n, err := s.Unmarshal(a.PRST.EventReport.Info); err != nil || n != len(a.PRST.EventReport.Info) ||
		!reflect.DeepEqual(s, a.PRST.EventReport.Report.ScanFixed) {
		t.Fatalf("ScanReportInfoFixed.Unmarshal = %d, %v", n, err)
	}
	mp := decodeVector(t, "er_bp_mp_fixed_4000")
	var m ScanReportInfoMPFixed
	if n, err := m.Unmarshal(mp.PRST.EventReport.Info); err != nil || n != len(mp.PRST.EventReport.Info) ||
		!reflect.DeepEqual(m, mp.PRST.EventReport.Report.ScanMPFixed) {
		t.Fatalf("ScanReportInfoMPFixed.Unmarshal = %d, %v", n, err)
	}
	if out, _ := m.AppendBinary(nil); string(out) != string(mp.PRST.EventReport.Info) {
		t.Fatal("ScanReportInfoMPFixed.AppendBinary differs")
	}
	var h HandleAttrValMap
	if _, err := h.Unmarshal([]byte{0, 1, 0, 8, 0, 1, 0, 1, 0, 4}); !errors.Is(err, ErrShort) {
		t.Fatalf("short HandleAttrValMap: %v", err)
	}
	var sf SFloat
	if err := sf.UnmarshalText([]byte("-1.5")); err != nil || sf.Mantissa() != -15 || sf.Exponent() != -1 {
		t.Fatalf("SFloat.UnmarshalText = %v, %v", sf, err)
	}
	if txt, _ := sf.MarshalText(); string(txt) != "-1.5" {
		t.Fatalf("SFloat.MarshalText = %s", txt)
	}
	if v, err := SFloatFromFloat64(36.6); err != nil || v.String() != "36.6" {
		t.Fatalf("SFloatFromFloat64(36.6) = %v, %v", v, err)
	}
	if _, err := SFloatFromFloat64(123456); !errors.Is(err, ErrFloatRange) {
		t.Fatalf("SFloatFromFloat64(123456) = %v", err)
	}
	if !(AbsoluteTime{}).IsZero() || !ConfigID(0x4000).IsExtended() || ConfigID(0x02BC).IsExtended() {
		t.Fatal("IsZero/IsExtended wrong")
	}
	cfg, _ := StandardConfiguration(0x02BC)
	ev := a.PRST.EventReport
	ev.Report.ScanFixed.Observations = []ObservationScanFixed{{ObjHandle: 77}}
	_, err := cfg.Observations(nil, &ev)
	if err == nil || err.Error() != "ieee11073: decoding obj-handle at offset 0: ieee11073: unknown object handle 77" {
		t.Fatalf("unknown handle error = %v", err)
	}
}
