// Package wire is the link between the layers of the full system: the integrated message a
// gateway sends upward (many agents' measurements in one extended IEEE 11073-20601 message,
// acknowledged as a batch) and the commands the server sends downward, over TLS 1.3 with
// mutual authentication.
//
// # The integrated message
//
// Every message is a 20601 APDU, framed as 20601 frames APDUs (ieee11073.Framer). A batch is
// a PRST APDU carrying a DATA-apdu ROIV-CMIP-CONFIRMED-EVENT-REPORT on object handle 0 (the
// MDS) whose event type is the manufacturer-specific code EventTypeBatch and whose event-info
// is a Batch, in MDER (big-endian, lists as count and length):
//
//	Batch ::= SEQUENCE {
//	  sender     OCTET STRING (SIZE(8)),  -- system id of the sending gateway or server
//	  batch-seq  INT-U32 x 2,             -- 64-bit, increasing per sender
//	  kind       INT-U16,                 -- 1 measurements, 2 DM statuses, 3 DM commands
//	  entries    SEQUENCE OF Entry }
//	Entry ::= SEQUENCE {
//	  origin     OCTET STRING (SIZE(8)),  -- the agent's (PHD's) system id
//	  config-id  INT-U16,                 -- the agent's dev-config-id: its PHD type
//	  received   INT-U32 x 2,             -- Unix nanoseconds at the first gateway
//	  hops       INT-U16,                 -- gateways passed so far
//	  body       OCTET STRING }           -- kind 1: the agent's bmsig message, sealed end to
//	                                      -- end; kinds 2, 3: a SyncML DM message (WBXML)
//
//	0        2        4          6        8            16     24        26       28
//	+--------+--------+----------+--------+------------+------+---------+--------+--------
//	| 0xE700 | length | length   | invoke | 0x0101     | len  | handle 0| time   | type ...
//	| PRST   |        | (octets) | id     | ROIV-CONF- |      |         | (u32)  | 0xF002
//	|        |        |          |        | EVENT-REP  |      |         |        |
//	+--------+--------+----------+--------+------------+------+---------+--------+--------
//
// The receiver answers with a PRST carrying RORS-CMIP-CONFIRMED-EVENT-REPORT for the same
// invoke id, event type EventTypeBatch, and event-reply-info an Ack:
//
//	Ack ::= SEQUENCE { batch-seq INT-U32 x 2, accepted INT-U16, duplicates INT-U16,
//	                   status INT-U16 }   -- 0 ok; other values: see Status
//
// An Ack with StatusOK means every entry is durable at the receiver (in its queue or its
// store), so the sender may forget the batch. A batch that cannot be decoded is answered with
// an ABRT and the connection is closed; a batch the receiver cannot take now (its own queue
// full) is answered with StatusBusy and sent again later. The 16-bit lengths of 20601 bound
// an APDU, and so a batch, to MaxAPDU bytes.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Manufacturer-specific event types (20601 reserves partition 1 codes 0xF000-0xFFFF for
// private use).
const (
	EventTypeBatch uint16 = 0xF002
)

// MaxAPDU is the largest APDU 20601's 16-bit length allows, header included.
const MaxAPDU = 4 + 0xFFFF

// Kind says what a batch carries.
type Kind uint16

// The kinds of batches.
const (
	KindMeasurements Kind = 1 // upward: sealed measurements
	KindDMStatus     Kind = 2 // upward: devices' SyncML statuses and results
	KindDMCommand    Kind = 3 // downward: SyncML commands for devices
)

var kindNames = [...]string{"", "measurements", "dm-status", "dm-command"}

func (k Kind) String() string {
	if k >= 1 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint16(k))
}

// Status is the outcome an Ack reports.
type Status uint16

// The statuses.
const (
	StatusOK       Status = 0 // every entry is durable at the receiver
	StatusBusy     Status = 1 // the receiver could not take the batch now: send it again later
	StatusRejected Status = 2 // entries failed verification; Accepted says how many passed
)

// Errors.
var (
	// ErrDecode wraps every malformed batch or ack; a *DecodeError names the field.
	ErrDecode = errors.New("wire: malformed message")
	// ErrTooLarge means a batch does not fit one APDU.
	ErrTooLarge = errors.New("wire: batch too large for one APDU")
)

// DecodeError names the field of a batch or ack that failed and its offset.
type DecodeError struct {
	Field  string
	Offset int
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("wire: decoding %s at offset %d: malformed", e.Field, e.Offset)
}

// Unwrap returns ErrDecode.
func (e *DecodeError) Unwrap() error { return ErrDecode }

// Entry is one agent's message in a batch.
type Entry struct {
	Origin   [8]byte // the agent's system id
	ConfigID uint16  // the agent's dev-config-id
	Received int64   // Unix nanoseconds at the first gateway
	Hops     uint16  // gateways passed so far
	Body     []byte  // aliases the decoded input
}

// entryFixed is the size of an entry without its body: origin, config id, received, hops and
// the body's length.
const entryFixed = 8 + 2 + 8 + 2 + 2

// EncodedLen returns the bytes e takes in a batch.
func (e *Entry) EncodedLen() int { return entryFixed + len(e.Body) }

