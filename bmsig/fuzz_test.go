package bmsig

import (
	"bytes"
	"errors"
	"math/big"
	"testing"
	"time"
)

// fuzzSeeds seals a few messages with every suite.
func fuzzSeeds(t testing.TB) [][]byte {
	sig := ComputePaper(paperExtremes())
	var out [][]byte
	for _, sc := range suiteCases() {
		s, _ := newPair(t, sc.suite, sc.key(t), &sig)
		for _, p := range []string{"", "x", "systolic 120 diastolic 80", string(bytes.Repeat([]byte{0xe7}, 100))} {
			m, err := s.Seal(nil, []byte(p), t0)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	return out
}

// FuzzOpen feeds arbitrary messages to Receiver.Open with each kind of key. Open must not
// panic, must report one of the package's errors and leave dst alone on failure, and may
// succeed only on a message it can re-seal byte for byte from the opened header and payload.
func FuzzOpen(f *testing.F) {
	seeds := fuzzSeeds(f)
	for _, m := range seeds {
		f.Add(m)
		f.Add(m[:len(m)/2])
	}
	key, _ := keys(f)
	sig := ComputePaper(paperExtremes())
	known := []error{ErrMalformed, ErrTampered, ErrWrongKey, ErrReplay, ErrReordered, ErrStale, ErrSuite}
	f.Fuzz(func(t *testing.T, msg []byte) {
		for _, k := range []*Key{key, legacyKey} {
			r, _ := NewReceiver(ReceiverConfig{})
			dst := []byte("keep")
			out, h, err := r.Open(dst, msg, k, &sig, t0)
			if err != nil {
				if string(out) != "keep" {
					t.Fatalf("failed Open changed dst to %q", out)
				}
				ok := false
				for _, e := range known {
					ok = ok || errors.Is(err, e)
				}
				if !ok {
					t.Fatalf("Open returned an unclassified error: %v", err)
				}
				continue
			}
			payload := out[len("keep"):]
			if ph, err := ParseHeader(msg); err != nil || ph != h {
				t.Fatalf("Open succeeded but ParseHeader = %+v, %v; Open's header %+v", ph, err, h)
			}
			// Re-seal: the randomness is the nonce prefix (AEAD) or the IV (legacy).
			var rnd []byte
			switch h.Suite {
			case SuiteAEAD:
				rnd = msg[HeaderSize : HeaderSize+NonceSize-8]
			case SuiteLegacy:
				rnd = msg[HeaderSize : HeaderSize+LegacyIVSize]
			}
			s, err := NewSender(SenderConfig{Key: k, Suite: h.Suite, User: h.User, Device: h.Device, NextSeq: h.Seq, Rand: bytes.NewReader(rnd)})
			if err != nil {
				t.Fatal(err)
			}
			s.SetSignature(&sig)
			again, err := s.Seal(nil, payload, h.Time)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, msg) {
				t.Fatalf("opened message does not re-seal to itself:\n got %x\nwant %x", again, msg)
			}
			// And it is now a replay.
			if _, _, err := r.Open(nil, msg, k, &sig, t0); !errors.Is(err, ErrReplay) {
				t.Fatalf("second Open = %v, want ErrReplay", err)
			}
		}
	})
}

// FuzzReceiverState round-trips persisted replay state: whatever UnmarshalBinary accepts,
// MarshalBinary must reproduce exactly, and a strict prefix must never decode.
func FuzzReceiverState(f *testing.F) {
	key, _ := keys(f)
	var sig Signature
	r, _ := NewReceiver(ReceiverConfig{})
	for user := range uint64(4) {
		s, _ := NewSender(SenderConfig{Key: key, User: user, Device: user * 3, NextSeq: 1 + 40*user})
		for range 5 {
			m, _ := s.Seal(nil, nil, t0)
			if _, _, err := r.Open(nil, m, key, &sig, t0); err != nil {
				f.Fatal(err)
			}
		}
		st, _ := r.MarshalBinary()
		f.Add(st)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Receiver
		if err := r.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("UnmarshalBinary error %v does not wrap ErrMalformed", err)
			}
			return
		}
		out, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("MarshalBinary = %x, %v; want %x", out, err, b)
		}
		if len(b) > stateHeaderSize {
			if err := new(Receiver).UnmarshalBinary(b[:len(b)-1]); err == nil {
				t.Fatal("a strict prefix decoded")
			}
		}
	})
}

