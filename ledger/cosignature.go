package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CosignatureV1Type is the signature type byte of C2SP tlog-cosignature
// Ed25519 cosignatures (cosignature/v1), used in their key IDs and vkeys.
const CosignatureV1Type = 0x04

// Sizes of a cosignature/v1 signature: the payload of its signature line
// is key ID || timestamp || Ed25519 signature.
const (
	cosigKeyIDSize     = 4
	cosigTimeSize      = 8
	cosigPayloadSize   = cosigKeyIDSize + cosigTimeSize + ed25519.SignatureSize // 76
	cosigHeader        = "cosignature/v1\n"
	sigLinePrefix      = "— " // U+2014 EM DASH, space
	maxCosignatureTime = math.MaxInt64
)

// Cosignature is one C2SP tlog-cosignature Ed25519 (cosignature/v1)
// signature line:
//
//	— <name> base64(key ID (4) || timestamp (8, big-endian) || Ed25519 signature (64))
//
// The signature is over "cosignature/v1\ntime <timestamp>\n" followed by the
// checkpoint body.
type Cosignature struct {
	Name      string                      // witness key name
	KeyID     uint32                      // first 4 bytes of SHA-256(name || "\n" || 0x04 || public key)
	Timestamp uint64                      // POSIX seconds at which the witness signed; at most 2^63-1
	Signature [ed25519.SignatureSize]byte // Ed25519 signature over the cosigned message
}

// Time returns the timestamp as a UTC time.
func (c *Cosignature) Time() time.Time { return time.Unix(int64(c.Timestamp), 0).UTC() }

// AppendText appends the signature line, without its final newline, to b.
func (c *Cosignature) AppendText(b []byte) ([]byte, error) {
	if !validKeyName(c.Name) {
		return b, fmt.Errorf("%w: cosignature key name %q", ErrMalformed, c.Name)
	}
	if c.Timestamp > maxCosignatureTime {
		return b, fmt.Errorf("%w: cosignature timestamp %d exceeds 2^63-1", ErrMalformed, c.Timestamp)
	}
	var p [cosigPayloadSize]byte
	binary.BigEndian.PutUint32(p[:], c.KeyID)
	binary.BigEndian.PutUint64(p[cosigKeyIDSize:], c.Timestamp)
	copy(p[cosigKeyIDSize+cosigTimeSize:], c.Signature[:])
	b = append(b, sigLinePrefix...)
	b = append(b, c.Name...)
	b = append(b, ' ')
	return base64.StdEncoding.AppendEncode(b, p[:]), nil
}

// MarshalText returns c.AppendText(nil).
func (c *Cosignature) MarshalText() ([]byte, error) { return c.AppendText(nil) }

