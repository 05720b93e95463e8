package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/phdkit/phdkit/bmsig"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/dm"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/server"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/omadm"
)

// gateway stands for a gateway linked to a server on loopback: it sends measurements and
// DM statuses up and keeps the DM command messages the server sends down.
type gateway struct {
	t    *testing.T
	conn *wire.Conn
	seq  uint64
	mu   sync.Mutex
	down map[string]wire.Entry // the entry carrying each command, by reference
}

func linkGateway(t *testing.T, srv *server.Server) *gateway {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); srv.ServeLinks(l) }()
	t.Cleanup(func() { srv.Close(); <-served })
	g := &gateway{t: t, down: make(map[string]wire.Entry)}
	g.conn, _, err = wire.Dial(t.Context(), wire.DialConfig{Addrs: []string{l.Addr().String()}, Handler: g.handle}, -1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.conn.Close() })
	return g
}

func (g *gateway) handle(_ context.Context, _ *wire.Conn, b *wire.Batch) (wire.Ack, error) {
	if b.Kind != wire.KindDMCommand {
		return wire.Ack{Seq: b.Seq, Status: wire.StatusRejected}, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, e := range b.Entries {
		_, cmds, err := dm.DecodeMessage(e.Body)
		if err != nil || len(cmds) != 1 {
			g.t.Errorf("command message from %x: %d commands, %v", e.Origin, len(cmds), err)
			continue
		}
		e.Body = bytes.Clone(e.Body)
		g.down[cmds[0].CmdID] = e
	}
	return wire.Ack{Seq: b.Seq, Accepted: uint16(len(b.Entries)), Status: wire.StatusOK}, nil
}

// received returns the references of the commands sent down so far, sorted, and forgets
// them.
func (g *gateway) received() ([]string, map[string]wire.Entry) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var refs []string
	for r := range g.down {
		refs = append(refs, r)
	}
	slices.Sort(refs)
	m := g.down
	g.down = make(map[string]wire.Entry)
	return refs, m
}

func (g *gateway) send(kind wire.Kind, entries []wire.Entry) {
	g.t.Helper()
	g.seq++
	ack, err := g.conn.Send(g.t.Context(), &wire.Batch{Seq: g.seq, Kind: kind, Entries: entries})
	if err != nil || ack.Status != wire.StatusOK || int(ack.Accepted) != len(entries) {
		g.t.Fatalf("batch %d of kind %v: %+v, %v", g.seq, kind, ack, err)
	}
}

// measure sends one sealed blood pressure measurement of user u from each device in sys.
func (g *gateway) measure(u *keys.User, seq uint64, sys ...[8]byte) {
	g.t.Helper()
	cfg, _ := phd.Configuration(phd.KindBP.ConfigID())
	now := time.Now()
	at := ieee11073.AbsoluteTimeOf(now)
	var obs []ieee11073.Observation
	for i := range cfg.Objects {
		o := &cfg.Objects[i]
		for j := range max(len(o.PhysioList), 1) {
			v, _ := ieee11073.NewFloat(int32(800+10*i+j), -1)
			obs = append(obs, ieee11073.Observation{Handle: o.Handle, Value: v, Time: at})
		}
	}
	plain, err := phd.Report(cfg, obs, uint16(seq))
	if err != nil {
		g.t.Fatal(err)
	}
	var entries []wire.Entry
	for _, id := range sys {
		s, err := bmsig.NewSender(bmsig.SenderConfig{Key: u.Key, User: u.ID, Device: binary.BigEndian.Uint64(id[:]), NextSeq: seq})
		if err != nil {
			g.t.Fatal(err)
		}
		s.SetSignature(&u.Sig)
		body, err := s.Seal(nil, plain, now)
		if err != nil {
			g.t.Fatal(err)
		}
		entries = append(entries, wire.Entry{Origin: id, ConfigID: uint16(phd.KindBP.ConfigID()), Received: now.UnixNano(), Body: body})
	}
	g.send(wire.KindMeasurements, entries)
}

// answer sends the status code of the command with reference ref up.
func (g *gateway) answer(device, ref string, code omadm.StatusCode) {
	g.t.Helper()
	body, err := dm.EncodeStatuses(device, []dm.Status{{Ref: ref, Cmd: "Replace", Code: code}})
	if err != nil {
		g.t.Fatal(err)
	}
	id, _ := dm.SystemIDOf(device)
	g.send(wire.KindDMStatus, []wire.Entry{{Origin: id, ConfigID: uint16(phd.KindBP.ConfigID()), Received: time.Now().UnixNano(), Body: body}})
}

func refsOf(cs []server.DMCommand) []string {
	var refs []string
	for _, c := range cs {
		refs = append(refs, c.Ref)
	}
	return refs
}

