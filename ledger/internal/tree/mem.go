package tree

import (
	"fmt"

	"github.com/phdkit/phdkit/ledger"
)

const (
	chunkBits = 12
	chunkLen  = 1 << chunkBits
	// minStored is the lowest level Mem stores. A node below it covers at
	// most 2^(minStored-1) entries and is recomputed when a proof needs it
	// (at most 2^minStored - 1 hashes), which cuts node memory and stores
	// to an eighth.
	minStored = 3
)

type chunk [chunkLen]ledger.Hash

// Mem stores the entries and the perfect-subtree nodes from level
// minStored up in memory, in fixed chunks per level so that growth never
// copies. Lower nodes are recomputed from the entries. It is not safe for concurrent
// mutation; readers of sizes below a size published after Append returned
// may run concurrently with Append only when the caller orders them (the
// backends hold a lock).
type Mem struct {
	levels  [][]*chunk
	entries []*chunk
	front   Frontier
}

// Size returns the number of leaves.
func (m *Mem) Size() uint64 { return m.front.size }

// Append adds one entry (the leaf input) and stores its leaf hash and every
// node it completes.
func (m *Mem) Append(entry ledger.Hash) {
	idx := m.front.size
	m.entries = put(m.entries, idx, entry)
	h := ledger.EntryLeafHash(entry)
	l := uint(0)
	for idx&1 == 1 {
		h = ledger.NodeHash(m.front.left[l], h)
		idx >>= 1
		l++
		if l >= minStored {
			m.store(l, idx, h)
		}
	}
	m.front.left[l] = h
	m.front.size++
}

// store keeps node (l, idx), l >= minStored, in m.levels[l-minStored].
func (m *Mem) store(l uint, idx uint64, h ledger.Hash) {
	if int(l-minStored) == len(m.levels) {
		m.levels = append(m.levels, nil)
	}
	m.levels[l-minStored] = put(m.levels[l-minStored], idx, h)
}

func put(cs []*chunk, idx uint64, h ledger.Hash) []*chunk {
	c := idx >> chunkBits
	if c == uint64(len(cs)) {
		cs = append(cs, new(chunk))
	}
	cs[c][idx&(chunkLen-1)] = h
	return cs
}

// Root returns the root of the whole tree.
func (m *Mem) Root() ledger.Hash { return m.front.Root() }

// Entry returns entry index; the caller checks the bound.
func (m *Mem) Entry(index uint64) ledger.Hash {
	return m.entries[index>>chunkBits][index&(chunkLen-1)]
}

// Node implements Source.
func (m *Mem) Node(level uint, index uint64) (ledger.Hash, error) {
	if level >= 64 || index >= m.front.size>>level {
		return ledger.Hash{}, fmt.Errorf("%w: node (%d, %d) not stored at size %d",
			ledger.ErrSizeRange, level, index, m.front.size)
	}
	if level < minStored {
		return m.compute(level, index), nil
	}
	return m.levels[level-minStored][index>>chunkBits][index&(chunkLen-1)], nil
}

// compute rebuilds a node below minStored from its entries.
func (m *Mem) compute(level uint, index uint64) ledger.Hash {
	if level == 0 {
		return ledger.EntryLeafHash(m.Entry(index))
	}
	return ledger.NodeHash(m.compute(level-1, 2*index), m.compute(level-1, 2*index+1))
}
