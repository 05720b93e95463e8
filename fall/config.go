package fall

import (
	"fmt"
	"math"
	"time"
)

// Config holds the Detector's thresholds. The zero value is valid: every zero field takes the
// default named in its comment. A Config is read once by New and may be reused afterwards.
//
// The defaults come from published threshold detectors for body-worn (trunk or waist)
// accelerometers:
//
//   - Bourke, O'Brien and Lyons, "Evaluation of a threshold-based tri-axial accelerometer fall
//     detection algorithm", Gait & Posture 26(2):194–199, 2007: sensors on trunk and thigh,
//     480 movements (simulated falls by young volunteers onto mats, activities of daily
//     living by elderly subjects, eight fall types: forward, backward, lateral left and right,
//     legs straight and flexed). A single upper threshold on the resultant magnitude of the
//     trunk accelerometer separated every fall from every daily activity.
//   - Bourke and Lyons, "A threshold-based fall-detection algorithm using a bi-axial gyroscope
//     sensor", Medical Engineering & Physics 30:84–90, 2008: a fall when the resultant
//     angular velocity exceeds 3.1 rad/s, the angular acceleration 0.05 rad/s² and the trunk
//     angle change 0.59 rad; 100% accuracy on 480 movements.
//   - Kangas, Konttila, Lindgren, Winblad and Jämsä, "Comparison of low-complexity fall
//     detection algorithms for body attached accelerometers", Gait & Posture 28(2):285–291,
//     2008: waist, wrist and head sensors; with the waist or head sensor simple threshold
//     algorithms reached 97–98% sensitivity and 100% specificity, the most sensitive
//     parameter being the resultant without high-pass filtering. The waist thresholds of
//     their second algorithm, as independent reimplementations reproduce them (the figures
//     here were not checked against the paper's tables): start of a fall when the resultant
//     drops below 0.6 g, an impact at 2.0 g, and the posture checked 2 s after the impact,
//     lying when the low-passed vertical component averages below 0.5 g, a tilt above 60°.
//   - Sucerquia, López and Vargas-Bonilla, "SisFall: A Fall and Movement Dataset", Sensors
//     17(1):198, 2017: 19 daily activities and 15 fall types by 23 young adults, 15 daily
//     activities by 14 people over 62 and all activities by one 60-year-old; threshold
//     classification reached up to 96% accuracy, and performance dropped on the elderly
//     participants' activities, so the thresholds here are deliberately combined with a
//     posture test rather than used alone.
type Config struct {
	// ImpactG is the acceleration magnitude, in g, that counts as an impact. Default 2.5 g:
	// half a g above the 2.0 g waist impact threshold of Kangas et al. 2008 (as reproduced,
	// see above), so that heel strikes in brisk walking stay below it.
	ImpactG float64
	// SoftImpactG is a lower impact threshold, in g, for slow collapses (syncope) whose
	// impact is cushioned and whose descent is too slow for a deep free-fall dip. A soft
	// impact starts a fall only when the wearer was upright no more than FastTransition
	// before it, so that only a rapid collapse qualifies. Default 1.7 g, above the
	// 1.5 g that lying down onto a bed produces in the generated traces; when ImpactG is set
	// below it, the default follows ImpactG. An explicit value must not exceed ImpactG.
	SoftImpactG float64
	// FastTransition bounds the time from the last upright posture to a soft impact.
	// Default 1.5 s.
	FastTransition time.Duration
	// FreeFallG is the magnitude, in g, below which the wearer is in a free-fall dip.
	// Default 0.6 g, the start-of-fall threshold of Kangas et al. 2008 (as reproduced).
	FreeFallG float64
	// FreeFallMin is how long the magnitude must stay below FreeFallG to count as a dip.
	// Default 40 ms, which rejects single-sample noise at 200 Hz and single samples at 25 Hz.
	FreeFallMin time.Duration
	// LyingAngle is the tilt, in degrees between the gravity estimate and the body axis,
	// above which the wearer is lying. Default 60°, the posture threshold of Kangas et al.
	// 2008 as reproduced (vertical component below 0.5 g).
	LyingAngle float64
	// UprightAngle is the tilt, in degrees, below which the wearer is upright. Default 35°.
	// Between UprightAngle and LyingAngle the posture is inclined (sitting back, bending).
	UprightAngle float64
	// PostureWindow is how long after a trigger (impact or dip) the wearer has to reach a
	// lying posture for the trigger to start a fall. Default 2.5 s: Kangas et al. 2008 test
	// the posture 2 s after the impact (as reproduced); the extra half second covers the
	// free-fall dip that precedes the impact.
	PostureWindow time.Duration
	// HoldTime is how long the lying posture must be held with low activity to confirm a
	// fall. Default 2 s.
	HoldTime time.Duration
	// ActivityG is the activity level, in g (a running mean of |magnitude − 1|), below which
	// the wearer counts as still. Default 0.15 g.
	ActivityG float64
	// PriorUpright is how recently before a trigger the wearer must have been out of the
	// lying posture: a jolt while already lying (turning in bed) is not a fall. Default 2 s.
	PriorUpright time.Duration
	// RecoveryHold is how long the wearer must stay upright after a fall to report recovery.
	// Default 1 s.
	RecoveryHold time.Duration
	// PostureHold is how long a new posture must persist before a posture change is
	// reported. Default 0.5 s.
	PostureHold time.Duration
	// GravityTau is the time constant of the low-pass gravity estimate. Default 0.5 s
	// (reimplementations of Kangas et al. 2008 low-pass at 0.25 Hz, a time constant of
	// 0.64 s; 0.5 s reacts a little faster).
	GravityTau time.Duration
	// ActivityTau is the time constant of the activity estimate. Default 0.5 s.
	ActivityTau time.Duration
	// MaxGap is the longest interval between samples treated as continuous; a longer one
	// produces an EventGap and restarts the filters. Default 1 s. The detector is designed
	// for 20–200 Hz (intervals of 5–50 ms).
	MaxGap time.Duration
	// CalibrationTime is how long an upright, still period must last for the body axis to
	// be learned from it. Default 2 s. Ignored when BodyAxis is set.
	CalibrationTime time.Duration
	// CalibrationMaxDeviation is the largest |magnitude − 1|, in g, tolerated during the
	// calibration period; a larger one restarts it. Default 0.5 g.
	CalibrationMaxDeviation float64
	// BodyAxis, when not all zero, is the body's head-ward axis in sensor coordinates (any
	// length); calibration is then skipped. When zero, the axis is learned from the first
	// upright period, which the wearer must provide (standing or sitting up straight).
	BodyAxis [3]float64
	// GyroFallRate is the resultant angular rate, in rad/s, that raises the confidence of a
	// fall when a gyroscope is present. Default 3.1 rad/s, fall threshold 1 of Bourke and
	// Lyons 2008. Samples without gyroscope data (HasGyro false, or non-finite rates) leave
	// the confidence as it is.
	GyroFallRate float64
}

