// Package storetest is the conformance suite every store.Store backend passes.
//
//	func TestConformance(t *testing.T) {
//		dir := t.TempDir()
//		storetest.Run(t, func(t *testing.T, name string, cfg store.Config) (store.Store, error) {
//			s, err := store.OpenSQLite(t.Context(), filepath.Join(dir, name+".db"), cfg)
//			if err == nil {
//				t.Cleanup(func() { s.Close() })
//			}
//			return s, err
//		})
//	}
//
// The suite runs its subtests one after another; inside a subtest it calls the store from
// many goroutines.
package storetest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
)

// OpenFunc opens the store called name with configuration cfg. The same name within one Run
// must open the same database (the suite closes a store and opens it again to check
// persistence and the division setting); a name not opened before must give an empty
// store. On success OpenFunc registers the store's Close with t.Cleanup; the suite may
// close it earlier.
type OpenFunc func(t *testing.T, name string, cfg store.Config) (store.Store, error)

func mustOpen(t *testing.T, open OpenFunc, name string, cfg store.Config) store.Store {
	t.Helper()
	s, err := open(t, name, cfg)
	require.NoError(t, err, "open %s", name)
	return s
}

// Metric codes used by the suite (partition SCADA).
var (
	mSys   = store.Metric(2, 18949) // MDC_PRESS_BLD_NONINV_SYS
	mDia   = store.Metric(2, 18950) // MDC_PRESS_BLD_NONINV_DIA
	mPulse = store.Metric(2, 18474) // MDC_PULS_RATE_NON_INV
	mTemp  = store.Metric(2, 19292) // MDC_TEMP_BODY
	mMass  = store.Metric(2, 57664) // MDC_MASS_BODY_ACTUAL
	mSpO2  = store.Metric(2, 19384) // MDC_PULS_OXIM_SAT_O2
	mGlu   = store.Metric(2, 29112) // MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD
)

// base is the time of the suite's first measurement.
var base = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// Run runs the conformance suite against the backend open gives.
func Run(t *testing.T, open OpenFunc) {
	for _, div := range []bool{true, false} {
		name := "division"
		if !div {
			name = "nodivision"
		}
		cfg := store.Config{NoDivision: !div}
		t.Run(name, func(t *testing.T) {
			o := func(t *testing.T, sub string) store.Store { return mustOpen(t, open, name+"_"+sub, cfg) }
			t.Run("PutGet", func(t *testing.T) { testPutGet(t, o(t, "putget")) })
			t.Run("Types", func(t *testing.T) { testTypes(t, o(t, "types")) })
			t.Run("Duplicate", func(t *testing.T) { testDuplicate(t, o(t, "dup")) })
			t.Run("ConcurrentDuplicates", func(t *testing.T) { testConcurrent(t, o(t, "conc")) })
			t.Run("BatchMixed", func(t *testing.T) { testBatchMixed(t, o(t, "batch")) })
			t.Run("Invalid", func(t *testing.T) { testInvalid(t, o(t, "invalid")) })
			t.Run("Devices", func(t *testing.T) { testDevices(t, o(t, "devices")) })
			t.Run("AllDevices", func(t *testing.T) { testAllDevices(t, o(t, "alldevices")) })
			t.Run("Query", func(t *testing.T) { testQuery(t, o(t, "query")) })
			t.Run("Aggregate", func(t *testing.T) { testAggregate(t, o(t, "agg")) })
			t.Run("Ledger", func(t *testing.T) { testLedger(t, o(t, "ledger")) })
			t.Run("Cancel", func(t *testing.T) { testCancel(t, o(t, "cancel")) })
			t.Run("Reopen", func(t *testing.T) {
				testReopen(t, func() store.Store { return mustOpen(t, open, name+"_reopen", cfg) })
			})
			t.Run("DMCommands", func(t *testing.T) { testDMCommands(t, o(t, "dm")) })
			t.Run("DMConcurrentStatuses", func(t *testing.T) { testDMConcurrent(t, o(t, "dmconc")) })
			t.Run("DMReopen", func(t *testing.T) {
				testDMReopen(t, func() store.Store { return mustOpen(t, open, name+"_dmreopen", cfg) })
			})
			t.Run("DivisionMismatch", func(t *testing.T) {
				s := mustOpen(t, open, name+"_mismatch", cfg)
				require.NoError(t, s.Close())
				s, err := open(t, name+"_mismatch", store.Config{NoDivision: div})
				if err == nil {
					s.Close()
				}
				require.ErrorIs(t, err, store.ErrDivisionMismatch)
				s = mustOpen(t, open, name+"_mismatch", cfg)
				require.NoError(t, s.Close())
			})
		})
	}
}

// Sys returns a system id for device number n.
func Sys(n uint64) [8]byte {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], 0xA0B0C0D000000000|n)
	return s
}

func obs(t *testing.T, metric uint32, unit uint16, value string, at time.Time) store.Observation {
	o, err := store.NewObservation(metric, unit, value, at)
	require.NoError(t, err)
	return o
}

// BP returns a blood pressure measurement of user on device dev with sequence number seq,
// measured at base + seq minutes: systolic 110+seq%30, diastolic 70+seq%20 (mmHg), pulse.
func BP(user, dev, seq uint64) *store.Measurement {
	at := base.Add(time.Duration(seq) * time.Minute)
	sys := strconv.Itoa(110 + int(seq%30))
	dia := strconv.Itoa(70 + int(seq%20))
	m := &store.Measurement{
		User: user, SystemID: Sys(dev), ConfigID: store.ConfigBP, Seq: seq,
		Measured: at, Received: at.Add(150 * time.Millisecond),
		Model: "BP-7",
	}
	binary.BigEndian.PutUint64(m.Digest[:], user)
	binary.BigEndian.PutUint64(m.Digest[8:], dev)
	binary.BigEndian.PutUint64(m.Digest[16:], seq)
	f := func(v string) float64 { x, _ := strconv.ParseFloat(v, 64); return x }
	m.Observations = []store.Observation{
		{Metric: mSys, Unit: 3872, Value: sys, Float: f(sys), Time: at},
		{Metric: mDia, Unit: 3872, Value: dia, Float: f(dia), Time: at},
		{Metric: mPulse, Unit: 2720, Value: "72", Float: 72, Time: at},
	}
	return m
}

