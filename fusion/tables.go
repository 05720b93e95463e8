package fusion

import (
	"fmt"
	"math"
)

// Band is one row of a range table: values up to Upper (inclusive when Inclusive is set,
// exclusive otherwise) that were not claimed by an earlier band map to Stage.
type Band struct {
	Upper     float64
	Inclusive bool
	Stage     Stage
}

// Table maps a signal's value to a stage. Values outside [Min, Max] are physiologically
// implausible (a sensor fault, a unit error such as °F for °C) and are refused rather than
// scored. Bands must be in increasing order of Upper; the last band should reach +Inf.
type Table struct {
	Min, Max float64
	Bands    []Band
}

// Classify returns the stage of value v, or a Problem wrapping ErrImplausible when v is not
// finite, outside [Min, Max], or above every band.
func (t *Table) Classify(s Signal, v float64) (Stage, *Problem) {
	if !finite(v) || v < t.Min || v > t.Max {
		return StageUnknown, &Problem{Field: s.String(), Value: v, Err: ErrImplausible,
			Detail: fmt.Sprintf("plausible %g–%g %s", t.Min, t.Max, s.Unit())}
	}
	for _, b := range t.Bands {
		if v < b.Upper || (b.Inclusive && v == b.Upper) {
			return b.Stage, nil
		}
	}
	return StageUnknown, &Problem{Field: s.String(), Value: v, Err: ErrImplausible, Detail: "above every band of the table"}
}

// Validate reports whether the table is usable: finite Min < Max, at least one band, bands in
// strictly increasing order, every stage between good and emergency.
func (t *Table) Validate() error {
	if !finite(t.Min) || !finite(t.Max) || t.Min >= t.Max {
		return fmt.Errorf("%w: plausible range %g–%g", ErrTable, t.Min, t.Max)
	}
	if len(t.Bands) == 0 {
		return fmt.Errorf("%w: no bands", ErrTable)
	}
	for i, b := range t.Bands {
		if math.IsNaN(b.Upper) {
			return fmt.Errorf("%w: band %d: NaN upper bound", ErrTable, i)
		}
		if b.Stage < StageGood || b.Stage > StageEmergency {
			return fmt.Errorf("%w: band %d: stage %v", ErrTable, i, b.Stage)
		}
		if i > 0 {
			p := t.Bands[i-1]
			if b.Upper < p.Upper || (b.Upper == p.Upper && (p.Inclusive || !b.Inclusive)) {
				return fmt.Errorf("%w: band %d: bounds not increasing", ErrTable, i)
			}
		}
	}
	return nil
}

// Tables holds one range table per signal. A table whose Bands are nil takes the default
// for its signal, so the zero Tables is the documented default.
type Tables struct {
	Systolic, Diastolic, HeartRate, Temperature, SpO2, Respiration Table
}

// Table returns a pointer to the table of signal s, or nil for an unknown signal.
func (ts *Tables) Table(s Signal) *Table {
	switch s {
	case SignalSystolic:
		return &ts.Systolic
	case SignalDiastolic:
		return &ts.Diastolic
	case SignalHeartRate:
		return &ts.HeartRate
	case SignalTemperature:
		return &ts.Temperature
	case SignalSpO2:
		return &ts.SpO2
	case SignalRespiration:
		return &ts.Respiration
	}
	return nil
}

// WithDefaults returns ts with every table that has no bands replaced by a copy of its
// default.
func (ts Tables) WithDefaults() Tables {
	for s := Signal(0); s < NumSignals; s++ {
		if t := ts.Table(s); t.Bands == nil {
			d := defaultTables.Table(s)
			*t = *d
			t.Bands = append([]Band(nil), d.Bands...)
		}
	}
	return ts
}

// shared is WithDefaults without the copies, for the scorers, which only read the tables.
func (ts Tables) shared() Tables {
	for s := Signal(0); s < NumSignals; s++ {
		if t := ts.Table(s); t.Bands == nil {
			*t = *defaultTables.Table(s)
		}
	}
	return ts
}

// Validate checks every table (after defaults are applied).
func (ts Tables) Validate() error {
	ts = ts.shared()
	for s := Signal(0); s < NumSignals; s++ {
		if err := ts.Table(s).Validate(); err != nil {
			return fmt.Errorf("%v table: %w", s, err)
		}
	}
	return nil
}

var inf = math.Inf(1)

