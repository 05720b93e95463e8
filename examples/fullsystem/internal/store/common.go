package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// rows is what both database/sql and pgx give back from a query.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// db is the little of a database both backends' shared code needs.
type db interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	query(ctx context.Context, q string, args ...any) (rows, func(), error)
	queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error }
	tx(ctx context.Context, f func(db) error) error
}

// errNoRows is what queryRow's Scan returns for no row, mapped from either driver.
var errNoRows = errors.New("store: no rows")

// sqlDB adapts database/sql.
type sqlDB struct{ d *sql.DB }

type sqlTx struct{ t *sql.Tx }

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	return err
}

func (s sqlDB) exec(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := s.d.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (s sqlDB) query(ctx context.Context, q string, args ...any) (rows, func(), error) {
	r, err := s.d.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	return r, func() { r.Close() }, nil
}

func (s sqlDB) queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	return sqlRow{s.d.QueryRowContext(ctx, q, args...)}
}

func (s sqlDB) tx(ctx context.Context, f func(db) error) error {
	t, err := s.d.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(sqlTx{t}); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}

func (s sqlTx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := s.t.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (s sqlTx) query(ctx context.Context, q string, args ...any) (rows, func(), error) {
	r, err := s.t.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	return r, func() { r.Close() }, nil
}

func (s sqlTx) queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	return sqlRow{s.t.QueryRowContext(ctx, q, args...)}
}

func (s sqlTx) tx(ctx context.Context, f func(db) error) error { return f(s) }

// migrate creates or upgrades the schema to schemaVersion and checks the division setting,
// in one transaction. lock, when not empty, is run first inside it (PostgreSQL: an
// advisory lock so that concurrent opens migrate one at a time).
func migrate(ctx context.Context, d db, dl dialect, cfg Config, lock ...string) error {
	return migrateTo(ctx, d, dl, cfg, schemaVersion, lock...)
}

