package bmsig

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ReceiverConfig configures a Receiver. The zero value is valid.
type ReceiverConfig struct {
	// MaxAge is how far a message's timestamp may lie behind the receiver's clock. Older
	// messages fail with ErrStale. Zero means 5 minutes.
	MaxAge time.Duration
	// MaxSkew is how far a message's timestamp may lie ahead of the receiver's clock.
	// Zero means 1 minute.
	MaxSkew time.Duration
	// ReorderWindow is how many sequence numbers, counting the highest accepted one, a
	// sender's messages may arrive out of order within: a message whose sequence number is
	// ReorderWindow or more behind the highest accepted fails with ErrReordered. 1 demands
	// strictly increasing numbers. Zero means 64, which is also the maximum.
	ReorderWindow int
}

// MaxReorderWindow is the largest ReceiverConfig.ReorderWindow.
const MaxReorderWindow = 64

// Receiver opens sealed messages and rejects replays. It keeps, per sender (user, device),
// the highest accepted sequence number and which of the 63 before it were accepted; that
// state persists through MarshalBinary and UnmarshalBinary.
//
// Create one with NewReceiver; a zero Receiver only serves as a target for UnmarshalBinary
// in tools that inspect saved state. A Receiver is not safe for concurrent use: one
// goroutine owns it.
type Receiver struct {
	maxAge, maxSkew time.Duration
	window          uint64
	senders         map[senderID]replayState
	ad              [HeaderSize + Size]byte
}

type senderID struct{ user, device uint64 }

// replayState: bit i of seen is set when sequence number highest-i was accepted.
type replayState struct {
	highest uint64
	seen    uint64
}

// NewReceiver returns a Receiver with no replay history.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	r := &Receiver{maxAge: cfg.MaxAge, maxSkew: cfg.MaxSkew, window: uint64(cfg.ReorderWindow), senders: make(map[senderID]replayState)}
	if r.maxAge == 0 {
		r.maxAge = 5 * time.Minute
	}
	if r.maxSkew == 0 {
		r.maxSkew = time.Minute
	}
	if r.window == 0 {
		r.window = MaxReorderWindow
	}
	if cfg.MaxAge < 0 || cfg.MaxSkew < 0 || cfg.ReorderWindow < 0 || cfg.ReorderWindow > MaxReorderWindow {
		return nil, errors.New("bmsig: ReceiverConfig: negative duration or ReorderWindow outside 0..64")
	}
	return r, nil
}

// check reports whether seq may be accepted from st, without changing anything.
func (r *Receiver) check(st replayState, seq uint64) error {
	if seq > st.highest {
		return nil
	}
	behind := st.highest - seq
	if behind >= r.window {
		return fmt.Errorf("%w: sequence %d, highest accepted %d", ErrReordered, seq, st.highest)
	}
	if st.seen&(1<<behind) != 0 {
		return fmt.Errorf("%w: sequence %d", ErrReplay, seq)
	}
	return nil
}

func (st *replayState) accept(seq uint64) {
	if seq > st.highest {
		shift := seq - st.highest
		if shift >= 64 {
			st.seen = 0
		} else {
			st.seen <<= shift
		}
		st.seen |= 1
		st.highest = seq
		return
	}
	st.seen |= 1 << (st.highest - seq)
}

// Open authenticates msg as sealed by the holder of key under the BM-signature sig,
// checks its timestamp against now and its sequence number against the sender's replay
// state, records it, and appends the payload to dst. Pick key and sig from the sender
// named by ParseHeader(msg).
//
// Errors: a *DecodeError wrapping ErrMalformed when msg does not parse; ErrSuite when the
// suite does not fit the key; ErrWrongKey when the key identifier differs; ErrStale,
// ErrReplay or ErrReordered from the time and sequence checks (made before any
// cryptography, so a flood of old messages costs little); ErrTampered when authentication
// fails. On error dst is returned unchanged in length and the replay state is unchanged.
// dst must not overlap msg.
// Open allocates nothing once it has seen the sender, when dst has room for len(msg)
// bytes.
func (r *Receiver) Open(dst, msg []byte, key *Key, sig *Signature, now time.Time) ([]byte, Header, error) {
	h, err := ParseHeader(msg)
	if err != nil {
		return dst, h, err
	}
	if key == nil || sig == nil {
		return dst, h, errors.New("bmsig: Open: nil key or signature")
	}
	if key.legacy != (h.Suite == SuiteLegacy) {
		return dst, h, ErrSuite
	}
	if !key.legacy && subtle.ConstantTimeCompare(h.KeyID[:], key.id[:]) != 1 {
		return dst, h, ErrWrongKey
	}
	if h.Time.Before(now.Add(-r.maxAge)) || h.Time.After(now.Add(r.maxSkew)) {
		return dst, h, ErrStale
	}
	id := senderID{h.User, h.Device}
	st := r.senders[id]
	if err := r.check(st, h.Seq); err != nil {
		return dst, h, err
	}
	start := len(dst)
	switch h.Suite {
	case SuiteAEAD:
		copy(r.ad[:HeaderSize], msg[:HeaderSize])
		copy(r.ad[HeaderSize:], sig[:])
		nonce := msg[HeaderSize : HeaderSize+NonceSize]
		out, err := key.aead.Open(dst, nonce, msg[HeaderSize+NonceSize:], r.ad[:])
		if err != nil {
			return dst[:start], h, ErrTampered
		}
		dst = out
	case SuiteMAC:
		body := msg[HeaderSize : len(msg)-MACTagSize]
		m := key.getMAC()
		m.Write(msg[:HeaderSize])
		m.Write(sig[:])
		m.Write(body)
		tag := m.Sum(slices.Grow(dst, len(body)+MACTagSize))
		key.putMAC(m)
		ok := subtle.ConstantTimeCompare(tag[start:], msg[len(msg)-MACTagSize:]) == 1
		clear(tag[start:])
		if !ok {
			return dst[:start], h, ErrTampered
		}
		dst = append(tag[:start], body...) // tag's backing array has room for body
	case SuiteLegacy:
		dst, err = openLegacy(dst, msg, key, sig)
		if err != nil {
			return dst, h, err
		}
	}
	st.accept(h.Seq)
	r.senders[id] = st
	return dst, h, nil
}
