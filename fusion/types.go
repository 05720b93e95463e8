package fusion

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Stage is the user's condition, or one signal's contribution to it, on the four-stage scale
// of the monitoring system: good, abnormal, severe, emergency. StageUnknown (the zero value)
// means there was not enough valid data to tell.
type Stage uint8

// The stages, in increasing order of severity.
const (
	StageUnknown   Stage = iota // not enough valid data
	StageGood                   // 1: within the normal range
	StageAbnormal               // 2: outside the normal range; watch
	StageSevere                 // 3: alarm the user and ask for a response
	StageEmergency              // 4: notify guardian and medical staff at once
)

var stageNames = [...]string{
	StageUnknown:   "unknown",
	StageGood:      "good",
	StageAbnormal:  "abnormal",
	StageSevere:    "severe",
	StageEmergency: "emergency",
}

// String returns the stage's name, or "Stage(n)" for a value outside the set.
func (s Stage) String() string {
	if int(s) < len(stageNames) {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", uint8(s))
}

// Signal names one measured biosignal.
type Signal uint8

// The signals. Systolic and diastolic pressure are separate signals with separate tables;
// the published two-signal rule counts them together as one biosignal, blood pressure.
const (
	SignalSystolic    Signal = iota // systolic blood pressure, mmHg
	SignalDiastolic                 // diastolic blood pressure, mmHg
	SignalHeartRate                 // heart (pulse) rate, beats per minute
	SignalTemperature               // body temperature, °C
	SignalSpO2                      // peripheral oxygen saturation, %
	SignalRespiration               // respiration rate, breaths per minute
)

// NumSignals is the number of Signal values.
const NumSignals = 6

var signalNames = [NumSignals]string{"Systolic", "Diastolic", "HeartRate", "Temperature", "SpO2", "Respiration"}
var signalUnits = [NumSignals]string{"mmHg", "mmHg", "/min", "°C", "%", "/min"}

// String returns the signal's name as a Vitals field name.
func (s Signal) String() string {
	if int(s) < NumSignals {
		return signalNames[s]
	}
	return fmt.Sprintf("Signal(%d)", uint8(s))
}

// Unit returns the unit the signal is measured in.
func (s Signal) Unit() string {
	if int(s) < NumSignals {
		return signalUnits[s]
	}
	return ""
}

// Reading is one optional measurement. The zero Reading means "not measured".
type Reading struct {
	Value float64
	OK    bool // the value was measured
}

// Measured returns a Reading holding v.
func Measured(v float64) Reading { return Reading{Value: v, OK: true} }

// Consciousness is the ACVPU level used by NEWS2.
type Consciousness uint8

// Consciousness levels. The zero value means not assessed.
const (
	ConsciousnessUnknown Consciousness = iota // not assessed
	ConsciousnessAlert                        // A: alert
	ConsciousnessCVPU                         // new Confusion, or responds only to Voice or Pain, or Unresponsive
)

var consciousnessNames = [...]string{"unknown", "alert", "CVPU"}

// String returns the level's name.
func (c Consciousness) String() string {
	if int(c) < len(consciousnessNames) {
		return consciousnessNames[c]
	}
	return fmt.Sprintf("Consciousness(%d)", uint8(c))
}

// Oxygen says whether the user breathes air or receives supplemental oxygen (NEWS2).
type Oxygen uint8

// Oxygen values. The zero value means not recorded.
const (
	OxygenUnknown      Oxygen = iota // not recorded
	OxygenAir                        // breathing room air
	OxygenSupplemental               // on supplemental oxygen
)

var oxygenNames = [...]string{"unknown", "air", "oxygen"}

// String returns the value's name.
func (o Oxygen) String() string {
	if int(o) < len(oxygenNames) {
		return oxygenNames[o]
	}
	return fmt.Sprintf("Oxygen(%d)", uint8(o))
}

// Vitals is one set of observations of a user. Any reading may be missing.
type Vitals struct {
	At            time.Time // when the observations were taken
	Systolic      Reading   // mmHg
	Diastolic     Reading   // mmHg
	HeartRate     Reading   // beats per minute
	Temperature   Reading   // °C
	SpO2          Reading   // %
	Respiration   Reading   // breaths per minute
	Consciousness Consciousness
	Oxygen        Oxygen
	// SpO2Scale2 selects NEWS2 SpO2 scale 2, for users with hypercapnic respiratory failure
	// whose prescribed target saturation is 88–92%. It must be set by a clinician.
	SpO2Scale2 bool
}

// Get returns the reading of signal s.
func (v *Vitals) Get(s Signal) Reading {
	switch s {
	case SignalSystolic:
		return v.Systolic
	case SignalDiastolic:
		return v.Diastolic
	case SignalHeartRate:
		return v.HeartRate
	case SignalTemperature:
		return v.Temperature
	case SignalSpO2:
		return v.SpO2
	case SignalRespiration:
		return v.Respiration
	}
	return Reading{}
}

// Set sets the reading of signal s; it does nothing for an unknown signal.
func (v *Vitals) Set(s Signal, r Reading) {
	switch s {
	case SignalSystolic:
		v.Systolic = r
	case SignalDiastolic:
		v.Diastolic = r
	case SignalHeartRate:
		v.HeartRate = r
	case SignalTemperature:
		v.Temperature = r
	case SignalSpO2:
		v.SpO2 = r
	case SignalRespiration:
		v.Respiration = r
	}
}

// Errors reported in Problems, and returned by the alarm engine.
var (
	ErrMissing      = errors.New("fusion: not measured")
	ErrImplausible  = errors.New("fusion: physiologically implausible value")
	ErrStale        = errors.New("fusion: reading too old")
	ErrInsufficient = errors.New("fusion: too few valid biosignals to stage")
	ErrTable        = errors.New("fusion: invalid range table")
	ErrConfig       = errors.New("fusion: invalid configuration")
	ErrUnknownAlarm = errors.New("fusion: no such alarm")
	ErrAlarmClosed  = errors.New("fusion: alarm already resolved")
	ErrNoNotifier   = errors.New("fusion: no notifier configured for this party")
)

// Problem reports an input that was not scored: missing, implausible or stale. Field is the
// Vitals field name ("Temperature", "Consciousness", …).
type Problem struct {
	Field string
	Value float64 // the refused value (0 when missing)
	Err   error
	// Detail explains an implausible value, for example the plausible range.
	Detail string
}

// Error formats the problem.
func (p Problem) Error() string {
	if errors.Is(p.Err, ErrMissing) {
		return fmt.Sprintf("%s: %v", p.Field, p.Err)
	}
	s := fmt.Sprintf("%s = %v: %v", p.Field, p.Value, p.Err)
	if p.Detail != "" {
		s += " (" + p.Detail + ")"
	}
	return s
}

// Unwrap returns the sentinel error.
func (p Problem) Unwrap() error { return p.Err }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