// ParseCosignature parses one cosignature/v1 signature line, without its
// final newline. The payload must be exactly 76 bytes of standard, padded
// base64 and the timestamp at most 2^63-1. It checks the form only: see
// [WitnessKey.VerifyCosignature].
func ParseCosignature(line []byte) (Cosignature, error) {
	fail := func(off int, field string, err error) (Cosignature, error) {
		return Cosignature{}, &DecodeError{Offset: off, Field: "Cosignature." + field, Err: err}
	}
	if !bytes.HasPrefix(line, []byte(sigLinePrefix)) {
		if bytes.HasPrefix([]byte(sigLinePrefix), line) {
			return fail(0, "Prefix", ErrTruncated)
		}
		return fail(0, "Prefix", fmt.Errorf("%w: line does not start with \"— \"", ErrMalformed))
	}
	off := len(sigLinePrefix)
	sp := bytes.IndexByte(line[off:], ' ')
	if sp < 0 {
		return fail(off, "Name", ErrTruncated)
	}
	name := string(line[off : off+sp])
	if !validKeyName(name) {
		return fail(off, "Name", fmt.Errorf("%w: key name %q is empty, not UTF-8, or holds a space or '+'", ErrMalformed, name))
	}
	off += sp + 1
	b64 := line[off:]
	if n := base64.StdEncoding.DecodedLen(len(b64)); n > cosigPayloadSize+3 {
		return fail(off, "Signature", fmt.Errorf("%w: %d base64 characters, want %d", ErrMalformed, len(b64), base64.StdEncoding.EncodedLen(cosigPayloadSize)))
	}
	if i := bytes.IndexAny(b64, "\r\n"); i >= 0 {
		return fail(off+i, "Signature", fmt.Errorf("%w: line break in signature line", ErrMalformed))
	}
	var p [cosigPayloadSize + 3]byte
	n, err := base64.StdEncoding.Strict().Decode(p[:], b64)
	if err != nil {
		return fail(off, "Signature", fmt.Errorf("%w: not standard base64: %v", ErrMalformed, err))
	}
	switch {
	case n < cosigKeyIDSize:
		return fail(off, "KeyID", fmt.Errorf("%w: %d of %d payload bytes", ErrTruncated, n, cosigPayloadSize))
	case n < cosigKeyIDSize+cosigTimeSize:
		return fail(off, "Timestamp", fmt.Errorf("%w: %d of %d payload bytes", ErrTruncated, n, cosigPayloadSize))
	case n < cosigPayloadSize:
		return fail(off, "Signature", fmt.Errorf("%w: %d of %d payload bytes", ErrTruncated, n, cosigPayloadSize))
	case n > cosigPayloadSize:
		return fail(off, "Signature", fmt.Errorf("%w: %d payload bytes, want %d", ErrMalformed, n, cosigPayloadSize))
	}
	c := Cosignature{
		Name:      name,
		KeyID:     binary.BigEndian.Uint32(p[:]),
		Timestamp: binary.BigEndian.Uint64(p[cosigKeyIDSize:]),
	}
	if c.Timestamp > maxCosignatureTime {
		return fail(off, "Timestamp", fmt.Errorf("%w: %d exceeds 2^63-1", ErrMalformed, c.Timestamp))
	}
	copy(c.Signature[:], p[cosigKeyIDSize+cosigTimeSize:cosigPayloadSize])
	return c, nil
}

// validKeyName reports whether name is a valid signed-note key name:
// non-empty UTF-8 without Unicode spaces or '+'.
func validKeyName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// cosignatureKeyID computes SHA-256(name || "\n" || 0x04 || pub)[:4].
func cosignatureKeyID(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', CosignatureV1Type})
	h.Write(pub)
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint32(h.Sum(sum[:0]))
}

// appendCosignedMessage appends the cosignature/v1 signed message to b:
// "cosignature/v1\ntime <t>\n" and the note body.
func appendCosignedMessage(b []byte, t uint64, text []byte) []byte {
	b = append(b, cosigHeader...)
	b = append(b, "time "...)
	b = strconv.AppendUint(b, t, 10)
	b = append(b, '\n')
	return append(b, text...)
}

// WitnessKey is a witness's cosignature/v1 public key. It implements
// golang.org/x/mod/sumdb/note's Verifier interface, so note.Open accepts
// it, and [WitnessKey.VerifyCosignature] says why a cosignature fails.
// It is immutable and safe for concurrent use.
type WitnessKey struct {
	name string
	id   uint32
	pub  ed25519.PublicKey
}

