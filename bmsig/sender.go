package bmsig

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"
)

// SenderConfig configures a Sender. Key is required; every other field's zero value works.
type SenderConfig struct {
	// Key seals the messages. A legacy key needs Suite SuiteLegacy and a modern key a
	// modern suite.
	Key *Key
	// Suite selects the protection. Zero means SuiteAEAD.
	Suite Suite
	// User and Device identify the sender in every header.
	User, Device uint64
	// NextSeq is the sequence number of the next message. Zero means 1. A sender that
	// restarts resumes from the value Sender.NextSeq returned before it stopped, or the
	// receiver rejects its messages as replays.
	NextSeq uint64
	// Rand supplies the per-Sender nonce prefix (SuiteAEAD) and the per-message IVs
	// (SuiteLegacy). Nil means crypto/rand. Tests use a fixed reader for known answers.
	Rand io.Reader
}

// Sender seals one sender's messages. It owns the sequence counter, so it is not safe for
// concurrent use: one goroutine owns it, or the caller serialises calls.
type Sender struct {
	key    *Key
	suite  Suite
	hdr    Header
	rand   io.Reader
	prefix [NonceSize - 8]byte     // random nonce prefix; the sequence number follows
	ad     [HeaderSize + Size]byte // header || BM-signature
	iv     [8]uint64               // legacy: the BM-signature as SHA-512 initial value
	nonce  [NonceSize]byte         // scratch
	lpad   [legacyHashLen + 8]byte // legacy scratch: digest and padding
	ivb    [LegacyIVSize]byte      // legacy scratch
}

// NewSender returns a Sender for cfg. It reads the nonce prefix from cfg.Rand. Until
// SetSignature is called, messages are bound to the all-zero BM-signature.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Key == nil {
		return nil, errors.New("bmsig: SenderConfig.Key is nil")
	}
	suite := cfg.Suite
	if suite == 0 {
		suite = SuiteAEAD
	}
	if !suite.valid() || cfg.Key.legacy != (suite == SuiteLegacy) {
		return nil, fmt.Errorf("%w: %v", ErrSuite, suite)
	}
	s := &Sender{key: cfg.Key, suite: suite, rand: cfg.Rand}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	s.hdr = Header{Suite: suite, User: cfg.User, Device: cfg.Device, Seq: cfg.NextSeq, KeyID: cfg.Key.id}
	if s.hdr.Seq == 0 {
		s.hdr.Seq = 1
	}
	if suite == SuiteAEAD {
		if _, err := io.ReadFull(s.rand, s.prefix[:]); err != nil {
			return nil, fmt.Errorf("bmsig: reading nonce prefix: %w", err)
		}
	}
	s.SetSignature(&Signature{})
	return s, nil
}

// SetSignature sets the BM-signature that subsequent messages are bound to. The receiver
// must open them with the same signature.
func (s *Sender) SetSignature(sig *Signature) {
	copy(s.ad[HeaderSize:], sig[:])
	s.iv = ivFromSignature(sig)
}

// NextSeq returns the sequence number the next message will carry. Persist it to resume
// after a restart (SenderConfig.NextSeq).
func (s *Sender) NextSeq() uint64 { return s.hdr.Seq }

// Seal seals payload with the header (user, device, next sequence number, now) and the
// current BM-signature, appends the message to dst and returns it. Seal allocates nothing
// when dst has room for len(payload) + Suite.Overhead() bytes.
// The sequence number advances only when Seal succeeds. dst must not overlap payload.
func (s *Sender) Seal(dst, payload []byte, now time.Time) ([]byte, error) {
	if s.hdr.Seq == math.MaxUint64 {
		return dst, ErrSequenceExhausted
	}
	s.hdr.Time = now
	start := len(dst)
	dst = slices.Grow(dst, len(payload)+s.suite.Overhead())[:start+HeaderSize]
	s.hdr.put(dst[start:])
	hdr := dst[start : start+HeaderSize]
	switch s.suite {
	case SuiteAEAD:
		copy(s.ad[:HeaderSize], hdr)
		copy(s.nonce[:], s.prefix[:])
		binary.BigEndian.PutUint64(s.nonce[len(s.prefix):], s.hdr.Seq)
		dst = append(dst, s.nonce[:]...)
		dst = s.key.aead.Seal(dst, s.nonce[:], payload, s.ad[:])
	case SuiteMAC:
		dst = append(dst, payload...)
		m := s.key.getMAC()
		m.Write(hdr)
		m.Write(s.ad[HeaderSize:])
		m.Write(payload)
		dst = m.Sum(dst)
		s.key.putMAC(m)
	case SuiteLegacy:
		if _, err := io.ReadFull(s.rand, s.ivb[:]); err != nil {
			return dst[:start], fmt.Errorf("bmsig: reading IV: %w", err)
		}
		dst = s.sealLegacy(dst, start, payload)
	}
	s.hdr.Seq++
	return dst, nil
}
