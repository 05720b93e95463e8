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

// Two of three witnesses cosign a checkpoint in the cosignature/v1 format;
// a client that requires two accepts it and learns when each signed.
func ExampleCosign() {
	ctx := context.Background()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "hospital.example/records")
	signer, _ := note.NewSigner(skey)
	logKey, _ := note.NewVerifier(vkey)
	l, _ := memory.New(memory.Config{Origin: "hospital.example/records", Signer: signer})
	defer l.Close()
	l.Append(ctx, sha256.Sum256([]byte("record 1")))
	cp, _ := l.Checkpoint(ctx)

	signedAt := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var keys []*ledger.WitnessKey
	msg := cp.Note
	for i, name := range []string{"w1.example/witness", "w2.example/witness", "w3.example/witness"} {
		wskey, wvkey, _ := ledger.GenerateWitnessKey(rand.Reader, name)
		k, _ := ledger.NewWitnessKey(wvkey)
		keys = append(keys, k)
		if i == 2 {
			continue // the third witness is offline
		}
		at := signedAt.Add(time.Duration(i) * time.Minute)
		w, _ := ledger.NewWitnessSigner(wskey, func() time.Time { return at })
		msg, _ = ledger.Cosign(msg, logKey, w)
	}

	client, _ := ledger.NewVerifier(ledger.VerifierConfig{Origin: "hospital.example/records", LogKey: logKey,
		Witnesses: keys, WitnessQuorum: 2, Now: func() time.Time { return signedAt.Add(time.Hour) }})
	c, err := client.Update(msg, ledger.ConsistencyProof{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, cs := range c.Cosignatures {
		fmt.Println(cs.Name, cs.Time().Format(time.RFC3339))
	}
	// Output:
	// w1.example/witness 2026-03-01T12:00:00Z
	// w2.example/witness 2026-03-01T12:01:00Z
}
