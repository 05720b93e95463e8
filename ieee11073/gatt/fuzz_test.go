package gatt

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// fuzzRoundTrip checks that any input either fails with a *DecodeError or decodes to a value
// that re-encodes to the same bytes and decodes again to the same value, and that turning it
// into observations never panics.
func fuzzRoundTrip(f *testing.F, c UUID) {
	v := loadVectors(f)
	for _, e := range v.Characteristics {
		if id, _ := strconv.ParseUint(e.UUID, 16, 16); UUID(id) == c {
			b, _ := hex.DecodeString(e.Hex)
			f.Add(b)
		}
	}
	f.Add([]byte{0xff})
	f.Add(bytes.Repeat([]byte{0xff}, 24))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeAny(c, b)
		if err != nil {
			if _, ok := err.(*DecodeError); !ok {
				t.Fatalf("error %v is %T, want *DecodeError", err, err)
			}
			return
		}
		out, err := m.AppendBinary(nil)
		if err != nil {
			t.Fatalf("re-encoding a decoded value: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encoded %x, decoded from %x", out, b)
		}
		m2, err := decodeAny(c, out)
		if err != nil {
			t.Fatalf("decoding the re-encoding: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the value: %+v != %+v", m, m2)
		}
		switch m := m.(type) {
		case *BloodPressure:
			m.Observations(nil, time.UTC)
		case *Temperature:
			m.Observations(nil, time.UTC)
		case *HeartRate:
			m.Observations(nil, time.Time{})
		case *Weight:
			m.Observations(nil, time.UTC)
		case *Glucose:
			m.Observations(nil, time.UTC)
		case *PLXSpotCheck:
			m.Observations(nil, time.UTC)
		case *PLXContinuous:
			m.Observations(nil, time.Time{})
		}
	})
}

func FuzzBloodPressure(f *testing.F)            { fuzzRoundTrip(f, BloodPressureMeasurement) }
func FuzzIntermediateCuffPressure(f *testing.F) { fuzzRoundTrip(f, IntermediateCuffPressure) }
func FuzzTemperature(f *testing.F)              { fuzzRoundTrip(f, TemperatureMeasurement) }
func FuzzHeartRate(f *testing.F)                { fuzzRoundTrip(f, HeartRateMeasurement) }
func FuzzWeight(f *testing.F)                   { fuzzRoundTrip(f, WeightMeasurement) }
func FuzzGlucose(f *testing.F)                  { fuzzRoundTrip(f, GlucoseMeasurement) }
func FuzzPLXSpotCheck(f *testing.F)             { fuzzRoundTrip(f, PLXSpotCheckMeasurement) }
func FuzzPLXContinuous(f *testing.F)            { fuzzRoundTrip(f, PLXContinuousMeasurement) }
func FuzzRACP(f *testing.F)                     { fuzzRoundTrip(f, RecordAccessControlPoint) }
