package bmsig

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// go test ./bmsig -run TestKnownAnswers -update rewrites testdata/kat.json from the inputs
// below. The committed file is frozen: a change in any output fails the test.
var update = flag.Bool("update", false, "rewrite testdata/kat.json")

type katVector struct {
	Name      string `json:"name"`
	Suite     string `json:"suite"`    // "aead", "mac" or "legacy"
	Password  string `json:"password"` // UTF-8
	Salt      string `json:"salt,omitempty"`
	Time      uint32 `json:"argon2_time,omitempty"`
	MemoryKiB uint32 `json:"argon2_memory_kib,omitempty"`
	Threads   uint8  `json:"argon2_threads,omitempty"`
	User      uint64 `json:"user"`
	Device    uint64 `json:"device"`
	Seq       uint64 `json:"seq"`
	UnixMilli int64  `json:"unix_milli"`
	SigText   string `json:"signature_text"` // SHA-512 of this text is the BM-signature
	Signature string `json:"signature"`
	Rand      string `json:"rand"` // bytes the sender draws: AEAD nonce prefix or legacy IV
	Payload   string `json:"payload"`
	Master    string `json:"argon2id_master,omitempty"` // Argon2id output, HKDF input
	KeyID     string `json:"key_id,omitempty"`
	Message   string `json:"message"`
	// Negative vectors: open Message with OpenPassword / OpenSigText; expect Error.
	OpenPassword string `json:"open_password,omitempty"`
	OpenSigText  string `json:"open_signature_text,omitempty"`
	Error        string `json:"error,omitempty"` // "tampered", "wrong-key" or "malformed"
}

var katSuites = map[string]Suite{"aead": SuiteAEAD, "mac": SuiteMAC, "legacy": SuiteLegacy}

// katInputs are the vectors' inputs; outputs are filled in by sealing.
func katInputs() []katVector {
	const apdu = "e7000054005200010050000000000000" // an 11073 PRST-like prefix, as plain bytes
	v := func(name, suite, payload string, seq uint64, rnd string) katVector {
		k := katVector{
			Name: name, Suite: suite, Password: "correct horse", Salt: hex.EncodeToString(testSalt),
			Time: testParams.Time, MemoryKiB: testParams.MemoryKiB, Threads: testParams.Threads,
			User: 7, Device: 0x0102030405060708, Seq: seq, UnixMilli: t0.UnixMilli(),
			SigText: paperCanonic, Rand: rnd, Payload: payload,
		}
		if suite == "legacy" {
			k.Salt, k.Time, k.MemoryKiB, k.Threads = "", 0, 0, 0
			k.SigText = paperText
		}
		return k
	}
	prefix := "000102030405060708090a0b0c0d0e0f"
	vs := []katVector{
		v("aead-empty", "aead", "", 1, prefix),
		v("aead-apdu", "aead", apdu, 2, prefix),
		v("aead-long", "aead", hex.EncodeToString(bytes.Repeat([]byte("bp 120/80;"), 20)), 1000, "f0e1d2c3b4a5968778695a4b3c2d1e0f"),
		v("mac-empty", "mac", "", 1, ""),
		v("mac-apdu", "mac", apdu, 3, ""),
		v("legacy-empty", "legacy", "", 1, "1122334455667788"),
		v("legacy-apdu", "legacy", apdu, 2, "8877665544332211"),
		v("legacy-block-aligned", "legacy", hex.EncodeToString([]byte("abcdefghij")), 3, "0000000000000000"), // 42+10+64 = 116: pad 4
		v("legacy-full-pad", "legacy", hex.EncodeToString([]byte("abcdefghijklmn")), 4, "ffffffffffffffff"),  // 42+14+64 = 120: pad 8
	}
	d := v("aead-default-params", "aead", apdu, 5, prefix)
	d.Time, d.MemoryKiB, d.Threads = 0, 0, 0 // the defaults
	vs = append(vs, d)
	neg := func(base katVector, name, pw, sigText, errName string) katVector {
		base.Name, base.OpenPassword, base.OpenSigText, base.Error = name, pw, sigText, errName
		return base
	}
	vs = append(vs,
		neg(vs[1], "aead-wrong-password", "correct horsf", "", "wrong-key"),
		neg(vs[1], "aead-wrong-signature", "", paperText, "tampered"),
		neg(vs[4], "mac-wrong-signature", "", paperText, "tampered"),
		neg(vs[6], "legacy-wrong-password", "correct horsf", "", "tampered"),
		neg(vs[6], "legacy-wrong-signature", "", paperCanonic, "tampered"),
	)
	return vs
}

var katErrors = map[string]error{"tampered": ErrTampered, "wrong-key": ErrWrongKey, "malformed": ErrMalformed}

