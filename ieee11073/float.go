package ieee11073

import (
	"math"
	"strconv"
)

// FLOAT-Type and SFLOAT-Type (ISO/IEEE 11073-20601 Annex F, "FLOAT-Type" and
// "SFLOAT-Type"; the same encodings serve the Bluetooth health profiles).
//
// A value is mantissa × 10^exponent, both two's complement, on the wire big-endian:
//
//	FLOAT-Type (32 bits)                     SFLOAT-Type (16 bits)
//	 31       24 23                     0     15    12 11             0
//	+-----------+------------------------+   +--------+----------------+
//	| exponent  |       mantissa         |   |exponent|    mantissa    |
//	|  (int8)   |      (int24)           |   | (int4) |    (int12)     |
//	+-----------+------------------------+   +--------+----------------+
//
// Five raw values are special states, matched on the whole raw value (exponent 0):
//
//	state      FLOAT        SFLOAT
//	NaN        0x007FFFFF   0x07FF
//	NRes       0x00800000   0x0800   not at this resolution
//	+INF       0x007FFFFE   0x07FE
//	-INF       0x00800002   0x0802
//	reserved   0x00800001   0x0801   reserved for future use
//
// Float and SFloat keep the raw value, so the precision a device sent survives decoding and
// re-encoding: 2.0 (20 × 10^-1) and 2 (2 × 10^0) are different values that compare unequal.

// Float is a FLOAT-Type: its raw 32-bit value.
type Float uint32

// SFloat is an SFLOAT-Type: its raw 16-bit value.
type SFloat uint16

// FloatKind tells a finite FLOAT or SFLOAT from the special states.
type FloatKind uint8

// The kinds of FLOAT and SFLOAT values.
const (
	FloatKindFinite   FloatKind = iota // mantissa × 10^exponent
	FloatKindNaN                       // not a number
	FloatKindNRes                      // not at this resolution
	FloatKindPosInf                    // +infinity
	FloatKindNegInf                    // -infinity
	FloatKindReserved                  // reserved for future use
)

var floatKindNames = [...]string{
	FloatKindFinite:   "finite",
	FloatKindNaN:      "NaN",
	FloatKindNRes:     "NRes",
	FloatKindPosInf:   "+INF",
	FloatKindNegInf:   "-INF",
	FloatKindReserved: "RFU",
}

func (k FloatKind) String() string {
	if int(k) < len(floatKindNames) {
		return floatKindNames[k]
	}
	return "FloatKind(" + strconv.Itoa(int(k)) + ")"
}

// The special FLOAT-Type values.
const (
	FloatNaN      Float = 0x007FFFFF
	FloatNRes     Float = 0x00800000
	FloatPosInf   Float = 0x007FFFFE
	FloatNegInf   Float = 0x00800002
	FloatReserved Float = 0x00800001
)

// The special SFLOAT-Type values.
const (
	SFloatNaN      SFloat = 0x07FF
	SFloatNRes     SFloat = 0x0800
	SFloatPosInf   SFloat = 0x07FE
	SFloatNegInf   SFloat = 0x0802
	SFloatReserved SFloat = 0x0801
)

// Limits of a finite value's mantissa and exponent. The standard keeps the mantissas of the
// special states out of the finite range.
const (
	FloatMantissaMax  = 0x7FFFFD  // largest FLOAT mantissa, 8388605
	FloatMantissaMin  = -0x7FFFFD // smallest FLOAT mantissa
	FloatExponentMax  = 127
	FloatExponentMin  = -128
	SFloatMantissaMax = 0x7FD  // largest SFLOAT mantissa, 2045
	SFloatMantissaMin = -0x7FD // smallest SFLOAT mantissa
	SFloatExponentMax = 7
	SFloatExponentMin = -8
)

