//go:build linux

package bluez

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/ieee11073/gatt"
	"github.com/phdkit/phdkit/ieee11073/gatt/ble"
	"github.com/phdkit/phdkit/ieee11073/gatt/ble/bluez/internal/fakebluez"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storedBP returns n stored blood pressure records one minute apart, systolic 100+i mmHg.
func storedBP(t *testing.T, n int) [][]byte {
	var out [][]byte
	for i := range n {
		sys, err := ieee11073.NewSFloat(int32(100+i), 0)
		require.NoError(t, err)
		m := gatt.BloodPressure{Flags: gatt.BPFlagTimeStamp, Systolic: sys, Diastolic: 80, MAP: 93,
			Time: gatt.DateTime{Year: 2026, Month: 5, Day: 4, Hours: 9, Minutes: uint8(i), Seconds: 0}}
		b, err := m.AppendBinary(nil)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

// TestBurstThroughRealBackend drives the unmodified tinygo BlueZ backend against a fake
// BlueZ on a private dbus-daemon: a cuff flushes 50 stored records in a burst on
// subscription; all 50 come out once, in order, as 10407 observations, and again none twice
// after the link drops and the cuff flushes them all again.
func TestBurstThroughRealBackend(t *testing.T) {
	daemon, err := fakebluez.StartDaemon(t.TempDir())
	if errors.Is(err, fakebluez.ErrNoDaemon) {
		t.Skip("skipping: dbus-daemon is not installed (Debian package dbus-daemon)")
	}
	require.NoError(t, err)
	defer daemon.Stop()
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", daemon.Address)

	const addr = "C0:FF:EE:00:00:01"
	records := storedBP(t, 50)
	bus, err := fakebluez.Serve(daemon.Address, fakebluez.Device{Address: addr, Name: "BP cuff", Chars: []fakebluez.Char{
		{Service: 0x180A, UUID: 0x2A29},                            // device information: manufacturer name
		{Service: uint16(gatt.ServiceBloodPressure), UUID: 0x2A49}, // blood pressure feature
		{Service: uint16(gatt.ServiceBloodPressure), UUID: uint16(gatt.BloodPressureMeasurement), Burst: records},
	}})
	require.NoError(t, err)
	defer bus.Close()

	central, err := New(Config{LinkPoll: 20 * time.Millisecond})
	require.NoError(t, err)

	var (
		mu       sync.Mutex
		readings []ble.Reading
		errs     []error
		ups      int
	)
	reader, err := ble.NewReader(ble.Config{Central: central, Address: addr, Settle: 50 * time.Millisecond,
		ReconnectMin: 10 * time.Millisecond,
		OnReading:    func(r ble.Reading) { mu.Lock(); readings = append(readings, r); mu.Unlock() },
		OnError:      func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() },
		OnConnect: func(up bool) {
			if up {
				mu.Lock()
				ups++
				mu.Unlock()
			}
		},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- reader.Run(ctx) }()
	count := func() (int, int) { mu.Lock(); defer mu.Unlock(); return len(readings), ups }

	require.Eventually(t, func() bool { n, _ := count(); return n >= 50 }, 20*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // let the connection settle before counting goroutines
	steady := runtime.NumGoroutine()

	// Out of range and back: the cuff flushes its 50 records again.
	bus.Drop(addr)
	require.Eventually(t, func() bool { _, u := count(); return u >= 2 && bus.Connected(addr) }, 20*time.Second, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond) // the second burst, had it leaked through
	assert.LessOrEqual(t, runtime.NumGoroutine(), steady+2, "goroutines leak across reconnections")

	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, readings, 50, "every record exactly once")
	for i, r := range readings {
		assert.Equal(t, records[i], r.Value, "record %d out of order", i)
		require.Len(t, r.Observations, 3)
		assert.Equal(t, ieee11073.MDCPressBldNoninvSys, r.Observations[0].Metric)
		assert.EqualValues(t, 100+i, r.Observations[0].Value.Float64())
		assert.Equal(t, time.Date(2026, 5, 4, 9, i, 0, 0, time.UTC), r.Observations[0].Time)
	}
	spec, _ := gatt.SpecializationFor(readings[0].Characteristic)
	assert.EqualValues(t, 0x02BC, spec.ConfigID)
	assert.Empty(t, errs)
}
