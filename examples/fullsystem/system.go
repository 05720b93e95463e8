package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/analytics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/dm"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/gateway"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/pki"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/queue"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/server"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/sim"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
	"github.com/phdkit/phdkit/fall/synth"
	"github.com/phdkit/phdkit/ieee11073/gatt/ble"
)

// options are the settings of one in-process run.
type options struct {
	Agents        int
	Layers        int // agents, gateway layers..., server: at least 2
	Fanin         int
	PerGateway    int // agents per sub-gateway (published: 300)
	Duration      time.Duration
	Rate          float64 // measurements per agent per second
	Data          string
	Batch         int
	BatchInterval time.Duration
	Window        int
	NoDivision    bool
	NoSync        bool // queues skip fsync (benchmarks only)
	Drain         time.Duration
	Progress      io.Writer // one line per second; nil for none
	Logf          func(format string, args ...any)
	// Fallers is how many wrist agents play a fall trace (fall/synth) instead of standing
	// still; they sample acceleration at 50 Hz.
	Fallers int
	// AccelHz is the other wrist agents' acceleration rate (sim.AgentConfig.AccelHz).
	AccelHz float64
	// ResponseTimeout is how long a user has to answer an alarm (analytics).
	ResponseTimeout time.Duration
	// SVMWindow is the SVM window size in records.
	SVMWindow int
	// DM, when not empty, is the OMA DM command the server issues (dm.ParseSpec), at DMAt
	// after the start (default a third of the duration); devices poll every DMPoll.
	DM     string
	DMAt   time.Duration
	DMPoll time.Duration
	// DSN selects the server's store: empty for SQLite in the data directory, or a
	// postgres:// URL.
	DSN string
	// StoreSchema is the PostgreSQL schema of the server's tables (default "public").
	StoreSchema string
	// Keys, when not nil, is the key directory to use instead of loading one from Data.
	Keys *keys.Dir
	// WriteThrough turns the gateways' delayed write of their DM mirrors off.
	WriteThrough bool
	// BLE is the number of Bluetooth blood pressure cuffs (fake peripherals) bridged into
	// the sub-gateways as 20601 agents.
	BLE int
}

