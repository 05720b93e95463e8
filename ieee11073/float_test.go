package ieee11073

import (
	"errors"
	"math"
	"testing"
)

// The FLOAT and SFLOAT examples of the HL7 Personal Health Device implementation guide (page
// "MDER FLOATs and SFLOATs", HL7/phd input/pagecontent/MderFLOATsandSFLOATs.md).
var sfloatVectors = []struct {
	raw      SFloat
	kind     FloatKind
	mantissa int32
	exponent int
	value    float64
	text     string
}{
	{0x0002, FloatKindFinite, 2, 0, 2, "2"},
	{0xF014, FloatKindFinite, 20, -1, 2, "2.0"},
	{0xE0C8, FloatKindFinite, 200, -2, 2, "2.00"},
	{0x1002, FloatKindFinite, 2, 1, 20, "2e1"},
	{0x2002, FloatKindFinite, 2, 2, 200, "2e2"},
	{0x00C8, FloatKindFinite, 200, 0, 200, "200"},
	{0x04D2, FloatKindFinite, 1234, 0, 1234, "1234"},
	{0x0B2E, FloatKindFinite, -1234, 0, -1234, "-1234"},
	{0xF258, FloatKindFinite, 600, -1, 60, "60.0"},
	{0x07FF, FloatKindNaN, 0, 0, math.NaN(), "NaN"},
	{0x0800, FloatKindNRes, 0, 0, math.NaN(), "NRes"},
	{0x07FE, FloatKindPosInf, 0, 0, math.Inf(1), "+INF"},
	{0x0802, FloatKindNegInf, 0, 0, math.Inf(-1), "-INF"},
	{0x0801, FloatKindReserved, 0, 0, math.NaN(), "RFU"},
}

var floatVectors = []struct {
	raw      Float
	kind     FloatKind
	mantissa int32
	exponent int
	value    float64
	text     string
}{
	{0x00000002, FloatKindFinite, 2, 0, 2, "2"},
	{0xFF000014, FloatKindFinite, 20, -1, 2, "2.0"},
	{0xFE0000C8, FloatKindFinite, 200, -2, 2, "2.00"},
	{0x01000002, FloatKindFinite, 2, 1, 20, "2e1"},
	{0x02000002, FloatKindFinite, 2, 2, 200, "2e2"},
	{0x000000C8, FloatKindFinite, 200, 0, 200, "200"},
	{0x000004D2, FloatKindFinite, 1234, 0, 1234, "1234"},
	{0x00FFFB2E, FloatKindFinite, -1234, 0, -1234, "-1234"},
	{0xFF000270, FloatKindFinite, 624, -1, 62.4, "62.4"},
	{0xFD000005, FloatKindFinite, 5, -3, 0.005, "0.005"},
	{0x007FFFFF, FloatKindNaN, 0, 0, math.NaN(), "NaN"},
	{0x00800000, FloatKindNRes, 0, 0, math.NaN(), "NRes"},
	{0x007FFFFE, FloatKindPosInf, 0, 0, math.Inf(1), "+INF"},
	{0x00800002, FloatKindNegInf, 0, 0, math.Inf(-1), "-INF"},
	{0x00800001, FloatKindReserved, 0, 0, math.NaN(), "RFU"},
	// A special mantissa with a non-zero exponent is a finite number: states are matched on
	// the whole raw value.
	{0x017FFFFF, FloatKindFinite, 0x7FFFFF, 1, 83886070, "8388607e1"},
}

