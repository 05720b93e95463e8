package ledgertest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/ledgertest"
	"github.com/phdkit/phdkit/ledger/memory"
	"golang.org/x/mod/sumdb/note"
)

// broken wraps a correct backend and damages one kind of answer.
type broken struct {
	*memory.Ledger
	fault string
}

func (b *broken) InclusionProof(ctx context.Context, index, size uint64) (ledger.InclusionProof, error) {
	p, err := b.Ledger.InclusionProof(ctx, index, size)
	if b.fault == "inclusion" && len(p.Hashes) > 1 {
		p.Hashes[len(p.Hashes)-1][3] ^= 1
	}
	return p, err
}

func (b *broken) ConsistencyProof(ctx context.Context, from, to uint64) (ledger.ConsistencyProof, error) {
	p, err := b.Ledger.ConsistencyProof(ctx, from, to)
	if b.fault == "consistency" && len(p.Hashes) > 0 {
		p.Hashes = p.Hashes[1:]
	}
	return p, err
}

func (b *broken) Entry(ctx context.Context, index uint64) (ledger.Hash, error) {
	e, err := b.Ledger.Entry(ctx, index)
	if b.fault == "entry" && index == 7 {
		e[0] ^= 1
	}
	return e, err
}

const faultEnv = "PHDKIT_LEDGERTEST_FAULT"

// TestSuiteCatchesFaults runs the suite, in a child process, against
// backends that each get one kind of answer wrong, and expects it to fail.
func TestSuiteCatchesFaults(t *testing.T) {
	if fault := os.Getenv(faultEnv); fault != "" {
		ledgertest.Run(t, func(t *testing.T, origin string, s note.Signer) ledger.Ledger {
			l, err := memory.New(memory.Config{Origin: origin, Signer: s})
			if err != nil {
				t.Fatal(err)
			}
			return &broken{Ledger: l, fault: fault}
		})
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, fault := range []string{"inclusion", "consistency", "entry"} {
		t.Run(fault, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteCatchesFaults$")
			cmd.Env = append(os.Environ(), faultEnv+"="+fault)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a backend with a broken %s", fault)
			}
			if !strings.Contains(string(out), "--- FAIL") {
				t.Fatalf("child failed without a test failure: %v\n%s", err, out)
			}
		})
	}
}
