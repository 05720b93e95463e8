package tree

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/phdkit/phdkit/omadm"
)

// tree100k builds a tree of 100,000 nodes: ./PHD/d0..d999, each with 99 leaves m0..m98.
func tree100k(b *testing.B, tr *Tree) []string {
	b.Helper()
	var leaves []string
	for d := 0; d < 1000; d++ {
		dev := "./PHD/d" + strconv.Itoa(d)
		for m := 0; m < 99; m++ {
			uri := dev + "/m" + strconv.Itoa(m)
			if err := tr.Add(omadm.Local, uri, omadm.Value{Format: omadm.FormatInt, Data: []byte("120")}); err != nil {
				b.Fatal(err)
			}
			leaves = append(leaves, uri)
		}
	}
	if n := tr.Len(); n != 100_000+2 {
		b.Fatalf("tree has %d nodes", n)
	}
	return leaves
}

func BenchmarkTreeGet100k(b *testing.B) {
	tr := New(Config{})
	leaves := tree100k(b, tr)
	dst := make([]omadm.Result, 0, 1)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		res, err := tr.Get(srv, leaves[i%len(leaves)], dst[:0])
		if err != nil || len(res[0].Data) != 3 {
			b.Fatal(err)
		}
		i += 7919 // a prime stride, to touch the whole index
	}
}

func BenchmarkTreeReplace100k(b *testing.B) {
	tr := New(Config{})
	leaves := tree100k(b, tr)
	v := omadm.Value{Data: []byte("130")}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := tr.Replace(omadm.Local, leaves[i%len(leaves)], v); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

// replace10k runs 10,000 Replace operations on a stored tree of 1,000 leaves and, in
// delayed mode, the write-back that stores them.
func replace10k(b *testing.B, writeThrough bool) {
	tr, err := Open(b.TempDir(), Config{WriteThrough: writeThrough, FlushInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	uris := make([]string, 1000)
	for i := range uris {
		uris[i] = fmt.Sprintf("./PHD/d%d/m%d", i/10, i%10)
		if err := tr.Add(omadm.Local, uris[i], omadm.Value{Format: omadm.FormatInt, Data: []byte("0")}); err != nil {
			b.Fatal(err)
		}
	}
	if err := tr.Flush(); err != nil {
		b.Fatal(err)
	}
	v := omadm.Value{Format: omadm.FormatInt}
	b.ReportAllocs()
	for b.Loop() {
		for i := range 10_000 {
			v.Data = strconv.AppendInt(v.Data[:0], int64(i), 10)
			if err := tr.Replace(omadm.Local, uris[i%len(uris)], v); err != nil {
				b.Fatal(err)
			}
		}
		if err := tr.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDelayedWrite(b *testing.B) { replace10k(b, false) }
func BenchmarkWriteThrough(b *testing.B) { replace10k(b, true) }
