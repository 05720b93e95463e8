package fusion_test

import (
	"errors"
	"testing"

	"github.com/phdkit/phdkit/fusion"
)

func m(v float64) fusion.Reading { return fusion.Measured(v) }

// normal is a full set of vitals in the good range of every table and scoring 0 in NEWS2.
func normal() fusion.Vitals {
	return fusion.Vitals{
		Systolic: m(115), Diastolic: m(75), HeartRate: m(70), Temperature: m(36.8), SpO2: m(98),
		Respiration: m(14), Consciousness: fusion.ConsciousnessAlert, Oxygen: fusion.OxygenAir,
	}
}

func hasProblem(a fusion.Assessment, field string, err error) bool {
	for _, p := range a.Problems {
		if p.Field == field && errors.Is(p, err) {
			return true
		}
	}
	return false
}

func TestRuleScorer(t *testing.T) {
	tests := []struct {
		name string
		mod  func(v *fusion.Vitals)
		want fusion.Stage
	}{
		{"all good", func(v *fusion.Vitals) {}, fusion.StageGood},
		{"one emergency alone stays good", func(v *fusion.Vitals) { v.SpO2 = m(80) }, fusion.StageGood},
		{"two abnormal", func(v *fusion.Vitals) { v.HeartRate = m(100); v.Temperature = m(38.5) }, fusion.StageAbnormal},
		{"severe and abnormal give abnormal", func(v *fusion.Vitals) { v.HeartRate = m(140); v.Temperature = m(38.5) }, fusion.StageAbnormal},
		{"two severe", func(v *fusion.Vitals) { v.HeartRate = m(140); v.SpO2 = m(90) }, fusion.StageSevere},
		{"emergency and severe give severe", func(v *fusion.Vitals) { v.HeartRate = m(160); v.SpO2 = m(90) }, fusion.StageSevere},
		{"two emergency", func(v *fusion.Vitals) { v.HeartRate = m(160); v.SpO2 = m(80) }, fusion.StageEmergency},
		{"systolic and diastolic count once", func(v *fusion.Vitals) { v.Systolic = m(190); v.Diastolic = m(125) }, fusion.StageGood},
		{"BP takes the higher of the two", func(v *fusion.Vitals) { v.Systolic = m(170); v.Diastolic = m(125); v.HeartRate = m(160) }, fusion.StageEmergency},
		{"hypotension and tachycardia", func(v *fusion.Vitals) { v.Systolic = m(65); v.Diastolic = m(40); v.HeartRate = m(155) }, fusion.StageEmergency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := normal()
			tt.mod(&v)
			a := fusion.RuleScorer{}.Assess(v)
			if a.Stage != tt.want || a.Method != fusion.MethodRule {
				t.Fatalf("Assess = %v (%v), want %v; signals %v", a.Stage, a.Method, tt.want, a.Signals)
			}
			if a.Partial || len(a.Problems) != 0 {
				t.Fatalf("complete vitals reported partial: %v", a.Problems)
			}
		})
	}
}

func TestRuleScorerProblems(t *testing.T) {
	// A temperature of 80 (°F typed as °C?) and a negative pressure are refused and reported;
	// the remaining signals are staged.
	v := normal()
	v.Temperature = m(80)
	v.Systolic = m(-10)
	v.HeartRate = m(160)
	v.SpO2 = m(80)
	a := fusion.RuleScorer{}.Assess(v)
	if !hasProblem(a, "Temperature", fusion.ErrImplausible) || !hasProblem(a, "Systolic", fusion.ErrImplausible) {
		t.Fatalf("problems = %v, want implausible Temperature and Systolic", a.Problems)
	}
	if !a.Partial || a.Signals[fusion.SignalTemperature] != fusion.StageUnknown {
		t.Fatalf("implausible value scored: %+v", a)
	}
	if a.Stage != fusion.StageEmergency {
		t.Fatalf("Stage = %v, want emergency from heart rate and SpO2", a.Stage)
	}

	// Diastolic above systolic: both refused.
	v = normal()
	v.Systolic, v.Diastolic = m(80), m(120)
	a = fusion.RuleScorer{}.Assess(v)
	if !hasProblem(a, "Systolic", fusion.ErrImplausible) || !hasProblem(a, "Diastolic", fusion.ErrImplausible) {
		t.Fatalf("problems = %v, want both pressures refused", a.Problems)
	}

	// Only one valid biosignal: unknown, with ErrInsufficient and every missing one listed.
	a = fusion.RuleScorer{}.Assess(fusion.Vitals{HeartRate: m(200)})
	if a.Stage != fusion.StageUnknown || !hasProblem(a, "Vitals", fusion.ErrInsufficient) ||
		!hasProblem(a, "SpO2", fusion.ErrMissing) || !a.Partial {
		t.Fatalf("single signal: %+v", a)
	}
	// MinAgreeing 1 stages on the worst single signal.
	a = fusion.RuleScorer{MinAgreeing: 1}.Assess(fusion.Vitals{HeartRate: m(200)})
	if a.Stage != fusion.StageEmergency {
		t.Fatalf("MinAgreeing 1: %v", a.Stage)
	}
}

