package ledger_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/internal/tree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleProofs(t testing.TB) ([]ledger.InclusionProof, []ledger.ConsistencyProof) {
	m := buildTree(1000)
	var ips []ledger.InclusionProof
	var cps []ledger.ConsistencyProof
	for _, p := range [][2]uint64{{0, 1}, {0, 2}, {5, 8}, {377, 1000}, {999, 1000}, {511, 512}} {
		hs, err := tree.Inclusion(m, p[0], p[1])
		require.NoError(t, err)
		ips = append(ips, ledger.InclusionProof{Index: p[0], Size: p[1], Hashes: hs})
	}
	for _, p := range [][2]uint64{{0, 0}, {0, 5}, {3, 3}, {1, 8}, {6, 8}, {377, 1000}, {512, 1000}} {
		hs, err := tree.Consistency(m, p[0], p[1])
		require.NoError(t, err)
		cps = append(cps, ledger.ConsistencyProof{From: p[0], To: p[1], Hashes: hs})
	}
	return ips, cps
}

func TestProofCodec(t *testing.T) {
	ips, cps := sampleProofs(t)
	for _, p := range ips {
		b, err := p.MarshalBinary()
		require.NoError(t, err)
		require.Len(t, b, 18+32*len(p.Hashes))
		var q ledger.InclusionProof
		n, err := q.Unmarshal(append(b, 0xee))
		require.NoError(t, err)
		require.Equal(t, len(b), n)
		assert.Equal(t, p.Index, q.Index)
		assert.Equal(t, p.Size, q.Size)
		assert.True(t, len(p.Hashes) == 0 && len(q.Hashes) == 0 || assert.ObjectsAreEqual(p.Hashes, q.Hashes))
		for i := 0; i < len(b); i++ {
			_, err := q.Unmarshal(b[:i])
			var de *ledger.DecodeError
			require.True(t, errors.As(err, &de), "prefix of %d bytes decoded", i)
			require.ErrorIs(t, err, ledger.ErrTruncated)
		}
	}
	for _, p := range cps {
		b, err := p.AppendBinary([]byte{9})
		require.NoError(t, err)
		b = b[1:]
		var q ledger.ConsistencyProof
		n, err := q.Unmarshal(b)
		require.NoError(t, err)
		require.Equal(t, len(b), n)
		assert.Equal(t, p.From, q.From)
		assert.Equal(t, p.To, q.To)
		for i := 0; i < len(b); i++ {
			_, err := q.Unmarshal(b[:i])
			require.ErrorIs(t, err, ledger.ErrTruncated, "prefix of %d bytes", i)
		}
	}
	// Structural errors.
	p := ips[3]
	b, _ := p.MarshalBinary()
	var q ledger.InclusionProof
	bad := append([]byte(nil), b...)
	bad[0] = 2
	_, err := q.Unmarshal(bad)
	assert.ErrorIs(t, err, ledger.ErrVersion)
	bad = append([]byte(nil), b...)
	bad[17]++ // one hash too many claimed
	_, err = q.Unmarshal(bad)
	assert.ErrorIs(t, err, ledger.ErrProofSize)
	bad = append([]byte(nil), b...)
	binary.BigEndian.PutUint64(bad[1:], 5000) // index beyond size
	_, err = q.Unmarshal(bad)
	assert.ErrorIs(t, err, ledger.ErrIndexRange)
	var de *ledger.DecodeError
	require.True(t, errors.As(err, &de))
	assert.Equal(t, "InclusionProof.Index", de.Field)
	assert.Equal(t, 1, de.Offset)
	p.Hashes = p.Hashes[1:]
	_, err = p.MarshalBinary()
	assert.ErrorIs(t, err, ledger.ErrProofSize)
	var c ledger.ConsistencyProof
	_, err = c.Unmarshal([]byte{2, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 3, 0})
	assert.ErrorIs(t, err, ledger.ErrSizeRange)
}

func sampleEnvelope(t testing.TB) ledger.Envelope {
	salt, err := ledger.NewSalt(rand.Reader)
	require.NoError(t, err)
	return ledger.Envelope{
		Version:     ledger.EnvelopeVersion,
		RecordID:    "bp/2026-11-22/000017",
		ContentHash: sha256.Sum256([]byte("systolic=121 diastolic=79")),
		Salt:        salt,
		Submitter:   "gateway-7",
		Time:        time.Date(2026, 11, 22, 2, 33, 0, 123456789, time.UTC),
	}
}

