package ledger_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
)

// cosigVectors reads testdata/cosignature-v1.txt: "key: value" lines,
// quoted values unquoted.
func cosigVectors(t testing.TB) map[string]string {
	f, err := os.Open("testdata/cosignature-v1.txt")
	require.NoError(t, err)
	defer f.Close()
	m := make(map[string]string)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(l, ": ")
		require.True(t, ok, "line %q", l)
		if strings.HasPrefix(v, `"`) {
			v, err = strconv.Unquote(v)
			require.NoError(t, err, k)
		}
		m[k] = v
	}
	require.NoError(t, sc.Err())
	return m
}

func seedOf(t testing.TB, v map[string]string, k string) []byte {
	b, err := hex.DecodeString(v[k])
	require.NoError(t, err)
	require.Len(t, b, ed25519.SeedSize)
	return b
}

// noteKey builds a signed-note skey or vkey for an Ed25519 seed and type.
func noteKey(name string, typ byte, seed []byte, secret bool) string {
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	h := sha256.Sum256(append(append([]byte(name+"\n"), typ), pub...))
	id := binary.BigEndian.Uint32(h[:])
	if secret {
		return fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, id, base64.StdEncoding.EncodeToString(append([]byte{typ}, seed...)))
	}
	return fmt.Sprintf("%s+%08x+%s", name, id, base64.StdEncoding.EncodeToString(append([]byte{typ}, pub...)))
}

func clockAt(sec int64) func() time.Time { return func() time.Time { return time.Unix(sec, 0) } }

// logSigned returns the note with only its first (log) signature line.
func logSigned(msg string) []byte {
	i := strings.Index(msg, "\n\n")
	rest := msg[i+2:]
	j := strings.IndexByte(rest, '\n')
	return []byte(msg[:i+2] + rest[:j+1])
}

func TestCosignatureKnownAnswers(t *testing.T) {
	v := cosigVectors(t)
	wSeed := seedOf(t, v, "witness_seed")
	name := v["witness_name"]

	// Key generation from the seed gives the peer's key ID and vkey.
	skey, vkey, err := ledger.GenerateWitnessKey(bytes.NewReader(wSeed), name)
	require.NoError(t, err)
	assert.Equal(t, v["witness_vkey"], vkey)
	assert.Equal(t, noteKey(name, 0x04, wSeed, true), skey)
	key, err := ledger.NewWitnessKey(vkey)
	require.NoError(t, err)
	assert.Equal(t, uint32(0xa0059f11), key.KeyHash())
	assert.Equal(t, vkey, key.String())

	for _, tc := range []struct{ prefix, logVkey, body string }{
		{"peer_", "log_vkey", "checkpoint"},
		{"our_", "log_vkey", "checkpoint"},
		{"ext_our_", "ext_log_vkey", "ext_checkpoint"},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			ts, err := strconv.ParseInt(v[tc.prefix+"timestamp"], 10, 64)
			require.NoError(t, err)
			want := v[tc.prefix+"note"]
			require.True(t, strings.HasPrefix(want, v[tc.body]+"\n"))

			// Signing at the same time reproduces the line byte for byte.
			s, err := ledger.NewWitnessSigner(skey, clockAt(ts))
			require.NoError(t, err)
			logV, err := note.NewVerifier(v[tc.logVkey])
			require.NoError(t, err)
			got, err := ledger.Cosign(logSigned(want), logV, s)
			require.NoError(t, err)
			assert.Equal(t, want, string(got))
			p, err := s.SignAt([]byte(v[tc.body]), time.Unix(ts, 999))
			require.NoError(t, err)
			line := v[tc.prefix+"line"]
			assert.Equal(t, line, "— "+name+" "+base64.StdEncoding.EncodeToString(p))

			// The line parses and re-encodes to itself.
			c, err := ledger.ParseCosignature([]byte(line))
			require.NoError(t, err)
			assert.Equal(t, name, c.Name)
			assert.Equal(t, key.KeyHash(), c.KeyID)
			assert.Equal(t, uint64(ts), c.Timestamp)
			assert.Equal(t, time.Unix(ts, 0).UTC(), c.Time())
			out, err := c.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, line, string(out))
			require.NoError(t, key.VerifyCosignature([]byte(v[tc.body]), &c))

			// The verifier accepts the note and reports the timestamp.
			origin, _, _ := strings.Cut(v[tc.body], "\n")
			ver, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: logV,
				Witnesses: []*ledger.WitnessKey{key}, WitnessQuorum: 1, Now: clockAt(ts)})
			require.NoError(t, err)
			vc, err := ver.Open([]byte(want))
			require.NoError(t, err)
			require.Len(t, vc.Cosignatures, 1)
			assert.Equal(t, c, vc.Cosignatures[0])

			// x/mod/sumdb/note accepts the key as a Verifier.
			n, err := note.Open([]byte(want), note.VerifierList(logV, key))
			require.NoError(t, err)
			assert.Len(t, n.Sigs, 2)
		})
	}
}

