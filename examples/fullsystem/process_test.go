package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
)

// proc is one fullsystem process started by a test.
type proc struct {
	t     *testing.T
	name  string
	args  []string
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	ready chan struct{}
	done  chan struct{}
}

func startProc(t *testing.T, bin, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, args: args}
	p.start(bin)
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) start(bin string) {
	p.t.Helper()
	p.cmd = exec.Command(bin, p.args...)
	p.cmd.Stderr = os.Stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	p.ready, p.done = make(chan struct{}), make(chan struct{})
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	go p.read(out, p.ready, p.done)
	select {
	case <-p.ready:
	case <-p.done:
		p.t.Fatalf("%s exited before it was ready: %v", p.name, p.output())
	case <-time.After(60 * time.Second):
		p.t.Fatalf("%s not ready within 60 s", p.name)
	}
}

func (p *proc) read(r io.Reader, ready, done chan struct{}) {
	sc := bufio.NewScanner(r)
	once := sync.Once{}
	for sc.Scan() {
		l := sc.Text()
		p.mu.Lock()
		p.lines = append(p.lines, l)
		p.mu.Unlock()
		if strings.HasPrefix(l, "ready") {
			once.Do(func() { close(ready) })
		}
	}
	p.cmd.Wait()
	close(done)
}

func (p *proc) output() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// kill9 kills the process with SIGKILL and waits for it.
func (p *proc) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop ends the process with SIGTERM and waits for it (SIGKILL after 30 s).
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Errorf("%s did not stop on SIGTERM", p.name)
		p.kill9()
	}
}

func (p *proc) kill() {
	select {
	case <-p.done:
	default:
		p.kill9()
	}
}

// lastJSON decodes the process's last output line.
func (p *proc) lastJSON(v any) {
	p.t.Helper()
	out := p.output()
	if len(out) == 0 {
		p.t.Fatalf("%s printed nothing", p.name)
	}
	if err := json.Unmarshal([]byte(out[len(out)-1]), v); err != nil {
		p.t.Fatalf("%s: last line %q: %v", p.name, out[len(out)-1], err)
	}
}

func freeAddrs(t *testing.T, n int) []string {
	var ls []net.Listener
	var out []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// TestProcessesKill runs server, two main gateways, two sub-gateways and the agents as
// separate processes, kills a sub-gateway and later the server with SIGKILL, restarts them,
// and checks that at the end every measurement the agents sent is stored exactly once, and
// that each is in the local store of a sub-gateway once both are killed and restarted.
func TestProcessesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program and runs processes for about 30 s")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "fullsystem")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	a := freeAddrs(t, 7)
	srvAddr, main0, main1, sub0, sub1, dm0, dm1 := a[0], a[1], a[2], a[3], a[4], a[5], a[6]

	server := startProc(t, bin, "server", "server", "-data", data, "-users", "8", "-listen", srvAddr,
		"-dm", "Replace ./PHD/Measurement/Interval 1 bp", "-dm-at", "2s", "-v")
	startProc(t, bin, "gateway-2-0", "gateway", "-data", data, "-name", "gateway-2-0", "-listen", main0, "-up", srvAddr)
	startProc(t, bin, "gateway-2-1", "gateway", "-data", data, "-name", "gateway-2-1", "-listen", main1, "-up", srvAddr)
	g10 := startProc(t, bin, "gateway-1-0", "gateway", "-data", data, "-name", "gateway-1-0", "-agents-listen", sub0, "-dm-listen", dm0, "-up", main0+","+main1)
	g11 := startProc(t, bin, "gateway-1-1", "gateway", "-data", data, "-name", "gateway-1-1", "-agents-listen", sub1, "-dm-listen", dm1, "-up", main1+","+main0)
	agents := startProc(t, bin, "agents", "agents", "-data", data, "-gateways", sub0+","+sub1,
		"-dm", "http://"+dm0+"/dm,http://"+dm1+"/dm", "-dm-poll", "1s",
		"-agents", "24", "-ble", "2", "-duration", "12s", "-rate", "5")

	time.Sleep(2 * time.Second)
	t.Log("kill -9 gateway-1-0")
	g10.kill9()
	time.Sleep(time.Second)
	g10.start(bin)
	time.Sleep(2 * time.Second)
	t.Log("kill -9 server")
	server.kill9()
	time.Sleep(time.Second)
	server.start(bin)

	select {
	case <-agents.done:
	case <-time.After(90 * time.Second):
		t.Fatal("agents did not finish")
	}
	var sent agentsResult
	agents.lastJSON(&sent)
	t.Logf("agents: %+v", sent)
	if sent.Sent < 24*5*5 {
		t.Errorf("agents sent only %d measurements", sent.Sent)
	}

	statusPath := filepath.Join(data, "server", "status.json")
	var st serverStatus
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(statusPath); err == nil && json.Unmarshal(b, &st) == nil && st.Stored >= sent.Sent {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	server.stop()
	server.lastJSON(&st)
	t.Logf("server: %+v", st)
	for _, l := range server.output() {
		if !strings.HasPrefix(l, "{") {
			t.Logf("server said: %s", l)
		}
	}
	if st.Stored != sent.Sent {
		t.Errorf("server stored %d measurements, agents sent %d: want exactly once", st.Stored, sent.Sent)
	}
	if st.Rejected != 0 {
		t.Errorf("server rejected %d entries", st.Rejected)
	}
	// Every blood pressure monitor (4 agents and 2 BLE cuffs) was issued the DM command
	// once, by the server before or after its restart (the restarted server finds in its
	// store which devices had it), and each answered through the gateways.
	if st.DMIssued != 24/6+2 || st.DMOK != st.DMIssued {
		t.Errorf("DM: %d of %d commands answered 200, want all of %d", st.DMOK, st.DMIssued, 24/6+2)
	}

	// Every stored measurement was confirmed to its agent by a sub-gateway, so it is in that
	// sub-gateway's local store after a SIGKILL and a restart (gateway-1-0 had one mid-run
	// as well).
	for _, g := range []*proc{g10, g11} {
		g.kill9()
		g.start(bin)
		g.stop()
	}
	stored := measurementsIn(t, filepath.Join(data, "server", "server.db"), 8)
	local := measurementsIn(t, filepath.Join(data, "gateway-1-0", "local.db"), 8)
	for k := range measurementsIn(t, filepath.Join(data, "gateway-1-1", "local.db"), 8) {
		local[k] = true
	}
	missing := 0
	for k := range stored {
		if !local[k] {
			missing++
		}
	}
	t.Logf("local stores: %d measurements, server: %d", len(local), len(stored))
	if missing > 0 || int64(len(stored)) != sent.Sent {
		t.Errorf("%d of the %d measurements the server stored (agents sent %d) are in no sub-gateway's local store", missing, len(stored), sent.Sent)
	}
}

// measurementKey names a stored measurement.
type measurementKey struct {
	user     uint64
	systemID [8]byte
	seq      uint64
}

// measurementsIn returns the measurements of users 1 to users in the SQLite store at path.
func measurementsIn(t *testing.T, path string, users uint64) map[measurementKey]bool {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, path, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	out := make(map[measurementKey]bool)
	for u := uint64(1); u <= users; u++ {
		rows, err := st.Query(ctx, store.Query{User: u, Limit: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out[measurementKey{r.User, r.SystemID, r.Seq}] = true
		}
	}
	return out
}
