package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/transparency-dev/merkle"
)

// HashSize is the size in bytes of every hash in the ledger (SHA-256).
const HashSize = sha256.Size

// Domain separation prefixes of RFC 6962 §2.1 (RFC 9162 §2.1.1).
const (
	leafPrefix = 0x00
	nodePrefix = 0x01
)

// maxStackLeaf is the longest leaf hashed through a stack buffer; longer
// leaves go through a streaming digest, which allocates.
const maxStackLeaf = 1024

// Hash is a SHA-256 digest: an entry, a leaf hash, an interior node or a root.
type Hash [HashSize]byte

// String returns the lower-case hex form of h.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Bytes returns a copy of h as a slice.
func (h Hash) Bytes() []byte { return append([]byte(nil), h[:]...) }

// ParseHash decodes a 64-digit hex string.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("%w: hex hash has %d digits, want %d", ErrHashSize, len(s), 2*HashSize)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("%w: %v", ErrHashSize, err)
	}
	return h, nil
}

// EmptyRoot is the root of the tree of size 0: SHA-256 of the empty string.
var EmptyRoot = Hash(sha256.Sum256(nil))

// LeafHash returns the RFC 6962 leaf hash SHA-256(0x00 || leaf).
//
// It does not allocate for leaves up to 1024 bytes (every ledger entry is 32).
func LeafHash(leaf []byte) Hash {
	if len(leaf) <= maxStackLeaf {
		var buf [1 + maxStackLeaf]byte
		buf[0] = leafPrefix
		n := copy(buf[1:], leaf)
		return sha256.Sum256(buf[:1+n])
	}
	d := sha256.New()
	d.Write([]byte{leafPrefix})
	d.Write(leaf)
	var h Hash
	d.Sum(h[:0])
	return h
}

// EntryLeafHash returns LeafHash(e[:]) without copying more than the 33
// bytes the digest needs.
func EntryLeafHash(e Hash) Hash {
	var buf [1 + HashSize]byte
	buf[0] = leafPrefix
	copy(buf[1:], e[:])
	return sha256.Sum256(buf[:])
}

// NodeHash returns the RFC 6962 interior node hash
// SHA-256(0x01 || left || right). It does not allocate.
func NodeHash(left, right Hash) Hash {
	var buf [1 + 2*HashSize]byte
	buf[0] = nodePrefix
	copy(buf[1:], left[:])
	copy(buf[1+HashSize:], right[:])
	return sha256.Sum256(buf[:])
}

// Hasher is the RFC 6962 SHA-256 tree hasher as a value type.
// Its methods do not allocate (see [LeafHash] for the leaf size bound)
// and it is safe for concurrent use. The zero value is ready.
type Hasher struct{}

// HashLeaf returns [LeafHash](leaf).
func (Hasher) HashLeaf(leaf []byte) Hash { return LeafHash(leaf) }

// HashChildren returns [NodeHash](left, right).
func (Hasher) HashChildren(left, right Hash) Hash { return NodeHash(left, right) }

// EmptyRoot returns [EmptyRoot].
func (Hasher) EmptyRoot() Hash { return EmptyRoot }

// LogHasher returns an adapter to the merkle.LogHasher interface of
// github.com/transparency-dev/merkle, for use with its proof and compact
// packages. That interface returns slices, so each call allocates its
// 32-byte result; the ledger's own paths use [LeafHash] and [NodeHash].
func LogHasher() merkle.LogHasher { return logHasher{} }

type logHasher struct{}

func (logHasher) EmptyRoot() []byte { h := EmptyRoot; return h[:] }
func (logHasher) HashLeaf(leaf []byte) []byte {
	h := LeafHash(leaf)
	return h[:]
}
func (logHasher) HashChildren(l, r []byte) []byte {
	// Slices of the wrong length are hashed as given, as the stock hasher does.
	if len(l) != HashSize || len(r) != HashSize {
		d := sha256.New()
		d.Write([]byte{nodePrefix})
		d.Write(l)
		d.Write(r)
		return d.Sum(nil)
	}
	h := NodeHash(Hash(l), Hash(r))
	return h[:]
}
func (logHasher) Size() int { return HashSize }
