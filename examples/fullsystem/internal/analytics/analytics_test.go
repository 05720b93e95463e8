package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/server"
	"github.com/phdkit/phdkit/fall/synth"
	"github.com/phdkit/phdkit/fusion"
)

func value(code uint16, v float64, at time.Time) phd.Value {
	return phd.Value{Metric: 2<<16 | uint32(code), Float: v, Time: at}
}

// TestFallAlarm feeds one wearer's wrist measurements (a generated backward fall, then
// distressed vitals) and another's calm ones: the first is alarmed and, not answering,
// escalated to guardian and medical staff; the second is not.
func TestFallAlarm(t *testing.T) {
	c := new(metrics.Counters)
	a, err := New(Config{Counters: c, ResponseTimeout: 200 * time.Millisecond, Window: 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()

	tr := synth.Generate(synth.FallBackward, 1, synth.Config{RateHz: 50})
	t0 := time.Now().Add(-30 * time.Second)
	// One wrist report per second of the trace: vitals, then that second's samples.
	for sec := 0; sec < 16; sec++ {
		for u, falls := range []bool{true, false} {
			at := t0.Add(time.Duration(sec) * time.Second)
			sys, dia, hr := 118.0, 76.0, 70.0
			if falls && time.Duration(sec)*time.Second > tr.FallAt {
				sys, dia, hr = 188, 124, 138
			}
			vals := []phd.Value{value(18949, sys, at), value(18950, dia, at), value(18474, hr, at), value(19292, 36.8, at)}
			for _, s := range tr.Samples {
				if s.T < time.Duration(sec)*time.Second || s.T >= time.Duration(sec+1)*time.Second {
					continue
				}
				x, y, z := s.X, s.Y, s.Z
				if !falls {
					x, y, z = 0, 0, 1
				}
				st := t0.Add(s.T)
				vals = append(vals, value(uint16(phd.CodeAccelX), x, st), value(uint16(phd.CodeAccelY), y, st), value(uint16(phd.CodeAccelZ), z, st))
			}
			a.Measurement(&server.Measurement{User: uint64(u + 1), Kind: phd.KindWrist, Measured: at, Values: vals})
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r := a.Report()
		if r.Notices[fusion.PartyMedical] > 0 && r.Notices[fusion.PartyGuardian] > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	r := a.Report()
	if r.Falls != 1 || len(r.FallUsers) != 1 || r.FallUsers[0] != 1 {
		t.Errorf("falls %d of users %v, want one of user 1", r.Falls, r.FallUsers)
	}
	if len(r.AlarmUsers) != 1 || r.AlarmUsers[0] != 1 || c.Alarms.Load() != 1 {
		t.Errorf("alarms for users %v (%d), want user 1 once", r.AlarmUsers, c.Alarms.Load())
	}
	for _, p := range []fusion.Party{fusion.PartyUser, fusion.PartyGuardian, fusion.PartyMedical} {
		if r.Notices[p] == 0 {
			t.Errorf("no notice to %v", p)
		}
	}
	if r.Records != 32 {
		t.Errorf("%d vital-sign records, want 32", r.Records)
	}
}
