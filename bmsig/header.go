package bmsig

import (
	"encoding/binary"
	"strconv"
	"time"
)

// Suite names the protection a sealed message carries.
type Suite uint8

// Suites. The zero Suite in a config means SuiteAEAD.
const (
	// SuiteAEAD encrypts and authenticates with XChaCha20-Poly1305. The default.
	SuiteAEAD Suite = 1
	// SuiteMAC authenticates with HMAC-SHA512 and leaves the payload readable.
	SuiteMAC Suite = 2
	// SuiteLegacy is the published scheme: SHA-512 keyed through its initial value, then
	// DES-CBC. INSECURE; for interoperation with systems built on that scheme only.
	SuiteLegacy Suite = 3
)

var suiteNames = [...]string{
	SuiteAEAD:   "XChaCha20-Poly1305",
	SuiteMAC:    "HMAC-SHA512",
	SuiteLegacy: "legacy SHA-512/DES-CBC",
}

// String returns the suite's name.
func (s Suite) String() string {
	if s != 0 && int(s) < len(suiteNames) {
		return suiteNames[s]
	}
	return "Suite(" + strconv.Itoa(int(s)) + ")"
}

func (s Suite) valid() bool { return s >= SuiteAEAD && s <= SuiteLegacy }

// Version is the message format version carried in byte 0 of every message.
const Version = 1

// Sizes of the parts of a sealed message.
const (
	HeaderSize    = 42 // version, suite, user, device, sequence, time, key identifier
	NonceSize     = 24 // XChaCha20-Poly1305 nonce (SuiteAEAD)
	AEADTagSize   = 16 // Poly1305 tag (SuiteAEAD)
	MACTagSize    = 64 // HMAC-SHA512 tag (SuiteMAC)
	LegacyIVSize  = 8  // DES-CBC initialisation vector (SuiteLegacy)
	legacyHashLen = 64
)

// Header is the cleartext header of a sealed message. Every suite authenticates it.
//
//	 0       1       2               10              18              26              34              42
//	+-------+-------+---------------+---------------+---------------+---------------+---------------+
//	|version| suite |  user (u64)   | device (u64)  | sequence (u64)| time (i64 ms) | key id (8 B)  |
//	+-------+-------+---------------+---------------+---------------+---------------+---------------+
//
// All integers are big-endian. Time is milliseconds since the Unix epoch, UTC. The key
// identifier is Key.ID (zero for SuiteLegacy). What follows depends on the suite:
//
//	SuiteAEAD:   header | nonce (24) | ciphertext (len payload) | tag (16)
//	             AEAD additional data: header (42) || BM-signature (64)
//	SuiteMAC:    header | payload | tag (64)
//	             tag = HMAC-SHA512(mac key, header || BM-signature || payload)
//	SuiteLegacy: header | IV (8) | DES-CBC(PKCS#5-pad(header || payload || digest))
//	             digest = SHA-512 from initial value BM-signature over header || payload
type Header struct {
	Suite  Suite
	User   uint64    // user (patient) identifier
	Device uint64    // device identifier, for instance the 11073 System-ID as an integer
	Seq    uint64    // per (user, device) sequence number, starting at 1
	Time   time.Time // sealing time, millisecond precision
	KeyID  [KeyIDSize]byte
}

func (h *Header) put(b []byte) {
	_ = b[HeaderSize-1]
	b[0] = Version
	b[1] = byte(h.Suite)
	binary.BigEndian.PutUint64(b[2:], h.User)
	binary.BigEndian.PutUint64(b[10:], h.Device)
	binary.BigEndian.PutUint64(b[18:], h.Seq)
	binary.BigEndian.PutUint64(b[26:], uint64(h.Time.UnixMilli()))
	copy(b[34:42], h.KeyID[:])
}

// Overhead returns how many bytes a message sealed with s adds to its payload; for
// SuiteLegacy, the most it adds (padding depends on the payload length).
func (s Suite) Overhead() int {
	switch s {
	case SuiteAEAD:
		return HeaderSize + NonceSize + AEADTagSize
	case SuiteMAC:
		return HeaderSize + MACTagSize
	case SuiteLegacy:
		return HeaderSize + LegacyIVSize + HeaderSize + legacyHashLen + 8
	}
	return 0
}

// ParseHeader decodes the header of a sealed message without authenticating anything, so a
// receiver can pick the sender's Key and BM-signature before calling Receiver.Open. It also
// checks that the message is long enough for its suite. Nothing in the result is
// trustworthy until Open succeeds.
func ParseHeader(msg []byte) (Header, error) {
	var h Header
	if len(msg) < HeaderSize {
		return h, &DecodeError{Offset: len(msg), Field: "Header", Err: ErrMalformed}
	}
	if msg[0] != Version {
		return h, &DecodeError{Offset: 0, Field: "Header.Version", Err: ErrMalformed}
	}
	h.Suite = Suite(msg[1])
	if !h.Suite.valid() {
		return h, &DecodeError{Offset: 1, Field: "Header.Suite", Err: ErrMalformed}
	}
	h.User = binary.BigEndian.Uint64(msg[2:])
	h.Device = binary.BigEndian.Uint64(msg[10:])
	h.Seq = binary.BigEndian.Uint64(msg[18:])
	if h.Seq == 0 {
		return h, &DecodeError{Offset: 18, Field: "Header.Seq", Err: ErrMalformed}
	}
	h.Time = time.UnixMilli(int64(binary.BigEndian.Uint64(msg[26:]))).UTC()
	copy(h.KeyID[:], msg[34:42])
	rest := len(msg) - HeaderSize
	switch h.Suite {
	case SuiteAEAD:
		if rest < NonceSize+AEADTagSize {
			return h, &DecodeError{Offset: len(msg), Field: "Body", Err: ErrMalformed}
		}
	case SuiteMAC:
		if rest < MACTagSize {
			return h, &DecodeError{Offset: len(msg), Field: "Body", Err: ErrMalformed}
		}
	case SuiteLegacy:
		if h.KeyID != [KeyIDSize]byte{} {
			return h, &DecodeError{Offset: 34, Field: "Header.KeyID", Err: ErrMalformed}
		}
		ct := rest - LegacyIVSize
		if ct < HeaderSize+legacyHashLen+1 || ct%8 != 0 {
			return h, &DecodeError{Offset: len(msg), Field: "Body", Err: ErrMalformed}
		}
	}
	return h, nil
}
