package fall_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/phdkit/phdkit/fall"
	"github.com/phdkit/phdkit/fall/synth"
)

func push(t *testing.T, d *fall.Detector, s fall.Sample) []fall.Event {
	t.Helper()
	ev, err := d.Push(nil, s)
	if err != nil {
		t.Fatalf("Push(%+v) = %v", s, err)
	}
	return ev
}

func kinds(ev []fall.Event) []fall.EventKind {
	var k []fall.EventKind
	for _, e := range ev {
		k = append(k, e.Kind)
	}
	return k
}

// still feeds n samples at 50 Hz of a constant reading starting at t0 and returns the events.
func still(t *testing.T, d *fall.Detector, t0 time.Duration, n int, x, y, z float64) ([]fall.Event, time.Duration) {
	t.Helper()
	var all []fall.Event
	tt := t0
	for i := 0; i < n; i++ {
		all = append(all, push(t, d, fall.Sample{T: tt, X: x, Y: y, Z: z})...)
		tt += 20 * time.Millisecond
	}
	return all, tt
}

func TestCalibrationAndPosture(t *testing.T) {
	d, err := fall.New(fall.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(d.Tilt()) || d.Calibrated() || d.Posture() != fall.PostureUnknown {
		t.Fatalf("new detector: tilt %v calibrated %v posture %v", d.Tilt(), d.Calibrated(), d.Posture())
	}
	// Sensor mounted with its Y axis along the body.
	ev, tt := still(t, d, 0, 150, 0, 1, 0)
	if got := kinds(ev); len(got) != 1 || got[0] != fall.EventCalibrated {
		t.Fatalf("events while standing = %v, want [calibrated]", got)
	}
	if ax := d.BodyAxis(); math.Abs(ax[1]-1) > 1e-9 {
		t.Fatalf("BodyAxis = %v, want [0 1 0]", ax)
	}
	// Lie down slowly (no trigger): posture change, no fall.
	ev, _ = still(t, d, tt, 300, 0, 0, 1)
	if got := kinds(ev); len(got) != 1 || got[0] != fall.EventPosture || ev[0].Posture != fall.PostureLying || ev[0].From != fall.PostureUpright {
		t.Fatalf("events while lying = %v, want one posture change upright→lying", ev)
	}
	if a := d.Tilt(); math.Abs(a-90) > 1 {
		t.Fatalf("Tilt = %v, want 90", a)
	}
}

func TestConfiguredAxis(t *testing.T) {
	d, err := fall.New(fall.Config{BodyAxis: [3]float64{0, 0, -2}})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Calibrated() {
		t.Fatal("configured axis: Calibrated = false")
	}
	ev := push(t, d, fall.Sample{T: 0, Z: -1})
	if len(ev) != 1 || ev[0].Kind != fall.EventPosture || ev[0].Posture != fall.PostureUpright {
		t.Fatalf("first sample events = %v, want posture unknown→upright", ev)
	}
	d.Reset()
	if !d.Calibrated() {
		t.Fatal("Reset forgot the configured axis")
	}
}

func TestFallAndRecovery(t *testing.T) {
	d, _ := fall.New(fall.Config{})
	_, tt := still(t, d, 0, 150, 0, 0, 1)
	// free-fall dip 300 ms, impact, then lying on the side.
	var ev []fall.Event
	for i := 0; i < 15; i++ {
		ev = append(ev, push(t, d, fall.Sample{T: tt, X: 0.2, Z: 0.1})...)
		tt += 20 * time.Millisecond
	}
	impact := tt
	ev = append(ev, push(t, d, fall.Sample{T: tt, X: 4, Z: 0.5})...)
	tt += 20 * time.Millisecond
	more, tt2 := still(t, d, tt, 250, 1, 0, 0)
	ev = append(ev, more...)
	var fallEv *fall.Event
	for i := range ev {
		if ev[i].Kind == fall.EventFall {
			if fallEv != nil {
				t.Fatalf("two fall events: %v", ev)
			}
			fallEv = &ev[i]
		}
	}
	if fallEv == nil {
		t.Fatalf("no fall in %v", ev)
	}
	if fallEv.T != impact || fallEv.PeakG < 4 || !fallEv.FreeFall || fallEv.Angle < 80 ||
		fallEv.Confidence < 0.9 || fallEv.Confidence > 1 {
		t.Fatalf("fall event = %+v, want T=%v peak≥4 free fall angle≥80 confidence in [0.9,1]", *fallEv, impact)
	}
	if !d.Fallen() {
		t.Fatal("Fallen = false after a fall")
	}
	ev, _ = still(t, d, tt2, 150, 0, 0, 1)
	got := kinds(ev)
	if len(got) != 2 || got[0] != fall.EventPosture || got[1] != fall.EventRecovery {
		t.Fatalf("events on getting up = %v, want [posture recovery]", ev)
	}
	if d.Fallen() {
		t.Fatal("Fallen = true after recovery")
	}
}

func TestBadInput(t *testing.T) {
	d, _ := fall.New(fall.Config{})
	push(t, d, fall.Sample{T: time.Second, Z: 1})
	nan := math.NaN()
	tests := []struct {
		name  string
		s     fall.Sample
		want  error
		field string
	}{
		{"NaN X", fall.Sample{T: 2 * time.Second, X: nan, Z: 1}, fall.ErrNonFinite, "X"},
		{"Inf Y", fall.Sample{T: 2 * time.Second, Y: math.Inf(1), Z: 1}, fall.ErrNonFinite, "Y"},
		{"NaN Z", fall.Sample{T: 2 * time.Second, Z: nan}, fall.ErrNonFinite, "Z"},
		{"overflow", fall.Sample{T: 2 * time.Second, X: 1e200, Y: 1e200, Z: 1e200}, fall.ErrNonFinite, "X"},
		{"out of order", fall.Sample{T: time.Second - 1, Z: 1}, fall.ErrOutOfOrder, "T"},
		{"duplicate", fall.Sample{T: time.Second, Z: 1}, fall.ErrDuplicate, "T"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := d.Push(make([]fall.Event, 0, 4), tt.s)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Push = %v, want %v", err, tt.want)
			}
			var se *fall.SampleError
			if !errors.As(err, &se) || se.Field != tt.field || se.Index != uint64(i+1) || se.T != tt.s.T {
				t.Fatalf("Push error = %#v, want field %s index %d", err, tt.field, i+1)
			}
			if len(ev) != 0 {
				t.Fatalf("events on refused sample: %v", ev)
			}
		})
	}
	// The detector is unchanged: the next good sample is accepted.
	push(t, d, fall.Sample{T: time.Second + 20*time.Millisecond, Z: 1})
	// NaN gyroscope data is ignored, not an error.
	push(t, d, fall.Sample{T: time.Second + 40*time.Millisecond, Z: 1, HasGyro: true, GX: nan})
}

