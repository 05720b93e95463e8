package filestore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/filestore"
)

// FuzzOpen feeds arbitrary file contents to the store's reader. Open must
// either fail with an error or yield a store whose every proof verifies.
func FuzzOpen(f *testing.F) {
	s := testSigner(f)
	dir := f.TempDir()
	st, err := filestore.Open(dir, filestore.Config{Signer: s})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 12; i++ {
		st.Append(ctx, ledger.Hash{byte(i)})
		if i == 6 || i == 9 {
			st.Checkpoint(ctx)
		}
	}
	st.Close()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	ent, nodes, blocks := read(filestore.EntriesFile), read(filestore.NodesFile), read(filestore.BlocksFile)
	f.Add(ent, nodes, blocks)
	f.Add(ent[:len(ent)-3], nodes, blocks)
	f.Add(ent, nodes[:len(nodes)-40], blocks[:len(blocks)-5])
	f.Add(ent[:16], nodes[:16], blocks[:16])
	f.Fuzz(func(t *testing.T, ent, nodes, blocks []byte) {
		dir := t.TempDir()
		for name, b := range map[string][]byte{filestore.EntriesFile: ent, filestore.NodesFile: nodes, filestore.BlocksFile: blocks} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, fast := range []bool{false, true} {
			st, err := filestore.Open(dir, filestore.Config{Signer: s, FastOpen: fast})
			if err != nil {
				return
			}
			c, err := st.Checkpoint(ctx)
			if err != nil {
				t.Fatalf("Checkpoint after a successful open: %v", err)
			}
			for i := uint64(0); i < c.Size; i++ {
				e, err := st.Entry(ctx, i)
				if err != nil {
					t.Fatalf("Entry(%d): %v", i, err)
				}
				p, err := st.InclusionProof(ctx, i, c.Size)
				if err != nil {
					t.Fatalf("InclusionProof(%d): %v", i, err)
				}
				if err := p.Verify(e, c.Root); err != nil {
					t.Fatalf("inclusion of %d: %v", i, err)
				}
			}
			bs, err := st.Blocks(ctx, 0, 100, nil)
			if err != nil {
				t.Fatalf("Blocks: %v", err)
			}
			for _, b := range bs {
				p, err := st.ConsistencyProof(ctx, b.Size, c.Size)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Verify(b.Root, c.Root); err != nil {
					t.Fatalf("block %d: %v", b.Height, err)
				}
			}
			st.Close()
		}
	})
}