func TestEnvelope(t *testing.T) {
	e := sampleEnvelope(t)
	b, err := e.MarshalBinary()
	require.NoError(t, err)
	// The layout, built independently.
	var want []byte
	want = append(want, 1, 0, byte(len(e.RecordID)))
	want = append(want, e.RecordID...)
	want = append(want, e.ContentHash[:]...)
	want = append(want, byte(len(e.Salt)))
	want = append(want, e.Salt...)
	want = append(want, 0, byte(len(e.Submitter)))
	want = append(want, e.Submitter...)
	want = binary.BigEndian.AppendUint64(want, uint64(e.Time.UnixNano()))
	require.Equal(t, want, b)
	d, err := e.Digest()
	require.NoError(t, err)
	assert.Equal(t, ledger.Hash(sha256.Sum256(want)), d)

	var f ledger.Envelope
	n, err := f.Unmarshal(append(b, 1, 2, 3))
	require.NoError(t, err)
	assert.Equal(t, len(b), n)
	assert.Equal(t, e, f)
	for i := 0; i < len(b); i++ {
		_, err := f.Unmarshal(b[:i])
		require.ErrorIs(t, err, ledger.ErrTruncated, "prefix of %d bytes", i)
	}
	// A different salt gives an unlinkable digest.
	g := e
	g.Salt = bytes.Repeat([]byte{7}, 16)
	d2, err := g.Digest()
	require.NoError(t, err)
	assert.NotEqual(t, d, d2)

	bad := []func(*ledger.Envelope){
		func(e *ledger.Envelope) { e.Version = 2 },
		func(e *ledger.Envelope) { e.RecordID = "" },
		func(e *ledger.Envelope) { e.Salt = e.Salt[:15] },
		func(e *ledger.Envelope) { e.Salt = make([]byte, 65) },
		func(e *ledger.Envelope) { e.Submitter = string(make([]byte, 1025)) },
		func(e *ledger.Envelope) { e.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for i, mut := range bad {
		x := sampleEnvelope(t)
		mut(&x)
		_, err := x.Digest()
		assert.Error(t, err, "case %d", i)
	}
	// Decoder bounds.
	short := append([]byte(nil), b...)
	short[3+len(e.RecordID)+32] = 8 // salt length below the minimum
	_, err = f.Unmarshal(short)
	var de *ledger.DecodeError
	require.True(t, errors.As(err, &de))
	assert.Equal(t, "Envelope.Salt", de.Field)
	assert.ErrorIs(t, err, ledger.ErrMalformed)
}

func TestCheckpointText(t *testing.T) {
	// The example of the C2SP tlog-checkpoint specification.
	text := "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	c, err := ledger.ParseCheckpoint([]byte(text))
	require.NoError(t, err)
	assert.Equal(t, "example.com/behind-the-sofa", c.Origin)
	assert.Equal(t, uint64(20852163), c.Size)
	out, err := c.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, text, string(out))
	for i := 0; i < len(text); i++ {
		_, err := ledger.ParseCheckpoint([]byte(text[:i]))
		require.Error(t, err, "prefix of %d bytes", i)
	}
	c.Extensions = []string{"witness-hint 1", "x"}
	out, err = c.MarshalText()
	require.NoError(t, err)
	c2, err := ledger.ParseCheckpoint(out)
	require.NoError(t, err)
	assert.Equal(t, c, c2)
	for _, bad := range []string{
		"o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n",
		"\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
	} {
		_, err := ledger.ParseCheckpoint([]byte(bad))
		var de *ledger.DecodeError
		assert.True(t, errors.As(err, &de), "%q parsed", bad)
	}
	_, err = (&ledger.Checkpoint{}).MarshalText()
	assert.ErrorIs(t, err, ledger.ErrMalformed)
	_, err = (&ledger.Checkpoint{Origin: "a", Extensions: []string{"x\ny"}}).MarshalText()
	assert.ErrorIs(t, err, ledger.ErrMalformed)
}
