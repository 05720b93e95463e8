// Package synth generates synthetic body-worn accelerometer traces for testing and
// demonstrating the fall detector: daily activities (standing, walking, sitting down hard,
// lying down slowly, jumping, stumbling) and falls (forward, backward, lateral, with
// recovery, slow syncope with a soft impact), with sensor noise, a random mounting rotation,
// timestamp jitter and clipping at the sensor's range.
//
// The model is kinematic, not a biomechanical simulation: each activity is a time course of
// trunk tilt, fall direction and world-frame specific force (gravity plus body acceleration),
// with magnitudes chosen to be plausible for a trunk sensor rather than fitted to recorded
// data: free-fall dips to 0.15–0.5 g before falls (0.35–0.65 g in a syncope), impacts of
// 3–6 g before sampling, sitting and landing impacts of 2–5.5 g. A trace is a pure function
// of its activity, seed and Config, so failures reproduce exactly.
//
//	tr := synth.Generate(synth.FallForward, 42, synth.Config{})
//	for _, s := range tr.Samples {
//		events, err = det.Push(events[:0], s)
//	}
//
// Generate is safe for concurrent use; it keeps no state between calls.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/phdkit/phdkit/fall"
)

// Activity names a generated movement.
type Activity uint8

// Daily activities (negatives, several of them hard) and falls (positives).
const (
	ActivityStanding  Activity = iota + 1 // standing with postural sway
	ActivityWalking                       // standing, then walking at 1.6–2.2 steps/s
	ActivitySitHard                       // dropping hard onto a chair: dip and impact, ends inclined
	ActivityLieDown                       // lying down slowly onto a bed: ends lying, no impact
	ActivityJumping                       // two to five jumps: flight near 0 g, landings of 3–5 g
	ActivityStumbling                     // walking, a trip with dip and impact, caught upright
	FallForward                           // forward fall from standing or walking
	FallBackward                          // backward fall
	FallLateral                           // fall to the left or right
	FallRecovery                          // fall, lying 4–6 s, getting up again
	FallSyncope                           // slow collapse with a shallow dip and a soft impact
)

var activityNames = [...]string{
	ActivityStanding:  "standing",
	ActivityWalking:   "walking",
	ActivitySitHard:   "sitting down hard",
	ActivityLieDown:   "lying down slowly",
	ActivityJumping:   "jumping",
	ActivityStumbling: "stumbling",
	FallForward:       "fall forward",
	FallBackward:      "fall backward",
	FallLateral:       "fall lateral",
	FallRecovery:      "fall with recovery",
	FallSyncope:       "syncope",
}

// String returns the activity's name.
func (a Activity) String() string {
	if int(a) < len(activityNames) && activityNames[a] != "" {
		return activityNames[a]
	}
	return fmt.Sprintf("Activity(%d)", uint8(a))
}

// IsFall reports whether the activity is a fall.
func (a Activity) IsFall() bool { return a >= FallForward && a <= FallSyncope }

// DailyActivities returns the non-fall activities, hard negatives included.
func DailyActivities() []Activity {
	return []Activity{ActivityStanding, ActivityWalking, ActivitySitHard, ActivityLieDown, ActivityJumping, ActivityStumbling}
}

// Falls returns the fall activities.
func Falls() []Activity {
	return []Activity{FallForward, FallBackward, FallLateral, FallRecovery, FallSyncope}
}

// Config shapes the generated traces. The zero value gives the defaults in the comments.
type Config struct {
	RateHz       float64       // sampling rate; default 50 Hz
	Duration     time.Duration // trace length; default 16 s, extended for FallRecovery to 3 s after getting up
	NoiseG       float64       // standard deviation of the per-axis noise in g; default 0.02, negative for none
	RangeG       float64       // sensor full scale: each axis is clipped to ±RangeG; default 8 g
	JitterFrac   float64       // timestamp jitter as a fraction of the period; default 0.05, negative for none
	NoRotation   bool          // mount the sensor aligned with the body instead of rotated at random
	Gyro         bool          // also fill in angular rates (derived from the tilt course)
	UprightStart time.Duration // still standing at the start, for calibration; default 3 s
}

