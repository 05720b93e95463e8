package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// EnvelopeVersion is the only schema version this package encodes.
const EnvelopeVersion = 1

// Salt bounds: at least 128 bits, at most 512.
const (
	MinSaltSize = 16
	MaxSaltSize = 64
	// SaltSize is the salt length NewSalt draws.
	SaltSize = 32
)

// Field bounds of an envelope.
const (
	MaxRecordIDLen  = 1024
	MaxSubmitterLen = 1024
)

// Envelope describes one health record without containing it. Its digest
// is the ledger entry. The record and the salt are kept elsewhere: erasing
// the record and its salt leaves a digest that reveals nothing and a ledger
// that still verifies.
type Envelope struct {
	Version     uint8     // schema version, EnvelopeVersion
	RecordID    string    // the record's identifier in its store, 1..1024 bytes
	ContentHash Hash      // SHA-256 of the record's canonical bytes
	Salt        []byte    // random, MinSaltSize..MaxSaltSize bytes; see NewSalt
	Submitter   string    // who submitted the record, 0..1024 bytes
	Time        time.Time // submission time, kept to the nanosecond in UTC
}

// NewSalt reads SaltSize random bytes from r (crypto/rand.Reader in
// production).
func NewSalt(r io.Reader) ([]byte, error) {
	s := make([]byte, SaltSize)
	if _, err := io.ReadFull(r, s); err != nil {
		return nil, fmt.Errorf("ledger: reading salt: %w", err)
	}
	return s, nil
}

var (
	minTime = time.Unix(0, -1<<63)
	maxTime = time.Unix(0, 1<<63-1)
)

// AppendBinary appends the canonical encoding of e to b:
//
//	+---------+--------+----------+-------------+-------+------+--------+-----------+----------+
//	| Version | idLen  | RecordID | ContentHash | sLen  | Salt | subLen | Submitter | Time     |
//	| u8 = 1  | u16 BE | idLen B  | 32 B        | u8    | sLen | u16 BE | subLen B  | i64 BE ns|
//	+---------+--------+----------+-------------+-------+------+--------+-----------+----------+
//
// Time is Unix nanoseconds. Every field has one encoding, so equal
// envelopes have equal digests.
func (e *Envelope) AppendBinary(b []byte) ([]byte, error) {
	switch {
	case e.Version != EnvelopeVersion:
		return b, fmt.Errorf("%w: envelope version %d", ErrVersion, e.Version)
	case len(e.RecordID) == 0 || len(e.RecordID) > MaxRecordIDLen:
		return b, fmt.Errorf("%w: envelope record id of %d bytes, want 1..%d", ErrMalformed, len(e.RecordID), MaxRecordIDLen)
	case len(e.Salt) < MinSaltSize || len(e.Salt) > MaxSaltSize:
		return b, fmt.Errorf("%w: envelope salt of %d bytes, want %d..%d", ErrMalformed, len(e.Salt), MinSaltSize, MaxSaltSize)
	case len(e.Submitter) > MaxSubmitterLen:
		return b, fmt.Errorf("%w: envelope submitter of %d bytes, limit %d", ErrMalformed, len(e.Submitter), MaxSubmitterLen)
	case e.Time.Before(minTime) || e.Time.After(maxTime):
		return b, fmt.Errorf("%w: envelope time %v outside the int64 nanosecond range", ErrMalformed, e.Time)
	}
	b = append(b, e.Version)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.RecordID)))
	b = append(b, e.RecordID...)
	b = append(b, e.ContentHash[:]...)
	b = append(b, byte(len(e.Salt)))
	b = append(b, e.Salt...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.Submitter)))
	b = append(b, e.Submitter...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	return b, nil
}

// MarshalBinary returns e.AppendBinary(nil).
func (e *Envelope) MarshalBinary() ([]byte, error) { return e.AppendBinary(nil) }

// Digest returns SHA-256 of the canonical encoding: the ledger entry.
func (e *Envelope) Digest() (Hash, error) {
	var buf [256]byte
	b, err := e.AppendBinary(buf[:0])
	if err != nil {
		return Hash{}, err
	}
	return sha256.Sum256(b), nil
}

// Unmarshal decodes one envelope from the start of b and returns the bytes
// consumed. It overwrites every field of e and reuses the capacity of
// e.Salt; strings and the salt are copied, so e does not alias b.
func (e *Envelope) Unmarshal(b []byte) (int, error) {
	off := 0
	fail := func(field string, err error) (int, error) {
		return 0, &DecodeError{Offset: off, Field: "Envelope." + field, Err: err}
	}
	if len(b) < 1 {
		return fail("Version", ErrTruncated)
	}
	if b[0] != EnvelopeVersion {
		return fail("Version", fmt.Errorf("%w: %d", ErrVersion, b[0]))
	}
	e.Version = b[0]
	off = 1
	if len(b)-off < 2 {
		return fail("RecordID", ErrTruncated)
	}
	n := int(binary.BigEndian.Uint16(b[off:]))
	if n == 0 || n > MaxRecordIDLen {
		return fail("RecordID", fmt.Errorf("%w: length %d, want 1..%d", ErrMalformed, n, MaxRecordIDLen))
	}
	if len(b)-off-2 < n {
		return fail("RecordID", ErrTruncated)
	}
	e.RecordID = string(b[off+2 : off+2+n])
	off += 2 + n
	if len(b)-off < HashSize {
		return fail("ContentHash", ErrTruncated)
	}
	e.ContentHash = Hash(b[off : off+HashSize])
	off += HashSize
	if len(b)-off < 1 {
		return fail("Salt", ErrTruncated)
	}
	n = int(b[off])
	if n < MinSaltSize || n > MaxSaltSize {
		return fail("Salt", fmt.Errorf("%w: length %d, want %d..%d", ErrMalformed, n, MinSaltSize, MaxSaltSize))
	}
	if len(b)-off-1 < n {
		return fail("Salt", ErrTruncated)
	}
	e.Salt = append(e.Salt[:0], b[off+1:off+1+n]...)
	off += 1 + n
	if len(b)-off < 2 {
		return fail("Submitter", ErrTruncated)
	}
	n = int(binary.BigEndian.Uint16(b[off:]))
	if n > MaxSubmitterLen {
		return fail("Submitter", fmt.Errorf("%w: length %d, limit %d", ErrMalformed, n, MaxSubmitterLen))
	}
	if len(b)-off-2 < n {
		return fail("Submitter", ErrTruncated)
	}
	e.Submitter = string(b[off+2 : off+2+n])
	off += 2 + n
	if len(b)-off < 8 {
		return fail("Time", ErrTruncated)
	}
	e.Time = time.Unix(0, int64(binary.BigEndian.Uint64(b[off:]))).UTC()
	off += 8
	return off, nil
}