func equalMeasurement(t *testing.T, want, got *store.Measurement) {
	t.Helper()
	assert.Equal(t, want.User, got.User)
	assert.Equal(t, want.SystemID, got.SystemID)
	assert.Equal(t, want.ConfigID, got.ConfigID)
	assert.Equal(t, want.Seq, got.Seq)
	assert.True(t, want.Measured.Equal(got.Measured), "Measured = %v, want %v", got.Measured, want.Measured)
	if !want.Received.IsZero() {
		assert.True(t, want.Received.Equal(got.Received), "Received = %v, want %v", got.Received, want.Received)
	}
	assert.Equal(t, want.Digest, got.Digest)
	assert.Equal(t, want.Ledgered, got.Ledgered)
	if want.Ledgered {
		assert.Equal(t, want.LedgerIndex, got.LedgerIndex)
	}
	require.Len(t, got.Observations, len(want.Observations))
	for i := range want.Observations {
		w, g := want.Observations[i], got.Observations[i]
		assert.Equal(t, w.Metric, g.Metric, "observation %d Metric", i)
		assert.Equal(t, w.Unit, g.Unit, "observation %d Unit", i)
		assert.Equal(t, w.Value, g.Value, "observation %d Value", i)
		assert.Equal(t, w.Float, g.Float, "observation %d Float", i)
		wt := w.Time
		if wt.IsZero() {
			wt = want.Measured
		}
		assert.True(t, wt.Equal(g.Time), "observation %d Time = %v, want %v", i, g.Time, wt)
	}
}

func testPutGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := BP(7, 1, 1)
	m.Observations[0].Value, m.Observations[0].Float = "120.50", 120.5 // trailing zero kept
	m.Observations = append(m.Observations, store.Observation{Metric: mSys, Unit: 3872, Value: "-0.000001", Float: -0.000001})
	m.Observations = append(m.Observations, store.Observation{Metric: mSys, Unit: 3872, Value: "15e2", Float: 1500})
	m.Ledgered, m.LedgerIndex = true, 1<<40
	m.Measured = m.Measured.Add(123456789) // nanoseconds survive
	before := time.Now()
	id, err := s.Put(ctx, m)
	require.NoError(t, err)
	assert.Positive(t, id)
	got, err := s.Get(ctx, 7, Sys(1), 1)
	require.NoError(t, err)
	equalMeasurement(t, m, got)
	assert.Equal(t, store.TypeBP, got.Type)
	assert.False(t, got.Stored.Before(before.Add(-time.Minute)), "Stored = %v, too early", got.Stored)

	// Identifiers use all 64 bits.
	big := BP(math.MaxUint64, math.MaxUint64>>4, math.MaxUint64)
	big.SystemID = [8]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	_, err = s.Put(ctx, big)
	require.NoError(t, err)
	got, err = s.Get(ctx, math.MaxUint64, big.SystemID, math.MaxUint64)
	require.NoError(t, err)
	equalMeasurement(t, big, got)

	_, err = s.Get(ctx, 7, Sys(1), 2)
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.Get(ctx, 8, Sys(1), 1)
	assert.ErrorIs(t, err, store.ErrNotFound)

	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	assert.Equal(t, store.Stats{Stored: 2}, s.Stats())
}

func testTypes(t *testing.T, s store.Store) {
	ctx := t.Context()
	at := base
	mk := func(seq uint64, config uint16, typ store.PHDType, os ...store.Observation) *store.Measurement {
		return &store.Measurement{User: 3, SystemID: Sys(seq), ConfigID: config, Type: typ, Seq: seq, Measured: at, Observations: os}
	}
	cases := []struct {
		m    *store.Measurement
		want store.PHDType
	}{
		{mk(1, store.ConfigThermo, 0, obs(t, mTemp, 6048, "36.7", at)), store.TypeThermo},
		{mk(2, store.ConfigScale, 0, obs(t, mMass, 1731, "72.40", at)), store.TypeScale},
		{mk(3, store.ConfigGlucose, 0, obs(t, mGlu, 2130, "98", at)), store.TypeGlucose},
		{mk(4, store.ConfigOximeter, 0, obs(t, mSpO2, 544, "97", at)), store.TypeOximeter},
		{mk(5, store.ConfigOximeterAlt, 0, obs(t, mSpO2, 544, "96", at)), store.TypeOximeter},
		{mk(6, 0x4001, 0, obs(t, mSys, 3872, "130", at), obs(t, mTemp, 6048, "37.9", at)), store.TypeWrist},
		{mk(7, 0x4002, 0, obs(t, mMass, 1731, "80", at)), store.TypeScale},
		{mk(8, 0x4003, 0, obs(t, store.Metric(2, 1), 0, "1", at)), store.TypeOther},
		{mk(9, 0x4004, store.TypeWrist, obs(t, store.Metric(0xF0, 9), 0, "0.98", at)), store.TypeWrist},
		{mk(10, store.ConfigBP, 0, obs(t, mSys, 3872, "121", at)), store.TypeBP},
	}
	for _, c := range cases {
		_, err := s.Put(ctx, c.m)
		require.NoError(t, err, "seq %d", c.m.Seq)
		got, err := s.Get(ctx, 3, c.m.SystemID, c.m.Seq)
		require.NoError(t, err)
		assert.Equal(t, c.want, got.Type, "seq %d", c.m.Seq)
		equalMeasurement(t, c.m, got)
		rows, err := s.Query(ctx, store.Query{User: 3, Type: c.want, SystemID: c.m.SystemID})
		require.NoError(t, err)
		require.Len(t, rows, len(c.m.Observations), "seq %d", c.m.Seq)
		assert.Equal(t, c.want, rows[0].Type)
	}
	rows, err := s.Query(ctx, store.Query{User: 3})
	require.NoError(t, err)
	assert.Len(t, rows, 11)
}