// cosigFixture is a log-signed checkpoint with a witness key, built from
// the known-answer seeds so that tests can re-sign altered bodies.
type cosigFixture struct {
	body    string
	logS    note.Signer
	logV    note.Verifier
	witness *ledger.WitnessSigner
	key     *ledger.WitnessKey
	ts      int64
	seed    []byte
	name    string
}

func newCosigFixture(t testing.TB) *cosigFixture {
	v := cosigVectors(t)
	f := &cosigFixture{body: v["checkpoint"], name: v["witness_name"], seed: seedOf(t, v, "witness_seed")}
	origin, _, _ := strings.Cut(f.body, "\n")
	var err error
	f.logS, err = note.NewSigner(noteKey(origin, 0x01, seedOf(t, v, "log_seed"), true))
	require.NoError(t, err)
	f.logV, err = note.NewVerifier(v["log_vkey"])
	require.NoError(t, err)
	f.ts, err = strconv.ParseInt(v["our_timestamp"], 10, 64)
	require.NoError(t, err)
	f.witness, err = ledger.NewWitnessSigner(noteKey(f.name, 0x04, f.seed, true), clockAt(f.ts))
	require.NoError(t, err)
	f.key = f.witness.Key()
	return f
}

// signedWith returns body signed by the log and followed by extra lines.
func (f *cosigFixture) signedWith(t testing.TB, body string, lines ...string) []byte {
	msg, err := note.Sign(&note.Note{Text: body}, f.logS)
	require.NoError(t, err)
	for _, l := range lines {
		msg = append(msg, l+"\n"...)
	}
	return msg
}

func (f *cosigFixture) verifier(t testing.TB, quorum int, keys ...*ledger.WitnessKey) *ledger.Verifier {
	v, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: "example.com/behind-the-sofa", LogKey: f.logV,
		Witnesses: keys, WitnessQuorum: quorum, Now: clockAt(f.ts)})
	require.NoError(t, err)
	return v
}

// payloadLine builds a signature line from name and payload bytes.
func payloadLine(name string, p []byte) string {
	return "— " + name + " " + base64.StdEncoding.EncodeToString(p)
}

