package ledger

import (
	"fmt"
	"math/bits"
)

// MaxProofLen is the longest proof any tree of up to 2^64-1 leaves needs.
const MaxProofLen = 64

// InclusionProofLen returns the number of hashes in the inclusion proof of
// leaf index in the tree of the given size.
// Requires 0 <= index < size.
func InclusionProofLen(index, size uint64) (int, error) {
	if index >= size {
		return 0, fmt.Errorf("%w: index %d, tree size %d", ErrIndexRange, index, size)
	}
	inner := bits.Len64(index ^ (size - 1))
	return inner + bits.OnesCount64(index>>inner), nil
}

// ConsistencyProofLen returns the number of hashes in the consistency proof
// between trees of sizes from and to. Requires from <= to.
func ConsistencyProofLen(from, to uint64) (int, error) {
	if from > to {
		return 0, fmt.Errorf("%w: from size %d > to size %d", ErrSizeRange, from, to)
	}
	if from == to || from == 0 {
		return 0, nil
	}
	inner := bits.Len64((from - 1) ^ (to - 1))
	border := bits.OnesCount64((from - 1) >> inner)
	shift := bits.TrailingZeros64(from)
	n := inner - shift + border
	if from != 1<<shift {
		n++ // the root of the largest perfect subtree ending at from
	}
	return n, nil
}

// RootFromInclusionProof returns the root that leafHash at index and the
// proof imply for a tree of the given size (RFC 9162 §2.1.3.2).
// Requires 0 <= index < size and len(proof) == InclusionProofLen(index, size).
// It does not allocate.
func RootFromInclusionProof(index, size uint64, leafHash Hash, proof []Hash) (Hash, error) {
	want, err := InclusionProofLen(index, size)
	if err != nil {
		return Hash{}, err
	}
	if len(proof) != want {
		return Hash{}, fmt.Errorf("%w: inclusion proof for index %d in size %d has %d hashes, want %d",
			ErrProofSize, index, size, len(proof), want)
	}
	fn, sn := index, size-1
	r := leafHash
	for _, p := range proof {
		if fn&1 == 1 || fn == sn {
			r = NodeHash(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = NodeHash(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		// Unreachable when the length matched; kept as a guard.
		return Hash{}, fmt.Errorf("%w: inclusion proof ends below the root", ErrProofSize)
	}
	return r, nil
}

// VerifyInclusion checks that leafHash is the leaf at index in the tree of
// the given size whose root is root. It needs no storage and does not
// allocate on success.
func VerifyInclusion(index, size uint64, leafHash Hash, proof []Hash, root Hash) error {
	got, err := RootFromInclusionProof(index, size, leafHash, proof)
	if err != nil {
		return err
	}
	if got != root {
		return &RootMismatchError{Want: root, Got: got}
	}
	return nil
}

// VerifyConsistency checks that the tree of size from with root root1 is a
// prefix of the tree of size to with root root2 (RFC 9162 §2.1.4.2).
// Requires from <= to. A tree of size 0 is a prefix of every tree; two
// trees of equal size are consistent only when their roots are equal.
// It needs no storage and does not allocate on success.
func VerifyConsistency(from, to uint64, proof []Hash, root1, root2 Hash) error {
	want, err := ConsistencyProofLen(from, to)
	if err != nil {
		return err
	}
	if len(proof) != want {
		return fmt.Errorf("%w: consistency proof from %d to %d has %d hashes, want %d",
			ErrProofSize, from, to, len(proof), want)
	}
	switch {
	case from == to:
		if root1 != root2 {
			return &RootMismatchError{Want: root2, Got: root1}
		}
		return nil
	case from == 0:
		return nil
	}
	// When from is a power of two the proof omits its first hash, which is
	// root1 itself.
	var seed Hash
	if from&(from-1) == 0 {
		seed = root1
	} else {
		seed, proof = proof[0], proof[1:]
	}
	fn, sn := from-1, to-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := seed, seed
	for _, c := range proof {
		if sn == 0 {
			return fmt.Errorf("%w: consistency proof runs past the root", ErrProofSize)
		}
		if fn&1 == 1 || fn == sn {
			fr = NodeHash(c, fr)
			sr = NodeHash(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			sr = NodeHash(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 {
		return fmt.Errorf("%w: consistency proof ends below the root", ErrProofSize)
	}
	if fr != root1 {
		return &RootMismatchError{Want: root1, Got: fr}
	}
	if sr != root2 {
		return &RootMismatchError{Want: root2, Got: sr}
	}
	return nil
}
