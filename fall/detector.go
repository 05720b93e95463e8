package fall

import (
	"fmt"
	"math"
	"time"
)

// dipMemory is how long before the trigger a free-fall dip still counts towards the fall.
const dipMemory = 1500 * time.Millisecond

// detector states.
const (
	stateIdle      uint8 = iota // watching for a trigger
	stateCandidate              // triggered; waiting for a held lying posture
	stateFallen                 // fall reported; waiting for recovery
)

// Detector is a streaming fall detector. Feed it samples in time order with Push; it
// returns the events each sample completes. The zero Detector is not usable; create one
// with New. A Detector is not safe for concurrent use: one goroutine feeds it.
type Detector struct {
	cfg       Config
	cosLying  float64
	cosUp     float64
	gyroRate2 float64
	limit     time.Duration // longest wait from trigger to confirmation

	n       uint64 // samples pushed, refused ones included
	started bool
	lastT   time.Duration
	lastDt  time.Duration
	alphaG  float64
	alphaA  float64

	gx, gy, gz float64 // low-pass gravity estimate, in g
	act        float64 // running mean of |magnitude − 1|
	cos        float64 // cosine of the tilt, last valid value

	axis       [3]float64
	calibrated bool
	calStart   time.Duration
	calSum     [3]float64
	calN       int

	posture      Posture // stable (debounced) posture
	candPosture  Posture
	candSince    time.Duration
	lastNotLying time.Duration // valid when seenNotLying
	lastUpright  time.Duration // valid when seenUpright
	seenNotLying bool
	seenUpright  bool

	inDip      bool
	dipCounted bool
	dipStart   time.Duration

	state     uint8
	trigT     time.Duration
	peak      float64
	dipT      time.Duration // start of the last free-fall dip
	hasDip    bool
	holding   bool
	holdStart time.Duration
	gyroSeen  bool
	gyroHitT  time.Duration
	gyroHit   bool
	upHolding bool
	upSince   time.Duration
}

// New returns a Detector for cfg, or an error wrapping ErrConfig that names the first invalid
// field. The zero Config gives the documented defaults.
func New(cfg Config) (*Detector, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &Detector{cfg: c}
	d.cosLying = math.Cos(c.LyingAngle * math.Pi / 180)
	d.cosUp = math.Cos(c.UprightAngle * math.Pi / 180)
	d.gyroRate2 = c.GyroFallRate * c.GyroFallRate
	d.limit = c.PostureWindow + 3*c.HoldTime
	if c.BodyAxis != [3]float64{} {
		ax, ay, az := c.BodyAxis[0], c.BodyAxis[1], c.BodyAxis[2]
		norm := math.Sqrt(ax*ax + ay*ay + az*az)
		if !(norm > 1e-9) || math.IsInf(norm, 0) {
			return nil, fmt.Errorf("%w: BodyAxis = %v", ErrConfig, c.BodyAxis)
		}
	}
	d.Reset()
	return d, nil
}

// Reset forgets every sample seen, as if the Detector were new. A configured body axis is
// kept; a calibrated one is forgotten.
func (d *Detector) Reset() {
	*d = Detector{cfg: d.cfg, cosLying: d.cosLying, cosUp: d.cosUp, gyroRate2: d.gyroRate2, limit: d.limit}
	if a := d.cfg.BodyAxis; a != [3]float64{} {
		norm := math.Sqrt(a[0]*a[0] + a[1]*a[1] + a[2]*a[2])
		d.axis = [3]float64{a[0] / norm, a[1] / norm, a[2] / norm}
		d.calibrated = true
	}
}

// Config returns the configuration in force, defaults filled in.
func (d *Detector) Config() Config { return d.cfg }

// Calibrated reports whether the body axis is known (configured or learned).
func (d *Detector) Calibrated() bool { return d.calibrated }

// BodyAxis returns the unit body axis in sensor coordinates, or zeros before calibration.
func (d *Detector) BodyAxis() [3]float64 { return d.axis }

// Posture returns the current stable posture.
func (d *Detector) Posture() Posture { return d.posture }

// Fallen reports whether a fall has been reported and no recovery has followed yet.
func (d *Detector) Fallen() bool { return d.state == stateFallen }

// Tilt returns the current angle, in degrees, between the gravity estimate and the body
// axis, or NaN before calibration or before the first sample.
func (d *Detector) Tilt() float64 {
	if !d.calibrated || !d.started {
		return math.NaN()
	}
	return angleDeg(d.cos)
}

// alpha returns 1 − e^(−x), the gain of a first-order low-pass filter for a step of x time
// constants. Timestamps jitter, so x changes with nearly every sample: for the small steps
// of 20–200 Hz sampling a Taylor polynomial (relative error below 1e-5 for x < 0.25)
// replaces the exponential.
func alpha(x float64) float64 {
	if x < 0.25 {
		return x * (1 - x*(0.5-x*(1.0/6-x*(1.0/24-x*(1.0/120)))))
	}
	return 1 - math.Exp(-x)
}

func angleDeg(c float64) float64 {
	if c > 1 {
		c = 1
	} else if c < -1 {
		c = -1
	}
	return math.Acos(c) * (180 / math.Pi)
}

func finite(v float64) bool { return v-v == 0 }

// Push feeds one sample and appends the events it completes to dst, returning the extended
// slice. It allocates nothing when dst has room for the events (at most three per sample).
//
// A sample with a non-finite acceleration, or a timestamp not after the previous accepted
// sample's, is refused with a *SampleError wrapping ErrNonFinite, ErrOutOfOrder or
// ErrDuplicate; the Detector's state is unchanged and dst is returned as it was. Gyroscope
// rates are optional: they are ignored when HasGyro is false or any of them is not finite.
func (d *Detector) Push(dst []Event, s Sample) ([]Event, error) {
	idx := d.n
	d.n++
	if !finite(s.X) {
		return dst, &SampleError{Index: idx, T: s.T, Field: "X", Err: ErrNonFinite}
	}
	if !finite(s.Y) {
		return dst, &SampleError{Index: idx, T: s.T, Field: "Y", Err: ErrNonFinite}
	}
	if !finite(s.Z) {
		return dst, &SampleError{Index: idx, T: s.T, Field: "Z", Err: ErrNonFinite}
	}
	if d.started {
		if s.T < d.lastT {
			return dst, &SampleError{Index: idx, T: s.T, Field: "T", Err: ErrOutOfOrder}
		}
		if s.T == d.lastT {
			return dst, &SampleError{Index: idx, T: s.T, Field: "T", Err: ErrDuplicate}
		}
	}
	m := math.Sqrt(s.X*s.X + s.Y*s.Y + s.Z*s.Z)
	if !finite(m) { // components finite but the square overflowed: treat as refused
		return dst, &SampleError{Index: idx, T: s.T, Field: "X", Err: ErrNonFinite}
	}
	if !d.started {
		d.started = true
		d.restart(s)
		return d.tail(dst, s, m), nil
	}
	dt := s.T - d.lastT
	d.lastT = s.T
	if dt > d.cfg.MaxGap || dt < 0 { // dt < 0: the subtraction overflowed, an enormous gap
		dst = append(dst, Event{Kind: EventGap, T: s.T, Gap: dt, Posture: d.posture})
		d.restart(s)
		return d.tail(dst, s, m), nil
	}
	if dt != d.lastDt {
		d.lastDt = dt
		d.alphaG = alpha(float64(dt) / float64(d.cfg.GravityTau))
		d.alphaA = alpha(float64(dt) / float64(d.cfg.ActivityTau))
	}
	d.gx += d.alphaG * (s.X - d.gx)
	d.gy += d.alphaG * (s.Y - d.gy)
	d.gz += d.alphaG * (s.Z - d.gz)
	d.act += d.alphaA * (math.Abs(m-1) - d.act)
	return d.tail(dst, s, m), nil
}

