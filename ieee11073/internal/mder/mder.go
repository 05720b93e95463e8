// Package mder holds the cursor and the append helpers behind the ieee11073 codec: the
// Medical Device Encoding Rules of ISO/IEEE 11073-20601 (Annex F), where every integer is
// big-endian, an OCTET STRING or ANY is a 16-bit length and its bytes, a SEQUENCE OF is a
// 16-bit count, a 16-bit length and the elements, and a CHOICE is a 16-bit tag, a 16-bit
// length and the chosen value.
//
// A Reader walks one input with a cryptobyte.String cursor; its fixed-size reads are
// written out so that the compiler inlines them, and allocate nothing. Nested values are read
// from the same Reader between Begin and End, so offsets in errors are counted from the
// start of the input the caller handed in, and a nested length is checked against both the
// input and the value that encloses it. A read that fails records the field and the offset
// and returns false; reads chain with &&, and the caller turns the failure into an error
// once, at the API boundary.
package mder

import (
	"encoding/binary"
	"errors"

	"golang.org/x/crypto/cryptobyte"
)

// Sentinel causes a Reader records. The ieee11073 package re-exports them.
var (
	// ErrShort means the input ended before the field did.
	ErrShort = errors.New("ieee11073: input too short")
	// ErrLength means a nested value did not fill its declared length exactly.
	ErrLength = errors.New("ieee11073: length mismatch")
	// ErrCount means a SEQUENCE OF count does not match its length.
	ErrCount = errors.New("ieee11073: count does not match length")
	// ErrChoice means a CHOICE tag is not one the standard defines.
	ErrChoice = errors.New("ieee11073: unknown choice")
	// ErrValue means a field holds a value the standard forbids.
	ErrValue = errors.New("ieee11073: invalid value")
	// ErrTooLong means an encoded value does not fit its 16-bit length field.
	ErrTooLong = errors.New("ieee11073: value too long for a 16-bit length")
)

// Reader is a decoding cursor over one input. The zero Reader reads nothing.
type Reader struct {
	S     cryptobyte.String
	total int
	limit int // bytes that must remain after the innermost open value

	// Lax, when set, lets a decoder that calls SkipExcess skip octets left over inside
	// the innermost open value; Skipped counts the octets skipped so.
	Lax     bool
	Skipped int

	// Field, Off and Err describe the first failure; Err is nil while all reads succeed.
	Field string
	Off   int
	Err   error
}

// NewReader returns a Reader over b. Offsets are counted from b[0].
func NewReader(b []byte) Reader {
	return Reader{S: cryptobyte.String(b), total: len(b)}
}

// Offset returns the offset of the next unread byte.
func (r *Reader) Offset() int { return r.total - len(r.S) }

// Consumed returns how many bytes have been read.
func (r *Reader) Consumed() int { return r.total - len(r.S) }

// Fail records a failure of field at the current offset and returns false. Only the first
// failure is kept.
//
//go:noinline
func (r *Reader) Fail(field string, err error) bool {
	if r.Err == nil {
		r.Field, r.Off, r.Err = field, r.Offset(), err
	}
	return false
}

// FailAt records a failure of field at offset off and returns false.
//
//go:noinline
func (r *Reader) FailAt(off int, field string, err error) bool {
	if r.Err == nil {
		r.Field, r.Off, r.Err = field, off, err
	}
	return false
}

// U8 reads an INT-U8.
func (r *Reader) U8(v *uint8, field string) bool {
	s := r.S
	if len(s) < 1 {
		r.Field, r.Off, r.Err = field, r.total-len(s), ErrShort
		return false
	}
	*v = s[0]
	r.S = s[1:]
	return true
}

// U16 reads an INT-U16, a BITS-16, an OID-Type or a HANDLE.
func (r *Reader) U16(v *uint16, field string) bool {
	s := r.S
	if len(s) < 2 {
		r.Field, r.Off, r.Err = field, r.total-len(s), ErrShort
		return false
	}
	*v = uint16(s[0])<<8 | uint16(s[1])
	r.S = s[2:]
	return true
}

// U32 reads an INT-U32 or a BITS-32.
func (r *Reader) U32(v *uint32, field string) bool {
	s := r.S
	if len(s) < 4 {
		r.Field, r.Off, r.Err = field, r.total-len(s), ErrShort
		return false
	}
	*v = binary.BigEndian.Uint32(s)
	r.S = s[4:]
	return true
}

// Fixed reads n bytes, aliasing the input.
func (r *Reader) Fixed(v *[]byte, n int, field string) bool {
	s := r.S
	if len(s) < n {
		r.Field, r.Off, r.Err = field, r.total-len(s), ErrShort
		return false
	}
	*v = s[:n:n]
	r.S = s[n:]
	return true
}

// Peek returns the next n bytes without consuming them, and false when fewer remain. With
// Skip it lets a decoder read a run of fixed-size fields with one bounds check, falling back
// to field-by-field reads (which name the failing field) when the run is short.
func (r *Reader) Peek(n int) ([]byte, bool) {
	if len(r.S) < n {
		return nil, false
	}
	return r.S[:n:n], true
}

// Skip consumes n bytes that Peek has returned.
func (r *Reader) Skip(n int) { r.S = r.S[n:] }