// DefaultTables returns the default range tables. Each call returns fresh slices, which the
// caller may modify.
//
// Blood pressure follows the 2017 ACC/AHA guideline (Whelton et al., Hypertension
// 71(6):e13–e115, 2018): normal below 120/80 mmHg; elevated 120–129 systolic with diastolic
// below 80; stage 1 hypertension 130–139 systolic or 80–89 diastolic; stage 2 hypertension
// 140 or more systolic or 90 or more diastolic; hypertensive crisis above 180 systolic
// and/or above 120 diastolic. Here normal is good, elevated and stage 1 are abnormal,
// stage 2 is severe and crisis is emergency. Systolic and diastolic are classified
// separately; the two-signal rule takes the higher of the two, as the guideline does.
// ACC/AHA has no hypotension categories; the low systolic bands follow the NEWS2 systolic
// scores (≤90 mmHg scores 3, 91–100 scores 2) with shock-level pressure below 70 mmHg as
// emergency.
//
//	systolic  (plausible 40–300):  <70 emergency, 70–90 severe, >90–100 abnormal,
//	                               >100–<120 good, 120–<140 abnormal, 140–180 severe,
//	                               >180 emergency
//	diastolic (plausible 20–200):  <80 good, 80–<90 abnormal, 90–120 severe, >120 emergency
//
// The other tables follow the NEWS2 bands (Royal College of Physicians 2017): the band that
// scores 0 is good, bands scoring 1 or 2 are abnormal, bands scoring 3 are severe, and an
// extreme beyond them is emergency.
//
//	heart rate  (plausible 20–250 /min): ≤30 emergency, >30–40 severe, >40–50 abnormal,
//	                                     >50–90 good, >90–130 abnormal, >130–<150 severe,
//	                                     ≥150 emergency
//	temperature (plausible 25–45 °C):    <32 emergency, 32–35 severe, >35–36 abnormal,
//	                                     >36–38 good, >38–39 abnormal, >39–<40 severe,
//	                                     ≥40 emergency
//	SpO2        (plausible 50–100 %):    <85 emergency, 85–91 severe, >91–95 abnormal, >95 good
//	respiration (plausible 0–80 /min):   ≤5 emergency, >5–8 severe, >8–11 abnormal, >11–20 good,
//	                                     >20–24 abnormal, >24–<30 severe, ≥30 emergency
//
// For whole-number readings these are the NEWS2 bands exactly (heart rate 51–90 good,
// temperature 36.1–38.0 good, and so on).
// Bounds are exact: a temperature of 38.05 °C is abnormal, a heart rate of 90.5 /min
// abnormal.
func DefaultTables() Tables { return Tables{}.WithDefaults() }

// defaultTables backs DefaultTables and the zero Tables. It is never modified; the scorers
// read it without copying.
var defaultTables = Tables{
	Systolic: Table{Min: 40, Max: 300, Bands: []Band{
		{70, false, StageEmergency}, {90, true, StageSevere}, {100, true, StageAbnormal},
		{120, false, StageGood}, {140, false, StageAbnormal}, {180, true, StageSevere},
		{inf, true, StageEmergency},
	}},
	Diastolic: Table{Min: 20, Max: 200, Bands: []Band{
		{80, false, StageGood}, {90, false, StageAbnormal}, {120, true, StageSevere},
		{inf, true, StageEmergency},
	}},
	HeartRate: Table{Min: 20, Max: 250, Bands: []Band{
		{30, true, StageEmergency}, {40, true, StageSevere}, {50, true, StageAbnormal},
		{90, true, StageGood}, {130, true, StageAbnormal}, {150, false, StageSevere},
		{inf, true, StageEmergency},
	}},
	Temperature: Table{Min: 25, Max: 45, Bands: []Band{
		{32, false, StageEmergency}, {35, true, StageSevere}, {36, true, StageAbnormal},
		{38, true, StageGood}, {39, true, StageAbnormal}, {40, false, StageSevere},
		{inf, true, StageEmergency},
	}},
	SpO2: Table{Min: 50, Max: 100, Bands: []Band{
		{85, false, StageEmergency}, {91, true, StageSevere}, {95, true, StageAbnormal},
		{inf, true, StageGood},
	}},
	Respiration: Table{Min: 0, Max: 80, Bands: []Band{
		{5, true, StageEmergency}, {8, true, StageSevere}, {11, true, StageAbnormal},
		{20, true, StageGood}, {24, true, StageAbnormal}, {30, false, StageSevere},
		{inf, true, StageEmergency},
	}},
}