// NewFloat returns mantissa × 10^exponent as a FLOAT. It fails with ErrFloatRange when the
// mantissa is outside [FloatMantissaMin, FloatMantissaMax] or the exponent outside an int8.
func NewFloat(mantissa int32, exponent int) (Float, error) {
	if mantissa < FloatMantissaMin || mantissa > FloatMantissaMax ||
		exponent < FloatExponentMin || exponent > FloatExponentMax {
		return 0, ErrFloatRange
	}
	return Float(uint32(uint8(int8(exponent)))<<24 | uint32(mantissa)&0xFFFFFF), nil
}

// NewSFloat returns mantissa × 10^exponent as an SFLOAT. It fails with ErrFloatRange when the
// mantissa is outside [SFloatMantissaMin, SFloatMantissaMax] or the exponent outside [-8, 7].
func NewSFloat(mantissa int32, exponent int) (SFloat, error) {
	if mantissa < SFloatMantissaMin || mantissa > SFloatMantissaMax ||
		exponent < SFloatExponentMin || exponent > SFloatExponentMax {
		return 0, ErrFloatRange
	}
	return SFloat(uint16(exponent&0xF)<<12 | uint16(mantissa)&0xFFF), nil
}

// Kind reports whether f is finite or one of the special states.
func (f Float) Kind() FloatKind {
	switch f {
	case FloatNaN:
		return FloatKindNaN
	case FloatNRes:
		return FloatKindNRes
	case FloatPosInf:
		return FloatKindPosInf
	case FloatNegInf:
		return FloatKindNegInf
	case FloatReserved:
		return FloatKindReserved
	}
	return FloatKindFinite
}

// Mantissa returns the signed 24-bit mantissa.
func (f Float) Mantissa() int32 { return int32(uint32(f)<<8) >> 8 }

// Exponent returns the signed 8-bit exponent.
func (f Float) Exponent() int { return int(int8(uint8(f >> 24))) }

// Float64 returns the value as the float64 nearest to it (exact whenever the value has a
// float64 representation). NaN, NRes and reserved give NaN; ±INF give ±Inf.
func (f Float) Float64() float64 {
	switch f.Kind() {
	case FloatKindFinite:
		return decimalToFloat64(int64(f.Mantissa()), f.Exponent())
	case FloatKindPosInf:
		return math.Inf(1)
	case FloatKindNegInf:
		return math.Inf(-1)
	}
	return math.NaN()
}

// SFloat returns f as an SFLOAT with the same mantissa and exponent (the same state for the
// special values). It fails with ErrFloatRange when they do not fit.
func (f Float) SFloat() (SFloat, error) {
	switch f.Kind() {
	case FloatKindNaN:
		return SFloatNaN, nil
	case FloatKindNRes:
		return SFloatNRes, nil
	case FloatKindPosInf:
		return SFloatPosInf, nil
	case FloatKindNegInf:
		return SFloatNegInf, nil
	case FloatKindReserved:
		return SFloatReserved, nil
	}
	return NewSFloat(f.Mantissa(), f.Exponent())
}

// String returns f as decimal text; see AppendText.
func (f Float) String() string {
	var buf [40]byte
	b, _ := f.AppendText(buf[:0])
	return string(b)
}

// AppendText appends f as decimal text that keeps its precision: "2.0" for 20 × 10^-1, "2"
// for 2 × 10^0, "15e2" for 15 × 10^2, and "NaN", "NRes", "+INF", "-INF" or "RFU" for the
// special states. ParseFloat reads it back to the same raw value.
func (f Float) AppendText(b []byte) ([]byte, error) {
	if k := f.Kind(); k != FloatKindFinite {
		return append(b, floatKindNames[k]...), nil
	}
	return appendDecimal(b, int64(f.Mantissa()), f.Exponent()), nil
}

