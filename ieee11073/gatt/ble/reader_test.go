package ble

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/ieee11073/gatt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	bpChar      = Characteristic{Service: gatt.ServiceBloodPressure, UUID: gatt.BloodPressureMeasurement}
	glucoseChar = Characteristic{Service: gatt.ServiceGlucose, UUID: gatt.GlucoseMeasurement}
	racpChar    = Characteristic{Service: gatt.ServiceGlucose, UUID: gatt.RecordAccessControlPoint}
	hrChar      = Characteristic{Service: gatt.ServiceHeartRate, UUID: gatt.HeartRateMeasurement}
)

// bpRecord is a stored BP record taken at 2026-03-01 08:00 plus i minutes: systolic 100+i.
func bpRecord(t testing.TB, i int) []byte {
	sys, err := ieee11073.NewSFloat(int32(100+i), 0)
	require.NoError(t, err)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	m := gatt.BloodPressure{Flags: gatt.BPFlagTimeStamp | gatt.BPFlagPulseRate,
		Systolic: sys, Diastolic: 0x0050, MAP: 0x005A, PulseRate: 0x0048,
		Time: gatt.DateTime{Year: uint16(at.Year()), Month: uint8(at.Month()), Day: uint8(at.Day()),
			Hours: uint8(at.Hour()), Minutes: uint8(at.Minute()), Seconds: uint8(at.Second())}}
	b, err := m.AppendBinary(nil)
	require.NoError(t, err)
	return b
}

func glucoseRecord(t testing.TB, seq int) []byte {
	m := gatt.Glucose{Flags: gatt.GlucoseFlagConcentration, Sequence: uint16(seq),
		BaseTime:      gatt.DateTime{Year: 2026, Month: 3, Day: 1, Hours: 7, Minutes: uint8(seq % 60)},
		Concentration: 0xB064, Type: gatt.GlucoseCapillaryPlasma, Location: gatt.LocationFinger}
	b, err := m.AppendBinary(nil)
	require.NoError(t, err)
	return b
}

// collector gathers readings from a Reader.
type collector struct {
	mu       sync.Mutex
	readings []Reading
	errs     []error
	got      chan struct{}
}

func newCollector() *collector { return &collector{got: make(chan struct{}, 1024)} }

func (c *collector) onReading(r Reading) {
	c.mu.Lock()
	c.readings = append(c.readings, r)
	c.mu.Unlock()
	c.got <- struct{}{}
}

func (c *collector) onError(err error) {
	c.mu.Lock()
	c.errs = append(c.errs, err)
	c.mu.Unlock()
}

func (c *collector) wait(t *testing.T, n int) []Reading {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		have := len(c.readings)
		c.mu.Unlock()
		if have >= n {
			break
		}
		select {
		case <-c.got:
		case <-deadline:
			t.Fatalf("got %d readings, want %d", have, n)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Reading(nil), c.readings...)
}

