package ledger_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
)

func keyPair(t testing.TB, name string) (note.Signer, note.Verifier) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	require.NoError(t, err)
	s, err := note.NewSigner(skey)
	require.NoError(t, err)
	v, err := note.NewVerifier(vkey)
	require.NoError(t, err)
	return s, v
}

func grow(t testing.TB, l ledger.Ledger, n int, tag byte) {
	for i := 0; i < n; i++ {
		var e ledger.Hash
		e[0], e[1], e[31] = byte(i), byte(i>>8), tag
		_, err := l.Append(context.Background(), e)
		require.NoError(t, err)
	}
}

func TestVerifier(t *testing.T) {
	ctx := context.Background()
	const origin = "hospital.example/records"
	logS, logV := keyPair(t, origin)
	w1S, w1V := witnessPair(t, "witness-1")
	w2S, w2V := witnessPair(t, "witness-2")
	_, otherV := keyPair(t, origin)

	l, err := memory.New(memory.Config{Origin: origin, Signer: logS})
	require.NoError(t, err)
	grow(t, l, 10, 0)
	c1, err := l.Checkpoint(ctx)
	require.NoError(t, err)

	// Witnesses cosign; other signatures survive each cosignature.
	msg, err := ledger.Cosign(c1.Note, logV, w1S)
	require.NoError(t, err)
	msg, err = ledger.Cosign(msg, logV, w2S)
	require.NoError(t, err)
	n, err := note.Open(msg, note.VerifierList(logV, w1V, w2V))
	require.NoError(t, err)
	assert.Len(t, n.Sigs, 3)
	_, err = ledger.Cosign(c1.Note, otherV, w1S)
	assert.ErrorIs(t, err, ledger.ErrSignature)

	v, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: logV, Witnesses: []*ledger.WitnessKey{w1V, w2V}, WitnessQuorum: 2})
	require.NoError(t, err)
	_, err = v.Update(c1.Note, ledger.ConsistencyProof{})
	assert.ErrorIs(t, err, ledger.ErrSignature, "no witness cosignatures")
	one, err := ledger.Cosign(c1.Note, logV, w1S)
	require.NoError(t, err)
	_, err = v.Update(one, ledger.ConsistencyProof{})
	assert.ErrorIs(t, err, ledger.ErrSignature, "one of two witnesses")
	got, err := v.Update(msg, ledger.ConsistencyProof{})
	require.NoError(t, err)
	assert.Equal(t, c1.Checkpoint, got.Checkpoint)
	require.Len(t, got.Cosignatures, 2)
	assert.Equal(t, "witness-1", got.Cosignatures[0].Name)
	assert.Equal(t, "witness-2", got.Cosignatures[1].Name)

	// Other keys, other origins.
	wrongKey, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: otherV})
	require.NoError(t, err)
	_, err = wrongKey.Open(c1.Note)
	assert.ErrorIs(t, err, ledger.ErrSignature)
	wrongOrigin, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: "elsewhere", LogKey: logV})
	require.NoError(t, err)
	_, err = wrongOrigin.Open(c1.Note)
	assert.ErrorIs(t, err, ledger.ErrOrigin)
	witnessOnly, err := ledger.Cosign(c1.Note, logV, w1S)
	require.NoError(t, err)
	vw, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: logV, Witnesses: []*ledger.WitnessKey{w1V}})
	require.NoError(t, err)
	_, err = vw.Open(witnessOnly[:len(witnessOnly)-1])
	assert.ErrorIs(t, err, ledger.ErrSignature, "malformed note")

	// Growth is accepted with a consistency proof, refused without one.
	grow(t, l, 7, 0)
	c2, err := l.Checkpoint(ctx)
	require.NoError(t, err)
	plain, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: logV, Trusted: &c1.Checkpoint})
	require.NoError(t, err)
	_, err = plain.Update(c2.Note, ledger.ConsistencyProof{From: 10, To: 17})
	assert.ErrorIs(t, err, ledger.ErrInconsistent)
	p, err := l.ConsistencyProof(ctx, 10, 17)
	require.NoError(t, err)
	_, err = plain.Update(c2.Note, ledger.ConsistencyProof{From: 9, To: 17, Hashes: p.Hashes})
	assert.ErrorIs(t, err, ledger.ErrSizeRange)
	_, err = plain.Update(c2.Note, p)
	require.NoError(t, err)
	tr, ok := plain.Trusted()
	require.True(t, ok)
	assert.Equal(t, uint64(17), tr.Size)

	// A fork: the same key signs a different history of the same first
	// 10 entries plus other entries. The trusting client notices.
	fork, err := memory.New(memory.Config{Origin: origin, Signer: logS})
	require.NoError(t, err)
	grow(t, fork, 10, 0)
	grow(t, fork, 9, 1)
	cf, err := fork.Checkpoint(ctx)
	require.NoError(t, err)
	pf, err := fork.ConsistencyProof(ctx, 17, 19)
	require.NoError(t, err)
	_, err = plain.Update(cf.Note, pf)
	assert.ErrorIs(t, err, ledger.ErrInconsistent)
	// Same size, different root.
	fork2, err := memory.New(memory.Config{Origin: origin, Signer: logS})
	require.NoError(t, err)
	grow(t, fork2, 17, 2)
	cf2, err := fork2.Checkpoint(ctx)
	require.NoError(t, err)
	_, err = plain.Update(cf2.Note, ledger.ConsistencyProof{From: 17, To: 17})
	assert.ErrorIs(t, err, ledger.ErrInconsistent)

	// Configuration errors.
	_, err = ledger.NewVerifier(ledger.VerifierConfig{LogKey: logV})
	assert.Error(t, err)
	_, err = ledger.NewVerifier(ledger.VerifierConfig{Origin: origin})
	assert.ErrorIs(t, err, ledger.ErrSignature)
	_, err = ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: logV, WitnessQuorum: 1})
	assert.Error(t, err)
	_, err = ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: logV, Trusted: &ledger.Checkpoint{Origin: "x"}})
	assert.ErrorIs(t, err, ledger.ErrOrigin)
	_, err = ledger.SignCheckpoint(c1.Checkpoint)
	assert.ErrorIs(t, err, ledger.ErrSignature)
}

func witnessPair(t testing.TB, name string) (*ledger.WitnessSigner, *ledger.WitnessKey) {
	skey, vkey, err := ledger.GenerateWitnessKey(rand.Reader, name)
	require.NoError(t, err)
	s, err := ledger.NewWitnessSigner(skey, nil)
	require.NoError(t, err)
	k, err := ledger.NewWitnessKey(vkey)
	require.NoError(t, err)
	return s, k
}

func signerFor(name string) (note.Signer, note.Verifier) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		panic(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		panic(err)
	}
	return s, v
}
