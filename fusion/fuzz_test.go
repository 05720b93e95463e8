package fusion_test

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/phdkit/phdkit/fusion"
)

// FuzzAssess feeds arbitrary readings (any float64, present or not) to both scorers and
// checks that neither panics, that every refused or missing input is reported, that no
// implausible value is staged, and that NEWS2 points stay within their charts.
func FuzzAssess(f *testing.F) {
	seed := func(v fusion.Vitals) []byte {
		var b []byte
		for s := fusion.Signal(0); s < fusion.NumSignals; s++ {
			r := v.Get(s)
			ok := byte(0)
			if r.OK {
				ok = 1
			}
			b = append(b, ok)
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(r.Value))
		}
		return append(b, byte(v.Consciousness), byte(v.Oxygen), 0)
	}
	f.Add(seed(normal()))
	f.Add(seed(emergencyVitals()))
	f.Add(seed(fusion.Vitals{Temperature: m(80), Systolic: m(-5)}))
	f.Add(seed(fusion.Vitals{SpO2: m(math.NaN()), HeartRate: m(math.Inf(1))}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v fusion.Vitals
		for s := fusion.Signal(0); s < fusion.NumSignals && len(b) >= 9; s++ {
			v.Set(s, fusion.Reading{OK: b[0]&1 == 1, Value: math.Float64frombits(binary.BigEndian.Uint64(b[1:]))})
			b = b[9:]
		}
		if len(b) >= 3 {
			v.Consciousness = fusion.Consciousness(b[0] % 4)
			v.Oxygen = fusion.Oxygen(b[1] % 4)
			v.SpO2Scale2 = b[2]&1 == 1
		}
		ts := fusion.DefaultTables()
		for _, sc := range []fusion.Scorer{fusion.RuleScorer{}, fusion.NEWS2Scorer{}} {
			a := sc.Assess(v)
			if a.Stage > fusion.StageEmergency {
				t.Fatalf("stage %v", a.Stage)
			}
			for s := fusion.Signal(0); s < fusion.NumSignals; s++ {
				r := v.Get(s)
				st, p := ts.Table(s).Classify(s, r.Value)
				if !r.OK || p != nil {
					if a.Signals[s] != fusion.StageUnknown {
						t.Fatalf("%v: refused or missing value %v staged %v", s, r, a.Signals[s])
					}
					if a.Method == fusion.MethodNEWS2 && s == fusion.SignalDiastolic {
						continue
					}
					found := false
					for _, pr := range a.Problems {
						if pr.Field == s.String() && (errors.Is(pr, fusion.ErrMissing) || errors.Is(pr, fusion.ErrImplausible)) {
							found = true
						}
					}
					if !found {
						t.Fatalf("%v: %v not reported in %v", s, r, a.Problems)
					}
					if !a.Partial {
						t.Fatalf("%v refused but assessment not partial", s)
					}
				} else if a.Signals[s] != st && a.Signals[s] != fusion.StageUnknown {
					t.Fatalf("%v: staged %v, table says %v", s, a.Signals[s], st)
				}
			}
			if a.Method == fusion.MethodNEWS2 {
				p := a.Points
				sum := 0
				for _, x := range []int{p.Respiration, p.SpO2, p.Oxygen, p.Systolic, p.Pulse, p.Consciousness, p.Temperature} {
					if x < -1 || x > 3 {
						t.Fatalf("points %+v", p)
					}
					if x > 0 {
						sum += x
					}
				}
				if sum != a.Score || a.Score > 20 {
					t.Fatalf("score %d, points sum %d", a.Score, sum)
				}
			}
		}
	})
}
