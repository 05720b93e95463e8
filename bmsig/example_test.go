package bmsig_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/phdkit/phdkit/bmsig"
)

// The published example: highest/lowest blood pressure 120/80, glucose 110/70, pulse
// 100/60 and body fat 20/15, keyed by their 11073 nomenclature codes.
func paperExample() []bmsig.Extremes {
	return []bmsig.Extremes{
		{Code: 18948, High: bmsig.Decimal{Mant: 120}, Low: bmsig.Decimal{Mant: 80}}, // MDC_PRESS_BLD_NONINV
		{Code: 29112, High: bmsig.Decimal{Mant: 110}, Low: bmsig.Decimal{Mant: 70}}, // MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD
		{Code: 18474, High: bmsig.Decimal{Mant: 100}, Low: bmsig.Decimal{Mant: 60}}, // MDC_PULS_RATE_NON_INV
		{Code: 57676, High: bmsig.Decimal{Mant: 20}, Low: bmsig.Decimal{Mant: 15}},  // MDC_BODY_FAT
	}
}

func ExampleCompute() {
	ex := paperExample()
	bmsig.SortExtremes(ex)
	text, _ := bmsig.AppendCanonical(nil, ex)
	sig, _ := bmsig.Compute(ex)
	fmt.Printf("%s", text)
	fmt.Printf("%x\n", sig[:8])
	// Output:
	// phdkit-bmsig-v1
	// 18474 100 60
	// 18948 120 80
	// 29112 110 70
	// 57676 20 15
	// 28e565b94d848a68
}

func ExampleComputePaper() {
	ex := paperExample() // in the paper's order
	fmt.Printf("SHA512(%s)\n", bmsig.AppendPaperText(nil, ex))
	sig := bmsig.ComputePaper(ex)
	fmt.Printf("%x\n", sig[:8])
	// Output:
	// SHA512(120, 80, 110, 70, 100, 60, 20, 15)
	// f2ac3d8c1d1d5987
}

func ExampleDecimal() {
	// An 11073 SFLOAT of mantissa 366, exponent -1, and the same number scaled otherwise.
	a := bmsig.Decimal{Mant: 366, Exp: -1}
	b, _ := bmsig.ParseDecimal("36.600")
	fmt.Println(a, b, a.Cmp(b))
	fmt.Println(bmsig.Decimal{Mant: 12, Exp: 2}, bmsig.Decimal{Mant: -5, Exp: -3})
	// Output:
	// 36.6 36.6 0
	// 1200 -0.005
}

func ExampleTracker() {
	tr := bmsig.NewTracker(bmsig.TrackerConfig{Months: 1})
	day := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	for i, bpm := range []int64{72, 150, 64, 80} {
		_ = tr.Add(18474, day.AddDate(0, 0, 10*i), bmsig.Decimal{Mant: bpm}) // pulse rate
	}
	now := day.AddDate(0, 0, 30)
	fmt.Println(tr.AppendExtremes(nil, now))
	// More than a month after the 150 (11 January), it has expired.
	fmt.Println(tr.AppendExtremes(nil, now.AddDate(0, 0, 12)))
	// Output:
	// [{18474 150 64}]
	// [{18474 80 64}]
}

func Example() {
	// Derive once per user; production uses KDFParams{} (the defaults). The floor
	// parameters keep this example fast.
	salt := []byte("user-7-salt-0001") // store a NewSalt() result per user
	params := bmsig.KDFParams{Time: bmsig.MinTime, MemoryKiB: bmsig.MinMemoryKiB, Threads: 1}
	key, err := bmsig.DeriveKey([]byte("correct horse battery"), salt, params)
	if err != nil {
		panic(err)
	}
	ex := paperExample()
	bmsig.SortExtremes(ex)
	sig, _ := bmsig.Compute(ex)

	// Sender (a device or gateway).
	s, _ := bmsig.NewSender(bmsig.SenderConfig{Key: key, User: 7, Device: 0x0102030405060708})
	s.SetSignature(&sig)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	msg, _ := s.Seal(nil, []byte("systolic 120 mmHg"), now)

	// Receiver (the server): read the header, look up the user's key and signature, open.
	r, _ := bmsig.NewReceiver(bmsig.ReceiverConfig{})
	h, _ := bmsig.ParseHeader(msg)
	fmt.Println(h.Suite, h.User, h.Seq, len(msg))
	payload, _, err := r.Open(nil, msg, key, &sig, now.Add(2*time.Second))
	fmt.Printf("%s %v\n", payload, err)

	_, _, err = r.Open(nil, msg, key, &sig, now.Add(3*time.Second))
	fmt.Println(errors.Is(err, bmsig.ErrReplay))

	other := sig
	other[0] ^= 1
	msg2, _ := s.Seal(nil, []byte("diastolic 80 mmHg"), now)
	_, _, err = r.Open(nil, msg2, key, &other, now)
	fmt.Println(errors.Is(err, bmsig.ErrTampered))
	// Output:
	// XChaCha20-Poly1305 7 1 99
	// systolic 120 mmHg <nil>
	// true
	// true
}
