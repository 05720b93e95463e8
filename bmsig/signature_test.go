package bmsig

import (
	"crypto/sha512"
	"encoding/hex"
	"math/rand/v2"
	"testing"
	"time"
)

// Nomenclature codes (ISO/IEEE 11073-10101) of the published example's types.
const (
	codePulse    = 18474 // MDC_PULS_RATE_NON_INV
	codeBP       = 18948 // MDC_PRESS_BLD_NONINV
	codeGlucose  = 29112 // MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD
	codeBodyFat  = 57676 // MDC_BODY_FAT
	paperText    = "120, 80, 110, 70, 100, 60, 20, 15"
	paperCanonic = "phdkit-bmsig-v1\n18474 100 60\n18948 120 80\n29112 110 70\n57676 20 15\n"
)

func dec(m int64, e int8) Decimal { return Decimal{Mant: m, Exp: e} }

// paperExtremes lists the published example in the order the paper gives it.
func paperExtremes() []Extremes {
	return []Extremes{
		{Code: codeBP, High: dec(120, 0), Low: dec(80, 0)},
		{Code: codeGlucose, High: dec(110, 0), Low: dec(70, 0)},
		{Code: codePulse, High: dec(100, 0), Low: dec(60, 0)},
		{Code: codeBodyFat, High: dec(20, 0), Low: dec(15, 0)},
	}
}

func TestPaperExample(t *testing.T) {
	ex := paperExtremes()
	if got := string(AppendPaperText(nil, ex)); got != paperText {
		t.Fatalf("AppendPaperText = %q, want %q", got, paperText)
	}
	if got, want := ComputePaper(ex), Signature(sha512.Sum512([]byte(paperText))); got != want {
		t.Fatalf("ComputePaper = %x, want SHA-512(%q) = %x", got, paperText, want)
	}
	// Frozen: SHA-512 of the paper's string, computed independently with coreutils
	// (printf '%s' '120, 80, 110, 70, 100, 60, 20, 15' | sha512sum).
	const frozen = "f2ac3d8c1d1d59878fe3051df46fd64922da04bf308dea685904b5228a58a715920473c17850868dd90b0b7945a809a326ed176ef4d770574426f185a1e512bf"
	if got := ComputePaper(ex); hex.EncodeToString(got[:]) != frozen {
		t.Fatalf("ComputePaper = %x, want %s", got, frozen)
	}

	SortExtremes(ex)
	canon, err := AppendCanonical(nil, ex)
	if err != nil {
		t.Fatal(err)
	}
	if string(canon) != paperCanonic {
		t.Fatalf("AppendCanonical = %q, want %q", canon, paperCanonic)
	}
	sig, err := Compute(ex)
	if err != nil {
		t.Fatal(err)
	}
	// Frozen: printf 'phdkit-bmsig-v1\n18474 100 60\n...57676 20 15\n' | sha512sum.
	const frozenCanonical = "28e565b94d848a68785953653e28794dae696c5b8cb061144f582be09b2e7430f18b78fca614bd6be4f35ab54cbd4448449a287e4c8c161d440d125d981dea3f"
	if hex.EncodeToString(sig[:]) != frozenCanonical {
		t.Fatalf("Compute = %x, want %s", sig, frozenCanonical)
	}

	// The Tracker reaches the same signature from individual measurements.
	tr := NewTracker(TrackerConfig{Months: 3})
	at := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	for _, m := range []struct {
		code uint32
		v    Decimal
	}{
		{codeBP, dec(100, 0)}, {codeGlucose, dec(7, 1)}, {codePulse, dec(60, 0)}, {codeBodyFat, dec(150, -1)},
		{codeBP, dec(120, 0)}, {codeGlucose, dec(110, 0)}, {codePulse, dec(1000, -1)}, {codeBodyFat, dec(2, 1)},
		{codeBP, dec(80, 0)}, {codeGlucose, dec(90, 0)}, {codePulse, dec(72, 0)}, {codeBodyFat, dec(18, 0)},
	} {
		at = at.Add(time.Hour)
		if err := tr.Add(m.code, at, m.v); err != nil {
			t.Fatal(err)
		}
	}
	if got := tr.Signature(at); got != sig {
		t.Fatalf("Tracker.Signature = %x, want %x", got, sig)
	}
	// In code order the paper text is "100, 60, 120, 80, 110, 70, 20, 15".
	if got, want := tr.PaperSignature(at), Signature(sha512.Sum512([]byte("100, 60, 120, 80, 110, 70, 20, 15"))); got != want {
		t.Fatalf("Tracker.PaperSignature = %x, want %x", got, want)
	}
}

