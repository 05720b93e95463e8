package ledger_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/memory"
	"golang.org/x/mod/sumdb/note"
)

// A server records the digest of a health record, and a client that saw
// an earlier checkpoint checks both that the record is in the ledger and
// that the ledger only grew.
func Example() {
	ctx := context.Background()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "hospital.example/records")
	signer, _ := note.NewSigner(skey)
	logKey, _ := note.NewVerifier(vkey)
	l, _ := memory.New(memory.Config{Origin: "hospital.example/records", Signer: signer})
	defer l.Close()

	// The client trusts the first checkpoint it sees.
	client, _ := ledger.NewVerifier(ledger.VerifierConfig{Origin: "hospital.example/records", LogKey: logKey})
	first, _ := l.Checkpoint(ctx)
	client.Update(first.Note, ledger.ConsistencyProof{})

	// The server appends the digest of an envelope; the record and its
	// salt stay in the server's own store.
	salt, _ := ledger.NewSalt(rand.Reader)
	env := ledger.Envelope{
		Version:     ledger.EnvelopeVersion,
		RecordID:    "bp/000017",
		ContentHash: sha256.Sum256([]byte(`{"systolic":121,"diastolic":79}`)),
		Salt:        salt,
		Submitter:   "gateway-7",
		Time:        time.Date(2026, 11, 22, 2, 33, 0, 0, time.UTC),
	}
	entry, _ := env.Digest()
	index, _ := l.Append(ctx, entry)

	// The client verifies the new checkpoint against the old one ...
	cp, _ := l.Checkpoint(ctx)
	cons, _ := l.ConsistencyProof(ctx, first.Size, cp.Size)
	if _, err := client.Update(cp.Note, cons); err != nil {
		fmt.Println("checkpoint rejected:", err)
		return
	}
	// ... and the record's inclusion at that checkpoint's size.
	incl, _ := l.InclusionProof(ctx, index, cp.Size)
	fmt.Println("included:", incl.Verify(entry, cp.Root) == nil)
	// Output: included: true
}
