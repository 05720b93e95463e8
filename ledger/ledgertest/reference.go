package ledgertest

import (
	"math/bits"

	"github.com/phdkit/phdkit/ledger"
)

// The reference functions below are the recursive definitions of RFC 9162
// §2.1, written for clarity, not speed. leaves are leaf hashes.

// split returns the largest power of two smaller than n (n >= 2).
func split(n int) int {
	return 1 << (bits.Len(uint(n-1)) - 1)
}

// RefRoot is MTH(D[n]) over leaf hashes.
func RefRoot(leaves []ledger.Hash) ledger.Hash {
	switch len(leaves) {
	case 0:
		return ledger.EmptyRoot
	case 1:
		return leaves[0]
	}
	k := split(len(leaves))
	return ledger.NodeHash(RefRoot(leaves[:k]), RefRoot(leaves[k:]))
}

// RefInclusion is PATH(m, D[n]).
func RefInclusion(m int, leaves []ledger.Hash) []ledger.Hash {
	n := len(leaves)
	if n <= 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(RefInclusion(m, leaves[:k]), RefRoot(leaves[k:]))
	}
	return append(RefInclusion(m-k, leaves[k:]), RefRoot(leaves[:k]))
}

// RefConsistency is PROOF(m, D[n]) for 0 < m <= n, and empty for m == 0.
func RefConsistency(m int, leaves []ledger.Hash) []ledger.Hash {
	if m == 0 {
		return nil
	}
	return subproof(m, leaves, true)
}

func subproof(m int, leaves []ledger.Hash, b bool) []ledger.Hash {
	n := len(leaves)
	if m == n {
		if b {
			return nil
		}
		return []ledger.Hash{RefRoot(leaves)}
	}
	k := split(n)
	if m <= k {
		return append(subproof(m, leaves[:k], b), RefRoot(leaves[k:]))
	}
	return append(subproof(m-k, leaves[k:], false), RefRoot(leaves[:k]))
}
