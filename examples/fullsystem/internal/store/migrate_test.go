package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSQLiteUpgradeV1 makes a database of schema version 1 with one measurement in it,
// opens it with the current program and finds it upgraded in place, the measurement intact
// and DM commands kept.
func TestSQLiteUpgradeV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	d, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	require.NoError(t, err)
	d.SetMaxOpenConns(1)
	testUpgradeV1(t, sqlDB{d}, sqliteDialect, func() Store {
		require.NoError(t, d.Close())
		s, err := OpenSQLite(ctx, path, Config{})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestPostgresUpgradeV1 is TestSQLiteUpgradeV1 on PostgreSQL, in a schema of its own.
func TestPostgresUpgradeV1(t *testing.T) {
	dsn := os.Getenv("PHDKIT_PG_DSN")
	if dsn == "" {
		t.Skip("PHDKIT_PG_DSN is not set: no PostgreSQL server to test against")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("phdkit_test_upgrade_%d", time.Now().UnixNano()%1e12)
	pc, err := pgxpool.ParseConfig(dsn)
	require.NoError(t, err)
	pc.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	require.NoError(t, err)
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	_, err = pool.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	testUpgradeV1(t, pgDB{pool}, pgDialect, func() Store {
		pool.Close()
		s, err := OpenPostgres(ctx, dsn, Config{Schema: schema})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func testUpgradeV1(t *testing.T, d db, dl dialect, reopen func() Store) {
	ctx := context.Background()
	require.NoError(t, migrateTo(ctx, d, dl, Config{}, 1))
	at := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	m := &Measurement{User: 3, SystemID: [8]byte{0xA0, 1, 2, 3, 4, 5, 6, 7}, ConfigID: ConfigBP, Type: TypeBP, Seq: 9,
		Measured: at, Received: at.Add(time.Second), Stored: at.Add(2 * time.Second), Ledgered: true, LedgerIndex: 41}
	m.Digest[0], m.Digest[31] = 0xD1, 0x6E
	m.Observations = []Observation{
		{Metric: Metric(2, 18949), Unit: 3872, Value: "128", Float: 128, Time: at},
		{Metric: Metric(2, 18950), Unit: 3872, Value: "84.5", Float: 84.5, Time: at},
	}
	// Written with version 1's statements, as a program of that version would.
	st := dl.statements(false)
	_, err := d.exec(ctx, st.insertData, int64(m.User), m.SystemID[:], int64(m.Seq), int64(m.ConfigID), int64(m.Type),
		m.Measured.UnixNano(), m.Received.UnixNano(), m.Stored.UnixNano(), m.Digest[:], int64(m.LedgerIndex))
	require.NoError(t, err)
	var id int64
	require.NoError(t, d.queryRow(ctx, st.selectID, int64(m.User), m.SystemID[:], int64(m.Seq)).Scan(&id))
	for k, o := range m.Observations {
		_, err := d.exec(ctx, st.insertObs[TypeBP], id, int64(k), int64(o.Metric), int64(o.Unit), o.Value, o.Float, o.Time.UnixNano())
		require.NoError(t, err)
	}
	_, err = d.exec(ctx, `SELECT COUNT(*) FROM DMCommand`)
	require.Error(t, err, "a version 1 database has the DMCommand table")

	s := reopen()
	got, err := s.Get(ctx, m.User, m.SystemID, m.Seq)
	require.NoError(t, err)
	assert.Equal(t, m, got, "the measurement after the upgrade")
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	var ver int64
	switch b := s.(type) {
	case *SQLite:
		require.NoError(t, b.r.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&ver))
	case *Postgres:
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&ver))
	}
	assert.Equal(t, int64(schemaVersion), ver)
	c := DMCommand{Ref: "r-1", Device: "urn:phdkit:sysid:a001020304050607", Kind: 1, Command: "Delete ./PHD/x",
		Issued: at, Origin: m.SystemID, ConfigID: ConfigBP, Received: at, Body: []byte{1, 2, 3}}
	require.NoError(t, s.PutDMCommands(ctx, []DMCommand{c}))
	cs, err := s.DMCommands(ctx)
	require.NoError(t, err)
	assert.Equal(t, []DMCommand{c}, cs)
}
