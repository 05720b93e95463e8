package gateway

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/queue"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/sim"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
	"github.com/phdkit/phdkit/ieee11073"
)

// copyTree copies the regular files under src to dst: what a crash at this moment leaves
// on disk (the page cache included), since nothing writes while it runs.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// localCount returns the number of measurements in the local store of gateway directory
// dir, opened on its own.
func localCount(t *testing.T, dir string) int64 {
	t.Helper()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(dir, "local.db"), store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.Count(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLocalStoreAfterCrash has an agent deliver measurements to a sub-gateway whose local
// writer is held back (a slow local store) while the layer above acknowledges everything
// forwarded; it takes the gateway's files as a SIGKILL would leave them and starts a
// gateway on that copy: its local store holds every measurement the agent had confirmed.
// The original gateway keeps the measurements in its queue until they are written locally,
// and empties it once the writer goes on.
func TestLocalStoreAfterCrash(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	kd, err := keys.Load(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	u, err := kd.Lookup(1)
	if err != nil {
		t.Fatal(err)
	}

	// The layer above: acknowledges every batch.
	var upTaken atomic.Int64
	up := wire.Server{Handler: func(_ context.Context, _ *wire.Conn, b *wire.Batch) (wire.Ack, error) {
		if b.Kind == wire.KindMeasurements {
			upTaken.Add(int64(len(b.Entries)))
		}
		return wire.Ack{Seq: b.Seq, Accepted: uint16(len(b.Entries)), Status: wire.StatusOK}, nil
	}}
	ul, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go up.Serve(ul)
	defer up.Close()

	gwDir := filepath.Join(dir, "gateway-1-0")
	// Without fsync: a copy of the files is what a process crash leaves, the page cache
	// included.
	cfg := Config{Name: "gateway-1-0", Dir: gwDir, Keys: kd, Up: wire.DialConfig{Addrs: []string{ul.Addr().String()}},
		Queue: queue.Config{NoSync: true}}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	g.localHold.Store(&hold)
	released := false
	fwdDone := make(chan struct{})
	defer func() {
		if !released {
			close(hold)
		}
		cancel()
		<-fwdDone
		g.Close()
	}()
	al, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.ServeAgents(al)

	// One blood pressure monitor delivers n measurements (more than one read of the queue
	// at restart takes) and stops.
	const n = 300
	pcfg, _ := phd.Configuration(phd.KindBP.ConfigID())
	src := make(chan []ieee11073.Observation, n)
	for i := range n {
		at := ieee11073.AbsoluteTimeOf(time.Now())
		var obs []ieee11073.Observation
		for j := range pcfg.Objects {
			o := &pcfg.Objects[j]
			for k := range max(len(o.PhysioList), 1) {
				v, _ := ieee11073.NewFloat(int32(800+10*j+k+i), -1)
				obs = append(obs, ieee11073.Observation{Handle: o.Handle, Value: v, Time: at})
			}
		}
		src <- obs
	}
	close(src)
	var counters metrics.Counters
	if err := sim.Run(ctx, nil, sim.AgentConfig{Kind: phd.KindBP, User: u, SystemID: [8]byte{0xE0, 0, 0, 0, 0, 0, 0, 1},
		Addrs: []string{al.Addr().String()}, Counters: &counters, Source: src}); err != nil {
		t.Fatal(err)
	}
	if sent := counters.Sent.Load(); sent != n {
		t.Fatalf("the agent had %d measurements confirmed, want %d", sent, n)
	}
	// Forwarded only now, so that one batch carries them all whatever the machine's speed.
	go func() { defer close(fwdDone); g.Run(ctx) }()
	waitFor(t, "the layer above takes every measurement", func() bool { return upTaken.Load() >= n })
	// The local writer has written nothing, so nothing may leave the queue, however long
	// the forwarder has had the acknowledgement.
	time.Sleep(200 * time.Millisecond)
	if p := g.Pending(); p != n {
		t.Errorf("%d entries in the queue while the local store has none, want all %d", p, n)
	}

	// The files as a crash now leaves them; a gateway started on them.
	crashDir := filepath.Join(dir, "crash")
	copyTree(t, gwDir, crashDir)
	if c := localCount(t, crashDir); c != 0 {
		t.Fatalf("the crash image's local store holds %d measurements; the test means to hold them back", c)
	}
	cfg2 := cfg
	cfg2.Dir, cfg2.Up = crashDir, wire.DialConfig{Addrs: []string{"127.0.0.1:1"}}
	g2, err := New(cfg2)
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.Close(); err != nil {
		t.Fatal(err)
	}
	if c := localCount(t, crashDir); c != n {
		t.Errorf("after the restart the local store holds %d measurements, want the %d confirmed", c, n)
	}

	// The writer goes on: the original gateway writes them and lets the queue go.
	close(hold)
	released = true
	waitFor(t, "the queue empties", func() bool { return g.Pending() == 0 })
	g.FlushLocal()
	if c, err := g.Local().Count(ctx); err != nil || c != n {
		t.Errorf("the gateway's local store holds %d measurements (%v), want %d", c, err, n)
	}
}
