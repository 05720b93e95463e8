package ieee11073

import (
	"encoding/binary"
	"time"

	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// AbsoluteTime is a wall-clock time in binary-coded decimal, one byte per field (20601
// Annex A, AbsoluteTime): the 8 bytes as on the wire, indexed by the AbsTime*
// constants, so {0x20, 0x07, 0x12, 0x06, 0x12, 0x10, 0, 0} is 2007-12-06 12:10:00.00.
//
//	+---------+------+-------+-----+------+--------+--------+--------------+
//	| century | year | month | day | hour | minute | second | sec-fractions|
//	+---------+------+-------+-----+------+--------+--------+--------------+
//	  each one byte, two BCD digits; sec-fractions in 1/100 s
type AbsoluteTime [8]byte

// Indexes of the fields of an AbsoluteTime.
const (
	AbsTimeCentury = iota
	AbsTimeYear
	AbsTimeMonth
	AbsTimeDay
	AbsTimeHour
	AbsTimeMinute
	AbsTimeSecond
	AbsTimeSecFractions
)

// IsZero reports whether every field is 0, which devices send for "no time".
func (t AbsoluteTime) IsZero() bool { return t == AbsoluteTime{} }

func bcd(v uint8) int { return int(v>>4)*10 + int(v&0x0F) }

func toBCD(v int) uint8 { return uint8(v/10)<<4 | uint8(v%10) }

// Valid reports whether every field holds two BCD digits.
func (t AbsoluteTime) Valid() bool { return bcd8(binary.BigEndian.Uint64(t[:])) }

// Time returns t as a time.Time in loc (agents keep local time; time.UTC if loc is nil). It
// fails with ErrValue when t is not a valid date and time.
func (t AbsoluteTime) Time(loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if !t.Valid() {
		return time.Time{}, ErrValue
	}
	year := bcd(t[AbsTimeCentury])*100 + bcd(t[AbsTimeYear])
	mon, day, h, m, s := bcd(t[AbsTimeMonth]), bcd(t[AbsTimeDay]), bcd(t[AbsTimeHour]), bcd(t[AbsTimeMinute]), bcd(t[AbsTimeSecond])
	if mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || m > 59 || s > 59 {
		return time.Time{}, ErrValue
	}
	tt := time.Date(year, time.Month(mon), day, h, m, s, bcd(t[AbsTimeSecFractions])*10_000_000, loc)
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
		toBCD(y / 100), toBCD(y % 100), toBCD(int(tm.Month())), toBCD(tm.Day()),
		toBCD(tm.Hour()), toBCD(tm.Minute()), toBCD(tm.Second()), toBCD(tm.Nanosecond() / 10_000_000),
	}
}

// String returns t as "YYYY-MM-DDThh:mm:ss.ff", printing the raw digits.
func (t AbsoluteTime) String() string {
	const hex = "0123456789ABCDEF"
	var b [22]byte
	put := func(i int, v uint8) { b[i], b[i+1] = hex[v>>4], hex[v&0xF] }
	put(0, t[AbsTimeCentury])
	put(2, t[AbsTimeYear])
	b[4] = '-'
	put(5, t[AbsTimeMonth])
	b[7] = '-'
	put(8, t[AbsTimeDay])
	b[10] = 'T'
	put(11, t[AbsTimeHour])
	b[13] = ':'
	put(14, t[AbsTimeMinute])
	b[16] = ':'
	put(17, t[AbsTimeSecond])
	b[19] = '.'
	put(20, t[AbsTimeSecFractions])
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
	*t = AbsoluteTime(v[:8])
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
	return append(b, t[:]...)
}