// TestDMRestart issues commands to three devices, has one answered, and stops the server;
// a new server on the same database lists all three and sends the two unanswered ones
// again, takes a status for one of those, issues the command only to a device that did not
// have it, and gives its own commands references of their own.
func TestDMRestart(t *testing.T) {
	testDMRestart(t, server.Config{})
}

// TestDMRestartPostgres is TestDMRestart with the server's store on PostgreSQL, in a
// schema of its own that it drops at the end.
func TestDMRestartPostgres(t *testing.T) {
	testDMRestart(t, pgConfig(t, "server_dm"))
}

// pgConfig returns a server configuration whose store is on the PostgreSQL server of
// PHDKIT_PG_DSN, in a new schema named from prefix that is dropped when t ends; it skips t
// when PHDKIT_PG_DSN is not set.
func pgConfig(t *testing.T, prefix string) server.Config {
	dsn := os.Getenv("PHDKIT_PG_DSN")
	if dsn == "" {
		t.Skip("PHDKIT_PG_DSN is not set: no PostgreSQL server to run against")
	}
	schema := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return server.Config{DSN: dsn, Store: store.Config{Schema: schema}}
}

// TestDMDevicesRestart stores measurements of three blood pressure monitors and a
// thermometer, stops the server, and starts a new one on the same database: without
// hearing from any device again it issues a blood pressure command to the three monitors,
// and IssueDMOnce after one more restart to none of them.
func TestDMDevicesRestart(t *testing.T) {
	testDMDevicesRestart(t, server.Config{})
}

// TestDMDevicesRestartPostgres is TestDMDevicesRestart with the store on PostgreSQL.
func TestDMDevicesRestartPostgres(t *testing.T) {
	testDMDevicesRestart(t, pgConfig(t, "server_dmdev"))
}

// restartQuiet closes srv, starts a server with cfg and links a gateway to it that sends a
// status of device (for no command) and no measurement: the link is up, and the new server
// has heard from no device.
func restartQuiet(t *testing.T, srv *server.Server, cfg server.Config, device [8]byte) (*server.Server, *gateway) {
	t.Helper()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := linkGateway(t, srv)
	g.answer(dm.DeviceID(device), "none", omadm.StatusOK)
	return srv, g
}

