package fall

import (
	"errors"
	"fmt"
	"time"
)

// Sample is one reading of a body-worn sensor.
//
// T is the time of the reading on any monotonic clock (only differences matter). X, Y and Z
// are the specific force along the sensor's axes in units of standard gravity (g); a sensor at
// rest reads a vector of length 1 pointing up. GX, GY and GZ are the angular rate in rad/s and
// are read only when HasGyro is true.
type Sample struct {
	T          time.Duration
	X, Y, Z    float64
	GX, GY, GZ float64
	HasGyro    bool
}

// Posture is the coarse body posture derived from the tilt between the gravity estimate and
// the calibrated body axis.
type Posture uint8

// The postures. PostureUnknown is reported until the body axis is known.
const (
	PostureUnknown  Posture = iota // body axis not yet calibrated
	PostureUpright                 // tilt below Config.UprightAngle
	PostureInclined                // tilt between Config.UprightAngle and Config.LyingAngle
	PostureLying                   // tilt above Config.LyingAngle
)

var postureNames = [...]string{
	PostureUnknown:  "unknown",
	PostureUpright:  "upright",
	PostureInclined: "inclined",
	PostureLying:    "lying",
}

// String returns the posture's name, or "Posture(n)" for a value outside the set.
func (p Posture) String() string {
	if int(p) < len(postureNames) {
		return postureNames[p]
	}
	return fmt.Sprintf("Posture(%d)", uint8(p))
}

// EventKind says what an Event reports.
type EventKind uint8

// The event kinds.
const (
	// EventCalibrated: the body axis was learned from an upright period. Angle is 0 and
	// Posture is PostureUpright.
	EventCalibrated EventKind = iota + 1
	// EventPosture: the stable posture changed from From to Posture.
	EventPosture
	// EventFall: a fall was confirmed. T is the time of the trigger (impact or free-fall
	// dip), PeakG the largest acceleration magnitude seen from the trigger to confirmation,
	// Angle the tilt when confirmed and Confidence a score in [0, 1].
	EventFall
	// EventRecovery: after a fall the wearer is upright again (getting up). Angle is the tilt
	// when recovery was confirmed.
	EventRecovery
	// EventGap: the time since the previous sample exceeded Config.MaxGap. The filters were
	// restarted from this sample and any fall under evaluation was abandoned. Gap holds the
	// length of the gap.
	EventGap
)

var eventKindNames = [...]string{
	EventCalibrated: "calibrated",
	EventPosture:    "posture",
	EventFall:       "fall",
	EventRecovery:   "recovery",
	EventGap:        "gap",
}

// String returns the kind's name, or "EventKind(n)" for a value outside the set.
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && eventKindNames[k] != "" {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is something the Detector noticed. Which fields are meaningful depends on Kind (see
// the EventKind constants); the others are zero.
type Event struct {
	Kind       EventKind
	T          time.Duration // time of the event on the samples' clock
	PeakG      float64       // EventFall: peak acceleration magnitude in g
	Angle      float64       // tilt from the body axis in degrees
	Confidence float64       // EventFall: in [0, 1]
	FreeFall   bool          // EventFall: a free-fall dip preceded or triggered the fall
	Posture    Posture       // posture after the event
	From       Posture       // EventPosture: posture before the change
	Gap        time.Duration // EventGap: time since the previous accepted sample
}

// String formats the event for logs.
func (e Event) String() string {
	switch e.Kind {
	case EventFall:
		return fmt.Sprintf("%v fall peak=%.2fg angle=%.0f° confidence=%.2f", e.T, e.PeakG, e.Angle, e.Confidence)
	case EventPosture:
		return fmt.Sprintf("%v posture %v→%v angle=%.0f°", e.T, e.From, e.Posture, e.Angle)
	case EventRecovery:
		return fmt.Sprintf("%v recovery angle=%.0f°", e.T, e.Angle)
	case EventGap:
		return fmt.Sprintf("%v gap of %v", e.T, e.Gap)
	default:
		return fmt.Sprintf("%v %v", e.T, e.Kind)
	}
}

// Errors returned, wrapped in a *SampleError, for samples the Detector refuses. A refused
// sample leaves the Detector's state unchanged, so the caller may log it and carry on.
var (
	ErrNonFinite  = errors.New("fall: acceleration is NaN or infinite")
	ErrOutOfOrder = errors.New("fall: timestamp earlier than the previous sample")
	ErrDuplicate  = errors.New("fall: timestamp equal to the previous sample")
	ErrConfig     = errors.New("fall: invalid configuration")
)

// SampleError describes a refused sample: its position in the stream (counting every sample
// pushed, from 0), its timestamp, the offending field and the reason.
type SampleError struct {
	Index uint64
	T     time.Duration
	Field string
	Err   error
}

func (e *SampleError) Error() string {
	return fmt.Sprintf("fall: sample %d (t=%v) field %s: %v", e.Index, e.T, e.Field, e.Err)
}

// Unwrap returns the sentinel error.
func (e *SampleError) Unwrap() error { return e.Err }
