package ledger

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrClosed is returned by every method of a closed ledger.
	ErrClosed = errors.New("ledger: closed")
	// ErrIndexRange means a leaf index is not below the tree size it names.
	ErrIndexRange = errors.New("ledger: index out of range")
	// ErrSizeRange means a tree size is larger than the ledger, or the two
	// sizes of a consistency proof are out of order.
	ErrSizeRange = errors.New("ledger: tree size out of range")
	// ErrProofSize means a proof has the wrong number of hashes for its sizes.
	ErrProofSize = errors.New("ledger: wrong proof length")
	// ErrRootMismatch means a proof does not lead to the expected root.
	ErrRootMismatch = errors.New("ledger: root mismatch")
	// ErrHashSize means a hash is not 32 bytes long.
	ErrHashSize = errors.New("ledger: bad hash size")
	// ErrTruncated means an encoding ended before its last field.
	ErrTruncated = errors.New("ledger: truncated input")
	// ErrVersion means an encoding has an unknown version byte.
	ErrVersion = errors.New("ledger: unknown version")
	// ErrMalformed means a field holds a value its format does not allow.
	ErrMalformed = errors.New("ledger: malformed field")
	// ErrSignature means a signed checkpoint lacks a valid signature from
	// the log key, or too few witnesses cosigned it.
	ErrSignature = errors.New("ledger: checkpoint signature not verified")
	// ErrCosignatureInvalid means a cosignature/v1 line by a configured
	// witness key does not verify over the checkpoint and its timestamp.
	// It is returned together with ErrSignature.
	ErrCosignatureInvalid = errors.New("ledger: cosignature does not verify")
	// ErrCosignatureTime means a cosignature's timestamp is later than the
	// verifier's clock plus its allowed skew. It is returned together with
	// ErrSignature.
	ErrCosignatureTime = errors.New("ledger: cosignature timestamp in the future")
	// ErrOrigin means a checkpoint names another log.
	ErrOrigin = errors.New("ledger: checkpoint origin mismatch")
	// ErrInconsistent means a newer checkpoint does not extend the trusted
	// one: the log forked or rewrote history.
	ErrInconsistent = errors.New("ledger: checkpoint inconsistent with trusted checkpoint")
	// ErrRollback means a checkpoint is smaller than the trusted one.
	ErrRollback = errors.New("ledger: checkpoint older than trusted checkpoint")
	// ErrCorrupt means a store file failed an integrity check.
	ErrCorrupt = errors.New("ledger: store corrupt")
	// ErrBatchSize means AppendBatch got slices of different lengths.
	ErrBatchSize = errors.New("ledger: entries and indices differ in length")
)

// DecodeError reports where and why a decoder stopped.
type DecodeError struct {
	Offset int    // byte offset of the failing field
	Field  string // name of the failing field
	Err    error  // one of the sentinel errors, possibly wrapped
}

// Error names the field, offset and cause.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("ledger: decoding %s at offset %d: %v", e.Field, e.Offset, e.Err)
}

// Unwrap returns e.Err.
func (e *DecodeError) Unwrap() error { return e.Err }

// RootMismatchError carries the two roots of a failed verification.
// It matches ErrRootMismatch under errors.Is.
type RootMismatchError struct {
	Want Hash // the trusted root
	Got  Hash // the root the proof leads to
}

// Error shows both roots.
func (e *RootMismatchError) Error() string {
	return fmt.Sprintf("ledger: root mismatch: proof gives %s, want %s", e.Got, e.Want)
}

// Is reports whether target is ErrRootMismatch.
func (e *RootMismatchError) Is(target error) bool { return target == ErrRootMismatch }
