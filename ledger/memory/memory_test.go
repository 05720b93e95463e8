package memory_test

import (
	"testing"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/ledgertest"
	"github.com/phdkit/phdkit/ledger/memory"
	"golang.org/x/mod/sumdb/note"
)

func TestConformance(t *testing.T) {
	ledgertest.Run(t, func(t *testing.T, origin string, s note.Signer) ledger.Ledger {
		l, err := memory.New(memory.Config{Origin: origin, Signer: s})
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
}
