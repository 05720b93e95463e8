// Package analytics is the server's monitoring of the full system: fall detection on the
// wrist sensors' acceleration (package fall), staging of each user's latest vitals and the
// alarm engine that notifies user, guardian and medical staff (package fusion), and
// sliding-window SVM classification of the users' vital-sign records (package svm).
//
//	a, err := analytics.New(analytics.Config{Counters: c})
//	go a.Run(ctx)                  // the goroutine that owns every detector and engine
//	a.Measurement(&m)              // from the server, for every stored measurement
//	...
//	rep := a.Report()              // after Run has returned
//
// One goroutine (Run) owns every fall.Detector and fusion.Engine; Measurement hands it
// measurements over a channel (blocking when it lags: backpressure on the server). The
// notifiers log and count; a real deployment would push, text and page.
package analytics

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/server"
	"github.com/phdkit/phdkit/fall"
	"github.com/phdkit/phdkit/fusion"
	"github.com/phdkit/phdkit/svm"
)

// Config configures the analytics.
type Config struct {
	// Counters receives Alarms and Falls. Required.
	Counters *metrics.Counters
	// ResponseTimeout is how long a user has to answer an alarm before guardian and
	// medical staff are notified. Default 5 s (the demo's users never answer).
	ResponseTimeout time.Duration
	// EvaluateEvery is the period of scheduled evaluations of each user's vitals.
	// Default 10 s.
	EvaluateEvery time.Duration
	// Window is the SVM window size in records. Default 200.
	Window int
	// Logf, when not nil, receives one line per notice.
	Logf func(format string, args ...any)
}

// Report is what the analytics did.
type Report struct {
	Falls       int64
	Alarms      int64    // alarms opened
	Notices     [4]int64 // by fusion.Party
	AlarmUsers  []uint64 // users with an alarm, in order of first alarm
	FallUsers   []uint64 // users whose fall was detected
	Records     int      // vital-sign records classified
	Windows     int      // SVM windows
	Accuracy    float64  // mean SVM window accuracy
	RowsKept    float64  // SVM storage reduction: fraction of rows kept (summarised runs)
	StageCounts [5]int   // records by fusion stage
	SVMErr      string   // why the SVM did not run, if it did not
}

// Analytics is the server's monitoring; see the package documentation.
type Analytics struct {
	cfg     Config
	in      chan server.Measurement
	done    chan struct{}
	users   map[uint64]*user
	notices [4]atomic.Int64
	mu      sync.Mutex // guards rep
	rep     Report
	// svm records
	x [][]float64
	y []int
	g []int
}

type user struct {
	id      uint64
	det     *fall.Detector
	epoch   time.Time
	lastT   time.Duration
	eng     *fusion.Engine
	vitals  fusion.Vitals
	fell    bool
	alarmed bool
	alarm   uint64 // the last alarm counted
}

// New returns analytics with configuration cfg.
func New(cfg Config) (*Analytics, error) {
	if cfg.Counters == nil {
		return nil, fmt.Errorf("analytics: Config.Counters is required")
	}
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = 5 * time.Second
	}
	if cfg.EvaluateEvery <= 0 {
		cfg.EvaluateEvery = 10 * time.Second
	}
	if cfg.Window <= 0 {
		cfg.Window = 200
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Analytics{cfg: cfg, in: make(chan server.Measurement, 1024), done: make(chan struct{}), users: make(map[uint64]*user)}, nil
}

// Measurement hands a stored measurement to the analytics; it copies what it keeps.
func (a *Analytics) Measurement(m *server.Measurement) {
	c := *m
	c.Values = append([]phd.Value(nil), m.Values...)
	select {
	case a.in <- c:
	case <-a.done:
	}
}

// notifier counts and logs the notices to one party.
type notifier struct {
	a     *Analytics
	party fusion.Party
	user  uint64
}

// Notify counts the notice and logs it.
func (n notifier) Notify(_ context.Context, no fusion.Notice) error {
	n.a.notices[n.party].Add(1)
	n.a.cfg.Logf("alarm %d of user %d: %v to %v: stage %v, %s", no.AlarmID, n.user, no.Kind, n.party, no.Stage, no.Reason)
	return nil
}

func (a *Analytics) user(id uint64) *user {
	u := a.users[id]
	if u != nil {
		return u
	}
	det, _ := fall.New(fall.Config{})
	eng, _ := fusion.NewEngine(fusion.EngineConfig{
		User:            notifier{a, fusion.PartyUser, id},
		Guardian:        notifier{a, fusion.PartyGuardian, id},
		Medical:         notifier{a, fusion.PartyMedical, id},
		ResponseTimeout: a.cfg.ResponseTimeout,
		EvaluateEvery:   a.cfg.EvaluateEvery,
		MaxVitalsAge:    5 * time.Minute,
	})
	u = &user{id: id, det: det, eng: eng}
	a.users[id] = u
	return u
}

// Run owns the detectors and engines until ctx ends; it then computes the SVM report.
func (a *Analytics) Run(ctx context.Context) error {
	defer close(a.done)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var events []fall.Event
	for {
		select {
		case <-ctx.Done():
			a.finish()
			return nil
		case m := <-a.in:
			events = a.take(ctx, &m, events)
		case <-tick.C:
			for _, u := range a.users {
				if err := u.eng.Tick(ctx); err != nil {
					a.cfg.Logf("analytics: user %d: %v", u.id, err)
				}
				a.noteAlarm(u)
			}
		}
	}
}