// Trace is one generated recording.
type Trace struct {
	Activity Activity
	Seed     uint64
	Fall     bool          // the trace contains a fall
	FallAt   time.Duration // when Fall: time of the impact
	Samples  []fall.Sample
	Rotation [3][3]float64 // mounting rotation, sensor = Rotation × body
}

// motion is the body's state at one instant: trunk tilt theta from vertical (radians) toward
// azimuth phi, and the world-frame specific force minus gravity: v vertical, hx and hy
// horizontal, in g.
type motion struct {
	theta, phi float64
	v, hx, hy  float64
}

func smooth(u float64) float64 {
	if u <= 0 {
		return 0
	}
	if u >= 1 {
		return 1
	}
	return u * u * (3 - 2*u)
}

func bump(u float64) float64 {
	if u <= 0 || u >= 1 {
		return 0
	}
	return math.Sin(math.Pi * u)
}

func pulse(t, t0, w float64) float64 {
	x := (t - t0) / w
	if x > 6 || x < -6 {
		return 0
	}
	return math.Exp(-x * x)
}

func ring(t, t0, a, tau, f float64) float64 {
	if t < t0 || t-t0 > 8*tau {
		return 0
	}
	return a * math.Exp(-(t-t0)/tau) * math.Sin(2*math.Pi*f*(t-t0))
}

func deg(d float64) float64 { return d * math.Pi / 180 }

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// sway is quiet standing: a few degrees of slow trunk sway.
func sway(r *rand.Rand) func(t float64) motion {
	a, f, p := deg(uniform(r, 1, 3)), uniform(r, 0.2, 0.5), uniform(r, 0, 2*math.Pi)
	base := deg(uniform(r, 0, 4))
	return func(t float64) motion {
		return motion{theta: base + a*math.Sin(2*math.Pi*f*t+p), phi: p}
	}
}

// walk is gait: vertical oscillation at the step frequency, heel-strike transients and a
// slight forward lean.
func walk(r *rand.Rand, start float64) func(t float64) motion {
	f := uniform(r, 1.6, 2.2)
	amp := uniform(r, 0.2, 0.4)
	heel := uniform(r, 0.2, 0.5)
	lean := deg(uniform(r, 4, 12))
	return func(t float64) motion {
		u := t - start
		if u < 0 {
			return motion{}
		}
		ramp := smooth(u / 0.8)
		step := math.Mod(u*f, 1)
		v := ramp * (amp*math.Sin(2*math.Pi*f*u) + amp/3*math.Sin(4*math.Pi*f*u) + heel*pulse(step, 0.1, 0.06))
		return motion{
			theta: ramp * (lean + deg(3)*math.Sin(2*math.Pi*f*u)),
			v:     v,
			hx:    ramp * 0.15 * math.Sin(2*math.Pi*f*u+1),
			hy:    ramp * 0.08 * math.Sin(math.Pi*f*u),
		}
	}
}

