package ledger_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/internal/tree"
	"github.com/phdkit/phdkit/ledger/ledgertest"
	"golang.org/x/mod/sumdb/note"
)

const fuzzTreeSize = 1000

var fuzzTree = buildTree(fuzzTreeSize)

func sameHashes(a, b []ledger.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func seedVectors(f *testing.F, add func(p []byte)) {
	v, err := ledgertest.Published()
	if err != nil {
		f.Fatal(err)
	}
	for _, in := range v.Inclusion {
		b, _ := (&ledger.InclusionProof{Index: in.Index, Size: in.Size, Hashes: in.Proof}).MarshalBinary()
		add(b)
	}
	for _, c := range v.Consistent {
		b, _ := (&ledger.ConsistencyProof{From: c.From, To: c.To, Hashes: c.Proof}).MarshalBinary()
		add(b)
	}
	ips, cps := sampleProofs(f)
	for _, p := range ips {
		b, _ := p.MarshalBinary()
		add(b)
	}
	for _, p := range cps {
		b, _ := p.MarshalBinary()
		add(b)
	}
}

// FuzzInclusionProof decodes, re-encodes and verifies inclusion proofs. A
// proof the verifier accepts for the fuzz tree must be the true proof.
func FuzzInclusionProof(f *testing.F) {
	seedVectors(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		var p ledger.InclusionProof
		n, err := p.Unmarshal(data)
		if err != nil {
			return
		}
		out, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(out, data[:n]) {
			t.Fatalf("re-encoding differs: %v", err)
		}
		var q ledger.InclusionProof
		if m, err := q.Unmarshal(out); err != nil || m != n || q.Index != p.Index || q.Size != p.Size || !sameHashes(p.Hashes, q.Hashes) {
			t.Fatalf("second decoding differs: %v", err)
		}
		if p.Size > fuzzTreeSize {
			ledger.VerifyInclusion(p.Index, p.Size, ledger.Hash{}, p.Hashes, ledger.Hash{})
			return
		}
		root, _ := tree.Root(fuzzTree, p.Size)
		leaf, _ := fuzzTree.Node(0, p.Index)
		if ledger.VerifyInclusion(p.Index, p.Size, leaf, p.Hashes, root) == nil {
			want, _ := tree.Inclusion(fuzzTree, p.Index, p.Size)
			if !sameHashes(want, p.Hashes) {
				t.Fatalf("verifier accepted a forged proof for %d in %d", p.Index, p.Size)
			}
		}
	})
}

// FuzzConsistencyProof is FuzzInclusionProof for consistency proofs.
func FuzzConsistencyProof(f *testing.F) {
	seedVectors(f, func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		var p ledger.ConsistencyProof
		n, err := p.Unmarshal(data)
		if err != nil {
			return
		}
		out, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(out, data[:n]) {
			t.Fatalf("re-encoding differs: %v", err)
		}
		var q ledger.ConsistencyProof
		if m, err := q.Unmarshal(out); err != nil || m != n || q.From != p.From || q.To != p.To || !sameHashes(p.Hashes, q.Hashes) {
			t.Fatalf("second decoding differs: %v", err)
		}
		if p.To > fuzzTreeSize {
			ledger.VerifyConsistency(p.From, p.To, p.Hashes, ledger.Hash{}, ledger.Hash{})
			return
		}
		r1, _ := tree.Root(fuzzTree, p.From)
		r2, _ := tree.Root(fuzzTree, p.To)
		if ledger.VerifyConsistency(p.From, p.To, p.Hashes, r1, r2) == nil {
			want, _ := tree.Consistency(fuzzTree, p.From, p.To)
			if !sameHashes(want, p.Hashes) {
				t.Fatalf("verifier accepted a forged proof from %d to %d", p.From, p.To)
			}
		}
	})
}

// FuzzVerify calls the verifiers with arbitrary sizes and hash lists.
func FuzzVerify(f *testing.F) {
	f.Add(uint64(5), uint64(8), []byte{})
	f.Add(uint64(377), uint64(1000), bytes.Repeat([]byte{1}, 32*10))
	f.Add(uint64(1<<63), uint64(1<<64-1), bytes.Repeat([]byte{2}, 32*64))
	f.Fuzz(func(t *testing.T, a, z uint64, raw []byte) {
		hs := make([]ledger.Hash, len(raw)/32)
		for i := range hs {
			hs[i] = ledger.Hash(raw[i*32:])
		}
		var leaf, root ledger.Hash
		if len(raw) >= 64 {
			leaf, root = ledger.Hash(raw), ledger.Hash(raw[32:])
		}
		ledger.VerifyInclusion(a, z, leaf, hs, root)
		ledger.VerifyConsistency(a, z, hs, leaf, root)
		if z <= fuzzTreeSize && a < z {
			r, _ := tree.Root(fuzzTree, z)
			l, _ := fuzzTree.Node(0, a)
			if ledger.VerifyInclusion(a, z, l, hs, r) == nil {
				if want, _ := tree.Inclusion(fuzzTree, a, z); !sameHashes(want, hs) {
					t.Fatalf("forged inclusion proof accepted")
				}
			}
		}
		if z <= fuzzTreeSize && a <= z {
			r1, _ := tree.Root(fuzzTree, a)
			r2, _ := tree.Root(fuzzTree, z)
			if ledger.VerifyConsistency(a, z, hs, r1, r2) == nil {
				if want, _ := tree.Consistency(fuzzTree, a, z); !sameHashes(want, hs) {
					t.Fatalf("forged consistency proof accepted")
				}
			}
		}
	})
}