func TestCosignatureRejects(t *testing.T) {
	f := newCosigFixture(t)
	good, err := f.witness.SignAt([]byte(f.body), time.Unix(f.ts, 0))
	require.NoError(t, err)
	v := f.verifier(t, 1, f.key)
	_, err = v.Open(f.signedWith(t, f.body, payloadLine(f.name, good)))
	require.NoError(t, err)

	mutate := func(fn func(p []byte)) []byte {
		p := bytes.Clone(good)
		fn(p)
		return p
	}
	for _, tc := range []struct {
		name    string
		body    string
		line    string
		is      error
		mention string
	}{
		{"wrong key ID", f.body, payloadLine(f.name, mutate(func(p []byte) { p[0] ^= 1 })),
			ledger.ErrSignature, "key ID a1059f11, want a0059f11"},
		{"wrong name", f.body, payloadLine("witness.example.com/w2", good),
			ledger.ErrSignature, "witness.example.com/w1: no cosignature/v1 line"},
		{"wrong timestamp", f.body, payloadLine(f.name, mutate(func(p []byte) { p[11]++ })),
			ledger.ErrCosignatureInvalid, "time 1679315148"},
		{"timestamp beyond 2^63-1", f.body, payloadLine(f.name, mutate(func(p []byte) { p[4] |= 0x80 })),
			ledger.ErrCosignatureInvalid, "exceeds 2^63-1"},
		{"modified checkpoint", strings.Replace(f.body, "20852163", "20852164", 1), payloadLine(f.name, good),
			ledger.ErrCosignatureInvalid, "does not verify"},
		{"modified signature", f.body, payloadLine(f.name, mutate(func(p []byte) { p[40] ^= 0x20 })),
			ledger.ErrCosignatureInvalid, "does not verify"},
		{"truncated line", f.body, payloadLine(f.name, good[:72]),
			ledger.ErrTruncated, "Cosignature.Signature"},
		{"truncated timestamp", f.body, payloadLine(f.name, good[:9]),
			ledger.ErrTruncated, "Cosignature.Timestamp"},
		{"long line", f.body, payloadLine(f.name, append(bytes.Clone(good), 0)),
			ledger.ErrMalformed, "77 payload bytes, want 76"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Open(f.signedWith(t, tc.body, tc.line))
			require.Error(t, err)
			assert.ErrorIs(t, err, ledger.ErrSignature)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.mention)
			// The form-only parser and key check agree.
			c, perr := ledger.ParseCosignature([]byte(tc.line))
			if perr == nil {
				assert.Error(t, f.key.VerifyCosignature([]byte(tc.body), &c))
			}
		})
	}

	// A vkey or skey with another type byte is refused, naming the type.
	_, err = ledger.NewWitnessKey(noteKey(f.name, 0x01, f.seed, false))
	assert.ErrorIs(t, err, ledger.ErrMalformed)
	assert.Contains(t, err.Error(), "signature type 0x01, want 0x04")
	_, err = ledger.NewWitnessSigner(noteKey(f.name, 0x01, f.seed, true), nil)
	assert.ErrorContains(t, err, "signature type 0x01, want 0x04")
	// A key ID that does not match the key.
	vk := strings.Replace(f.key.String(), "+a0059f11+", "+a0059f12+", 1)
	_, err = ledger.NewWitnessKey(vk)
	assert.ErrorContains(t, err, "key ID a0059f12, but name and key give a0059f11")
	for _, bad := range []string{"", "w", "w+1", "w+a0059f11", "w+a0059f1+BAAA", "w+a0059f11+!!", "a b+a0059f11+BA==",
		"w+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4AA=="} {
		_, err := ledger.NewWitnessKey(bad)
		assert.ErrorIs(t, err, ledger.ErrMalformed, bad)
	}

	// A plain Ed25519 note signature by the witness's seed and name is
	// not a cosignature/v1: it has another key ID and does not count.
	legacyS, err := note.NewSigner(noteKey(f.name, 0x01, f.seed, true))
	require.NoError(t, err)
	legacy, err := note.Sign(&note.Note{Text: f.body}, f.logS, legacyS)
	require.NoError(t, err)
	_, err = v.Open(legacy)
	assert.ErrorIs(t, err, ledger.ErrSignature)
	assert.ErrorContains(t, err, "not this cosignature/v1 key")

	// The signer refuses what is not a checkpoint and times before 1970.
	_, err = f.witness.Sign([]byte("not a checkpoint\n"))
	assert.Error(t, err)
	_, err = f.witness.SignAt([]byte(f.body), time.Unix(-1, 0))
	assert.ErrorIs(t, err, ledger.ErrMalformed)
	var nilSigner *ledger.WitnessSigner
	_, err = ledger.Cosign(f.signedWith(t, f.body), f.logV, nilSigner)
	assert.ErrorIs(t, err, ledger.ErrSignature)
}

func TestCosignatureFutureTimestamp(t *testing.T) {
	f := newCosigFixture(t)
	p, err := f.witness.SignAt([]byte(f.body), time.Unix(f.ts+3600, 0))
	require.NoError(t, err)
	msg := f.signedWith(t, f.body, payloadLine(f.name, p))

	_, err = f.verifier(t, 1, f.key).Open(msg)
	assert.ErrorIs(t, err, ledger.ErrSignature)
	assert.ErrorIs(t, err, ledger.ErrCosignatureTime)
	assert.ErrorContains(t, err, "1h0m0s past the clock, allowed skew 5m0s")

	for _, tc := range []struct {
		skew time.Duration
		ok   bool
	}{{time.Hour, true}, {time.Hour - time.Second, false}, {2 * time.Hour, true}} {
		v, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: "example.com/behind-the-sofa", LogKey: f.logV,
			Witnesses: []*ledger.WitnessKey{f.key}, WitnessQuorum: 1, Now: clockAt(f.ts), CosignatureSkew: tc.skew})
		require.NoError(t, err)
		vc, err := v.Open(msg)
		if !tc.ok {
			assert.ErrorIs(t, err, ledger.ErrCosignatureTime, "skew %v", tc.skew)
			continue
		}
		require.NoError(t, err, "skew %v", tc.skew)
		assert.Equal(t, time.Unix(f.ts+3600, 0).UTC(), vc.Cosignatures[0].Time())
	}
	// A timestamp in the past is fine.
	p, err = f.witness.SignAt([]byte(f.body), time.Unix(1, 0))
	require.NoError(t, err)
	_, err = f.verifier(t, 1, f.key).Open(f.signedWith(t, f.body, payloadLine(f.name, p)))
	assert.NoError(t, err)
}

