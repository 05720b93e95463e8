package fusion_test

import (
	"context"
	"fmt"
	"time"

	"github.com/phdkit/phdkit/fusion"
)

func ExampleRuleScorer() {
	v := fusion.Vitals{
		Systolic: fusion.Measured(185), Diastolic: fusion.Measured(110), // hypertensive crisis
		HeartRate:   fusion.Measured(135), // severe
		Temperature: fusion.Measured(37.0),
		SpO2:        fusion.Measured(97),
	}
	a := fusion.RuleScorer{}.Assess(v)
	fmt.Println("stage:", a.Stage)
	fmt.Println("blood pressure:", a.Signals[fusion.SignalSystolic], "heart rate:", a.Signals[fusion.SignalHeartRate])
	for _, p := range a.Problems {
		fmt.Println("not scored:", p)
	}
	// Output:
	// stage: severe
	// blood pressure: emergency heart rate: severe
	// not scored: Respiration: fusion: not measured
}

func ExampleNEWS2Scorer() {
	// What a wrist unit measures: no respiration rate, no consciousness, no oxygen record.
	v := fusion.Vitals{
		Systolic: fusion.Measured(98), Diastolic: fusion.Measured(60),
		HeartRate: fusion.Measured(118), Temperature: fusion.Measured(38.6), SpO2: fusion.Measured(95),
	}
	a := fusion.NEWS2Scorer{}.Assess(v)
	fmt.Printf("NEWS2 at least %d, stage %v, partial %v\n", a.Score, a.Stage, a.Partial)
	// Output:
	// NEWS2 at least 6, stage severe, partial true
}

type printer struct{}

func (printer) Notify(_ context.Context, n fusion.Notice) error {
	fmt.Printf("%s → %v: %v (%v, %s)\n", n.At.Format("15:04:05"), n.To, n.Kind, n.Stage, n.Reason)
	return nil
}

// A fall with severe vitals: the user is alarmed, does not answer, and after a minute the
// guardian and medical staff are told.
func ExampleEngine() {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	eng, err := fusion.NewEngine(fusion.EngineConfig{
		User: printer{}, Guardian: printer{}, Medical: printer{},
		Now: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	eng.UpdateVitals(fusion.Vitals{HeartRate: fusion.Measured(138), SpO2: fusion.Measured(90), Temperature: fusion.Measured(36.9)})
	out, _ := eng.Fall(ctx, fusion.FallEvent{At: now, PeakG: 3.6, Angle: 84, Confidence: 0.9})
	fmt.Println("alarm", out.AlarmID, "opened:", out.Opened)

	now = now.Add(time.Minute)
	_ = eng.Tick(ctx)
	_ = eng.Acknowledge(ctx, out.AlarmID, fusion.PartyGuardian)
	al, _ := eng.Alarm(out.AlarmID)
	fmt.Println("state:", al.State)
	// Output:
	// 08:00:00 → user: alarm (severe, fall)
	// alarm 1 opened: true
	// 08:01:00 → guardian: escalation (severe, no response within 1m0s)
	// 08:01:00 → medical: escalation (severe, no response within 1m0s)
	// state: acknowledged
}