// run starts a Reader and returns a stop function that waits for it.
func run(t *testing.T, cfg Config) (stop func()) {
	t.Helper()
	r, err := NewReader(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	return func() {
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
	}
}

func TestBurstDeliveredInOrderOnce(t *testing.T) {
	base := runtime.NumGoroutine()
	var records [][]byte
	for i := range 50 {
		records = append(records, bpRecord(t, i))
	}
	dev := &FakeDevice{Address: "00:11:22:33:44:55", Chars: []Characteristic{bpChar},
		Stored: map[gatt.UUID][][]byte{gatt.BloodPressureMeasurement: records}, Scramble: true, Seed: 7}
	col := newCollector()
	stop := run(t, Config{Central: NewFakeCentral(dev), Address: dev.Address, Settle: 30 * time.Millisecond,
		OnReading: col.onReading, OnError: col.onError})
	got := col.wait(t, 50)

	// The device flushes its records again on every connection: none may come twice.
	dev.Drop()
	require.Eventually(t, func() bool { return dev.Connects() == 2 }, 10*time.Second, 5*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // let a second burst settle, were it delivered
	stop()
	got = col.wait(t, 50)
	require.Len(t, got, 50, "every record once")
	for i, r := range got {
		assert.Equal(t, records[i], r.Value, "record %d out of order", i)
		assert.True(t, r.Stored)
		require.Len(t, r.Observations, 4)
		assert.Equal(t, ieee11073.MDCPressBldNoninvSys, r.Observations[0].Metric)
		assert.Equal(t, ieee11073.MDCDimMmhg, r.Observations[0].Unit)
		assert.EqualValues(t, 100+i, r.Observations[0].Value.Float64())
	}
	spec, _ := gatt.SpecializationFor(got[0].Characteristic)
	assert.EqualValues(t, 0x02BC, spec.ConfigID, "presented as a 10407 blood pressure monitor")
	assert.Empty(t, col.errs)
	assertNoLeak(t, base)
}

func TestGlucoseRecordsThroughRACP(t *testing.T) {
	base := runtime.NumGoroutine()
	var records [][]byte
	for i := 1; i <= 20; i++ {
		records = append(records, glucoseRecord(t, i))
	}
	dev := &FakeDevice{Address: "00:11:22:33:44:66", Chars: []Characteristic{glucoseChar, racpChar},
		Stored: map[gatt.UUID][][]byte{gatt.GlucoseMeasurement: records}, Scramble: true, Seed: 3}
	col := newCollector()
	stop := run(t, Config{Central: NewFakeCentral(dev), Address: dev.Address, Settle: 30 * time.Millisecond,
		OnReading: col.onReading, OnError: col.onError})
	got := col.wait(t, 21) // 20 records and the RACP response
	var seqs []uint16
	for _, r := range got {
		if r.Characteristic == gatt.GlucoseMeasurement {
			var g gatt.Glucose
			_, err := g.Unmarshal(r.Value)
			require.NoError(t, err)
			seqs = append(seqs, g.Sequence)
		}
	}
	require.Len(t, seqs, 20)
	for i, s := range seqs {
		assert.EqualValues(t, i+1, s)
	}

	// A new record while away; on reconnection only it is asked for and delivered.
	dev.Drop()
	dev.mu.Lock()
	dev.Stored[gatt.GlucoseMeasurement] = append(dev.Stored[gatt.GlucoseMeasurement], glucoseRecord(t, 21))
	dev.mu.Unlock()
	got = col.wait(t, 23)
	stop()
	var last gatt.Glucose
	_, err := last.Unmarshal(got[21].Value)
	require.NoError(t, err)
	assert.EqualValues(t, 21, last.Sequence)
	assert.Equal(t, gatt.RecordAccessControlPoint, got[22].Characteristic)
	assert.Len(t, col.readings, 23)
	assertNoLeak(t, base)
}

func TestLiveValuesKeepArrivalOrderAndRepeats(t *testing.T) {
	dev := &FakeDevice{Address: "00:11:22:33:44:77", Chars: []Characteristic{hrChar}}
	col := newCollector()
	var connected sync.WaitGroup
	connected.Add(1)
	var once sync.Once
	stop := run(t, Config{Central: NewFakeCentral(dev), Address: dev.Address, Settle: 10 * time.Millisecond,
		OnReading: col.onReading, OnError: col.onError,
		OnConnect: func(up bool) {
			if up {
				once.Do(connected.Done)
			}
		}})
	connected.Wait()
	for _, hr := range []byte{72, 72, 73, 72} {
		require.True(t, dev.Notify(gatt.HeartRateMeasurement, []byte{0x06, hr}))
	}
	got := col.wait(t, 4)
	stop()
	for i, hr := range []byte{72, 72, 73, 72} {
		assert.Equal(t, hr, got[i].Value[1])
		assert.False(t, got[i].Stored)
		assert.Equal(t, gatt.MDCEcgHeartRate, got[i].Observations[0].Metric)
	}
}

func TestBadValuesReportedNotDelivered(t *testing.T) {
	dev := &FakeDevice{Address: "00:11:22:33:44:88", Chars: []Characteristic{bpChar},
		Stored: map[gatt.UUID][][]byte{gatt.BloodPressureMeasurement: {{0x02, 0x01}, bpRecord(t, 1), {}}}}
	col := newCollector()
	stop := run(t, Config{Central: NewFakeCentral(dev), Address: dev.Address, Settle: 10 * time.Millisecond,
		OnReading: col.onReading, OnError: col.onError})
	got := col.wait(t, 1)
	require.Eventually(t, func() bool {
		col.mu.Lock()
		defer col.mu.Unlock()
		return len(col.errs) >= 2
	}, 5*time.Second, 5*time.Millisecond)
	stop()
	assert.Equal(t, bpRecord(t, 1), got[0].Value)
	for _, err := range col.errs {
		assert.ErrorIs(t, err, gatt.ErrShort)
	}
}

func TestReconnectBackoff(t *testing.T) {
	base := runtime.NumGoroutine()
	dev := &FakeDevice{Address: "00:11:22:33:44:99", Chars: []Characteristic{bpChar},
		Stored: map[gatt.UUID][][]byte{gatt.BloodPressureMeasurement: {bpRecord(t, 0)}}}
	dev.FailConnects(3)
	col := newCollector()
	stop := run(t, Config{Central: NewFakeCentral(dev), Address: dev.Address, Settle: 5 * time.Millisecond,
		ReconnectMin: time.Millisecond, ReconnectMax: 4 * time.Millisecond,
		OnReading: col.onReading, OnError: col.onError})
	col.wait(t, 1)
	for range 5 {
		dev.Drop()
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	col.mu.Lock()
	assert.Len(t, col.errs, 3, "each failed attempt reported")
	assert.Len(t, col.readings, 1)
	col.mu.Unlock()
	assertNoLeak(t, base)
}

func TestNoHealthService(t *testing.T) {
	dev := &FakeDevice{Address: "00:11:22:33:44:aa", Chars: []Characteristic{{Service: 0x180F, UUID: 0x2A19}}}
	r, err := NewReader(Config{Central: NewFakeCentral(dev), Address: dev.Address})
	require.NoError(t, err)
	assert.ErrorIs(t, r.session(context.Background()), ErrNoHealthService)
	_, err = NewReader(Config{Address: "x"})
	assert.Error(t, err)
}

func TestFakeScan(t *testing.T) {
	c := NewFakeCentral(&FakeDevice{Address: "B", Chars: []Characteristic{bpChar}},
		&FakeDevice{Address: "A", Name: "thermo", Chars: []Characteristic{{Service: gatt.ServiceHealthThermometer, UUID: gatt.TemperatureMeasurement}}})
	var seen []Advertisement
	require.NoError(t, c.Scan(context.Background(), func(a Advertisement) bool { seen = append(seen, a); return true }))
	require.Len(t, seen, 2)
	assert.Equal(t, "A", seen[0].Address)
	assert.Equal(t, []gatt.UUID{gatt.ServiceHealthThermometer}, seen[0].Services)
	_, err := c.Connect(context.Background(), "C")
	assert.Error(t, err)
}

func assertNoLeak(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d, before: %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
