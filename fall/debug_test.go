package fall_test

import (
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/phdkit/phdkit/fall"
	"github.com/phdkit/phdkit/fall/synth"
)

func TestDebugTrace(t *testing.T) {
	seed, err := strconv.Atoi(os.Getenv("SEED"))
	if err != nil {
		t.Skip()
	}
	act, _ := strconv.Atoi(os.Getenv("ACT"))
	tr := synth.Generate(synth.Activity(act), uint64(seed), traceConfig(seed))
	det, _ := fall.New(fall.Config{})
	t.Logf("fallAt %v", tr.FallAt)
	for i, s := range tr.Samples {
		ev, _ := det.Push(nil, s)
		m := math.Sqrt(s.X*s.X + s.Y*s.Y + s.Z*s.Z)
		if i%4 == 0 || m > 2 || m < 0.6 || len(ev) > 0 {
			t.Logf("%v m=%.2f tilt=%.0f post=%v %v %s", s.T, m, det.Tilt(), det.Posture(), ev, fall.DebugState(det))
		}
	}
}
