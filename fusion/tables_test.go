package fusion_test

import (
	"errors"
	"math"
	"testing"

	"github.com/phdkit/phdkit/fusion"
)

// TestDefaultTableBoundaries checks every boundary of every default table: the value at the
// bound and the nearest values on either side.
func TestDefaultTableBoundaries(t *testing.T) {
	const (
		G = fusion.StageGood
		A = fusion.StageAbnormal
		S = fusion.StageSevere
		E = fusion.StageEmergency
		X = fusion.StageUnknown // implausible
	)
	type c struct {
		v    float64
		want fusion.Stage
	}
	tests := []struct {
		sig   fusion.Signal
		cases []c
	}{
		{fusion.SignalSystolic, []c{
			{39.9, X}, {40, E}, {69.9, E}, {70, S}, {90, S}, {90.1, A}, {100, A}, {100.1, G},
			{119.9, G}, {120, A}, {129, A}, {130, A}, {139.9, A}, {140, S}, {180, S}, {180.1, E},
			{300, E}, {300.1, X}, {-120, X},
		}},
		{fusion.SignalDiastolic, []c{
			{19.9, X}, {20, G}, {79.9, G}, {80, A}, {89.9, A}, {90, S}, {120, S}, {120.1, E},
			{200, E}, {200.1, X},
		}},
		{fusion.SignalHeartRate, []c{
			{19.9, X}, {20, E}, {30, E}, {30.1, S}, {40, S}, {41, A}, {50, A}, {51, G}, {90, G},
			{91, A}, {110, A}, {111, A}, {130, A}, {131, S}, {149.9, S}, {150, E}, {250, E}, {250.1, X},
		}},
		{fusion.SignalTemperature, []c{
			{24.9, X}, {25, E}, {31.9, E}, {32, S}, {35.0, S}, {35.1, A}, {36.0, A}, {36.1, G},
			{38.0, G}, {38.1, A}, {39.0, A}, {39.1, S}, {39.9, S}, {40, E}, {45, E}, {45.1, X}, {80, X},
		}},
		{fusion.SignalSpO2, []c{
			{49.9, X}, {50, E}, {84.9, E}, {85, S}, {91, S}, {92, A}, {93, A}, {94, A}, {95, A},
			{96, G}, {100, G}, {100.1, X},
		}},
		{fusion.SignalRespiration, []c{
			{-0.1, X}, {0, E}, {5, E}, {6, S}, {8, S}, {9, A}, {11, A}, {12, G}, {20, G}, {21, A},
			{24, A}, {25, S}, {29.9, S}, {30, E}, {80, E}, {80.1, X},
		}},
	}
	ts := fusion.DefaultTables()
	for _, tt := range tests {
		tab := ts.Table(tt.sig)
		for _, c := range tt.cases {
			got, p := tab.Classify(tt.sig, c.v)
			if got != c.want {
				t.Errorf("%v.Classify(%v) = %v, want %v", tt.sig, c.v, got, c.want)
			}
			if (p != nil) != (c.want == X) {
				t.Errorf("%v.Classify(%v) problem = %v", tt.sig, c.v, p)
			}
			if p != nil && !errors.Is(*p, fusion.ErrImplausible) {
				t.Errorf("%v.Classify(%v) problem = %v, want ErrImplausible", tt.sig, c.v, p)
			}
		}
		if _, p := tab.Classify(tt.sig, math.NaN()); p == nil {
			t.Errorf("%v.Classify(NaN) accepted", tt.sig)
		}
	}
	if err := ts.Validate(); err != nil {
		t.Fatalf("DefaultTables().Validate() = %v", err)
	}
}

func TestTableValidate(t *testing.T) {
	tests := []struct {
		name string
		tab  fusion.Table
	}{
		{"empty range", fusion.Table{Min: 5, Max: 5, Bands: []fusion.Band{{Upper: math.Inf(1), Stage: fusion.StageGood}}}},
		{"no bands", fusion.Table{Min: 0, Max: 1, Bands: []fusion.Band{}}},
		{"stage unknown", fusion.Table{Min: 0, Max: 1, Bands: []fusion.Band{{Upper: 1, Stage: fusion.StageUnknown}}}},
		{"decreasing", fusion.Table{Min: 0, Max: 10, Bands: []fusion.Band{{Upper: 5, Stage: fusion.StageGood}, {Upper: 4, Stage: fusion.StageSevere}}}},
		{"same bound twice", fusion.Table{Min: 0, Max: 10, Bands: []fusion.Band{{Upper: 5, Inclusive: true, Stage: fusion.StageGood}, {Upper: 5, Inclusive: true, Stage: fusion.StageSevere}}}},
		{"NaN bound", fusion.Table{Min: 0, Max: 10, Bands: []fusion.Band{{Upper: math.NaN(), Stage: fusion.StageGood}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.tab.Validate(); !errors.Is(err, fusion.ErrTable) {
				t.Fatalf("Validate() = %v, want ErrTable", err)
			}
			ts := fusion.Tables{HeartRate: tt.tab}
			if tt.tab.Bands != nil {
				if err := ts.Validate(); !errors.Is(err, fusion.ErrTable) {
					t.Fatalf("Tables.Validate() = %v, want ErrTable", err)
				}
			}
		})
	}
	// A table that stops short of +Inf refuses values above it.
	short := fusion.Table{Min: 0, Max: 100, Bands: []fusion.Band{{Upper: 50, Inclusive: true, Stage: fusion.StageGood}}}
	if err := short.Validate(); err != nil {
		t.Fatal(err)
	}
	if st, p := short.Classify(fusion.SignalHeartRate, 60); st != fusion.StageUnknown || p == nil {
		t.Fatalf("Classify above the last band = %v, %v", st, p)
	}
}

func TestCustomTable(t *testing.T) {
	// A clinician tightens the heart-rate table for one user; the other tables keep their
	// defaults.
	ts := fusion.Tables{HeartRate: fusion.Table{Min: 20, Max: 250, Bands: []fusion.Band{
		{Upper: 45, Stage: fusion.StageSevere}, {Upper: 80, Inclusive: true, Stage: fusion.StageGood},
		{Upper: math.Inf(1), Inclusive: true, Stage: fusion.StageSevere},
	}}}
	r := fusion.RuleScorer{Tables: ts}
	a := r.Assess(fusion.Vitals{HeartRate: fusion.Measured(85), SpO2: fusion.Measured(90)})
	if a.Signals[fusion.SignalHeartRate] != fusion.StageSevere || a.Stage != fusion.StageSevere {
		t.Fatalf("custom table: %+v", a)
	}
}

func TestDefaultTablesAreCopies(t *testing.T) {
	for _, ts := range []fusion.Tables{fusion.DefaultTables(), fusion.Tables{}.WithDefaults()} {
		ts.SpO2.Bands[0].Stage = fusion.StageGood
		ts.SpO2.Bands[0].Upper = 1000
	}
	a := fusion.RuleScorer{}.Assess(fusion.Vitals{SpO2: fusion.Measured(80), HeartRate: fusion.Measured(160)})
	if a.Signals[fusion.SignalSpO2] != fusion.StageEmergency {
		t.Fatalf("modifying a returned table changed the defaults: SpO2 80 is %v", a.Signals[fusion.SignalSpO2])
	}
}
