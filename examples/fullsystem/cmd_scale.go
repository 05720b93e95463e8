package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
)

// child is one process `fullsystem scale` started.
type child struct {
	name   string
	role   string
	cmd    *exec.Cmd
	mu     sync.Mutex
	last   string
	ready  chan struct{}
	done   chan struct{}
	maxRSS int64 // KiB
}

func startChild(bin, name, role string, args ...string) (*child, error) {
	c := &child{name: name, role: role, ready: make(chan struct{}), done: make(chan struct{})}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Stderr = os.Stderr
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			l := sc.Text()
			c.mu.Lock()
			c.last = l
			c.mu.Unlock()
			if strings.HasPrefix(l, "ready") {
				once.Do(func() { close(c.ready) })
			}
		}
		c.cmd.Wait()
		close(c.done)
	}()
	select {
	case <-c.ready:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("scale: %s exited before it was ready", name)
	case <-time.After(2 * time.Minute):
		c.cmd.Process.Kill()
		<-c.done
		return nil, fmt.Errorf("scale: %s not ready within 2 minutes", name)
	}
}

func (c *child) lastLine() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// sampleRSS records the process's resident set size.
func (c *child) sampleRSS() {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(f), " kB"), 10, 64)
			c.mu.Lock()
			c.maxRSS = max(c.maxRSS, kb)
			c.mu.Unlock()
		}
	}
}

// stop sends SIGTERM and waits (SIGKILL after 30 s).
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
}

