package ieee11073

import (
	"errors"
	"fmt"

	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// Sentinel errors. Decoding errors wrap one of the first five in a *DecodeError; check them
// with errors.Is.
var (
	// ErrShort means the input ended before a field did (a truncated APDU).
	ErrShort = mder.ErrShort
	// ErrLength means a nested value does not fill its declared length exactly.
	ErrLength = mder.ErrLength
	// ErrCount means a SEQUENCE OF count does not match its length.
	ErrCount = mder.ErrCount
	// ErrChoice means a CHOICE tag (APDU, data message, event value) is not one the standard
	// defines.
	ErrChoice = mder.ErrChoice
	// ErrValue means a field holds a value the standard forbids, such as a non-BCD digit in
	// an AbsoluteTime.
	ErrValue = mder.ErrValue
	// ErrTooLong means an encoded value does not fit its 16-bit length or count field.
	ErrTooLong = mder.ErrTooLong
	// ErrFloatRange means a number cannot be represented exactly as a FLOAT-Type or
	// SFLOAT-Type.
	ErrFloatRange = errors.New("ieee11073: number not representable")
	// ErrFloatSyntax means decimal text is not a number.
	ErrFloatSyntax = errors.New("ieee11073: invalid number syntax")
)

// DecodeError describes why an input failed to decode: the ASN.1 field that failed, its
// offset from the start of the input handed to Unmarshal, and the cause, one of the sentinel
// errors above.
type DecodeError struct {
	Offset int    // offset of the failing field from the start of the input
	Field  string // ASN.1 path of the failing field, e.g. "DataApdu.message.length"
	Err    error  // cause: ErrShort, ErrLength, ErrCount, ErrChoice or ErrValue
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("ieee11073: decoding %s at offset %d: %v", e.Field, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// decodeError turns the failure a Reader recorded into a *DecodeError.
//
//go:noinline
func decodeError(r *mder.Reader) error {
	err := r.Err
	if err == nil {
		err = ErrShort
	}
	return &DecodeError{Offset: r.Off, Field: r.Field, Err: err}
}

// encodeError wraps an encoding failure with the field that caused it.
//
//go:noinline
func encodeError(field string, err error) error {
	return fmt.Errorf("ieee11073: encoding %s: %w", field, err)
}
