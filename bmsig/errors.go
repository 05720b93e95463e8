package bmsig

import (
	"errors"
	"strconv"
)

// Errors that callers branch on. Every error this package returns wraps at most one of them;
// none carries key material, passwords, BM-signatures or plaintext.
var (
	// ErrMalformed reports input that does not parse: a message, header, decimal or
	// persisted state with a wrong length, version or field value.
	ErrMalformed = errors.New("bmsig: malformed input")
	// ErrTampered reports a message that fails authentication: it was altered in transit,
	// or it was sealed under a different BM-signature than the receiver's. With the legacy
	// suite it also covers a wrong password, which that scheme cannot tell apart.
	ErrTampered = errors.New("bmsig: message authentication failed")
	// ErrWrongKey reports a message sealed under a different key than the receiver's (the
	// key identifier in its header differs): a wrong password, salt or KDF parameters.
	ErrWrongKey = errors.New("bmsig: message sealed under a different key")
	// ErrReplay reports a message whose sequence number the receiver already accepted.
	ErrReplay = errors.New("bmsig: replayed message")
	// ErrReordered reports a message whose sequence number lies further behind the highest
	// accepted one than the reorder window allows; the receiver cannot tell whether it was
	// seen, so it refuses it.
	ErrReordered = errors.New("bmsig: sequence number behind the reorder window")
	// ErrStale reports a message whose timestamp lies outside the receiver's time window:
	// older than MaxAge, or further in the future than MaxSkew.
	ErrStale = errors.New("bmsig: message timestamp outside the time window")
	// ErrSuite reports a suite the operation cannot use: an unknown suite, or a key that
	// belongs to the other family (a legacy key for a modern suite or the reverse).
	ErrSuite = errors.New("bmsig: unsupported suite for this key")
	// ErrWeakParams reports Argon2id parameters or a salt below the package's floor.
	ErrWeakParams = errors.New("bmsig: key derivation parameters below the safe floor")
	// ErrOutOfOrder reports a measurement older than the newest one already folded into a
	// Tracker for the same type.
	ErrOutOfOrder = errors.New("bmsig: measurement older than the newest of its type")
	// ErrSequenceExhausted reports a Sender whose sequence number would wrap.
	ErrSequenceExhausted = errors.New("bmsig: sequence numbers exhausted")
)

// DecodeError reports where a message or persisted state failed to decode.
type DecodeError struct {
	Offset int    // byte offset of the failing field
	Field  string // name of the failing field
	Err    error  // ErrMalformed, possibly wrapped with detail
}

// Error names the field and offset that failed.
func (e *DecodeError) Error() string {
	return "bmsig: decoding " + e.Field + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }
