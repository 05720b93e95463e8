// Package server is the top of the full system's hierarchy. It accepts integrated messages
// from the gateways below (and, for the published "normal system" comparison, 20601 agents
// directly), verifies every measurement's bmsig protection, stores it idempotently by (user,
// device, bmsig sequence number), appends its digest to the ledger, hands it to the
// analytics, and only then acknowledges.
//
//	s, err := server.New(server.Config{Dir: dir, Keys: kd})
//	go s.ServeLinks(linkListener)
//	...
//	s.Close()
//
// A Server is safe for concurrent use; Close waits for the goroutines it owns.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/phdkit/phdkit/bmsig"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/filestore"
)

// Measurement is a newly stored measurement, as the analytics see it.
type Measurement struct {
	User     uint64
	SystemID [8]byte
	Kind     phd.Kind
	Seq      uint64
	Measured time.Time
	Values   []phd.Value // valid only during the call
}

// Config configures a Server.
type Config struct {
	// Dir holds the SQLite database (server.db) and the ledger (ledger/). Required.
	Dir string
	// DSN selects the store; empty means the SQLite file in Dir.
	DSN string
	// Store configures the store (database division and so on).
	Store store.Config
	// Keys is the key directory. Required.
	Keys *keys.Dir
	// TLS configures the link server; nil serves plain TCP (tests only).
	TLS *tls.Config
	// Counters receives Stored, Duplicates, Rejected, Batches and the latency.
	Counters *metrics.Counters
	// OnMeasurement, when not nil, is called with every newly stored measurement, from the
	// goroutine of the link that brought it, before the batch is acknowledged.
	OnMeasurement func(m *Measurement)
	// Logf, when not nil, receives one line per notable event.
	Logf func(format string, args ...any)
}

// Server is the server; see the package documentation.
type Server struct {
	cfg    Config
	st     store.Store
	led    *filestore.Store
	links  wire.Server
	direct *ieee11073.Manager
	once   sync.Once
	err    error
	dmState
}

// New opens the store and the ledger.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Dir == "" || cfg.Keys == nil {
		return nil, errors.New("server: Config needs Dir and Keys")
	}
	if cfg.Counters == nil {
		cfg.Counters = new(metrics.Counters)
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	dsn := cfg.DSN
	if dsn == "" {
		dsn = filepath.Join(cfg.Dir, "server.db")
	}
	st, err := store.Open(ctx, dsn, cfg.Store)
	if err != nil {
		return nil, err
	}
	led, err := filestore.Open(filepath.Join(cfg.Dir, "ledger"), filestore.Config{})
	if err != nil {
		st.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, st: st, led: led}
	s.links.TLS = cfg.TLS
	s.links.Handler = s.handleBatch
	if err := s.initDM(ctx); err != nil {
		led.Close()
		st.Close()
		return nil, err
	}
	s.direct, err = ieee11073.NewManager(ieee11073.ManagerConfig{
		SkipMDSGet:    true,
		OnEventReport: s.onEventReport,
		OnObservations: func(info *ieee11073.AssociationInfo, _ *ieee11073.EventReportArgument, _ []ieee11073.Observation) error {
			return fmt.Errorf("server: unsealed report from %x refused", info.SystemID)
		},
	})
	if err != nil {
		led.Close()
		st.Close()
		return nil, err
	}
	return s, nil
}

// Store returns the server's store.
func (s *Server) Store() store.Store { return s.st }

// Ledger returns the server's ledger.
func (s *Server) Ledger() ledger.Ledger { return s.led }

// Links returns the link server (to send DM commands down its connections).
func (s *Server) Links() *wire.Server { return &s.links }

// ServeLinks serves gateway links on l until Close.
func (s *Server) ServeLinks(l net.Listener) error { return s.links.Serve(l) }

// ServeAgents serves 20601 agents directly on l (no gateways) until Close.
func (s *Server) ServeAgents(l net.Listener) error { return s.direct.Serve(l) }