// Generate returns the trace of activity a for seed under cfg.
func Generate(a Activity, seed uint64, cfg Config) Trace {
	if cfg.RateHz <= 0 || math.IsNaN(cfg.RateHz) {
		cfg.RateHz = 50
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 16 * time.Second
	}
	switch {
	case cfg.NoiseG == 0 || math.IsNaN(cfg.NoiseG):
		cfg.NoiseG = 0.02
	case cfg.NoiseG < 0:
		cfg.NoiseG = 0
	}
	if cfg.RangeG <= 0 || math.IsNaN(cfg.RangeG) {
		cfg.RangeG = 8
	}
	switch {
	case cfg.JitterFrac == 0 || math.IsNaN(cfg.JitterFrac):
		cfg.JitterFrac = 0.05
	case cfg.JitterFrac < 0:
		cfg.JitterFrac = 0
	case cfg.JitterFrac > 0.9:
		cfg.JitterFrac = 0.9 // keep timestamps increasing
	}
	if cfg.UprightStart <= 0 {
		cfg.UprightStart = 3 * time.Second
	}
	r := rand.New(rand.NewPCG(seed, uint64(a)*0x9e3779b97f4a7c15))
	tr := Trace{Activity: a, Seed: seed, Fall: a.IsFall()}
	dt := 1 / cfg.RateHz
	t0 := cfg.UprightStart.Seconds() + uniform(r, 0, 1.5) // when the activity proper starts
	stand := sway(r)
	var body func(t float64) motion
	impactAt := 0.0

	switch a {
	case ActivityStanding:
		body = stand
	case ActivityWalking:
		w := walk(r, t0)
		body = func(t float64) motion {
			m := w(t)
			s := stand(t)
			m.theta += s.theta
			return m
		}
	case ActivitySitHard:
		d := uniform(r, 0.5, 0.8)   // descent
		dip := uniform(r, 0.3, 0.6) // depth of the dip
		imp := uniform(r, 1.0, 2.8) // impact on the seat
		wid := math.Max(uniform(r, 0.02, 0.05), 0.8*dt)
		lean := deg(uniform(r, 15, 30)) // forward lean while lowering
		sit := deg(uniform(r, 10, 50))  // final recline
		back := uniform(r, 0, 1) < 0.5
		ti := t0 + d
		body = func(t float64) motion {
			m := stand(t)
			u := (t - t0) / d
			switch {
			case t < t0:
			case t < ti:
				m.theta += lean * bump(u)
				m.v = -dip * bump(u)
			default:
				k := smooth((t - ti) / 0.8)
				m.theta = sit * k
				if back {
					m.phi = math.Pi
				}
				m.v = imp*pulse(t, ti, wid) + ring(t, ti, imp*0.3, 0.06, 9)
			}
			return m
		}
	case ActivityLieDown:
		sitD := uniform(r, 1.0, 2.0)
		lieD := uniform(r, 1.5, 3.0)
		final := deg(uniform(r, 75, 100))
		phi := uniform(r, 0, 2*math.Pi)
		flop := uniform(r, 0, 0.5)
		sag := uniform(r, 0.05, 0.45) // knees giving way while sitting on the bed's edge
		ts := t0 + sitD
		te := ts + lieD
		body = func(t float64) motion {
			m := stand(t)
			switch {
			case t < t0:
			case t < ts:
				u := (t - t0) / sitD
				m.theta = deg(20) * smooth(u)
				m.v = -sag * bump(u)
			default:
				u := (t - ts) / lieD
				m.theta = deg(20) + (final-deg(20))*smooth(u)
				m.phi = phi
				m.v = 0.08*math.Sin(2*math.Pi*u) + flop*pulse(t, te, 0.06)
			}
			return m
		}
	case ActivityJumping:
		n := 2 + r.IntN(4)
		type jump struct{ start, flight, land, imp float64 }
		js := make([]jump, n)
		at := t0
		for i := range js {
			fl := uniform(r, 0.25, 0.45)
			js[i] = jump{start: at, flight: fl, land: at + 0.35 + fl, imp: uniform(r, 2, 4.5)}
			at += 0.35 + fl + uniform(r, 0.6, 1.2)
		}
		wid := math.Max(0.03, 0.8*dt)
		body = func(t float64) motion {
			m := stand(t)
			for _, j := range js {
				switch {
				case t >= j.start && t < j.start+0.2: // crouch
					m.v = -0.3 * bump((t-j.start)/0.2)
				case t >= j.start+0.2 && t < j.start+0.35: // push-off
					m.v = 0.8 * bump((t-j.start-0.2)/0.15)
				case t >= j.start+0.35 && t < j.land: // flight: free fall
					m.v = -0.9 + 0.05*math.Sin(20*t)
				case t >= j.land && t < j.land+0.6:
					m.v = j.imp*pulse(t, j.land, wid) + ring(t, j.land, 0.4, 0.08, 6)
					m.theta += deg(10) * bump((t-j.land)/0.6)
				}
			}
			return m
		}
	case ActivityStumbling:
		w := walk(r, t0)
		tt := t0 + uniform(r, 2, 4)
		pitch := deg(uniform(r, 20, 45))
		dip := uniform(r, 0.3, 0.55)
		imp := uniform(r, 1.5, 3.0)
		wid := math.Max(0.03, 0.8*dt)
		rec := uniform(r, 0.5, 1.0)
		body = func(t float64) motion {
			m := w(t)
			switch {
			case t >= tt && t < tt+0.3:
				u := (t - tt) / 0.3
				m.theta += pitch * smooth(u)
				m.v = -dip * bump(u)
			case t >= tt+0.3 && t < tt+0.3+rec:
				u := (t - tt - 0.3) / rec
				m.theta += pitch * (1 - smooth(u))
				m.v = imp*pulse(t, tt+0.3, wid) + ring(t, tt+0.3, 0.5, 0.07, 8)
			}
			return m
		}
	case FallForward, FallBackward, FallLateral, FallRecovery, FallSyncope:
		var end float64
		body, impactAt, end = fallBody(r, a, t0, dt, stand)
		if min := time.Duration((end + 3) * float64(time.Second)); cfg.Duration < min {
			cfg.Duration = min // room to get up and stand for 3 s
		}
	default:
		body = stand
	}

	rot := identity()
	if !cfg.NoRotation {
		rot = randomRotation(r)
	}
	tr.Rotation = rot
	if tr.Fall {
		tr.FallAt = time.Duration(impactAt * float64(time.Second))
	}

	n := int(cfg.Duration.Seconds() * cfg.RateHz)
	tr.Samples = make([]fall.Sample, 0, n)
	prevTheta, prevT := 0.0, 0.0
	for i := 0; i < n; i++ {
		t := float64(i)*dt + cfg.JitterFrac*dt*(r.Float64()-0.5)
		m := body(t)
		// Specific force in the world frame: gravity reaction plus body acceleration.
		fw := [3]float64{m.hx, m.hy, 1 + m.v}
		fb := toBody(fw, m.theta, m.phi)
		var s fall.Sample
		s.T = time.Duration(math.Round(t * float64(time.Second)))
		sv := mul(rot, fb)
		s.X = clip(sv[0]+cfg.NoiseG*r.NormFloat64(), cfg.RangeG)
		s.Y = clip(sv[1]+cfg.NoiseG*r.NormFloat64(), cfg.RangeG)
		s.Z = clip(sv[2]+cfg.NoiseG*r.NormFloat64(), cfg.RangeG)
		if cfg.Gyro {
			w := 0.0
			if i > 0 {
				w = (m.theta - prevTheta) / (t - prevT)
			}
			// rotation about the horizontal axis perpendicular to phi, in body then sensor frame
			gb := [3]float64{-math.Sin(m.phi) * w, math.Cos(m.phi) * w, 0}
			gs := mul(rot, gb)
			s.GX = gs[0] + 0.01*r.NormFloat64()
			s.GY = gs[1] + 0.01*r.NormFloat64()
			s.GZ = gs[2] + 0.01*r.NormFloat64()
			s.HasGyro = true
		}
		prevTheta, prevT = m.theta, t
		tr.Samples = append(tr.Samples, s)
	}
	return tr
}