// The documented defaults.
const (
	DefaultImpactG                 = 2.5
	DefaultSoftImpactG             = 1.7
	DefaultFastTransition          = 1500 * time.Millisecond
	DefaultFreeFallG               = 0.6
	DefaultFreeFallMin             = 40 * time.Millisecond
	DefaultLyingAngle              = 60.0
	DefaultUprightAngle            = 35.0
	DefaultPostureWindow           = 2500 * time.Millisecond
	DefaultHoldTime                = 2 * time.Second
	DefaultActivityG               = 0.15
	DefaultPriorUpright            = 2 * time.Second
	DefaultRecoveryHold            = time.Second
	DefaultPostureHold             = 500 * time.Millisecond
	DefaultGravityTau              = 500 * time.Millisecond
	DefaultActivityTau             = 500 * time.Millisecond
	DefaultMaxGap                  = time.Second
	DefaultCalibrationTime         = 2 * time.Second
	DefaultCalibrationMaxDeviation = 0.5
	DefaultGyroFallRate            = 3.1
)

// withDefaults returns c with every zero field replaced by its default, or an error naming the
// first invalid field.
func (c Config) withDefaults() (Config, error) {
	f := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	d := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	f(&c.ImpactG, DefaultImpactG)
	softDefault := c.SoftImpactG == 0
	f(&c.SoftImpactG, DefaultSoftImpactG)
	d(&c.FastTransition, DefaultFastTransition)
	f(&c.FreeFallG, DefaultFreeFallG)
	d(&c.FreeFallMin, DefaultFreeFallMin)
	f(&c.LyingAngle, DefaultLyingAngle)
	f(&c.UprightAngle, DefaultUprightAngle)
	d(&c.PostureWindow, DefaultPostureWindow)
	d(&c.HoldTime, DefaultHoldTime)
	f(&c.ActivityG, DefaultActivityG)
	d(&c.PriorUpright, DefaultPriorUpright)
	d(&c.RecoveryHold, DefaultRecoveryHold)
	d(&c.PostureHold, DefaultPostureHold)
	d(&c.GravityTau, DefaultGravityTau)
	d(&c.ActivityTau, DefaultActivityTau)
	d(&c.MaxGap, DefaultMaxGap)
	d(&c.CalibrationTime, DefaultCalibrationTime)
	f(&c.CalibrationMaxDeviation, DefaultCalibrationMaxDeviation)
	f(&c.GyroFallRate, DefaultGyroFallRate)
	if softDefault && c.ImpactG > 1 && c.SoftImpactG > c.ImpactG {
		c.SoftImpactG = c.ImpactG // a lowered ImpactG lowers the default soft threshold with it
	}

	bad := func(field string, v any) error {
		return fmt.Errorf("%w: %s = %v", ErrConfig, field, v)
	}
	pos := []struct {
		name string
		v    float64
	}{
		{"ImpactG", c.ImpactG}, {"SoftImpactG", c.SoftImpactG}, {"FreeFallG", c.FreeFallG}, {"LyingAngle", c.LyingAngle},
		{"UprightAngle", c.UprightAngle}, {"ActivityG", c.ActivityG},
		{"CalibrationMaxDeviation", c.CalibrationMaxDeviation}, {"GyroFallRate", c.GyroFallRate},
	}
	for _, p := range pos {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return c, bad(p.name, p.v)
		}
	}
	durs := []struct {
		name string
		v    time.Duration
	}{
		{"FreeFallMin", c.FreeFallMin}, {"FastTransition", c.FastTransition}, {"PostureWindow", c.PostureWindow}, {"HoldTime", c.HoldTime},
		{"PriorUpright", c.PriorUpright}, {"RecoveryHold", c.RecoveryHold}, {"PostureHold", c.PostureHold},
		{"GravityTau", c.GravityTau}, {"ActivityTau", c.ActivityTau}, {"MaxGap", c.MaxGap},
		{"CalibrationTime", c.CalibrationTime},
	}
	for _, p := range durs {
		if p.v < 0 {
			return c, bad(p.name, p.v)
		}
	}
	if c.FreeFallG >= 1 {
		return c, bad("FreeFallG", c.FreeFallG)
	}
	if c.ImpactG <= 1 {
		return c, bad("ImpactG", c.ImpactG)
	}
	if c.SoftImpactG <= 1 || c.SoftImpactG > c.ImpactG {
		return c, bad("SoftImpactG", c.SoftImpactG)
	}
	if c.LyingAngle >= 90 {
		return c, bad("LyingAngle", c.LyingAngle)
	}
	if c.UprightAngle >= c.LyingAngle {
		return c, bad("UprightAngle", c.UprightAngle)
	}
	for i, v := range c.BodyAxis {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return c, bad(fmt.Sprintf("BodyAxis[%d]", i), v)
		}
	}
	return c, nil
}
