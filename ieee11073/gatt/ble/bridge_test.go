package ble

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/ieee11073/gatt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// report is what the manager saw of one event report.
type report struct {
	config ieee11073.ConfigID
	system [8]byte
	obs    []ieee11073.Observation
}

// startManager serves a 20601 manager on loopback and records every report.
func startManager(t *testing.T, l net.Listener) (*ieee11073.Manager, *sync.Mutex, *[]report) {
	t.Helper()
	var mu sync.Mutex
	var got []report
	m, err := ieee11073.NewManager(ieee11073.ManagerConfig{SkipMDSGet: true,
		OnObservations: func(info *ieee11073.AssociationInfo, _ *ieee11073.EventReportArgument, obs []ieee11073.Observation) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, report{info.ConfigID, info.SystemID, append([]ieee11073.Observation(nil), obs...)})
			return nil
		}})
	require.NoError(t, err)
	go m.Serve(l)
	return m, &mu, &got
}

func TestBridgeBloodPressureAs10407(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	m, mu, got := startManager(t, l)
	defer m.Close()

	var records [][]byte
	for i := range 10 {
		records = append(records, bpRecord(t, i))
	}
	dev := &FakeDevice{Address: "00:11:22:33:44:01", Chars: []Characteristic{bpChar},
		Stored: map[gatt.UUID][][]byte{gatt.BloodPressureMeasurement: records}, Scramble: true, Seed: 11}
	br, err := NewBridge(BridgeConfig{Manager: l.Addr().String()})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); br.Run(ctx) }()
	stop := run(t, Config{Central: NewFakeCentral(dev), Address: dev.Address, Settle: 20 * time.Millisecond, OnReading: br.Handle})
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(*got) == 10 }, 10*time.Second, 5*time.Millisecond)
	stop()
	cancel()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for i, r := range *got {
		assert.EqualValues(t, 0x02BC, r.config)
		assert.Equal(t, SystemID(dev.Address, gatt.BloodPressureMeasurement), r.system)
		require.Len(t, r.obs, 4, "report %d", i)
		assert.Equal(t, ieee11073.MDCPressBldNoninvSys, r.obs[0].Type.Code)
		assert.EqualValues(t, 100+i, r.obs[0].Value.Float64(), "report %d in order", i)
		assert.EqualValues(t, 80, r.obs[1].Value.Float64())
		assert.EqualValues(t, 72, r.obs[3].Value.Float64())
		at, err := r.obs[0].Time.Time(time.UTC)
		require.NoError(t, err)
		assert.Equal(t, time.Date(2026, 3, 1, 8, i, 0, 0, time.UTC), at)
	}
}

func TestBridgeExtendedConfigurations(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	m, mu, got := startManager(t, l)
	defer m.Close()

	kpa := gatt.BloodPressure{Flags: gatt.BPFlagKPa, Systolic: 0xF0BD, Diastolic: 0xF06E, MAP: 0xF09F}
	kpaValue, _ := kpa.AppendBinary(nil)
	hrValue := []byte{0x10, 72, 0x00, 0x04} // 72 bpm, one RR of 1024/1024 s
	br, err := NewBridge(BridgeConfig{Manager: l.Addr().String()})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); br.Run(ctx) }()
	for _, v := range []struct {
		c gatt.UUID
		b []byte
	}{{gatt.BloodPressureMeasurement, kpaValue}, {gatt.HeartRateMeasurement, hrValue}} {
		obs, err := observe(v.c, v.b, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC)
		require.NoError(t, err)
		br.Handle(Reading{Device: "AA:BB:CC:00:00:01", Characteristic: v.c, Value: v.b, Observations: obs})
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(*got) == 2 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	bp, hr := (*got)[0], (*got)[1]
	assert.EqualValues(t, ExtendedConfigBase+0x02BC, bp.config, "kPa cuff: extended configuration")
	require.Len(t, bp.obs, 3)
	assert.Equal(t, ieee11073.MDCDimKiloPascal, bp.obs[0].Unit)
	assert.Equal(t, "18.9", bp.obs[0].Value.String(), "no unit conversion, precision kept")
	assert.EqualValues(t, ExtendedConfigBase+1, hr.config)
	require.Len(t, hr.obs, 2)
	assert.Equal(t, gatt.MDCEcgHeartRate, hr.obs[0].Type.Code)
	assert.Equal(t, "1000", hr.obs[1].Value.String())
	assert.NotEqual(t, bp.system, hr.system)
}

func TestBridgeResendsAcrossManagerRestart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	m, mu, got := startManager(t, l)

	br, err := NewBridge(BridgeConfig{Manager: addr, ReconnectMin: 5 * time.Millisecond, ReconnectMax: 20 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); br.Run(ctx) }()
	send := func(i int) {
		v := bpRecord(t, i)
		obs, err := observe(gatt.BloodPressureMeasurement, v, time.Time{}, time.UTC)
		require.NoError(t, err)
		br.Handle(Reading{Device: "AA:BB:CC:00:00:02", Characteristic: gatt.BloodPressureMeasurement, Value: v, Observations: obs})
	}
	send(0)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(*got) == 1 }, 10*time.Second, 5*time.Millisecond)

	// The manager goes away; readings wait; a new manager on the same address gets them all.
	require.NoError(t, m.Close())
	send(1)
	send(2)
	time.Sleep(50 * time.Millisecond)
	l2, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	m2, mu2, got2 := startManager(t, l2)
	defer m2.Close()
	require.Eventually(t, func() bool { mu2.Lock(); defer mu2.Unlock(); return len(*got2) == 2 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	<-done
	mu2.Lock()
	defer mu2.Unlock()
	assert.EqualValues(t, 101, (*got2)[0].obs[0].Value.Float64())
	assert.EqualValues(t, 102, (*got2)[1].obs[0].Value.Float64())
}

func TestSystemID(t *testing.T) {
	id := SystemID("00:11:22:33:44:55", gatt.BloodPressureMeasurement)
	assert.Equal(t, [8]byte{0x00, 0x11, 0x22, 0xFF, 0x35, 0x33, 0x44, 0x55}, id)
	assert.Equal(t, SystemID("fake-1", 0x2A35), SystemID("fake-1", 0x2A35))
	assert.NotEqual(t, SystemID("fake-1", 0x2A35), SystemID("fake-2", 0x2A35))
}