func TestWitnessQuorumMixed(t *testing.T) {
	f := newCosigFixture(t)
	ws := make([]*ledger.WitnessSigner, 5)
	keys := make([]*ledger.WitnessKey, 5)
	for i := range ws {
		skey, _, err := ledger.GenerateWitnessKey(rand.Reader, fmt.Sprintf("w%d.example", i))
		require.NoError(t, err)
		ws[i], err = ledger.NewWitnessSigner(skey, clockAt(f.ts))
		require.NoError(t, err)
		keys[i] = ws[i].Key()
	}
	line := func(i int, at int64) string {
		p, err := ws[i].SignAt([]byte(f.body), time.Unix(at, 0))
		require.NoError(t, err)
		return payloadLine(ws[i].Name(), p)
	}
	strangerSkey, _, err := ledger.GenerateWitnessKey(rand.Reader, "stranger.example")
	require.NoError(t, err)
	stranger, err := ledger.NewWitnessSigner(strangerSkey, nil)
	require.NoError(t, err)
	sp, err := stranger.SignAt([]byte(f.body), time.Unix(f.ts, 0))
	require.NoError(t, err)
	// w0 and w1 valid (w0 twice, at two times), w2 dated two hours ahead,
	// w3 under its name with a plain Ed25519 key, w4 absent; a valid line
	// by an unconfigured witness.
	plainS, _ := keyPair(t, "w3.example")
	plainMsg, err := note.Sign(&note.Note{Text: f.body}, plainS)
	require.NoError(t, err)
	plainLines := strings.Split(strings.TrimSuffix(string(plainMsg), "\n"), "\n")
	lines := []string{
		line(0, f.ts-10), line(1, f.ts), line(2, f.ts+7200), line(0, f.ts-5),
		plainLines[len(plainLines)-1],
		payloadLine("stranger.example", sp),
	}
	msg := f.signedWith(t, f.body, lines...)

	for q := 0; q <= 2; q++ {
		vc, err := f.verifier(t, q, keys...).Open(msg)
		require.NoError(t, err, "quorum %d", q)
		require.Len(t, vc.Cosignatures, 2)
		assert.Equal(t, "w0.example", vc.Cosignatures[0].Name)
		assert.Equal(t, uint64(f.ts-5), vc.Cosignatures[0].Timestamp, "latest of two lines")
		assert.Equal(t, "w1.example", vc.Cosignatures[1].Name)
	}
	_, err = f.verifier(t, 3, keys...).Open(msg)
	require.Error(t, err)
	assert.ErrorIs(t, err, ledger.ErrSignature)
	assert.ErrorIs(t, err, ledger.ErrCosignatureTime)
	for _, s := range []string{"2 of 5 witness cosignatures valid, quorum 3", "witness w2.example: timestamp",
		"witness w3.example: line has key ID", "witness w4.example: no cosignature/v1 line"} {
		assert.ErrorContains(t, err, s)
	}
	// Only configured witnesses count: the stranger's valid line does not.
	_, err = f.verifier(t, 2, keys[1], keys[2], keys[4]).Open(msg)
	assert.ErrorContains(t, err, "1 of 3 witness cosignatures valid, quorum 2")

	// A bad line by a configured witness fails the whole note.
	// The bit is flipped in the signature, not in its base64 text, which could turn a
	// character into one that is not base64 at all.
	bp, err := ws[1].SignAt([]byte(f.body), time.Unix(f.ts, 0))
	require.NoError(t, err)
	bp[len(bp)-1] ^= 1
	bad := payloadLine(ws[1].Name(), bp)
	_, err = f.verifier(t, 1, keys...).Open(f.signedWith(t, f.body, append(lines, bad)...))
	assert.ErrorIs(t, err, ledger.ErrCosignatureInvalid)
	assert.ErrorContains(t, err, "w1.example")

	// Configuration errors.
	for _, cfg := range []ledger.VerifierConfig{
		{Witnesses: []*ledger.WitnessKey{keys[0], keys[0]}},
		{Witnesses: []*ledger.WitnessKey{nil}},
		{Witnesses: keys, CosignatureSkew: -time.Second},
	} {
		cfg.Origin, cfg.LogKey = "example.com/behind-the-sofa", f.logV
		_, err := ledger.NewVerifier(cfg)
		assert.ErrorIs(t, err, ledger.ErrMalformed)
	}
}