// fallBody builds the motion of a fall starting at t0 and returns it with the impact time.
// The third result is when the scripted motion ends (standing again after a recovery).
func fallBody(r *rand.Rand, a Activity, t0, dt float64, stand func(float64) motion) (func(float64) motion, float64, float64) {
	var phi float64
	switch a {
	case FallBackward:
		phi = math.Pi + deg(uniform(r, -20, 20))
	case FallLateral:
		phi = math.Pi/2 + deg(uniform(r, -20, 20))
		if r.IntN(2) == 0 {
			phi += math.Pi
		}
	case FallForward:
		phi = deg(uniform(r, -20, 20))
	default:
		phi = uniform(r, 0, 2*math.Pi)
	}
	var pre func(float64) motion
	if a != FallSyncope && r.IntN(2) == 0 {
		pre = walk(r, t0) // falling while walking
		t0 += uniform(r, 1.5, 3)
	}
	d := uniform(r, 0.7, 1.1)      // descent
	dip := uniform(r, 0.5, 0.85)   // free-fall depth
	imp := uniform(r, 2.2, 5.0)    // impact added to 1 g
	wid := uniform(r, 0.015, 0.04) // impact width
	final := deg(uniform(r, 78, 100))
	if a == FallSyncope {
		d = uniform(r, 1.2, 2.0)
		dip = uniform(r, 0.35, 0.65)
		imp = uniform(r, 0.6, 1.3)
		wid = uniform(r, 0.04, 0.08)
		final = deg(uniform(r, 72, 95))
	}
	wid = math.Max(wid, 0.8*dt)
	ti := t0 + d
	lie := uniform(r, 4, 6)
	up := uniform(r, 1.5, 3)
	tu := ti + lie // start of getting up
	twitch := uniform(r, ti+1.5, ti+5)
	return func(t float64) motion {
		var m motion
		if pre != nil && t < t0+0.3 {
			m = pre(t)
			s := stand(t)
			m.theta += s.theta
		} else {
			m = stand(t)
		}
		switch {
		case t < t0:
			return m
		case t < ti:
			u := (t - t0) / d
			if a == FallSyncope {
				m.theta = final * smooth(u)
				m.v = -dip * math.Pow(bump(u), 0.7)
			} else {
				m.theta = final * u * u // accelerating topple
				m.v = -dip * math.Pow(bump(u), 0.6)
			}
			m.phi = phi
			m.hx = 0.2 * bump(u) * math.Cos(phi)
			m.hy = 0.2 * bump(u) * math.Sin(phi)
			return m
		}
		m.phi = phi
		m.theta = final + deg(2)*math.Sin(0.7*t)
		m.v = imp*pulse(t, ti, wid) + ring(t, ti, imp*0.25, 0.07, 10) + 0.1*pulse(t, twitch, 0.15)
		m.hx = 0.3 * imp * pulse(t, ti+0.01, wid) * math.Cos(phi)
		if a == FallRecovery && t >= tu {
			u := (t - tu) / up
			m.theta = final * (1 - smooth(u))
			m.v += 0.2 * bump(u) * math.Sin(2*math.Pi*3*u)
			if u >= 1 {
				s := stand(t)
				m.theta = s.theta
			}
		}
		return m
	}, ti, tu + up
}

