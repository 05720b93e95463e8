package ieee11073

import (
	"encoding/binary"
	"time"

	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// AbsoluteTime is a wall-clock time in binary-coded decimal, one byte per field (20601
// clause A.4.1, AbsoluteTime); the fields hold the BCD bytes as on the wire, so 0x20 0x07
// is the year 2007.
//
//	+---------+------+-------+-----+------+--------+--------+--------------+
//	| century | year | month | day | hour | minute | second | sec-fractions|
//	+---------+------+-------+-----+------+--------+--------+--------------+
//	  each one byte, two BCD digits; sec-fractions in 1/100 s
type AbsoluteTime struct {
	Century, Year, Month, Day, Hour, Minute, Second, SecFractions uint8
}

// IsZero reports whether every field is 0, which devices send for "no time".
func (t AbsoluteTime) IsZero() bool { return t == AbsoluteTime{} }

func bcdOK(v uint8) bool { return v&0x0F <= 9 && v>>4 <= 9 }

func bcd(v uint8) int { return int(v>>4)*10 + int(v&0x0F) }

func toBCD(v int) uint8 { return uint8(v/10)<<4 | uint8(v%10) }

// Valid reports whether every field holds two BCD digits.
func (t AbsoluteTime) Valid() bool {
	return bcdOK(t.Century) && bcdOK(t.Year) && bcdOK(t.Month) && bcdOK(t.Day) &&
		bcdOK(t.Hour) && bcdOK(t.Minute) && bcdOK(t.Second) && bcdOK(t.SecFractions)
}

// Time returns t as a time.Time in loc (agents keep local time; time.UTC if loc is nil). It
// fails with ErrValue when t is not a valid date and time.
func (t AbsoluteTime) Time(loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if !t.Valid() {
		return time.Time{}, ErrValue
	}
	year := bcd(t.Century)*100 + bcd(t.Year)
	mon, day, h, m, s := bcd(t.Month), bcd(t.Day), bcd(t.Hour), bcd(t.Minute), bcd(t.Second)
	if mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || m > 59 || s > 59 {
		return time.Time{}, ErrValue
	}
	tt := time.Date(year, time.Month(mon), day, h, m, s, bcd(t.SecFractions)*10_000_000, loc)
	if tt.Day() != day {
		return time.Time{}, ErrValue
	}
	return tt, nil
}

// AbsoluteTimeOf returns tm (its wall clock in its own location) as an AbsoluteTime, to the
// hundredth of a second. Years outside 0-9999 are clamped.
func AbsoluteTimeOf(tm time.Time) AbsoluteTime {
	y := min(max(tm.Year(), 0), 9999)
	return AbsoluteTime{
		Century: toBCD(y / 100), Year: toBCD(y % 100), Month: toBCD(int(tm.Month())),
		Day: toBCD(tm.Day()), Hour: toBCD(tm.Hour()), Minute: toBCD(tm.Minute()),
		Second: toBCD(tm.Second()), SecFractions: toBCD(tm.Nanosecond() / 10_000_000),
	}
}

// String returns t as "YYYY-MM-DDThh:mm:ss.ff", printing the raw digits.
func (t AbsoluteTime) String() string {
	const hex = "0123456789ABCDEF"
	var b [22]byte
	put := func(i int, v uint8) { b[i], b[i+1] = hex[v>>4], hex[v&0xF] }
	put(0, t.Century)
	put(2, t.Year)
	b[4] = '-'
	put(5, t.Month)
	b[7] = '-'
	put(8, t.Day)
	b[10] = 'T'
	put(11, t.Hour)
	b[13] = ':'
	put(14, t.Minute)
	b[16] = ':'
	put(17, t.Second)
	b[19] = '.'
	put(20, t.SecFractions)
	return string(b[:])
}

// Unmarshal decodes an AbsoluteTime from the first 8 bytes of b and returns 8. It fails with
// ErrValue when a byte is not two BCD digits.
func (t *AbsoluteTime) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !t.decode(&r, "AbsoluteTime") {
		return 0, decodeError(&r)
	}
	return 8, nil
}

func (t *AbsoluteTime) decode(r *mder.Reader, field string) bool {
	var v []byte
	if !r.Fixed(&v, 8, field) {
		return false
	}
	if !t.set(v) {
		return r.FailAt(r.Offset()-8, field, ErrValue)
	}
	return true
}

// set fills t from 8 wire bytes and reports whether they are BCD.
func (t *AbsoluteTime) set(v []byte) bool {
	_ = v[7]
	*t = AbsoluteTime{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]}
	return bcd8(binary.BigEndian.Uint64(v))
}

// bcd8 reports whether each of the 16 nibbles of x is a decimal digit: adding 6 to a
// nibble above 9 carries into the next four bits, which are clear otherwise.
func bcd8(x uint64) bool {
	const six, high = 0x0606060606060606, 0xF0F0F0F0F0F0F0F0
	lo, hi := x&0x0F0F0F0F0F0F0F0F, x>>4&0x0F0F0F0F0F0F0F0F
	return ((lo+six)|(hi+six))&high == 0
}

// AppendBinary appends the 8 bytes of t to b.
func (t AbsoluteTime) AppendBinary(b []byte) ([]byte, error) { return t.appendTo(b), nil }

func (t AbsoluteTime) appendTo(b []byte) []byte {
	return append(b, t.Century, t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, t.SecFractions)
}
