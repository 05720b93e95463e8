package ledger_test

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	mrand "math/rand/v2"
	"testing"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/internal/tree"
	"github.com/phdkit/phdkit/ledger/ledgertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

func TestPublishedVectors(t *testing.T) { ledgertest.CheckVectors(t) }

func TestHasherMatchesStock(t *testing.T) {
	stock := rfc6962.DefaultHasher
	var h ledger.Hasher
	assert.Equal(t, stock.EmptyRoot(), h.EmptyRoot().Bytes())
	for _, n := range []int{0, 1, 31, 32, 33, 64, 1023, 1024, 1025, 5000} {
		leaf := make([]byte, n)
		rand.Read(leaf)
		assert.Equal(t, stock.HashLeaf(leaf), h.HashLeaf(leaf).Bytes(), "leaf of %d bytes", n)
		assert.Equal(t, stock.HashLeaf(leaf), ledger.LogHasher().HashLeaf(leaf))
	}
	var l, r ledger.Hash
	rand.Read(l[:])
	rand.Read(r[:])
	assert.Equal(t, stock.HashChildren(l[:], r[:]), h.HashChildren(l, r).Bytes())
	assert.Equal(t, stock.HashChildren(l[:], r[:]), ledger.LogHasher().HashChildren(l[:], r[:]))
	assert.Equal(t, stock.HashChildren(l[:3], r[:]), ledger.LogHasher().HashChildren(l[:3], r[:]))
	assert.Equal(t, ledger.LeafHash(l[:]), ledger.EntryLeafHash(l))
}

func TestHashAllocs(t *testing.T) {
	var e, l, r ledger.Hash
	rand.Read(e[:])
	leaf := make([]byte, 1024)
	var sink ledger.Hash
	cases := map[string]func(){
		"LeafHash(32)":   func() { sink = ledger.LeafHash(e[:]) },
		"LeafHash(1024)": func() { sink = ledger.LeafHash(leaf) },
		"EntryLeafHash":  func() { sink = ledger.EntryLeafHash(e) },
		"NodeHash":       func() { sink = ledger.NodeHash(l, r) },
		"Hasher":         func() { sink = ledger.Hasher{}.HashChildren(l, sink) },
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, n)
		}
	}
	_ = sink
	// The stock hasher allocates; this is why the ledger has its own.
	stock := rfc6962.DefaultHasher
	if n := testing.AllocsPerRun(100, func() { stock.HashChildren(l[:], r[:]) }); n == 0 {
		t.Log("the stock hasher no longer allocates")
	}
}

func buildTree(n int) *tree.Mem {
	m := new(tree.Mem)
	for i := 0; i < n; i++ {
		var e ledger.Hash
		e[0], e[1], e[2] = byte(i), byte(i>>8), byte(i>>16)
		m.Append(e)
	}
	return m
}

func TestVerifyAllocs(t *testing.T) {
	m := buildTree(1000)
	ip, err := tree.Inclusion(m, 377, 1000)
	require.NoError(t, err)
	cp, err := tree.Consistency(m, 377, 1000)
	require.NoError(t, err)
	root := m.Root()
	r1, err := tree.Root(m, 377)
	require.NoError(t, err)
	leaf, err := m.Node(0, 377)
	require.NoError(t, err)
	if n := testing.AllocsPerRun(100, func() {
		if ledger.VerifyInclusion(377, 1000, leaf, ip, root) != nil {
			panic("inclusion")
		}
	}); n != 0 {
		t.Errorf("VerifyInclusion allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		if ledger.VerifyConsistency(377, 1000, cp, r1, root) != nil {
			panic("consistency")
		}
	}); n != 0 {
		t.Errorf("VerifyConsistency allocates %v times, want 0", n)
	}
}

