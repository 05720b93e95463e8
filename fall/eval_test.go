package fall_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/phdkit/phdkit/fall"
	"github.com/phdkit/phdkit/fall/synth"
)

// traceConfig draws the recording conditions of trace i: rate, range, noise, gyroscope.
func traceConfig(i int) synth.Config {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	rates := []float64{20, 25, 50, 100, 200}
	ranges := []float64{4, 8, 16}
	return synth.Config{
		RateHz: rates[r.IntN(len(rates))],
		RangeG: ranges[r.IntN(len(ranges))],
		NoiseG: 0.01 + 0.04*r.Float64(),
		Gyro:   r.IntN(3) == 0,
	}
}

type outcome struct {
	falls   int
	recover int
	firstAt time.Duration
	events  []fall.Event
}

func run(t testing.TB, det *fall.Detector, tr synth.Trace) outcome {
	t.Helper()
	det.Reset()
	var o outcome
	buf := make([]fall.Event, 0, 8)
	for _, s := range tr.Samples {
		ev, err := det.Push(buf[:0], s)
		if err != nil {
			t.Fatalf("%v seed %d: Push: %v", tr.Activity, tr.Seed, err)
		}
		for _, e := range ev {
			if e.Kind == fall.EventFall {
				if o.falls == 0 {
					o.firstAt = e.T
				}
				o.falls++
			}
			if e.Kind == fall.EventRecovery {
				o.recover++
			}
			o.events = append(o.events, e)
		}
	}
	return o
}

// TestSensitivitySpecificity runs the detector with default thresholds over generated traces
// of every activity, at random rates, ranges, noise levels and mounting rotations, and fails
// if sensitivity or specificity falls below 95%.
func TestSensitivitySpecificity(t *testing.T) {
	evaluate(t, 110, 0, traceConfig) // 11 activities: 1,210 traces
}

// TestSensitivitySpecificityAtRateLimits repeats the evaluation on fresh seeds with every
// trace at the lowest and at the highest supported rate.
func TestSensitivitySpecificityAtRateLimits(t *testing.T) {
	for _, hz := range []float64{20, 200} {
		t.Run(fmt.Sprintf("%gHz", hz), func(t *testing.T) {
			evaluate(t, 50, 100000, func(i int) synth.Config {
				c := traceConfig(i)
				c.RateHz = hz
				return c
			})
		})
	}
}

// evaluate runs perActivity traces of every activity, seeds from base, and fails if
// sensitivity or specificity is below 95%.
func evaluate(t *testing.T, perActivity, base int, traceConfig func(int) synth.Config) {
	det, err := fall.New(fall.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var tp, fn, tn, fp int
	type tally struct{ n, detected int }
	per := map[synth.Activity]*tally{}
	var misses []string
	acts := append(synth.DailyActivities(), synth.Falls()...)
	for ai, a := range acts {
		per[a] = &tally{}
		for k := 0; k < perActivity; k++ {
			i := base + ai*perActivity + k
			tr := synth.Generate(a, uint64(i), traceConfig(i))
			o := run(t, det, tr)
			per[a].n++
			detected := o.falls > 0
			if detected {
				per[a].detected++
			}
			switch {
			case tr.Fall && detected:
				tp++
				if o.falls > 1 {
					t.Errorf("%v seed %d: %d fall events, want 1", a, i, o.falls)
				}
				if a == synth.FallRecovery && o.recover != 1 {
					t.Errorf("%v seed %d: %d recovery events, want 1", a, i, o.recover)
				}
				if d := o.firstAt - tr.FallAt; d < -2*time.Second || d > time.Second {
					t.Errorf("%v seed %d: fall reported at %v, impact at %v", a, i, o.firstAt, tr.FallAt)
				}
			case tr.Fall:
				fn++
				misses = append(misses, fmt.Sprintf("missed %v seed %d cfg %+v", a, i, traceConfig(i)))
			case detected:
				fp++
				misses = append(misses, fmt.Sprintf("false alarm %v seed %d cfg %+v", a, i, traceConfig(i)))
			default:
				tn++
			}
		}
	}
	for _, a := range acts {
		t.Logf("%-20v %4d traces, %4d detected as falls", a, per[a].n, per[a].detected)
	}
	sens := float64(tp) / float64(tp+fn)
	spec := float64(tn) / float64(tn+fp)
	t.Logf("traces: %d falls, %d daily activities", tp+fn, tn+fp)
	t.Logf("sensitivity %.2f%% (%d/%d), specificity %.2f%% (%d/%d)", 100*sens, tp, tp+fn, 100*spec, tn, tn+fp)
	for i, m := range misses {
		if i == 20 {
			t.Logf("... %d more", len(misses)-20)
			break
		}
		t.Log(m)
	}
	if sens < 0.95 {
		t.Errorf("sensitivity %.2f%%, want at least 95%%", 100*sens)
	}
	if spec < 0.95 {
		t.Errorf("specificity %.2f%%, want at least 95%%", 100*spec)
	}
}

// TestCorruptedStreams injects bad samples (NaN, infinite, duplicate and out-of-order
// timestamps) into generated falls and daily activities: every bad sample is refused with
// its sentinel error, and the verdicts are those of the clean traces.
func TestCorruptedStreams(t *testing.T) {
	det, _ := fall.New(fall.Config{})
	clean, _ := fall.New(fall.Config{})
	acts := append(synth.DailyActivities(), synth.Falls()...)
	for ai, a := range acts {
		for k := 0; k < 10; k++ {
			i := 200000 + ai*10 + k
			tr := synth.Generate(a, uint64(i), traceConfig(i))
			want := run(t, clean, tr).falls
			det.Reset()
			got, refused := 0, 0
			buf := make([]fall.Event, 0, 8)
			for j, s := range tr.Samples {
				var bad fall.Sample
				var wantErr error
				switch j % 37 {
				case 5:
					bad, wantErr = s, fall.ErrNonFinite
					bad.Y = math.NaN()
				case 11:
					bad, wantErr = s, fall.ErrNonFinite
					bad.Z = math.Inf(-1)
				case 17:
					if j > 0 {
						bad, wantErr = tr.Samples[j-1], fall.ErrDuplicate
					}
				case 23:
					if j > 1 {
						bad, wantErr = tr.Samples[j-2], fall.ErrOutOfOrder
						if j%2 == 0 {
							bad.T -= time.Hour
						}
					}
				}
				if wantErr != nil {
					_, err := det.Push(buf[:0], bad)
					if !errors.Is(err, wantErr) {
						t.Fatalf("%v seed %d sample %d: Push(bad) = %v, want %v", a, i, j, err, wantErr)
					}
					refused++
				}
				ev, err := det.Push(buf[:0], s)
				if err != nil {
					t.Fatalf("%v seed %d sample %d: good sample refused: %v", a, i, j, err)
				}
				for _, e := range ev {
					if e.Kind == fall.EventFall {
						got++
					}
				}
			}
			if got != want || refused == 0 {
				t.Fatalf("%v seed %d: %d falls with bad samples injected, %d without (%d refused)", a, i, got, want, refused)
			}
		}
	}
}
