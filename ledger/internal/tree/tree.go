// Package tree holds the Merkle machinery shared by the ledger backends:
// the right frontier of an append-only tree, in-memory node storage, and
// proof generation from any store of perfect-subtree nodes.
//
// A node is named (level, index): level 0 holds leaf hashes, and node
// (l, i) covers leaves [i·2^l, (i+1)·2^l). Only nodes of perfect subtrees
// are stored; the ephemeral nodes of a tree whose size is not a power of
// two are recomputed when a proof needs them.
package tree

import (
	"fmt"
	"math/bits"

	"github.com/phdkit/phdkit/ledger"
	"github.com/transparency-dev/merkle/proof"
)

// Source reads stored perfect-subtree nodes. Node is only called for
// nodes of trees the caller has checked exist.
type Source interface {
	Node(level uint, index uint64) (ledger.Hash, error)
}

// MaxNew is the most nodes one leaf append creates: the leaf and 64 parents.
const MaxNew = 65

// Frontier is the right edge of an append-only tree: for each level, the
// last complete node that is still waiting for its right sibling.
// The zero value is the empty tree. It does not allocate.
type Frontier struct {
	size uint64
	left [64]ledger.Hash
}

// Size returns the number of leaves appended.
func (f *Frontier) Size() uint64 { return f.size }

// Append adds a leaf hash and writes the nodes it completes to out in
// post-order (the leaf, then each new parent from the bottom up). It
// returns how many it wrote.
func (f *Frontier) Append(leafHash ledger.Hash, out *[MaxNew]ledger.Hash) int {
	idx := f.size
	h := leafHash
	out[0] = h
	n := 1
	l := 0
	for idx&1 == 1 {
		h = ledger.NodeHash(f.left[l], h)
		out[n] = h
		n++
		idx >>= 1
		l++
	}
	f.left[l] = h
	f.size++
	return n
}

// Root returns the root of the tree of f.Size() leaves.
func (f *Frontier) Root() ledger.Hash {
	if f.size == 0 {
		return ledger.EmptyRoot
	}
	var r ledger.Hash
	first := true
	for l := 0; l < 64; l++ {
		if f.size>>l&1 == 0 {
			continue
		}
		if first {
			r, first = f.left[l], false
		} else {
			r = ledger.NodeHash(f.left[l], r)
		}
	}
	return r
}

// Restore sets f to the frontier of the tree of size leaves in src.
func (f *Frontier) Restore(src Source, size uint64) error {
	*f = Frontier{size: size}
	for l := uint(0); l < 64; l++ {
		if size>>l&1 == 0 {
			continue
		}
		h, err := src.Node(l, size>>l-1)
		if err != nil {
			return err
		}
		f.left[l] = h
	}
	return nil
}

// Root returns the root of the tree of size leaves from src.
func Root(src Source, size uint64) (ledger.Hash, error) {
	var f Frontier
	if err := f.Restore(src, size); err != nil {
		return ledger.Hash{}, err
	}
	return f.Root(), nil
}

// Inclusion returns the audit path of leaf index in the tree of size
// leaves. The caller checks that size leaves exist.
func Inclusion(src Source, index, size uint64) ([]ledger.Hash, error) {
	if index >= size {
		return nil, fmt.Errorf("%w: index %d, tree size %d", ledger.ErrIndexRange, index, size)
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ledger.ErrIndexRange, err)
	}
	return fetch(src, nodes)
}

// Consistency returns the consistency path from size from to size to.
// The caller checks that to leaves exist.
func Consistency(src Source, from, to uint64) ([]ledger.Hash, error) {
	if from > to {
		return nil, fmt.Errorf("%w: from size %d > to size %d", ledger.ErrSizeRange, from, to)
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ledger.ErrSizeRange, err)
	}
	return fetch(src, nodes)
}

// fetch reads the nodes a proof names and folds the run of nodes that make
// up the ephemeral node into one hash.
func fetch(src Source, nodes proof.Nodes) ([]ledger.Hash, error) {
	hs := make([]ledger.Hash, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, err := src.Node(id.Level, id.Index)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	_, begin, end := nodes.Ephem()
	if end-begin < 2 {
		return hs, nil
	}
	// hs[begin:end] runs right to left; fold it into hs[begin].
	h := hs[begin]
	for i := begin + 1; i < end; i++ {
		h = ledger.NodeHash(hs[i], h)
	}
	hs[begin] = h
	return append(hs[:begin+1], hs[end:]...), nil
}

// PostOrder returns the position of node (level, index) in the post-order
// layout, where each leaf is followed by the parents it completes.
func PostOrder(level uint, index uint64) uint64 {
	last := (index+1)<<level - 1
	return 2*last - uint64(bits.OnesCount64(last)) + uint64(level)
}

// NodesFor returns how many nodes the post-order layout holds for a tree of
// size leaves.
func NodesFor(size uint64) uint64 {
	return 2*size - uint64(bits.OnesCount64(size))
}

// LeavesFor returns the largest tree size whose nodes fit in n post-order
// slots.
func LeavesFor(n uint64) uint64 {
	s := n/2 + 1
	for s > 0 && NodesFor(s) > n {
		s--
	}
	return s
}
