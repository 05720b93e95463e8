// Package ledgertest is the conformance suite for ledger.Ledger backends.
//
//	func TestConformance(t *testing.T) {
//		ledgertest.Run(t, func(t *testing.T, origin string, s note.Signer) ledger.Ledger {
//			l, err := mybackend.New(origin, s)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return l
//		})
//	}
//
// Run checks the published RFC 6962 vectors (testdata/, embedded),
// exhaustive proofs for trees up to 40 leaves, random trees up to 10,000
// leaves against the recursive definitions of RFC 9162 §2.1 (RefRoot,
// RefInclusion, RefConsistency), rejection of tampered proofs, roots and
// leaves, truncated and oversized proofs, out-of-range indices and sizes,
// signed checkpoints through ledger.Verifier, the block history,
// concurrent appends and Close.
//
// The reference functions are exported for tests of other packages; they
// are slow by design.
package ledgertest
