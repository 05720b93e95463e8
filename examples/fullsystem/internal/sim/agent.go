// Package sim runs simulated personal health devices: 20601 agents of every specialization
// the full system knows (blood pressure, thermometer, scale, glucose, oximeter and the wrist
// sensor unit with its extended configuration) that seal every measurement with bmsig and
// send it as a confirmed event report of the private type phd.EventTypeSealed.
//
// An agent keeps a measurement until a gateway confirms it: after a failure it reconnects,
// to the next gateway of its list, and sends the same sealed message again, so a measurement
// is counted as sent exactly when the hierarchy has it durably.
//
// Run owns one agent: call it from its own goroutine. The package's types are not shared
// between goroutines except the metrics counters, which are atomic.
package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/phdkit/phdkit/bmsig"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/dm"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/omadm"
)

// AgentConfig configures one simulated agent.
type AgentConfig struct {
	Kind     phd.Kind
	User     *keys.User
	SystemID [8]byte
	// Addrs are the gateways, in order of preference. Required.
	Addrs []string
	// Interval is the time between measurements. Default 1 s.
	Interval time.Duration
	// Counters receives Sent and Resent. Required.
	Counters *metrics.Counters
	// Accel, when not nil and Kind is KindWrist, gives the acceleration (in g) at time d
	// after the agent started, for fall scenarios; nil means upright and still.
	Accel func(d time.Duration) (x, y, z float64)
	// Severe, when not nil, reports whether the wearer's vital signs are in distress at time
	// d after the agent started (after a fall, for instance).
	Severe func(d time.Duration) bool
	// AccelHz is the wrist's acceleration sampling rate: every report carries the samples
	// taken since the previous one (at most 200). Default 20 Hz, the fall detector's
	// lowest rate; negative means one sample per report.
	AccelHz float64
	// Seed seeds the agent's measured values.
	Seed uint64
	// DMURL, when not empty, is the OMA DM server (the agent's sub-gateway) the agent's DM
	// client polls every DMPoll (default 5 s) with a client-initiated session, presenting
	// the credentials dm.Password(DMSecret, its device id). A new ./PHD/Measurement/Interval
	// takes effect from the next measurement (for an agent with a Source, the bridge keeps
	// the tree on the device's behalf).
	DMURL    string
	DMSecret []byte
	DMPoll   time.Duration
	// LocalIP, when not empty, is the loopback address the agent's connections come from
	// (to spread many agents over several source addresses' ephemeral ports).
	LocalIP string
	// Source, when not nil, supplies the observations to send instead of the generator
	// (a BLE device's readings, see RunBLE); the agent ends, once it has delivered what it
	// holds, when Source is closed.
	Source <-chan []ieee11073.Observation
}

// Device returns the bmsig device identifier of a system id.
func Device(systemID [8]byte) uint64 { return binary.BigEndian.Uint64(systemID[:]) }