func (o *options) defaults() {
	if o.Agents <= 0 {
		o.Agents = 300
	}
	if o.Layers < 2 {
		o.Layers = 4
	}
	if o.Fanin <= 0 {
		o.Fanin = 2
	}
	if o.PerGateway <= 0 {
		o.PerGateway = 300
	}
	if o.Duration <= 0 {
		o.Duration = 30 * time.Second
	}
	if o.Rate <= 0 {
		o.Rate = 1
	}
	if o.Drain <= 0 {
		o.Drain = 30 * time.Second
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
}

// result is what a run measured.
type result struct {
	Summary   metrics.Summary
	Counters  *metrics.Counters
	Elapsed   time.Duration
	Gateways  [][]string // names per layer, bottom first
	Users     int
	Resent    int64
	Rejected  int64
	Batches   int64
	LedgerLen uint64
	DBCount   int64
	// Proved counts the stored measurements whose ledger inclusion was proved.
	Proved int
	// LocalStored counts the measurements in the sub-gateways' local stores.
	LocalStored int64
	BLE         int64 // measurements of BLE cuffs (in Sent)
	DM          []server.DMCommand
	// FallerUsers are the users whose wrist agent played a fall trace.
	FallerUsers []uint64
	Analytics   analytics.Report
}

// fallTrace returns the acceleration of a wearer who goes through a generated fall
// (fall/synth: three seconds upright, then a backward, lateral or forward fall), holding the
// last sample afterwards, and the time of the impact.
func fallTrace(seed uint64) (func(d time.Duration) (x, y, z float64), time.Duration) {
	kinds := []synth.Activity{synth.FallBackward, synth.FallLateral, synth.FallForward}
	tr := synth.Generate(kinds[seed%uint64(len(kinds))], seed, synth.Config{RateHz: 50})
	return func(d time.Duration) (x, y, z float64) {
		i := sort.Search(len(tr.Samples), func(i int) bool { return tr.Samples[i].T > d })
		i = max(i-1, 0)
		s := tr.Samples[i]
		return s.X, s.Y, s.Z
	}, tr.FallAt
}

// topology returns the number of gateways per gateway layer, bottom first.
func topology(agents, layers, fanin, perGateway int) []int {
	g := layers - 2
	if g <= 0 {
		return nil
	}
	n := max((agents+perGateway-1)/perGateway, 1)
	want := 1
	for range g - 1 {
		want *= fanin
	}
	n = max(n, want)
	out := []int{n}
	for len(out) < g {
		n = max((n+fanin-1)/fanin, 1)
		out = append(out, n)
	}
	return out
}

// runSystem runs the whole hierarchy in this process until the duration ends or ctx is
// cancelled (both end the run cleanly: agents stop, the hierarchy drains, everything shuts
// down), and returns what it measured.
func runSystem(ctx context.Context, o options) (*result, error) {
	o.defaults()
	if o.Layers == 2 {
		o.DM = "" // without gateways there is no DM proxy for the devices to poll
	}
	var spec dm.Spec
	if o.DM != "" {
		var err error
		if spec, err = dm.ParseSpec(o.DM); err != nil {
			return nil, err
		}
		if o.DMAt <= 0 {
			o.DMAt = o.Duration / 3
		}
	}
	if err := os.MkdirAll(o.Data, 0o755); err != nil {
		return nil, err
	}
	counters := new(metrics.Counters)
	nUsers := max((o.Agents+2)/3, 1)
	kd := o.Keys
	if kd == nil {
		var err error
		if kd, err = keys.Load(o.Data, nUsers); err != nil {
			return nil, err
		}
	}
	ca, err := pki.Open(filepath.Join(o.Data, "pki"))
	if err != nil {
		return nil, err
	}

	// Server.
	srvTLS, err := ca.ServerConfig("server")
	if err != nil {
		return nil, err
	}
	an, err := analytics.New(analytics.Config{Counters: counters, ResponseTimeout: o.ResponseTimeout, Window: o.SVMWindow, Logf: o.Logf})
	if err != nil {
		return nil, err
	}
	srv, err := server.New(ctx, server.Config{
		Dir: filepath.Join(o.Data, "server"), DSN: o.DSN, Keys: kd, TLS: srvTLS, Counters: counters,
		Store: store.Config{NoDivision: o.NoDivision, Schema: o.StoreSchema}, OnMeasurement: an.Measurement, Logf: o.Logf,
	})
	if err != nil {
		return nil, err
	}
	anCtx, stopAnalytics := context.WithCancel(context.Background())
	anDone := make(chan struct{})
	go func() { an.Run(anCtx); close(anDone) }()
	stopAn := func() { stopAnalytics(); <-anDone }
	defer stopAn()
	var serveWG sync.WaitGroup
	serve := func(f func(net.Listener) error) (string, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		serveWG.Add(1)
		go func() {
			defer serveWG.Done()
			f(l)
		}()
		return l.Addr().String(), nil
	}
	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		serveWG.Wait()
	}()
	closers = append(closers, func() { srv.Close() })
	srvLink, err := serve(srv.ServeLinks)
	if err != nil {
		return nil, err
	}

	// Gateways, top layer first so each knows its parents' addresses.
	layers := topology(o.Agents, o.Layers, o.Fanin, o.PerGateway)
	res := &result{Counters: counters, Users: kd.Len(), Gateways: make([][]string, len(layers))}
	fwdCtx, stopFwd := context.WithCancel(context.Background())
	var fwdWG sync.WaitGroup
	closers = append(closers, func() { stopFwd(); fwdWG.Wait() })
	parentLinks := []string{srvLink}
	var bottomAgents, bottomDM []string
	var gws [][]*gateway.Gateway = make([][]*gateway.Gateway, len(layers))
	for j := len(layers) - 1; j >= 0; j-- {
		var links, agentAddrs, dmAddrs []string
		for i := range layers[j] {
			name := fmt.Sprintf("gateway-%d-%d", j+1, i)
			res.Gateways[j] = append(res.Gateways[j], name)
			cli, err := ca.ClientConfig(name)
			if err != nil {
				return nil, err
			}
			lnk, err := ca.ServerConfig(name)
			if err != nil {
				return nil, err
			}
			p := i / o.Fanin % len(parentLinks)
			up := append([]string{parentLinks[p]}, without(parentLinks, p)...)
			g, err := gateway.New(gateway.Config{
				Name: name, Dir: filepath.Join(o.Data, name), Keys: kd,
				Up:    wire.DialConfig{Addrs: up, TLS: cli},
				Batch: o.Batch, BatchInterval: o.BatchInterval, Window: o.Window,
				Queue: queue.Config{NoSync: o.NoSync}, Counters: counters, Logf: o.Logf,
				WriteThrough: o.WriteThrough,
			})
			if err != nil {
				return nil, err
			}
			gws[j] = append(gws[j], g)
			g.SetLinkTLS(lnk)
			closers = append(closers, func() { g.Close() })
			a, err := serve(g.ServeLinks)
			if err != nil {
				return nil, err
			}
			links = append(links, a)
			if j == 0 {
				a, err := serve(g.ServeAgents)
				if err != nil {
					return nil, err
				}
				agentAddrs = append(agentAddrs, a)
				d, err := serve(g.ServeDM)
				if err != nil {
					return nil, err
				}
				dmAddrs = append(dmAddrs, "http://"+d+"/dm")
			}
			fwdWG.Add(1)
			go func() {
				defer fwdWG.Done()
				g.Run(fwdCtx)
			}()
		}
		parentLinks = links
		bottomAgents, bottomDM = agentAddrs, dmAddrs
	}
	if len(layers) == 0 {
		a, err := serve(srv.ServeAgents)
		if err != nil {
			return nil, err
		}
		bottomAgents = []string{a}
	}

	// Agents.
	start := time.Now()
	stop := make(chan struct{})
	agentCtx, abortAgents := context.WithCancel(context.Background())
	defer abortAgents()
	var agentWG sync.WaitGroup
	interval := time.Duration(float64(time.Second) / o.Rate)
	fallers := 0
	for i := range o.Agents {
		u, err := kd.Lookup(uint64(i/3%kd.Len()) + 1)
		if err != nil {
			return nil, err
		}
		g := i % len(bottomAgents)
		cfg := sim.AgentConfig{
			Kind: phd.Kind(i % phd.NumKinds), User: u, SystemID: agentID(0, i),
			Addrs:    append([]string{bottomAgents[g]}, without(bottomAgents, g)...),
			Interval: interval, Counters: counters, Seed: uint64(i),
		}
		if o.DM != "" && len(bottomDM) > 0 {
			cfg.DMURL, cfg.DMSecret, cfg.DMPoll = bottomDM[g], kd.DMSecret, o.DMPoll
		}
		if cfg.Kind == phd.KindWrist {
			cfg.AccelHz = o.AccelHz
			if fallers < o.Fallers {
				fallers++
				accel, fallAt := fallTrace(uint64(fallers - 1))
				cfg.Accel = accel
				cfg.AccelHz = 50
				cfg.Severe = func(d time.Duration) bool { return d > fallAt }
				res.FallerUsers = append(res.FallerUsers, u.ID)
			}
		}
		agentWG.Add(1)
		go func() {
			defer agentWG.Done()
			if err := sim.Run(agentCtx, stop, cfg); err != nil && !errors.Is(err, context.Canceled) {
				o.Logf("agent %d: %v", i, err)
			}
		}()
	}

	// BLE cuffs, each read through a ble.Reader and bridged as a 20601 agent.
	var bleDM []string
	if o.DM != "" {
		bleDM = bottomDM
	}
	if err := runBLEGroup(agentCtx, stop, &agentWG, o.BLE, 1, kd, bottomAgents, bleDM, o.DMPoll, interval, counters, o.Logf); err != nil {
		return nil, err
	}

	// The server's DM command, once the devices have reported.
	dmDone := make(chan struct{})
	if o.DM != "" {
		go func() {
			defer close(dmDone)
			issued := false
			t := time.NewTimer(o.DMAt)
			defer t.Stop()
			for {
				select {
				case <-t.C:
				case <-stop:
					return
				}
				if issued {
					srv.ResendDM(ctx) // to links that missed them
					t.Reset(2 * time.Second)
					continue
				}
				n, err := srv.IssueDM(ctx, spec)
				if n > 0 {
					o.Logf("DM %q issued to %d devices (%v)", o.DM, n, err)
					issued = true
					t.Reset(2 * time.Second)
					continue
				}
				t.Reset(500 * time.Millisecond)
			}
		}()
	} else {
		close(dmDone)
	}

	// Progress until the end of the run.
	tick := time.NewTicker(time.Second)
	end := time.NewTimer(o.Duration)
	var lastStored int64
	progress := func(phase string) {
		if o.Progress == nil {
			return
		}
		st := counters.Stored.Load()
		fmt.Fprintf(o.Progress, "%-8s t=%5.1fs sent=%d stored=%d in-flight=%d rate=%d/s dup=%d alarms=%d\n",
			phase, time.Since(start).Seconds(), counters.Sent.Load(), st, max(counters.Sent.Load()-st, 0),
			st-lastStored, counters.Duplicates.Load(), counters.Alarms.Load())
		lastStored = st
	}
run:
	for {
		select {
		case <-tick.C:
			progress("running")
		case <-end.C:
			break run
		case <-ctx.Done():
			break run
		}
	}
	end.Stop()
	elapsed := time.Since(start)

	// Stop the agents: each delivers the measurement it holds, then releases.
	close(stop)
	<-dmDone
	agentsDone := make(chan struct{})
	go func() { agentWG.Wait(); close(agentsDone) }()
	select {
	case <-agentsDone:
	case <-time.After(o.Drain):
		o.Logf("agents did not stop within %v: aborting them", o.Drain)
		abortAgents()
		<-agentsDone
	}
	// Drain the hierarchy: wait until the server holds everything confirmed.
	deadline := time.Now().Add(o.Drain)
	for counters.Stored.Load() < counters.Sent.Load() && time.Now().Before(deadline) {
		select {
		case <-tick.C:
			progress("draining")
		case <-time.After(20 * time.Millisecond):
		}
	}
	tick.Stop()
	stopFwd()
	fwdWG.Wait()
	n, err := srv.Store().Count(context.Background())
	if err != nil {
		return nil, err
	}
	res.DBCount = n
	// Prove a few stored measurements' inclusion in the ledger.
	for u := uint64(1); u <= 3 && int(u) <= kd.Len(); u++ {
		rows, err := srv.Store().Query(context.Background(), store.Query{User: u, Limit: 5})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if _, err := srv.ProveStored(context.Background(), r.User, r.SystemID, r.Seq); err != nil {
				return nil, fmt.Errorf("ledger proof of %d/%x/%d: %w", r.User, r.SystemID, r.Seq, err)
			}
			res.Proved++
		}
	}
	if len(gws) > 0 {
		for _, g := range gws[0] {
			g.FlushLocal()
			if l := g.Local(); l != nil {
				if c, err := l.Count(context.Background()); err == nil {
					res.LocalStored += c
				}
			}
		}
	}
	res.LedgerLen = srvLedgerSize(srv)
	res.Elapsed = elapsed
	res.Summary = counters.Summarize(counters.Stored.Load(), elapsed)
	res.Resent = counters.Resent.Load()
	res.Rejected = counters.Rejected.Load()
	res.Batches = counters.Batches.Load()
	res.BLE = counters.BLE.Load()
	res.DM = srv.DMCommands()
	stopAn()
	res.Analytics = an.Report()
	return res, nil
}

