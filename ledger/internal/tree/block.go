package tree

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"golang.org/x/mod/sumdb/note"
)

// DefaultOrigin is the origin line of a backend configured without one.
const DefaultOrigin = "phdkit.local/ledger"

// Keys resolves a backend's origin and signer: an empty origin becomes
// DefaultOrigin and a nil signer becomes a fresh Ed25519 key named after
// the origin, whose verifier is returned (nil when the caller gave one).
func Keys(origin string, s note.Signer) (string, note.Signer, note.Verifier, error) {
	if origin == "" {
		origin = DefaultOrigin
	}
	if s != nil {
		return origin, s, nil, nil
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", nil, nil, fmt.Errorf("ledger: generating checkpoint key: %w", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return "", nil, nil, fmt.Errorf("ledger: checkpoint key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return "", nil, nil, fmt.Errorf("ledger: checkpoint key: %w", err)
	}
	return origin, signer, v, nil
}

// NewBlock signs the checkpoint for (size, root) and returns it as the
// block of the given height.
func NewBlock(origin string, s note.Signer, height, size uint64, root ledger.Hash, now time.Time) (ledger.Block, error) {
	msg, err := ledger.SignCheckpoint(ledger.Checkpoint{Origin: origin, Size: size, Root: root}, s)
	if err != nil {
		return ledger.Block{}, err
	}
	return ledger.Block{Height: height, Size: size, Root: root, Time: time.Unix(0, now.UnixNano()).UTC(), Note: msg}, nil
}

// Signed returns the signed checkpoint a block carries.
func Signed(origin string, b ledger.Block) ledger.SignedCheckpoint {
	return ledger.SignedCheckpoint{
		Checkpoint: ledger.Checkpoint{Origin: origin, Size: b.Size, Root: b.Root},
		Note:       b.Note,
	}
}