func katKey(t *testing.T, v *katVector, password string, cache map[string]*Key) *Key {
	t.Helper()
	if v.Suite == "legacy" {
		return LegacyKey([]byte(password))
	}
	id := fmt.Sprint(password, "|", v.Salt, "|", v.Time, "|", v.MemoryKiB, "|", v.Threads)
	if k := cache[id]; k != nil {
		return k
	}
	salt, _ := hex.DecodeString(v.Salt)
	k, err := DeriveKey([]byte(password), salt, KDFParams{Time: v.Time, MemoryKiB: v.MemoryKiB, Threads: v.Threads})
	if err != nil {
		t.Fatal(err)
	}
	cache[id] = k
	return k
}

var katMasters = map[string][]byte{}

// katMaster returns the Argon2id master secret of v's password (computed once per inputs).
func katMaster(v *katVector) []byte {
	p := KDFParams{Time: v.Time, MemoryKiB: v.MemoryKiB, Threads: v.Threads}.withDefaults()
	id := fmt.Sprint(v.Password, "|", v.Salt, "|", p)
	if m, ok := katMasters[id]; ok {
		return m
	}
	salt, _ := hex.DecodeString(v.Salt)
	m := argon2Master([]byte(v.Password), salt, p)
	katMasters[id] = m
	return m
}

func katSeal(t *testing.T, v *katVector, key *Key) []byte {
	t.Helper()
	rnd, _ := hex.DecodeString(v.Rand)
	s, err := NewSender(SenderConfig{Key: key, Suite: katSuites[v.Suite], User: v.User, Device: v.Device, NextSeq: v.Seq, Rand: bytes.NewReader(rnd)})
	if err != nil {
		t.Fatal(err)
	}
	sig := Signature(sha512.Sum512([]byte(v.SigText)))
	s.SetSignature(&sig)
	payload, _ := hex.DecodeString(v.Payload)
	msg, err := s.Seal(nil, payload, time.UnixMilli(v.UnixMilli))
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestKnownAnswers(t *testing.T) {
	path := filepath.Join("testdata", "kat.json")
	cache := map[string]*Key{}
	if *update {
		vs := katInputs()
		for i := range vs {
			v := &vs[i]
			key := katKey(t, v, v.Password, cache)
			sig := sha512.Sum512([]byte(v.SigText))
			v.Signature = hex.EncodeToString(sig[:])
			if !key.Legacy() {
				id := key.ID()
				v.KeyID = hex.EncodeToString(id[:])
				v.Master = hex.EncodeToString(katMaster(v))
			}
			v.Message = hex.EncodeToString(katSeal(t, v, key))
		}
		b, err := json.MarshalIndent(vs, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vs []katVector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(katInputs()) {
		t.Fatalf("%s has %d vectors, the inputs %d: rerun with -update", path, len(vs), len(katInputs()))
	}
	for i := range vs {
		v := &vs[i]
		t.Run(v.Name, func(t *testing.T) {
			key := katKey(t, v, v.Password, cache)
			sig := Signature(sha512.Sum512([]byte(v.SigText)))
			if hex.EncodeToString(sig[:]) != v.Signature {
				t.Fatalf("signature = %x, want %s", sig, v.Signature)
			}
			if !key.Legacy() {
				if id := key.ID(); hex.EncodeToString(id[:]) != v.KeyID {
					t.Fatalf("key id = %x, want %s", id, v.KeyID)
				}
				if m := katMaster(v); hex.EncodeToString(m) != v.Master {
					t.Fatalf("Argon2id master = %x, want %s", m, v.Master)
				}
			}
			if got := hex.EncodeToString(katSeal(t, v, key)); got != v.Message {
				t.Fatalf("sealed\n %s\nwant\n %s", got, v.Message)
			}
			msg, _ := hex.DecodeString(v.Message)
			openKey, openSig := key, sig
			if v.OpenPassword != "" {
				openKey = katKey(t, v, v.OpenPassword, cache)
			}
			if v.OpenSigText != "" {
				openSig = sha512.Sum512([]byte(v.OpenSigText))
			}
			r, _ := NewReceiver(ReceiverConfig{})
			got, _, err := r.Open(nil, msg, openKey, &openSig, time.UnixMilli(v.UnixMilli))
			if v.Error != "" {
				if !errors.Is(err, katErrors[v.Error]) {
					t.Fatalf("Open = %v, want %s", err, v.Error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != v.Payload {
				t.Fatalf("Open = %x, want %s", got, v.Payload)
			}
		})
	}
}

// TestKnownAnswersIndependent checks kat.json with testdata/katcheck.py, an implementation
// written from the specifications on top of Python's pyca/cryptography (Debian package
// python3-cryptography). It skips when python3 or the module is missing.
func TestKnownAnswersIndependent(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed; the independent known-answer check needs python3 and python3-cryptography")
	}
	if err := exec.Command(py, "-c", "import cryptography").Run(); err != nil {
		t.Skip("python3 lacks the cryptography module (Debian: python3-cryptography)")
	}
	out, err := exec.Command(py, filepath.Join("testdata", "katcheck.py"), filepath.Join("testdata", "kat.json")).CombinedOutput()
	if err != nil {
		t.Fatalf("katcheck.py: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
