package bmsig

import (
	"fmt"
	"math/bits"
	"strconv"
)

// Decimal is an exact decimal number Mant × 10^Exp, the shape of an ISO/IEEE 11073-20601
// FLOAT or SFLOAT value (a signed integer mantissa and a signed power-of-ten exponent).
//
// Two Decimals that denote the same number (12 × 10^1 and 120 × 10^0) compare equal with
// Cmp and have the same canonical text (String), so the BM-signature does not depend on
// how a device scaled its reading. Decimal never passes through binary floating point.
type Decimal struct {
	Mant int64
	Exp  int8
}

// Normalize returns d with trailing zero digits moved from the mantissa into the exponent
// (as far as the exponent allows), and zero as 0 × 10^0.
func (d Decimal) Normalize() Decimal {
	if d.Mant == 0 {
		return Decimal{}
	}
	for d.Mant%10 == 0 && d.Exp < 127 {
		d.Mant /= 10
		d.Exp++
	}
	return d
}

// abs returns the sign (-1, 0 or +1) and the magnitude of the mantissa.
func (d Decimal) abs() (int, uint64) {
	switch {
	case d.Mant < 0:
		return -1, uint64(-(d.Mant + 1)) + 1
	case d.Mant > 0:
		return 1, uint64(d.Mant)
	}
	return 0, 0
}

var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

// digits returns the number of decimal digits of m > 0.
func digits(m uint64) int {
	n := 1
	for n < len(pow10) && m >= pow10[n] {
		n++
	}
	return n
}

// cmpMag compares the magnitudes ma × 10^ea and mb × 10^eb, both mantissas non-zero.
func cmpMag(ma uint64, ea int, mb uint64, eb int) int {
	// Order of magnitude first: a number with more integer digits is larger.
	oa, ob := digits(ma)+ea, digits(mb)+eb
	if oa != ob {
		if oa < ob {
			return -1
		}
		return 1
	}
	// Same order of magnitude: scale the one with the larger exponent down to the other's
	// exponent. Its digit count becomes the other's, at most 20, so the product fits in a
	// uint64 unless it overflows, which bits.Mul64 reports.
	if ea > eb {
		hi, lo := bits.Mul64(ma, pow10[ea-eb])
		if hi != 0 {
			return 1
		}
		ma = lo
	} else if eb > ea {
		hi, lo := bits.Mul64(mb, pow10[eb-ea])
		if hi != 0 {
			return -1
		}
		mb = lo
	}
	switch {
	case ma < mb:
		return -1
	case ma > mb:
		return 1
	}
	return 0
}

// Cmp compares d and e exactly and returns -1, 0 or +1.
func (d Decimal) Cmp(e Decimal) int {
	sd, md := d.abs()
	se, me := e.abs()
	if sd != se {
		if sd < se {
			return -1
		}
		return 1
	}
	if sd == 0 {
		return 0
	}
	c := cmpMag(md, int(d.Exp), me, int(e.Exp))
	return c * sd
}

// AppendText appends the canonical text of d: an optional '-', the integer digits without
// leading zeros (a single 0 when the integer part is zero), and, when d has a fractional
// part, a '.' and its digits without trailing zeros. It never uses exponent notation:
// 12 × 10^2 is "1200" and 5 × 10^-3 is "0.005". It implements encoding.TextAppender.
func (d Decimal) AppendText(b []byte) ([]byte, error) {
	d = d.Normalize()
	s, m := d.abs()
	if s < 0 {
		b = append(b, '-')
	}
	start := len(b)
	b = strconv.AppendUint(b, m, 10)
	switch {
	case d.Exp > 0:
		for range int(d.Exp) {
			b = append(b, '0')
		}
	case d.Exp < 0:
		n := len(b) - start // digits
		f := -int(d.Exp)    // fractional digits
		if n <= f {
			// 0.000ddd: insert "0." and f-n zeros before the digits.
			pad := 2 + f - n
			for range pad {
				b = append(b, 0)
			}
			copy(b[start+pad:], b[start:start+n])
			b[start] = '0'
			b[start+1] = '.'
			for i := start + 2; i < start+pad; i++ {
				b[i] = '0'
			}
		} else {
			b = append(b, 0)
			dot := start + n - f
			copy(b[dot+1:], b[dot:start+n])
			b[dot] = '.'
		}
	}
	return b, nil
}

// String returns the canonical text of d (see AppendText).
func (d Decimal) String() string {
	b, _ := d.AppendText(nil)
	return string(b)
}

// ParseDecimal parses a decimal number in plain notation: an optional '-', digits, and an
// optional '.' followed by digits ("120", "36.6", "-0.05"). Exponent notation, '+', spaces,
// NaN and infinities are rejected. The result is normalized.
func ParseDecimal(s string) (Decimal, error) {
	var (
		neg      bool
		mant     uint64
		exp      int
		sawDigit bool
		sawDot   bool
	)
	i := 0
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' && !sawDot:
			sawDot = true
			continue
		case c < '0' || c > '9':
			return Decimal{}, fmt.Errorf("%w: decimal %q: unexpected %q at offset %d", ErrMalformed, s, c, i)
		}
		sawDigit = true
		if sawDot {
			exp--
		}
		if mant == 0 && c == '0' {
			continue
		}
		limit := uint64(1<<63 - 1)
		if neg {
			limit = 1 << 63
		}
		if mant > (limit-uint64(c-'0'))/10 {
			// Further digits: drop trailing zeros, refuse anything else.
			if c != '0' {
				return Decimal{}, fmt.Errorf("%w: decimal %q: more digits than an int64 mantissa holds", ErrMalformed, s)
			}
			exp++
			continue
		}
		mant = mant*10 + uint64(c-'0')
	}
	if !sawDigit || (len(s) > 0 && s[len(s)-1] == '.') {
		return Decimal{}, fmt.Errorf("%w: decimal %q: no digits", ErrMalformed, s)
	}
	d := Decimal{Mant: int64(mant)} // 1<<63 becomes math.MinInt64
	if neg {
		d.Mant = -d.Mant
	}
	// Move trailing zeros into the exponent as Normalize does, or back into the mantissa
	// when the exponent is above range and the mantissa has room.
	for d.Mant != 0 && d.Mant%10 == 0 && exp < 127 {
		d.Mant /= 10
		exp++
	}
	if d.Mant == 0 {
		return Decimal{}, nil
	}
	for exp > 127 && d.Mant >= -(1<<63)/10 && d.Mant <= (1<<63-1)/10 {
		d.Mant *= 10
		exp--
	}
	if exp < -128 || exp > 127 {
		return Decimal{}, fmt.Errorf("%w: decimal %q: exponent %d out of range", ErrMalformed, s, exp)
	}
	d.Exp = int8(exp)
	return d, nil
}
