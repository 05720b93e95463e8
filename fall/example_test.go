package fall_test

import (
	"fmt"

	"github.com/phdkit/phdkit/fall"
	"github.com/phdkit/phdkit/fall/synth"
)

// A fall with recovery, generated at 50 Hz with the sensor mounted at a random angle: the
// detector learns the body axis from the first seconds of standing, reports the fall once
// the wearer has lain still for two seconds, and the recovery when they are up again.
func Example() {
	tr := synth.Generate(synth.FallRecovery, 1, synth.Config{RateHz: 50})
	det, err := fall.New(fall.Config{})
	if err != nil {
		panic(err)
	}
	events := make([]fall.Event, 0, 4)
	for _, s := range tr.Samples {
		events, err = det.Push(events[:0], s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		for _, e := range events {
			switch e.Kind {
			case fall.EventFall:
				fmt.Printf("fall: peak above 2.5 g: %v, lying: %v, confident: %v\n", e.PeakG > 2.5, e.Angle > 60, e.Confidence > 0.8)
			default:
				fmt.Println(e.Kind, e.Posture)
			}
		}
	}
	// Output:
	// calibrated upright
	// posture lying
	// fall: peak above 2.5 g: true, lying: true, confident: true
	// posture inclined
	// posture upright
	// recovery upright
}

// Refused samples name the field and leave the detector usable.
func ExampleDetector_Push_badInput() {
	det, _ := fall.New(fall.Config{})
	_, err := det.Push(nil, fall.Sample{T: 0, Z: 1})
	fmt.Println(err)
	_, err = det.Push(nil, fall.Sample{T: 0, Z: 1})
	fmt.Println(err)
	// Output:
	// <nil>
	// fall: sample 1 (t=0s) field T: fall: timestamp equal to the previous sample
}
