// Package synth generates deterministic synthetic biosignal records (systolic and
// diastolic blood pressure, heart rate, body temperature) for a population of people,
// labelled good / abnormal / severe / emergency by a stated rule. It feeds the svm
// package's tests, benchmarks and the svmwindow experiment.
//
// Each person has a baseline drawn from population distributions, a daily rhythm (a
// 24-hour sinusoid peaking in the afternoon), measurement noise and condition episodes
// (hypertensive crisis, tachycardia, fever, hypotension) that ramp up and down over
// hours. Records are labelled by Stage, which depends on the measured values only.
//
// Usage:
//
//	recs := synth.Generate(synth.Config{Seed: 7}) // 50 people × 400 records
//	x, y := synth.XY(recs)
//
// Generate is a pure function of its Config: the same Config gives the same records.
// It returns fresh slices the caller owns, keeps no state and is safe to call from
// any number of goroutines.
package synth