func testDuplicate(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := BP(1, 1, 5)
	id, err := s.Put(ctx, m)
	require.NoError(t, err)
	again := BP(1, 1, 5)
	again.Observations[0].Value, again.Observations[0].Float = "199", 199 // different content, same key
	id2, err := s.Put(ctx, again)
	assert.ErrorIs(t, err, store.ErrDuplicate)
	assert.Equal(t, id, id2, "a duplicate reports the stored id")
	got, err := s.Get(ctx, 1, Sys(1), 5)
	require.NoError(t, err)
	equalMeasurement(t, m, got) // the first one stays
	// Same seq, other device or other user: not duplicates.
	_, err = s.Put(ctx, BP(1, 2, 5))
	require.NoError(t, err)
	_, err = s.Put(ctx, BP(2, 1, 5))
	require.NoError(t, err)
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
	assert.Equal(t, store.Stats{Stored: 3, Duplicates: 1}, s.Stats())
	rows, err := s.Query(ctx, store.Query{User: 1, SystemID: Sys(1)})
	require.NoError(t, err)
	assert.Len(t, rows, 3, "the duplicate added no observations")
}

func testConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const (
		workers = 8
		users   = 3
		devs    = 4
		seqs    = 25 // per (user, device)
	)
	// Every worker puts every measurement, in its own order and batch sizes.
	type key struct{ u, d, q uint64 }
	var all []key
	for u := uint64(1); u <= users; u++ {
		for d := uint64(1); d <= devs; d++ {
			for q := uint64(1); q <= seqs; q++ {
				all = append(all, key{u, d, q})
			}
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[key]int64{}
	newCount, dupCount := 0, 0
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := 1 + w*7%23
			order := make([]key, len(all))
			for i := range all {
				order[i] = all[(i*(2*w+1)+w*13)%len(all)] // a permutation: 2w+1 is odd, len is 300
			}
			for i := 0; i < len(order); i += batch {
				end := min(i+batch, len(order))
				var ms []*store.Measurement
				for _, k := range order[i:end] {
					ms = append(ms, BP(k.u, k.d, k.q))
				}
				var res []store.PutResult
				var err error
				if len(ms) == 1 {
					var id int64
					id, err = s.Put(ctx, ms[0])
					res = []store.PutResult{{ID: id, Duplicate: errors.Is(err, store.ErrDuplicate), Err: err}}
					if errors.Is(err, store.ErrDuplicate) {
						err = nil
					}
				} else {
					res, err = s.PutBatch(ctx, ms)
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for j, r := range res {
					k := order[i+j]
					if r.Err != nil && !r.Duplicate {
						mu.Unlock()
						errs <- fmt.Errorf("put %v: %w", k, r.Err)
						return
					}
					if r.Duplicate {
						dupCount++
					} else {
						newCount++
					}
					if old, ok := ids[k]; ok && old != r.ID {
						mu.Unlock()
						errs <- fmt.Errorf("put %v: id %d, earlier %d", k, r.ID, old)
						return
					}
					ids[k] = r.ID
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, len(all), newCount, "each measurement stored exactly once")
	assert.Equal(t, len(all)*(workers-1), dupCount)
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(len(all)), n)
	st := s.Stats()
	assert.Equal(t, uint64(len(all)), st.Stored)
	assert.Equal(t, uint64(len(all)*(workers-1)), st.Duplicates)
	for u := uint64(1); u <= users; u++ {
		rows, err := s.Query(ctx, store.Query{User: u})
		require.NoError(t, err)
		assert.Len(t, rows, devs*seqs*3, "user %d observations", u)
	}
}

func testBatchMixed(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.PutBatch(ctx, []*store.Measurement{BP(1, 1, 1), BP(1, 1, 3)})
	require.NoError(t, err)
	bad := BP(1, 1, 9)
	bad.Observations[1].Float = math.NaN()
	ms := []*store.Measurement{BP(1, 1, 1), BP(1, 1, 2), bad, BP(1, 1, 3), BP(1, 1, 4), BP(1, 1, 4)}
	res, err := s.PutBatch(ctx, ms)
	require.NoError(t, err)
	require.Len(t, res, len(ms))
	assert.ErrorIs(t, res[0].Err, store.ErrDuplicate)
	assert.True(t, res[0].Duplicate)
	assert.NoError(t, res[1].Err)
	assert.ErrorIs(t, res[2].Err, store.ErrInvalid)
	assert.False(t, res[2].Duplicate)
	assert.ErrorIs(t, res[3].Err, store.ErrDuplicate)
	assert.NoError(t, res[4].Err)
	assert.ErrorIs(t, res[5].Err, store.ErrDuplicate, "a repeat inside one batch")
	assert.Equal(t, res[4].ID, res[5].ID)
	assert.NotEqual(t, res[1].ID, res[4].ID)
	for i, seq := range []uint64{1, 2, 3, 4} {
		got, err := s.Get(ctx, 1, Sys(1), seq)
		require.NoError(t, err, "seq %d", seq)
		equalMeasurement(t, BP(1, 1, seq), got)
		_ = i
	}
	_, err = s.Get(ctx, 1, Sys(1), 9)
	assert.ErrorIs(t, err, store.ErrNotFound)
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(4), n)
	assert.Equal(t, store.Stats{Stored: 4, Duplicates: 3, Rejected: 1}, s.Stats())

	res, err = s.PutBatch(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, res)
}

func testInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	cases := []struct {
		name string
		edit func(m *store.Measurement)
	}{
		{"ZeroSystemID", func(m *store.Measurement) { m.SystemID = [8]byte{} }},
		{"NoObservations", func(m *store.Measurement) { m.Observations = nil }},
		{"NaN", func(m *store.Measurement) { m.Observations[0].Float = math.NaN() }},
		{"Inf", func(m *store.Measurement) { m.Observations[0].Float = math.Inf(1) }},
		{"NaNText", func(m *store.Measurement) { m.Observations[0].Value = "NaN" }},
		{"EmptyValue", func(m *store.Measurement) { m.Observations[0].Value = "" }},
		{"BadDecimal", func(m *store.Measurement) { m.Observations[0].Value = "1.2.3" }},
		{"Mismatch", func(m *store.Measurement) { m.Observations[0].Float += 1 }},
		{"ZeroTime", func(m *store.Measurement) { m.Measured = time.Time{} }},
		{"BadType", func(m *store.Measurement) { m.Type = store.TypeOther + 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := BP(1, 1, 1)
			m.Observations[0].Value, m.Observations[0].Float = "987.654", 987.654
			c.edit(m)
			_, err := s.Put(ctx, m)
			require.ErrorIs(t, err, store.ErrInvalid)
			assert.NotContains(t, err.Error(), "987", "error quotes a measured value")
		})
	}
	_, err := s.Put(ctx, nil)
	assert.ErrorIs(t, err, store.ErrInvalid)
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, uint64(len(cases)+1), s.Stats().Rejected)
	_, err = s.Aggregate(ctx, store.Query{User: 1}, store.Step(9))
	assert.Error(t, err)
	assert.ErrorIs(t, s.PutDevice(ctx, store.DeviceInfo{}), store.ErrInvalid)
	_, err = s.Device(ctx, Sys(1))
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func testDevices(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := BP(5, 1, 1)
	_, err := s.Put(ctx, m)
	require.NoError(t, err)
	later := BP(5, 1, 30)
	later.Model = ""
	_, err = s.Put(ctx, later)
	require.NoError(t, err)
	earlier := BP(5, 1, 0)
	_, err = s.Put(ctx, earlier)
	require.NoError(t, err)
	d, err := s.Device(ctx, Sys(1))
	require.NoError(t, err)
	assert.Equal(t, store.DeviceInfo{SystemID: Sys(1), ConfigID: store.ConfigBP, User: 5, Model: "BP-7",
		FirstSeen: earlier.Measured, LastSeen: later.Measured}, d)

	// PutDevice updates the model and maps a second user; first/last only widen.
	require.NoError(t, s.PutDevice(ctx, store.DeviceInfo{SystemID: Sys(1), ConfigID: store.ConfigBP, User: 6, Model: "BP-8",
		FirstSeen: m.Measured, LastSeen: m.Measured}))
	d, err = s.Device(ctx, Sys(1))
	require.NoError(t, err)
	assert.Equal(t, "BP-8", d.Model)
	assert.Equal(t, uint64(6), d.User)
	assert.True(t, d.FirstSeen.Equal(earlier.Measured))
	assert.True(t, d.LastSeen.Equal(later.Measured))
	require.NoError(t, s.PutDevice(ctx, store.DeviceInfo{SystemID: Sys(2), ConfigID: store.ConfigThermo, User: 5, LastSeen: base}))

	ds, err := s.Devices(ctx, 5)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	assert.Equal(t, Sys(1), ds[0].SystemID)
	assert.Equal(t, Sys(2), ds[1].SystemID)
	assert.True(t, ds[1].FirstSeen.Equal(base))
	ds, err = s.Devices(ctx, 6)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	ds, err = s.Devices(ctx, 99)
	require.NoError(t, err)
	assert.Empty(t, ds)
}