func TestAppendCanonicalRejects(t *testing.T) {
	for _, tt := range []struct {
		name string
		ex   []Extremes
	}{
		{"unsorted", []Extremes{{Code: 2, High: dec(1, 0)}, {Code: 1, High: dec(1, 0)}}},
		{"duplicate", []Extremes{{Code: 1, High: dec(1, 0)}, {Code: 1, High: dec(1, 0)}}},
		{"high below low", []Extremes{{Code: 1, High: dec(1, 0), Low: dec(2, 0)}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Compute(tt.ex); err == nil {
				t.Fatal("Compute accepted invalid extremes")
			}
		})
	}
}

func TestDecimalText(t *testing.T) {
	for _, tt := range []struct {
		d    Decimal
		want string
	}{
		{dec(0, 0), "0"},
		{dec(0, -5), "0"},
		{dec(120, 0), "120"},
		{dec(12, 1), "120"},
		{dec(1200, -1), "120"},
		{dec(366, -1), "36.6"},
		{dec(-5, -3), "-0.005"},
		{dec(5, -1), "0.5"},
		{dec(-12345, -2), "-123.45"},
		{dec(7, 3), "7000"},
		{dec(-1<<63, 0), "-9223372036854775808"},
		{dec(1<<63-1, -19), "0.9223372036854775807"},
		{dec(1, -128), "0." + zeros(127) + "1"},
		{dec(1, 127), "1" + zeros(127)},
	} {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.d, got, tt.want)
		}
		p, err := ParseDecimal(tt.want)
		if err != nil {
			t.Errorf("ParseDecimal(%q) = %v", tt.want, err)
			continue
		}
		if p.Cmp(tt.d) != 0 || p.String() != tt.want {
			t.Errorf("ParseDecimal(%q) = %#v, want a value equal to %#v", tt.want, p, tt.d)
		}
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

func TestParseDecimalRejects(t *testing.T) {
	for _, s := range []string{"", "-", ".", "1.", "1e3", "+1", " 1", "1 ", "1.2.3", "NaN", "inf", "99999999999999999999", "1" + zeros(200)} {
		if d, err := ParseDecimal(s); err == nil {
			t.Errorf("ParseDecimal(%q) = %v, want error", s, d)
		}
	}
}

