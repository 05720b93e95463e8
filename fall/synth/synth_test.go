package synth_test

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/phdkit/phdkit/fall/synth"
)

func TestDeterministic(t *testing.T) {
	for _, a := range append(synth.DailyActivities(), synth.Falls()...) {
		x := synth.Generate(a, 11, synth.Config{Gyro: true})
		y := synth.Generate(a, 11, synth.Config{Gyro: true})
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("%v: two traces from seed 11 differ", a)
		}
		z := synth.Generate(a, 12, synth.Config{Gyro: true})
		if reflect.DeepEqual(x.Samples, z.Samples) {
			t.Fatalf("%v: seeds 11 and 12 give the same trace", a)
		}
	}
}

func TestTraceShape(t *testing.T) {
	for _, a := range append(synth.DailyActivities(), synth.Falls()...) {
		tr := synth.Generate(a, 3, synth.Config{RateHz: 100, RangeG: 2})
		if tr.Fall != a.IsFall() || tr.Activity != a {
			t.Fatalf("%v: Fall = %v", a, tr.Fall)
		}
		if tr.Fall && tr.FallAt <= 3*time.Second {
			t.Fatalf("%v: FallAt = %v, want after the upright start", a, tr.FallAt)
		}
		if n := len(tr.Samples); n < 1600 {
			t.Fatalf("%v: %d samples, want at least 16 s at 100 Hz", a, n)
		}
		for i, s := range tr.Samples {
			if i > 0 && s.T <= tr.Samples[i-1].T {
				t.Fatalf("%v: timestamps not increasing at %d", a, i)
			}
			for _, v := range []float64{s.X, s.Y, s.Z} {
				if math.Abs(v) > 2 || math.IsNaN(v) {
					t.Fatalf("%v: sample %d = %+v outside the ±2 g range", a, i, s)
				}
			}
		}
		r := tr.Rotation
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				dot := r[0][i]*r[0][j] + r[1][i]*r[1][j] + r[2][i]*r[2][j]
				want := 0.0
				if i == j {
					want = 1
				}
				if math.Abs(dot-want) > 1e-9 {
					t.Fatalf("%v: rotation not orthonormal: %v", a, r)
				}
			}
		}
	}
}

func TestStrings(t *testing.T) {
	if got := synth.FallSyncope.String(); got != "syncope" {
		t.Errorf("FallSyncope.String() = %q", got)
	}
	if got := synth.Activity(99).String(); got != "Activity(99)" {
		t.Errorf("Activity(99).String() = %q", got)
	}
}

func TestNoNoiseNoJitter(t *testing.T) {
	tr := synth.Generate(synth.ActivityStanding, 1, synth.Config{RateHz: 50, NoiseG: -1, JitterFrac: -1, NoRotation: true})
	for i, s := range tr.Samples {
		if s.T != time.Duration(i)*20*time.Millisecond {
			t.Fatalf("sample %d at %v, want a regular 50 Hz clock", i, s.T)
		}
		if m := math.Sqrt(s.X*s.X + s.Y*s.Y + s.Z*s.Z); math.Abs(m-1) > 1e-9 {
			t.Fatalf("sample %d magnitude %v, want exactly 1 g while standing without noise", i, m)
		}
	}
}
