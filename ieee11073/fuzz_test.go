package ieee11073

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzUnmarshalAPDU checks that any input either fails with a *DecodeError or decodes to an
// APDU that encodes back to the same bytes and decodes again to an equal value; decoded
// event reports also go through every standard configuration and, for configuration
// reports, through the registry.
func FuzzUnmarshalAPDU(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.bytes)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a APDU
		n, err := a.Unmarshal(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not *DecodeError: %v", err, err)
			}
			if de.Offset < 0 || de.Offset > len(b) {
				t.Fatalf("offset %d outside input of %d bytes", de.Offset, len(b))
			}
			return
		}
		out, err := a.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary: %v", err)
		}
		if !bytes.Equal(out, b[:n]) {
			t.Fatalf("re-encoded\n got %X\nwant %X", out, b[:n])
		}
		var c APDU
		m, err := c.Unmarshal(out)
		if err != nil || m != len(out) {
			t.Fatalf("decoding the re-encoding = %d, %v", m, err)
		}
		if !reflect.DeepEqual(a, c) {
			t.Fatalf("round trip differs:\n%+v\n%+v", a, c)
		}
		// Decoding into a used APDU gives the same value.
		if _, err := c.Unmarshal(b); err != nil || !reflect.DeepEqual(a.Choice, c.Choice) {
			t.Fatalf("reused decode = %v", err)
		}
		if a.Choice != ChoicePRST {
			return
		}
		var ev *EventReportArgument
		switch a.PRST.Choice {
		case MessageROIVEventReport, MessageROIVConfirmedEventReport:
			ev = &a.PRST.EventReport
		default:
			return
		}
		var dst []Observation
		for _, id := range StandardConfigurationIDs() {
			cfg, _ := StandardConfiguration(id)
			dst, _ = cfg.Observations(dst[:0], ev)
		}
		if ev.EventType == MDCNotiConfig {
			var r Registry
			if cfg, res, err := r.Register([]byte{1, 2, 3, 4, 5, 6, 7, 8}, &ev.Report.Config); err == nil {
				if res != ConfigResultAccepted {
					t.Fatalf("Register = %v with no error", res)
				}
				rep, err := cfg.Report()
				if err != nil {
					t.Fatalf("Report of an accepted configuration: %v", err)
				}
				if !reflect.DeepEqual(rep.Objects, ev.Report.Config.Objects) && len(rep.Objects) > 0 {
					t.Fatalf("Report differs from the configuration report")
				}
			}
		}
	})
}

// attrDecoders decode and re-encode one attribute type each.
var attrDecoders = []func(b []byte) (n int, out []byte, err error){
	func(b []byte) (int, []byte, error) {
		var v AttributeList
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v TypeVerList
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v SystemModel
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v ProductionSpec
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v MdsTimeInfo
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v RegCertDataList
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v AttrValMap
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v AbsoluteTime
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v HighResRelativeTime
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v NuObsValueCmp
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v SimpleNuObsValueCmp
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v BasicNuObsValueCmp
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v EnumObsValue
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v SaSpec
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v ScaleRangeSpec
		n, err := v.UnmarshalWidth(b, 2)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v SaObsValue
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v TypeList
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v ConfigReport
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v ScanReportInfoVar
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v ScanReportInfoMPVar
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v ScanReportInfoGrouped
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v ScanReportInfoMPGrouped
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v SegmSelection
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v SegmentInfoList
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v SegmentDataEvent
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v DataRequest
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v HandleAttrValMap
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
	func(b []byte) (int, []byte, error) {
		var v DataResponse
		n, err := v.Unmarshal(b)
		return enc(n, err, v.AppendBinary)
	},
}

func enc(n int, err error, appendBinary func([]byte) ([]byte, error)) (int, []byte, error) {
	if err != nil {
		return n, nil, err
	}
	out, err := appendBinary(nil)
	if err != nil {
		return n, nil, errors.New("encode: " + err.Error())
	}
	return n, out, nil
}

// FuzzUnmarshalAttribute checks every attribute value decoder: an input either fails with a
// *DecodeError or its decoded prefix re-encodes to the same bytes.
func FuzzUnmarshalAttribute(f *testing.F) {
	for _, v := range loadVectors(f) {
		for i := range attrDecoders {
			if len(v.bytes) > 14 {
				f.Add(uint8(i), v.bytes[14:])
			}
		}
	}
	// The attribute values of the MDS GET response.
	var a APDU
	if _, err := a.Unmarshal(vectorBytes(f, "get_mds_rsp_H233_ID_02BC")); err != nil {
		f.Fatal(err)
	}
	for _, ava := range a.PRST.GetResult.Attributes {
		for i := range attrDecoders {
			f.Add(uint8(i), ava.Value)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		dec := attrDecoders[int(which)%len(attrDecoders)]
		n, out, err := dec(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("decoder %d: error %T is not *DecodeError: %v", which, err, err)
			}
			return
		}
		if n > len(b) || !bytes.Equal(out, b[:n]) {
			t.Fatalf("decoder %d: re-encoded\n got %X\nwant %X", which, out, b[:min(n, len(b))])
		}
	})
}