func toBytes(hs []ledger.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// The ledger's proofs and verifier agree with transparency-dev/merkle's.
func TestAgainstTransparencyDev(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	m := buildTree(3000)
	h := rfc6962.DefaultHasher
	for k := 0; k < 300; k++ {
		size := 1 + rng.Uint64N(3000)
		idx := rng.Uint64N(size)
		ip, err := tree.Inclusion(m, idx, size)
		require.NoError(t, err)
		root, err := tree.Root(m, size)
		require.NoError(t, err)
		leaf, err := m.Node(0, idx)
		require.NoError(t, err)
		require.NoError(t, proof.VerifyInclusion(h, idx, size, leaf[:], toBytes(ip), root[:]))
		require.NoError(t, ledger.VerifyInclusion(idx, size, leaf, ip, root))
		n, err := ledger.InclusionProofLen(idx, size)
		require.NoError(t, err)
		require.Equal(t, len(ip), n)

		from := rng.Uint64N(size + 1)
		cp, err := tree.Consistency(m, from, size)
		require.NoError(t, err)
		r1, err := tree.Root(m, from)
		require.NoError(t, err)
		require.NoError(t, proof.VerifyConsistency(h, from, size, toBytes(cp), r1[:], root[:]), "from %d to %d", from, size)
		require.NoError(t, ledger.VerifyConsistency(from, size, cp, r1, root))
		n, err = ledger.ConsistencyProofLen(from, size)
		require.NoError(t, err)
		require.Equal(t, len(cp), n)
	}
}

// Exhaustively, for small trees, every proof matches the recursive
// reference and the reference's proofs verify.
func TestProofsExhaustive(t *testing.T) {
	const max = 70
	m := buildTree(max)
	leaves := make([]ledger.Hash, max)
	for i := range leaves {
		leaves[i], _ = m.Node(0, uint64(i))
	}
	for size := uint64(1); size <= max; size++ {
		root := ledgertest.RefRoot(leaves[:size])
		got, err := tree.Root(m, size)
		require.NoError(t, err)
		require.Equal(t, root, got, "root at %d", size)
		for i := uint64(0); i < size; i++ {
			ref := ledgertest.RefInclusion(int(i), leaves[:size])
			ip, err := tree.Inclusion(m, i, size)
			require.NoError(t, err)
			if len(ref) == 0 {
				require.Empty(t, ip)
			} else {
				require.Equal(t, ref, ip, "inclusion %d in %d", i, size)
			}
			require.NoError(t, ledger.VerifyInclusion(i, size, leaves[i], ref, root))
		}
		for from := uint64(0); from <= size; from++ {
			ref := ledgertest.RefConsistency(int(from), leaves[:size])
			cp, err := tree.Consistency(m, from, size)
			require.NoError(t, err)
			if len(ref) == 0 {
				require.Empty(t, cp)
			} else {
				require.Equal(t, ref, cp, "consistency %d to %d", from, size)
			}
			require.NoError(t, ledger.VerifyConsistency(from, size, ref, ledgertest.RefRoot(leaves[:from]), root))
		}
	}
}

func TestVerifyBadInput(t *testing.T) {
	var h ledger.Hash
	cases := []struct {
		name string
		err  error
		f    func() error
	}{
		{"index == size", ledger.ErrIndexRange, func() error { return ledger.VerifyInclusion(4, 4, h, nil, h) }},
		{"size 0", ledger.ErrIndexRange, func() error { return ledger.VerifyInclusion(0, 0, h, nil, h) }},
		{"max size", ledger.ErrProofSize, func() error { return ledger.VerifyInclusion(0, 1<<64-1, h, nil, h) }},
		{"too long", ledger.ErrProofSize, func() error { return ledger.VerifyInclusion(0, 1, h, make([]ledger.Hash, 1), h) }},
		{"huge proof", ledger.ErrProofSize, func() error { return ledger.VerifyInclusion(5, 9, h, make([]ledger.Hash, 1000), h) }},
		{"from > to", ledger.ErrSizeRange, func() error { return ledger.VerifyConsistency(5, 4, nil, h, h) }},
		{"equal sizes, roots differ", ledger.ErrRootMismatch, func() error { return ledger.VerifyConsistency(4, 4, nil, h, ledger.EmptyRoot) }},
		{"equal sizes, proof", ledger.ErrProofSize, func() error { return ledger.VerifyConsistency(4, 4, make([]ledger.Hash, 1), h, h) }},
		{"from 0, proof", ledger.ErrProofSize, func() error { return ledger.VerifyConsistency(0, 4, make([]ledger.Hash, 1), h, h) }},
		{"empty proof", ledger.ErrProofSize, func() error { return ledger.VerifyConsistency(3, 4, nil, h, h) }},
	}
	for _, tc := range cases {
		err := tc.f()
		assert.ErrorIs(t, err, tc.err, tc.name)
	}
	var rm *ledger.RootMismatchError
	err := ledger.VerifyConsistency(4, 4, nil, h, ledger.EmptyRoot)
	require.True(t, errors.As(err, &rm))
	assert.Equal(t, ledger.EmptyRoot, rm.Want)
	_, err = ledger.ParseHash("zz")
	assert.ErrorIs(t, err, ledger.ErrHashSize)
	_, err = ledger.ParseHash(string(make([]byte, 64)))
	assert.ErrorIs(t, err, ledger.ErrHashSize)
	got, err := ledger.ParseHash(ledger.EmptyRoot.String())
	require.NoError(t, err)
	assert.Equal(t, ledger.EmptyRoot, got)
	assert.Equal(t, ledger.Hash(sha256.Sum256(nil)), ledger.EmptyRoot)
}
