package ledger

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is the body of a C2SP tlog-checkpoint: the log's origin, the
// tree size and the root hash of that tree, and optional extension lines.
//
//	<origin>\n
//	<size, decimal>\n
//	<root, standard base64>\n
//	[<extension line>\n]...
//
// A checkpoint is signed as a C2SP signed note ([SignCheckpoint]); witness
// cosignatures are further signature lines on the same note ([Cosign]).
type Checkpoint struct {
	Origin     string   // unique name of the log, e.g. "example.org/health-ledger"
	Size       uint64   // number of leaves
	Root       Hash     // RFC 6962 root of the first Size leaves
	Extensions []string // opaque extension lines, each non-empty, no newline
}

// maxCheckpointLen bounds the body ParseCheckpoint accepts.
const maxCheckpointLen = 64 << 10

// AppendText appends the checkpoint body to b.
func (c *Checkpoint) AppendText(b []byte) ([]byte, error) {
	if c.Origin == "" || strings.ContainsAny(c.Origin, "\n") || !isPrintable(c.Origin) {
		return b, fmt.Errorf("%w: checkpoint origin %q", ErrMalformed, c.Origin)
	}
	b = append(b, c.Origin...)
	b = append(b, '\n')
	b = strconv.AppendUint(b, c.Size, 10)
	b = append(b, '\n')
	b = base64.StdEncoding.AppendEncode(b, c.Root[:])
	b = append(b, '\n')
	for _, e := range c.Extensions {
		if e == "" || strings.ContainsAny(e, "\n") || !isPrintable(e) {
			return b, fmt.Errorf("%w: checkpoint extension line %q", ErrMalformed, e)
		}
		b = append(b, e...)
		b = append(b, '\n')
	}
	return b, nil
}

// MarshalText returns c.AppendText(nil).
func (c *Checkpoint) MarshalText() ([]byte, error) { return c.AppendText(nil) }

func isPrintable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ParseCheckpoint parses a checkpoint body (the text of a signed note).
// The size must be canonical decimal and the root exactly 32 bytes.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	var c Checkpoint
	fail := func(off int, field string, err error) (Checkpoint, error) {
		return Checkpoint{}, &DecodeError{Offset: off, Field: "Checkpoint." + field, Err: err}
	}
	if len(text) > maxCheckpointLen {
		return fail(maxCheckpointLen, "Text", fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(text), maxCheckpointLen))
	}
	off := 0
	line := func() ([]byte, bool) {
		i := bytes.IndexByte(text[off:], '\n')
		if i < 0 {
			return nil, false
		}
		l := text[off : off+i]
		off += i + 1
		return l, true
	}
	start := off
	l, ok := line()
	if !ok {
		return fail(start, "Origin", ErrTruncated)
	}
	if len(l) == 0 || !isPrintable(string(l)) {
		return fail(start, "Origin", fmt.Errorf("%w: empty or not printable", ErrMalformed))
	}
	c.Origin = string(l)
	start = off
	if l, ok = line(); !ok {
		return fail(start, "Size", ErrTruncated)
	}
	if len(l) == 0 || len(l) > 1 && l[0] == '0' {
		return fail(start, "Size", fmt.Errorf("%w: %q is not canonical decimal", ErrMalformed, l))
	}
	size, err := strconv.ParseUint(string(l), 10, 64)
	if err != nil {
		return fail(start, "Size", fmt.Errorf("%w: %q is not canonical decimal", ErrMalformed, l))
	}
	c.Size = size
	start = off
	if l, ok = line(); !ok {
		return fail(start, "Root", ErrTruncated)
	}
	if base64.StdEncoding.DecodedLen(len(l)) > 2*HashSize {
		return fail(start, "Root", fmt.Errorf("%w: %d base64 characters", ErrHashSize, len(l)))
	}
	var buf [2 * HashSize]byte
	n, err := base64.StdEncoding.Strict().Decode(buf[:], l)
	if err != nil || n != HashSize {
		return fail(start, "Root", fmt.Errorf("%w: root is not 32 bytes of standard base64", ErrHashSize))
	}
	copy(c.Root[:], buf[:HashSize])
	for off < len(text) {
		start = off
		if l, ok = line(); !ok {
			return fail(start, "Extensions", ErrTruncated)
		}
		if len(l) == 0 || !isPrintable(string(l)) {
			return fail(start, "Extensions", fmt.Errorf("%w: empty or not printable line", ErrMalformed))
		}
		c.Extensions = append(c.Extensions, string(l))
	}
	return c, nil
}

