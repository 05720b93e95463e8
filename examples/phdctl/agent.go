package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
)

// specialization is a device phdctl agent can simulate.
type specialization struct {
	configID ieee11073.ConfigID
	// values returns the measurement n: one value per observation the configuration's
	// objects report, in order, as decimal mantissa and exponent.
	values func(n int) [][2]int32
}

var specializations = map[string]specialization{
	// 10407 blood pressure: systolic, diastolic, mean arterial pressure (mmHg), pulse (bpm).
	"bp": {0x02BC, func(n int) [][2]int32 {
		d := int32(n % 5)
		return [][2]int32{{118 + d, 0}, {78 + d, 0}, {91 + d, 0}, {68 + d, 0}}
	}},
	// 10408 thermometer: body temperature (°C).
	"thermo": {0x0320, func(n int) [][2]int32 { return [][2]int32{{366 + int32(n%5), -1}} }},
	// 10415 weighing scale: body weight (kg).
	"scale": {0x05DC, func(n int) [][2]int32 { return [][2]int32{{724 + int32(n%5), -1}} }},
	// 10417 glucose meter: capillary whole blood glucose (mg/dL).
	"glucose": {0x06A4, func(n int) [][2]int32 { return [][2]int32{{92 + int32(n%5), 0}} }},
	// 10404 pulse oximeter: SpO2 (%), pulse rate (bpm).
	"oximeter": {0x0190, func(n int) [][2]int32 { return [][2]int32{{97 - int32(n%3), 0}, {72 + int32(n%5), 0}} }},
}

// runAgent simulates a device: it connects, associates, sends count confirmed reports
// interval apart and releases. It prints one JSON line per step.
func runAgent(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("agent", stderr)
	addr := fs.String("connect", "127.0.0.1:6024", "TCP address of the manager")
	spec := fs.String("specialization", "bp", "device to simulate: bp, thermo, scale, glucose or oximeter")
	count := fs.Int("count", 1, "number of measurements to send")
	interval := fs.Duration("interval", time.Second, "time between measurements")
	sysID := fs.String("system-id", "", "EUI-64 system id as 16 hex digits (default: random)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	sp, ok := specializations[*spec]
	if !ok {
		return fmt.Errorf("%w: unknown specialization %q (bp, thermo, scale, glucose, oximeter)", errUsage, *spec)
	}
	if *count < 0 || *interval < 0 {
		return fmt.Errorf("%w: --count and --interval must not be negative", errUsage)
	}
	cfg := ieee11073.AgentConfig{ConfigID: sp.configID}
	if *sysID != "" {
		b, err := hex.DecodeString(*sysID)
		if err != nil || len(b) != 8 {
			return fmt.Errorf("%w: --system-id wants 16 hex digits", errUsage)
		}
		copy(cfg.SystemID[:], b)
	}
	config, ok := ieee11073.StandardConfiguration(sp.configID)
	if !ok {
		return fmt.Errorf("no standard configuration %#04x", uint16(sp.configID))
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", *addr)
	if err != nil {
		return err
	}
	a, err := ieee11073.NewAgent(conn, cfg)
	if err != nil {
		conn.Close()
		return err
	}
	defer a.Close()
	out := newJSONLines(stdout)
	id := a.SystemID()
	if err := a.Associate(ctx); err != nil {
		return fmt.Errorf("associating: %w", err)
	}
	out.write(map[string]any{"event": "associated", "system_id": hex.EncodeToString(id[:]), "config_id": uint16(sp.configID)})

	timer := time.NewTimer(0)
	defer timer.Stop()
	sent := 0
	for n := 0; n < *count; n++ {
		if n > 0 {
			timer.Reset(*interval)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		obs, err := measurement(config, sp.values(n), time.Now())
		if err != nil {
			return err
		}
		if err := a.SendObservations(ctx, obs, true); err != nil {
			if ctx.Err() != nil {
				break
			}
			return fmt.Errorf("report %d: %w", n+1, err)
		}
		values := make([]string, len(obs))
		for i := range obs {
			values[i] = obs[i].Value.String()
		}
		out.write(map[string]any{"event": "report", "n": n + 1, "values": values})
		sent++
	}
	// Release even when interrupted, within a bound of its own.
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Release(rctx); err != nil {
		return fmt.Errorf("releasing: %w", err)
	}
	out.write(map[string]any{"event": "released", "reports": sent})
	return out.err
}

// measurement builds the observations of one measurement for config from decimal values.
func measurement(config *ieee11073.Configuration, values [][2]int32, at time.Time) ([]ieee11073.Observation, error) {
	var obs []ieee11073.Observation
	k := 0
	for i := range config.Objects {
		o := &config.Objects[i]
		parts := 1
		if len(o.PhysioList) > 0 {
			parts = len(o.PhysioList)
		}
		for range parts {
			if k >= len(values) {
				return nil, fmt.Errorf("configuration %#04x wants more values than the simulation has", uint16(config.ID))
			}
			v, err := ieee11073.NewFloat(values[k][0], int(values[k][1]))
			if err != nil {
				return nil, err
			}
			k++
			obs = append(obs, ieee11073.Observation{Handle: o.Handle, Value: v, Time: ieee11073.AbsoluteTimeOf(at)})
		}
	}
	return obs, nil
}