// onEventReport takes a sealed measurement from an agent connected directly.
func (s *Server) onEventReport(info *ieee11073.AssociationInfo, ev *ieee11073.EventReportArgument) error {
	if ev.EventType != phd.EventTypeSealed {
		return fmt.Errorf("server: event type %#04x refused", uint16(ev.EventType))
	}
	start := time.Now()
	e := wire.Entry{Origin: info.SystemID, ConfigID: uint16(info.ConfigID), Received: start.UnixNano(), Body: ev.Info}
	accepted, _, err := s.take(context.Background(), []wire.Entry{e})
	s.cfg.Counters.ServerPHD.Since(1, start)
	if err != nil {
		return err
	}
	if accepted != 1 {
		return errors.New("server: measurement refused")
	}
	return nil
}

func (s *Server) handleBatch(ctx context.Context, _ *wire.Conn, b *wire.Batch) (wire.Ack, error) {
	if b.Kind == wire.KindDMStatus {
		return s.takeStatuses(ctx, b), nil
	}
	if b.Kind != wire.KindMeasurements {
		return wire.Ack{Seq: b.Seq, Status: wire.StatusRejected}, nil
	}
	start := time.Now()
	accepted, dups, err := s.take(ctx, b.Entries)
	s.cfg.Counters.ServerPHD.Since(len(b.Entries), start)
	if err != nil {
		s.cfg.Logf("server: batch %d: %v", b.Seq, err)
		return wire.Ack{Seq: b.Seq, Status: wire.StatusBusy}, nil
	}
	st := wire.StatusOK
	if accepted < len(b.Entries) {
		st = wire.StatusRejected
	}
	return wire.Ack{Seq: b.Seq, Accepted: uint16(accepted), Duplicates: uint16(dups), Status: st}, nil
}

type item struct {
	m        store.Measurement
	kind     phd.Kind
	values   []phd.Value
	dup, bad bool
}

