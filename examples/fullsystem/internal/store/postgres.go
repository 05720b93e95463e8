package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is a Store in a PostgreSQL database through a pgx connection pool. PutBatch
// writes a whole batch in one transaction of three round trips: the DataInfo rows
// (pipelined, ON CONFLICT DO NOTHING), then per DataReportingInfo table one multi-row
// INSERT of unnest()ed arrays together with the DeviceInfo and Mapping upserts, then the
// commit. Batches are written in (user, device, seq) order and devices in system-id order
// so that concurrent batches cannot deadlock; a transaction that still fails with a
// deadlock or serialization error is retried.
type Postgres struct {
	cfg    Config
	st     statements
	pool   *pgxpool.Pool
	closed atomic.Bool

	insertReturning string // DataInfo insert giving the new id

	stored, dups, rejected atomic.Uint64
}

var _ Store = (*Postgres)(nil)

// OpenPostgres connects to the PostgreSQL database of dsn ("postgres://user@host:port/db"
// or key=value form), creating or migrating the schema in Config.Schema.
func OpenPostgres(ctx context.Context, dsn string, cfg Config) (*Postgres, error) {
	if cfg.Schema == "" {
		cfg.Schema = "public"
	}
	if err := validSchemaName(cfg.Schema); err != nil {
		return nil, err
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 8
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors may quote the DSN, password included: keep them out.
		return nil, errors.New("store: postgres: cannot parse the connection string")
	}
	pc.MaxConns = cfg.MaxConns
	pc.ConnConfig.RuntimeParams["search_path"] = cfg.Schema
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	p := &Postgres{cfg: cfg, st: pgDialect.statements(cfg.NoDivision), pool: pool}
	p.insertReturning = p.st.insertData + ` RETURNING id`
	if _, err := pool.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+cfg.Schema); err != nil {
		var pe *pgconn.PgError
		// Concurrent creators race on the catalog; the schema exists either way.
		if !errors.As(err, &pe) || pe.Code != "23505" {
			pool.Close()
			return nil, fmt.Errorf("store: postgres: create schema: %w", err)
		}
	}
	if err := migrate(ctx, pgDB{pool}, pgDialect, cfg, `SELECT pg_advisory_xact_lock(7072690010)`); err != nil {
		pool.Close()
		return nil, err
	}
	return p, nil
}

// pgDB adapts a pgx pool or transaction.
type pgDB struct {
	q interface {
		Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
		Query(context.Context, string, ...any) (pgx.Rows, error)
		QueryRow(context.Context, string, ...any) pgx.Row
		Begin(context.Context) (pgx.Tx, error)
	}
}

type pgRow struct{ r pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	}
	return err
}

func (p pgDB) exec(ctx context.Context, q string, args ...any) (int64, error) {
	t, err := p.q.Exec(ctx, q, args...)
	return t.RowsAffected(), err
}

func (p pgDB) query(ctx context.Context, q string, args ...any) (rows, func(), error) {
	r, err := p.q.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	return r, r.Close, nil
}

func (p pgDB) queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	return pgRow{p.q.QueryRow(ctx, q, args...)}
}

func (p pgDB) tx(ctx context.Context, f func(db) error) error {
	return pgx.BeginFunc(ctx, p.q, func(t pgx.Tx) error { return f(pgDB{t}) })
}

// Put implements Store.
func (p *Postgres) Put(ctx context.Context, m *Measurement) (int64, error) {
	res, err := p.PutBatch(ctx, []*Measurement{m})
	if err != nil {
		return 0, err
	}
	return res[0].ID, res[0].Err
}

