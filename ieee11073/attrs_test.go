package ieee11073

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestMDSAttributes(t *testing.T) {
	a := decodeVector(t, "get_mds_rsp_H233_ID_02BC")
	if a.PRST.Choice != MessageRORSGet || a.PRST.InvokeID != 0x0024 {
		t.Fatalf("got %v invoke %#x", a.PRST.Choice, a.PRST.InvokeID)
	}
	attrs := a.PRST.GetResult.Attributes
	if len(attrs) != 6 {
		t.Fatalf("%d attributes, want 6", len(attrs))
	}

	v, ok := attrs.Get(MDCAttrSysTypeSpecList)
	var specs TypeVerList
	if _, err := specs.Unmarshal(v); !ok || err != nil || len(specs) != 1 ||
		specs[0] != (TypeVer{MDCDevSpecProfileBP, 1}) {
		t.Errorf("MDC_ATTR_SYS_TYPE_SPEC_LIST = %+v, %v", specs, err)
	}

	v, _ = attrs.Get(MDCAttrIDModel)
	var model SystemModel
	if _, err := model.Unmarshal(v); err != nil || string(model.Manufacturer) != "TheCompany" ||
		string(model.ModelNumber) != "TheBPM ABC" {
		t.Errorf("MDC_ATTR_ID_MODEL = %q %q, %v", model.Manufacturer, model.ModelNumber, err)
	}

	v, _ = attrs.Get(MDCAttrSysID)
	var sysID SaObsValue // an OCTET STRING like any other
	if _, err := sysID.Unmarshal(v); err != nil || !bytes.Equal(sysID, []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x07}) {
		t.Errorf("MDC_ATTR_SYS_ID = %X, %v", []byte(sysID), err)
	}

	v, _ = attrs.Get(MDCAttrDevConfigID)
	if !bytes.Equal(v, []byte{0x02, 0xBC}) {
		t.Errorf("MDC_ATTR_DEV_CONFIG_ID = %X", v)
	}

	v, _ = attrs.Get(MDCAttrIDProdSpecn)
	var prod ProductionSpec
	if _, err := prod.Unmarshal(v); err != nil || len(prod) != 1 || prod[0].SpecType != ProdSpecTypeSerialNumber ||
		string(prod[0].ProdSpec) != "DE124567" {
		t.Errorf("MDC_ATTR_ID_PROD_SPECN = %+v, %v", prod, err)
	}

	v, _ = attrs.Get(MDCAttrTimeAbs)
	var at AbsoluteTime
	if _, err := at.Unmarshal(v); err != nil {
		t.Fatal(err)
	}
	tm, err := at.Time(time.UTC)
	if err != nil || !tm.Equal(time.Date(2007, 2, 1, 12, 5, 0, 0, time.UTC)) {
		t.Errorf("MDC_ATTR_TIME_ABS = %v, %v", tm, err)
	}
	if got := AbsoluteTimeOf(tm); got != at {
		t.Errorf("AbsoluteTimeOf(%v) = %v, want %v", tm, got, at)
	}
}

func TestAbsoluteTimeErrors(t *testing.T) {
	var at AbsoluteTime
	_, err := at.Unmarshal([]byte{0x20, 0x07, 0x1A, 0x06, 0, 0, 0, 0})
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrValue) || de.Field != "AbsoluteTime" {
		t.Fatalf("non-BCD time: %v", err)
	}
	if _, err := at.Unmarshal([]byte{0x20, 0x07}); !errors.Is(err, ErrShort) {
		t.Fatalf("short time: %v", err)
	}
	for _, bad := range []AbsoluteTime{
		{0x20, 0x07, 0x13, 0x01, 0, 0, 0, 0}, // month 13
		{0x20, 0x07, 0x02, 0x30, 0, 0, 0, 0}, // 30 February
		{0x20, 0x07, 0x02, 0x01, 0x24, 0, 0, 0},
	} {
		if _, err := bad.Time(nil); !errors.Is(err, ErrValue) {
			t.Errorf("%v.Time() = %v, want ErrValue", bad, err)
		}
	}
}