// SignedCheckpoint is a checkpoint with its encoded signed note.
type SignedCheckpoint struct {
	Checkpoint
	Note []byte // the C2SP signed note: body, blank line, signature lines
}

// SignCheckpoint encodes c and signs it with the log key first and any
// further signers after it.
func SignCheckpoint(c Checkpoint, signers ...note.Signer) ([]byte, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("%w: no signer", ErrSignature)
	}
	text, err := c.AppendText(nil)
	if err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signers...)
	if err != nil {
		return nil, fmt.Errorf("ledger: signing checkpoint: %w", err)
	}
	return msg, nil
}

// Cosign adds a witness's cosignature/v1 line (C2SP tlog-cosignature) to
// a signed checkpoint after checking the log's signature with logKey. The
// cosignature carries the witness's clock as its timestamp. Signatures
// already on the note, including other witnesses', are kept; an earlier
// line by the same witness key is replaced.
func Cosign(msg []byte, logKey note.Verifier, witness *WitnessSigner) ([]byte, error) {
	if witness == nil {
		return nil, fmt.Errorf("%w: no witness signer", ErrSignature)
	}
	n, err := note.Open(msg, note.VerifierList(logKey))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if _, err := ParseCheckpoint([]byte(n.Text)); err != nil {
		return nil, err
	}
	out, err := note.Sign(n, witness)
	if err != nil {
		return nil, fmt.Errorf("ledger: cosigning checkpoint: %w", err)
	}
	return out, nil
}

// DefaultCosignatureSkew is how far in the future a cosignature's
// timestamp may be when VerifierConfig.CosignatureSkew is zero.
const DefaultCosignatureSkew = 5 * time.Minute

// VerifierConfig configures a [Verifier].
type VerifierConfig struct {
	// Origin is the origin line the checkpoints must carry. Required.
	Origin string
	// LogKey verifies the log's signature. Required.
	LogKey note.Verifier
	// Witnesses are the witness keys, in cosignature/v1 form
	// ([NewWitnessKey]), whose cosignatures count toward WitnessQuorum.
	// Lines by other keys, including plain Ed25519 note signatures under
	// a witness's name, are ignored. No two may share a name and key ID.
	Witnesses []*WitnessKey
	// WitnessQuorum is how many distinct witnesses must cosign. Default 0.
	WitnessQuorum int
	// CosignatureSkew is how far past Now a cosignature's timestamp may
	// be; a later one does not count. Default DefaultCosignatureSkew.
	CosignatureSkew time.Duration
	// Now is the clock cosignature timestamps are checked against.
	// Default time.Now.
	Now func() time.Time
	// Trusted, if set, is the checkpoint trusted from the start (for
	// example one saved by an earlier run). Otherwise the first checkpoint
	// that verifies is trusted on first use.
	Trusted *Checkpoint
}

// VerifiedCheckpoint is a checkpoint that passed a [Verifier]'s checks,
// with the witness cosignatures that counted toward the quorum.
type VerifiedCheckpoint struct {
	Checkpoint
	// Cosignatures holds one valid cosignature/v1 per configured witness
	// that cosigned, in the order of VerifierConfig.Witnesses; Time gives
	// the time each witness attested. It may exceed the quorum.
	Cosignatures []Cosignature
}

// Verifier checks signed checkpoints for a client or auditor: the log
// signature, the origin, the witness quorum, and consistency with the last
// checkpoint it trusted. It needs no access to the log's storage: the
// caller fetches consistency proofs. It is safe for concurrent use.
type Verifier struct {
	cfg     VerifierConfig
	keys    note.Verifiers
	mu      sync.Mutex
	trusted Checkpoint
	have    bool
}