// PutBatch implements Store.
func (p *Postgres) PutBatch(ctx context.Context, ms []*Measurement) ([]PutResult, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := make([]PutResult, len(ms))
	var ps []prepared
	var idx []int
	for i, m := range ms {
		pr, err := prepare(m)
		if err != nil {
			res[i].Err = err
			p.rejected.Add(1)
			continue
		}
		ps = append(ps, pr)
		idx = append(idx, i)
	}
	if len(ps) == 0 {
		return res, nil
	}
	order := make([]int, len(ps))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := ps[order[a]].m, ps[order[b]].m
		if x.User != y.User {
			return x.User < y.User
		}
		if c := compareID(x.SystemID, y.SystemID); c != 0 {
			return c < 0
		}
		return x.Seq < y.Seq
	})
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = p.writeTx(ctx, ps, order, idx, res)
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || (pe.Code != "40P01" && pe.Code != "40001") {
			break
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	for _, i := range idx {
		if res[i].Duplicate {
			p.dups.Add(1)
		} else {
			p.stored.Add(1)
		}
	}
	return res, nil
}

// obsColumns are the unnest() arrays of one DataReportingInfo table.
type obsColumns struct {
	dataID, ord, metric, unit, at []int64
	value                         []string
	f64                           []float64
}

func (p *Postgres) writeTx(ctx context.Context, ps []prepared, order, idx []int, res []PutResult) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		now := p.cfg.now().UnixNano()
		b := &pgx.Batch{}
		for _, k := range order {
			pr := &ps[k]
			m := pr.m
			var ledger any
			if m.Ledgered {
				ledger = int64(m.LedgerIndex)
			}
			b.Queue(p.insertReturning, int64(m.User), m.SystemID[:], int64(m.Seq), int64(m.ConfigID), int64(pr.typ),
				pr.measured, pr.received, now, m.Digest[:], ledger)
		}
		br := tx.SendBatch(ctx, b)
		for _, k := range order {
			r := &res[idx[k]]
			r.ID, r.Duplicate, r.Err = 0, false, nil
			err := br.QueryRow().Scan(&r.ID)
			if errors.Is(err, pgx.ErrNoRows) {
				r.Duplicate, r.Err = true, ErrDuplicate
				continue
			}
			if err != nil {
				br.Close()
				m := ps[k].m
				return fmt.Errorf("store: measurement user %d device %x seq %d: %w", m.User, m.SystemID, m.Seq, err)
			}
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("store: insert DataInfo: %w", err)
		}

		b = &pgx.Batch{}
		var dupOrder []int
		cols := map[string]*obsColumns{}
		devs := map[devKey]*DeviceInfo{}
		for _, k := range order {
			pr := &ps[k]
			m := pr.m
			r := &res[idx[k]]
			if r.Duplicate {
				b.Queue(p.st.selectID, int64(m.User), m.SystemID[:], int64(m.Seq))
				dupOrder = append(dupOrder, k)
				continue
			}
			tab := driTable(p.cfg.NoDivision, pr.typ)
			c := cols[tab]
			if c == nil {
				c = &obsColumns{}
				cols[tab] = c
			}
			for j := range m.Observations {
				o := &m.Observations[j]
				c.dataID = append(c.dataID, r.ID)
				c.ord = append(c.ord, int64(j))
				c.metric = append(c.metric, int64(o.Metric))
				c.unit = append(c.unit, int64(o.Unit))
				c.value = append(c.value, o.Value)
				c.f64 = append(c.f64, o.Float)
				c.at = append(c.at, pr.obsTime[j])
			}
			noteDevice(devs, pr)
		}
		tabs := make([]string, 0, len(cols))
		for t := range cols {
			tabs = append(tabs, t)
		}
		sort.Strings(tabs)
		for _, t := range tabs {
			c := cols[t]
			b.Queue(`INSERT INTO `+t+` (data_id, ord, metric, unit, value, value_f64, measured_at)
				SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::float8[], $7::bigint[])`,
				c.dataID, c.ord, c.metric, c.unit, c.value, c.f64, c.at)
		}
		for _, d := range sortedDevices(devs) {
			b.Queue(p.st.upsertDevice, d.SystemID[:], int64(d.ConfigID), int64(d.User), d.Model, d.FirstSeen.UnixNano(), d.LastSeen.UnixNano())
			b.Queue(p.st.insertMap, int64(d.User), d.SystemID[:])
		}
		if b.Len() == 0 {
			return nil
		}
		br = tx.SendBatch(ctx, b)
		for _, k := range dupOrder {
			if err := br.QueryRow().Scan(&res[idx[k]].ID); err != nil {
				br.Close()
				m := ps[k].m
				return fmt.Errorf("store: duplicate user %d device %x seq %d: %w", m.User, m.SystemID, m.Seq, err)
			}
		}
		for _, t := range tabs {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return fmt.Errorf("store: insert %s: %w", strings.ToLower(t), err)
			}
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("store: device upsert: %w", err)
		}
		return nil
	})
}