// take verifies, stores and ledgers entries; it returns how many were accepted (new or
// duplicate) and how many of those were duplicates. An error means nothing may be
// acknowledged.
func (s *Server) take(ctx context.Context, entries []wire.Entry) (accepted, dups int, err error) {
	now := time.Now()
	items := make([]*item, 0, len(entries))
	var obs []ieee11073.Observation
	var plain []byte
	for i := range entries {
		e := &entries[i]
		it, err := s.verify(e, now, &obs, &plain)
		if err != nil {
			s.cfg.Counters.Rejected.Add(1)
			s.cfg.Logf("server: entry from %x refused: %v", e.Origin, err)
			continue
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return 0, 0, nil
	}
	// Ledger first, so that each new measurement is stored with its ledger index in one
	// transaction. A measurement already stored is a duplicate (a retry): not ledgered
	// again, unless its ledger append was interrupted before.
	var fresh []*item
	var late []*item // stored before without a ledger index
	for _, it := range items {
		old, err := s.st.Get(ctx, it.m.User, it.m.SystemID, it.m.Seq)
		switch {
		case err == nil:
			it.dup = true
			if !old.Ledgered {
				late = append(late, it)
			}
		case errors.Is(err, store.ErrNotFound):
			fresh = append(fresh, it)
		default:
			return 0, 0, err
		}
	}
	if n := len(fresh) + len(late); n > 0 {
		hs := make([]ledger.Hash, 0, n)
		for _, it := range fresh {
			hs = append(hs, it.m.Digest)
		}
		for _, it := range late {
			hs = append(hs, it.m.Digest)
		}
		idx := make([]uint64, n)
		if err := s.led.AppendBatch(ctx, hs, idx); err != nil {
			return 0, 0, err
		}
		for i, it := range fresh {
			it.m.Ledgered, it.m.LedgerIndex = true, idx[i]
		}
		for i, it := range late {
			it.m.Ledgered, it.m.LedgerIndex = true, idx[len(fresh)+i]
		}
	}
	ms := make([]*store.Measurement, len(fresh))
	for i, it := range fresh {
		ms[i] = &it.m
	}
	var res []store.PutResult
	if len(ms) > 0 {
		var err error
		if res, err = s.st.PutBatch(ctx, ms); err != nil {
			return 0, 0, err
		}
	}
	for i, r := range res {
		switch {
		case r.Err == nil:
		case r.Duplicate:
			fresh[i].dup = true // stored meanwhile through another path
		default:
			fresh[i].dup, fresh[i].bad = true, true
			s.cfg.Counters.Rejected.Add(1)
			s.cfg.Logf("server: measurement refused: %v", r.Err)
		}
	}
	for _, it := range late {
		// Put of a stored measurement returns its id with ErrDuplicate.
		if id, err := s.st.Put(ctx, &it.m); errors.Is(err, store.ErrDuplicate) {
			if err := s.st.SetLedgerIndex(ctx, id, it.m.LedgerIndex); err != nil {
				return 0, 0, err
			}
		}
	}
	for _, it := range items {
		switch {
		case it.bad:
		case it.dup:
			dups++
			accepted++
		default:
			accepted++
		}
	}
	done := time.Now()
	newN := 0
	for _, it := range fresh {
		if it.dup {
			continue
		}
		newN++
		s.cfg.Counters.Latency.Observe(done.Sub(it.m.Measured))
		if h := s.cfg.OnMeasurement; h != nil {
			h(&Measurement{User: it.m.User, SystemID: it.m.SystemID, Kind: it.kind, Seq: it.m.Seq, Measured: it.m.Measured, Values: it.values})
		}
	}
	s.cfg.Counters.Stored.Add(int64(newN))
	s.cfg.Counters.Duplicates.Add(int64(dups))
	return accepted, dups, nil
}

// verify opens one entry and turns it into a measurement.
func (s *Server) verify(e *wire.Entry, now time.Time, obs *[]ieee11073.Observation, plain *[]byte) (*item, error) {
	h, err := bmsig.ParseHeader(e.Body)
	if err != nil {
		return nil, err
	}
	if h.Device != deviceOf(e.Origin) {
		return nil, fmt.Errorf("server: sealed device %x is not the origin %x", h.Device, e.Origin)
	}
	u, err := s.cfg.Keys.Lookup(h.User)
	if err != nil {
		return nil, err
	}
	// Replays are refused by the store's unique (user, device, seq); the receiver here
	// authenticates and checks freshness.
	r, err := bmsig.NewReceiver(bmsig.ReceiverConfig{MaxAge: 24 * time.Hour, MaxSkew: time.Minute})
	if err != nil {
		return nil, err
	}
	*plain, h, err = r.Open((*plain)[:0], e.Body, u.Key, &u.Sig, now)
	if err != nil {
		return nil, err
	}
	kind, ok := phd.KindOf(ieee11073.ConfigID(e.ConfigID))
	if !ok {
		return nil, fmt.Errorf("server: unknown configuration %#04x", e.ConfigID)
	}
	*obs, err = phd.Decode((*obs)[:0], ieee11073.ConfigID(e.ConfigID), *plain)
	if err != nil {
		return nil, err
	}
	s.sawDevice(e.Origin, kind)
	m, values, err := phd.Measurement(h, e.Origin, ieee11073.ConfigID(e.ConfigID), time.Unix(0, e.Received), e.Body, *obs)
	if err != nil {
		return nil, err
	}
	it := &item{kind: kind, m: *m, values: values}
	return it, nil
}

func deviceOf(id [8]byte) uint64 {
	var d uint64
	for _, b := range id {
		d = d<<8 | uint64(b)
	}
	return d
}

// Close stops serving and closes the ledger and the store.
func (s *Server) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.err = errors.Join(s.links.Shutdown(ctx), s.direct.Shutdown(ctx), s.led.Close(), s.st.Close())
	})
	return s.err
}

// ProveStored checks that the stored measurement (user, device, seq) is in the ledger: it
// fetches the latest signed checkpoint and an inclusion proof for the measurement's ledger
// index, and verifies the proof against the checkpoint's root with the stored digest.
func (s *Server) ProveStored(ctx context.Context, user uint64, systemID [8]byte, seq uint64) (ledger.Checkpoint, error) {
	m, err := s.st.Get(ctx, user, systemID, seq)
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	if !m.Ledgered {
		return ledger.Checkpoint{}, fmt.Errorf("server: measurement %d/%x/%d has no ledger index", user, systemID, seq)
	}
	cp, err := s.led.Checkpoint(ctx)
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	p, err := s.led.InclusionProof(ctx, m.LedgerIndex, cp.Size)
	if err != nil {
		return cp.Checkpoint, err
	}
	return cp.Checkpoint, p.Verify(m.Digest, cp.Root)
}