func testAllDevices(t *testing.T, s store.Store) {
	ctx := t.Context()
	ds, err := s.AllDevices(ctx)
	require.NoError(t, err)
	assert.Empty(t, ds, "a new store holds no devices")

	// Devices come from measurements (of any user) and from PutDevice; each is listed
	// once, in system-id order, with the configuration and user it was last seen with.
	var ms []*store.Measurement
	for _, d := range []uint64{7, 3, 5} {
		ms = append(ms, BP(d+10, d, 1), BP(d+10, d, 2))
	}
	res, err := s.PutBatch(ctx, ms)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	therm := &store.Measurement{User: 20, SystemID: Sys(4), ConfigID: store.ConfigThermo, Seq: 1, Measured: base,
		Observations: []store.Observation{obs(t, mTemp, 6048, "36.7", base)}}
	_, err = s.Put(ctx, therm)
	require.NoError(t, err)
	require.NoError(t, s.PutDevice(ctx, store.DeviceInfo{SystemID: Sys(9), ConfigID: 0x4001, User: 21, Model: "wrist", LastSeen: base}))
	require.NoError(t, s.PutDevice(ctx, store.DeviceInfo{SystemID: Sys(5), ConfigID: store.ConfigBP, User: 22, LastSeen: base}))

	ds, err = s.AllDevices(ctx)
	require.NoError(t, err)
	type dev struct {
		sys    [8]byte
		config uint16
		user   uint64
	}
	var got []dev
	for _, d := range ds {
		got = append(got, dev{d.SystemID, d.ConfigID, d.User})
	}
	assert.Equal(t, []dev{
		{Sys(3), store.ConfigBP, 13},
		{Sys(4), store.ConfigThermo, 20},
		{Sys(5), store.ConfigBP, 22},
		{Sys(7), store.ConfigBP, 17},
		{Sys(9), 0x4001, 21},
	}, got)
	for _, d := range ds {
		one, err := s.Device(ctx, d.SystemID)
		require.NoError(t, err)
		assert.Equal(t, one, d, "AllDevices and Device agree on %x", d.SystemID)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.AllDevices(cctx)
	assert.ErrorIs(t, err, context.Canceled)
	require.NoError(t, s.Close())
	_, err = s.AllDevices(ctx)
	assert.ErrorIs(t, err, store.ErrClosed)
}

func testQuery(t *testing.T, s store.Store) {
	ctx := t.Context()
	var ms []*store.Measurement
	for seq := uint64(1); seq <= 120; seq++ { // 2 hours of one reading a minute
		ms = append(ms, BP(1, 1, seq), BP(2, 2, seq))
	}
	_, err := s.PutBatch(ctx, ms)
	require.NoError(t, err)
	tm := &store.Measurement{User: 1, SystemID: Sys(3), ConfigID: store.ConfigThermo, Seq: 1, Measured: base.Add(time.Hour),
		Observations: []store.Observation{obs(t, mTemp, 6048, "37.25", time.Time{})}}
	_, err = s.Put(ctx, tm)
	require.NoError(t, err)

	rows, err := s.Query(ctx, store.Query{User: 1, Metric: mSys})
	require.NoError(t, err)
	require.Len(t, rows, 120)
	for i, r := range rows {
		seq := uint64(i + 1)
		assert.Equal(t, seq, r.Seq)
		assert.Equal(t, uint64(1), r.User)
		assert.Equal(t, Sys(1), r.SystemID)
		assert.Equal(t, mSys, r.Metric)
		assert.Equal(t, strconv.Itoa(110+int(seq%30)), r.Value)
		assert.True(t, r.Time.Equal(base.Add(time.Duration(seq)*time.Minute)))
		if i > 0 {
			assert.False(t, r.Time.Before(rows[i-1].Time), "rows ordered by time")
		}
	}
	// Time range [from, to).
	from, to := base.Add(10*time.Minute), base.Add(20*time.Minute)
	rows, err = s.Query(ctx, store.Query{User: 1, Metric: mDia, From: from, To: to})
	require.NoError(t, err)
	require.Len(t, rows, 10)
	assert.Equal(t, uint64(10), rows[0].Seq)
	assert.Equal(t, uint64(19), rows[9].Seq)
	// All metrics of user 1 in one minute: 3 BP values and the temperature.
	rows, err = s.Query(ctx, store.Query{User: 1, From: base.Add(time.Hour), To: base.Add(time.Hour + time.Second)})
	require.NoError(t, err)
	require.Len(t, rows, 4)
	var temp *store.Row
	for i := range rows {
		if rows[i].Metric == mTemp {
			temp = &rows[i]
		}
	}
	require.NotNil(t, temp)
	assert.Equal(t, "37.25", temp.Value)
	assert.Equal(t, 37.25, temp.Float)
	assert.Equal(t, store.TypeThermo, temp.Type)
	// By device, by type, limit, other user, nobody.
	rows, err = s.Query(ctx, store.Query{User: 1, SystemID: Sys(3)})
	require.NoError(t, err)
	assert.Len(t, rows, 1)
	rows, err = s.Query(ctx, store.Query{User: 1, Type: store.TypeBP})
	require.NoError(t, err)
	assert.Len(t, rows, 360)
	rows, err = s.Query(ctx, store.Query{User: 2, Limit: 7})
	require.NoError(t, err)
	assert.Len(t, rows, 7)
	rows, err = s.Query(ctx, store.Query{User: 1, Metric: mMass})
	require.NoError(t, err)
	assert.Empty(t, rows)
	rows, err = s.Query(ctx, store.Query{User: 42})
	require.NoError(t, err)
	assert.Empty(t, rows)
}

func testAggregate(t *testing.T, s store.Store) {
	ctx := t.Context()
	// User 1: systolic every 10 minutes over 3 days starting 22:00 (so hours and days
	// split), values cycling through 100..149.
	start := time.Date(2026, 5, 1, 22, 0, 0, 0, time.UTC)
	type agg struct {
		min, max, sum float64
		n             int64
	}
	hours := map[time.Time]*agg{}
	days := map[time.Time]*agg{}
	add := func(m map[time.Time]*agg, k time.Time, v float64) {
		a := m[k]
		if a == nil {
			a = &agg{min: v, max: v}
			m[k] = a
		}
		a.min, a.max, a.sum, a.n = math.Min(a.min, v), math.Max(a.max, v), a.sum+v, a.n+1
	}
	var ms []*store.Measurement
	for i := range 3 * 24 * 6 {
		at := start.Add(time.Duration(i) * 10 * time.Minute)
		v := 100 + (i*7)%50
		val := strconv.Itoa(v) + ".5"
		m := &store.Measurement{User: 1, SystemID: Sys(1), ConfigID: store.ConfigBP, Seq: uint64(i + 1), Measured: at,
			Observations: []store.Observation{obs(t, mSys, 3872, val, at), obs(t, mDia, 3872, "80", at)}}
		ms = append(ms, m)
		add(hours, at.Truncate(time.Hour), float64(v)+0.5)
		add(days, time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC), float64(v)+0.5)
	}
	ms = append(ms, BP(2, 2, 1)) // another user: not counted
	res, err := s.PutBatch(ctx, ms)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	check := func(step store.Step, want map[time.Time]*agg, q store.Query) {
		t.Helper()
		bs, err := s.Aggregate(ctx, q, step)
		require.NoError(t, err)
		n := 0
		for _, b := range bs {
			if b.Metric != mSys {
				continue
			}
			n++
			w := want[b.Start]
			require.NotNil(t, w, "%s bucket %v", step, b.Start)
			assert.Equal(t, w.min, b.Min, "%s %v min", step, b.Start)
			assert.Equal(t, w.max, b.Max, "%s %v max", step, b.Start)
			assert.InDelta(t, w.sum/float64(w.n), b.Mean, 1e-9, "%s %v mean", step, b.Start)
			assert.Equal(t, w.n, b.Count, "%s %v count", step, b.Start)
			assert.Equal(t, uint16(3872), b.Unit)
			assert.Equal(t, time.UTC, b.Start.Location())
		}
		assert.Equal(t, len(want), n, "%s buckets", step)
		for i := 1; i < len(bs); i++ {
			assert.False(t, bs[i].Start.Before(bs[i-1].Start), "buckets ordered")
		}
	}
	check(store.StepHour, hours, store.Query{User: 1, Metric: mSys})
	check(store.StepDay, days, store.Query{User: 1, Metric: mSys})
	assert.Len(t, days, 4)
	// With no metric filter both metrics come back, per bucket.
	bs, err := s.Aggregate(ctx, store.Query{User: 1}, store.StepDay)
	require.NoError(t, err)
	assert.Len(t, bs, 8)
	// A time range selects whole buckets of one day.
	d2 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	bs, err = s.Aggregate(ctx, store.Query{User: 1, Metric: mDia, From: d2, To: d2.Add(24 * time.Hour)}, store.StepHour)
	require.NoError(t, err)
	require.Len(t, bs, 24)
	for _, b := range bs {
		assert.Equal(t, int64(6), b.Count)
		assert.Equal(t, 80.0, b.Mean)
	}
	// Days of a viewer at UTC+9: 15:00 UTC starts a day.
	kst := 9 * time.Hour
	bs, err = s.Aggregate(ctx, store.Query{User: 1, Metric: mDia, Offset: kst}, store.StepDay)
	require.NoError(t, err)
	require.Len(t, bs, 4)
	// The data starts 2026-05-01 22:00 UTC, 2026-05-02 07:00 at UTC+9.
	assert.Equal(t, time.Date(2026, 5, 1, 15, 0, 0, 0, time.UTC), bs[0].Start) // 2026-05-02 00:00 at UTC+9
	assert.Equal(t, int64(6*17), bs[0].Count)                                  // 22:00 to 15:00 UTC
	assert.Equal(t, int64(6*24), bs[1].Count)
	_, err = s.Aggregate(ctx, store.Query{User: 1, Offset: 30 * time.Second}, store.StepDay)
	assert.Error(t, err)
	_, err = s.Aggregate(ctx, store.Query{User: 1, Offset: 25 * time.Hour}, store.StepDay)
	assert.Error(t, err)
	// Times before 1970 bucket downward too.
	old := time.Date(1969, 12, 31, 23, 30, 0, 0, time.UTC)
	_, err = s.Put(ctx, &store.Measurement{User: 9, SystemID: Sys(9), ConfigID: store.ConfigThermo, Seq: 1, Measured: old,
		Observations: []store.Observation{obs(t, mTemp, 6048, "36.6", old)}})
	require.NoError(t, err)
	bs, err = s.Aggregate(ctx, store.Query{User: 9}, store.StepHour)
	require.NoError(t, err)
	require.Len(t, bs, 1)
	assert.Equal(t, time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), bs[0].Start)
}