// FuzzCheckpoint parses checkpoint bodies and signed notes.
func FuzzCheckpoint(f *testing.F) {
	skey, vkey, _ := note.GenerateKey(rand.Reader, "fuzz.example/log")
	s, _ := note.NewSigner(skey)
	nv, _ := note.NewVerifier(vkey)
	v, _ := ledger.NewVerifier(ledger.VerifierConfig{Origin: "fuzz.example/log", LogKey: nv})
	f.Add([]byte("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"))
	msg, _ := ledger.SignCheckpoint(ledger.Checkpoint{Origin: "fuzz.example/log", Size: 7, Root: ledger.EmptyRoot, Extensions: []string{"ext"}}, s)
	f.Add(msg)
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := v.Open(data); err == nil && c.Origin != "fuzz.example/log" {
			t.Fatalf("opened a note for origin %q", c.Origin)
		}
		c, err := ledger.ParseCheckpoint(data)
		if err != nil {
			return
		}
		out, err := c.MarshalText()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("re-encoding differs: %q vs %q (%v)", out, data, err)
		}
		c2, err := ledger.ParseCheckpoint(out)
		if err != nil || c2.Origin != c.Origin || c2.Size != c.Size || c2.Root != c.Root || len(c2.Extensions) != len(c.Extensions) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}

// FuzzEnvelope round-trips envelope encodings.
func FuzzEnvelope(f *testing.F) {
	e := ledger.Envelope{Version: 1, RecordID: "r1", Salt: make([]byte, 16), Submitter: "s", Time: time.Unix(0, 1).UTC()}
	b, _ := e.MarshalBinary()
	f.Add(b)
	e.Submitter = ""
	e.Salt = make([]byte, 64)
	b, _ = e.MarshalBinary()
	f.Add(binary.BigEndian.AppendUint32(b, 7))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e ledger.Envelope
		n, err := e.Unmarshal(data)
		if err != nil {
			return
		}
		out, err := e.MarshalBinary()
		if err != nil || !bytes.Equal(out, data[:n]) {
			t.Fatalf("re-encoding differs: %v", err)
		}
		var e2 ledger.Envelope
		if m, err := e2.Unmarshal(out); err != nil || m != n || e2.RecordID != e.RecordID || !bytes.Equal(e2.Salt, e.Salt) ||
			e2.Submitter != e.Submitter || !e2.Time.Equal(e.Time) || e2.ContentHash != e.ContentHash {
			t.Fatalf("second decoding differs: %v", err)
		}
	})
}

// FuzzCosignature parses cosignature/v1 signature lines: what parses
// re-encodes to the same line, and verifying it never panics.
func FuzzCosignature(f *testing.F) {
	v := cosigVectors(f)
	key, err := ledger.NewWitnessKey(v["witness_vkey"])
	if err != nil {
		f.Fatal(err)
	}
	body := []byte(v["checkpoint"])
	for _, k := range []string{"peer_line", "our_line", "ext_our_line"} {
		f.Add([]byte(v[k]))
	}
	f.Add([]byte("— w AAAAAAAAAAAA"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ledger.ParseCosignature(data)
		if err != nil {
			var de *ledger.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a DecodeError", err)
			}
			return
		}
		out, err := c.MarshalText()
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("re-encoding differs: %q vs %q (%v)", out, data, err)
		}
		c2, err := ledger.ParseCosignature(out)
		if err != nil || c2 != c {
			t.Fatalf("second parse differs: %v", err)
		}
		if err := key.VerifyCosignature(body, &c); err == nil && !bytes.Equal(data, []byte(v["peer_line"])) &&
			!bytes.Equal(data, []byte(v["our_line"])) {
			// crypto/ed25519 signatures are not malleable, so any other
			// valid line for this body would be a forgery.
			t.Fatalf("accepted a cosignature the witness never made: %q", data)
		}
	})
}
