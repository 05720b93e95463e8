// Package gateway is a gateway of the full system. Downward it is an IEEE 11073-20601
// manager for agents (standard and extended configurations) and a link server for the
// gateways of the layer below; upward it forwards integrated messages over a wire link.
//
// Every measurement it takes is verified (bmsig, with the key directory), written to its
// durable queue and only then confirmed: the agent's confirmation, or the lower gateway's
// ack, means "durable here". A forwarder reads the queue from its head, packs entries into
// batches (up to Config.Batch entries or what arrived within Config.BatchInterval, at most
// wire.MaxBatchBody bytes), sends them with at most Config.Window unacknowledged, and
// removes them from the queue only when the layer above acknowledges them and the local
// store, if any, holds the measurements taken before (see Config.NoLocalStore). When the
// queue is full, appends wait: agents' confirmations come late and lower gateways' acks
// wait, which is backpressure, never dropping. A lost upstream link is dialled again with
// back-off, to the next address of its list (the parent's siblings), and the
// unacknowledged batches are sent again; the layer above de-duplicates.
//
//	g, err := gateway.New(gateway.Config{Name: "gw-1-0", Dir: dir, Keys: kd, Up: up})
//	go g.ServeAgents(agentListener)
//	go g.ServeLinks(linkListener)
//	go g.Run(ctx)
//	...
//	g.Close()
//
// A Gateway is safe for concurrent use; it owns the goroutines it starts and Close waits for
// them.
package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phdkit/phdkit/bmsig"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/dm"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/queue"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
	"github.com/phdkit/phdkit/ieee11073"
)

// Config configures a Gateway.
type Config struct {
	// Name is the gateway's identity (certificate name); its system id is derived from it.
	Name string
	// Dir holds the gateway's durable queue. Required.
	Dir string
	// Keys is the key directory used to verify measurements. Required.
	Keys *keys.Dir
	// Up is the upstream link: addresses (parent first, then its siblings) and TLS.
	Up wire.DialConfig
	// Batch is the most entries per integrated message. Default 200.
	Batch int
	// BatchInterval is how long the forwarder gathers entries once one is waiting.
	// Default 20 ms.
	BatchInterval time.Duration
	// Window is the most unacknowledged batches upward. Default 4.
	Window int
	// Queue configures the durable queue.
	Queue queue.Config
	// Counters receives Rejected, Batches and the module times (SubPHD and SubDM when the
	// gateway serves agents, MainPHD and MainDM otherwise); nil means counters of the
	// gateway's own.
	Counters *metrics.Counters
	// NoLocalStore turns off the gateway's own store: by default a gateway that serves
	// agents keeps every measurement it takes in a local SQLite database (Dir/local.db), its
	// observations in one table per PHD type (classified by Config ID) and its devices by
	// System ID, as the published gateways do. The durable queue, not this store, is what
	// makes a confirmation safe, so the store is written in batches by a goroutine of its
	// own, and commits without waiting for the disk (a commit survives a process crash, not
	// necessarily a power loss). It still holds every measurement the gateway confirmed
	// after a process crash: each measurement is handed to that goroutine before it is
	// queued, the forwarder removes entries from the queue only once the goroutine has
	// committed everything handed to it before, and New writes the measurements from agents
	// still in the queue into the store (a repeat is stored once). A failed local write is
	// logged and not retried.
	NoLocalStore bool
	// WriteThrough makes the DM mirror tree write every change to disk before the
	// operation returns; by default changes are written back later (delayed write).
	WriteThrough bool
	// Logf, when not nil, receives one line per notable event.
	Logf func(format string, args ...any)
}