// MarshalText implements encoding.TextMarshaler with AppendText.
func (f Float) MarshalText() ([]byte, error) { return f.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseFloat.
func (f *Float) UnmarshalText(text []byte) error {
	v, err := parseDecimalFloat(text, false)
	if err != nil {
		return err
	}
	*f = Float(v)
	return nil
}

// ParseFloat parses decimal text ("-12.50", "1.5e3", "NaN", "NRes", "+INF", "-INF", "RFU")
// into the FLOAT of the same value and precision: "2.0" gives mantissa 20, exponent -1.
// Trailing zeros of the integer part are folded into the exponent only when the mantissa
// would not fit otherwise. It fails with ErrFloatSyntax or ErrFloatRange.
func ParseFloat(s string) (Float, error) {
	v, err := parseDecimalFloat([]byte(s), false)
	return Float(v), err
}

// FloatFromFloat64 returns the FLOAT holding the shortest decimal that converts back to v,
// so that FloatFromFloat64(v).Float64() == v. NaN and ±Inf map to NaN and ±INF. It fails with
// ErrFloatRange when that decimal does not fit a FLOAT (for example 0.1 + 0.2).
func FloatFromFloat64(v float64) (Float, error) {
	switch {
	case math.IsNaN(v):
		return FloatNaN, nil
	case math.IsInf(v, 1):
		return FloatPosInf, nil
	case math.IsInf(v, -1):
		return FloatNegInf, nil
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], v, 'e', -1, 64)
	r, err := parseDecimalFloat(b, false)
	return Float(r), err
}

// Kind reports whether s is finite or one of the special states.
func (s SFloat) Kind() FloatKind {
	switch s {
	case SFloatNaN:
		return FloatKindNaN
	case SFloatNRes:
		return FloatKindNRes
	case SFloatPosInf:
		return FloatKindPosInf
	case SFloatNegInf:
		return FloatKindNegInf
	case SFloatReserved:
		return FloatKindReserved
	}
	return FloatKindFinite
}

// Mantissa returns the signed 12-bit mantissa.
func (s SFloat) Mantissa() int32 { return int32(uint32(s)<<20) >> 20 }

// Exponent returns the signed 4-bit exponent.
func (s SFloat) Exponent() int { return int(int16(s) >> 12) }

// Float returns s as a FLOAT of the same mantissa, exponent and state; it is exact.
func (s SFloat) Float() Float {
	// The special states are the contiguous raw values 0x07FE-0x0802 in both types, in the
	// same order, 0x800000 - 0x800 apart.
	if d := s - SFloatPosInf; d <= SFloatNegInf-SFloatPosInf {
		return FloatPosInf + Float(d)
	}
	return Float(uint32(int32(int16(s))>>12)<<24 | uint32(int32(uint32(s)<<20)>>20)&0xFFFFFF)
}

// Float64 returns the value as the nearest float64; see Float.Float64.
func (s SFloat) Float64() float64 { return s.Float().Float64() }

// String returns s as decimal text; see Float.AppendText.
func (s SFloat) String() string { return s.Float().String() }

// AppendText appends s as decimal text; see Float.AppendText.
func (s SFloat) AppendText(b []byte) ([]byte, error) { return s.Float().AppendText(b) }

// MarshalText implements encoding.TextMarshaler with AppendText.
func (s SFloat) MarshalText() ([]byte, error) { return s.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseSFloat.
func (s *SFloat) UnmarshalText(text []byte) error {
	v, err := parseDecimalFloat(text, true)
	if err != nil {
		return err
	}
	*s = SFloat(v)
	return nil
}

// ParseSFloat parses decimal text into the SFLOAT of the same value and precision; see
// ParseFloat.
func ParseSFloat(s string) (SFloat, error) {
	v, err := parseDecimalFloat([]byte(s), true)
	return SFloat(v), err
}

// SFloatFromFloat64 returns the SFLOAT holding the shortest decimal that converts back to v;
// see FloatFromFloat64.
func SFloatFromFloat64(v float64) (SFloat, error) {
	f, err := FloatFromFloat64(v)
	if err != nil {
		return 0, err
	}
	return f.SFloat()
}

// pow10 holds the powers of ten a float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// decimalToFloat64 returns m × 10^e correctly rounded. |m| < 2^24, so m is exact; with an
// exact power of ten a single multiplication or division is correctly rounded, and the rest
// goes through strconv, which is correctly rounded too.
func decimalToFloat64(m int64, e int) float64 {
	switch {
	case e >= 0 && e < len(pow10):
		return float64(m) * pow10[e]
	case e < 0 && -e < len(pow10):
		return float64(m) / pow10[-e]
	}
	var buf [32]byte
	b := strconv.AppendInt(buf[:0], m, 10)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(e), 10)
	v, _ := strconv.ParseFloat(string(b), 64)
	return v
}