// Run runs the agent until stop is closed (it then delivers the measurement it holds, if
// any, releases and returns nil) or ctx ends (it aborts and returns ctx's error).
func Run(ctx context.Context, stop <-chan struct{}, cfg AgentConfig) error {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if len(cfg.Addrs) == 0 || cfg.User == nil || cfg.Counters == nil {
		return errors.New("sim: AgentConfig needs Addrs, User and Counters")
	}
	s, err := bmsig.NewSender(bmsig.SenderConfig{Key: cfg.User.Key, User: cfg.User.ID, Device: Device(cfg.SystemID)})
	if err != nil {
		return err
	}
	s.SetSignature(&cfg.User.Sig)
	pcfg, _ := phd.Configuration(cfg.Kind.ConfigID())
	rng := rand.New(rand.NewPCG(cfg.Seed, Device(cfg.SystemID)))
	gen := generator{kind: cfg.Kind, rng: rng, accel: cfg.Accel, severe: cfg.Severe, hz: cfg.AccelHz, start: time.Now()}
	if gen.hz == 0 {
		gen.hz = 20
	}

	var (
		a       *ieee11073.Agent
		pending []byte
		idx     int // the gateway in use: the preferred one first
		backoff = 50 * time.Millisecond
		reportN uint16
		obs     []ieee11073.Observation
	)
	defer func() {
		if a != nil {
			a.Close()
		}
	}()
	var interval atomic.Int64
	interval.Store(int64(cfg.Interval))
	if cfg.DMURL != "" {
		dmCtx, stopDM := context.WithCancel(ctx)
		dmDone := make(chan struct{})
		go func() {
			defer close(dmDone)
			runDM(dmCtx, stop, cfg, &interval)
		}()
		defer func() { stopDM(); <-dmDone }()
	}
	// Spread the first measurements over one interval.
	next := time.Now().Add(time.Duration(rng.Int64N(int64(cfg.Interval))))
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if pending == nil && cfg.Source != nil {
			var ok bool
			select {
			case obs, ok = <-cfg.Source:
			case <-ctx.Done():
				return ctx.Err()
			}
			if !ok {
				if a != nil {
					rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
					a.Release(rctx)
					cancel()
				}
				return nil
			}
			plain, err := phd.Report(pcfg, obs, reportN)
			if err != nil {
				return err
			}
			reportN++
			if pending, err = s.Seal(nil, plain, time.Now()); err != nil {
				return err
			}
		}
		if pending == nil {
			select {
			case <-stop:
				if a != nil {
					rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
					a.Release(rctx)
					cancel()
				}
				return nil
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
			now := time.Now()
			iv := time.Duration(interval.Load())
			next = next.Add(iv)
			if d := time.Until(next); d > 0 {
				timer.Reset(d)
			} else {
				next = now.Add(iv)
				timer.Reset(iv)
			}
			obs = gen.observations(obs[:0], pcfg, now)
			plain, err := phd.Report(pcfg, obs, reportN)
			if err != nil {
				return err
			}
			reportN++
			pending, err = s.Seal(nil, plain, now)
			if err != nil {
				return err
			}
		}
		if a == nil {
			a, err = connect(ctx, cfg, pcfg, cfg.Addrs[idx])
			if err != nil {
				idx = (idx + 1) % len(cfg.Addrs)
				if !sleep(ctx, backoff) {
					return ctx.Err()
				}
				backoff = min(backoff*2, 2*time.Second)
				continue
			}
			backoff = 50 * time.Millisecond
		}
		ev := ieee11073.EventReportArgument{EventTime: 0xFFFFFFFF, EventType: phd.EventTypeSealed, Info: pending}
		if err := a.SendReport(ctx, &ev, true); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// Not confirmed: this gateway may or may not hold it; send it again elsewhere.
			cfg.Counters.Resent.Add(1)
			a.Close()
			a = nil
			idx = (idx + 1) % len(cfg.Addrs)
			continue
		}
		cfg.Counters.Sent.Add(1)
		if cfg.Source != nil {
			cfg.Counters.BLE.Add(1)
		}
		pending = nil
	}
}