// Gateway is one gateway; see the package documentation.
type Gateway struct {
	cfg     Config
	id      [8]byte
	q       *queue.Queue
	mgr     *ieee11073.Manager
	links   wire.Server
	maxAge  time.Duration
	taken   atomic.Int64 // measurements taken from agents
	fwd     atomic.Int64 // entries acknowledged upward
	local   store.Store  // nil until ServeAgents or a replay in New, or with NoLocalStore
	localCh chan localReq
	localWG sync.WaitGroup
	// localShut: localCh is closed (by Close, after the queue), under closeMu.
	localShut bool
	// localHold, when set (by tests), is received from before each local write.
	localHold atomic.Pointer[chan struct{}]
	closeMu   sync.Mutex
	closed    bool
	edge      atomic.Bool // serves agents: DM commands are for its devices
	dmState
}

// SystemID derives a node's 8-byte system id from its name.
func SystemID(name string) [8]byte {
	h := sha256.Sum256([]byte(name))
	var id [8]byte
	copy(id[:], h[:8])
	return id
}

// New opens the gateway's queue and prepares its listeners.
func New(cfg Config) (*Gateway, error) {
	if cfg.Dir == "" || cfg.Keys == nil {
		return nil, errors.New("gateway: Config needs Dir and Keys")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	if cfg.BatchInterval <= 0 {
		cfg.BatchInterval = 20 * time.Millisecond
	}
	if cfg.Window <= 0 {
		cfg.Window = 4
	}
	if cfg.Counters == nil {
		cfg.Counters = new(metrics.Counters)
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	q, err := queue.Open(cfg.Dir, cfg.Queue)
	if err != nil {
		return nil, fmt.Errorf("gateway %s: %w", cfg.Name, err)
	}
	g := &Gateway{cfg: cfg, id: SystemID(cfg.Name), q: q, maxAge: 24 * time.Hour}
	g.mgr, err = ieee11073.NewManager(ieee11073.ManagerConfig{
		SystemID:      g.id,
		SkipMDSGet:    true,
		OnEventReport: g.onEventReport,
		OnObservations: func(info *ieee11073.AssociationInfo, _ *ieee11073.EventReportArgument, _ []ieee11073.Observation) error {
			// A plain (unsealed) report: this system takes sealed ones only.
			return fmt.Errorf("gateway: unsealed report from %x refused", info.SystemID)
		},
	})
	if err != nil {
		q.Close()
		return nil, err
	}
	g.links.Handler = g.handleBatch
	g.links.OnConn = g.onLowerConn
	if g.cfg.Up.Handler == nil {
		g.cfg.Up.Handler = g.handleDown
	}
	if err := g.initDM(); err != nil {
		q.Close()
		return nil, err
	}
	if err := g.replayLocal(); err != nil {
		g.mirror.Close()
		q.Close()
		return nil, err
	}
	return g, nil
}

// replayLocal writes the measurements from agents still in the queue into the local store,
// opening it, so that it holds every measurement confirmed before a crash: those the
// queue no longer holds were committed locally before the forwarder removed them. It runs
// in New, before the forwarder can acknowledge anything.
func (g *Gateway) replayLocal() error {
	if g.cfg.NoLocalStore {
		return nil
	}
	v := verifier{keys: g.cfg.Keys, maxAge: g.maxAge}
	batch := make([]*store.Measurement, 0, 256)
	// Nothing else uses the queue yet: it holds Len entries after Head.
	after := g.q.Head()
	for left := g.q.Len(); left > 0; {
		es, err := g.q.Next(context.Background(), after, min(left, 256), 1<<20)
		if err != nil {
			return fmt.Errorf("gateway %s: reading the queue: %w", g.cfg.Name, err)
		}
		left -= len(es)
		after = es[len(es)-1].Seq
		batch = batch[:0]
		for _, qe := range es {
			var e wire.Entry
			if k, err := decodeEntry(qe.Data, &e); err != nil || k != wire.KindMeasurements || e.Hops != 1 {
				continue // not taken from an agent here
			}
			// Checked as when it was taken, at its arrival time.
			received := time.Unix(0, e.Received)
			h, plain, err := v.verify(e.Body, e.Origin, received)
			var m *store.Measurement
			if err == nil {
				var obs []ieee11073.Observation
				if obs, err = phd.Decode(nil, ieee11073.ConfigID(e.ConfigID), plain); err == nil {
					m, _, err = phd.Measurement(h, e.Origin, ieee11073.ConfigID(e.ConfigID), received, e.Body, obs)
				}
			}
			if err != nil {
				g.cfg.Logf("gateway %s: queue entry %d: %v", g.cfg.Name, qe.Seq, err)
				continue
			}
			batch = append(batch, m)
		}
		if len(batch) == 0 {
			continue
		}
		g.closeMu.Lock()
		err = g.openLocal()
		g.closeMu.Unlock()
		if err != nil {
			return err
		}
		g.putLocal(g.local, batch)
	}
	return nil
}

// putLocal writes batch to the local store st, logging what fails.
func (g *Gateway) putLocal(st store.Store, batch []*store.Measurement) {
	res, err := st.PutBatch(context.Background(), batch)
	if err != nil {
		g.cfg.Logf("gateway %s: local store: %v", g.cfg.Name, err)
	}
	for _, r := range res {
		if r.Err != nil && !r.Duplicate {
			g.cfg.Logf("gateway %s: local store: %v", g.cfg.Name, r.Err)
		}
	}
}

// openLocal opens the local store and starts its writer, unless it is open; closeMu held.
func (g *Gateway) openLocal() error {
	if g.local != nil || g.closed {
		return nil
	}
	st, err := store.OpenSQLite(context.Background(), filepath.Join(g.cfg.Dir, "local.db"), store.Config{RelaxedSync: true})
	if err != nil {
		return fmt.Errorf("gateway %s: local store: %w", g.cfg.Name, err)
	}
	g.local = st
	g.localCh = make(chan localReq, 4096)
	g.localWG.Add(1)
	go g.writeLocal(st, g.localCh)
	return nil
}

// SetLinkTLS sets the TLS configuration of the link server; call it before ServeLinks.
func (g *Gateway) SetLinkTLS(c *tls.Config) { g.links.TLS = c }

// Taken returns the measurements taken from agents and from lower gateways, and the entries
// acknowledged upward.
func (g *Gateway) Taken() (taken, forwarded int64) { return g.taken.Load(), g.fwd.Load() }

// Pending returns the entries waiting in the queue.
func (g *Gateway) Pending() int { return g.q.Len() }

// ServeAgents serves 20601 agents on l until Close. It opens the gateway's local store
// first (see Config.NoLocalStore).
func (g *Gateway) ServeAgents(l net.Listener) error {
	g.edge.Store(true)
	if !g.cfg.NoLocalStore {
		g.closeMu.Lock()
		err := g.openLocal()
		g.closeMu.Unlock()
		if err != nil {
			l.Close()
			return err
		}
	}
	return g.mgr.Serve(l)
}

// localReq is a measurement for the local store, or (m nil) a request to report on done
// when everything sent before is written.
type localReq struct {
	m    *store.Measurement
	done chan struct{}
}

// writeLocal writes the measurements sent on ch to st in batches until ch is closed.
func (g *Gateway) writeLocal(st store.Store, ch <-chan localReq) {
	defer g.localWG.Done()
	batch := make([]*store.Measurement, 0, 256)
	var flushed []chan struct{}
	for r := range ch {
		batch, flushed = batch[:0], flushed[:0]
		for ok := true; ok; {
			if r.m != nil {
				batch = append(batch, r.m)
			} else {
				flushed = append(flushed, r.done)
			}
			if len(batch) == cap(batch) {
				break
			}
			select {
			case r, ok = <-ch:
			default:
				ok = false
			}
		}
		if len(batch) > 0 {
			if h := g.localHold.Load(); h != nil {
				<-*h
			}
			g.putLocal(st, batch)
		}
		for _, d := range flushed {
			close(d)
		}
	}
}

// FlushLocal returns once the measurements taken so far are in the local store (or their
// write failed, which is logged).
func (g *Gateway) FlushLocal() {
	g.closeMu.Lock()
	if g.local == nil || g.localShut {
		g.closeMu.Unlock()
		return
	}
	done := make(chan struct{})
	g.localCh <- localReq{done: done}
	g.closeMu.Unlock()
	<-done
}

// Local returns the gateway's local store, or nil.
func (g *Gateway) Local() store.Store {
	g.closeMu.Lock()
	defer g.closeMu.Unlock()
	return g.local
}

// ServeLinks serves the links of lower gateways on l until Close.
func (g *Gateway) ServeLinks(l net.Listener) error { return g.links.Serve(l) }

// verifier opens sealed messages with the key directory, for authentication only; replays
// are harmless here (the server de-duplicates) and an agent's retry must be taken again.
type verifier struct {
	keys   *keys.Dir
	maxAge time.Duration
	buf    []byte
}

func (v *verifier) verify(msg []byte, origin [8]byte, now time.Time) (bmsig.Header, []byte, error) {
	h, err := bmsig.ParseHeader(msg)
	if err != nil {
		return h, nil, err
	}
	if h.Device != binary.BigEndian.Uint64(origin[:]) {
		return h, nil, fmt.Errorf("gateway: sealed device %x is not the sender %x", h.Device, origin)
	}
	u, err := v.keys.Lookup(h.User)
	if err != nil {
		return h, nil, err
	}
	r, err := bmsig.NewReceiver(bmsig.ReceiverConfig{MaxAge: v.maxAge, MaxSkew: time.Minute})
	if err != nil {
		return h, nil, err
	}
	v.buf, h, err = r.Open(v.buf[:0], msg, u.Key, &u.Sig, now)
	return h, v.buf, err
}

// onEventReport takes a sealed measurement from an agent: it verifies it, checks its inner
// report against the agent's configuration, and returns once it is durably queued.
func (g *Gateway) onEventReport(info *ieee11073.AssociationInfo, ev *ieee11073.EventReportArgument) error {
	if ev.EventType != phd.EventTypeSealed {
		return fmt.Errorf("gateway: event type %#04x refused", uint16(ev.EventType))
	}
	now := time.Now()
	defer g.cfg.Counters.SubPHD.Since(1, now)
	v := verifier{keys: g.cfg.Keys, maxAge: g.maxAge}
	h, plain, err := v.verify(ev.Info, info.SystemID, now)
	if err != nil {
		g.cfg.Counters.Rejected.Add(1)
		return err
	}
	obs, err := phd.Decode(nil, info.ConfigID, plain)
	if err != nil {
		g.cfg.Counters.Rejected.Add(1)
		return err
	}
	if g.Local() != nil {
		local, _, err := phd.Measurement(h, info.SystemID, info.ConfigID, now, ev.Info, obs)
		if err != nil {
			g.cfg.Counters.Rejected.Add(1)
			return err
		}
		// Handed to the local writer before it is queued, so that the flush the forwarder
		// makes before removing it from the queue covers it. Should the append fail, the
		// agent sends it again: the local store keeps it once.
		g.closeMu.Lock()
		if g.localShut {
			g.closeMu.Unlock()
			return errors.New("gateway: closing")
		}
		g.localCh <- localReq{m: local}
		g.closeMu.Unlock()
	}
	e := wire.Entry{Origin: info.SystemID, ConfigID: uint16(info.ConfigID), Received: now.UnixNano(), Hops: 1, Body: ev.Info}
	if _, err := g.q.Append(context.Background(), encodeEntry(nil, wire.KindMeasurements, &e)); err != nil {
		return err
	}
	g.taken.Add(1)
	return nil
}

// handleBatch takes a batch from a lower gateway: every entry is verified and the valid
// ones are appended durably before the ack.
func (g *Gateway) handleBatch(ctx context.Context, _ *wire.Conn, b *wire.Batch) (wire.Ack, error) {
	if b.Kind != wire.KindMeasurements && b.Kind != wire.KindDMStatus {
		return wire.Ack{Seq: b.Seq, Status: wire.StatusRejected}, nil
	}
	now := time.Now()
	tm := &g.cfg.Counters.MainPHD
	if b.Kind == wire.KindDMStatus {
		tm = &g.cfg.Counters.MainDM
	}
	defer tm.Since(len(b.Entries), now)
	v := verifier{keys: g.cfg.Keys, maxAge: g.maxAge}
	data := make([][]byte, 0, len(b.Entries))
	for i := range b.Entries {
		e := b.Entries[i]
		if b.Kind == wire.KindDMStatus {
			// Statuses carry no bmsig seal: the link's mutual TLS authenticates them.
			if _, _, err := dm.DecodeMessage(e.Body); err != nil {
				g.cfg.Counters.Rejected.Add(1)
				continue
			}
		} else if _, _, err := v.verify(e.Body, e.Origin, now); err != nil {
			g.cfg.Counters.Rejected.Add(1)
			g.cfg.Logf("gateway %s: entry %d of batch %d refused: %v", g.cfg.Name, i, b.Seq, err)
			continue
		}
		e.Hops++
		data = append(data, encodeEntry(nil, b.Kind, &e))
	}
	if len(data) > 0 {
		if _, err := g.q.AppendBatch(ctx, data); err != nil {
			return wire.Ack{}, err
		}
	}
	if b.Kind == wire.KindMeasurements {
		g.taken.Add(int64(len(data)))
	}
	st := wire.StatusOK
	if len(data) < len(b.Entries) {
		st = wire.StatusRejected
	}
	return wire.Ack{Seq: b.Seq, Accepted: uint16(len(data)), Status: st}, nil
}

// encodeEntry lays an entry of a batch of kind k out in the queue: kind, origin, config id,
// received, hops, body.
func encodeEntry(b []byte, k wire.Kind, e *wire.Entry) []byte {
	b = append(b, byte(k))
	b = append(b, e.Origin[:]...)
	b = binary.BigEndian.AppendUint16(b, e.ConfigID)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Received))
	b = binary.BigEndian.AppendUint16(b, e.Hops)
	return append(b, e.Body...)
}

