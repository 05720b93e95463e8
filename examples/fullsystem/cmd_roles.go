package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/analytics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/dm"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/gateway"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/pki"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/server"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/sim"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
)

// serverStatus is what `fullsystem server` writes to <data>/server/status.json every second
// and prints as its last line.
type serverStatus struct {
	Stored     int64 `json:"stored"` // rows in DataInfo
	New        int64 `json:"new"`    // stored by this process
	Duplicates int64 `json:"duplicates"`
	Rejected   int64 `json:"rejected"`
	Alarms     int64 `json:"alarms"`
	DMIssued   int   `json:"dm_issued"`
	DMOK       int   `json:"dm_ok"`
}

// listen opens a TCP listener on a loopback address.
func listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%s: this demonstration listens on loopback addresses only", addr)
	}
	return net.Listen("tcp", addr)
}

func splitList(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// cmdServer runs the server as its own process until SIGINT or SIGTERM.
func cmdServer(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fullsystem server", flag.ContinueOnError)
	data := fs.String("data", "fullsystem-data", "data directory (keys, certificates, database, ledger)")
	users := fs.Int("users", 100, "users to create in the key directory when it does not exist yet")
	links := fs.String("listen", "127.0.0.1:7400", "address for gateway links (TLS)")
	direct := fs.String("agents-listen", "", "address for 20601 agents connecting directly (none when empty)")
	dsn := fs.String("db", "", "store: empty for SQLite in the data directory, or a postgres:// URL")
	division := fs.Bool("division", true, "one DataReportingInfo table per PHD type")
	dmSpec := fs.String("dm", "", "OMA DM command to issue to every device of a kind, e.g. \"Replace ./PHD/Measurement/Interval 2 bp\"")
	dmAt := fs.Duration("dm-at", 10*time.Second, "when to issue -dm after the start")
	verbose := fs.Bool("v", false, "log every notable event")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logf := func(string, ...any) {}
	if *verbose {
		logf = log.Printf
	}
	var spec dm.Spec
	if *dmSpec != "" {
		var err error
		if spec, err = dm.ParseSpec(*dmSpec); err != nil {
			return err
		}
	}
	kd, err := keys.Load(*data, *users)
	if err != nil {
		return err
	}
	ca, err := pki.Open(filepath.Join(*data, "pki"))
	if err != nil {
		return err
	}
	tlsCfg, err := ca.ServerConfig("server")
	if err != nil {
		return err
	}
	c := new(metrics.Counters)
	an, err := analytics.New(analytics.Config{Counters: c, Logf: logf})
	if err != nil {
		return err
	}
	srv, err := server.New(ctx, server.Config{
		Dir: filepath.Join(*data, "server"), DSN: *dsn, Keys: kd, TLS: tlsCfg, Counters: c,
		Store: store.Config{NoDivision: !*division}, OnMeasurement: an.Measurement, Logf: logf,
	})
	if err != nil {
		return err
	}
	anCtx, stopAn := context.WithCancel(context.Background())
	anDone := make(chan struct{})
	go func() { an.Run(anCtx); close(anDone) }()
	defer func() { stopAn(); <-anDone }()
	var wg sync.WaitGroup
	l, err := listen(*links)
	if err != nil {
		srv.Close()
		return err
	}
	wg.Add(1)
	go func() { defer wg.Done(); srv.ServeLinks(l) }()
	if *direct != "" {
		l, err := listen(*direct)
		if err != nil {
			srv.Close()
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); srv.ServeAgents(l) }()
	}
	fmt.Fprintf(out, "ready server links=%s\n", *links)
	status := func() serverStatus {
		n, _ := srv.Store().Count(context.Background())
		st := serverStatus{Stored: n, New: c.Stored.Load(), Duplicates: c.Duplicates.Load(), Rejected: c.Rejected.Load(), Alarms: c.Alarms.Load()}
		for _, d := range srv.DMCommands() {
			st.DMIssued++
			if d.Status == 200 {
				st.DMOK++
			}
		}
		return st
	}
	statusPath := filepath.Join(*data, "server", "status.json")
	tick := time.NewTicker(time.Second)
	start := time.Now()
	issued := *dmSpec == ""
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
		}
		// A restarted server issues its command only to the devices the store does not
		// show it was issued to, and sends unanswered commands, its own and those of the
		// previous run, again.
		if !issued && time.Since(start) >= *dmAt {
			if n, err := srv.IssueDMOnce(ctx, spec); n > 0 {
				issued = true
				fmt.Fprintf(out, "dm: %q issued to %d devices (%v)\n", *dmSpec, n, err)
			}
		}
		if time.Since(start)%(2*time.Second) < time.Second {
			srv.ResendDM(ctx) // to links that missed them
		}
		b, _ := json.Marshal(status())
		os.WriteFile(statusPath+".tmp", b, 0o644)
		os.Rename(statusPath+".tmp", statusPath)
	}
	tick.Stop()
	st := status()
	err = srv.Close()
	wg.Wait()
	b, _ := json.Marshal(st)
	fmt.Fprintf(out, "%s\n", b)
	return err
}