func testLedger(t *testing.T, s store.Store) {
	ctx := t.Context()
	id, err := s.Put(ctx, BP(1, 1, 1))
	require.NoError(t, err)
	got, err := s.Get(ctx, 1, Sys(1), 1)
	require.NoError(t, err)
	assert.False(t, got.Ledgered)
	require.NoError(t, s.SetLedgerIndex(ctx, id, 0))
	got, err = s.Get(ctx, 1, Sys(1), 1)
	require.NoError(t, err)
	assert.True(t, got.Ledgered)
	assert.Zero(t, got.LedgerIndex)
	require.NoError(t, s.SetLedgerIndex(ctx, id, 12345))
	got, err = s.Get(ctx, 1, Sys(1), 1)
	require.NoError(t, err)
	assert.Equal(t, uint64(12345), got.LedgerIndex)
	assert.ErrorIs(t, s.SetLedgerIndex(ctx, id+1000, 1), store.ErrNotFound)

	// Unledgered lists what still lacks an index, in id order, paged by id.
	var ids []int64
	for seq := uint64(2); seq <= 6; seq++ {
		id, err := s.Put(ctx, BP(1, 1, seq))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	require.NoError(t, s.SetLedgerIndex(ctx, ids[1], 7)) // seq 3
	es, err := s.Unledgered(ctx, 0, 2)
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.Equal(t, ids[0], es[0].ID)
	assert.Equal(t, uint64(2), es[0].Seq)
	assert.Equal(t, uint64(1), es[0].User)
	assert.Equal(t, Sys(1), es[0].SystemID)
	assert.Equal(t, BP(1, 1, 2).Digest, es[0].Digest)
	assert.Equal(t, uint64(4), es[1].Seq)
	es, err = s.Unledgered(ctx, es[1].ID, 100)
	require.NoError(t, err)
	require.Len(t, es, 2)
	assert.Equal(t, uint64(5), es[0].Seq)
	assert.Equal(t, uint64(6), es[1].Seq)
	es, err = s.Unledgered(ctx, 0, 0)
	require.NoError(t, err)
	assert.Empty(t, es)
}

func testCancel(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Put(ctx, BP(1, 1, 1))
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.PutBatch(ctx, []*store.Measurement{BP(1, 1, 2), BP(1, 1, 3)})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Query(ctx, store.Query{User: 1})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Aggregate(ctx, store.Query{User: 1}, store.StepHour)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.Count(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	n, err := s.Count(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n, "a put with a cancelled context stored something")

	// Cancelled while many puts wait: each either stores or reports the cancellation,
	// and a retry of all of them stores every one exactly once.
	ctx, cancel = context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range uint64(40) {
				m := BP(uint64(g), 1, seq+1)
				_, err := s.Put(ctx, m)
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("put: %v", err)
					return
				}
				// The store must not read m after Put returned (go test -race checks).
				m.Seq, m.Observations[0].Value, m.Observations[0].Float = 0, "0", 0
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	cancel()
	wg.Wait()
	for g := range 8 {
		for seq := range uint64(40) {
			_, err := s.Put(t.Context(), BP(uint64(g), 1, seq+1))
			if err != nil {
				require.ErrorIs(t, err, store.ErrDuplicate)
			}
		}
	}
	n, err = s.Count(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int64(8*40), n)
	// A put cancelled during its commit may have stored without saying so; its retry
	// then counts as a duplicate. Stored never exceeds what is in the database.
	st := s.Stats()
	assert.LessOrEqual(t, st.Stored, uint64(8*40))
	assert.GreaterOrEqual(t, st.Stored+st.Duplicates, uint64(8*40))
}

func testReopen(t *testing.T, open func() store.Store) {
	ctx := t.Context()
	s := open()
	var ms []*store.Measurement
	for seq := uint64(1); seq <= 50; seq++ {
		ms = append(ms, BP(4, 4, seq))
	}
	_, err := s.PutBatch(ctx, ms)
	require.NoError(t, err)
	require.NoError(t, s.PutDevice(ctx, store.DeviceInfo{SystemID: Sys(4), ConfigID: store.ConfigBP, User: 4, Model: "kept", LastSeen: base}))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "a second Close")
	_, err = s.Put(ctx, BP(4, 4, 51))
	assert.ErrorIs(t, err, store.ErrClosed)
	_, err = s.Count(ctx)
	assert.ErrorIs(t, err, store.ErrClosed)

	s = open()
	n, err := s.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(50), n)
	got, err := s.Get(ctx, 4, Sys(4), 17)
	require.NoError(t, err)
	equalMeasurement(t, BP(4, 4, 17), got)
	d, err := s.Device(ctx, Sys(4))
	require.NoError(t, err)
	assert.Equal(t, "kept", d.Model)
	ds, err := s.AllDevices(ctx)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, d, ds[0])
	// Duplicates are still recognised after reopening.
	res, err := s.PutBatch(ctx, []*store.Measurement{BP(4, 4, 50), BP(4, 4, 51)})
	require.NoError(t, err)
	assert.ErrorIs(t, res[0].Err, store.ErrDuplicate)
	assert.NoError(t, res[1].Err)
	assert.Equal(t, store.Stats{Stored: 1, Duplicates: 1}, s.Stats(), "counters start at zero")
	require.NoError(t, s.Close())
}