// NewVerifier validates cfg and returns a verifier.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Origin == "" {
		return nil, fmt.Errorf("%w: verifier needs an origin", ErrMalformed)
	}
	if cfg.LogKey == nil {
		return nil, fmt.Errorf("%w: verifier needs a log key", ErrSignature)
	}
	if cfg.WitnessQuorum < 0 || cfg.WitnessQuorum > len(cfg.Witnesses) {
		return nil, fmt.Errorf("%w: witness quorum %d with %d witnesses", ErrMalformed, cfg.WitnessQuorum, len(cfg.Witnesses))
	}
	if cfg.CosignatureSkew < 0 {
		return nil, fmt.Errorf("%w: negative cosignature skew %v", ErrMalformed, cfg.CosignatureSkew)
	}
	if cfg.CosignatureSkew == 0 {
		cfg.CosignatureSkew = DefaultCosignatureSkew
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Witnesses = append([]*WitnessKey(nil), cfg.Witnesses...)
	for i, w := range cfg.Witnesses {
		if w == nil {
			return nil, fmt.Errorf("%w: witness %d is nil", ErrMalformed, i)
		}
		if w.name == cfg.LogKey.Name() && w.id == cfg.LogKey.KeyHash() {
			return nil, fmt.Errorf("%w: witness %s has the log key's name and key ID", ErrMalformed, w.name)
		}
		for _, o := range cfg.Witnesses[:i] {
			if o.name == w.name && o.id == w.id {
				return nil, fmt.Errorf("%w: witness %s (key ID %08x) listed twice", ErrMalformed, w.name, w.id)
			}
		}
	}
	v := &Verifier{cfg: cfg, keys: note.VerifierList(cfg.LogKey)}
	if cfg.Trusted != nil {
		if cfg.Trusted.Origin != cfg.Origin {
			return nil, fmt.Errorf("%w: trusted checkpoint has origin %q, want %q", ErrOrigin, cfg.Trusted.Origin, cfg.Origin)
		}
		v.trusted, v.have = *cfg.Trusted, true
	}
	return v, nil
}