// Get implements Store.
func (p *Postgres) Get(ctx context.Context, user uint64, systemID [8]byte, seq uint64) (*Measurement, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	return getMeasurement(ctx, pgDB{p.pool}, &p.st, p.cfg.NoDivision, user, systemID, seq)
}

// SetLedgerIndex implements Store.
func (p *Postgres) SetLedgerIndex(ctx context.Context, id int64, index uint64) error {
	if p.closed.Load() {
		return ErrClosed
	}
	return setLedger(ctx, pgDB{p.pool}, &p.st, id, index)
}

// Unledgered implements Store.
func (p *Postgres) Unledgered(ctx context.Context, after int64, limit int) ([]LedgerEntry, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	return unledgered(ctx, pgDB{p.pool}, &p.st, after, limit)
}

// PutDevice implements Store.
func (p *Postgres) PutDevice(ctx context.Context, d DeviceInfo) error {
	if p.closed.Load() {
		return ErrClosed
	}
	return putDevice(ctx, pgDB{p.pool}, &p.st, d)
}

// Device implements Store.
func (p *Postgres) Device(ctx context.Context, systemID [8]byte) (DeviceInfo, error) {
	if p.closed.Load() {
		return DeviceInfo{}, ErrClosed
	}
	return getDevice(ctx, pgDB{p.pool}, &p.st, systemID)
}

// Devices implements Store.
func (p *Postgres) Devices(ctx context.Context, user uint64) ([]DeviceInfo, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	return getDevices(ctx, pgDB{p.pool}, &p.st, user)
}

// AllDevices implements Store.
func (p *Postgres) AllDevices(ctx context.Context) ([]DeviceInfo, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	return allDevices(ctx, pgDB{p.pool}, &p.st)
}

// Count implements Store.
func (p *Postgres) Count(ctx context.Context) (int64, error) {
	if p.closed.Load() {
		return 0, ErrClosed
	}
	var n int64
	if err := p.pool.QueryRow(ctx, p.st.count).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count: %w", err)
	}
	return n, nil
}

// Query implements Store.
func (p *Postgres) Query(ctx context.Context, q Query) ([]Row, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	return query(ctx, pgDB{p.pool}, pgDialect, p.cfg.NoDivision, &q)
}

// Aggregate implements Store.
func (p *Postgres) Aggregate(ctx context.Context, q Query, step Step) ([]Bucket, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	return aggregate(ctx, pgDB{p.pool}, pgDialect, p.cfg.NoDivision, &q, step)
}

// PutDMCommands implements Store.
func (p *Postgres) PutDMCommands(ctx context.Context, cmds []DMCommand) error {
	if p.closed.Load() {
		return ErrClosed
	}
	return putDMCommands(ctx, pgDB{p.pool}, &p.st, cmds)
}

// SetDMStatuses implements Store.
func (p *Postgres) SetDMStatuses(ctx context.Context, sts []DMStatus) ([]bool, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	return setDMStatuses(ctx, pgDB{p.pool}, &p.st, sts)
}

// DMCommands implements Store.
func (p *Postgres) DMCommands(ctx context.Context) ([]DMCommand, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	return dmCommands(ctx, pgDB{p.pool}, &p.st)
}

// Stats implements Store.
func (p *Postgres) Stats() Stats {
	return Stats{Stored: p.stored.Load(), Duplicates: p.dups.Load(), Rejected: p.rejected.Load()}
}

// Close implements Store: it waits for the pool's connections to be released, then closes
// them.
func (p *Postgres) Close() error {
	if p.closed.CompareAndSwap(false, true) {
		p.pool.Close()
	}
	return nil
}
