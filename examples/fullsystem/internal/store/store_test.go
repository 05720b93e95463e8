package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store/storetest"
)

func TestSQLiteConformance(t *testing.T) {
	dir := t.TempDir()
	storetest.Run(t, func(t *testing.T, name string, cfg store.Config) (store.Store, error) {
		s, err := store.OpenSQLite(context.Background(), filepath.Join(dir, name+".db"), cfg)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { s.Close() })
		return s, nil
	})
}

// pgDSN returns the PostgreSQL server the tests use, or skips t.
func pgDSN(t testing.TB) string {
	dsn := os.Getenv("PHDKIT_PG_DSN")
	if dsn == "" {
		t.Skip("PHDKIT_PG_DSN is not set: no PostgreSQL server to test against (e.g. PHDKIT_PG_DSN=postgres://postgres@127.0.0.1:55432/postgres)")
	}
	return dsn
}

// pgSchemas opens stores in fresh schemas named prefix_name and drops them when t ends.
func pgSchemas(t testing.TB, dsn string) func(name string) string {
	prefix := fmt.Sprintf("phdkit_test_%d", time.Now().UnixNano()%1e12)
	var made []string
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop test schemas: %v", err)
			return
		}
		defer c.Close(ctx)
		for _, s := range made {
			if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+s+" CASCADE"); err != nil {
				t.Errorf("drop schema %s: %v", s, err)
			}
		}
	})
	return func(name string) string {
		s := prefix + "_" + name
		made = append(made, s)
		return s
	}
}

func TestPostgresConformance(t *testing.T) {
	dsn := pgDSN(t)
	schema := pgSchemas(t, dsn)
	storetest.Run(t, func(t *testing.T, name string, cfg store.Config) (store.Store, error) {
		cfg.Schema = schema(name)
		s, err := store.OpenPostgres(context.Background(), dsn, cfg)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { s.Close() })
		return s, nil
	})
}

func TestTypeOf(t *testing.T) {
	o := func(metric uint32) store.Observation { return store.Observation{Metric: metric, Value: "1", Float: 1} }
	sys, temp, spo2, mass := store.Metric(2, 18949), store.Metric(2, 19292), store.Metric(2, 19384), store.Metric(2, 57664)
	tests := []struct {
		name   string
		config uint16
		obs    []store.Observation
		want   store.PHDType
	}{
		{"oximeter", 0x0190, nil, store.TypeOximeter},
		{"oximeter401", 0x0191, nil, store.TypeOximeter},
		{"bp", 0x02BC, []store.Observation{o(temp)}, store.TypeBP},
		{"thermo", 0x0320, nil, store.TypeThermo},
		{"scale", 0x05DC, nil, store.TypeScale},
		{"glucose", 0x06A4, nil, store.TypeGlucose},
		{"extendedBP", 0x4000, []store.Observation{o(sys), o(store.Metric(2, 18474))}, store.TypeBP},
		{"extendedScale", 0x4000, []store.Observation{o(mass), o(store.Metric(0x80, 1))}, store.TypeScale},
		{"extendedGlucose", 0x4000, []store.Observation{o(store.Metric(2, 29116))}, store.TypeGlucose},
		{"wrist", 0x4100, []store.Observation{o(sys), o(temp), o(store.Metric(0x80, 7))}, store.TypeWrist},
		{"wristSpO2", 0x4100, []store.Observation{o(spo2), o(temp)}, store.TypeWrist},
		{"mixedNotVital", 0x4100, []store.Observation{o(mass), o(store.Metric(2, 29112))}, store.TypeOther},
		{"unknown", 0x4100, []store.Observation{o(store.Metric(2, 1))}, store.TypeOther},
		{"empty", 0x1234, nil, store.TypeOther},
		{"otherPartition", 0x4100, []store.Observation{o(store.Metric(1, 19292))}, store.TypeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.TypeOf(tt.config, tt.obs); got != tt.want {
				t.Errorf("TypeOf(%#04x, ...) = %v, want %v", tt.config, got, tt.want)
			}
		})
	}
}