func TestParseCosignaturePrefixes(t *testing.T) {
	v := cosigVectors(t)
	for _, k := range []string{"peer_line", "our_line", "ext_our_line"} {
		line := []byte(v[k])
		for i := range line {
			_, err := ledger.ParseCosignature(line[:i])
			require.Error(t, err, "%s prefix %d", k, i)
			var de *ledger.DecodeError
			require.ErrorAs(t, err, &de)
		}
		_, err := ledger.ParseCosignature(append(bytes.Clone(line), '\n'))
		assert.ErrorIs(t, err, ledger.ErrMalformed, "a newline is not part of the line")
	}
	for _, bad := range []string{"- w AAAA", "— w", "— a+b AAAA", "— \xff AAAA", "—  AAAA"} {
		_, err := ledger.ParseCosignature([]byte(bad))
		assert.Error(t, err, bad)
	}
	_, err := (&ledger.Cosignature{Name: "a b"}).MarshalText()
	assert.ErrorIs(t, err, ledger.ErrMalformed)
	_, err = (&ledger.Cosignature{Name: "w", Timestamp: 1 << 63}).MarshalText()
	assert.ErrorIs(t, err, ledger.ErrMalformed)
}

func TestWitnessKeyRoundTrip(t *testing.T) {
	f := newCosigFixture(t)
	skey, vkey, err := ledger.GenerateWitnessKey(rand.Reader, "w.example/witness")
	require.NoError(t, err)
	s, err := ledger.NewWitnessSigner(skey, clockAt(f.ts))
	require.NoError(t, err)
	k, err := ledger.NewWitnessKey(vkey)
	require.NoError(t, err)
	assert.Equal(t, s.Key(), k)
	assert.Equal(t, s.KeyHash(), k.KeyHash())
	msg, err := ledger.Cosign(f.signedWith(t, f.body), f.logV, s)
	require.NoError(t, err)
	// Cosigning again at a later time replaces the witness's line.
	s2, err := ledger.NewWitnessSigner(skey, clockAt(f.ts+60))
	require.NoError(t, err)
	msg, err = ledger.Cosign(msg, f.logV, s2)
	require.NoError(t, err)
	assert.Equal(t, 1, bytes.Count(msg, []byte("w.example/witness")))
	vc, err := f.verifier(t, 1, k).Open(msg)
	require.NoError(t, err)
	assert.Equal(t, uint64(f.ts+60), vc.Cosignatures[0].Timestamp)
	_, _, err = ledger.GenerateWitnessKey(rand.Reader, "bad name")
	assert.ErrorIs(t, err, ledger.ErrMalformed)
	_, _, err = ledger.GenerateWitnessKey(bytes.NewReader(make([]byte, 31)), "w")
	assert.Error(t, err)
	for _, bad := range []string{"", "PRIVATE+KEY+w+00000000", "PRIVATE+KEY+w+0000000+AA==", "PRIVATE+KEY+w+00000000+!",
		strings.Replace(skey, "PRIVATE", "private", 1)} {
		_, err := ledger.NewWitnessSigner(bad, nil)
		assert.ErrorIs(t, err, ledger.ErrMalformed, bad)
	}
	_, err = ledger.NewWitnessSigner(skey[:len("PRIVATE+KEY+w.example/witness+")]+"00000000"+skey[len("PRIVATE+KEY+w.example/witness+00000000"):], nil)
	assert.ErrorContains(t, err, "name and key give")
}