func testDMDevicesRestart(t *testing.T, cfg server.Config) {
	ctx := t.Context()
	u, spec := dmFixture(t, &cfg)
	sys := [][8]byte{{0xD1, 0, 0, 0, 0, 0, 0, 3}, {0xD1, 0, 0, 0, 0, 0, 0, 1}, {0xD1, 0, 0, 0, 0, 0, 0, 2}}

	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := linkGateway(t, srv)
	g.measure(u, 1, sys...)
	if err := srv.Store().PutDevice(ctx, store.DeviceInfo{SystemID: [8]byte{0xD1, 0, 0, 0, 0, 0, 0, 9},
		ConfigID: uint16(phd.KindThermo.ConfigID()), User: u.ID, LastSeen: time.Now()}); err != nil {
		t.Fatal(err)
	}
	srv, g = restartQuiet(t, srv, cfg, sys[0])
	n, err := srv.IssueDM(ctx, spec)
	if n != 3 || err != nil {
		t.Fatalf("IssueDM after the restart = %d, %v; want the 3 monitors stored before", n, err)
	}
	refs, down := g.received()
	cmds := srv.DMCommands()
	if !slices.Equal(refs, slices.Sorted(slices.Values(refsOf(cmds)))) {
		t.Fatalf("issued %q, sent down %q", refsOf(cmds), refs)
	}
	var got, want []string
	for _, r := range refs {
		got = append(got, dm.DeviceID(down[r].Origin))
	}
	for _, id := range sys {
		want = append(want, dm.DeviceID(id))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("commands went to %q, want the monitors %q", got, want)
	}
	for _, c := range cmds {
		if c.Kind != phd.KindBP {
			t.Errorf("command %s to %s: kind %v, want %v", c.Ref, c.Device, c.Kind, phd.KindBP)
		}
	}
	srv, _ = restartQuiet(t, srv, cfg, sys[0])
	if n, err := srv.IssueDMOnce(ctx, spec); n != 0 || err != nil {
		t.Fatalf("IssueDMOnce after a second restart = %d, %v; want 0: every monitor had it", n, err)
	}
	therm, err := dm.ParseSpec("Replace ./PHD/Measurement/Interval 5 thermo")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := srv.IssueDMOnce(ctx, therm); n != 1 || err != nil {
		t.Fatalf("IssueDMOnce for thermometers = %d, %v; want the 1 thermometer stored before", n, err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
}

// dmFixture sets cfg's Dir (in a new temporary directory) and Keys (a key directory of one
// user), and returns that user and the command the DM tests issue to blood pressure
// monitors.
func dmFixture(t *testing.T, cfg *server.Config) (*keys.User, dm.Spec) {
	t.Helper()
	dir := t.TempDir()
	kd, err := keys.Load(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	u, err := kd.Lookup(1)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := dm.ParseSpec("Replace ./PHD/Measurement/Interval 3 bp")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Dir, cfg.Keys = filepath.Join(dir, "server"), kd
	return u, spec
}

// testDMRestart runs TestDMRestart with cfg's store (Dir and Keys are set here).
func testDMRestart(t *testing.T, cfg server.Config) {
	ctx := t.Context()
	u, spec := dmFixture(t, &cfg)
	sys := [][8]byte{{0xD0, 0, 0, 0, 0, 0, 0, 1}, {0xD0, 0, 0, 0, 0, 0, 0, 2}, {0xD0, 0, 0, 0, 0, 0, 0, 3}}

	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := linkGateway(t, srv)
	g.measure(u, 1, sys...)
	if n, err := srv.IssueDM(ctx, spec); n != 3 || err != nil {
		t.Fatalf("IssueDM = %d, %v; want 3 devices", n, err)
	}
	before := srv.DMCommands()
	refs, first := g.received()
	if len(before) != 3 || !slices.Equal(refs, slices.Sorted(slices.Values(refsOf(before)))) {
		t.Fatalf("issued %q, sent down %q", refsOf(before), refs)
	}
	g.answer(before[1].Device, before[1].Ref, omadm.StatusOK)
	if c := srv.DMCommands()[1]; c.Status != omadm.StatusOK || c.Answered.IsZero() {
		t.Fatalf("command %s after its status: %d at %v", c.Ref, c.Status, c.Answered)
	}
	g.answer(before[1].Device, before[1].Ref, 500) // only the first status counts
	before = srv.DMCommands()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv, err = server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	after := srv.DMCommands()
	if len(after) != len(before) {
		t.Fatalf("after the restart the server lists %d commands, want %d", len(after), len(before))
	}
	for i := range after {
		b, a := before[i], after[i]
		if a.Ref != b.Ref || a.Device != b.Device || a.Kind != b.Kind || a.Command != b.Command || !a.Issued.Equal(b.Issued) ||
			a.Status != b.Status || !a.Answered.Equal(b.Answered) {
			t.Errorf("command %d after the restart: %+v, want %+v", i, a, b)
		}
	}
	if after[1].Status != omadm.StatusOK {
		t.Errorf("command %s: status %d after the restart, want the first one (200)", after[1].Ref, after[1].Status)
	}
	g = linkGateway(t, srv)
	g.measure(u, 2, sys[0]) // the link is up: the server has answered on it
	if n, err := srv.ResendDM(ctx); n != 2 || err != nil {
		t.Fatalf("ResendDM after the restart = %d, %v; want the 2 unanswered commands", n, err)
	}
	refs, again := g.received()
	want := []string{after[0].Ref, after[2].Ref}
	slices.Sort(want)
	if !slices.Equal(refs, want) {
		t.Fatalf("sent again %q, want the unanswered %q", refs, want)
	}
	for _, r := range refs {
		a, f := again[r], first[r]
		if a.Origin != f.Origin || a.ConfigID != f.ConfigID || a.Received != f.Received || !bytes.Equal(a.Body, f.Body) {
			t.Errorf("command %s sent again: %+v, want the entry sent first %+v", r, a, f)
		}
	}
	// A status for a command of the previous run is taken; then it is not sent again.
	g.answer(after[0].Device, after[0].Ref, omadm.StatusOK)
	if c := srv.DMCommands()[0]; c.Status != omadm.StatusOK {
		t.Errorf("command %s of the previous run: status %d, want 200", c.Ref, c.Status)
	}
	if n, err := srv.ResendDM(ctx); n != 1 || err != nil {
		t.Errorf("ResendDM = %d, %v; want 1", n, err)
	}
	g.received()
	// IssueDMOnce skips the devices the store shows were issued the command; new
	// commands get references never used before and follow the old ones.
	if n, err := srv.IssueDMOnce(ctx, spec); n != 0 || err != nil {
		t.Fatalf("IssueDMOnce for a device that had the command = %d, %v; want 0", n, err)
	}
	g.measure(u, 1, [8]byte{0xD0, 0, 0, 0, 0, 0, 0, 4})
	if n, err := srv.IssueDMOnce(ctx, spec); n != 1 || err != nil {
		t.Fatalf("IssueDMOnce after the restart = %d, %v; want the 1 new device", n, err)
	}
	all := srv.DMCommands()
	if len(all) != 4 || !slices.Equal(refsOf(all[:3]), refsOf(after)) {
		t.Fatalf("after a new command the server lists %q", refsOf(all))
	}
	if slices.Contains(refsOf(after), all[3].Ref) {
		t.Errorf("new command reuses reference %s", all[3].Ref)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	srv, err = server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if got := refsOf(srv.DMCommands()); !slices.Equal(got, refsOf(all)) {
		t.Errorf("after a second restart the server lists %q, want %q", got, refsOf(all))
	}
}