// NewWitnessKey parses a cosignature/v1 verifier key (vkey):
//
//	<name>+<key ID, 8 hex digits>+<base64(0x04 || 32-byte Ed25519 public key)>
//
// The key ID must match the name and key. A plain Ed25519 note key (type
// 0x01) is refused.
func NewWitnessKey(vkey string) (*WitnessKey, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	id16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !validKeyName(name) {
		return nil, fmt.Errorf("%w: witness vkey is not <name>+<hex key ID>+<base64 key>", ErrMalformed)
	}
	id, err := strconv.ParseUint(id16, 16, 32)
	if len(id16) != 8 || err != nil {
		return nil, fmt.Errorf("%w: witness vkey %s: key ID %q is not 8 hex digits", ErrMalformed, name, id16)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: witness vkey %s: key is not standard base64", ErrMalformed, name)
	}
	if key[0] != CosignatureV1Type {
		return nil, fmt.Errorf("%w: witness vkey %s: signature type 0x%02x, want 0x04 (cosignature/v1)", ErrMalformed, name, key[0])
	}
	if len(key) != 1+ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: witness vkey %s: %d key bytes, want %d", ErrMalformed, name, len(key)-1, ed25519.PublicKeySize)
	}
	k := &WitnessKey{name: name, pub: ed25519.PublicKey(key[1:])}
	k.id = cosignatureKeyID(name, k.pub)
	if uint32(id) != k.id {
		return nil, fmt.Errorf("%w: witness vkey %s: key ID %08x, but name and key give %08x", ErrMalformed, name, id, k.id)
	}
	return k, nil
}

// Name returns the witness key name.
func (k *WitnessKey) Name() string { return k.name }

// KeyHash returns the key ID.
func (k *WitnessKey) KeyHash() uint32 { return k.id }

// String returns the vkey.
func (k *WitnessKey) String() string {
	return fmt.Sprintf("%s+%08x+%s", k.name, k.id, base64.StdEncoding.EncodeToString(append([]byte{CosignatureV1Type}, k.pub...)))
}

// Verify reports whether sig, a signature line's payload after the key ID
// (timestamp || Ed25519 signature), is a valid cosignature/v1 on the note
// body msg. It implements note.Verifier and checks no clock.
func (k *WitnessKey) Verify(msg, sig []byte) bool {
	if len(sig) != cosigTimeSize+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > maxCosignatureTime {
		return false
	}
	return ed25519.Verify(k.pub, appendCosignedMessage(nil, t, msg), sig[cosigTimeSize:])
}

// VerifyCosignature checks c against the checkpoint body text: the name,
// the key ID and the signature over the timestamp and text. It checks no
// clock; the error names what is wrong and matches ErrSignature.
func (k *WitnessKey) VerifyCosignature(text []byte, c *Cosignature) error {
	switch {
	case c.Name != k.name:
		return fmt.Errorf("%w: cosignature by %q, want %q", ErrSignature, c.Name, k.name)
	case c.KeyID != k.id:
		return fmt.Errorf("%w: cosignature by %s has key ID %08x, want %08x (not this cosignature/v1 key)", ErrSignature, k.name, c.KeyID, k.id)
	case c.Timestamp > maxCosignatureTime:
		return fmt.Errorf("%w: %w: cosignature by %s: timestamp %d exceeds 2^63-1", ErrSignature, ErrCosignatureInvalid, k.name, c.Timestamp)
	}
	if !ed25519.Verify(k.pub, appendCosignedMessage(nil, c.Timestamp, text), c.Signature[:]) {
		return fmt.Errorf("%w: %w: cosignature by %s (key ID %08x, time %d) over %d-byte checkpoint", ErrSignature, ErrCosignatureInvalid, k.name, k.id, c.Timestamp, len(text))
	}
	return nil
}

// GenerateWitnessKey reads a 32-byte Ed25519 seed from rand and returns a
// cosignature/v1 signer key (skey, secret) and verifier key (vkey):
//
//	PRIVATE+KEY+<name>+<key ID>+<base64(0x04 || seed)>
//	<name>+<key ID>+<base64(0x04 || public key)>
func GenerateWitnessKey(rand io.Reader, name string) (skey, vkey string, err error) {
	if !validKeyName(name) {
		return "", "", fmt.Errorf("%w: witness key name %q", ErrMalformed, name)
	}
	seed := make([]byte, 1+ed25519.SeedSize)
	seed[0] = CosignatureV1Type
	if _, err := io.ReadFull(rand, seed[1:]); err != nil {
		return "", "", fmt.Errorf("ledger: generating witness key: %w", err)
	}
	pub := ed25519.NewKeyFromSeed(seed[1:]).Public().(ed25519.PublicKey)
	k := WitnessKey{name: name, id: cosignatureKeyID(name, pub), pub: pub}
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, k.id, base64.StdEncoding.EncodeToString(seed))
	clear(seed)
	return skey, k.String(), nil
}

