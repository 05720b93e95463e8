package store_test

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store/storetest"
)

// mixed returns a measurement of one of six PHD types (by seq), with two to five
// observations, so that with division on the writes spread over the per-type tables.
func mixed(user, dev, seq uint64) *store.Measurement {
	at := time.Unix(1_780_000_000, 0).Add(time.Duration(seq) * time.Second)
	m := &store.Measurement{User: user, SystemID: storetest.Sys(dev), Seq: seq, Measured: at, Received: at}
	o := func(code uint16, unit uint16, v string) store.Observation {
		f, _ := strconv.ParseFloat(v, 64)
		return store.Observation{Metric: store.Metric(2, code), Unit: unit, Value: v, Float: f, Time: at}
	}
	switch seq % 6 {
	case 0:
		m.ConfigID = store.ConfigBP
		m.Observations = []store.Observation{o(18949, 3872, "121"), o(18950, 3872, "79"), o(18951, 3872, "93"), o(18474, 2720, "66")}
	case 1:
		m.ConfigID = store.ConfigThermo
		m.Observations = []store.Observation{o(19292, 6048, "36.8"), o(19292, 6048, "36.9")}
	case 2:
		m.ConfigID = store.ConfigScale
		m.Observations = []store.Observation{o(57664, 1731, "71.30"), o(57668, 1297, "176.0"), o(57680, 1952, "23.0")}
	case 3:
		m.ConfigID = store.ConfigGlucose
		m.Observations = []store.Observation{o(29112, 2130, "104"), o(29112, 2130, "101")}
	case 4:
		m.ConfigID = store.ConfigOximeter
		m.Observations = []store.Observation{o(19384, 544, "98"), o(18458, 2720, "61")}
	default:
		m.ConfigID = 0x4001
		m.Observations = []store.Observation{o(18949, 3872, "131"), o(18950, 3872, "84"), o(18474, 2720, "90"), o(19292, 6048, "37.1"), o(19384, 544, "96")}
	}
	return m
}

type opener func(b *testing.B, cfg store.Config) store.Store

func benchBackends(b *testing.B, f func(b *testing.B, open opener)) {
	b.Run("sqlite", func(b *testing.B) {
		f(b, func(b *testing.B, cfg store.Config) store.Store {
			s, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "bench.db"), cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		})
	})
	b.Run("sqlite-relaxed", func(b *testing.B) {
		f(b, func(b *testing.B, cfg store.Config) store.Store {
			cfg.RelaxedSync = true
			s, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "bench.db"), cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		})
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := pgDSN(b)
		schema := pgSchemas(b, dsn)
		n := 0
		f(b, func(b *testing.B, cfg store.Config) store.Store {
			n++
			cfg.Schema = schema("bench" + strconv.Itoa(n))
			s, err := store.OpenPostgres(context.Background(), dsn, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		})
	})
}

func divisions(b *testing.B, open opener, f func(b *testing.B, s store.Store)) {
	for _, div := range []bool{true, false} {
		name := "division=on"
		if !div {
			name = "division=off"
		}
		b.Run(name, func(b *testing.B) { f(b, open(b, store.Config{NoDivision: !div})) })
	}
}

func reportRate(b *testing.B, n int64) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "meas/s")
}

// BenchmarkPutBatch writes batches of 100 new measurements of mixed types from one
// goroutine.
func BenchmarkPutBatch(b *testing.B) {
	benchBackends(b, func(b *testing.B, open opener) {
		divisions(b, open, func(b *testing.B, s store.Store) {
			ctx := context.Background()
			ms := make([]*store.Measurement, 100)
			var seq uint64
			b.ReportAllocs()
			for b.Loop() {
				for i := range ms {
					seq++
					ms[i] = mixed(seq%50, seq%200+1, seq)
				}
				if _, err := s.PutBatch(ctx, ms); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, int64(seq))
		})
	})
}

// BenchmarkPutOne writes one measurement per call from one goroutine: one transaction each.
func BenchmarkPutOne(b *testing.B) {
	benchBackends(b, func(b *testing.B, open opener) {
		divisions(b, open, func(b *testing.B, s store.Store) {
			ctx := context.Background()
			var seq uint64
			b.ReportAllocs()
			for b.Loop() {
				seq++
				if _, err := s.Put(ctx, mixed(seq%50, seq%200+1, seq)); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, int64(seq))
		})
	})
}

// BenchmarkPutParallel writes single measurements from 16 goroutines per CPU, the way a
// server's connection handlers do: SQLite commits them in groups, PostgreSQL in
// concurrent transactions. This is where per-type division could matter.
func BenchmarkPutParallel(b *testing.B) {
	benchBackends(b, func(b *testing.B, open opener) {
		divisions(b, open, func(b *testing.B, s store.Store) {
			ctx := context.Background()
			var seq, workers atomic.Uint64
			b.ReportAllocs()
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				user := workers.Add(1)
				for pb.Next() {
					q := seq.Add(1)
					if _, err := s.Put(ctx, mixed(user, q%200+1, q)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportRate(b, int64(seq.Load()))
		})
	})
}

// BenchmarkQuery reads one user's systolic values of one day from 20,000 stored
// measurements.
func BenchmarkQuery(b *testing.B) {
	benchBackends(b, func(b *testing.B, open opener) {
		divisions(b, open, func(b *testing.B, s store.Store) {
			ctx := context.Background()
			ms := make([]*store.Measurement, 0, 500)
			for seq := uint64(1); seq <= 20000; seq++ {
				ms = append(ms, mixed(seq%10, seq%40+1, seq))
				if len(ms) == cap(ms) {
					if _, err := s.PutBatch(ctx, ms); err != nil {
						b.Fatal(err)
					}
					ms = ms[:0]
				}
			}
			q := store.Query{User: 3, Metric: store.Metric(2, 18949)}
			b.ReportAllocs()
			for b.Loop() {
				rows, err := s.Query(ctx, q)
				if err != nil || len(rows) == 0 {
					b.Fatal(len(rows), err)
				}
			}
		})
	})
}
