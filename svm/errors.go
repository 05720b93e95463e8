package svm

import (
	"errors"
	"fmt"
	"strings"
)

// inner returns the message of a wrapped error without the package prefix.
func inner(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.TrimPrefix(err.Error(), "svm: ")
}

// Sentinel errors. Callers branch on them with errors.Is; the returned errors wrap them
// with the row, feature, window or byte offset at fault.
var (
	// ErrEmpty reports a training set or window with no records.
	ErrEmpty = errors.New("svm: no records")
	// ErrSingleClass reports a training set or window whose records all carry one label.
	ErrSingleClass = errors.New("svm: only one class present")
	// ErrDimension reports mismatched lengths: rows of different widths, a label slice
	// of a different length than the rows, or a query of the wrong width.
	ErrDimension = errors.New("svm: dimension mismatch")
	// ErrNonFinite reports a NaN or infinite feature value.
	ErrNonFinite = errors.New("svm: non-finite feature value")
	// ErrConfig reports an invalid configuration value.
	ErrConfig = errors.New("svm: invalid configuration")
	// ErrFormat reports a saved model that does not follow the model format.
	ErrFormat = errors.New("svm: malformed model")
	// ErrVersion reports a saved model written in a format version this package does
	// not read.
	ErrVersion = errors.New("svm: unsupported model format version")
)

// InputError locates bad input data: the row (record) and, when relevant, the feature
// column. Col is -1 when the whole row is at fault.
type InputError struct {
	Row int   // index of the record
	Col int   // index of the feature, or -1
	Err error // one of the sentinel errors, possibly wrapped
}

// Error describes the bad input with its row and feature.
func (e *InputError) Error() string {
	if e.Col < 0 {
		return fmt.Sprintf("svm: row %d: %s", e.Row, inner(e.Err))
	}
	return fmt.Sprintf("svm: row %d feature %d: %s", e.Row, e.Col, inner(e.Err))
}

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// DecodeError locates a defect in a saved model: the byte offset where the field at
// fault starts and the field's name.
type DecodeError struct {
	Offset int    // byte offset of the field in the input
	Field  string // name of the field, such as "header.version" or "sv[3]"
	Err    error  // ErrFormat or ErrVersion, possibly wrapped
}

// Error describes the defect with its field and offset.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("svm: decoding %s at offset %d: %s", e.Field, e.Offset, inner(e.Err))
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

func errDim(labels, rows int) error {
	return fmt.Errorf("%w: %d labels for %d rows", ErrDimension, labels, rows)
}
