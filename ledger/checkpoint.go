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

// Cosign adds a witness signature to a signed checkpoint after checking the
// log's signature with logKey. Signatures already on the note, including
// other witnesses', are kept.
func Cosign(msg []byte, logKey note.Verifier, witness note.Signer) ([]byte, error) {
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

// VerifierConfig configures a [Verifier].
type VerifierConfig struct {
	// Origin is the origin line the checkpoints must carry. Required.
	Origin string
	// LogKey verifies the log's signature. Required.
	LogKey note.Verifier
	// Witnesses are the witness keys whose cosignatures count toward
	// WitnessQuorum. Signatures by other keys are ignored.
	Witnesses []note.Verifier
	// WitnessQuorum is how many distinct witnesses must cosign. Default 0.
	WitnessQuorum int
	// Trusted, if set, is the checkpoint trusted from the start (for
	// example one saved by an earlier run). Otherwise the first checkpoint
	// that verifies is trusted on first use.
	Trusted *Checkpoint
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
	v := &Verifier{cfg: cfg, keys: note.VerifierList(append([]note.Verifier{cfg.LogKey}, cfg.Witnesses...)...)}
	if cfg.Trusted != nil {
		if cfg.Trusted.Origin != cfg.Origin {
			return nil, fmt.Errorf("%w: trusted checkpoint has origin %q, want %q", ErrOrigin, cfg.Trusted.Origin, cfg.Origin)
		}
		v.trusted, v.have = *cfg.Trusted, true
	}
	return v, nil
}

// Open checks the signatures and origin of a signed checkpoint and parses
// it. It does not change what the verifier trusts.
func (v *Verifier) Open(msg []byte) (Checkpoint, error) {
	n, err := note.Open(msg, v.keys)
	if err != nil {
		var inv *note.InvalidSignatureError
		if errors.As(err, &inv) {
			return Checkpoint{}, fmt.Errorf("%w: invalid signature by %s", ErrSignature, inv.Name)
		}
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	logSigned, witnesses := false, 0
	for _, s := range n.Sigs {
		if s.Name == v.cfg.LogKey.Name() && s.Hash == v.cfg.LogKey.KeyHash() {
			logSigned = true
		} else {
			witnesses++
		}
	}
	if !logSigned {
		return Checkpoint{}, fmt.Errorf("%w: no signature by log key %s", ErrSignature, v.cfg.LogKey.Name())
	}
	if witnesses < v.cfg.WitnessQuorum {
		return Checkpoint{}, fmt.Errorf("%w: %d witness cosignatures, quorum %d", ErrSignature, witnesses, v.cfg.WitnessQuorum)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.cfg.Origin {
		return Checkpoint{}, fmt.Errorf("%w: got %q, want %q", ErrOrigin, c.Origin, v.cfg.Origin)
	}
	return c, nil
}

// Update verifies a signed checkpoint and a consistency proof from the
// trusted checkpoint's size to the new one's, and on success trusts the
// new checkpoint. When nothing is trusted yet the proof is ignored and the
// checkpoint is trusted on first use. A checkpoint smaller than the trusted
// one fails with ErrRollback; one of the same size must have the same root.
func (v *Verifier) Update(msg []byte, p ConsistencyProof) (Checkpoint, error) {
	c, err := v.Open(msg)
	if err != nil {
		return Checkpoint{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.have {
		v.trusted, v.have = c, true
		return c, nil
	}
	t := v.trusted
	if c.Size < t.Size {
		return Checkpoint{}, fmt.Errorf("%w: size %d < trusted size %d", ErrRollback, c.Size, t.Size)
	}
	if p.From != t.Size || p.To != c.Size {
		return Checkpoint{}, fmt.Errorf("%w: proof is from %d to %d, need %d to %d", ErrSizeRange, p.From, p.To, t.Size, c.Size)
	}
	if err := VerifyConsistency(t.Size, c.Size, p.Hashes, t.Root, c.Root); err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrInconsistent, err)
	}
	v.trusted = c
	return c, nil
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