func TestDecimalCmp(t *testing.T) {
	for _, tt := range []struct {
		a, b Decimal
		want int
	}{
		{dec(120, 0), dec(12, 1), 0},
		{dec(1, 0), dec(10, -1), 0},
		{dec(1, 0), dec(2, 0), -1},
		{dec(-1, 0), dec(1, -5), -1},
		{dec(0, 100), dec(0, -100), 0},
		{dec(1, 127), dec(1<<63-1, 0), 1},
		{dec(-1, 127), dec(-(1<<63 - 1), 0), -1},
		{dec(1<<63-1, 0), dec(9223372036854775, 3), 1},
		{dec(9223372036854775807, -18), dec(9, 0), 1},
		{dec(-1<<63, 0), dec(-1<<63+1, 0), -1},
		{dec(999, -1), dec(1, 2), -1},
	} {
		if got := tt.a.Cmp(tt.b); got != tt.want {
			t.Errorf("%v.Cmp(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := tt.b.Cmp(tt.a); got != -tt.want {
			t.Errorf("%v.Cmp(%v) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

// TestTrackerMatchesBruteForce runs random measurement streams through a Tracker and checks
// its extremes after every step against a scan of all measurements in the window.
func TestTrackerMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type meas struct {
		code uint32
		at   time.Time
		v    Decimal
	}
	for round := range 20 {
		months := 1 + round%4
		tr := NewTracker(TrackerConfig{Months: months})
		var all []meas
		at := time.Date(2023, 1, 31, 0, 0, 0, 0, time.UTC)
		for step := range 400 {
			at = at.Add(time.Duration(rng.IntN(72)) * time.Hour) // equal times too
			m := meas{code: uint32(1 + rng.IntN(3)), at: at, v: dec(int64(rng.IntN(40)-20), int8(rng.IntN(3)-1))}
			if err := tr.Add(m.code, m.at, m.v); err != nil {
				t.Fatal(err)
			}
			all = append(all, m)
			cut := time.Unix(0, tr.cutoff(at))
			if want := at.AddDate(0, -months, 0); at.Day() == want.Day() && !cut.Equal(want) {
				t.Fatalf("cutoff(%v) = %v, want %v", at, cut, want)
			}
			var want []Extremes
			for code := uint32(1); code <= 3; code++ {
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
				if e != nil {
					want = append(want, *e)
				}
			}
			got := tr.AppendExtremes(nil, at)
			if len(got) != len(want) {
				t.Fatalf("round %d step %d: %d types, want %d", round, step, len(got), len(want))
			}
			for i := range got {
				if got[i].Code != want[i].Code || got[i].High.Cmp(want[i].High) != 0 || got[i].Low.Cmp(want[i].Low) != 0 {
					t.Fatalf("round %d step %d: extremes %v, want %v", round, step, got, want)
				}
			}
			ws, _ := Compute(want)
			if tr.Signature(at) != ws {
				t.Fatalf("round %d step %d: signature differs from Compute", round, step)
			}
		}
	}
}

func TestTrackerExpiry(t *testing.T) {
	tr := NewTracker(TrackerConfig{Months: 1})
	t0 := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	must(t, tr.Add(codePulse, t0, dec(150, 0)))
	must(t, tr.Add(codePulse, t0.AddDate(0, 0, 10), dec(70, 0)))
	if got := tr.AppendExtremes(nil, t0.AddDate(0, 1, 0)); len(got) != 1 || got[0].High.Cmp(dec(150, 0)) != 0 {
		t.Fatalf("at exactly one month the first value must still count: %v", got)
	}
	if got := tr.AppendExtremes(nil, t0.AddDate(0, 1, 0).Add(time.Nanosecond)); len(got) != 1 || got[0].High.Cmp(dec(70, 0)) != 0 {
		t.Fatalf("after one month the 150 must expire: %v", got)
	}
	if got := tr.AppendExtremes(nil, t0.AddDate(0, 2, 0)); len(got) != 0 {
		t.Fatalf("after two months nothing is left: %v", got)
	}
	empty, _ := Compute(nil)
	if tr.Signature(t0.AddDate(1, 0, 0)) != empty {
		t.Fatal("an empty window must give the signature of no extremes")
	}
	if err := tr.Add(codePulse, t0, dec(1, 0)); err != ErrOutOfOrder {
		t.Fatalf("Add(older) = %v, want ErrOutOfOrder", err)
	}
}

func TestSignatureUpdateAllocs(t *testing.T) {
	tr := NewTracker(TrackerConfig{})
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	step := func() {
		i++
		at = at.Add(time.Minute)
		_ = tr.Add(uint32(codePulse+i%4), at, dec(int64(60+i%50), 0))
	}
	for range 100000 { // fill the window's deques to their steady size
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("Tracker.Add allocates %v times per call, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = tr.Signature(at) }); n != 0 {
		t.Errorf("Tracker.Signature allocates %v times per call, want 0", n)
	}
}

func TestSignatureEqual(t *testing.T) {
	a := ComputePaper(paperExtremes())
	b := a
	if !a.Equal(&b) {
		t.Fatal("Equal(same) = false")
	}
	b[63] ^= 1
	if a.Equal(&b) {
		t.Fatal("Equal(different) = true")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