// Open checks the log signature, the origin and the witness cosignatures
// of a signed checkpoint and parses it. It does not change what the
// verifier trusts.
//
// A configured witness counts once, for a cosignature/v1 line with its
// name and key ID that verifies and whose timestamp is at most
// CosignatureSkew past Now. Lines by other keys are ignored. A line with a
// witness's name and key ID that is malformed or does not verify fails
// the whole note (ErrCosignatureInvalid). Too few witnesses fail with
// ErrSignature and, per witness, why it did not count.
func (v *Verifier) Open(msg []byte) (VerifiedCheckpoint, error) {
	n, err := note.Open(msg, v.keys)
	if err != nil {
		var inv *note.InvalidSignatureError
		if errors.As(err, &inv) {
			return VerifiedCheckpoint{}, fmt.Errorf("%w: invalid signature by %s", ErrSignature, inv.Name)
		}
		return VerifiedCheckpoint{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	logSigned := false
	for _, s := range n.Sigs {
		if s.Name == v.cfg.LogKey.Name() && s.Hash == v.cfg.LogKey.KeyHash() {
			logSigned = true
		}
	}
	if !logSigned {
		return VerifiedCheckpoint{}, fmt.Errorf("%w: no signature by log key %s", ErrSignature, v.cfg.LogKey.Name())
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return VerifiedCheckpoint{}, err
	}
	if c.Origin != v.cfg.Origin {
		return VerifiedCheckpoint{}, fmt.Errorf("%w: got %q, want %q", ErrOrigin, c.Origin, v.cfg.Origin)
	}
	out := VerifiedCheckpoint{Checkpoint: c}
	if len(v.cfg.Witnesses) == 0 {
		return out, nil
	}
	cosigs, err := v.cosignatures([]byte(n.Text), n.UnverifiedSigs)
	if err != nil {
		return VerifiedCheckpoint{}, err
	}
	out.Cosignatures = cosigs
	return out, nil
}

// cosignatures checks the witness lines of a note whose log signature
// verified and applies the quorum.
func (v *Verifier) cosignatures(text []byte, sigs []note.Signature) ([]Cosignature, error) {
	ws := v.cfg.Witnesses
	found := make([]*Cosignature, len(ws))
	why := make([]error, len(ws))
	now := v.cfg.Now()
	limit := now.Add(v.cfg.CosignatureSkew)
	line := make([]byte, 0, 256)
	for _, s := range sigs {
		for i, w := range ws {
			if s.Name != w.name {
				continue
			}
			if s.Hash != w.id {
				if why[i] == nil {
					why[i] = fmt.Errorf("witness %s: line has key ID %08x, want %08x (not this cosignature/v1 key)", w.name, s.Hash, w.id)
				}
				continue
			}
			line = append(append(append(append(line[:0], sigLinePrefix...), s.Name...), ' '), s.Base64...)
			cs, err := ParseCosignature(line)
			if err != nil {
				return nil, fmt.Errorf("%w: %w: witness %s: %w", ErrSignature, ErrCosignatureInvalid, w.name, err)
			}
			if err := w.VerifyCosignature(text, &cs); err != nil {
				return nil, err
			}
			if t := cs.Time(); t.After(limit) {
				why[i] = fmt.Errorf("%w: witness %s: timestamp %s is %v past the clock, allowed skew %v",
					ErrCosignatureTime, w.name, t.Format(time.RFC3339), t.Sub(now), v.cfg.CosignatureSkew)
				continue
			}
			if found[i] == nil || cs.Timestamp > found[i].Timestamp {
				found[i] = &cs
			}
		}
	}
	var out []Cosignature
	var reasons []error
	for i, f := range found {
		switch {
		case f != nil:
			out = append(out, *f)
		case why[i] != nil:
			reasons = append(reasons, why[i])
		default:
			reasons = append(reasons, fmt.Errorf("witness %s: no cosignature/v1 line", ws[i].name))
		}
	}
	if len(out) < v.cfg.WitnessQuorum {
		return nil, fmt.Errorf("%w: %d of %d witness cosignatures valid, quorum %d: %w",
			ErrSignature, len(out), len(ws), v.cfg.WitnessQuorum, errors.Join(reasons...))
	}
	return out, nil
}

// Update verifies a signed checkpoint and a consistency proof from the
// trusted checkpoint's size to the new one's, and on success trusts the
// new checkpoint. When nothing is trusted yet the proof is ignored and the
// checkpoint is trusted on first use. A checkpoint smaller than the trusted
// one fails with ErrRollback; one of the same size must have the same root.
func (v *Verifier) Update(msg []byte, p ConsistencyProof) (VerifiedCheckpoint, error) {
	vc, err := v.Open(msg)
	if err != nil {
		return VerifiedCheckpoint{}, err
	}
	c := vc.Checkpoint
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.have {
		v.trusted, v.have = c, true
		return vc, nil
	}
	t := v.trusted
	if c.Size < t.Size {
		return VerifiedCheckpoint{}, fmt.Errorf("%w: size %d < trusted size %d", ErrRollback, c.Size, t.Size)
	}
	if p.From != t.Size || p.To != c.Size {
		return VerifiedCheckpoint{}, fmt.Errorf("%w: proof is from %d to %d, need %d to %d", ErrSizeRange, p.From, p.To, t.Size, c.Size)
	}
	if err := VerifyConsistency(t.Size, c.Size, p.Hashes, t.Root, c.Root); err != nil {
		return VerifiedCheckpoint{}, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	v.trusted = c
	return vc, nil
}

// Trusted returns the checkpoint the verifier trusts, if any.
func (v *Verifier) Trusted() (Checkpoint, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.trusted, v.have
}

// Block is one entry of the ledger's block history: the checkpoint that
// committed the entries [previous block's Size, Size).
type Block struct {
	Height uint64    // 0 for the first checkpoint, then 1, 2, ...
	Size   uint64    // tree size after this block
	Root   Hash      // root of the tree of Size leaves
	Time   time.Time // when the checkpoint was signed (UTC, ns); not covered by the signature
	Note   []byte    // the signed checkpoint
}
