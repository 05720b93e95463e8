package bmsig

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test keys use the floor parameters so the suite stays fast; production uses the defaults.
var testParams = KDFParams{Time: MinTime, MemoryKiB: MinMemoryKiB, Threads: 1}

var (
	testSalt  = []byte("per-user-salt-07")
	keyOnce   sync.Once
	testKey   *Key
	otherKey  *Key // wrong password, same salt
	legacyKey = LegacyKey([]byte("correct horse"))
)

func keys(t testing.TB) (*Key, *Key) {
	keyOnce.Do(func() {
		var err error
		if testKey, err = DeriveKey([]byte("correct horse"), testSalt, testParams); err != nil {
			panic(err)
		}
		if otherKey, err = DeriveKey([]byte("correct horsf"), testSalt, testParams); err != nil {
			panic(err)
		}
	})
	return testKey, otherKey
}

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

type suiteCase struct {
	suite Suite
	key   func(testing.TB) *Key
	wrong func(testing.TB) *Key
}

func suiteCases() []suiteCase {
	modern := func(t testing.TB) *Key { k, _ := keys(t); return k }
	modernWrong := func(t testing.TB) *Key { _, k := keys(t); return k }
	return []suiteCase{
		{SuiteAEAD, modern, modernWrong},
		{SuiteMAC, modern, modernWrong},
		{SuiteLegacy, func(testing.TB) *Key { return legacyKey }, func(testing.TB) *Key { return LegacyKey([]byte("correct horsf")) }},
	}
}

