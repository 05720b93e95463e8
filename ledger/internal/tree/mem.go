package tree

import (
	"fmt"

	"github.com/phdkit/phdkit/ledger"
)

const (
	chunkBits = 12
	chunkLen  = 1 << chunkBits
)

type chunk [chunkLen]ledger.Hash

// Mem stores every perfect-subtree node in memory, in fixed chunks per
// level so that growth never copies. It is not safe for concurrent
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
	m.store(0, idx, h)
	l := uint(0)
	for idx&1 == 1 {
		h = ledger.NodeHash(m.front.left[l], h)
		idx >>= 1
		l++
		m.store(l, idx, h)
	}
	m.front.left[l] = h
	m.front.size++
}

func (m *Mem) store(l uint, idx uint64, h ledger.Hash) {
	if int(l) == len(m.levels) {
		m.levels = append(m.levels, nil)
	}
	m.levels[l] = put(m.levels[l], idx, h)
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
	if int(level) >= len(m.levels) || index>>chunkBits >= uint64(len(m.levels[level])) ||
		(index+1)<<level > m.front.size {
		return ledger.Hash{}, fmt.Errorf("%w: node (%d, %d) not stored at size %d",
			ledger.ErrSizeRange, level, index, m.front.size)
	}
	return m.levels[level][index>>chunkBits][index&(chunkLen-1)], nil
}
