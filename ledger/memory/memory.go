package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/internal/tree"
	"golang.org/x/mod/sumdb/note"
)

// Config configures an in-memory ledger. The zero value works.
type Config struct {
	// Origin is the checkpoint origin line. Default "phdkit.local/ledger".
	Origin string
	// Signer signs checkpoints. Default: a fresh Ed25519 key named after
	// the origin, whose verifier Ledger.LogKey returns.
	Signer note.Signer
	// Now returns the time recorded in blocks. Default time.Now.
	Now func() time.Time
}

// Ledger is an in-memory ledger.Ledger. It is safe for concurrent use.
type Ledger struct {
	origin string
	signer note.Signer
	logKey note.Verifier
	now    func() time.Time

	mu     sync.RWMutex
	closed bool
	tree   tree.Mem
	blocks []ledger.Block
}

var _ ledger.Ledger = (*Ledger)(nil)

// New returns an empty in-memory ledger.
func New(cfg Config) (*Ledger, error) {
	origin, s, v, err := tree.Keys(cfg.Origin, cfg.Signer)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Ledger{origin: origin, signer: s, logKey: v, now: now}, nil
}

// LogKey returns the verifier of the generated checkpoint key, or nil when
// Config.Signer was set.
func (l *Ledger) LogKey() note.Verifier { return l.logKey }

// Origin returns the checkpoint origin line.
func (l *Ledger) Origin() string { return l.origin }

// Append implements ledger.Ledger.
func (l *Ledger) Append(ctx context.Context, entry ledger.Hash) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ledger.ErrClosed
	}
	idx := l.tree.Size()
	l.tree.Append(entry)
	return idx, nil
}

// AppendBatch implements ledger.Ledger; the indices are consecutive.
func (l *Ledger) AppendBatch(ctx context.Context, entries []ledger.Hash, indices []uint64) error {
	if len(entries) != len(indices) {
		return fmt.Errorf("%w: %d entries, %d indices", ledger.ErrBatchSize, len(entries), len(indices))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ledger.ErrClosed
	}
	for i, e := range entries {
		indices[i] = l.tree.Size()
		l.tree.Append(e)
	}
	return nil
}

// Root returns the current tree size and root without signing anything.
func (l *Ledger) Root() (uint64, ledger.Hash) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.tree.Size(), l.tree.Root()
}

// Checkpoint implements ledger.Ledger: it commits a new block when the
// tree grew since the last one (or there is none yet).
func (l *Ledger) Checkpoint(ctx context.Context) (ledger.SignedCheckpoint, error) {
	if err := ctx.Err(); err != nil {
		return ledger.SignedCheckpoint{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ledger.SignedCheckpoint{}, ledger.ErrClosed
	}
	size := l.tree.Size()
	if n := len(l.blocks); n > 0 && l.blocks[n-1].Size == size {
		return tree.Signed(l.origin, l.blocks[n-1]), nil
	}
	b, err := tree.NewBlock(l.origin, l.signer, uint64(len(l.blocks)), size, l.tree.Root(), l.now())
	if err != nil {
		return ledger.SignedCheckpoint{}, err
	}
	l.blocks = append(l.blocks, b)
	return tree.Signed(l.origin, b), nil
}

func (l *Ledger) rlock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ledger.ErrClosed
	}
	return nil
}

// InclusionProof implements ledger.Ledger. Any size up to the number of
// appended entries is accepted.
func (l *Ledger) InclusionProof(ctx context.Context, index, size uint64) (ledger.InclusionProof, error) {
	if err := l.rlock(ctx); err != nil {
		return ledger.InclusionProof{}, err
	}
	defer l.mu.RUnlock()
	if size > l.tree.Size() {
		return ledger.InclusionProof{}, fmt.Errorf("%w: size %d, ledger has %d entries", ledger.ErrSizeRange, size, l.tree.Size())
	}
	hs, err := tree.Inclusion(&l.tree, index, size)
	if err != nil {
		return ledger.InclusionProof{}, err
	}
	return ledger.InclusionProof{Index: index, Size: size, Hashes: hs}, nil
}

// ConsistencyProof implements ledger.Ledger.
func (l *Ledger) ConsistencyProof(ctx context.Context, from, to uint64) (ledger.ConsistencyProof, error) {
	if err := l.rlock(ctx); err != nil {
		return ledger.ConsistencyProof{}, err
	}
	defer l.mu.RUnlock()
	if to > l.tree.Size() {
		return ledger.ConsistencyProof{}, fmt.Errorf("%w: size %d, ledger has %d entries", ledger.ErrSizeRange, to, l.tree.Size())
	}
	hs, err := tree.Consistency(&l.tree, from, to)
	if err != nil {
		return ledger.ConsistencyProof{}, err
	}
	return ledger.ConsistencyProof{From: from, To: to, Hashes: hs}, nil
}

// Entry implements ledger.Ledger.
func (l *Ledger) Entry(ctx context.Context, index uint64) (ledger.Hash, error) {
	if err := l.rlock(ctx); err != nil {
		return ledger.Hash{}, err
	}
	defer l.mu.RUnlock()
	if index >= l.tree.Size() {
		return ledger.Hash{}, fmt.Errorf("%w: index %d, ledger has %d entries", ledger.ErrIndexRange, index, l.tree.Size())
	}
	return l.tree.Entry(index), nil
}

// Blocks implements ledger.Ledger.
func (l *Ledger) Blocks(ctx context.Context, from uint64, max int, dst []ledger.Block) ([]ledger.Block, error) {
	if err := l.rlock(ctx); err != nil {
		return dst, err
	}
	defer l.mu.RUnlock()
	for h := from; h < uint64(len(l.blocks)) && max > 0; h, max = h+1, max-1 {
		dst = append(dst, l.blocks[h])
	}
	return dst, nil
}

// Close implements ledger.Ledger. It releases the tree.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ledger.ErrClosed
	}
	l.closed = true
	l.tree = tree.Mem{}
	return nil
}
