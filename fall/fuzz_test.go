package fall_test

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/phdkit/phdkit/fall"
	"github.com/phdkit/phdkit/fall/synth"
)

// Fuzz input format, repeated until the input runs out (a trailing partial record is
// dropped):
//
//	flags  uint8   bit 0: raw float64 X follows; bit 1: gyroscope follows;
//	               bit 2: raw float64 GX follows; bit 3: raw int64 T follows
//	dt     int16   time step in units of 0.5 ms (may be zero or negative)
//	x,y,z  int16   acceleration in units of 1/2048 g
//	[x     uint64  raw IEEE 754 bits]          if bit 0
//	[gx,gy,gz int16 angular rate in mrad/s]     if bit 1
//	[gx    uint64  raw IEEE 754 bits]          if bit 2
//	[t     int64   timestamp in ns]            if bit 3
func decodeFuzz(b []byte) []fall.Sample {
	var out []fall.Sample
	var t time.Duration
	for len(b) >= 9 {
		flags := b[0]
		dt := int16(binary.BigEndian.Uint16(b[1:]))
		s := fall.Sample{
			X: float64(int16(binary.BigEndian.Uint16(b[3:]))) / 2048,
			Y: float64(int16(binary.BigEndian.Uint16(b[5:]))) / 2048,
			Z: float64(int16(binary.BigEndian.Uint16(b[7:]))) / 2048,
		}
		b = b[9:]
		t += time.Duration(dt) * 500 * time.Microsecond
		s.T = t
		if flags&1 != 0 {
			if len(b) < 8 {
				break
			}
			s.X = math.Float64frombits(binary.BigEndian.Uint64(b))
			b = b[8:]
		}
		if flags&2 != 0 {
			if len(b) < 6 {
				break
			}
			s.HasGyro = true
			s.GX = float64(int16(binary.BigEndian.Uint16(b))) / 1000
			s.GY = float64(int16(binary.BigEndian.Uint16(b[2:]))) / 1000
			s.GZ = float64(int16(binary.BigEndian.Uint16(b[4:]))) / 1000
			b = b[6:]
		}
		if flags&4 != 0 {
			if len(b) < 8 {
				break
			}
			s.GX = math.Float64frombits(binary.BigEndian.Uint64(b))
			b = b[8:]
		}
		if flags&8 != 0 {
			if len(b) < 8 {
				break
			}
			t = time.Duration(binary.BigEndian.Uint64(b))
			s.T = t
			b = b[8:]
		}
		out = append(out, s)
	}
	return out
}

// encodeFuzz is the inverse of decodeFuzz for well-behaved samples (regular steps, in range).
func encodeFuzz(samples []fall.Sample) []byte {
	var b []byte
	var prev time.Duration
	q := func(v, scale float64) uint16 {
		v = math.Round(v * scale)
		v = math.Max(-32768, math.Min(32767, v))
		return uint16(int16(v))
	}
	for _, s := range samples {
		flags := byte(0)
		if s.HasGyro {
			flags |= 2
		}
		step := (s.T - prev) / (500 * time.Microsecond)
		prev += step * 500 * time.Microsecond
		b = append(b, flags)
		b = binary.BigEndian.AppendUint16(b, uint16(int16(step)))
		b = binary.BigEndian.AppendUint16(b, q(s.X, 2048))
		b = binary.BigEndian.AppendUint16(b, q(s.Y, 2048))
		b = binary.BigEndian.AppendUint16(b, q(s.Z, 2048))
		if s.HasGyro {
			b = binary.BigEndian.AppendUint16(b, q(s.GX, 1000))
			b = binary.BigEndian.AppendUint16(b, q(s.GY, 1000))
			b = binary.BigEndian.AppendUint16(b, q(s.GZ, 1000))
		}
	}
	return b
}

// FuzzDetector feeds arbitrary sample streams (NaN, infinities, huge values, out-of-order,
// duplicate and far-apart timestamps) and checks that the detector never panics, refuses
// only with its sentinel errors, and reports well-formed events in a legal order.
func FuzzDetector(f *testing.F) {
	for i, a := range append(synth.DailyActivities(), synth.Falls()...) {
		tr := synth.Generate(a, uint64(i), synth.Config{RateHz: 25, Duration: 12 * time.Second, Gyro: i%2 == 0})
		f.Add(encodeFuzz(tr.Samples))
	}
	f.Add([]byte{1, 0, 40, 0, 0, 0, 0, 8, 0, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1})
	// Timestamps at both ends of the int64 range.
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 8, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 8, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := fall.New(fall.Config{})
		if err != nil {
			t.Fatal(err)
		}
		fallen := false
		buf := make([]fall.Event, 0, 4)
		for _, s := range decodeFuzz(data) {
			ev, err := d.Push(buf[:0], s)
			if err != nil {
				if !errors.Is(err, fall.ErrNonFinite) && !errors.Is(err, fall.ErrOutOfOrder) && !errors.Is(err, fall.ErrDuplicate) {
					t.Fatalf("Push(%+v) = %v, not a sentinel error", s, err)
				}
				if len(ev) != 0 {
					t.Fatalf("refused sample produced events %v", ev)
				}
				continue
			}
			if len(ev) > 3 {
				t.Fatalf("%d events for one sample", len(ev))
			}
			for _, e := range ev {
				if e.Kind < fall.EventCalibrated || e.Kind > fall.EventGap {
					t.Fatalf("bad event kind %v", e.Kind)
				}
				if !(e.Angle >= 0 && e.Angle <= 180) || !(e.Confidence >= 0 && e.Confidence <= 1) || math.IsNaN(e.PeakG) || math.IsInf(e.PeakG, 0) {
					t.Fatalf("malformed event %+v", e)
				}
				if e.Posture > fall.PostureLying || e.From > fall.PostureLying {
					t.Fatalf("bad posture in %+v", e)
				}
				switch e.Kind {
				case fall.EventFall:
					if fallen {
						t.Fatalf("second fall without recovery: %+v", e)
					}
					if e.T > s.T || e.PeakG <= 0 {
						t.Fatalf("fall event %+v at sample time %v", e, s.T)
					}
					fallen = true
				case fall.EventRecovery:
					if !fallen {
						t.Fatalf("recovery without a fall: %+v", e)
					}
					fallen = false
				}
			}
			if d.Fallen() != fallen {
				t.Fatalf("Fallen() = %v, events say %v", d.Fallen(), fallen)
			}
			if tl := d.Tilt(); d.Calibrated() && !(tl >= 0 && tl <= 180) {
				t.Fatalf("Tilt = %v", tl)
			}
		}
	})
}