func TestAttributeRoundTrips(t *testing.T) {
	enum := EnumObsValue{MetricID: 0x1234, State: MeasurementStatusQuestionable, Choice: EnumValTextString, Text: []byte("ok")}
	nu := NuObsValueCmp{{MDCPressBldNoninvSys, 0, MDCDimMmhg, 0xFF0004B0}, {MDCPressBldNoninvDia, 0, MDCDimMmhg, 0x00000050}}
	sa := SaSpec{ArraySize: 10, SampleSize: 16, SignificantBits: 12, Flags: SaFlagStaticScale}
	srs := ScaleRangeSpec{Width: 4, LowerAbsolute: 0, UpperAbsolute: 0x02000001, LowerScaled: 0, UpperScaled: 4095}
	mti := MdsTimeInfo{CapState: MdsTimeCapRealTimeClock | MdsTimeCapSetClock, SyncProtocol: MDCTimeSyncNone,
		SyncAccuracy: 0xFFFFFFFF, ResolutionAbsTime: 100}
	reg := RegCertDataList{{AuthBody: 2, AuthBodyStrucType: 1, Data: []byte{0, 1, 0, 2, 0x40, 0x0A}}}
	hr := HighResRelativeTime(0x0102030405060708)
	tests := []struct {
		name string
		enc  func() ([]byte, error)
		dec  func([]byte) (int, error)
		want []byte
	}{
		{"EnumObsValue", func() ([]byte, error) { return enum.AppendBinary(nil) },
			func(b []byte) (int, error) { var v EnumObsValue; return v.Unmarshal(b) },
			[]byte{0x12, 0x34, 0x40, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x02, 'o', 'k'}},
		{"NuObsValueCmp", func() ([]byte, error) { return nu.AppendBinary(nil) },
			func(b []byte) (int, error) { var v NuObsValueCmp; return v.Unmarshal(b) }, nil},
		{"SaSpec", func() ([]byte, error) { return sa.AppendBinary(nil) },
			func(b []byte) (int, error) { var v SaSpec; return v.Unmarshal(b) },
			[]byte{0, 10, 16, 12, 0x20, 0}},
		{"ScaleRangeSpec32", func() ([]byte, error) { return srs.AppendBinary(nil) },
			func(b []byte) (int, error) { var v ScaleRangeSpec; return v.UnmarshalWidth(b, 4) }, nil},
		{"MdsTimeInfo", func() ([]byte, error) { return mti.AppendBinary(nil) },
			func(b []byte) (int, error) { var v MdsTimeInfo; return v.Unmarshal(b) }, nil},
		{"RegCertDataList", func() ([]byte, error) { return reg.AppendBinary(nil) },
			func(b []byte) (int, error) { var v RegCertDataList; return v.Unmarshal(b) }, nil},
		{"HighResRelativeTime", func() ([]byte, error) { return hr.AppendBinary(nil) },
			func(b []byte) (int, error) { var v HighResRelativeTime; return v.Unmarshal(b) },
			[]byte{1, 2, 3, 4, 5, 6, 7, 8}},
	}
	for _, tt := range tests {
		b, err := tt.enc()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.want != nil && !bytes.Equal(b, tt.want) {
			t.Errorf("%s encoded = %X, want %X", tt.name, b, tt.want)
		}
		n, err := tt.dec(b)
		if err != nil || n != len(b) {
			t.Errorf("%s: decode = %d, %v, want %d", tt.name, n, err, len(b))
		}
		for i := 0; i < len(b); i++ {
			if _, err := tt.dec(b[:i]); err == nil {
				t.Errorf("%s: prefix of %d bytes decoded", tt.name, i)
			}
		}
	}
	var s SaObsValue = []byte{0x01, 0x02, 0x03, 0x04}
	if v, ok := s.Sample(1, 16); !ok || v != 0x0304 {
		t.Errorf("Sample(1, 16) = %#x, %v", v, ok)
	}
	if _, ok := s.Sample(2, 16); ok {
		t.Errorf("Sample(2, 16) past the end succeeded")
	}
}