// restart seeds the filters from s after the first sample or a gap and abandons any fall
// under evaluation. A reported fall stays reported.
func (d *Detector) restart(s Sample) {
	d.lastT = s.T
	d.lastDt = 0
	d.gx, d.gy, d.gz = s.X, s.Y, s.Z
	d.act = 0
	d.calN = 0
	d.candPosture = d.posture
	d.inDip, d.dipCounted = false, false
	d.holding, d.upHolding = false, false
	if d.state == stateCandidate {
		d.state = stateIdle
	}
}

// tail runs calibration, posture tracking and the fall state machine for an accepted sample
// whose magnitude is m.
func (d *Detector) tail(dst []Event, s Sample, m float64) []Event {
	t := s.T
	if !d.calibrated {
		return d.calibrate(dst, s, m)
	}
	gn := math.Sqrt(d.gx*d.gx + d.gy*d.gy + d.gz*d.gz)
	if gn > 1e-3 {
		d.cos = (d.gx*d.axis[0] + d.gy*d.axis[1] + d.gz*d.axis[2]) / gn
	}
	p := PostureInclined
	if d.cos > d.cosUp {
		p = PostureUpright
	} else if d.cos < d.cosLying {
		p = PostureLying
	}
	if p != PostureLying {
		d.lastNotLying, d.seenNotLying = t, true
	}
	if p == PostureUpright {
		d.lastUpright, d.seenUpright = t, true
	}
	switch {
	case d.posture == PostureUnknown:
		d.posture, d.candPosture = p, p
		dst = append(dst, Event{Kind: EventPosture, T: t, Angle: angleDeg(d.cos), Posture: p, From: PostureUnknown})
	case p == d.posture:
		d.candPosture = p
	case p != d.candPosture:
		d.candPosture, d.candSince = p, t
	case t-d.candSince >= d.cfg.PostureHold:
		dst = append(dst, Event{Kind: EventPosture, T: t, Angle: angleDeg(d.cos), Posture: p, From: d.posture})
		d.posture = p
	}

	if s.HasGyro && finite(s.GX) && finite(s.GY) && finite(s.GZ) {
		d.gyroSeen = true
		if s.GX*s.GX+s.GY*s.GY+s.GZ*s.GZ >= d.gyroRate2 {
			d.gyroHitT, d.gyroHit = t, true
		}
	}

	// Triggers: a free-fall dip held for FreeFallMin, or an impact.
	if m < d.cfg.FreeFallG {
		if !d.inDip {
			d.inDip, d.dipStart = true, t
		}
		if !d.dipCounted && t-d.dipStart >= d.cfg.FreeFallMin {
			d.dipCounted = true
			d.trigger(d.dipStart, t, m, true)
		}
	} else {
		d.inDip, d.dipCounted = false, false
	}
	if m >= d.cfg.ImpactG || (m >= d.cfg.SoftImpactG && d.seenUpright && t-d.lastUpright <= d.cfg.FastTransition) {
		d.trigger(t, t, m, false)
	}

	switch d.state {
	case stateCandidate:
		if m > d.peak {
			d.peak = m
		}
		if p != PostureLying {
			d.holding = false
			if t-d.trigT > d.cfg.PostureWindow {
				d.state = stateIdle
			}
			break
		}
		if !d.holding {
			if t-d.trigT > d.cfg.PostureWindow {
				d.state = stateIdle
				break
			}
			d.holding, d.holdStart = true, t
		}
		if d.act > d.cfg.ActivityG {
			d.holdStart = t
		}
		if t-d.holdStart >= d.cfg.HoldTime {
			if d.posture != PostureLying {
				dst = append(dst, Event{Kind: EventPosture, T: t, Angle: angleDeg(d.cos), Posture: PostureLying, From: d.posture})
				d.posture, d.candPosture = PostureLying, PostureLying
			}
			dst = append(dst, d.confirm(t))
		} else if t-d.trigT > d.limit {
			d.state = stateIdle
		}
	case stateFallen:
		if p == PostureUpright {
			if !d.upHolding {
				d.upHolding, d.upSince = true, t
			}
			if t-d.upSince >= d.cfg.RecoveryHold {
				d.state = stateIdle
				d.upHolding = false
				dst = append(dst, Event{Kind: EventRecovery, T: t, Angle: angleDeg(d.cos), Posture: PostureUpright})
			}
		} else {
			d.upHolding = false
		}
	}
	return dst
}