// cmdGateway runs one gateway as its own process until SIGINT or SIGTERM.
func cmdGateway(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fullsystem gateway", flag.ContinueOnError)
	data := fs.String("data", "fullsystem-data", "data directory shared with the server (keys, certificates); the queue goes in <data>/<name>")
	name := fs.String("name", "gateway-1-0", "gateway name (its certificate and queue directory)")
	agentsAddr := fs.String("agents-listen", "", "address for 20601 agents (sub-gateways)")
	linksAddr := fs.String("listen", "", "address for links from lower gateways")
	dmAddr := fs.String("dm-listen", "", "address of the OMA DM server for the gateway's devices (HTTP; sub-gateways)")
	up := fs.String("up", "127.0.0.1:7400", "upstream link addresses, comma separated: the parent first, then its siblings")
	batch := fs.Int("batch", 200, "most entries per integrated message")
	interval := fs.Duration("batch-interval", 20*time.Millisecond, "how long to gather entries for one integrated message")
	window := fs.Int("window", 4, "most unacknowledged integrated messages")
	verbose := fs.Bool("v", false, "log every notable event")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *agentsAddr == "" && *linksAddr == "" {
		return errors.New("gateway: give -agents-listen, -listen or both")
	}
	logf := func(string, ...any) {}
	if *verbose {
		logf = log.Printf
	}
	kd, err := keys.Load(*data, 0)
	if err != nil {
		return err
	}
	ca, err := pki.Open(filepath.Join(*data, "pki"))
	if err != nil {
		return err
	}
	cli, err := ca.ClientConfig(*name)
	if err != nil {
		return err
	}
	lnk, err := ca.ServerConfig(*name)
	if err != nil {
		return err
	}
	c := new(metrics.Counters)
	g, err := gateway.New(gateway.Config{
		Name: *name, Dir: filepath.Join(*data, *name), Keys: kd,
		Up:    wire.DialConfig{Addrs: splitList(*up), TLS: cli},
		Batch: *batch, BatchInterval: *interval, Window: *window, Counters: c, Logf: logf,
	})
	if err != nil {
		return err
	}
	g.SetLinkTLS(lnk)
	var wg sync.WaitGroup
	for _, s := range []struct {
		addr  string
		serve func(net.Listener) error
	}{{*agentsAddr, g.ServeAgents}, {*linksAddr, g.ServeLinks}, {*dmAddr, g.ServeDM}} {
		if s.addr == "" {
			continue
		}
		l, err := listen(s.addr)
		if err != nil {
			g.Close()
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); s.serve(l) }()
	}
	fwdCtx, stopFwd := context.WithCancel(context.Background())
	fwdDone := make(chan struct{})
	go func() { g.Run(fwdCtx); close(fwdDone) }()
	fmt.Fprintf(out, "ready gateway %s pending=%d\n", *name, g.Pending())
	<-ctx.Done()
	stopFwd()
	<-fwdDone
	err = g.Close()
	wg.Wait()
	taken, fwd := g.Taken()
	fmt.Fprintf(out, "{\"taken\":%d,\"forwarded\":%d,\"pending\":%d}\n", taken, fwd, g.Pending())
	return err
}