// toBody expresses the world-frame vector f in the frame of a trunk tilted by theta toward
// azimuth phi: the inverse of a rotation by theta about the horizontal axis perpendicular
// to phi.
func toBody(f [3]float64, theta, phi float64) [3]float64 {
	k := [3]float64{-math.Sin(phi), math.Cos(phi), 0}
	// Rodrigues with angle -theta (world to body).
	c, s := math.Cos(-theta), math.Sin(-theta)
	kxf := [3]float64{k[1]*f[2] - k[2]*f[1], k[2]*f[0] - k[0]*f[2], k[0]*f[1] - k[1]*f[0]}
	kdf := k[0]*f[0] + k[1]*f[1] + k[2]*f[2]
	var out [3]float64
	for i := range out {
		out[i] = f[i]*c + kxf[i]*s + k[i]*kdf*(1-c)
	}
	return out
}

func identity() [3][3]float64 { return [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}} }

// randomRotation draws a rotation uniformly from SO(3) (via a random unit quaternion).
func randomRotation(r *rand.Rand) [3][3]float64 {
	var q [4]float64
	n := 0.0
	for n < 1e-6 {
		for i := range q {
			q[i] = r.NormFloat64()
		}
		n = math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
	}
	w, x, y, z := q[0]/n, q[1]/n, q[2]/n, q[3]/n
	return [3][3]float64{
		{1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y)},
	}
}

func mul(m [3][3]float64, v [3]float64) [3]float64 {
	return [3]float64{
		m[0][0]*v[0] + m[0][1]*v[1] + m[0][2]*v[2],
		m[1][0]*v[0] + m[1][1]*v[1] + m[1][2]*v[2],
		m[2][0]*v[0] + m[2][1]*v[1] + m[2][2]*v[2],
	}
}

func clip(v, r float64) float64 {
	if v > r {
		return r
	}
	if v < -r {
		return -r
	}
	return v
}