// DM returns DM command number n, issued to device dev at base + n seconds.
func DM(n, dev uint64) store.DMCommand {
	at := base.Add(time.Duration(n) * time.Second)
	return store.DMCommand{
		Ref: "s0a1b2c3d-" + strconv.FormatUint(n, 10), Device: fmt.Sprintf("urn:phdkit:sysid:%x", Sys(dev)),
		Kind: 1, Command: "Replace ./PHD/Measurement/Interval " + strconv.FormatUint(n, 10), Issued: at,
		Origin: Sys(dev), ConfigID: store.ConfigBP, Received: at.Add(time.Millisecond),
		Body: []byte{0x02, 0x00, 0x00, 0x6a, byte(n), byte(dev), 0x00, 0x01},
	}
}

func testDMCommands(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.DMCommands(ctx)
	require.NoError(t, err)
	assert.Empty(t, got, "a new store holds DM commands")

	batch := []store.DMCommand{DM(1, 1), DM(2, 2), DM(3, 3)}
	batch[1].Status, batch[1].Answered = 200, base // ignored: a new command has no status
	require.NoError(t, s.PutDMCommands(ctx, batch))
	batch[1].Status, batch[1].Answered = 0, time.Time{}
	require.NoError(t, s.PutDMCommands(ctx, []store.DMCommand{DM(4, 1)}))
	require.NoError(t, s.PutDMCommands(ctx, nil))
	want := append(batch, DM(4, 1))
	got, err = s.DMCommands(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got, "commands in the order recorded")

	// A reference stored before, or repeated in the batch, fails the whole batch.
	err = s.PutDMCommands(ctx, []store.DMCommand{DM(5, 1), DM(2, 2)})
	assert.ErrorIs(t, err, store.ErrDuplicate)
	err = s.PutDMCommands(ctx, []store.DMCommand{DM(6, 1), DM(6, 2)})
	assert.ErrorIs(t, err, store.ErrDuplicate)
	for name, mod := range map[string]func(c *store.DMCommand){
		"noRef":    func(c *store.DMCommand) { c.Ref = "" },
		"longRef":  func(c *store.DMCommand) { c.Ref = string(make([]byte, 65)) },
		"noIssued": func(c *store.DMCommand) { c.Issued = time.Time{} },
		"noBody":   func(c *store.DMCommand) { c.Body = nil },
	} {
		c := DM(7, 1)
		mod(&c)
		err := s.PutDMCommands(ctx, []store.DMCommand{DM(8, 1), c})
		assert.ErrorIs(t, err, store.ErrInvalid, name)
		if err != nil {
			assert.NotContains(t, err.Error(), c.Command, "%s: the error carries the command", name)
		}
	}
	got, err = s.DMCommands(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got, "a failed batch recorded something")

	// Only the first status of a command counts.
	t1, t2 := base.Add(time.Hour), base.Add(2*time.Hour)
	rec, err := s.SetDMStatuses(ctx, []store.DMStatus{
		{Ref: DM(2, 2).Ref, Code: 200, Answered: t1},
		{Ref: "no-such-ref", Code: 200, Answered: t1},
		{Ref: DM(4, 1).Ref, Code: 405, Answered: t1},
		{Ref: DM(2, 2).Ref, Code: 500, Answered: t1},
	})
	require.NoError(t, err)
	assert.Equal(t, []bool{true, false, true, false}, rec)
	rec, err = s.SetDMStatuses(ctx, []store.DMStatus{{Ref: DM(4, 1).Ref, Code: 200, Answered: t2}})
	require.NoError(t, err)
	assert.Equal(t, []bool{false}, rec)
	_, err = s.SetDMStatuses(ctx, []store.DMStatus{{Ref: DM(1, 1).Ref, Code: 0, Answered: t1}})
	assert.ErrorIs(t, err, store.ErrInvalid)
	_, err = s.SetDMStatuses(ctx, []store.DMStatus{{Ref: DM(1, 1).Ref, Code: 200}})
	assert.ErrorIs(t, err, store.ErrInvalid)
	rec, err = s.SetDMStatuses(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, rec)
	want[1].Status, want[1].Answered = 200, t1
	want[3].Status, want[3].Answered = 405, t1
	got, err = s.DMCommands(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// Returned commands belong to the caller.
	got[0].Body[0] = 0xFF
	again, err := s.DMCommands(ctx)
	require.NoError(t, err)
	assert.Equal(t, want[0].Body, again[0].Body)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, s.PutDMCommands(cctx, []store.DMCommand{DM(9, 1)}), context.Canceled)
	_, err = s.SetDMStatuses(cctx, []store.DMStatus{{Ref: DM(1, 1).Ref, Code: 200, Answered: t1}})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = s.DMCommands(cctx)
	assert.ErrorIs(t, err, context.Canceled)
}

