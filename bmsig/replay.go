package bmsig

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// Persisted replay state (Receiver.MarshalBinary):
//
//	 0      4       5          9
//	+------+-------+----------+------------------------------------------------+
//	|"BMRS"| ver=1 | count u32| count × entry, sorted by (user, device), unique |
//	+------+-------+----------+------------------------------------------------+
//	entry: user u64 | device u64 | highest u64 | seen u64   (32 bytes, big-endian)
//
// highest is the highest accepted sequence number; bit i of seen is set when sequence
// number highest-i was accepted (bit 0 always, for a sender with any message).
const (
	stateMagic      = "BMRS"
	stateVersion    = 1
	stateHeaderSize = 9
	stateEntrySize  = 32
)

// AppendBinary appends the receiver's replay state to b. It implements
// encoding.BinaryAppender.
func (r *Receiver) AppendBinary(b []byte) ([]byte, error) {
	ids := make([]senderID, 0, len(r.senders))
	for id := range r.senders {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, cmpSender)
	b = append(b, stateMagic...)
	b = append(b, stateVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(len(ids)))
	for _, id := range ids {
		st := r.senders[id]
		b = binary.BigEndian.AppendUint64(b, id.user)
		b = binary.BigEndian.AppendUint64(b, id.device)
		b = binary.BigEndian.AppendUint64(b, st.highest)
		b = binary.BigEndian.AppendUint64(b, st.seen)
	}
	return b, nil
}

func cmpSender(a, b senderID) int {
	if c := cmp.Compare(a.user, b.user); c != 0 {
		return c
	}
	return cmp.Compare(a.device, b.device)
}

// MarshalBinary returns the receiver's replay state; store it durably before
// acknowledging the messages it covers. It implements encoding.BinaryMarshaler.
func (r *Receiver) MarshalBinary() ([]byte, error) { return r.AppendBinary(nil) }

// UnmarshalBinary replaces the receiver's replay state with the one in b, which it copies.
// It implements encoding.BinaryUnmarshaler. On error the state is unchanged.
func (r *Receiver) UnmarshalBinary(b []byte) error {
	if len(b) < stateHeaderSize {
		return &DecodeError{Offset: len(b), Field: "State.Header", Err: ErrMalformed}
	}
	if string(b[:4]) != stateMagic {
		return &DecodeError{Offset: 0, Field: "State.Magic", Err: ErrMalformed}
	}
	if b[4] != stateVersion {
		return &DecodeError{Offset: 4, Field: "State.Version", Err: ErrMalformed}
	}
	count := binary.BigEndian.Uint32(b[5:])
	rest := b[stateHeaderSize:]
	if uint64(len(rest)) != uint64(count)*stateEntrySize {
		return &DecodeError{Offset: stateHeaderSize, Field: "State.Count", Err: ErrMalformed}
	}
	m := make(map[senderID]replayState, count)
	var prev senderID
	for i := range int(count) {
		e := rest[i*stateEntrySize:]
		off := stateHeaderSize + i*stateEntrySize
		id := senderID{binary.BigEndian.Uint64(e), binary.BigEndian.Uint64(e[8:])}
		st := replayState{binary.BigEndian.Uint64(e[16:]), binary.BigEndian.Uint64(e[24:])}
		if i > 0 && cmpSender(prev, id) >= 0 {
			return &DecodeError{Offset: off, Field: "State.Entry.Sender", Err: ErrMalformed}
		}
		if st.highest == 0 || st.seen&1 == 0 || (st.highest < 64 && st.seen>>st.highest != 0) {
			return &DecodeError{Offset: off + 16, Field: "State.Entry.Window", Err: ErrMalformed}
		}
		m[id] = st
		prev = id
	}
	r.senders = m
	return nil
}
