package fusion

import (
	"fmt"
	"math"
)

// Method names the scorer that produced an Assessment.
type Method uint8

// The scoring methods.
const (
	MethodRule  Method = iota + 1 // the published two-signal rule (RuleScorer)
	MethodNEWS2                   // National Early Warning Score 2 (NEWS2Scorer)
)

var methodNames = [...]string{MethodRule: "rule", MethodNEWS2: "NEWS2"}

// String returns the method's name.
func (m Method) String() string {
	if int(m) < len(methodNames) && methodNames[m] != "" {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// NEWS2Points holds the points NEWS2 gave each parameter; -1 marks a parameter that was not
// scored (missing or refused).
type NEWS2Points struct {
	Respiration, SpO2, Oxygen, Systolic, Pulse, Consciousness, Temperature int
}

// Assessment is a scorer's verdict on one set of vitals.
type Assessment struct {
	Method Method
	Stage  Stage
	// Signals holds each signal's stage from the range tables (StageUnknown when missing or
	// refused). Both scorers fill it, so callers can show which signal is out of range.
	Signals [NumSignals]Stage
	// Score is the NEWS2 aggregate (MethodNEWS2 only).
	Score int
	// RedScore reports that a single NEWS2 parameter scored 3 (MethodNEWS2 only).
	RedScore bool
	// Points are the NEWS2 points per parameter (MethodNEWS2 only).
	Points NEWS2Points
	// Partial reports that some inputs were missing, stale or refused. For NEWS2 the Score
	// and Stage are then lower bounds: a missing parameter can only add points.
	Partial bool
	// Problems lists every input that was not scored and why.
	Problems []Problem
}

// classifyAll classifies every present signal with the tables, refusing implausible values
// and a diastolic pressure not below the systolic.
func classifyAll(ts *Tables, v *Vitals, a *Assessment) (ok [NumSignals]bool) {
	for s := Signal(0); s < NumSignals; s++ {
		r := v.Get(s)
		if !r.OK {
			a.Problems = append(a.Problems, Problem{Field: s.String(), Err: ErrMissing})
			continue
		}
		st, p := ts.Table(s).Classify(s, r.Value)
		if p != nil {
			a.Problems = append(a.Problems, *p)
			continue
		}
		a.Signals[s], ok[s] = st, true
	}
	if ok[SignalSystolic] && ok[SignalDiastolic] && v.Diastolic.Value >= v.Systolic.Value {
		detail := fmt.Sprintf("diastolic %g not below systolic %g", v.Diastolic.Value, v.Systolic.Value)
		a.Problems = append(a.Problems,
			Problem{Field: "Systolic", Value: v.Systolic.Value, Err: ErrImplausible, Detail: detail},
			Problem{Field: "Diastolic", Value: v.Diastolic.Value, Err: ErrImplausible, Detail: detail})
		ok[SignalSystolic], ok[SignalDiastolic] = false, false
		a.Signals[SignalSystolic], a.Signals[SignalDiastolic] = StageUnknown, StageUnknown
	}
	return ok
}

// RuleScorer is the published staging rule: the user is at stage k when at least
// MinAgreeing biosignals are at stage k or worse, k being the highest such stage. The
// biosignals are blood pressure (the higher stage of systolic and diastolic, as ACC/AHA
// classify), heart rate, temperature, SpO2 and respiration rate, each present one counting
// once. With fewer than MinAgreeing valid biosignals the stage is StageUnknown and the
// Problems include ErrInsufficient.
//
// The zero RuleScorer uses the default tables and MinAgreeing 2.
type RuleScorer struct {
	Tables      Tables
	MinAgreeing int // default 2
}

// Assess stages v.
func (r RuleScorer) Assess(v Vitals) Assessment {
	ts := r.Tables.shared()
	need := r.MinAgreeing
	if need <= 0 {
		need = 2
	}
	a := Assessment{Method: MethodRule}
	ok := classifyAll(&ts, &v, &a)
	var bio [5]Stage // blood pressure, heart rate, temperature, SpO2, respiration
	nb := 0
	bp := StageUnknown
	if ok[SignalSystolic] {
		bp = a.Signals[SignalSystolic]
	}
	if ok[SignalDiastolic] && a.Signals[SignalDiastolic] > bp {
		bp = a.Signals[SignalDiastolic]
	}
	if bp != StageUnknown {
		bio[nb] = bp
		nb++
	}
	for _, s := range [...]Signal{SignalHeartRate, SignalTemperature, SignalSpO2, SignalRespiration} {
		if ok[s] {
			bio[nb] = a.Signals[s]
			nb++
		}
	}
	a.Partial = len(a.Problems) > 0
	if nb < need {
		a.Problems = append(a.Problems, Problem{Field: "Vitals", Value: float64(nb), Err: ErrInsufficient,
			Detail: fmt.Sprintf("%d valid biosignals, the rule needs %d", nb, need)})
		a.Partial = true
		return a
	}
	for k := StageEmergency; k >= StageGood; k-- {
		n := 0
		for _, st := range bio[:nb] {
			if st >= k {
				n++
			}
		}
		if n >= need {
			a.Stage = k
			break
		}
	}
	return a
}

// NEWS2Scorer computes the National Early Warning Score 2 (Royal College of Physicians,
// "National Early Warning Score (NEWS) 2: Standardising the assessment of acute-illness
// severity in the NHS", 2017) and maps it to a stage:
//
//	aggregate 0                         good
//	aggregate 1–4, no parameter at 3    abnormal  (low clinical risk)
//	aggregate 1–4 with one parameter 3  severe    (low–medium risk: urgent ward-based response)
//	aggregate 5–6                       severe    (medium risk: key threshold for urgent response)
//	aggregate 7 or more                 emergency (high risk: emergency response)
//
// The parameter charts, for readings rounded to whole numbers (temperature to 0.1 °C) as
// NEWS2 charts record them:
//
//	                   3        2        1        0          1        2        3
//	respiration /min   ≤8                9–11     12–20               21–24    ≥25
//	SpO2 scale 1 %     ≤91      92–93    94–95    ≥96
//	SpO2 scale 2 %     ≤83      84–85    86–87    88–92, ≥93 on air
//	                                                         93–94 O₂ 95–96 O₂ ≥97 O₂
//	air or oxygen               oxygen            air
//	systolic mmHg      ≤90      91–100   101–110  111–219                      ≥220
//	pulse /min         ≤40               41–50    51–90      91–110   111–130  ≥131
//	consciousness                                 alert                        CVPU
//	temperature °C     ≤35.0             35.1–36  36.1–38.0  38.1–39  ≥39.1
//
// A wrist sensor rarely measures respiration or consciousness: a missing parameter scores
// nothing, the Assessment is marked Partial, and its Score and Stage are a lower bound of
// the full NEWS2 (partial NEWS2). Implausible values (outside the range tables' plausible
// ranges) are refused and reported the same way, never scored. Signals holds each signal's
// stage from the range tables for display.
//
// With none of respiration, SpO2, systolic pressure, pulse and temperature usable the Stage
// is StageUnknown and the Problems include ErrInsufficient.
//
// The zero NEWS2Scorer uses the default tables for plausibility.
type NEWS2Scorer struct {
	Tables Tables
}

type pointBand struct {
	upper  float64 // inclusive
	points int
}

func points(v float64, bands []pointBand) int {
	for _, b := range bands {
		if v <= b.upper {
			return b.points
		}
	}
	return bands[len(bands)-1].points
}

var (
	news2Respiration = []pointBand{{8, 3}, {11, 1}, {20, 0}, {24, 2}, {math.Inf(1), 3}}
	news2SpO2Scale1  = []pointBand{{91, 3}, {93, 2}, {95, 1}, {math.Inf(1), 0}}
	news2SpO2Scale2  = []pointBand{{83, 3}, {85, 2}, {87, 1}, {92, 0}}
	news2SpO2Scale2O = []pointBand{{94, 1}, {96, 2}, {math.Inf(1), 3}} // ≥93 on oxygen
	news2Systolic    = []pointBand{{90, 3}, {100, 2}, {110, 1}, {219, 0}, {math.Inf(1), 3}}
	news2Pulse       = []pointBand{{40, 3}, {50, 1}, {90, 0}, {110, 1}, {130, 2}, {math.Inf(1), 3}}
	news2Temperature = []pointBand{{35.0, 3}, {36.0, 1}, {38.0, 0}, {39.0, 1}, {math.Inf(1), 2}}
)

// Assess computes NEWS2 for v.
func (n NEWS2Scorer) Assess(v Vitals) Assessment {
	ts := n.Tables.shared()
	a := Assessment{Method: MethodNEWS2}
	ok := classifyAll(&ts, &v, &a)
	// Diastolic pressure is not a NEWS2 parameter: its absence is not a gap.
	kept := a.Problems[:0]
	for _, p := range a.Problems {
		if p.Field == "Diastolic" && p.Err == ErrMissing {
			continue
		}
		kept = append(kept, p)
	}
	a.Problems = kept
	a.Points = NEWS2Points{-1, -1, -1, -1, -1, -1, -1}
	add := func(dst *int, p int) {
		*dst = p
		a.Score += p
		if p == 3 {
			a.RedScore = true
		}
	}
	round := math.Round
	if ok[SignalRespiration] {
		add(&a.Points.Respiration, points(round(v.Respiration.Value), news2Respiration))
	}
	switch v.Oxygen {
	case OxygenAir:
		add(&a.Points.Oxygen, 0)
	case OxygenSupplemental:
		add(&a.Points.Oxygen, 2)
	default:
		a.Problems = append(a.Problems, Problem{Field: "Oxygen", Err: ErrMissing})
	}
	if ok[SignalSpO2] {
		s := round(v.SpO2.Value)
		switch {
		case !v.SpO2Scale2:
			add(&a.Points.SpO2, points(s, news2SpO2Scale1))
		case s <= 92:
			add(&a.Points.SpO2, points(s, news2SpO2Scale2))
		case v.Oxygen == OxygenSupplemental:
			add(&a.Points.SpO2, points(s, news2SpO2Scale2O))
		default: // ≥93 on air scores 0; with oxygen use unknown, 0 is the lower bound
			add(&a.Points.SpO2, 0)
		}
	}
	if ok[SignalSystolic] {
		add(&a.Points.Systolic, points(round(v.Systolic.Value), news2Systolic))
	}
	if ok[SignalHeartRate] {
		add(&a.Points.Pulse, points(round(v.HeartRate.Value), news2Pulse))
	}
	switch v.Consciousness {
	case ConsciousnessAlert:
		add(&a.Points.Consciousness, 0)
	case ConsciousnessCVPU:
		add(&a.Points.Consciousness, 3)
	default:
		a.Problems = append(a.Problems, Problem{Field: "Consciousness", Err: ErrMissing})
	}
	if ok[SignalTemperature] {
		add(&a.Points.Temperature, points(round(v.Temperature.Value*10)/10, news2Temperature))
	}
	a.Partial = len(a.Problems) > 0
	if !ok[SignalRespiration] && !ok[SignalSpO2] && !ok[SignalSystolic] && !ok[SignalHeartRate] && !ok[SignalTemperature] {
		a.Problems = append(a.Problems, Problem{Field: "Vitals", Err: ErrInsufficient,
			Detail: "no physiological parameter measured"})
		return a // StageUnknown: a score from consciousness and oxygen alone is not a staging
	}
	switch {
	case a.Score >= 7:
		a.Stage = StageEmergency
	case a.Score >= 5 || a.RedScore:
		a.Stage = StageSevere
	case a.Score >= 1:
		a.Stage = StageAbnormal
	default:
		a.Stage = StageGood
	}
	return a
}
