package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// SQLite is a Store in one SQLite file (modernc.org/sqlite, pure Go) in WAL mode. One writer
// goroutine owns the only writing connection: it takes the waiting Put and PutBatch calls
// together into one transaction (group commit, at most Config.MaxBatch measurements) with
// prepared statements, so that many concurrent callers share each commit. Reads use a
// separate pool of read-only connections and never wait for the writer.
type SQLite struct {
	cfg   Config
	st    statements
	w     *sql.DB // one connection, owned by the writer goroutine
	r     *sql.DB // readers
	stmts sqliteStmts

	reqs    chan *writeReq
	quit    chan struct{}
	done    chan struct{}
	closing sync.Once
	closed  atomic.Bool

	stored, dups, rejected atomic.Uint64
}

// maxObsRows is the most observation rows one prepared INSERT writes.
const maxObsRows = 8

type sqliteStmts struct {
	insertData, selectID, upsertDevice, insertMap *sql.Stmt
	// insertObs[t][n] inserts n observation rows of type t (all types share the table
	// without division).
	insertObs [TypeOther + 1][maxObsRows + 1]*sql.Stmt
}

// writeReq is one Put or PutBatch handed to the writer goroutine.
type writeReq struct {
	ctx  context.Context
	ps   []prepared
	idx  []int // position of ps[k] in res
	res  []PutResult
	done chan error // buffered; receives exactly once
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens or creates the SQLite store in file path, creating or migrating its
// schema.
func OpenSQLite(ctx context.Context, path string, cfg Config) (*SQLite, error) {
	if path == "" {
		return nil, errors.New("store: empty SQLite path")
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1024
	}
	sync := "FULL"
	if cfg.RelaxedSync {
		sync = "NORMAL"
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	wdsn := base + "?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(" + sync + ")"
	w, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &SQLite{cfg: cfg, w: w, st: sqliteDialect.statements(cfg.NoDivision)}
	if err := s.init(ctx); err != nil {
		w.Close()
		return nil, err
	}
	rdsn := base + "?_pragma=busy_timeout(10000)&_pragma=query_only(1)"
	s.r, err = sql.Open("sqlite", rdsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	s.reqs = make(chan *writeReq)
	s.quit = make(chan struct{})
	s.done = make(chan struct{})
	go s.writer()
	return s, nil
}

func (s *SQLite) init(ctx context.Context) error {
	if err := migrate(ctx, sqlDB{s.w}, sqliteDialect, s.cfg); err != nil {
		return err
	}
	prep := func(q string) (*sql.Stmt, error) {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("store: prepare: %w", err)
		}
		return st, nil
	}
	var err error
	if s.stmts.insertData, err = prep(s.st.insertData); err != nil {
		return err
	}
	if s.stmts.selectID, err = prep(s.st.selectID); err != nil {
		return err
	}
	if s.stmts.upsertDevice, err = prep(s.st.upsertDevice); err != nil {
		return err
	}
	if s.stmts.insertMap, err = prep(s.st.insertMap); err != nil {
		return err
	}
	for t := TypeUnknown; t <= TypeOther; t++ {
		if s.cfg.NoDivision && t != TypeUnknown || !s.cfg.NoDivision && t == TypeUnknown {
			continue
		}
		for n := 1; n <= maxObsRows; n++ {
			q := sqliteDialect.insertObsRows(driTable(s.cfg.NoDivision, t), n)
			if s.stmts.insertObs[t][n], err = prep(q); err != nil {
				return err
			}
		}
	}
	return nil
}

// Put implements Store.
func (s *SQLite) Put(ctx context.Context, m *Measurement) (int64, error) {
	var one [1]*Measurement
	one[0] = m
	res, err := s.PutBatch(ctx, one[:])
	if err != nil {
		return 0, err
	}
	return res[0].ID, res[0].Err
}

// PutBatch implements Store.
func (s *SQLite) PutBatch(ctx context.Context, ms []*Measurement) ([]PutResult, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := make([]PutResult, len(ms))
	r := &writeReq{ctx: ctx, res: res, done: make(chan error, 1)}
	for i, m := range ms {
		p, err := prepare(m)
		if err != nil {
			res[i].Err = err
			s.rejected.Add(1)
			continue
		}
		r.ps = append(r.ps, p)
		r.idx = append(r.idx, i)
	}
	if len(r.ps) == 0 {
		return res, nil
	}
	select {
	case s.reqs <- r:
	case <-s.quit:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case err := <-r.done:
		if err != nil {
			return nil, err
		}
		return res, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// writer owns the writing connection: it gathers waiting requests into one transaction.
func (s *SQLite) writer() {
	defer close(s.done)
	var group []*writeReq
	for {
		group = group[:0]
		select {
		case r := <-s.reqs:
			group = append(group, r)
		case <-s.quit:
			return
		}
		n := len(group[0].ps)
	gather:
		for n < s.cfg.MaxBatch {
			select {
			case r := <-s.reqs:
				group = append(group, r)
				n += len(r.ps)
			default:
				break gather
			}
		}
		s.commitGroup(group)
	}
}

// commitGroup writes group in one transaction; if that fails, it writes each request in a
// transaction of its own so that one failure fails only its request.
func (s *SQLite) commitGroup(group []*writeReq) {
	live := group[:0:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if err := s.writeTx(live); err == nil {
		for _, r := range live {
			s.count(r)
			r.done <- nil
		}
		return
	} else if len(live) == 1 {
		live[0].done <- err
		return
	}
	for _, r := range live {
		if err := s.writeTx([]*writeReq{r}); err != nil {
			r.done <- err
			continue
		}
		s.count(r)
		r.done <- nil
	}
}

func (s *SQLite) count(r *writeReq) {
	for _, i := range r.idx {
		if r.res[i].Duplicate {
			s.dups.Add(1)
		} else {
			s.stored.Add(1)
		}
	}
}

type devKey struct {
	sys  [8]byte
	user uint64
}

func (s *SQLite) writeTx(group []*writeReq) (err error) {
	// The writer's own context: a caller's cancellation must not abort a shared commit.
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	insData := tx.StmtContext(ctx, s.stmts.insertData)
	selID := tx.StmtContext(ctx, s.stmts.selectID)
	var insObs [TypeOther + 1][maxObsRows + 1]*sql.Stmt
	args := make([]any, 0, 7*maxObsRows)
	now := s.cfg.now().UnixNano()
	devs := map[devKey]*DeviceInfo{}
	for _, r := range group {
		for k := range r.ps {
			p := &r.ps[k]
			m := p.m
			res := &r.res[r.idx[k]]
			var ledger any
			if m.Ledgered {
				ledger = int64(m.LedgerIndex)
			}
			out, err := insData.ExecContext(ctx, int64(m.User), m.SystemID[:], int64(m.Seq), int64(m.ConfigID), int64(p.typ),
				p.measured, p.received, now, m.Digest[:], ledger)
			if err != nil {
				return s.fail(err, m)
			}
			if n, _ := out.RowsAffected(); n == 0 {
				if err := selID.QueryRowContext(ctx, int64(m.User), m.SystemID[:], int64(m.Seq)).Scan(&res.ID); err != nil {
					return s.fail(err, m)
				}
				res.Duplicate, res.Err = true, ErrDuplicate
				continue
			}
			if res.ID, err = out.LastInsertId(); err != nil {
				return s.fail(err, m)
			}
			res.Duplicate, res.Err = false, nil
			t := p.typ
			if s.cfg.NoDivision {
				t = TypeUnknown
			}
			for j := 0; j < len(m.Observations); j += maxObsRows {
				n := min(maxObsRows, len(m.Observations)-j)
				if insObs[t][n] == nil {
					insObs[t][n] = tx.StmtContext(ctx, s.stmts.insertObs[t][n])
				}
				args = args[:0]
				for k := j; k < j+n; k++ {
					o := &m.Observations[k]
					args = append(args, res.ID, int64(k), int64(o.Metric), int64(o.Unit), o.Value, o.Float, p.obsTime[k])
				}
				if _, err := insObs[t][n].ExecContext(ctx, args...); err != nil {
					return s.fail(err, m)
				}
			}
			noteDevice(devs, p)
		}
	}
	if err := s.writeDevices(ctx, tx, devs); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// noteDevice folds measurement p into the DeviceInfo upserts of a transaction.
func noteDevice(devs map[devKey]*DeviceInfo, p *prepared) {
	m := p.m
	k := devKey{m.SystemID, m.User}
	d := devs[k]
	if d == nil {
		t := unixTime(p.measured)
		devs[k] = &DeviceInfo{SystemID: m.SystemID, ConfigID: m.ConfigID, User: m.User, Model: m.Model, FirstSeen: t, LastSeen: t}
		return
	}
	t := unixTime(p.measured)
	if t.Before(d.FirstSeen) {
		d.FirstSeen = t
	}
	if t.After(d.LastSeen) {
		d.LastSeen = t
	}
	d.ConfigID = m.ConfigID
	if m.Model != "" {
		d.Model = m.Model
	}
}

// sortedDevices returns the upserts ordered by system id and user, the lock order every
// transaction follows.
func sortedDevices(devs map[devKey]*DeviceInfo) []*DeviceInfo {
	out := make([]*DeviceInfo, 0, len(devs))
	for _, d := range devs {
		out = append(out, d)
	}
	sort.Slice(out, func(a, b int) bool {
		if c := compareID(out[a].SystemID, out[b].SystemID); c != 0 {
			return c < 0
		}
		return out[a].User < out[b].User
	})
	return out
}

func compareID(a, b [8]byte) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (s *SQLite) writeDevices(ctx context.Context, tx *sql.Tx, devs map[devKey]*DeviceInfo) error {
	if len(devs) == 0 {
		return nil
	}
	up := tx.StmtContext(ctx, s.stmts.upsertDevice)
	mp := tx.StmtContext(ctx, s.stmts.insertMap)
	for _, d := range sortedDevices(devs) {
		if _, err := up.ExecContext(ctx, d.SystemID[:], int64(d.ConfigID), int64(d.User), d.Model,
			d.FirstSeen.UnixNano(), d.LastSeen.UnixNano()); err != nil {
			return fmt.Errorf("store: device %x: %w", d.SystemID, err)
		}
		if _, err := mp.ExecContext(ctx, int64(d.User), d.SystemID[:]); err != nil {
			return fmt.Errorf("store: mapping of device %x: %w", d.SystemID, err)
		}
	}
	return nil
}

// fail wraps a database error of measurement m with its identifiers only.
func (s *SQLite) fail(err error, m *Measurement) error {
	return fmt.Errorf("store: measurement user %d device %x seq %d: %w", m.User, m.SystemID, m.Seq, err)
}

// Get implements Store.
func (s *SQLite) Get(ctx context.Context, user uint64, systemID [8]byte, seq uint64) (*Measurement, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return getMeasurement(ctx, sqlDB{s.r}, &s.st, s.cfg.NoDivision, user, systemID, seq)
}

// SetLedgerIndex implements Store.
func (s *SQLite) SetLedgerIndex(ctx context.Context, id int64, index uint64) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return setLedger(ctx, sqlDB{s.w}, &s.st, id, index)
}

// Unledgered implements Store.
func (s *SQLite) Unledgered(ctx context.Context, after int64, limit int) ([]LedgerEntry, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return unledgered(ctx, sqlDB{s.r}, &s.st, after, limit)
}

// PutDevice implements Store.
func (s *SQLite) PutDevice(ctx context.Context, d DeviceInfo) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return putDevice(ctx, sqlDB{s.w}, &s.st, d)
}

// Device implements Store.
func (s *SQLite) Device(ctx context.Context, systemID [8]byte) (DeviceInfo, error) {
	if s.closed.Load() {
		return DeviceInfo{}, ErrClosed
	}
	return getDevice(ctx, sqlDB{s.r}, &s.st, systemID)
}

// Devices implements Store.
func (s *SQLite) Devices(ctx context.Context, user uint64) ([]DeviceInfo, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return getDevices(ctx, sqlDB{s.r}, &s.st, user)
}

// AllDevices implements Store.
func (s *SQLite) AllDevices(ctx context.Context) ([]DeviceInfo, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return allDevices(ctx, sqlDB{s.r}, &s.st)
}

// Count implements Store.
func (s *SQLite) Count(ctx context.Context) (int64, error) {
	if s.closed.Load() {
		return 0, ErrClosed
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, s.st.count).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count: %w", err)
	}
	return n, nil
}

// Query implements Store.
func (s *SQLite) Query(ctx context.Context, q Query) ([]Row, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return query(ctx, sqlDB{s.r}, sqliteDialect, s.cfg.NoDivision, &q)
}

// Aggregate implements Store.
func (s *SQLite) Aggregate(ctx context.Context, q Query, step Step) ([]Bucket, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return aggregate(ctx, sqlDB{s.r}, sqliteDialect, s.cfg.NoDivision, &q, step)
}

// PutDMCommands implements Store.
func (s *SQLite) PutDMCommands(ctx context.Context, cmds []DMCommand) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return putDMCommands(ctx, sqlDB{s.w}, &s.st, cmds)
}

// SetDMStatuses implements Store.
func (s *SQLite) SetDMStatuses(ctx context.Context, sts []DMStatus) ([]bool, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return setDMStatuses(ctx, sqlDB{s.w}, &s.st, sts)
}

// DMCommands implements Store.
func (s *SQLite) DMCommands(ctx context.Context) ([]DMCommand, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return dmCommands(ctx, sqlDB{s.r}, &s.st)
}

// Stats implements Store.
func (s *SQLite) Stats() Stats {
	return Stats{Stored: s.stored.Load(), Duplicates: s.dups.Load(), Rejected: s.rejected.Load()}
}

// Close implements Store: it waits for the transaction under way, then closes the
// database.
func (s *SQLite) Close() error {
	var err error
	s.closing.Do(func() {
		s.closed.Store(true)
		close(s.quit)
		<-s.done
		err = errors.Join(s.r.Close(), s.w.Close())
	})
	return err
}