// testDMConcurrent answers the same commands from many goroutines at once: each command
// takes exactly one status, and the one recorded is one a caller was told was recorded.
func testDMConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	const n, callers = 20, 6
	var cmds []store.DMCommand
	for i := range uint64(n) {
		cmds = append(cmds, DM(i+1, i%4))
	}
	require.NoError(t, s.PutDMCommands(ctx, cmds))
	won := make([][]uint16, callers)
	var wg sync.WaitGroup
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sts := make([]store.DMStatus, n)
			for i := range sts {
				// Each caller answers in its own order.
				c := cmds[(i*(g+1)+g)%n]
				sts[i] = store.DMStatus{Ref: c.Ref, Code: uint16(200 + g), Answered: base.Add(time.Duration(g) * time.Second)}
			}
			rec, err := s.SetDMStatuses(ctx, sts)
			if err != nil {
				t.Errorf("caller %d: %v", g, err)
				return
			}
			for i, r := range rec {
				if r {
					won[g] = append(won[g], uint16(i))
				}
			}
		}()
	}
	wg.Wait()
	got, err := s.DMCommands(ctx)
	require.NoError(t, err)
	require.Len(t, got, n)
	total := 0
	for _, w := range won {
		total += len(w)
	}
	assert.Equal(t, n, total, "statuses recorded")
	for _, c := range got {
		assert.NotZero(t, c.Status, "%s has no status", c.Ref)
		g := int(c.Status) - 200
		assert.Equal(t, base.Add(time.Duration(g)*time.Second), c.Answered, "%s: answer time of another status", c.Ref)
	}
}