// migrateTo is migrate up to schema version target (at most schemaVersion); the tests
// use it to make databases of earlier versions.
func migrateTo(ctx context.Context, d db, dl dialect, cfg Config, target int64, lock ...string) error {
	err := d.tx(ctx, func(t db) error {
		for _, q := range lock {
			if _, err := t.exec(ctx, q); err != nil {
				return err
			}
		}
		for _, q := range dl.metaTables() {
			if _, err := t.exec(ctx, q); err != nil {
				return err
			}
		}
		var v sql.NullInt64
		if err := t.queryRow(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil {
			return err
		}
		if v.Int64 > schemaVersion {
			return fmt.Errorf("%w: version %d, known %d", ErrSchemaVersion, v.Int64, schemaVersion)
		}
		ms := dl.migrations()
		for ver := v.Int64 + 1; ver <= target; ver++ {
			for _, q := range ms[ver-1] {
				if _, err := t.exec(ctx, q); err != nil {
					return fmt.Errorf("schema version %d: %w", ver, err)
				}
			}
			if _, err := t.exec(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (`+dl.param(1)+`, `+dl.param(2)+`)`,
				ver, cfg.now().UnixNano()); err != nil {
				return err
			}
		}
		want := strconv.FormatBool(!cfg.NoDivision)
		var have string
		err := t.queryRow(ctx, `SELECT value FROM store_settings WHERE name = 'division'`).Scan(&have)
		switch {
		case errors.Is(err, errNoRows):
			_, err = t.exec(ctx, `INSERT INTO store_settings (name, value) VALUES ('division', `+dl.param(1)+`)`, want)
			return err
		case err != nil:
			return err
		case have != want:
			return fmt.Errorf("%w: database has division=%s", ErrDivisionMismatch, have)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrSchemaVersion) || errors.Is(err, ErrDivisionMismatch) {
			return err
		}
		return fmt.Errorf("store: schema: %w", err)
	}
	return nil
}

func getMeasurement(ctx context.Context, d db, st *statements, noDivision bool, user uint64, sys [8]byte, seq uint64) (*Measurement, error) {
	m := &Measurement{User: user, SystemID: sys, Seq: seq}
	var id, config, typ, measured, received, stored int64
	var digest []byte
	var ledger sql.NullInt64
	err := d.queryRow(ctx, st.getData, int64(user), sys[:], int64(seq)).Scan(&id, &config, &typ, &measured, &received, &stored, &digest, &ledger)
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("%w: measurement user %d device %x seq %d", ErrNotFound, user, sys, seq)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get user %d device %x seq %d: %w", user, sys, seq, err)
	}
	m.ConfigID, m.Type = uint16(config), PHDType(typ)
	m.Measured, m.Received, m.Stored = unixTime(measured), unixTime(received), unixTime(stored)
	copy(m.Digest[:], digest)
	m.Ledgered, m.LedgerIndex = ledger.Valid, uint64(ledger.Int64)
	t := m.Type
	if noDivision || t > TypeOther {
		t = TypeUnknown
	}
	rs, closeRows, err := d.query(ctx, st.getObs[t], id)
	if err != nil {
		return nil, fmt.Errorf("store: get observations of data %d: %w", id, err)
	}
	defer closeRows()
	for rs.Next() {
		var o Observation
		var metric, unit, at int64
		if err := rs.Scan(&metric, &unit, &o.Value, &o.Float, &at); err != nil {
			return nil, fmt.Errorf("store: get observations of data %d: %w", id, err)
		}
		o.Metric, o.Unit, o.Time = uint32(metric), uint16(unit), unixTime(at)
		m.Observations = append(m.Observations, o)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: get observations of data %d: %w", id, err)
	}
	return m, nil
}

func setLedger(ctx context.Context, d db, st *statements, id int64, index uint64) error {
	n, err := d.exec(ctx, st.setLedger, int64(index), id)
	if err != nil {
		return fmt.Errorf("store: set ledger index of data %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: data %d", ErrNotFound, id)
	}
	return nil
}

func unledgered(ctx context.Context, d db, st *statements, after int64, limit int) ([]LedgerEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	rs, closeRows, err := d.query(ctx, st.unledgered, after, int64(limit))
	if err != nil {
		return nil, fmt.Errorf("store: unledgered after %d: %w", after, err)
	}
	defer closeRows()
	var out []LedgerEntry
	for rs.Next() {
		var e LedgerEntry
		var user, seq int64
		var sys, digest []byte
		if err := rs.Scan(&e.ID, &user, &sys, &seq, &digest); err != nil {
			return nil, fmt.Errorf("store: unledgered after %d: %w", after, err)
		}
		e.User, e.Seq = uint64(user), uint64(seq)
		copy(e.SystemID[:], sys)
		copy(e.Digest[:], digest)
		out = append(out, e)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: unledgered after %d: %w", after, err)
	}
	return out, nil
}

func putDevice(ctx context.Context, d db, st *statements, dev DeviceInfo) error {
	if dev.SystemID == ([8]byte{}) {
		return fmt.Errorf("%w: device SystemID is zero", ErrInvalid)
	}
	if len(dev.Model) > 256 {
		return fmt.Errorf("%w: device Model longer than 256 bytes", ErrInvalid)
	}
	first, last := dev.FirstSeen, dev.LastSeen
	if first.IsZero() {
		first = last
	}
	if last.IsZero() {
		last = first
	}
	err := d.tx(ctx, func(t db) error {
		if _, err := t.exec(ctx, st.upsertDevice, dev.SystemID[:], int64(dev.ConfigID), int64(dev.User), dev.Model,
			first.UnixNano(), last.UnixNano()); err != nil {
			return err
		}
		_, err := t.exec(ctx, st.insertMap, int64(dev.User), dev.SystemID[:])
		return err
	})
	if err != nil {
		return fmt.Errorf("store: put device %x: %w", dev.SystemID, err)
	}
	return nil
}

func scanDevice(r interface{ Scan(...any) error }) (DeviceInfo, error) {
	var d DeviceInfo
	var sys []byte
	var config, user, first, last int64
	if err := r.Scan(&sys, &config, &user, &d.Model, &first, &last); err != nil {
		return d, err
	}
	copy(d.SystemID[:], sys)
	d.ConfigID, d.User = uint16(config), uint64(user)
	d.FirstSeen, d.LastSeen = unixTime(first), unixTime(last)
	return d, nil
}

func getDevice(ctx context.Context, d db, st *statements, sys [8]byte) (DeviceInfo, error) {
	dev, err := scanDevice(d.queryRow(ctx, st.device, sys[:]))
	if errors.Is(err, errNoRows) {
		return DeviceInfo{}, fmt.Errorf("%w: device %x", ErrNotFound, sys)
	}
	if err != nil {
		return DeviceInfo{}, fmt.Errorf("store: device %x: %w", sys, err)
	}
	return dev, nil
}

func getDevices(ctx context.Context, d db, st *statements, user uint64) ([]DeviceInfo, error) {
	out, err := listDevices(ctx, d, st.devices, int64(user))
	if err != nil {
		return nil, fmt.Errorf("store: devices of user %d: %w", user, err)
	}
	return out, nil
}

func allDevices(ctx context.Context, d db, st *statements) ([]DeviceInfo, error) {
	out, err := listDevices(ctx, d, st.allDevices)
	if err != nil {
		return nil, fmt.Errorf("store: all devices: %w", err)
	}
	return out, nil
}

// listDevices returns the DeviceInfo rows query q selects.
func listDevices(ctx context.Context, d db, q string, args ...any) ([]DeviceInfo, error) {
	rs, closeRows, err := d.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer closeRows()
	var out []DeviceInfo
	for rs.Next() {
		dev, err := scanDevice(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, dev)
	}
	return out, rs.Err()
}

func query(ctx context.Context, d db, dl dialect, noDivision bool, q *Query) ([]Row, error) {
	text, args := dl.querySQL(noDivision, q)
	rs, closeRows, err := d.query(ctx, text, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query user %d: %w", q.User, err)
	}
	defer closeRows()
	var out []Row
	for rs.Next() {
		var r Row
		var id, user, seq, typ, metric, unit, at int64
		var sys []byte
		if err := rs.Scan(&id, &user, &sys, &seq, &typ, &metric, &unit, &r.Value, &r.Float, &at); err != nil {
			return nil, fmt.Errorf("store: query user %d: %w", q.User, err)
		}
		r.DataID, r.User, r.Seq, r.Type = id, uint64(user), uint64(seq), PHDType(typ)
		copy(r.SystemID[:], sys)
		r.Metric, r.Unit, r.Time = uint32(metric), uint16(unit), unixTime(at)
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: query user %d: %w", q.User, err)
	}
	return out, nil
}

func aggregate(ctx context.Context, d db, dl dialect, noDivision bool, q *Query, step Step) ([]Bucket, error) {
	ns, err := step.nanos()
	if err != nil {
		return nil, err
	}
	if q.Offset%time.Minute != 0 || q.Offset <= -24*time.Hour || q.Offset >= 24*time.Hour {
		return nil, fmt.Errorf("store: aggregate: Query.Offset must be whole minutes within ±24h")
	}
	text, args := dl.aggregateSQL(noDivision, q, ns)
	rs, closeRows, err := d.query(ctx, text, args...)
	if err != nil {
		return nil, fmt.Errorf("store: aggregate user %d: %w", q.User, err)
	}
	defer closeRows()
	var out []Bucket
	for rs.Next() {
		var b Bucket
		var start, metric, unit int64
		if err := rs.Scan(&start, &metric, &unit, &b.Min, &b.Max, &b.Mean, &b.Count); err != nil {
			return nil, fmt.Errorf("store: aggregate user %d: %w", q.User, err)
		}
		b.Start, b.Metric, b.Unit = unixTime(start), uint32(metric), uint16(unit)
		out = append(out, b)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: aggregate user %d: %w", q.User, err)
	}
	return out, nil
}

// dmNanos is t in Unix nanoseconds, 0 for the zero time.
func dmNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// dmTime is the time of dmNanos's ns.
func dmTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return unixTime(ns)
}

// checkDMCommand validates c. Errors wrap ErrInvalid and name the field and the command's
// index, never the command's text or message.
func checkDMCommand(i int, c *DMCommand) error {
	switch {
	case c.Ref == "" || len(c.Ref) > 64:
		return fmt.Errorf("%w: DM command %d: Ref must be 1 to 64 bytes", ErrInvalid, i)
	case len(c.Device) > 256:
		return fmt.Errorf("%w: DM command %d: Device longer than 256 bytes", ErrInvalid, i)
	case c.Issued.IsZero():
		return fmt.Errorf("%w: DM command %d: Issued is zero", ErrInvalid, i)
	case len(c.Body) == 0:
		return fmt.Errorf("%w: DM command %d: Body is empty", ErrInvalid, i)
	}
	return nil
}

func putDMCommands(ctx context.Context, d db, st *statements, cmds []DMCommand) error {
	seen := make(map[string]bool, len(cmds))
	for i := range cmds {
		if err := checkDMCommand(i, &cmds[i]); err != nil {
			return err
		}
		if seen[cmds[i].Ref] {
			return fmt.Errorf("%w: DM command %d: reference %q repeated", ErrDuplicate, i, cmds[i].Ref)
		}
		seen[cmds[i].Ref] = true
	}
	if len(cmds) == 0 {
		return nil
	}
	var dup error
	err := d.tx(ctx, func(t db) error {
		for i := range cmds {
			c := &cmds[i]
			n, err := t.exec(ctx, st.insertDM, c.Ref, c.Device, int64(c.Kind), c.Command, c.Issued.UnixNano(),
				c.Origin[:], int64(c.ConfigID), dmNanos(c.Received), c.Body)
			if err != nil {
				return fmt.Errorf("DM command %q: %w", c.Ref, err)
			}
			if n == 0 {
				dup = fmt.Errorf("%w: DM command %q is already stored", ErrDuplicate, c.Ref)
				return dup
			}
		}
		return nil
	})
	if dup != nil && errors.Is(err, ErrDuplicate) {
		return dup
	}
	if err != nil {
		return fmt.Errorf("store: put DM commands: %w", err)
	}
	return nil
}

func setDMStatuses(ctx context.Context, d db, st *statements, sts []DMStatus) ([]bool, error) {
	for i := range sts {
		if sts[i].Code == 0 {
			return nil, fmt.Errorf("%w: DM status %d: Code is 0", ErrInvalid, i)
		}
		if sts[i].Answered.IsZero() {
			return nil, fmt.Errorf("%w: DM status %d: Answered is zero", ErrInvalid, i)
		}
	}
	recorded := make([]bool, len(sts))
	if len(sts) == 0 {
		return recorded, nil
	}
	// Rows are locked in reference order, so that concurrent calls cannot deadlock.
	order := make([]int, len(sts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sts[order[a]].Ref < sts[order[b]].Ref })
	err := d.tx(ctx, func(t db) error {
		for _, i := range order {
			s := &sts[i]
			n, err := t.exec(ctx, st.setDMStatus, int64(s.Code), s.Answered.UnixNano(), s.Ref)
			if err != nil {
				return fmt.Errorf("DM status of %q: %w", s.Ref, err)
			}
			recorded[i] = n > 0
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: set DM statuses: %w", err)
	}
	return recorded, nil
}

func dmCommands(ctx context.Context, d db, st *statements) ([]DMCommand, error) {
	rs, closeRows, err := d.query(ctx, st.dmCommands)
	if err != nil {
		return nil, fmt.Errorf("store: DM commands: %w", err)
	}
	defer closeRows()
	var out []DMCommand
	for rs.Next() {
		var c DMCommand
		var kind, issued, config, received, status, answered int64
		var origin []byte
		if err := rs.Scan(&c.Ref, &c.Device, &kind, &c.Command, &issued, &origin, &config, &received, &c.Body, &status, &answered); err != nil {
			return nil, fmt.Errorf("store: DM commands: %w", err)
		}
		c.Kind, c.ConfigID, c.Status = uint8(kind), uint16(config), uint16(status)
		copy(c.Origin[:], origin)
		c.Issued, c.Received, c.Answered = unixTime(issued), dmTime(received), dmTime(answered)
		out = append(out, c)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: DM commands: %w", err)
	}
	return out, nil
}