func connect(ctx context.Context, cfg AgentConfig, pcfg *ieee11073.Configuration, addr string) (*ieee11073.Agent, error) {
	d := net.Dialer{Timeout: 3 * time.Second}
	if cfg.LocalIP != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(cfg.LocalIP)}
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	a, err := ieee11073.NewAgent(c, ieee11073.AgentConfig{
		ConfigID: cfg.Kind.ConfigID(), Config: pcfg, SystemID: cfg.SystemID,
		ResponseTimeout: 15 * time.Second, AssociationTimeout: 10 * time.Second,
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	actx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := a.Associate(actx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// generator makes plausible measurements.
type generator struct {
	kind   phd.Kind
	rng    *rand.Rand
	accel  func(d time.Duration) (x, y, z float64)
	severe func(d time.Duration) bool
	hz     float64
	start  time.Time
	last   time.Time // the last acceleration sample
}

func (g *generator) num(mant, spread int32, exp int) ieee11073.Float {
	if spread > 0 {
		mant += g.rng.Int32N(2*spread+1) - spread
	}
	f, _ := ieee11073.NewFloat(mant, exp)
	return f
}

func (g *generator) observations(dst []ieee11073.Observation, cfg *ieee11073.Configuration, now time.Time) []ieee11073.Observation {
	at := ieee11073.AbsoluteTimeOf(now)
	add := func(h ieee11073.Handle, v ieee11073.Float) {
		dst = append(dst, ieee11073.Observation{Handle: h, Value: v, Time: at})
	}
	switch g.kind {
	case phd.KindBP, phd.KindWrist:
		sys, dia, hr, temp := g.num(126, 22, 0), g.num(80, 12, 0), g.num(76, 20, 0), g.num(368, 6, -1)
		if g.severe != nil && g.severe(now.Sub(g.start)) {
			sys, dia, hr, temp = g.num(188, 6, 0), g.num(124, 4, 0), g.num(138, 6, 0), g.num(395, 3, -1)
		}
		add(1, sys)
		add(1, dia)
		add(1, g.num(int32((sys.Float64()+2*dia.Float64())/3), 0, 0))
		add(2, hr)
		if g.kind == phd.KindWrist {
			add(3, temp)
			step := time.Duration(float64(time.Second) / max(g.hz, 1e-3))
			t := now
			if g.hz > 0 && !g.last.IsZero() {
				t = g.last.Add(step)
				if now.Sub(t) > 200*step {
					t = now.Add(-199 * step)
				}
			}
			for ; !t.After(now); t = t.Add(step) {
				x, y, z := 0.0, 0.0, 1.0
				if g.accel != nil {
					x, y, z = g.accel(t.Sub(g.start))
				}
				ts := ieee11073.AbsoluteTimeOf(t)
				for _, v := range []float64{x, y, z} {
					f, err := ieee11073.FloatFromFloat64(roundTo(v, 2))
					if err != nil {
						f, _ = ieee11073.NewFloat(0, 0)
					}
					dst = append(dst, ieee11073.Observation{Handle: 4, Value: f, Time: ts})
				}
				g.last = t
				if g.hz <= 0 {
					break
				}
			}
		}
	case phd.KindThermo:
		add(1, g.num(368, 5, -1))
	case phd.KindScale:
		add(1, g.num(725, 150, -1))
	case phd.KindGlucose:
		add(1, g.num(100, 20, 0))
	case phd.KindOximeter:
		add(1, g.num(97, 2, 0))
		add(10, g.num(72, 12, 0))
	}
	return dst
}

func roundTo(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	if v >= 0 {
		return float64(int64(v*p+0.5)) / p
	}
	return -float64(int64(-v*p+0.5)) / p
}

// runDM polls the agent's DM server until stop is closed or ctx ends, and applies a new
// measurement interval.
func runDM(ctx context.Context, stop <-chan struct{}, cfg AgentConfig, interval *atomic.Int64) {
	poll := cfg.DMPoll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	dev := dm.DeviceID(cfg.SystemID)
	t, err := dm.NewDeviceTree(cfg.SystemID, cfg.Kind, cfg.Interval, cfg.DMURL)
	if err != nil {
		return
	}
	c := &omadm.Client{
		Tree: t, ServerURL: cfg.DMURL, ServerID: dm.GatewayID, WBXML: true,
		Auth: omadm.AuthMD5, UserName: dev, Password: dm.Password(cfg.DMSecret, dev),
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	}
	installed := time.Duration(-1)
	if p, err := omadm.ReadPHD(t, omadm.Local); err == nil {
		installed = p.Interval
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xD0))
	wait := time.Duration(rng.Int64N(int64(poll))) // spread the sessions
	for {
		tm := time.NewTimer(wait)
		select {
		case <-stop:
			tm.Stop()
			return
		case <-ctx.Done():
			tm.Stop()
			return
		case <-tm.C:
		}
		wait = poll
		if _, err := c.Run(ctx, omadm.AlertClientInitiated); err != nil {
			continue
		}
		// A server's change of the interval (the tree holds whole seconds) takes effect.
		if p, err := omadm.ReadPHD(t, omadm.Local); err == nil && p.Interval > 0 && p.Interval != installed {
			installed = p.Interval
			interval.Store(int64(p.Interval))
		}
	}
}
