package fusion_test

import (
	"context"
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/phdkit/phdkit/fusion"
)

// FuzzEngine drives the alarm engine with an arbitrary sequence of operations (vitals
// updates with any values, falls, clock advances and ticks, responses, acknowledgements,
// resolutions, for real and made-up alarm ids) and checks its invariants: no panic, at most
// one open alarm, guardian and medical staff told only of escalated alarms, every alarm's
// state legal, the audit trail bounded and in time order.
func FuzzEngine(f *testing.F) {
	f.Add([]byte{0, 1, 0x40, 0x64, 0, 0, 0, 0, 0, 0, 1, 0, 2, 60, 3, 1, 1})
	f.Add([]byte{0, 4, 0x40, 0x54, 0, 0, 0, 0, 0, 0, 1, 0, 2, 255, 2, 255, 4, 1, 2, 5, 1, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		user, guardian, medical := &inbox{}, &inbox{}, &inbox{}
		e, err := fusion.NewEngine(fusion.EngineConfig{
			Now: clk.Now, User: user, Guardian: guardian, Medical: medical,
			ResponseTimeout: 30 * time.Second, AckTimeout: time.Minute, EvaluateEvery: 2 * time.Minute,
			MaxRecords: 64,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for len(ops) >= 2 {
			op, arg := ops[0], ops[1]
			ops = ops[2:]
			switch op % 7 {
			case 0: // vitals: arg selects the signal, 8 bytes of value follow
				if len(ops) < 8 {
					return
				}
				var v fusion.Vitals
				v.Set(fusion.Signal(arg%fusion.NumSignals), fusion.Measured(math.Float64frombits(binary.BigEndian.Uint64(ops))))
				v.Consciousness = fusion.Consciousness(arg >> 6)
				ops = ops[8:]
				e.UpdateVitals(v)
			case 1:
				_, _ = e.Fall(ctx, fusion.FallEvent{At: clk.t, PeakG: float64(arg) / 10})
			case 2:
				clk.Advance(time.Duration(arg) * time.Second)
				_ = e.Tick(ctx)
			case 3:
				_ = e.Respond(ctx, uint64(arg%4), fusion.Response(arg>>4%3))
			case 4:
				_ = e.Acknowledge(ctx, uint64(arg%4), fusion.Party(arg>>4%4))
			case 5:
				_ = e.Resolve(ctx, uint64(arg%4), fusion.Party(arg>>4%4), "fuzz")
			case 6:
				_, _ = e.Evaluate(ctx)
			}
			open := 0
			for id := uint64(1); ; id++ {
				al, ok := e.Alarm(id)
				if !ok {
					break
				}
				if al.State < fusion.AlarmAwaitingResponse || al.State > fusion.AlarmResolved {
					t.Fatalf("alarm %d in state %v", id, al.State)
				}
				if al.State != fusion.AlarmResolved {
					open++
				}
			}
			if open > 1 {
				t.Fatalf("%d open alarms", open)
			}
			recs := e.Records()
			if len(recs) > 64 {
				t.Fatalf("%d records", len(recs))
			}
			for i := 1; i < len(recs); i++ {
				if recs[i].At.Before(recs[i-1].At) {
					t.Fatalf("records out of order: %v then %v", recs[i-1], recs[i])
				}
			}
		}
		for _, b := range []*inbox{guardian, medical} {
			for _, n := range b.got {
				al, ok := e.Alarm(n.AlarmID)
				if !ok || (n.Kind != fusion.NoticeResolved && al.EscalatedAt.IsZero()) {
					t.Fatalf("%v told %v of alarm %d that was never escalated: %+v", n.To, n.Kind, n.AlarmID, al)
				}
			}
		}
		for _, n := range user.got {
			if n.Kind != fusion.NoticeAlarm && n.Kind != fusion.NoticeResolved {
				t.Fatalf("user sent %v", n.Kind)
			}
		}
	})
}