// trigger starts or extends a fall candidate. at is the trigger time reported in the event,
// now the current sample's time and m its magnitude. A trigger while the candidate has not
// yet reached the lying posture restarts the posture window from the new trigger, so that an
// earlier jolt (a heavy step) cannot use up the window of the real fall.
func (d *Detector) trigger(at, now time.Duration, m float64, freeFall bool) {
	if freeFall {
		d.dipT, d.hasDip = at, true
	}
	switch d.state {
	case stateIdle:
		if !d.seenNotLying || now-d.lastNotLying > d.cfg.PriorUpright {
			return // already lying before the jolt
		}
		d.state = stateCandidate
		d.trigT, d.peak, d.holding = at, m, false
	case stateCandidate:
		if !d.holding {
			d.trigT, d.peak = at, m
		} else if m > d.peak {
			d.peak = m
		}
	}
}

// confirm builds the fall event and enters the fallen state.
func (d *Detector) confirm(t time.Duration) Event {
	angle := angleDeg(d.cos)
	conf := 0.4
	imp := (d.peak - 1) / (d.cfg.ImpactG - 1)
	conf += 0.25 * clamp01(imp)
	freeFall := d.hasDip && d.dipT >= d.trigT-dipMemory
	if freeFall {
		conf += 0.15
	}
	conf += 0.1 * clamp01((angle-d.cfg.LyingAngle)/(90-d.cfg.LyingAngle))
	if d.gyroSeen {
		if d.gyroHit && d.gyroHitT >= d.trigT-time.Second {
			conf += 0.1
		}
	} else {
		conf /= 0.9
	}
	d.state = stateFallen
	d.upHolding = false
	return Event{Kind: EventFall, T: d.trigT, PeakG: d.peak, Angle: angle, Confidence: clamp01(conf),
		FreeFall: freeFall, Posture: PostureLying}
}

func clamp01(v float64) float64 {
	if v < 0 || v != v {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// calibrate accumulates an upright, still period and learns the body axis from it.
func (d *Detector) calibrate(dst []Event, s Sample, m float64) []Event {
	if math.Abs(m-1) > d.cfg.CalibrationMaxDeviation {
		d.calN = 0
		return dst
	}
	if d.calN == 0 {
		d.calStart = s.T
		d.calSum = [3]float64{}
	}
	d.calN++
	d.calSum[0] += s.X
	d.calSum[1] += s.Y
	d.calSum[2] += s.Z
	if s.T-d.calStart < d.cfg.CalibrationTime {
		return dst
	}
	x, y, z := d.calSum[0], d.calSum[1], d.calSum[2]
	norm := math.Sqrt(x*x + y*y + z*z)
	if !(norm > 0.5*float64(d.calN)) || !finite(norm) {
		d.calN = 0 // the average is not a plausible gravity vector
		return dst
	}
	d.axis = [3]float64{x / norm, y / norm, z / norm}
	d.calibrated = true
	gn := math.Sqrt(d.gx*d.gx + d.gy*d.gy + d.gz*d.gz)
	d.cos = 1
	if gn > 1e-3 {
		d.cos = (d.gx*d.axis[0] + d.gy*d.axis[1] + d.gz*d.axis[2]) / gn
	}
	d.posture, d.candPosture = PostureUpright, PostureUpright
	d.lastNotLying, d.lastUpright = s.T, s.T
	d.seenNotLying, d.seenUpright = true, true
	return append(dst, Event{Kind: EventCalibrated, T: s.T, Angle: angleDeg(d.cos), Posture: PostureUpright})
}
