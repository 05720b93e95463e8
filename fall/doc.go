// Package fall detects falls in a stream of 3-axis acceleration from a body-worn sensor.
//
// A Detector keeps a low-pass estimate of gravity and the tilt between it and the body axis
// (learned from the first upright, still period, or configured). A fall is a trigger (an
// impact above Config.ImpactG, a free-fall dip below Config.FreeFallG, or a soft impact
// during a rapid collapse) followed within Config.PostureWindow by a lying posture (tilt
// above Config.LyingAngle) held for Config.HoldTime with little activity. The Detector
// reports the fall (time, peak g, angle, confidence), every posture change, recovery
// (getting up after a fall), calibration and gaps in the stream. Every threshold is a field
// of Config, whose zero value gives defaults drawn from Bourke et al. 2007, Bourke and Lyons
// 2008, Kangas et al. 2008 and the SisFall data set (2017); see Config.
//
// The sensor is assumed to sit on the trunk or waist, where those studies placed it. Samples
// may arrive at any rate from 20 to 200 Hz, regularly or not; the filters use the actual
// interval between samples.
//
//	det, err := fall.New(fall.Config{})
//	if err != nil { ... }
//	events := make([]fall.Event, 0, 4)
//	for s := range samples {
//		events, err = det.Push(events[:0], s)
//		if err != nil {
//			log.Print(err) // a refused sample; the detector carries on
//			continue
//		}
//		for _, e := range events {
//			if e.Kind == fall.EventFall { alarm(e) }
//		}
//	}
//
// # Bad input
//
// Push refuses a sample whose acceleration is NaN or infinite, or whose timestamp is not
// after the previous accepted one, with a *SampleError (ErrNonFinite, ErrOutOfOrder,
// ErrDuplicate) and leaves the detector unchanged. A gap longer than Config.MaxGap is
// reported as an EventGap and restarts the filters. Gyroscope rates are optional and are
// ignored when absent or not finite. No input makes the detector panic.
//
// # Buffers and concurrency
//
// Push appends to the slice it is given and returns it; it allocates nothing when that
// slice has room for three events. A Detector is a plain value owned by one goroutine: it
// has no locks and starts no goroutines. Use one Detector per wearer.
//
// The synth subpackage generates labelled synthetic traces for tests and demonstrations.
package fall
