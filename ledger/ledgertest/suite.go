package ledgertest

import (
	"context"
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"sync"
	"testing"

	"github.com/phdkit/phdkit/ledger"
	"golang.org/x/mod/sumdb/note"
)

// Open returns a new, empty ledger whose checkpoints carry origin and are
// signed by signer. The suite closes it.
type Open func(t *testing.T, origin string, signer note.Signer) ledger.Ledger

// MaxLeaves is the size of the largest random tree the suite builds.
const MaxLeaves = 10000

// Run runs the conformance suite against a backend. Each subtest opens its
// own ledger.
//
// The published vectors have leaves of any length, while ledger entries
// are 32-byte digests, so the vectors anchor the reference implementation
// and the verifier, and the backend is then checked against both.
func Run(t *testing.T, open Open) {
	t.Run("PublishedVectors", func(t *testing.T) { CheckVectors(t) })
	t.Run("Empty", func(t *testing.T) { testEmpty(t, open) })
	t.Run("SmallExhaustive", func(t *testing.T) { testSmall(t, open) })
	t.Run("RandomTrees", func(t *testing.T) { testRandom(t, open) })
	t.Run("Tamper", func(t *testing.T) { testTamper(t, open) })
	t.Run("BadInput", func(t *testing.T) { testBadInput(t, open) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, open) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open) })
	t.Run("Close", func(t *testing.T) { testClose(t, open) })
}

type fixture struct {
	l      ledger.Ledger
	origin string
	key    note.Verifier
	leaves []ledger.Hash // leaf hashes, by index
	rng    *mrand.Rand
}

func newFixture(t *testing.T, open Open) *fixture {
	t.Helper()
	const origin = "conformance.phdkit.test/ledger"
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	l := open(t, origin, s)
	t.Cleanup(func() { l.Close() })
	var seed [32]byte
	rand.Read(seed[:])
	t.Logf("seed %x", seed)
	return &fixture{l: l, origin: origin, key: v, rng: mrand.New(mrand.NewChaCha8(seed))}
}

func (f *fixture) entry() ledger.Hash {
	var e ledger.Hash
	for i := 0; i < len(e); i += 8 {
		u := f.rng.Uint64()
		for j := 0; j < 8; j++ {
			e[i+j] = byte(u >> (8 * j))
		}
	}
	return e
}

// grow appends n random entries, in random batches.
func (f *fixture) grow(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	for n > 0 {
		k := 1 + f.rng.IntN(min(n, 300))
		if k == 1 {
			e := f.entry()
			idx, err := f.l.Append(ctx, e)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if idx != uint64(len(f.leaves)) {
				t.Fatalf("Append index = %d, want %d", idx, len(f.leaves))
			}
			f.leaves = append(f.leaves, ledger.EntryLeafHash(e))
		} else {
			es := make([]ledger.Hash, k)
			for i := range es {
				es[i] = f.entry()
			}
			idx := make([]uint64, k)
			if err := f.l.AppendBatch(ctx, es, idx); err != nil {
				t.Fatalf("AppendBatch: %v", err)
			}
			for i, e := range es {
				if idx[i] != uint64(len(f.leaves)) {
					t.Fatalf("AppendBatch index[%d] = %d, want %d (single writer)", i, idx[i], len(f.leaves))
				}
				f.leaves = append(f.leaves, ledger.EntryLeafHash(e))
			}
		}
		n -= k
	}
}

func (f *fixture) checkpoint(t *testing.T) ledger.SignedCheckpoint {
	t.Helper()
	c, err := f.l.Checkpoint(context.Background())
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	if c.Size != uint64(len(f.leaves)) {
		t.Fatalf("Checkpoint size = %d, want %d", c.Size, len(f.leaves))
	}
	if want := RefRoot(f.leaves); c.Root != want {
		t.Fatalf("Checkpoint root at %d = %s, want %s", c.Size, c.Root, want)
	}
	return c
}

func (f *fixture) checkInclusion(t *testing.T, index, size uint64) {
	t.Helper()
	p, err := f.l.InclusionProof(context.Background(), index, size)
	if err != nil {
		t.Fatalf("InclusionProof(%d, %d): %v", index, size, err)
	}
	want := RefInclusion(int(index), f.leaves[:size])
	if !equal(p.Hashes, want) || p.Index != index || p.Size != size {
		t.Fatalf("InclusionProof(%d, %d) = %d hashes, differs from the reference (%d hashes)", index, size, len(p.Hashes), len(want))
	}
	if err := ledger.VerifyInclusion(index, size, f.leaves[index], p.Hashes, RefRoot(f.leaves[:size])); err != nil {
		t.Fatalf("VerifyInclusion(%d, %d): %v", index, size, err)
	}
}