// WitnessSigner produces cosignature/v1 signatures. It implements
// golang.org/x/mod/sumdb/note's Signer interface, so [Cosign] and
// note.Sign accept it. It is safe for concurrent use if its clock is.
type WitnessSigner struct {
	key  WitnessKey
	priv ed25519.PrivateKey
	now  func() time.Time
}

// NewWitnessSigner parses a cosignature/v1 signer key made by
// [GenerateWitnessKey]. Each signature carries now() truncated to the
// second as its timestamp; nil now means time.Now.
func NewWitnessSigner(skey string, now func() time.Time) (*WitnessSigner, error) {
	f := strings.SplitN(skey, "+", 5)
	if len(f) != 5 || f[0] != "PRIVATE" || f[1] != "KEY" || !validKeyName(f[2]) {
		return nil, fmt.Errorf("%w: witness skey is not PRIVATE+KEY+<name>+<hex key ID>+<base64 key>", ErrMalformed)
	}
	name := f[2]
	id, err := strconv.ParseUint(f[3], 16, 32)
	if len(f[3]) != 8 || err != nil {
		return nil, fmt.Errorf("%w: witness skey %s: key ID is not 8 hex digits", ErrMalformed, name)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(f[4])
	if err != nil || len(key) != 1+ed25519.SeedSize {
		return nil, fmt.Errorf("%w: witness skey %s: key is not %d bytes of standard base64", ErrMalformed, name, 1+ed25519.SeedSize)
	}
	defer clear(key)
	if key[0] != CosignatureV1Type {
		return nil, fmt.Errorf("%w: witness skey %s: signature type 0x%02x, want 0x04 (cosignature/v1)", ErrMalformed, name, key[0])
	}
	priv := ed25519.NewKeyFromSeed(key[1:])
	s := &WitnessSigner{priv: priv, now: now}
	s.key = WitnessKey{name: name, pub: priv.Public().(ed25519.PublicKey)}
	s.key.id = cosignatureKeyID(name, s.key.pub)
	if uint32(id) != s.key.id {
		return nil, fmt.Errorf("%w: witness skey %s: key ID %08x, but name and key give %08x", ErrMalformed, name, id, s.key.id)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Name returns the witness key name.
func (s *WitnessSigner) Name() string { return s.key.name }

// KeyHash returns the key ID.
func (s *WitnessSigner) KeyHash() uint32 { return s.key.id }

// Key returns the matching public key.
func (s *WitnessSigner) Key() *WitnessKey { k := s.key; return &k }

// Sign returns the signature-line payload after the key ID (timestamp ||
// Ed25519 signature) for the checkpoint body msg, at the signer's clock.
// It implements note.Signer and refuses a body that is not a checkpoint.
func (s *WitnessSigner) Sign(msg []byte) ([]byte, error) {
	c, err := s.SignAt(msg, s.now())
	if err != nil {
		return nil, err
	}
	return c[cosigKeyIDSize:], nil
}

// SignAt cosigns the checkpoint body text at time t (truncated to the
// second; before 1970 is refused) and returns the whole payload: key ID ||
// timestamp || Ed25519 signature.
func (s *WitnessSigner) SignAt(text []byte, t time.Time) ([]byte, error) {
	if _, err := ParseCheckpoint(text); err != nil {
		return nil, err
	}
	sec := t.Unix()
	if sec < 0 {
		return nil, fmt.Errorf("%w: cosignature time %v is before 1970", ErrMalformed, t)
	}
	p := make([]byte, cosigKeyIDSize+cosigTimeSize, cosigPayloadSize)
	binary.BigEndian.PutUint32(p, s.key.id)
	binary.BigEndian.PutUint64(p[cosigKeyIDSize:], uint64(sec))
	return append(p, ed25519.Sign(s.priv, appendCosignedMessage(nil, uint64(sec), text))...), nil
}