// noteAlarm counts the alarm the user's engine has open, once.
func (a *Analytics) noteAlarm(u *user) {
	al, open := u.eng.Open()
	if !open || al.ID == u.alarm {
		return
	}
	u.alarm = al.ID
	a.cfg.Counters.Alarms.Add(1)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rep.Alarms++
	if !u.alarmed {
		u.alarmed = true
		a.rep.AlarmUsers = append(a.rep.AlarmUsers, u.id)
	}
}

func (a *Analytics) take(ctx context.Context, m *server.Measurement, events []fall.Event) []fall.Event {
	u := a.user(m.User)
	v := u.vitals
	v.At = m.Measured
	var accel []fall.Sample
	var ax [3]float64
	var na int
	for _, val := range m.Values {
		code := uint16(val.Metric)
		switch code {
		case 18949:
			v.Systolic = fusion.Measured(val.Float)
		case 18950:
			v.Diastolic = fusion.Measured(val.Float)
		case 18474, 18458:
			v.HeartRate = fusion.Measured(val.Float)
		case 19292:
			v.Temperature = fusion.Measured(val.Float)
		case 19384:
			v.SpO2 = fusion.Measured(val.Float)
		case uint16(phd.CodeAccelX), uint16(phd.CodeAccelY), uint16(phd.CodeAccelZ):
			ax[code-uint16(phd.CodeAccelX)] = val.Float
			na++
			if code == uint16(phd.CodeAccelZ) {
				if u.epoch.IsZero() {
					u.epoch = val.Time
				}
				accel = append(accel, fall.Sample{T: val.Time.Sub(u.epoch), X: ax[0], Y: ax[1], Z: ax[2]})
			}
		}
	}
	u.vitals = v
	u.eng.UpdateVitals(v)
	if m.Kind == phd.KindWrist || m.Kind == phd.KindBP {
		as := fusion.RuleScorer{}.Assess(v)
		if v.Systolic.OK && v.Diastolic.OK && v.HeartRate.OK {
			a.x = append(a.x, []float64{v.Systolic.Value, v.Diastolic.Value, v.HeartRate.Value})
			a.y = append(a.y, int(as.Stage))
			a.g = append(a.g, int(u.id))
		}
	}
	for _, s := range accel {
		if s.T <= u.lastT && u.lastT != 0 {
			continue // out of order (a retry): the detector would refuse it
		}
		var err error
		events, err = u.det.Push(events[:0], s)
		if err != nil {
			continue
		}

		u.lastT = s.T
		for _, e := range events {
			if e.Kind != fall.EventFall {
				continue
			}
			a.cfg.Counters.Falls.Add(1)
			a.mu.Lock()
			a.rep.Falls++
			if !u.fell {
				a.rep.FallUsers = append(a.rep.FallUsers, u.id)
			}
			a.mu.Unlock()
			u.fell = true
			out, err := u.eng.Fall(ctx, fusion.FallEvent{At: u.epoch.Add(e.T), PeakG: e.PeakG, Angle: e.Angle, Confidence: e.Confidence})
			if err != nil {
				a.cfg.Logf("analytics: user %d: %v", u.id, err)
			}
			_ = out
			a.noteAlarm(u)
		}
	}
	return events
}

// finish runs the SVM over the records gathered and completes the report.
func (a *Analytics) finish() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.rep.Notices {
		a.rep.Notices[i] = a.notices[i].Load()
	}
	a.rep.Records = len(a.y)
	for _, s := range a.y {
		if s >= 0 && s < len(a.rep.StageCounts) {
			a.rep.StageCounts[s]++
		}
	}
	if len(a.y) < 2*a.cfg.Window {
		a.rep.SVMErr = fmt.Sprintf("%d records, fewer than two windows of %d", len(a.y), a.cfg.Window)
		return
	}
	ws, err := svm.RunWindows(a.x, a.y, svm.WindowConfig{Size: a.cfg.Window})
	if err != nil {
		a.rep.SVMErr = err.Error()
		return
	}
	sum := 0.0
	for _, w := range ws {
		sum += w.Accuracy
	}
	a.rep.Windows = len(ws)
	a.rep.Accuracy = sum / float64(len(ws))
	red, err := svm.SummarizeRuns(svm.Stream{X: a.x, Y: a.y, Group: a.g}, int(fusion.StageGood), 0)
	if err != nil {
		a.rep.SVMErr = err.Error()
		return
	}
	if red.RowsBefore > 0 {
		a.rep.RowsKept = float64(red.RowsAfter) / float64(red.RowsBefore)
	}
}

// Report returns what the analytics did; the SVM figures are there once Run has returned.
func (a *Analytics) Report() Report {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.rep
	for i := range r.Notices {
		r.Notices[i] = a.notices[i].Load()
	}
	r.AlarmUsers = append([]uint64(nil), r.AlarmUsers...)
	r.FallUsers = append([]uint64(nil), r.FallUsers...)
	return r
}