func sameFloat64(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

func TestSFloatVectors(t *testing.T) {
	for _, v := range sfloatVectors {
		if got := v.raw.Kind(); got != v.kind {
			t.Errorf("SFloat(%#04x).Kind() = %v, want %v", uint16(v.raw), got, v.kind)
		}
		if v.kind == FloatKindFinite {
			if m, e := v.raw.Mantissa(), v.raw.Exponent(); m != v.mantissa || e != v.exponent {
				t.Errorf("SFloat(%#04x) = %d e%d, want %d e%d", uint16(v.raw), m, e, v.mantissa, v.exponent)
			}
			n, err := NewSFloat(v.mantissa, v.exponent)
			if err != nil || n != v.raw {
				t.Errorf("NewSFloat(%d, %d) = %#04x, %v, want %#04x", v.mantissa, v.exponent, uint16(n), err, uint16(v.raw))
			}
		}
		if got := v.raw.Float64(); !sameFloat64(got, v.value) {
			t.Errorf("SFloat(%#04x).Float64() = %v, want %v", uint16(v.raw), got, v.value)
		}
		if got := v.raw.String(); got != v.text {
			t.Errorf("SFloat(%#04x).String() = %q, want %q", uint16(v.raw), got, v.text)
		}
		p, err := ParseSFloat(v.text)
		if err != nil || p != v.raw {
			t.Errorf("ParseSFloat(%q) = %#04x, %v, want %#04x", v.text, uint16(p), err, uint16(v.raw))
		}
		// SFLOAT to FLOAT and back keeps the state and the precision.
		back, err := v.raw.Float().SFloat()
		if err != nil || back != v.raw {
			t.Errorf("SFloat(%#04x).Float().SFloat() = %#04x, %v", uint16(v.raw), uint16(back), err)
		}
		if got := v.raw.Float().Kind(); got != v.kind {
			t.Errorf("SFloat(%#04x).Float().Kind() = %v, want %v", uint16(v.raw), got, v.kind)
		}
	}
}

func TestFloatVectors(t *testing.T) {
	for _, v := range floatVectors {
		if got := v.raw.Kind(); got != v.kind {
			t.Errorf("Float(%#08x).Kind() = %v, want %v", uint32(v.raw), got, v.kind)
		}
		if v.kind == FloatKindFinite {
			if m, e := v.raw.Mantissa(), v.raw.Exponent(); m != v.mantissa || e != v.exponent {
				t.Errorf("Float(%#08x) = %d e%d, want %d e%d", uint32(v.raw), m, e, v.mantissa, v.exponent)
			}
		}
		if got := v.raw.Float64(); !sameFloat64(got, v.value) {
			t.Errorf("Float(%#08x).Float64() = %v, want %v", uint32(v.raw), got, v.value)
		}
		if got := v.raw.String(); got != v.text {
			t.Errorf("Float(%#08x).String() = %q, want %q", uint32(v.raw), got, v.text)
		}
		if v.mantissa <= FloatMantissaMax {
			p, err := ParseFloat(v.text)
			if err != nil || p != v.raw {
				t.Errorf("ParseFloat(%q) = %#08x, %v, want %#08x", v.text, uint32(p), err, uint32(v.raw))
			}
		}
		var u Float
		if err := u.UnmarshalText([]byte(v.text)); err != nil && v.mantissa <= FloatMantissaMax {
			t.Errorf("UnmarshalText(%q): %v", v.text, err)
		}
	}
}

func TestFloatPrecisionKept(t *testing.T) {
	two, _ := ParseFloat("2")
	twoPointZero, _ := ParseFloat("2.0")
	if two == twoPointZero {
		t.Fatalf("ParseFloat(2) == ParseFloat(2.0) = %#08x; precision lost", uint32(two))
	}
	if two.Float64() != twoPointZero.Float64() {
		t.Fatalf("2 and 2.0 differ in value: %v, %v", two.Float64(), twoPointZero.Float64())
	}
}

func TestFloatFromFloat64(t *testing.T) {
	a, b := 0.1, 0.2
	point3 := a + b // 0.30000000000000004
	tests := []struct {
		in   float64
		want string
		err  error
	}{
		{0, "0", nil},
		{2, "2", nil},
		{60, "6e1", nil},
		{62.4, "62.4", nil},
		{-0.005, "-0.005", nil},
		{36.6, "36.6", nil},
		{1e-100, "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001", nil},
		{123456789, "", ErrFloatRange},
		{point3, "", ErrFloatRange},
		{1e200, "", ErrFloatRange},
		{math.NaN(), "NaN", nil},
		{math.Inf(1), "+INF", nil},
		{math.Inf(-1), "-INF", nil},
	}
	for _, tt := range tests {
		f, err := FloatFromFloat64(tt.in)
		if !errors.Is(err, tt.err) {
			t.Errorf("FloatFromFloat64(%v) error = %v, want %v", tt.in, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if got := f.String(); got != tt.want {
			t.Errorf("FloatFromFloat64(%v) = %q, want %q", tt.in, got, tt.want)
		}
		if back := f.Float64(); !sameFloat64(back, tt.in) {
			t.Errorf("FloatFromFloat64(%v).Float64() = %v", tt.in, back)
		}
	}
}

func TestParseFloatErrors(t *testing.T) {
	tests := []struct {
		in    string
		short bool
		err   error
	}{
		{"", false, ErrFloatSyntax},
		{"abc", false, ErrFloatSyntax},
		{"1.2.3", false, ErrFloatSyntax},
		{"1e", false, ErrFloatSyntax},
		{"1x", false, ErrFloatSyntax},
		{"8388606", false, ErrFloatRange},
		{"1e140", false, ErrFloatRange},
		{"2046", true, ErrFloatRange},
		{"1e11", true, ErrFloatRange},
		{"0.000000001", true, ErrFloatRange},
	}
	for _, tt := range tests {
		var err error
		if tt.short {
			_, err = ParseSFloat(tt.in)
		} else {
			_, err = ParseFloat(tt.in)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("parse(%q, short=%v) error = %v, want %v", tt.in, tt.short, err, tt.err)
		}
	}
	// Zeros that do not carry information fold into the exponent when they must.
	if f, err := ParseSFloat("20000"); err != nil || f.Mantissa() != 2000 || f.Exponent() != 1 {
		t.Errorf("ParseSFloat(20000) = %v (%d e%d), %v", f, f.Mantissa(), f.Exponent(), err)
	}
}

// Every raw SFLOAT survives text and back, and its float64 agrees with the text.
func TestSFloatExhaustiveTextRoundTrip(t *testing.T) {
	for raw := 0; raw <= 0xFFFF; raw++ {
		s := SFloat(raw)
		m := s.Mantissa()
		if s.Kind() == FloatKindFinite && (m > SFloatMantissaMax || m < SFloatMantissaMin) {
			continue // out-of-range mantissas decode but are never produced
		}
		text := s.String()
		p, err := ParseSFloat(text)
		if err != nil || p != s {
			t.Fatalf("ParseSFloat(SFloat(%#04x).String() = %q) = %#04x, %v", raw, text, uint16(p), err)
		}
		if s.Kind() == FloatKindFinite {
			want := float64(m) * math.Pow(10, float64(s.Exponent()))
			if got := s.Float64(); math.Abs(got-want) > 1e-9*math.Abs(want) {
				t.Fatalf("SFloat(%#04x).Float64() = %v, want %v", raw, got, want)
			}
		}
	}
}

func FuzzFloatText(f *testing.F) {
	for _, v := range floatVectors {
		f.Add(uint32(v.raw))
	}
	f.Fuzz(func(t *testing.T, raw uint32) {
		x := Float(raw)
		if x.Kind() == FloatKindFinite && (x.Mantissa() > FloatMantissaMax || x.Mantissa() < FloatMantissaMin) {
			return
		}
		p, err := ParseFloat(x.String())
		if err != nil || p != x {
			t.Fatalf("ParseFloat(%q) = %#08x, %v, want %#08x", x.String(), uint32(p), err, raw)
		}
		if x.Kind() == FloatKindFinite {
			v := x.Float64()
			g, err := FloatFromFloat64(v)
			if err == nil && g.Float64() != v {
				t.Fatalf("FloatFromFloat64(%v) = %v, which converts to %v", v, g, g.Float64())
			}
		}
	})
}