// Batch is an integrated message.
type Batch struct {
	Sender  [8]byte
	Seq     uint64
	Kind    Kind
	Entries []Entry
}

// batchFixed is the size of a batch's event-info without entries: sender, seq, kind and the
// list's count and length.
const batchFixed = 8 + 8 + 2 + 4

// apduOverhead is what a batch's APDU adds around its event-info: APDU choice and length,
// PRST length, invoke id, message choice and length, handle, time, type and info length.
const apduOverhead = 4 + 2 + 2 + 4 + 2 + 4 + 2 + 2

// MaxBatchBody is the most entry bytes (sum of EncodedLen) one batch APDU holds.
const MaxBatchBody = MaxAPDU - apduOverhead - batchFixed

// AppendBinary appends the batch's event-info.
func (b *Batch) AppendBinary(dst []byte) ([]byte, error) {
	size := 0
	for i := range b.Entries {
		if len(b.Entries[i].Body) > 0xFFFF {
			return dst, ErrTooLarge
		}
		size += b.Entries[i].EncodedLen()
	}
	if size > MaxBatchBody || len(b.Entries) > 0xFFFF {
		return dst, fmt.Errorf("%w: %d entries, %d bytes", ErrTooLarge, len(b.Entries), size)
	}
	dst = append(dst, b.Sender[:]...)
	dst = binary.BigEndian.AppendUint64(dst, b.Seq)
	dst = binary.BigEndian.AppendUint16(dst, uint16(b.Kind))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(b.Entries)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(size))
	for i := range b.Entries {
		e := &b.Entries[i]
		dst = append(dst, e.Origin[:]...)
		dst = binary.BigEndian.AppendUint16(dst, e.ConfigID)
		dst = binary.BigEndian.AppendUint64(dst, uint64(e.Received))
		dst = binary.BigEndian.AppendUint16(dst, e.Hops)
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(e.Body)))
		dst = append(dst, e.Body...)
	}
	return dst, nil
}

// Unmarshal decodes a batch's event-info into b, reusing b.Entries; entry bodies alias src.
// It returns the bytes consumed, all of src on success.
func (b *Batch) Unmarshal(src []byte) (int, error) {
	r := reader{b: src}
	copy(b.Sender[:], r.take(8, "Batch.sender"))
	b.Seq = r.u64("Batch.batch-seq")
	b.Kind = Kind(r.u16("Batch.kind"))
	count := int(r.u16("Batch.entries.count"))
	length := int(r.u16("Batch.entries.length"))
	if r.err == nil && length != len(src)-r.off {
		r.fail("Batch.entries.length")
	}
	b.Entries = b.Entries[:0]
	for i := 0; i < count && r.err == nil; i++ {
		// Never grow from the count alone: each entry is at least entryFixed bytes.
		if len(src)-r.off < entryFixed {
			r.fail("Batch.entries")
			break
		}
		var e Entry
		copy(e.Origin[:], r.take(8, "Entry.origin"))
		e.ConfigID = r.u16("Entry.config-id")
		e.Received = int64(r.u64("Entry.received"))
		e.Hops = r.u16("Entry.hops")
		n := int(r.u16("Entry.body.length"))
		e.Body = r.take(n, "Entry.body")
		b.Entries = append(b.Entries, e)
	}
	if r.err == nil && r.off != len(src) {
		r.fail("Batch.entries")
	}
	if r.err != nil {
		return r.off, r.err
	}
	if b.Kind < KindMeasurements || b.Kind > KindDMCommand {
		return r.off, &DecodeError{Field: "Batch.kind", Offset: 16}
	}
	return r.off, nil
}

// Ack answers a batch.
type Ack struct {
	Seq        uint64
	Accepted   uint16 // entries taken (new or already held)
	Duplicates uint16 // of which the receiver already held
	Status     Status
}

const ackLen = 8 + 2 + 2 + 2

// AppendBinary appends the ack's event-reply-info.
func (a *Ack) AppendBinary(dst []byte) ([]byte, error) {
	dst = binary.BigEndian.AppendUint64(dst, a.Seq)
	dst = binary.BigEndian.AppendUint16(dst, a.Accepted)
	dst = binary.BigEndian.AppendUint16(dst, a.Duplicates)
	return binary.BigEndian.AppendUint16(dst, uint16(a.Status)), nil
}

// Unmarshal decodes an ack.
func (a *Ack) Unmarshal(src []byte) (int, error) {
	if len(src) != ackLen {
		return 0, &DecodeError{Field: "Ack", Offset: min(len(src), ackLen)}
	}
	a.Seq = binary.BigEndian.Uint64(src)
	a.Accepted = binary.BigEndian.Uint16(src[8:])
	a.Duplicates = binary.BigEndian.Uint16(src[10:])
	a.Status = Status(binary.BigEndian.Uint16(src[12:]))
	return ackLen, nil
}

// reader is a big-endian cursor whose first failure sticks.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(field string) {
	if r.err == nil {
		r.err = &DecodeError{Field: field, Offset: r.off}
	}
}

func (r *reader) take(n int, field string) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b)-r.off < n {
		r.fail(field)
		return nil
	}
	v := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return v
}

func (r *reader) u16(field string) uint16 {
	if v := r.take(2, field); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *reader) u64(field string) uint64 {
	if v := r.take(8, field); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}