func newPair(t testing.TB, suite Suite, key *Key, sig *Signature) (*Sender, *Receiver) {
	t.Helper()
	s, err := NewSender(SenderConfig{Key: key, Suite: suite, User: 7, Device: 0x0102030405060708})
	if err != nil {
		t.Fatal(err)
	}
	s.SetSignature(sig)
	r, err := NewReceiver(ReceiverConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func TestSealOpenRoundTrip(t *testing.T) {
	sig := ComputePaper(paperExtremes())
	for _, sc := range suiteCases() {
		t.Run(sc.suite.String(), func(t *testing.T) {
			s, r := newPair(t, sc.suite, sc.key(t), &sig)
			for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 1000} {
				payload := bytes.Repeat([]byte{byte(n)}, n)
				msg, err := s.Seal([]byte("prefix"), payload, t0)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(msg, []byte("prefix")) {
					t.Fatal("Seal did not append to dst")
				}
				msg = msg[len("prefix"):]
				if len(msg) > len(payload)+sc.suite.Overhead() {
					t.Fatalf("message of %d bytes for %d payload bytes, over the overhead %d", len(msg), n, sc.suite.Overhead())
				}
				h, err := ParseHeader(msg)
				if err != nil {
					t.Fatal(err)
				}
				if h.Suite != sc.suite || h.User != 7 || h.Device != 0x0102030405060708 || !h.Time.Equal(t0) {
					t.Fatalf("ParseHeader = %+v", h)
				}
				got, h2, err := r.Open([]byte("x"), msg, sc.key(t), &sig, t0.Add(time.Second))
				if err != nil {
					t.Fatalf("Open(%d bytes) = %v", n, err)
				}
				if !bytes.Equal(got, append([]byte("x"), payload...)) || h2 != h {
					t.Fatalf("Open = %q, %+v; want %q, %+v", got, h2, payload, h)
				}
			}
			if s.NextSeq() != 10 {
				t.Fatalf("NextSeq = %d, want 10", s.NextSeq())
			}
		})
	}
}

// TestEveryBitFlipRejected flips each bit of a sealed message in turn; the receiver must
// reject every variant and still accept the original afterwards (rejections leave the
// replay state alone).
func TestEveryBitFlipRejected(t *testing.T) {
	sig := ComputePaper(paperExtremes())
	for _, sc := range suiteCases() {
		t.Run(sc.suite.String(), func(t *testing.T) {
			s, r := newPair(t, sc.suite, sc.key(t), &sig)
			msg, err := s.Seal(nil, []byte("systolic 120 diastolic 80 pulse 72"), t0)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 0, 256)
			for i := range 8 * len(msg) {
				bad := bytes.Clone(msg)
				bad[i/8] ^= 1 << (i % 8)
				if _, _, err := r.Open(buf, bad, sc.key(t), &sig, t0); err == nil {
					t.Fatalf("flipping bit %d (byte %d) was accepted", i, i/8)
				}
			}
			if _, _, err := r.Open(nil, msg, sc.key(t), &sig, t0); err != nil {
				t.Fatalf("original rejected after the flips: %v", err)
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	sig := ComputePaper(paperExtremes())
	otherSig := sig
	otherSig[0] ^= 0x80
	for _, sc := range suiteCases() {
		t.Run(sc.suite.String(), func(t *testing.T) {
			s, r := newPair(t, sc.suite, sc.key(t), &sig)
			msg, err := s.Seal(nil, []byte("glucose 110"), t0)
			if err != nil {
				t.Fatal(err)
			}
			wrongKeyErr := ErrWrongKey
			if sc.suite == SuiteLegacy {
				wrongKeyErr = ErrTampered // the published scheme cannot tell
			}
			if _, _, err := r.Open(nil, msg, sc.wrong(t), &sig, t0); !errors.Is(err, wrongKeyErr) {
				t.Errorf("wrong password: %v, want %v", err, wrongKeyErr)
			}
			if _, _, err := r.Open(nil, msg, sc.key(t), &otherSig, t0); !errors.Is(err, ErrTampered) {
				t.Errorf("wrong BM-signature: %v, want ErrTampered", err)
			}
			if _, _, err := r.Open(nil, msg, sc.key(t), &sig, t0.Add(6*time.Minute)); !errors.Is(err, ErrStale) {
				t.Errorf("old message: %v, want ErrStale", err)
			}
			if _, _, err := r.Open(nil, msg, sc.key(t), &sig, t0.Add(-2*time.Minute)); !errors.Is(err, ErrStale) {
				t.Errorf("message from the future: %v, want ErrStale", err)
			}
			if sc.suite != SuiteLegacy {
				if _, _, err := r.Open(nil, msg, legacyKey, &sig, t0); !errors.Is(err, ErrSuite) {
					t.Errorf("legacy key on a modern message: %v, want ErrSuite", err)
				}
			}
			// Every strict prefix fails, and so does any extension.
			for n := range len(msg) {
				if _, _, err := r.Open(nil, msg[:n], sc.key(t), &sig, t0); err == nil {
					t.Fatalf("prefix of %d/%d bytes accepted", n, len(msg))
				}
			}
			if _, _, err := r.Open(nil, append(bytes.Clone(msg), 0), sc.key(t), &sig, t0); err == nil {
				t.Fatal("extended message accepted")
			}
			if _, _, err := r.Open(nil, msg, sc.key(t), &sig, t0); err != nil {
				t.Fatalf("Open after rejections: %v", err)
			}
			if _, _, err := r.Open(nil, msg, sc.key(t), &sig, t0); !errors.Is(err, ErrReplay) {
				t.Errorf("replay: %v, want ErrReplay", err)
			}
		})
	}
}

func TestTruncatedMalformed(t *testing.T) {
	key, _ := keys(t)
	var sig Signature
	r, _ := NewReceiver(ReceiverConfig{})
	for n := range HeaderSize {
		_, _, err := r.Open(nil, make([]byte, n), key, &sig, t0)
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("Open(%d zero bytes) = %v, want a *DecodeError wrapping ErrMalformed", n, err)
		}
	}
}

func TestReplayWindow(t *testing.T) {
	key, _ := keys(t)
	var sig Signature
	s, _ := NewSender(SenderConfig{Key: key, User: 1, Device: 2})
	s.SetSignature(&sig)
	msgs := make([][]byte, 200)
	for i := range msgs {
		msgs[i], _ = s.Seal(nil, []byte{byte(i)}, t0) // seq i+1
	}
	open := func(r *Receiver, i int) error {
		_, _, err := r.Open(nil, msgs[i], key, &sig, t0)
		return err
	}
	r, err := NewReceiver(ReceiverConfig{ReorderWindow: 8})
	if err != nil {
		t.Fatal(err)
	}
	must(t, open(r, 10))                                  // seq 11
	must(t, open(r, 5))                                   // seq 6: 5 behind, inside the window of 8
	must(t, open(r, 3))                                   // seq 4: 7 behind
	if err := open(r, 2); !errors.Is(err, ErrReordered) { // seq 3: 8 behind
		t.Fatalf("8 behind: %v, want ErrReordered", err)
	}
	if err := open(r, 5); !errors.Is(err, ErrReplay) {
		t.Fatalf("seq 6 again: %v, want ErrReplay", err)
	}
	must(t, open(r, 100)) // a jump clears the bitmap
	if err := open(r, 10); !errors.Is(err, ErrReordered) {
		t.Fatalf("after the jump: %v, want ErrReordered", err)
	}
	must(t, open(r, 99))

	// Persist, restore into a fresh receiver, and check the restored state behaves alike.
	state, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := NewReceiver(ReceiverConfig{ReorderWindow: 8})
	must(t, r2.UnmarshalBinary(state))
	for _, i := range []int{100, 99} {
		if err := open(r2, i); !errors.Is(err, ErrReplay) {
			t.Fatalf("restored receiver, msg %d: %v, want ErrReplay", i, err)
		}
	}
	must(t, open(r2, 98))
	must(t, open(r2, 101))
	again, _ := r2.MarshalBinary()
	if bytes.Equal(again, state) {
		t.Fatal("state did not change after accepting messages")
	}
	// Strict order with a window of 1.
	r3, _ := NewReceiver(ReceiverConfig{ReorderWindow: 1})
	must(t, open(r3, 1))
	if err := open(r3, 0); !errors.Is(err, ErrReordered) {
		t.Fatalf("window 1, older: %v, want ErrReordered", err)
	}
	if _, err := NewReceiver(ReceiverConfig{ReorderWindow: 65}); err == nil {
		t.Fatal("ReorderWindow 65 accepted")
	}
}

func TestReceiverStateDecode(t *testing.T) {
	key, _ := keys(t)
	var sig Signature
	r, _ := NewReceiver(ReceiverConfig{})
	for user := range uint64(3) {
		s, _ := NewSender(SenderConfig{Key: key, User: user, Device: 9, NextSeq: 70 * (user + 1)})
		for range 3 {
			m, _ := s.Seal(nil, nil, t0)
			_, _, err := r.Open(nil, m, key, &sig, t0)
			must(t, err)
		}
	}
	state, _ := r.MarshalBinary()
	if len(state) != stateHeaderSize+3*stateEntrySize {
		t.Fatalf("state of %d bytes", len(state))
	}
	for n := range len(state) {
		if err := new(Receiver).UnmarshalBinary(state[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix of %d bytes: %v, want ErrMalformed", n, err)
		}
	}
	for _, bad := range []struct {
		name string
		off  int
		val  byte
	}{
		{"magic", 0, 'X'}, {"version", 4, 2}, {"count", 8, 4},
		{"unsorted", stateHeaderSize + 7, 5},            // user 0 becomes 5, after user 1
		{"seen without bit 0", stateHeaderSize + 31, 0}, // low byte of seen
	} {
		b := bytes.Clone(state)
		b[bad.off] = bad.val
		if err := new(Receiver).UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", bad.name, err)
		}
	}
}

func TestDeriveKeyChecks(t *testing.T) {
	if _, err := DeriveKey([]byte("pw"), []byte("short"), testParams); !errors.Is(err, ErrWeakParams) {
		t.Errorf("short salt: %v", err)
	}
	if _, err := DeriveKey([]byte("pw"), testSalt, KDFParams{Time: 1, MemoryKiB: MinMemoryKiB}); !errors.Is(err, ErrWeakParams) {
		t.Errorf("time 1: %v", err)
	}
	if _, err := DeriveKey([]byte("pw"), testSalt, KDFParams{Time: 2, MemoryKiB: 8192}); !errors.Is(err, ErrWeakParams) {
		t.Errorf("8 MiB: %v", err)
	}
	k, _ := keys(t)
	k2, err := DeriveKey([]byte("correct horse"), []byte("per-user-salt-08"), testParams)
	must(t, err)
	if k.ID() == k2.ID() {
		t.Error("different salts gave the same key identifier")
	}
	if _, err := NewSender(SenderConfig{Key: k, Suite: SuiteLegacy}); !errors.Is(err, ErrSuite) {
		t.Errorf("modern key with SuiteLegacy: %v", err)
	}
	if _, err := NewSender(SenderConfig{Key: legacyKey}); !errors.Is(err, ErrSuite) {
		t.Errorf("legacy key with the default suite: %v", err)
	}
	if _, err := NewSender(SenderConfig{Key: k, Suite: 9}); !errors.Is(err, ErrSuite) {
		t.Errorf("suite 9: %v", err)
	}
	salt, err := NewSalt()
	must(t, err)
	if len(salt) != MinSaltSize {
		t.Errorf("NewSalt: %d bytes", len(salt))
	}
}

func TestSenderResume(t *testing.T) {
	key, _ := keys(t)
	var sig Signature
	s, _ := NewSender(SenderConfig{Key: key, NextSeq: 41})
	m, _ := s.Seal(nil, nil, t0)
	h, _ := ParseHeader(m)
	if h.Seq != 41 || s.NextSeq() != 42 {
		t.Fatalf("seq %d, next %d; want 41, 42", h.Seq, s.NextSeq())
	}
	_ = sig
	s2, _ := NewSender(SenderConfig{Key: key, NextSeq: 1<<64 - 1})
	if _, err := s2.Seal(nil, nil, t0); !errors.Is(err, ErrSequenceExhausted) {
		t.Fatalf("exhausted: %v", err)
	}
}

func TestSealOpenAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	sig := ComputePaper(paperExtremes())
	payload := make([]byte, 1024)
	for _, sc := range suiteCases() {
		suite, key := sc.suite, sc.key(t)
		s, r := newPair(t, suite, key, &sig)
		out := make([]byte, 0, 2048)
		plain := make([]byte, 0, 2048)
		var msg []byte
		if n := testing.AllocsPerRun(100, func() {
			msg, _ = s.Seal(out[:0], payload, t0)
		}); n != 0 {
			t.Errorf("%v: Seal allocates %v times, want 0", suite, n)
		}
		id := senderID{7, 0x0102030405060708}
		if _, _, err := r.Open(plain[:0], msg, key, &sig, t0); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() {
			delete(r.senders, id) // let the same message open again
			if _, _, err := r.Open(plain[:0], msg, key, &sig, t0); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v: Open allocates %v times, want 0", suite, n)
		}
	}
}

// TestKeyConcurrentUse shares one Key between goroutines that each own a Sender and a
// Receiver (run it with -race).
func TestKeyConcurrentUse(t *testing.T) {
	key, _ := keys(t)
	sig := ComputePaper(paperExtremes())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			suite := []Suite{SuiteAEAD, SuiteMAC}[g%2]
			s, err := NewSender(SenderConfig{Key: key, Suite: suite, User: uint64(g)})
			if err != nil {
				errs <- err
				return
			}
			s.SetSignature(&sig)
			r, _ := NewReceiver(ReceiverConfig{})
			for i := range 200 {
				m, err := s.Seal(nil, []byte{byte(i)}, t0)
				if err == nil {
					_, _, err = r.Open(nil, m, key, &sig, t0)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestErrorsCarryNoSecrets collects the errors of rejected messages and checks that none
// quotes the password, the BM-signature or the payload.
func TestErrorsCarryNoSecrets(t *testing.T) {
	sig := ComputePaper(paperExtremes())
	other := sig
	other[5] ^= 4
	secrets := []string{"correct horse", fmt.Sprintf("%x", sig[:8]), fmt.Sprintf("%x", other[:8]), "SECRET-PAYLOAD"}
	for _, sc := range suiteCases() {
		s, r := newPair(t, sc.suite, sc.key(t), &sig)
		msg, _ := s.Seal(nil, []byte("SECRET-PAYLOAD"), t0)
		var errs []error
		_, _, err := r.Open(nil, msg, sc.wrong(t), &sig, t0)
		errs = append(errs, err)
		_, _, err = r.Open(nil, msg, sc.key(t), &other, t0)
		errs = append(errs, err)
		_, _, err = r.Open(nil, msg[:len(msg)-1], sc.key(t), &sig, t0)
		errs = append(errs, err)
		_, _, _ = r.Open(nil, msg, sc.key(t), &sig, t0)
		_, _, err = r.Open(nil, msg, sc.key(t), &sig, t0)
		errs = append(errs, err)
		for _, err := range errs {
			if err == nil {
				t.Fatalf("%v: a bad message was accepted", sc.suite)
			}
			for _, sec := range secrets {
				if strings.Contains(err.Error(), sec) {
					t.Errorf("%v: error %q contains a secret", sc.suite, err)
				}
			}
		}
	}
}