// TestNEWS2Boundaries checks every band edge of every NEWS2 parameter chart.
func TestNEWS2Boundaries(t *testing.T) {
	type c struct {
		v    float64
		want int
	}
	score := func(t *testing.T, mod func(v *fusion.Vitals), get func(p fusion.NEWS2Points) int) int {
		t.Helper()
		v := normal()
		mod(&v)
		a := fusion.NEWS2Scorer{}.Assess(v)
		return get(a.Points)
	}
	tests := []struct {
		name  string
		set   func(v *fusion.Vitals, x float64)
		get   func(p fusion.NEWS2Points) int
		cases []c
	}{
		{"respiration", func(v *fusion.Vitals, x float64) { v.Respiration = m(x) }, func(p fusion.NEWS2Points) int { return p.Respiration },
			[]c{{4, 3}, {8, 3}, {9, 1}, {11, 1}, {12, 0}, {20, 0}, {21, 2}, {24, 2}, {25, 3}, {40, 3}}},
		{"SpO2 scale 1", func(v *fusion.Vitals, x float64) { v.SpO2 = m(x) }, func(p fusion.NEWS2Points) int { return p.SpO2 },
			[]c{{85, 3}, {91, 3}, {92, 2}, {93, 2}, {94, 1}, {95, 1}, {96, 0}, {100, 0}}},
		{"SpO2 scale 2 on air", func(v *fusion.Vitals, x float64) { v.SpO2 = m(x); v.SpO2Scale2 = true }, func(p fusion.NEWS2Points) int { return p.SpO2 },
			[]c{{80, 3}, {83, 3}, {84, 2}, {85, 2}, {86, 1}, {87, 1}, {88, 0}, {92, 0}, {93, 0}, {97, 0}, {100, 0}}},
		{"SpO2 scale 2 on oxygen", func(v *fusion.Vitals, x float64) {
			v.SpO2 = m(x)
			v.SpO2Scale2 = true
			v.Oxygen = fusion.OxygenSupplemental
		}, func(p fusion.NEWS2Points) int { return p.SpO2 },
			[]c{{83, 3}, {84, 2}, {86, 1}, {88, 0}, {92, 0}, {93, 1}, {94, 1}, {95, 2}, {96, 2}, {97, 3}, {100, 3}}},
		{"systolic", func(v *fusion.Vitals, x float64) { v.Systolic = m(x); v.Diastolic = fusion.Reading{} }, func(p fusion.NEWS2Points) int { return p.Systolic },
			[]c{{60, 3}, {90, 3}, {91, 2}, {100, 2}, {101, 1}, {110, 1}, {111, 0}, {219, 0}, {220, 3}, {260, 3}}},
		{"pulse", func(v *fusion.Vitals, x float64) { v.HeartRate = m(x) }, func(p fusion.NEWS2Points) int { return p.Pulse },
			[]c{{30, 3}, {40, 3}, {41, 1}, {50, 1}, {51, 0}, {90, 0}, {91, 1}, {110, 1}, {111, 2}, {130, 2}, {131, 3}, {180, 3}}},
		{"temperature", func(v *fusion.Vitals, x float64) { v.Temperature = m(x) }, func(p fusion.NEWS2Points) int { return p.Temperature },
			[]c{{33, 3}, {35.0, 3}, {35.1, 1}, {36.0, 1}, {36.1, 0}, {38.0, 0}, {38.1, 1}, {39.0, 1}, {39.1, 2}, {41, 2}, {35.04, 3}, {35.06, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range tt.cases {
				got := score(t, func(v *fusion.Vitals) { tt.set(v, c.v) }, tt.get)
				if got != c.want {
					t.Errorf("%s %v: %d points, want %d", tt.name, c.v, got, c.want)
				}
			}
		})
	}
	// Air or oxygen, and consciousness.
	v := normal()
	v.Oxygen = fusion.OxygenSupplemental
	if p := (fusion.NEWS2Scorer{}).Assess(v).Points.Oxygen; p != 2 {
		t.Errorf("on oxygen: %d points, want 2", p)
	}
	v = normal()
	v.Consciousness = fusion.ConsciousnessCVPU
	a := fusion.NEWS2Scorer{}.Assess(v)
	if a.Points.Consciousness != 3 || a.Score != 3 || !a.RedScore || a.Stage != fusion.StageSevere {
		t.Errorf("CVPU: %+v, want 3 points, red score, severe", a)
	}
}

func TestNEWS2Stages(t *testing.T) {
	tests := []struct {
		name      string
		mod       func(v *fusion.Vitals)
		wantScore int
		want      fusion.Stage
	}{
		{"0", func(v *fusion.Vitals) {}, 0, fusion.StageGood},
		{"1", func(v *fusion.Vitals) { v.HeartRate = m(95) }, 1, fusion.StageAbnormal},
		{"4", func(v *fusion.Vitals) { v.HeartRate = m(115); v.Respiration = m(22) }, 4, fusion.StageAbnormal},
		{"3 in one parameter", func(v *fusion.Vitals) { v.SpO2 = m(90) }, 3, fusion.StageSevere},
		{"5", func(v *fusion.Vitals) { v.HeartRate = m(115); v.Respiration = m(22); v.Temperature = m(38.5) }, 5, fusion.StageSevere},
		{"6", func(v *fusion.Vitals) {
			v.HeartRate = m(115)
			v.Respiration = m(22)
			v.Oxygen = fusion.OxygenSupplemental
		}, 6, fusion.StageSevere},
		{"7", func(v *fusion.Vitals) {
			v.HeartRate = m(115)
			v.Respiration = m(22)
			v.Oxygen = fusion.OxygenSupplemental
			v.Temperature = m(38.5)
		}, 7, fusion.StageEmergency},
		{"20", func(v *fusion.Vitals) {
			v.Respiration = m(30)
			v.SpO2 = m(85)
			v.Oxygen = fusion.OxygenSupplemental
			v.Systolic = m(85)
			v.Diastolic = m(50)
			v.HeartRate = m(140)
			v.Consciousness = fusion.ConsciousnessCVPU
			v.Temperature = m(34)
		}, 20, fusion.StageEmergency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := normal()
			tt.mod(&v)
			a := fusion.NEWS2Scorer{}.Assess(v)
			if a.Score != tt.wantScore || a.Stage != tt.want || a.Partial || a.Method != fusion.MethodNEWS2 {
				t.Fatalf("Assess = score %d stage %v partial %v (%v), want %d %v", a.Score, a.Stage, a.Partial, a.Problems, tt.wantScore, tt.want)
			}
		})
	}
}

