package ledger

import (
	"encoding/binary"
	"fmt"
)

// Proof encoding versions (the first byte of each encoding).
const (
	inclusionVersion   = 0x01
	consistencyVersion = 0x02
	proofHeaderLen     = 1 + 8 + 8 + 1
)

// InclusionProof proves that the leaf at Index is in the tree of Size
// leaves. It is always tied to that size: verify it against the root of a
// checkpoint of exactly Size leaves.
type InclusionProof struct {
	Index  uint64 // leaf index, 0-based
	Size   uint64 // tree size the proof is for
	Hashes []Hash // audit path, leaf level first
}

// Verify checks the proof for the entry (not its leaf hash) against root,
// the root of the tree of p.Size leaves.
func (p *InclusionProof) Verify(entry Hash, root Hash) error {
	return VerifyInclusion(p.Index, p.Size, EntryLeafHash(entry), p.Hashes, root)
}

// AppendBinary appends the encoding of p to b:
//
//	 0      1         9         17      18
//	+------+---------+---------+-------+--------------------+
//	| 0x01 | Index   | Size    | count | count × 32-byte    |
//	|      | u64 BE  | u64 BE  | u8    | hash, leaf first   |
//	+------+---------+---------+-------+--------------------+
//
// It fails when Index >= Size or the number of hashes is not the one the
// sizes call for.
func (p *InclusionProof) AppendBinary(b []byte) ([]byte, error) {
	want, err := InclusionProofLen(p.Index, p.Size)
	if err != nil {
		return b, err
	}
	if len(p.Hashes) != want {
		return b, fmt.Errorf("%w: %d hashes, want %d", ErrProofSize, len(p.Hashes), want)
	}
	b = append(b, inclusionVersion)
	b = binary.BigEndian.AppendUint64(b, p.Index)
	b = binary.BigEndian.AppendUint64(b, p.Size)
	b = append(b, byte(len(p.Hashes)))
	for i := range p.Hashes {
		b = append(b, p.Hashes[i][:]...)
	}
	return b, nil
}

// MarshalBinary returns p.AppendBinary(nil).
func (p *InclusionProof) MarshalBinary() ([]byte, error) { return p.AppendBinary(nil) }

// Unmarshal decodes one inclusion proof from the start of b and returns the
// number of bytes consumed. It overwrites every field of p and reuses the
// capacity of p.Hashes; it copies the hashes, so p does not alias b.
// The hash count is checked against the sizes before anything is read.
func (p *InclusionProof) Unmarshal(b []byte) (int, error) {
	idx, size, hashes, n, err := unmarshalProof(b, inclusionVersion, "InclusionProof", p.Hashes[:0],
		func(a, z uint64) (int, error) { return InclusionProofLen(a, z) })
	p.Index, p.Size, p.Hashes = idx, size, hashes
	return n, err
}

// ConsistencyProof proves that the tree of From leaves is a prefix of the
// tree of To leaves.
type ConsistencyProof struct {
	From   uint64 // older tree size
	To     uint64 // newer tree size, From <= To
	Hashes []Hash // RFC 9162 consistency path
}

// Verify checks the proof against the roots of the two trees.
func (p *ConsistencyProof) Verify(root1, root2 Hash) error {
	return VerifyConsistency(p.From, p.To, p.Hashes, root1, root2)
}

// AppendBinary appends the encoding of p to b: the layout of
// [InclusionProof.AppendBinary] with version byte 0x02 and From, To in
// place of Index, Size.
func (p *ConsistencyProof) AppendBinary(b []byte) ([]byte, error) {
	want, err := ConsistencyProofLen(p.From, p.To)
	if err != nil {
		return b, err
	}
	if len(p.Hashes) != want {
		return b, fmt.Errorf("%w: %d hashes, want %d", ErrProofSize, len(p.Hashes), want)
	}
	b = append(b, consistencyVersion)
	b = binary.BigEndian.AppendUint64(b, p.From)
	b = binary.BigEndian.AppendUint64(b, p.To)
	b = append(b, byte(len(p.Hashes)))
	for i := range p.Hashes {
		b = append(b, p.Hashes[i][:]...)
	}
	return b, nil
}

// MarshalBinary returns p.AppendBinary(nil).
func (p *ConsistencyProof) MarshalBinary() ([]byte, error) { return p.AppendBinary(nil) }

// Unmarshal decodes one consistency proof from the start of b, with the
// rules of [InclusionProof.Unmarshal].
func (p *ConsistencyProof) Unmarshal(b []byte) (int, error) {
	from, to, hashes, n, err := unmarshalProof(b, consistencyVersion, "ConsistencyProof", p.Hashes[:0], ConsistencyProofLen)
	p.From, p.To, p.Hashes = from, to, hashes
	return n, err
}

func unmarshalProof(b []byte, version byte, name string, dst []Hash, wantLen func(a, z uint64) (int, error)) (a, z uint64, hashes []Hash, n int, err error) {
	fail := func(off int, field string, e error) (uint64, uint64, []Hash, int, error) {
		return 0, 0, dst[:0], 0, &DecodeError{Offset: off, Field: name + "." + field, Err: e}
	}
	if len(b) < 1 {
		return fail(0, "Version", ErrTruncated)
	}
	if b[0] != version {
		return fail(0, "Version", fmt.Errorf("%w: 0x%02x, want 0x%02x", ErrVersion, b[0], version))
	}
	first, second := "Index", "Size"
	if version == consistencyVersion {
		first, second = "From", "To"
	}
	if len(b) < 9 {
		return fail(1, first, ErrTruncated)
	}
	if len(b) < 17 {
		return fail(9, second, ErrTruncated)
	}
	if len(b) < proofHeaderLen {
		return fail(17, "Count", ErrTruncated)
	}
	a = binary.BigEndian.Uint64(b[1:])
	z = binary.BigEndian.Uint64(b[9:])
	want, err := wantLen(a, z)
	if err != nil {
		return fail(1, first, err)
	}
	count := int(b[17])
	if count != want {
		return fail(17, "Count", fmt.Errorf("%w: %d hashes, want %d", ErrProofSize, count, want))
	}
	body := b[proofHeaderLen:]
	if len(body) < count*HashSize {
		return fail(proofHeaderLen+len(body)/HashSize*HashSize, "Hashes", ErrTruncated)
	}
	for i := 0; i < count; i++ {
		dst = append(dst, Hash(body[i*HashSize:(i+1)*HashSize]))
	}
	return a, z, dst, proofHeaderLen + count*HashSize, nil
}
