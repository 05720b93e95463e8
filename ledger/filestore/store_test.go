package filestore_test

import (
	"context"
	"testing"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/filestore"
	"github.com/phdkit/phdkit/ledger/ledgertest"
	"golang.org/x/mod/sumdb/note"
)

func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T, origin string, s note.Signer) ledger.Ledger {
		st, err := filestore.Open(t.TempDir(), filestore.Config{Origin: origin, Signer: s})
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestAppendAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	st, err := filestore.Open(t.TempDir(), filestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var e ledger.Hash
	idx := make([]uint64, 4)
	batch := make([]ledger.Hash, 4)
	if n := testing.AllocsPerRun(50, func() {
		e[0]++
		if _, err := st.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := st.AppendBatch(ctx, batch, idx); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Append+AppendBatch allocate %v times, want 0", n)
	}
}
