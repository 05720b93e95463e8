package ledgertest

import (
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/phdkit/phdkit/ledger"
)

//go:embed testdata/rfc6962_published.json
var publishedJSON []byte

// Vectors are the published RFC 6962 test vectors (see testdata/README.md).
type Vectors struct {
	Leaves     [][]byte      // leaf inputs
	LeafHashes []ledger.Hash // their leaf hashes
	Roots      []ledger.Hash // Roots[n] is the root of the first n leaves
	Inclusion  []InclusionVector
	Consistent []ConsistencyVector
}

// InclusionVector is one published audit path.
type InclusionVector struct {
	Index, Size uint64
	LeafHash    ledger.Hash
	Root        ledger.Hash
	Proof       []ledger.Hash
}

// ConsistencyVector is one published consistency proof.
type ConsistencyVector struct {
	From, To     uint64
	Root1, Root2 ledger.Hash
	Proof        []ledger.Hash
}

// Published decodes the embedded published vectors.
func Published() (*Vectors, error) {
	var raw struct {
		Leaves     []string `json:"leaves_hex"`
		LeafHashes []string `json:"leaf_hashes"`
		Roots      []string `json:"roots_by_size_0_to_8"`
		Inclusion  []struct {
			Index    uint64   `json:"leaf_index"`
			Size     uint64   `json:"tree_size"`
			LeafHash string   `json:"leaf_hash"`
			Root     string   `json:"root"`
			Proof    []string `json:"proof"`
		} `json:"published_inclusion_kat"`
		Consistency []struct {
			Size1 uint64   `json:"size1"`
			Size2 uint64   `json:"size2"`
			Root1 string   `json:"root1"`
			Root2 string   `json:"root2"`
			Proof []string `json:"proof"`
		} `json:"published_consistency_kat"`
	}
	if err := json.Unmarshal(publishedJSON, &raw); err != nil {
		return nil, fmt.Errorf("ledgertest: vectors: %w", err)
	}
	var v Vectors
	var err error
	hs := func(ss []string) []ledger.Hash {
		out := make([]ledger.Hash, len(ss))
		for i, s := range ss {
			if err == nil {
				out[i], err = ledger.ParseHash(s)
			}
		}
		return out
	}
	h := func(s string) ledger.Hash { return hs([]string{s})[0] }
	for _, s := range raw.Leaves {
		b, e := hex.DecodeString(s)
		if e != nil {
			return nil, fmt.Errorf("ledgertest: vectors: %w", e)
		}
		v.Leaves = append(v.Leaves, b)
	}
	v.LeafHashes = hs(raw.LeafHashes)
	v.Roots = hs(raw.Roots)
	for _, in := range raw.Inclusion {
		v.Inclusion = append(v.Inclusion, InclusionVector{in.Index, in.Size, h(in.LeafHash), h(in.Root), hs(in.Proof)})
	}
	for _, c := range raw.Consistency {
		v.Consistent = append(v.Consistent, ConsistencyVector{c.Size1, c.Size2, h(c.Root1), h(c.Root2), hs(c.Proof)})
	}
	if err != nil {
		return nil, fmt.Errorf("ledgertest: vectors: %w", err)
	}
	return &v, nil
}