func (f *fixture) checkConsistency(t *testing.T, from, to uint64) {
	t.Helper()
	p, err := f.l.ConsistencyProof(context.Background(), from, to)
	if err != nil {
		t.Fatalf("ConsistencyProof(%d, %d): %v", from, to, err)
	}
	want := RefConsistency(int(from), f.leaves[:to])
	if !equal(p.Hashes, want) || p.From != from || p.To != to {
		t.Fatalf("ConsistencyProof(%d, %d) = %d hashes, differs from the reference (%d hashes)", from, to, len(p.Hashes), len(want))
	}
	if err := ledger.VerifyConsistency(from, to, p.Hashes, RefRoot(f.leaves[:from]), RefRoot(f.leaves[:to])); err != nil {
		t.Fatalf("VerifyConsistency(%d, %d): %v", from, to, err)
	}
}

func equal(a, b []ledger.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// CheckVectors checks the reference implementation and the verifier
// against the published vectors, including tampered copies.
func CheckVectors(t *testing.T) {
	v, err := Published()
	if err != nil {
		t.Fatal(err)
	}
	for i, leaf := range v.Leaves {
		if got := ledger.LeafHash(leaf); got != v.LeafHashes[i] {
			t.Errorf("LeafHash(leaf %d) = %s, want %s", i, got, v.LeafHashes[i])
		}
	}
	for n, want := range v.Roots {
		if got := RefRoot(v.LeafHashes[:n]); got != want {
			t.Errorf("RefRoot(%d leaves) = %s, want %s", n, got, want)
		}
	}
	for _, in := range v.Inclusion {
		if err := ledger.VerifyInclusion(in.Index, in.Size, in.LeafHash, in.Proof, in.Root); err != nil {
			t.Errorf("VerifyInclusion(%d, %d): %v", in.Index, in.Size, err)
		}
		if got := RefInclusion(int(in.Index), v.LeafHashes[:in.Size]); !equal(got, in.Proof) {
			t.Errorf("RefInclusion(%d, %d) differs from the published path", in.Index, in.Size)
		}
		for j := range in.Proof {
			bad := append([]ledger.Hash(nil), in.Proof...)
			bad[j][0] ^= 1
			if err := ledger.VerifyInclusion(in.Index, in.Size, in.LeafHash, bad, in.Root); !errors.Is(err, ledger.ErrRootMismatch) {
				t.Errorf("VerifyInclusion(%d, %d) with hash %d flipped = %v, want ErrRootMismatch", in.Index, in.Size, j, err)
			}
		}
	}
	for _, c := range v.Consistent {
		if err := ledger.VerifyConsistency(c.From, c.To, c.Proof, c.Root1, c.Root2); err != nil {
			t.Errorf("VerifyConsistency(%d, %d): %v", c.From, c.To, err)
		}
		if got := RefConsistency(int(c.From), v.LeafHashes[:c.To]); !equal(got, c.Proof) {
			t.Errorf("RefConsistency(%d, %d) differs from the published proof", c.From, c.To)
		}
		if c.From != c.To {
			bad := c.Root2
			bad[31] ^= 0x80
			if err := ledger.VerifyConsistency(c.From, c.To, c.Proof, c.Root1, bad); !errors.Is(err, ledger.ErrRootMismatch) {
				t.Errorf("VerifyConsistency(%d, %d) with a wrong root = %v, want ErrRootMismatch", c.From, c.To, err)
			}
		}
	}
}

func testEmpty(t *testing.T, open Open) {
	f := newFixture(t, open)
	ctx := context.Background()
	c := f.checkpoint(t)
	if c.Root != ledger.EmptyRoot {
		t.Fatalf("empty root = %s", c.Root)
	}
	if _, err := f.l.InclusionProof(ctx, 0, 0); !errors.Is(err, ledger.ErrIndexRange) {
		t.Errorf("InclusionProof(0, 0) = %v, want ErrIndexRange", err)
	}
	if _, err := f.l.Entry(ctx, 0); !errors.Is(err, ledger.ErrIndexRange) {
		t.Errorf("Entry(0) on empty = %v, want ErrIndexRange", err)
	}
	p, err := f.l.ConsistencyProof(ctx, 0, 0)
	if err != nil || len(p.Hashes) != 0 {
		t.Errorf("ConsistencyProof(0, 0) = %d hashes, %v", len(p.Hashes), err)
	}
}

func testSmall(t *testing.T, open Open) {
	f := newFixture(t, open)
	const n = 40
	for s := 1; s <= n; s++ {
		f.grow(t, 1)
		f.checkpoint(t)
	}
	for size := uint64(1); size <= n; size++ {
		for i := uint64(0); i < size; i++ {
			f.checkInclusion(t, i, size)
		}
		for from := uint64(0); from <= size; from++ {
			f.checkConsistency(t, from, size)
		}
	}
	for i := range f.leaves {
		e, err := f.l.Entry(context.Background(), uint64(i))
		if err != nil || ledger.EntryLeafHash(e) != f.leaves[i] {
			t.Fatalf("Entry(%d) = %v, %v; does not match what was appended", i, e, err)
		}
	}
}

func testRandom(t *testing.T, open Open) {
	f := newFixture(t, open)
	var sizes []uint64
	for len(f.leaves) < MaxLeaves {
		f.grow(t, 1+f.rng.IntN(min(2500, MaxLeaves-len(f.leaves))))
		f.checkpoint(t)
		sizes = append(sizes, uint64(len(f.leaves)))
	}
	n := uint64(len(f.leaves))
	for k := 0; k < 60; k++ {
		size := 1 + f.rng.Uint64N(n)
		if k%4 == 0 {
			size = sizes[f.rng.IntN(len(sizes))]
		}
		f.checkInclusion(t, f.rng.Uint64N(size), size)
		f.checkInclusion(t, size-1, size)
		from := f.rng.Uint64N(size + 1)
		f.checkConsistency(t, from, size)
	}
	for i := 1; i < len(sizes); i++ {
		f.checkConsistency(t, sizes[i-1], sizes[i])
	}
	for _, i := range []uint64{0, n / 2, n - 1} {
		e, err := f.l.Entry(context.Background(), i)
		if err != nil || ledger.EntryLeafHash(e) != f.leaves[i] {
			t.Fatalf("Entry(%d) does not match what was appended (%v)", i, err)
		}
	}
}

func testTamper(t *testing.T, open Open) {
	f := newFixture(t, open)
	ctx := context.Background()
	f.grow(t, 777)
	c := f.checkpoint(t)
	for _, idx := range []uint64{0, 1, 255, 512, 776} {
		p, err := f.l.InclusionProof(ctx, idx, c.Size)
		if err != nil {
			t.Fatal(err)
		}
		leaf := f.leaves[idx]
		for j := range p.Hashes {
			bad := append([]ledger.Hash(nil), p.Hashes...)
			bad[j][j%32] ^= 1 << (j % 8)
			if err := ledger.VerifyInclusion(idx, c.Size, leaf, bad, c.Root); !errors.Is(err, ledger.ErrRootMismatch) {
				t.Fatalf("tampered inclusion hash %d accepted: %v", j, err)
			}
		}
		badRoot := c.Root
		badRoot[7] ^= 4
		if err := ledger.VerifyInclusion(idx, c.Size, leaf, p.Hashes, badRoot); !errors.Is(err, ledger.ErrRootMismatch) {
			t.Fatalf("tampered root accepted: %v", err)
		}
		badLeaf := leaf
		badLeaf[0] ^= 1
		if err := ledger.VerifyInclusion(idx, c.Size, badLeaf, p.Hashes, c.Root); !errors.Is(err, ledger.ErrRootMismatch) {
			t.Fatalf("tampered leaf accepted: %v", err)
		}
		if err := ledger.VerifyInclusion(idx, c.Size, leaf, p.Hashes[:len(p.Hashes)-1], c.Root); !errors.Is(err, ledger.ErrProofSize) {
			t.Fatalf("truncated proof: %v, want ErrProofSize", err)
		}
		if err := ledger.VerifyInclusion(idx, c.Size, leaf, append(p.Hashes, leaf), c.Root); !errors.Is(err, ledger.ErrProofSize) {
			t.Fatalf("oversized proof: %v, want ErrProofSize", err)
		}
		if idx+1 < c.Size {
			if err := ledger.VerifyInclusion(idx+1, c.Size, leaf, p.Hashes, c.Root); err == nil {
				t.Fatalf("proof for %d accepted at index %d", idx, idx+1)
			}
		}
	}
	for _, from := range []uint64{1, 3, 256, 500} {
		p, err := f.l.ConsistencyProof(ctx, from, c.Size)
		if err != nil {
			t.Fatal(err)
		}
		r1 := RefRoot(f.leaves[:from])
		for j := range p.Hashes {
			bad := append([]ledger.Hash(nil), p.Hashes...)
			bad[j][31-j%32] ^= 0x10
			if err := ledger.VerifyConsistency(from, c.Size, bad, r1, c.Root); !errors.Is(err, ledger.ErrRootMismatch) {
				t.Fatalf("tampered consistency hash %d (from %d) accepted: %v", j, from, err)
			}
		}
		badRoot := r1
		badRoot[0] ^= 1
		if err := ledger.VerifyConsistency(from, c.Size, p.Hashes, badRoot, c.Root); !errors.Is(err, ledger.ErrRootMismatch) {
			t.Fatalf("tampered old root accepted (from %d): %v", from, err)
		}
		if len(p.Hashes) > 0 {
			if err := ledger.VerifyConsistency(from, c.Size, p.Hashes[1:], r1, c.Root); !errors.Is(err, ledger.ErrProofSize) {
				t.Fatalf("truncated consistency proof: %v, want ErrProofSize", err)
			}
		}
		if err := ledger.VerifyConsistency(from, c.Size, append(p.Hashes, r1), r1, c.Root); !errors.Is(err, ledger.ErrProofSize) {
			t.Fatalf("oversized consistency proof: %v, want ErrProofSize", err)
		}
	}
}

func testBadInput(t *testing.T, open Open) {
	f := newFixture(t, open)
	ctx := context.Background()
	f.grow(t, 10)
	f.checkpoint(t)
	cases := []struct {
		name string
		err  error
		call func() error
	}{
		{"inclusion index == size", ledger.ErrIndexRange, func() error { _, err := f.l.InclusionProof(ctx, 5, 5); return err }},
		{"inclusion index > size", ledger.ErrIndexRange, func() error { _, err := f.l.InclusionProof(ctx, 9, 3); return err }},
		{"inclusion size > ledger", ledger.ErrSizeRange, func() error { _, err := f.l.InclusionProof(ctx, 0, 11); return err }},
		{"inclusion huge", ledger.ErrSizeRange, func() error { _, err := f.l.InclusionProof(ctx, 1<<63, 1<<64-1); return err }},
		{"consistency from > to", ledger.ErrSizeRange, func() error { _, err := f.l.ConsistencyProof(ctx, 7, 3); return err }},
		{"consistency to > ledger", ledger.ErrSizeRange, func() error { _, err := f.l.ConsistencyProof(ctx, 3, 11); return err }},
		{"entry past end", ledger.ErrIndexRange, func() error { _, err := f.l.Entry(ctx, 10); return err }},
		{"entry huge", ledger.ErrIndexRange, func() error { _, err := f.l.Entry(ctx, 1<<64-1); return err }},
		{"batch length mismatch", ledger.ErrBatchSize, func() error {
			return f.l.AppendBatch(ctx, make([]ledger.Hash, 2), make([]uint64, 1))
		}},
	}
	for _, tc := range cases {
		if err := tc.call(); !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.l.Append(cctx, ledger.Hash{}); !errors.Is(err, context.Canceled) {
		// A backend may have sequenced it before looking at ctx; it must not have
		// failed in any other way.
		if err != nil {
			t.Errorf("Append with cancelled ctx = %v", err)
		}
	}
}

func testCheckpoints(t *testing.T, open Open) {
	f := newFixture(t, open)
	ctx := context.Background()
	v, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: f.origin, LogKey: f.key})
	if err != nil {
		t.Fatal(err)
	}
	var last ledger.SignedCheckpoint
	for round := 0; round < 6; round++ {
		f.grow(t, 1+f.rng.IntN(200))
		c := f.checkpoint(t)
		var p ledger.ConsistencyProof
		if round > 0 {
			if p, err = f.l.ConsistencyProof(ctx, last.Size, c.Size); err != nil {
				t.Fatal(err)
			}
		}
		got, err := v.Update(c.Note, p)
		if err != nil {
			t.Fatalf("Verifier.Update(size %d): %v", c.Size, err)
		}
		if got.Size != c.Size || got.Root != c.Root || got.Origin != f.origin {
			t.Fatalf("verified checkpoint %+v, want size %d root %s", got, c.Size, c.Root)
		}
		// The same checkpoint again, with an empty proof.
		if _, err := v.Update(c.Note, ledger.ConsistencyProof{From: c.Size, To: c.Size}); err != nil {
			t.Fatalf("re-verifying the trusted checkpoint: %v", err)
		}
		// A rolled-back checkpoint is refused.
		if round > 0 {
			if _, err := v.Update(last.Note, ledger.ConsistencyProof{}); !errors.Is(err, ledger.ErrRollback) {
				t.Fatalf("older checkpoint accepted: %v", err)
			}
		}
		last = c
	}
	// A checkpoint for another tree of the same size, validly signed by a
	// different key, is refused.
	blocks, err := f.l.Blocks(ctx, 0, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < 6 {
		t.Fatalf("%d blocks after 6 checkpoints", len(blocks))
	}
	var prev uint64
	for i, b := range blocks {
		if b.Height != uint64(i) || b.Size < prev || b.Root != RefRoot(f.leaves[:b.Size]) || b.Time.IsZero() {
			t.Fatalf("block %d = height %d size %d: inconsistent history", i, b.Height, b.Size)
		}
		n, err := note.Open(b.Note, note.VerifierList(f.key))
		if err != nil {
			t.Fatalf("block %d note: %v", i, err)
		}
		cp, err := ledger.ParseCheckpoint([]byte(n.Text))
		if err != nil || cp.Size != b.Size || cp.Root != b.Root {
			t.Fatalf("block %d note names size %d root %s (%v)", i, cp.Size, cp.Root, err)
		}
		prev = b.Size
	}
	tail, err := f.l.Blocks(ctx, uint64(len(blocks)-1), 5, nil)
	if err != nil || len(tail) != 1 || tail[0].Height != uint64(len(blocks)-1) {
		t.Fatalf("Blocks(last, 5) = %d blocks, %v", len(tail), err)
	}
	none, err := f.l.Blocks(ctx, 1<<40, 5, nil)
	if err != nil || len(none) != 0 {
		t.Fatalf("Blocks past the end = %d blocks, %v", len(none), err)
	}
	// Tamper with the signed note.
	bad := append([]byte(nil), last.Note...)
	bad[len(f.origin)+1] ^= 1 // a digit of the size line
	if _, err := v.Open(bad); !errors.Is(err, ledger.ErrSignature) {
		t.Fatalf("tampered note accepted: %v", err)
	}
}

func testConcurrent(t *testing.T, open Open) {
	f := newFixture(t, open)
	ctx := context.Background()
	const writers, each = 8, 50
	var mu sync.Mutex
	got := map[uint64]ledger.Hash{}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		es := make([]ledger.Hash, each)
		for i := range es {
			es[i] = f.entry()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, e := range es {
				if i%5 == 4 {
					idx := make([]uint64, 3)
					batch := []ledger.Hash{e, e, e}
					if err := f.l.AppendBatch(ctx, batch, idx); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for _, x := range idx {
						got[x] = e
					}
					mu.Unlock()
					continue
				}
				idx, err := f.l.Append(ctx, e)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				got[idx] = e
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := writers * (each + 2*(each/5))
	if len(got) != want {
		t.Fatalf("%d distinct indices, want %d", len(got), want)
	}
	for i := uint64(0); i < uint64(want); i++ {
		e, ok := got[i]
		if !ok {
			t.Fatalf("index %d never returned", i)
		}
		stored, err := f.l.Entry(ctx, i)
		if err != nil || stored != e {
			t.Fatalf("Entry(%d) = %v, %v; want the appended entry", i, stored, err)
		}
		f.leaves = append(f.leaves, ledger.EntryLeafHash(e))
	}
	c := f.checkpoint(t)
	f.checkInclusion(t, c.Size/2, c.Size)
}

func testClose(t *testing.T, open Open) {
	f := newFixture(t, open)
	ctx := context.Background()
	f.grow(t, 3)
	if err := f.l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := f.l.Append(ctx, ledger.Hash{}); !errors.Is(err, ledger.ErrClosed) {
		t.Errorf("Append after Close = %v", err)
	}
	if _, err := f.l.Checkpoint(ctx); !errors.Is(err, ledger.ErrClosed) {
		t.Errorf("Checkpoint after Close = %v", err)
	}
	if _, err := f.l.InclusionProof(ctx, 0, 1); !errors.Is(err, ledger.ErrClosed) {
		t.Errorf("InclusionProof after Close = %v", err)
	}
	if _, err := f.l.Entry(ctx, 0); !errors.Is(err, ledger.ErrClosed) {
		t.Errorf("Entry after Close = %v", err)
	}
	if err := f.l.Close(); !errors.Is(err, ledger.ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
}