func TestGapAbandonsCandidate(t *testing.T) {
	d, _ := fall.New(fall.Config{})
	_, tt := still(t, d, 0, 150, 0, 0, 1)
	push(t, d, fall.Sample{T: tt, X: 5, Z: 1}) // impact
	tt += 3 * time.Second
	ev := push(t, d, fall.Sample{T: tt, X: 1})
	if len(ev) != 1 || ev[0].Kind != fall.EventGap || ev[0].Gap != 3*time.Second {
		t.Fatalf("events after a 3 s gap = %v, want one gap of 3s", ev)
	}
	// Lying after the gap is not connected to the impact before it.
	ev, _ = still(t, d, tt+20*time.Millisecond, 300, 1, 0, 0)
	for _, e := range ev {
		if e.Kind == fall.EventFall {
			t.Fatalf("fall reported across a gap: %v", ev)
		}
	}
}

func TestJoltWhileLyingIsNotAFall(t *testing.T) {
	d, _ := fall.New(fall.Config{BodyAxis: [3]float64{0, 0, 1}})
	_, tt := still(t, d, 0, 300, 1, 0, 0) // lying for 6 s
	push(t, d, fall.Sample{T: tt, X: 4})
	ev, _ := still(t, d, tt+20*time.Millisecond, 300, 1, 0, 0)
	for _, e := range ev {
		if e.Kind == fall.EventFall {
			t.Fatalf("jolt while lying reported as a fall: %v", e)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  fall.Config
	}{
		{"negative impact", fall.Config{ImpactG: -1}},
		{"impact below 1 g", fall.Config{ImpactG: 0.9}},
		{"NaN free fall", fall.Config{FreeFallG: math.NaN()}},
		{"free fall above 1 g", fall.Config{FreeFallG: 1.2}},
		{"lying 90", fall.Config{LyingAngle: 90}},
		{"upright above lying", fall.Config{UprightAngle: 70}},
		{"negative hold", fall.Config{HoldTime: -time.Second}},
		{"soft above impact", fall.Config{SoftImpactG: 3}},
		{"NaN axis", fall.Config{BodyAxis: [3]float64{math.NaN(), 0, 1}}},
		{"tiny axis", fall.Config{BodyAxis: [3]float64{1e-300, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := fall.New(tt.cfg); !errors.Is(err, fall.ErrConfig) {
				t.Fatalf("New(%+v) = %v, want ErrConfig", tt.cfg, err)
			}
		})
	}
	d, err := fall.New(fall.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Config()
	if c.ImpactG != fall.DefaultImpactG || c.FreeFallG != fall.DefaultFreeFallG || c.LyingAngle != fall.DefaultLyingAngle ||
		c.HoldTime != fall.DefaultHoldTime || c.MaxGap != fall.DefaultMaxGap || c.GyroFallRate != fall.DefaultGyroFallRate {
		t.Fatalf("zero Config defaults = %+v", c)
	}
}

func TestGyroscopeOptional(t *testing.T) {
	// The same fall with and without gyroscope data is detected either way; with a fast
	// rotation in the gyroscope data the confidence is at least as high.
	for _, seed := range []uint64{1, 2, 3} {
		with := synth.Generate(synth.FallForward, seed, synth.Config{Gyro: true})
		without := synth.Generate(synth.FallForward, seed, synth.Config{})
		d, _ := fall.New(fall.Config{})
		a := run(t, d, with)
		b := run(t, d, without)
		if a.falls != 1 || b.falls != 1 {
			t.Fatalf("seed %d: falls with gyro %d, without %d; want 1 and 1", seed, a.falls, b.falls)
		}
	}
}

func TestStrings(t *testing.T) {
	if got := fall.PostureLying.String(); got != "lying" {
		t.Errorf("PostureLying.String() = %q", got)
	}
	if got := fall.Posture(9).String(); got != "Posture(9)" {
		t.Errorf("Posture(9).String() = %q", got)
	}
	if got := fall.EventFall.String(); got != "fall" {
		t.Errorf("EventFall.String() = %q", got)
	}
	if got := fall.EventKind(0).String(); got != "EventKind(0)" {
		t.Errorf("EventKind(0).String() = %q", got)
	}
	e := fall.Event{Kind: fall.EventFall, T: time.Second, PeakG: 3, Angle: 85, Confidence: 0.9}
	if got, want := e.String(), "1s fall peak=3.00g angle=85° confidence=0.90"; got != want {
		t.Errorf("Event.String() = %q, want %q", got, want)
	}
}

func TestZeroAllocs(t *testing.T) {
	tr := synth.Generate(synth.FallRecovery, 5, synth.Config{RateHz: 100, Gyro: true})
	d, _ := fall.New(fall.Config{})
	buf := make([]fall.Event, 0, 8)
	i := 0
	allocs := testing.AllocsPerRun(len(tr.Samples)-1, func() {
		buf, _ = d.Push(buf[:0], tr.Samples[i])
		i++
	})
	if allocs != 0 {
		t.Fatalf("Push allocates %v times per sample, want 0", allocs)
	}
}

// benchStream concatenates one trace of every activity into a single time-ordered stream.
func benchStream() []fall.Sample {
	var out []fall.Sample
	var off time.Duration
	for i, a := range append(synth.DailyActivities(), synth.Falls()...) {
		tr := synth.Generate(a, uint64(i), synth.Config{RateHz: 100})
		for _, s := range tr.Samples {
			s.T += off
			out = append(out, s)
		}
		off = out[len(out)-1].T + 10*time.Millisecond
	}
	return out
}

// BenchmarkDetector measures Push over a stream mixing every generated activity, reporting
// samples per wall-clock second and, where the platform tells, per CPU second (the figure
// that stays meaningful on a loaded machine; the benchmark runs on one goroutine).
func BenchmarkDetector(b *testing.B) {
	stream := benchStream()
	d, _ := fall.New(fall.Config{})
	buf := make([]fall.Event, 0, 8)
	b.ReportAllocs()
	n := 0
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		d.Reset()
		for _, s := range stream {
			buf, _ = d.Push(buf[:0], s)
		}
		n += len(stream)
	}
	if cpu1, ok := cpuTime(); ok && cpuOK && cpu1 > cpu0 {
		b.ReportMetric(float64(n)/(cpu1-cpu0).Seconds(), "samples/cpu-s")
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/sample")
}

func TestExtremeTimestamps(t *testing.T) {
	d, _ := fall.New(fall.Config{BodyAxis: [3]float64{0, 0, 1}})
	push(t, d, fall.Sample{T: math.MinInt64, Z: 1})
	ev := push(t, d, fall.Sample{T: math.MaxInt64, Z: 1})
	if len(ev) != 1 || ev[0].Kind != fall.EventGap {
		t.Fatalf("events after an overflowing interval = %v, want a gap", ev)
	}
	if tl := d.Tilt(); !(tl >= 0 && tl < 1) {
		t.Fatalf("Tilt = %v after extreme timestamps", tl)
	}
}

func TestLyingFromTheStart(t *testing.T) {
	// Configured axis, lying from the first sample at T=0: a jolt is not a fall, because the
	// wearer was never seen upright.
	d, _ := fall.New(fall.Config{BodyAxis: [3]float64{0, 0, 1}})
	push(t, d, fall.Sample{T: 0, X: 1})
	push(t, d, fall.Sample{T: 20 * time.Millisecond, X: 4})
	ev, _ := still(t, d, 40*time.Millisecond, 300, 1, 0, 0)
	for _, e := range ev {
		if e.Kind == fall.EventFall {
			t.Fatalf("fall reported for a wearer lying from the start: %v", e)
		}
	}
}

func TestAlphaApproximation(t *testing.T) {
	for x := 1e-6; x < 3; x *= 1.1 {
		got := fall.Alpha(x)
		want := -math.Expm1(-x)
		if math.Abs(got-want) > 1e-5*want {
			t.Fatalf("alpha(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestLowImpactThresholdLowersSoftDefault(t *testing.T) {
	d, err := fall.New(fall.Config{ImpactG: 1.5})
	if err != nil {
		t.Fatalf("New(ImpactG 1.5) = %v", err)
	}
	if c := d.Config(); c.SoftImpactG != 1.5 {
		t.Fatalf("SoftImpactG = %v, want 1.5", c.SoftImpactG)
	}
}