func TestNEWS2Partial(t *testing.T) {
	// A wrist sensor: no respiration, no consciousness, no oxygen record. The score is a
	// lower bound and says so.
	v := fusion.Vitals{Systolic: m(95), Diastolic: m(60), HeartRate: m(115), Temperature: m(38.4), SpO2: m(94)}
	a := fusion.NEWS2Scorer{}.Assess(v)
	// systolic 2 + pulse 2 + temperature 1 + SpO2 1 = 6
	if a.Score != 6 || a.Stage != fusion.StageSevere || !a.Partial {
		t.Fatalf("partial NEWS2 = %+v, want score 6 severe partial", a)
	}
	for _, f := range []string{"Respiration", "Consciousness", "Oxygen"} {
		if !hasProblem(a, f, fusion.ErrMissing) {
			t.Errorf("missing %s not reported: %v", f, a.Problems)
		}
	}
	if a.Points.Respiration != -1 || a.Points.Consciousness != -1 {
		t.Errorf("unscored parameters have points %+v", a.Points)
	}
	if hasProblem(a, "Diastolic", fusion.ErrMissing) {
		t.Error("diastolic reported missing although NEWS2 does not use it")
	}
	// Nothing physiological: unknown.
	a = fusion.NEWS2Scorer{}.Assess(fusion.Vitals{Consciousness: fusion.ConsciousnessAlert})
	if a.Stage != fusion.StageUnknown || !hasProblem(a, "Vitals", fusion.ErrInsufficient) {
		t.Fatalf("no physiology: %+v", a)
	}
	// Implausible values are refused, not scored.
	v = normal()
	v.Temperature = m(80)
	a = fusion.NEWS2Scorer{}.Assess(v)
	if a.Points.Temperature != -1 || !hasProblem(a, "Temperature", fusion.ErrImplausible) || !a.Partial {
		t.Fatalf("temperature 80: %+v", a)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{fusion.StageGood.String(), "good"},
		{fusion.StageAbnormal.String(), "abnormal"},
		{fusion.StageSevere.String(), "severe"},
		{fusion.StageEmergency.String(), "emergency"},
		{fusion.StageUnknown.String(), "unknown"},
		{fusion.Stage(9).String(), "Stage(9)"},
		{fusion.SignalSpO2.String(), "SpO2"},
		{fusion.SignalTemperature.Unit(), "°C"},
		{fusion.Signal(7).String(), "Signal(7)"},
		{fusion.PartyMedical.String(), "medical"},
		{fusion.MethodNEWS2.String(), "NEWS2"},
		{fusion.AlarmEscalated.String(), "escalated"},
		{fusion.NoticeEscalation.String(), "escalation"},
		{fusion.ActionNotified.String(), "notified"},
		{fusion.TriggerFall.String(), "fall"},
		{fusion.ResponseHelp.String(), "help"},
		{fusion.ConsciousnessCVPU.String(), "CVPU"},
		{fusion.OxygenSupplemental.String(), "oxygen"},
		{fusion.Problem{Field: "Temperature", Value: 80, Err: fusion.ErrImplausible, Detail: "plausible 25–45 °C"}.Error(),
			"Temperature = 80: fusion: physiologically implausible value (plausible 25–45 °C)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if int(fusion.StageGood) != 1 || int(fusion.StageEmergency) != 4 {
		t.Error("stage numbering must be good=1 … emergency=4")
	}
}
