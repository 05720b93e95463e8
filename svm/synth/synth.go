package synth

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Feature indexes of Record.X.
const (
	Systolic    = iota // systolic blood pressure, mmHg
	Diastolic          // diastolic blood pressure, mmHg
	HeartRate          // heart rate, beats per minute
	Temperature        // body temperature, °C
	NumFeatures
)

// Stages, the labels.
const (
	Good      = 0
	Abnormal  = 1
	Severe    = 2
	Emergency = 3
)

// StageNames names the stages by label.
var StageNames = [...]string{Good: "good", Abnormal: "abnormal", Severe: "severe", Emergency: "emergency"}

// Record is one measurement of one person.
type Record struct {
	Person  int                  // 0-based person number
	Minute  int64                // minutes since the start of the recording
	X       [NumFeatures]float64 // measured values
	Stage   int                  // label by Stage(X)
	Episode bool                 // a condition episode was under way
}

// Config configures Generate. The zero value gives the published setting: 50 people
// with 400 records each, one every 15 minutes.
type Config struct {
	People   int    // default 50
	Records  int    // records per person, default 400
	Interval int    // minutes between a person's records, default 15
	Seed     uint64 // seed of every random choice
	// EpisodesPerDay is the mean number of condition episodes per person per day.
	// Default 1.5.
	EpisodesPerDay float64
}

// thresholds[f][s-1] bounds stage s of feature f: a value at or above hi, or below lo,
// is at stage s or higher.
var thresholds = [NumFeatures][3]struct{ lo, hi float64 }{
	Systolic:    {{90, 140}, {80, 160}, {70, 180}},
	Diastolic:   {{60, 90}, {50, 100}, {40, 110}},
	HeartRate:   {{50, 100}, {45, 120}, {40, 140}},
	Temperature: {{35.5, 37.5}, {35, 38.5}, {34.5, 39.5}},
}

// featureStage returns the stage (0 to 3) of value v of feature f.
func featureStage(f int, v float64) int {
	s := 0
	for i, t := range thresholds[f] {
		if v >= t.hi || v < t.lo {
			s = i + 1
		}
	}
	return s
}

// Stage labels a record: the highest stage s such that two or more of the four
// biosignals are at stage s or higher (so one outlying signal alone stays good). The
// per-signal stages are, for stage 1 / 2 / 3: systolic ≥140/160/180 or <90/80/70 mmHg;
// diastolic ≥90/100/110 or <60/50/40 mmHg; heart rate ≥100/120/140 or <50/45/40 bpm;
// temperature ≥37.5/38.5/39.5 or <35.5/35/34.5 °C.
func Stage(x [NumFeatures]float64) int {
	var fs [NumFeatures]int
	for f, v := range x {
		fs[f] = featureStage(f, v)
	}
	for s := 3; s > 0; s-- {
		n := 0
		for _, v := range fs {
			if v >= s {
				n++
			}
		}
		if n >= 2 {
			return s
		}
	}
	return Good
}

type episode struct {
	start, end int64 // minutes
	delta      [NumFeatures]float64
}

// Generate returns the records of every person in stream order: by time, then person.
func Generate(cfg Config) []Record {
	if cfg.People <= 0 {
		cfg.People = 50
	}
	if cfg.Records <= 0 {
		cfg.Records = 400
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 15
	}
	if cfg.EpisodesPerDay <= 0 {
		cfg.EpisodesPerDay = 1.5
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed5))
	span := int64(cfg.Records * cfg.Interval)
	out := make([]Record, 0, cfg.People*cfg.Records)
	for p := 0; p < cfg.People; p++ {
		base := [NumFeatures]float64{
			120 + 12*rng.NormFloat64(),
			78 + 8*rng.NormFloat64(),
			70 + 8*rng.NormFloat64(),
			36.6 + 0.25*rng.NormFloat64(),
		}
		amp := [NumFeatures]float64{8, 5, 8, 0.35}
		noise := [NumFeatures]float64{5, 4, 4, 0.12}
		phase := rng.Float64() * 2 * math.Pi / 6 // chronotype: peak shifted by up to 4 h
		offset := int64(rng.IntN(cfg.Interval))
		var eps []episode
		nEp := poisson(rng, cfg.EpisodesPerDay*float64(span)/1440)
		for range nEp {
			start := rng.Int64N(span)
			dur := int64(60 + rng.IntN(7*60))
			sev := 0.4 + 1.2*rng.Float64()
			var d [NumFeatures]float64
			switch rng.IntN(4) {
			case 0: // hypertensive crisis
				d = [NumFeatures]float64{45, 25, 12, 0}
			case 1: // tachycardia with raised pressure
				d = [NumFeatures]float64{18, 10, 45, 0.2}
			case 2: // fever
				d = [NumFeatures]float64{5, 2, 30, 2.0}
			default: // hypotension with bradycardia
				d = [NumFeatures]float64{-40, -28, -22, -0.4}
			}
			for f := range d {
				d[f] *= sev
			}
			eps = append(eps, episode{start, start + dur, d})
		}
		for i := 0; i < cfg.Records; i++ {
			t := offset + int64(i*cfg.Interval)
			r := Record{Person: p, Minute: t}
			day := 2*math.Pi*float64(t)/1440 - phase
			rhythm := math.Sin(day - math.Pi/2) // minimum at 06:00, peak at 18:00
			for f := range r.X {
				r.X[f] = base[f] + amp[f]*rhythm + noise[f]*rng.NormFloat64()
			}
			for _, e := range eps {
				if t < e.start || t >= e.end {
					continue
				}
				r.Episode = true
				// Ramp up over the first third, hold, ramp down over the last third.
				u := float64(t-e.start) / float64(e.end-e.start)
				w := min(1, 3*u, 3*(1-u))
				for f := range r.X {
					r.X[f] += w * e.delta[f]
				}
			}
			r.X[Systolic] = math.Round(r.X[Systolic])
			r.X[Diastolic] = math.Round(r.X[Diastolic])
			r.X[HeartRate] = math.Round(r.X[HeartRate])
			r.X[Temperature] = math.Round(r.X[Temperature]*10) / 10
			r.Stage = Stage(r.X)
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Minute != out[j].Minute {
			return out[i].Minute < out[j].Minute
		}
		return out[i].Person < out[j].Person
	})
	return out
}

func poisson(rng *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// XY splits records into feature rows and labels.
func XY(recs []Record) ([][]float64, []int) {
	x := make([][]float64, len(recs))
	y := make([]int, len(recs))
	for i := range recs {
		x[i] = recs[i].X[:]
		y[i] = recs[i].Stage
	}
	return x, y
}

// Bench returns the benchmark set: 16,000 training and 4,000 test records with 4
// features and 4 classes, from 50 people with 400 records each (seed 1), shuffled
// deterministically and split 80/20.
func Bench() (trainX [][]float64, trainY []int, testX [][]float64, testY []int) {
	recs := Generate(Config{Seed: 1})
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	x, y := XY(recs)
	return x[:16000], y[:16000], x[16000:], y[16000:]
}