// cmdScale runs many agents through the hierarchy as several processes on several loopback
// addresses, as a deployment spreads them over machines: one server, main gateways,
// sub-gateways and agent processes, each agent with its own TCP connection.
func cmdScale(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fullsystem scale", flag.ContinueOnError)
	agents := fs.Int("agents", 20000, "agents in all")
	procs := fs.Int("procs", 4, "agent processes (each its own source address 127.0.13.N)")
	subs := fs.Int("subs", 4, "sub-gateway processes (127.0.12.N)")
	mains := fs.Int("mains", 2, "main gateway processes (127.0.11.N)")
	users := fs.Int("users", 20, "users in the key directory (every process derives all their keys)")
	duration := fs.Duration("duration", 30*time.Second, "how long agents measure")
	rate := fs.Float64("rate", 0.2, "measurements per agent per second")
	port := fs.Int("port", 7400, "base port; every role has its own loopback address")
	data := fs.String("data", "", "data directory (default: a temporary directory, removed at the end)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// A process may hold at most 20,000 open files and a source address has about 28,000
	// ephemeral ports: keep every process and address well below.
	const perProcess = 18000
	if *agents <= 0 || *procs <= 0 || *subs <= 0 || *mains <= 0 || *subs > 250 || *mains > 250 || *procs > 250 {
		return errors.New("scale: positive -agents; -procs, -subs and -mains from 1 to 250")
	}
	if *agents/(*procs) > perProcess || *agents/(*subs) > perProcess {
		return fmt.Errorf("scale: %d agents need at least %d agent processes and %d sub-gateways (%d connections each at most)",
			*agents, (*agents+perProcess-1)/perProcess, (*agents+perProcess-1)/perProcess, perProcess)
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	if *data == "" {
		d, err := os.MkdirTemp("", "fullsystem-scale-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*data = d
	}
	fmt.Fprintf(out, "scale: %d agents in %d processes, %d sub-gateways, %d main gateways; data in %s\n", *agents, *procs, *subs, *mains, *data)
	if _, err := keys.Load(*data, *users); err != nil {
		return err
	}
	var all []*child
	defer func() {
		for i := len(all) - 1; i >= 0; i-- {
			all[i].stop()
		}
	}()
	start := func(name, role string, args ...string) (*child, error) {
		c, err := startChild(bin, name, role, args...)
		if err == nil {
			all = append(all, c)
		}
		return c, err
	}
	addr := func(net, host, p int) string { return fmt.Sprintf("127.0.%d.%d:%d", net, host, p) }
	srvAddr := addr(10, 1, *port)
	srv, err := start("server", "server", "server", "-data", *data, "-listen", srvAddr)
	if err != nil {
		return err
	}
	var mainAddrs []string
	for i := range *mains {
		a := addr(11, i+1, *port)
		mainAddrs = append(mainAddrs, a)
		if _, err := start(fmt.Sprintf("gateway-2-%d", i), "main gateway", "gateway", "-data", *data,
			"-name", fmt.Sprintf("gateway-2-%d", i), "-listen", a, "-up", srvAddr); err != nil {
			return err
		}
	}
	var subAddrs []string
	for i := range *subs {
		a := addr(12, i+1, *port)
		subAddrs = append(subAddrs, a)
		p := i % len(mainAddrs)
		up := append([]string{mainAddrs[p]}, without(mainAddrs, p)...)
		if _, err := start(fmt.Sprintf("gateway-1-%d", i), "sub-gateway", "gateway", "-data", *data,
			"-name", fmt.Sprintf("gateway-1-%d", i), "-agents-listen", a, "-up", strings.Join(up, ",")); err != nil {
			return err
		}
	}
	began := time.Now()
	// Agent processes start together (each derives the users' keys first), so that their
	// agents measure over the same period.
	per := (*agents + *procs - 1) / *procs
	type started struct {
		c   *child
		err error
	}
	results := make([]started, *procs)
	var wg sync.WaitGroup
	for k := range *procs {
		n := min(per, *agents-k*per)
		if n <= 0 {
			break
		}
		// Each agent process prefers the sub-gateways in its own rotation.
		rot := append(append([]string{}, subAddrs[k%len(subAddrs):]...), subAddrs[:k%len(subAddrs)]...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := startChild(bin, fmt.Sprintf("agents-%d", k), "agents", "agents", "-data", *data, "-group", strconv.Itoa(k),
				"-source", fmt.Sprintf("127.0.13.%d", k+1), "-gateways", strings.Join(rot, ","),
				"-agents", strconv.Itoa(n), "-duration", duration.String(), "-rate", strconv.FormatFloat(*rate, 'g', -1, 64))
			results[k] = started{c, err}
		}()
	}
	wg.Wait()
	var agentProcs []*child
	var startErr error
	for _, r := range results {
		if r.c != nil {
			agentProcs = append(agentProcs, r.c)
			all = append(all, r.c)
		}
		if r.err != nil {
			startErr = r.err
		}
	}
	if startErr != nil {
		return startErr
	}
	fmt.Fprintf(out, "scale: all %d processes ready after %v\n", len(all), time.Since(began).Round(time.Millisecond))
	measureStart := time.Now()
	statusPath := filepath.Join(*data, "server", "status.json")
	readStatus := func() serverStatus {
		var st serverStatus
		if b, err := os.ReadFile(statusPath); err == nil {
			json.Unmarshal(b, &st)
		}
		return st
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	agentsDone := func() bool {
		for _, c := range agentProcs {
			select {
			case <-c.done:
			default:
				return false
			}
		}
		return true
	}
	interrupted := false
	for !agentsDone() {
		select {
		case <-ctx.Done():
			if !interrupted {
				interrupted = true
				for _, c := range agentProcs {
					c.cmd.Process.Signal(syscall.SIGINT)
				}
			}
		case <-tick.C:
			for _, c := range all {
				c.sampleRSS()
			}
			st := readStatus()
			fmt.Fprintf(out, "t=%5.1fs stored=%d\n", time.Since(measureStart).Seconds(), st.Stored)
		}
	}
	var sent, resent int64
	for _, c := range agentProcs {
		var r agentsResult
		if err := json.Unmarshal([]byte(c.lastLine()), &r); err != nil {
			return fmt.Errorf("scale: %s ended with %q", c.name, c.lastLine())
		}
		sent += r.Sent
		resent += r.Resent
	}
	// Drain (also after an interrupt: what the agents sent is durable in the queues).
	deadline := time.Now().Add(2 * time.Minute)
	for readStatus().Stored < sent && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		for _, c := range all {
			c.sampleRSS()
		}
	}
	// The end-to-end rate counts until the server held everything (status.json is written
	// once a second, so this is up to a second late).
	elapsed := time.Since(measureStart)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i] != srv {
			all[i].stop()
		}
	}
	srv.stop()
	var st serverStatus
	if err := json.Unmarshal([]byte(srv.lastLine()), &st); err != nil {
		return fmt.Errorf("scale: server ended with %q", srv.lastLine())
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "agents\t%d\n", *agents)
	fmt.Fprintf(tw, "processes\t%d (1 server, %d main, %d sub-gateways, %d agent processes)\n", len(all), *mains, *subs, len(agentProcs))
	fmt.Fprintf(tw, "sent\t%d\nstored\t%d\nduplicates\t%d\nresent by agents\t%d\n", sent, st.Stored, st.Duplicates, resent)
	fmt.Fprintf(tw, "lost\t%d\n", max(sent-st.Stored, 0))
	fmt.Fprintf(tw, "end-to-end\t%.1f stored/s over %v\n", float64(st.Stored)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
	rss := map[string]int64{}
	for _, c := range all {
		c.mu.Lock()
		rss[c.role] = max(rss[c.role], c.maxRSS)
		c.mu.Unlock()
	}
	for _, r := range []string{"server", "main gateway", "sub-gateway", "agents"} {
		fmt.Fprintf(tw, "peak RSS, %s\t%d MiB\n", r, rss[r]/1024)
	}
	tw.Flush()
	b, _ := json.Marshal(map[string]any{
		"agents": *agents, "sent": sent, "stored": st.Stored, "duplicates": st.Duplicates,
		"lost": max(sent-st.Stored, 0), "throughput": float64(st.Stored) / elapsed.Seconds(),
		"rss_mib_server": rss["server"] / 1024, "rss_mib_sub": rss["sub-gateway"] / 1024,
		"rss_mib_main": rss["main gateway"] / 1024, "rss_mib_agents": rss["agents"] / 1024,
	})
	fmt.Fprintf(out, "%s\n", b)
	return nil
}