func srvLedgerSize(s *server.Server) uint64 {
	type sizer interface{ Size() uint64 }
	if l, ok := s.Ledger().(sizer); ok {
		return l.Size()
	}
	return 0
}

// agentID is the system id of agent i of agent group group: "PH" then the group and index.
func agentID(group uint16, i int) [8]byte {
	return [8]byte{'P', 'H', byte(group >> 8), byte(group), byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
}

// without returns s without its element i, in order.
func without(s []string, i int) []string {
	out := make([]string, 0, len(s)-1)
	out = append(out, s[:i]...)
	return append(out, s[i+1:]...)
}

// runBLEGroup starts n fake BLE cuffs with system ids of agent group group, each read by a
// ble.Reader and bridged as a 20601 agent to addrs (cuff i prefers address i mod len(addrs)),
// with a DM client polling dmURLs[i mod len(addrs)] when dmURLs is not empty.
func runBLEGroup(ctx context.Context, stop <-chan struct{}, wg *sync.WaitGroup, n int, group uint16, kd *keys.Dir,
	addrs, dmURLs []string, dmPoll, interval time.Duration, c *metrics.Counters, logf func(string, ...any)) error {
	if n <= 0 {
		return nil
	}
	devs := make([]*ble.FakeDevice, n)
	for i := range devs {
		devs[i] = sim.NewBLECuff(int(group)<<16 | i)
	}
	central := ble.NewFakeCentral(devs...)
	for i, dev := range devs {
		u, err := kd.Lookup(uint64(i%kd.Len()) + 1)
		if err != nil {
			return err
		}
		k := i % len(addrs)
		cfg := sim.AgentConfig{
			User: u, SystemID: agentID(group, i),
			Addrs:    append([]string{addrs[k]}, without(addrs, k)...),
			Interval: interval, Counters: c, Seed: uint64(i),
		}
		if k < len(dmURLs) {
			cfg.DMURL, cfg.DMSecret, cfg.DMPoll = dmURLs[k], kd.DMSecret, dmPoll
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sim.RunBLE(ctx, stop, central, dev, cfg); err != nil && !errors.Is(err, context.Canceled) {
				logf("BLE cuff %d: %v", i, err)
			}
		}()
	}
	return nil
}