func testDMReopen(t *testing.T, open func() store.Store) {
	ctx := t.Context()
	s := open()
	want := []store.DMCommand{DM(1, 1), DM(2, 2), DM(3, 1)}
	require.NoError(t, s.PutDMCommands(ctx, want))
	_, err := s.SetDMStatuses(ctx, []store.DMStatus{{Ref: want[1].Ref, Code: 200, Answered: base.Add(time.Hour)}})
	require.NoError(t, err)
	want[1].Status, want[1].Answered = 200, base.Add(time.Hour)
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.PutDMCommands(ctx, []store.DMCommand{DM(4, 1)}), store.ErrClosed)
	_, err = s.SetDMStatuses(ctx, []store.DMStatus{{Ref: want[0].Ref, Code: 200, Answered: base}})
	assert.ErrorIs(t, err, store.ErrClosed)
	_, err = s.DMCommands(ctx)
	assert.ErrorIs(t, err, store.ErrClosed)

	s = open()
	got, err := s.DMCommands(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	// Still unique, still answered once, and new commands follow the old ones.
	assert.ErrorIs(t, s.PutDMCommands(ctx, []store.DMCommand{DM(3, 1)}), store.ErrDuplicate)
	rec, err := s.SetDMStatuses(ctx, []store.DMStatus{{Ref: want[1].Ref, Code: 500, Answered: base}, {Ref: want[2].Ref, Code: 200, Answered: base}})
	require.NoError(t, err)
	assert.Equal(t, []bool{false, true}, rec)
	require.NoError(t, s.PutDMCommands(ctx, []store.DMCommand{DM(4, 2)}))
	want[2].Status, want[2].Answered = 200, base
	want = append(want, DM(4, 2))
	got, err = s.DMCommands(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	require.NoError(t, s.Close())
}
