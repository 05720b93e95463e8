package filestore_test

import (
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
