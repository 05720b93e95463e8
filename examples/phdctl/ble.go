package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/ieee11073/gatt"
	"github.com/phdkit/phdkit/ieee11073/gatt/ble"
)

// healthServices are the services whose devices ble watch reads.
var healthServices = []gatt.UUID{gatt.ServiceBloodPressure, gatt.ServiceHealthThermometer,
	gatt.ServiceHeartRate, gatt.ServiceGlucose, gatt.ServiceWeightScale, gatt.ServicePulseOximeter}

// runBLE runs "phdctl ble watch": it reads Bluetooth health devices and prints one JSON line
// per reading with its decoded 11073 observations.
func runBLE(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "watch" {
		return fmt.Errorf("%w: phdctl ble watch [--adapter hci0] [--address MAC ...] [--scan D] [--fake] [--count N]", errUsage)
	}
	fs := newFlagSet("ble watch", stderr)
	adapter := fs.String("adapter", "hci0", "BlueZ adapter to use")
	address := fs.String("address", "", "comma-separated device addresses to read (default: scan for health devices)")
	scan := fs.Duration("scan", 10*time.Second, "how long to scan for health devices when no --address is given")
	fake := fs.Bool("fake", false, "read built-in fake devices instead of a radio (a cuff, a thermometer, a glucose meter)")
	count := fs.Int("count", 0, "stop after N readings (0: run until interrupted)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	var central ble.Central
	if *fake {
		central = fakeHealthDevices()
	} else {
		c, err := newBlueZ(*adapter)
		if err != nil {
			return fmt.Errorf("no Bluetooth adapter to read from (use --fake to see fake devices): %w", err)
		}
		central = c
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var addrs []string
	if *address != "" {
		addrs = strings.Split(*address, ",")
	} else {
		sctx, scancel := context.WithTimeout(ctx, *scan)
		err := central.Scan(sctx, func(ad ble.Advertisement) bool {
			if !slices.Contains(addrs, ad.Address) && slices.ContainsFunc(ad.Services, func(u gatt.UUID) bool { return slices.Contains(healthServices, u) }) {
				addrs = append(addrs, ad.Address)
				fmt.Fprintf(stderr, "phdctl ble: found %s %q\n", ad.Address, ad.Name)
			}
			return true
		})
		scancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return fmt.Errorf("scanning: %w", err)
		}
		if len(addrs) == 0 {
			return fmt.Errorf("no health device found within %v", *scan)
		}
	}

	out := newJSONLines(stdout)
	var (
		mu   sync.Mutex
		seen int
	)
	var wg sync.WaitGroup
	for _, a := range addrs {
		r, err := ble.NewReader(ble.Config{Central: central, Address: strings.TrimSpace(a),
			OnReading: func(rd ble.Reading) {
				if len(rd.Observations) == 0 && rd.Characteristic == gatt.RecordAccessControlPoint {
					return
				}
				out.write(readingLine(rd))
				mu.Lock()
				seen++
				if *count > 0 && seen >= *count {
					cancel()
				}
				mu.Unlock()
			},
			OnError: func(err error) { fmt.Fprintf(stderr, "phdctl ble: %v\n", err) },
		})
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Run(ctx)
		}()
	}
	wg.Wait()
	return out.err
}

// readingLine is the JSON line of one reading.
func readingLine(r ble.Reading) map[string]any {
	obs := make([]map[string]any, 0, len(r.Observations))
	for _, o := range r.Observations {
		line := map[string]any{
			"metric_code": o.Metric, "metric": gatt.Name(ieee11073.PartitionSCADA, o.Metric),
			"unit_code": o.Unit, "unit": gatt.Name(ieee11073.PartitionDim, o.Unit),
			"value": o.Value.String(),
		}
		if !o.Time.IsZero() {
			line["time"] = o.Time.Format(time.RFC3339)
		}
		if o.Interim {
			line["interim"] = true
		}
		obs = append(obs, line)
	}
	return map[string]any{
		"event": "reading", "device": r.Device, "characteristic": r.Characteristic.String(),
		"uuid": fmt.Sprintf("%04X", uint16(r.Characteristic)), "received": r.Received.Format(time.RFC3339Nano),
		"stored": r.Stored, "value": hex.EncodeToString(r.Value), "observations": obs,
	}
}

// fakeHealthDevices returns a central with three devices that hold stored records: a blood
// pressure cuff, a thermometer and a glucose meter.
func fakeHealthDevices() *ble.FakeCentral {
	at := time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)
	dt := func(t time.Time) gatt.DateTime {
		return gatt.DateTime{Year: uint16(t.Year()), Month: uint8(t.Month()), Day: uint8(t.Day()),
			Hours: uint8(t.Hour()), Minutes: uint8(t.Minute()), Seconds: uint8(t.Second())}
	}
	var bp, temp, glu [][]byte
	for i := range 3 {
		t := at.Add(time.Duration(i) * 10 * time.Minute)
		m := gatt.BloodPressure{Flags: gatt.BPFlagTimeStamp | gatt.BPFlagPulseRate,
			Systolic: ieee11073.SFloat(118 + i), Diastolic: ieee11073.SFloat(78 + i), MAP: ieee11073.SFloat(91 + i),
			PulseRate: ieee11073.SFloat(64 + i), Time: dt(t)}
		b, _ := m.AppendBinary(nil)
		bp = append(bp, b)
		v, _ := ieee11073.NewFloat(int32(3660+i*5), -2)
		tm := gatt.Temperature{Flags: gatt.TempFlagTimeStamp | gatt.TempFlagType, Value: v, Time: dt(t), Type: gatt.TempMouth}
		b, _ = tm.AppendBinary(nil)
		temp = append(temp, b)
		c, _ := ieee11073.NewSFloat(int32(95+i*5), -5) // 0.00095 kg/L = 95 mg/dL
		g := gatt.Glucose{Flags: gatt.GlucoseFlagConcentration, Sequence: uint16(i + 1), BaseTime: dt(t),
			Concentration: c, Type: gatt.GlucoseCapillaryPlasma, Location: gatt.LocationFinger}
		b, _ = g.AppendBinary(nil)
		glu = append(glu, b)
	}
	return ble.NewFakeCentral(
		&ble.FakeDevice{Address: "FA:CE:00:00:00:01", Name: "fake cuff",
			Chars:  []ble.Characteristic{{Service: gatt.ServiceBloodPressure, UUID: gatt.BloodPressureMeasurement}},
			Stored: map[gatt.UUID][][]byte{gatt.BloodPressureMeasurement: bp}},
		&ble.FakeDevice{Address: "FA:CE:00:00:00:02", Name: "fake thermometer",
			Chars:  []ble.Characteristic{{Service: gatt.ServiceHealthThermometer, UUID: gatt.TemperatureMeasurement}},
			Stored: map[gatt.UUID][][]byte{gatt.TemperatureMeasurement: temp}},
		&ble.FakeDevice{Address: "FA:CE:00:00:00:03", Name: "fake glucose meter",
			Chars: []ble.Characteristic{{Service: gatt.ServiceGlucose, UUID: gatt.GlucoseMeasurement},
				{Service: gatt.ServiceGlucose, UUID: gatt.RecordAccessControlPoint}},
			Stored: map[gatt.UUID][][]byte{gatt.GlucoseMeasurement: glu}},
	)
}