// agentsResult is the last line `fullsystem agents` prints.
type agentsResult struct {
	Sent   int64 `json:"sent"`
	Resent int64 `json:"resent"`
	BLE    int64 `json:"ble"`
}

// cmdAgents runs simulated agents as their own process for -duration or until SIGINT.
func cmdAgents(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fullsystem agents", flag.ContinueOnError)
	data := fs.String("data", "fullsystem-data", "data directory shared with the server (keys)")
	gws := fs.String("gateways", "127.0.0.1:7410", "sub-gateway (or server) 20601 addresses, comma separated; agent i prefers address i mod n")
	n := fs.Int("agents", 100, "simulated agents")
	bleN := fs.Int("ble", 0, "BLE cuffs bridged as agents")
	group := fs.Uint("group", 0, "agent group: keeps system ids of several agent processes apart (0..65535)")
	duration := fs.Duration("duration", 30*time.Second, "how long agents measure")
	rate := fs.Float64("rate", 1, "measurements per agent per second")
	source := fs.String("source", "", "loopback address the agents' connections come from (default any)")
	dmURLs := fs.String("dm", "", "DM server URLs of the gateways, comma separated, aligned with -gateways (none when empty)")
	dmPoll := fs.Duration("dm-poll", 5*time.Second, "how often devices open a DM session")
	verbose := fs.Bool("v", false, "log every notable event")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logf := func(string, ...any) {}
	if *verbose {
		logf = log.Printf
	}
	if *source != "" {
		if ip := net.ParseIP(*source); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("agents: -source %q: a loopback address", *source)
		}
	}
	addrs := splitList(*gws)
	dms := splitList(*dmURLs)
	if len(dms) != 0 && len(dms) != len(addrs) {
		return errors.New("agents: -dm needs one URL per -gateways address")
	}
	if len(addrs) == 0 || *rate <= 0 || *group > 0xFFFF {
		return errors.New("agents: need -gateways, a positive -rate and -group below 65536")
	}
	kd, err := keys.Load(*data, 0)
	if err != nil {
		return err
	}
	c := new(metrics.Counters)
	stop := make(chan struct{})
	// SIGINT ends the measuring, not the agents: each delivers what it holds. They are
	// aborted only if that takes too long.
	agentCtx, abort := context.WithCancel(context.Background())
	defer abort()
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / *rate)
	g16 := uint16(*group)
	for i := range *n {
		u, err := kd.Lookup(uint64((int(g16)*7919+i)/3%kd.Len()) + 1)
		if err != nil {
			return err
		}
		k := i % len(addrs)
		cfg := sim.AgentConfig{
			Kind: phd.Kind(i % phd.NumKinds), User: u, SystemID: agentID(2*g16, i),
			Addrs:    append([]string{addrs[k]}, without(addrs, k)...),
			Interval: interval, Counters: c, Seed: uint64(i), LocalIP: *source,
		}
		if len(dms) > 0 {
			cfg.DMURL, cfg.DMSecret, cfg.DMPoll = dms[k], kd.DMSecret, *dmPoll
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sim.Run(agentCtx, stop, cfg); err != nil && !errors.Is(err, context.Canceled) {
				logf("agent %d: %v", i, err)
			}
		}()
	}
	if err := runBLEGroup(agentCtx, stop, &wg, *bleN, 2*g16+1, kd, addrs, dms, *dmPoll, interval, c, logf); err != nil {
		return err
	}
	fmt.Fprintf(out, "ready agents %d\n", *n)
	t := time.NewTimer(*duration)
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	t.Stop()
	close(stop)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		abort()
		<-done
	}
	b, _ := json.Marshal(agentsResult{Sent: c.Sent.Load(), Resent: c.Resent.Load(), BLE: c.BLE.Load()})
	fmt.Fprintf(out, "%s\n", b)
	return nil
}
