package bmsig

import (
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

var benchSizes = []struct {
	name string
	n    int
}{{"64B", 64}, {"1KiB", 1024}, {"64KiB", 64 * 1024}}

func BenchmarkSeal(b *testing.B) {
	key, _ := keys(b)
	sig := ComputePaper(paperExtremes())
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			s, _ := newPair(b, SuiteAEAD, key, &sig)
			payload := make([]byte, sz.n)
			out := make([]byte, 0, sz.n+SuiteAEAD.Overhead())
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				out, _ = s.Seal(out[:0], payload, t0)
			}
			reportCPU(b, start)
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	key, _ := keys(b)
	sig := ComputePaper(paperExtremes())
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			s, r := newPair(b, SuiteAEAD, key, &sig)
			msg, _ := s.Seal(nil, make([]byte, sz.n), t0)
			out := make([]byte, 0, sz.n)
			id := senderID{7, 0x0102030405060708}
			now := t0.Add(time.Second)
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				delete(r.senders, id) // forget the message so it opens again
				var err error
				if out, _, err = r.Open(out[:0], msg, key, &sig, now); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkRawXChaCha20Poly1305_1KiB is the baseline for Seal and Open: the bare AEAD on
// 1 KiB, no header, no additional data.
func BenchmarkRawXChaCha20Poly1305_1KiB(b *testing.B) {
	aead, _ := chacha20poly1305.NewX(make([]byte, 32))
	nonce := make([]byte, NonceSize)
	payload := make([]byte, 1024)
	out := make([]byte, 0, 1024+AEADTagSize)
	b.Run("Seal", func(b *testing.B) {
		b.SetBytes(1024)
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			out = aead.Seal(out[:0], nonce, payload, nil)
		}
		reportCPU(b, start)
	})
	ct := aead.Seal(nil, nonce, payload, nil)
	b.Run("Open", func(b *testing.B) {
		b.SetBytes(1024)
		b.ReportAllocs()
		start := cpuTime()
		for b.Loop() {
			var err error
			if out, err = aead.Open(out[:0], nonce, ct, nil); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, start)
	})
}

func BenchmarkSealMAC1KiB(b *testing.B) {
	key, _ := keys(b)
	sig := ComputePaper(paperExtremes())
	s, _ := newPair(b, SuiteMAC, key, &sig)
	payload := make([]byte, 1024)
	out := make([]byte, 0, 1024+SuiteMAC.Overhead())
	b.SetBytes(1024)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		out, _ = s.Seal(out[:0], payload, t0)
	}
	reportCPU(b, start)
}

func BenchmarkSealLegacy1KiB(b *testing.B) {
	sig := ComputePaper(paperExtremes())
	s, _ := newPair(b, SuiteLegacy, legacyKey, &sig)
	payload := make([]byte, 1024)
	out := make([]byte, 0, 1024+SuiteLegacy.Overhead())
	b.SetBytes(1024)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		out, _ = s.Seal(out[:0], payload, t0)
	}
	reportCPU(b, start)
}

// BenchmarkSignatureUpdate measures one measurement folded into a Tracker (four types, a
// six-month window in steady state).
func BenchmarkSignatureUpdate(b *testing.B) {
	tr := NewTracker(TrackerConfig{})
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	step := func() {
		i++
		at = at.Add(time.Minute)
		_ = tr.Add(uint32(codePulse+i%4), at, dec(int64(60+(i*7919)%50), 0))
	}
	for range 300000 {
		step()
	}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		step()
	}
	reportCPU(b, start)
}

// BenchmarkSignatureCompute measures producing the signature from a Tracker's window.
func BenchmarkSignatureCompute(b *testing.B) {
	tr := NewTracker(TrackerConfig{})
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		at = at.Add(time.Minute)
		_ = tr.Add(uint32(codePulse+i%4), at, dec(int64(60+i%50), 0))
	}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		_ = tr.Signature(at)
	}
	reportCPU(b, start)
}

func BenchmarkDeriveKeyDefault(b *testing.B) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := DeriveKey([]byte("correct horse"), testSalt, KDFParams{}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