func TestPHDTypeString(t *testing.T) {
	for ty := store.TypeBP; ty <= store.TypeOther; ty++ {
		got, ok := store.ParsePHDType(ty.String())
		assert.True(t, ok)
		assert.Equal(t, ty, got)
	}
	_, ok := store.ParsePHDType("unknown")
	assert.False(t, ok)
	assert.Equal(t, "PHDType(200)", store.PHDType(200).String())
	assert.Equal(t, "hour", store.StepHour.String())
	assert.Equal(t, "Step(7)", store.Step(7).String())
}

func TestNewObservation(t *testing.T) {
	for _, v := range []string{"1", "-1", "+0.5", "120.50", "15e2", "1.5E-3", "0"} {
		_, err := store.NewObservation(1, 1, v, time.Time{})
		assert.NoError(t, err, "%q", v)
	}
	for _, v := range []string{"", "NaN", "+INF", "1.", ".5", "1e", "1e400", "0x10", " 1", "1_0", "--1"} {
		_, err := store.NewObservation(1, 1, v, time.Time{})
		assert.ErrorIs(t, err, store.ErrInvalid, "%q", v)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := store.OpenSQLite(ctx, "", store.Config{})
	assert.Error(t, err)
	_, err = store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), store.Config{})
	assert.Error(t, err)
	_, err = store.OpenPostgres(ctx, "postgres://u:secretpw@127.0.0.1:1/db", store.Config{Schema: "bad-name"})
	assert.Error(t, err)
	_, err = store.OpenPostgres(ctx, "postgres://u:secretpw@[::1/db", store.Config{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secretpw")
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = store.OpenPostgres(c, "postgres://u:secretpw@127.0.0.1:1/db?connect_timeout=2", store.Config{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secretpw")
}

func TestOpenDispatch(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.db")
	s, err := store.Open(context.Background(), "sqlite:"+p, store.Config{})
	require.NoError(t, err)
	_, ok := s.(*store.SQLite)
	assert.True(t, ok)
	require.NoError(t, s.Close())
	_, err = os.Stat(p)
	assert.NoError(t, err)
}

func TestSQLiteSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "s.db")
	s, err := store.OpenSQLite(ctx, p, store.Config{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	d, err := sql.Open("sqlite", p)
	require.NoError(t, err)
	_, err = d.Exec(`INSERT INTO schema_version (version, applied_at) VALUES (99, 0)`)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	_, err = store.OpenSQLite(ctx, p, store.Config{})
	assert.ErrorIs(t, err, store.ErrSchemaVersion)
}

// TestSQLiteTwoWriters opens the same file twice, as two processes would: both write
// overlapping measurements and each is stored once.
func TestSQLiteTwoWriters(t *testing.T) {
	p := filepath.Join(t.TempDir(), "shared.db")
	testTwoStores(t, func() store.Store {
		s, err := store.OpenSQLite(context.Background(), p, store.Config{})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestPostgresTwoPools opens the same schema through two pools, as two server processes
// would.
func TestPostgresTwoPools(t *testing.T) {
	dsn := pgDSN(t)
	schema := pgSchemas(t, dsn)("twopools")
	testTwoStores(t, func() store.Store {
		s, err := store.OpenPostgres(context.Background(), dsn, store.Config{Schema: schema})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func testTwoStores(t *testing.T, open func() store.Store) {
	a, b := open(), open()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, s := range []store.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := uint64(1); seq <= 200; seq += 10 {
				var ms []*store.Measurement
				for k := range uint64(10) {
					ms = append(ms, storetest.BP(uint64(i%2), 1, seq+k))
					ms = append(ms, storetest.BP(7, 2, seq+k)) // shared by all four
				}
				if _, err := s.PutBatch(ctx, ms); err != nil {
					t.Errorf("writer %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	n, err := a.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3*200), n)
	sa, sb := a.Stats(), b.Stats()
	assert.Equal(t, uint64(3*200), sa.Stored+sb.Stored, "each measurement stored once")
	assert.Equal(t, uint64(4*400-3*200), sa.Duplicates+sb.Duplicates)
}