// appendDecimal appends m × 10^e keeping every digit of m.
func appendDecimal(b []byte, m int64, e int) []byte {
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	var digits [24]byte
	d := strconv.AppendInt(digits[:0], m, 10)
	switch {
	case e == 0:
		return append(b, d...)
	case e > 0:
		b = append(b, d...)
		b = append(b, 'e')
		return strconv.AppendInt(b, int64(e), 10)
	}
	frac := -e
	if len(d) <= frac {
		b = append(b, '0', '.')
		for i := len(d); i < frac; i++ {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	b = append(b, d[:len(d)-frac]...)
	b = append(b, '.')
	return append(b, d[len(d)-frac:]...)
}

// parseDecimalFloat parses decimal text into a raw FLOAT, or a raw SFLOAT when short.
func parseDecimalFloat(s []byte, short bool) (uint32, error) {
	switch string(s) {
	case "NaN", "nan", "NAN":
		return special(short, FloatNaN, SFloatNaN), nil
	case "NRes", "NRES", "nres":
		return special(short, FloatNRes, SFloatNRes), nil
	case "+INF", "INF", "+Inf", "Inf", "inf", "+inf":
		return special(short, FloatPosInf, SFloatPosInf), nil
	case "-INF", "-Inf", "-inf":
		return special(short, FloatNegInf, SFloatNegInf), nil
	case "RFU", "reserved":
		return special(short, FloatReserved, SFloatReserved), nil
	}
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var m int64
	exp := 0
	ndigits, frac := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if frac {
				return 0, ErrFloatSyntax
			}
			frac = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		ndigits++
		if m > 1e15 {
			// Too many significant digits: only zeros may follow, folded into the exponent.
			if c != '0' {
				return 0, ErrFloatRange
			}
			if !frac {
				exp++
			}
			continue
		}
		m = m*10 + int64(c-'0')
		if frac {
			exp--
		}
	}
	if ndigits == 0 {
		return 0, ErrFloatSyntax
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return 0, ErrFloatSyntax
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return 0, ErrFloatSyntax
		}
		e := 0
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, ErrFloatSyntax
			}
			if e < 10000 {
				e = e*10 + int(c-'0')
			}
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	maxM, minE, maxE := int64(FloatMantissaMax), FloatExponentMin, FloatExponentMax
	if short {
		maxM, minE, maxE = SFloatMantissaMax, SFloatExponentMin, SFloatExponentMax
	}
	// Fold trailing zeros into the exponent only when the mantissa is too wide, and drop
	// fractional zeros only when the exponent is too small.
	for m > maxM && m%10 == 0 {
		m /= 10
		exp++
	}
	for exp < minE && m%10 == 0 && m != 0 {
		m /= 10
		exp++
	}
	if m == 0 {
		if exp < minE {
			exp = minE
		}
		if exp > maxE {
			exp = maxE
		}
	}
	// A mantissa with room to spare absorbs an exponent that is too large.
	for exp > maxE && m != 0 && m*10 <= maxM {
		m *= 10
		exp--
	}
	if m > maxM || exp < minE || exp > maxE {
		return 0, ErrFloatRange
	}
	if neg {
		m = -m
	}
	if short {
		v, err := NewSFloat(int32(m), exp)
		return uint32(v), err
	}
	v, err := NewFloat(int32(m), exp)
	return uint32(v), err
}

func special(short bool, f Float, s SFloat) uint32 {
	if short {
		return uint32(s)
	}
	return uint32(f)
}
