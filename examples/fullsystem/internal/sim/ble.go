package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/ieee11073/gatt"
	"github.com/phdkit/phdkit/ieee11073/gatt/ble"
)

// BLEAddress returns the Bluetooth address of simulated BLE cuff i.
func BLEAddress(i int) string {
	return fmt.Sprintf("C0:FF:EE:%02X:%02X:%02X", byte(i>>16), byte(i>>8), byte(i))
}

// NewBLECuff returns a fake Bluetooth blood pressure cuff (Blood Pressure service 0x1810,
// Blood Pressure Measurement 0x2A35) with address BLEAddress(i).
func NewBLECuff(i int) *ble.FakeDevice {
	return &ble.FakeDevice{
		Address: BLEAddress(i), Name: "phdkit-cuff",
		Chars: []ble.Characteristic{{Service: 0x1810, UUID: gatt.BloodPressureMeasurement}},
	}
}

// RunBLE runs one BLE blood pressure cuff and its bridge: the device measures every
// cfg.Interval (at least a second: its time stamps have a resolution of one second) and
// notifies the value; a ble.Reader on central receives it, and the bridge presents the device
// upward as a 10407 blood pressure monitor (a 20601 agent with cfg.SystemID) that seals each
// reading, as Run does. cfg.Kind is ignored. When stop is closed the device stops measuring,
// the readings under way are delivered and RunBLE returns; when ctx ends it aborts.
func RunBLE(ctx context.Context, stop <-chan struct{}, central *ble.FakeCentral, dev *ble.FakeDevice, cfg AgentConfig) error {
	cfg.Kind = phd.KindBP
	cfg.Interval = max(cfg.Interval, time.Second)
	src := make(chan []ieee11073.Observation, 256)
	cfg.Source = src
	var errs []error
	var mu sync.Mutex
	rdr, err := ble.NewReader(ble.Config{
		Central: central, Address: dev.Address, Settle: 50 * time.Millisecond,
		OnReading: func(r ble.Reading) {
			obs := bridgeObservations(r.Observations)
			if obs == nil {
				return
			}
			select {
			case src <- obs:
			case <-ctx.Done():
			}
		},
		OnError: func(err error) {
			mu.Lock()
			if len(errs) < 10 {
				errs = append(errs, err)
			}
			mu.Unlock()
		},
	})
	if err != nil {
		return err
	}
	rctx, stopReader := context.WithCancel(ctx)
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		rdr.Run(rctx)
	}()
	agentDone := make(chan error, 1)
	go func() { agentDone <- Run(ctx, nil, cfg) }()

	// The device: one measurement per interval while a reader listens.
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xB1E))
	tick := time.NewTicker(cfg.Interval)
	var last time.Time
loop:
	for {
		select {
		case <-stop:
			break loop
		case <-ctx.Done():
			break loop
		case now := <-tick.C:
			now = now.UTC().Truncate(time.Second)
			if !now.After(last) {
				continue
			}
			last = now
			if v, err := cuffValue(rng, now); err == nil {
				dev.Notify(gatt.BloodPressureMeasurement, v)
			}
		}
	}
	tick.Stop()
	// Let the reader deliver the last burst, then end the bridge.
	t := time.NewTimer(200 * time.Millisecond)
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	t.Stop()
	stopReader()
	<-readerDone
	close(src)
	return <-agentDone
}

func cuffValue(rng *rand.Rand, now time.Time) ([]byte, error) {
	sf := func(v int32) ieee11073.SFloat {
		f, _ := ieee11073.NewSFloat(v, 0)
		return f
	}
	sys := 110 + rng.Int32N(40)
	dia := 70 + rng.Int32N(20)
	m := gatt.BloodPressure{
		Flags:     gatt.BPFlagTimeStamp | gatt.BPFlagPulseRate,
		Systolic:  sf(sys),
		Diastolic: sf(dia),
		MAP:       sf((sys + 2*dia) / 3),
		PulseRate: sf(60 + rng.Int32N(30)),
		Time: gatt.DateTime{Year: uint16(now.Year()), Month: uint8(now.Month()), Day: uint8(now.Day()),
			Hours: uint8(now.Hour()), Minutes: uint8(now.Minute()), Seconds: uint8(now.Second())},
	}
	return m.AppendBinary(nil)
}

// bridgeObservations lays a cuff's GATT observations out as the 10407 configuration's
// objects: the compound pressure (handle 1: systolic, diastolic, mean) and the pulse rate
// (handle 2). It returns nil for an interim or incomplete reading.
func bridgeObservations(in []gatt.Observation) []ieee11073.Observation {
	var sys, dia, mean, pulse *gatt.Observation
	for i := range in {
		o := &in[i]
		if o.Interim {
			return nil
		}
		switch o.Metric {
		case 18949:
			sys = o
		case 18950:
			dia = o
		case 18951:
			mean = o
		case 18474:
			pulse = o
		}
	}
	if sys == nil || dia == nil || mean == nil || pulse == nil {
		return nil
	}
	at := ieee11073.AbsoluteTimeOf(sys.Time)
	return []ieee11073.Observation{
		{Handle: 1, Value: sys.Value, Time: at},
		{Handle: 1, Value: dia.Value, Time: at},
		{Handle: 1, Value: mean.Value, Time: at},
		{Handle: 2, Value: pulse.Value, Time: at},
	}
}