// FuzzDecimal checks ParseDecimal/String round trips and Cmp against exact rational
// arithmetic.
func FuzzDecimal(f *testing.F) {
	f.Add("120", int64(120), int8(0), int64(12), int8(1))
	f.Add("-0.005", int64(-9223372036854775808), int8(-128), int64(1), int8(127))
	f.Add("36.60", int64(366), int8(-1), int64(3660), int8(-2))
	f.Fuzz(func(t *testing.T, s string, m1 int64, e1 int8, m2 int64, e2 int8) {
		if d, err := ParseDecimal(s); err == nil {
			txt := d.String()
			d2, err := ParseDecimal(txt)
			if err != nil || d2 != d || d2.String() != txt {
				t.Fatalf("ParseDecimal(%q) = %#v; its text %q reparses to %#v, %v", s, d, txt, d2, err)
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatalf("ParseDecimal error %v does not wrap ErrMalformed", err)
		}
		a, b := Decimal{m1, e1}, Decimal{m2, e2}
		for _, d := range []Decimal{a, b} {
			p, err := ParseDecimal(d.String())
			if err != nil || p.Cmp(d) != 0 || p != d.Normalize() {
				t.Fatalf("%#v: text %q parses to %#v, %v", d, d.String(), p, err)
			}
		}
		if got, want := a.Cmp(b), rat(a).Cmp(rat(b)); got != want {
			t.Fatalf("%v.Cmp(%v) = %d, want %d", a, b, got, want)
		}
	})
}

func rat(d Decimal) *big.Rat {
	r := new(big.Rat).SetInt64(d.Mant)
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(int(d.Exp)))), nil))
	if d.Exp >= 0 {
		return r.Mul(r, p)
	}
	return r.Quo(r, p)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// FuzzTracker folds a byte-driven measurement stream into a Tracker and compares its
// extremes with a full scan.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 200, 100, 50})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 3*200 { // the reference scan is quadratic; 200 measurements suffice
			data = data[:3*200]
		}
		tr := NewTracker(TrackerConfig{Months: 1})
		type meas struct {
			code uint32
			at   time.Time
			v    Decimal
		}
		var all []meas
		at := time.Date(2024, 1, 29, 0, 0, 0, 0, time.UTC)
		for len(data) >= 3 {
			at = at.Add(time.Duration(data[0]) * 3 * time.Hour)
			m := meas{uint32(data[1] % 3), at, Decimal{int64(int8(data[2])), int8(data[1]>>4) - 8}}
			data = data[3:]
			if err := tr.Add(m.code, m.at, m.v); err != nil {
				t.Fatal(err)
			}
			all = append(all, m)
		}
		cut := time.Unix(0, tr.cutoff(at))
		got := tr.AppendExtremes(nil, at)
		gi := 0
		for code := uint32(0); code < 3; code++ {
			var e *Extremes
			for _, x := range all {
				if x.code != code || x.at.Before(cut) {
					continue
				}
				if e == nil {
					e = &Extremes{Code: code, High: x.v, Low: x.v}
				}
				if x.v.Cmp(e.High) > 0 {
					e.High = x.v
				}
				if x.v.Cmp(e.Low) < 0 {
					e.Low = x.v
				}
			}
			if e == nil {
				continue
			}
			if gi >= len(got) || got[gi].Code != code || got[gi].High.Cmp(e.High) != 0 || got[gi].Low.Cmp(e.Low) != 0 {
				t.Fatalf("extremes %v, want %v for code %d", got, *e, code)
			}
			gi++
		}
		if gi != len(got) {
			t.Fatalf("extremes %v: %d extra", got, len(got)-gi)
		}
	})
}
