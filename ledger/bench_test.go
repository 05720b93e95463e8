package ledger_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/memory"
)

const benchLeaves = 1_000_000

func benchEntries(n int) []ledger.Hash {
	es := make([]ledger.Hash, n)
	for i := range es {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		es[i] = sha256.Sum256(b[:])
	}
	return es
}

// BenchmarkAppendRoot1M appends 1,000,000 32-byte entries to the in-memory
// ledger (leaf hash, every interior node stored) and computes the root.
func BenchmarkAppendRoot1M(b *testing.B) {
	es := benchEntries(benchLeaves)
	idx := make([]uint64, 4096)
	ctx := context.Background()
	b.ReportAllocs()
	cpu0, n := cpuTime(), 0
	for b.Loop() {
		n++
		l, err := memory.New(memory.Config{Signer: benchSigner})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(es); i += len(idx) {
			chunk := es[i:min(i+len(idx), len(es))]
			if err := l.AppendBatch(ctx, chunk, idx[:len(chunk)]); err != nil {
				b.Fatal(err)
			}
		}
		size, root := l.Root()
		if size != benchLeaves || root == (ledger.Hash{}) {
			b.Fatal("bad root")
		}
		l.Close()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(n), "cpu-ms/op")
}

// BenchmarkSHA256Baseline1M is the bare SHA-256 cost of the hashes
// BenchmarkAppendRoot1M needs: 1,000,000 leaf hashes over 33 bytes and
// 999,999 interior hashes over 65 bytes, with nothing stored.
func BenchmarkSHA256Baseline1M(b *testing.B) {
	es := benchEntries(benchLeaves)
	b.ReportAllocs()
	var sink [32]byte
	cpu0, n := cpuTime(), 0
	for b.Loop() {
		n++
		var leaf [33]byte
		var node [65]byte
		for i := range es {
			copy(leaf[1:], es[i][:])
			sink = sha256.Sum256(leaf[:])
		}
		for i := 1; i < benchLeaves; i++ {
			node[1], node[2] = byte(i), byte(i>>8)
			sink = sha256.Sum256(node[:])
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(n), "cpu-ms/op")
	_ = sink
}

var (
	benchSigner, _ = signerFor("bench.phdkit/ledger")
	benchMem       *memory.Ledger
)

func bigMemLedger(b *testing.B) *memory.Ledger {
	if benchMem != nil {
		return benchMem
	}
	l, err := memory.New(memory.Config{Signer: benchSigner})
	if err != nil {
		b.Fatal(err)
	}
	es := benchEntries(benchLeaves)
	if err := l.AppendBatch(context.Background(), es, make([]uint64, len(es))); err != nil {
		b.Fatal(err)
	}
	benchMem = l
	return l
}

// BenchmarkInclusionProof generates and verifies inclusion proofs in a
// tree of 1,000,000 leaves.
func BenchmarkInclusionProof(b *testing.B) {
	l := bigMemLedger(b)
	ctx := context.Background()
	c, err := l.Checkpoint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var i uint64
	p, _ := l.InclusionProof(ctx, 0, c.Size)
	e, _ := l.Entry(ctx, 0)
	b.Run("GenerateVerify", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			i = (i + 7919) % c.Size
			p, err := l.InclusionProof(ctx, i, c.Size)
			if err != nil {
				b.Fatal(err)
			}
			e, _ := l.Entry(ctx, i)
			if err := p.Verify(e, c.Root); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if err := p.Verify(e, c.Root); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkConsistencyProof generates and verifies consistency proofs
// between trees of up to 1,000,000 leaves.
func BenchmarkConsistencyProof(b *testing.B) {
	l := bigMemLedger(b)
	ctx := context.Background()
	c, err := l.Checkpoint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	const from = 654_321
	p, err := l.ConsistencyProof(ctx, from, c.Size)
	if err != nil {
		b.Fatal(err)
	}
	r1, err := l.InclusionProof(ctx, 0, from) // only to touch the tree
	_ = r1
	if err != nil {
		b.Fatal(err)
	}
	root1 := rootAt(b, l, from)
	var n uint64 = 1
	b.Run("GenerateVerify", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			p, err := l.ConsistencyProof(ctx, from, c.Size)
			if err != nil {
				b.Fatal(err)
			}
			if err := p.Verify(root1, c.Root); err != nil {
				b.Fatal(err)
			}
			n++
		}
	})
	b.Run("Verify", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if err := p.Verify(root1, c.Root); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// rootAt computes the root of the first size leaves from a proof of the
// last of them, through the public API.
func rootAt(b *testing.B, l *memory.Ledger, size uint64) ledger.Hash {
	ctx := context.Background()
	p, err := l.InclusionProof(ctx, size-1, size)
	if err != nil {
		b.Fatal(err)
	}
	e, err := l.Entry(ctx, size-1)
	if err != nil {
		b.Fatal(err)
	}
	r, err := ledger.RootFromInclusionProof(size-1, size, ledger.EntryLeafHash(e), p.Hashes)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// reportCPU reports the process CPU time per iteration since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