// Open opens a nested value of length n whose 16-bit length field has just been consumed,
// like Begin.
func (r *Reader) Open(n int, saved *int, field string) bool {
	if n > len(r.S)-r.limit {
		return r.tooLong(n, 2, field)
	}
	*saved = r.limit
	r.limit = len(r.S) - n
	return true
}

// Remaining returns the number of bytes left in the innermost open value.
func (r *Reader) Remaining() int { return len(r.S) - r.limit }

// tooLong records a declared length n that does not fit: ErrShort when the input ends
// first, ErrLength when the enclosing value ends first.
//
//go:noinline
func (r *Reader) tooLong(n, back int, field string) bool {
	if n > len(r.S) {
		return r.FailAt(r.Offset()-back, field, ErrShort)
	}
	return r.FailAt(r.Offset()-back, field, ErrLength)
}

// Octets reads an OCTET STRING or ANY: a 16-bit length and that many bytes, aliasing the
// input.
func (r *Reader) Octets(v *[]byte, field string) bool {
	s := r.S
	if len(s) >= 2 {
		n := int(s[0])<<8 | int(s[1])
		if n <= len(s)-2-r.limit {
			*v = s[2 : 2+n : 2+n]
			r.S = s[2+n:]
			return true
		}
	}
	return r.lengthFail(field)
}

// Begin reads the 16-bit length of a nested value and opens it: reads that follow belong to
// it until End. It stores in saved what End needs to close the value. It fails if the input,
// or the enclosing value, is shorter than the declared length.
func (r *Reader) Begin(saved *int, field string) bool {
	s := r.S
	if len(s) >= 2 {
		n := int(s[0])<<8 | int(s[1])
		if n <= len(s)-2-r.limit {
			r.S = s[2:]
			*saved, r.limit = r.limit, len(s)-2-n
			return true
		}
	}
	return r.lengthFail(field)
}

// lengthFail records why the 16-bit length at the cursor cannot be read or does not fit:
// ErrShort when the input ends first, ErrLength when the enclosing value ends first.
//
//go:noinline
func (r *Reader) lengthFail(field string) bool {
	if len(r.S) < 2 {
		return r.Fail(field, ErrShort)
	}
	n := int(r.S[0])<<8 | int(r.S[1])
	if n > len(r.S)-2 {
		return r.Fail(field, ErrShort)
	}
	return r.Fail(field, ErrLength)
}

// End checks that the nested value opened by Begin has been read exactly, and closes it.
func (r *Reader) End(saved int, field string) bool {
	if len(r.S) == r.limit {
		r.limit = saved
		return true
	}
	return r.Fail(field, ErrLength)
}

// SkipExcess skips, when r.Lax is set, the octets left unread inside the innermost open
// value, so that End succeeds; it adds their number to r.Skipped. It never reads past the
// open value, and does nothing when r.Lax is not set.
func (r *Reader) SkipExcess() {
	if !r.Lax {
		return
	}
	if n := len(r.S) - r.limit; n > 0 {
		r.S = r.S[n:]
		r.Skipped += n
	}
}

// Seq reads the count and length of a SEQUENCE OF whose elements take at least min bytes
// each and opens it like Begin; close it with End. It fails early when count elements
// cannot fit in length.
func (r *Reader) Seq(count *int, saved *int, min int, field string) bool {
	s := r.S
	if len(s) < 4 {
		return r.Fail(field, ErrShort)
	}
	c, n := int(s[0])<<8|int(s[1]), int(s[2])<<8|int(s[3])
	r.S = s[4:]
	if n > len(r.S)-r.limit {
		return r.tooLong(n, 2, field)
	}
	if c*min > n {
		return r.FailAt(r.Offset()-4, field, ErrCount)
	}
	*count = c
	*saved = r.limit
	r.limit = len(r.S) - n
	return true
}

// InSeq reports whether bytes remain in the innermost open value; a SEQUENCE OF element
// that would start past its end is a count mismatch.
func (r *Reader) InSeq(field string) bool {
	if len(r.S) > r.limit {
		return true
	}
	return r.Fail(field, ErrCount)
}

// Grow extends s by one element, reusing spare capacity (and the element's own slices)
// when there is some.
func Grow[T any](s []T) []T {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	var zero T
	return append(s, zero)
}

// AppendU16 appends v big-endian.
func AppendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }

// AppendU32 appends v big-endian.
func AppendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// AppendOctets appends an OCTET STRING: a 16-bit length and v.
func AppendOctets(b []byte, v []byte) ([]byte, error) {
	if len(v) > 0xFFFF {
		return b, ErrTooLong
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...), nil
}

// Mark appends a 16-bit length placeholder and returns the new buffer and the placeholder's
// offset, to be filled by Fill once the value has been appended.
func Mark(b []byte) ([]byte, int) {
	return append(b, 0, 0), len(b)
}

// Fill writes the number of bytes appended since Mark into the placeholder at mark.
func Fill(b []byte, mark int) ([]byte, error) {
	n := len(b) - mark - 2
	if n > 0xFFFF {
		return b, ErrTooLong
	}
	binary.BigEndian.PutUint16(b[mark:], uint16(n))
	return b, nil
}

// MarkSeq appends the count and a length placeholder of a SEQUENCE OF.
func MarkSeq(b []byte, count int) ([]byte, int, error) {
	if count > 0xFFFF {
		return b, 0, ErrTooLong
	}
	b = binary.BigEndian.AppendUint16(b, uint16(count))
	return append(b, 0, 0), len(b), nil
}