const entryHeader = 1 + 8 + 2 + 8 + 2

// decodeEntry is the inverse of encodeEntry; e.Body aliases b.
func decodeEntry(b []byte, e *wire.Entry) (wire.Kind, error) {
	if len(b) < entryHeader {
		return 0, errors.New("gateway: queue entry too short")
	}
	k := wire.Kind(b[0])
	b = b[1:]
	copy(e.Origin[:], b)
	e.ConfigID = binary.BigEndian.Uint16(b[8:])
	e.Received = int64(binary.BigEndian.Uint64(b[10:]))
	e.Hops = binary.BigEndian.Uint16(b[18:])
	e.Body = b[entryHeader-1:]
	return k, nil
}

// Run forwards the queue upward until ctx ends.
func (g *Gateway) Run(ctx context.Context) error {
	backoff := 50 * time.Millisecond
	last := -1
	var seq uint64
	for ctx.Err() == nil {
		c, idx, err := wire.Dial(ctx, g.cfg.Up, last)
		if err != nil {
			g.cfg.Logf("gateway %s: %v", g.cfg.Name, err)
			if !sleep(ctx, backoff) {
				break
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		last, backoff = idx, 50*time.Millisecond
		err = g.forward(ctx, c, &seq)
		c.Close()
		if ctx.Err() == nil {
			g.cfg.Logf("gateway %s: upstream %s: %v", g.cfg.Name, g.cfg.Up.Addrs[idx], err)
		}
	}
	return ctx.Err()
}

type inflight struct {
	last  uint64 // the queue sequence number of its last entry
	n     int
	done  chan struct{}
	ack   wire.Ack
	err   error
	batch *wire.Batch
}

// forward sends batches on c until it fails or ctx ends.
func (g *Gateway) forward(ctx context.Context, c *wire.Conn, seq *uint64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pipe := make(chan *inflight, g.cfg.Window)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(pipe)
		after := g.q.Head()
		for ctx.Err() == nil {
			if _, err := g.q.Next(ctx, after, 1, 1); err != nil {
				return
			}
			if g.q.Len() < g.cfg.Batch && !sleep(ctx, g.cfg.BatchInterval) {
				return
			}
			es, err := g.q.Next(ctx, after, g.cfg.Batch, wire.MaxBatchBody)
			if err != nil {
				return
			}
			*seq++
			b := &wire.Batch{Sender: g.id, Seq: *seq}
			size := 0
			var lastSeq uint64
			for _, qe := range es {
				var e wire.Entry
				k, err := decodeEntry(qe.Data, &e)
				if err != nil {
					lastSeq = qe.Seq // unreadable: skip it (cannot happen for our own entries)
					continue
				}
				if b.Kind == 0 {
					b.Kind = k
				}
				if k != b.Kind || size+e.EncodedLen() > wire.MaxBatchBody && len(b.Entries) > 0 {
					break // one kind per batch
				}
				size += e.EncodedLen()
				b.Entries = append(b.Entries, e)
				lastSeq = qe.Seq
			}
			after = lastSeq
			f := &inflight{last: lastSeq, n: len(b.Entries), done: make(chan struct{}), batch: b}
			select {
			case pipe <- f:
			case <-ctx.Done():
				return
			}
			go func() {
				defer close(f.done)
				if len(b.Entries) == 0 {
					return
				}
				f.ack, f.err = c.Send(ctx, b)
			}()
		}
	}()
	defer wg.Wait()
	defer cancel()
	for {
		// Watch the link even when nothing is in flight, so that a dropped link is dialled
		// again at once (the layer above sends DM commands down it).
		var f *inflight
		select {
		case f = <-pipe:
		case <-c.Done():
			return fmt.Errorf("link down: %w", c.Err())
		case <-ctx.Done():
			return ctx.Err()
		}
		if f == nil { // the producer stopped: ctx ended
			return ctx.Err()
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if f.err != nil {
			return f.err
		}
		switch f.ack.Status {
		case wire.StatusOK, wire.StatusRejected:
			if f.ack.Status == wire.StatusRejected {
				g.cfg.Logf("gateway %s: batch %d: %d of %d entries refused above", g.cfg.Name, f.batch.Seq, f.n-int(f.ack.Accepted), f.n)
			}
			if f.batch.Kind == wire.KindMeasurements {
				// The local store first: what leaves the queue must be in it, since
				// replayLocal only finds what the queue still holds.
				g.FlushLocal()
			}
			if err := g.q.Ack(f.last); err != nil {
				return err
			}
			if f.batch.Kind == wire.KindMeasurements {
				g.fwd.Add(int64(f.n))
			}
			g.cfg.Counters.Batches.Add(1)
		default:
			return fmt.Errorf("gateway: batch %d answered %v", f.batch.Seq, f.ack.Status)
		}
	}
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

// Close stops serving, waits for the goroutines and closes the queue. What was confirmed
// and not yet acknowledged upward stays in the queue for the next start.
func (g *Gateway) Close() error {
	g.closeMu.Lock()
	defer g.closeMu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	g.closeMu.Unlock()
	err1 := g.mgr.Shutdown(sctx) // the hooks have returned when it does
	g.closeMu.Lock()
	err2 := g.links.Shutdown(sctx)
	g.downWG.Wait()
	err4 := g.dm.Shutdown(sctx)
	err5 := g.mirror.Close()
	err3 := g.q.Close()
	var err6 error
	if g.local != nil {
		g.localShut = true
		close(g.localCh)
		g.localWG.Wait()
		err6 = g.local.Close()
	}
	return errors.Join(err1, err2, err3, err4, err5, err6)
}
