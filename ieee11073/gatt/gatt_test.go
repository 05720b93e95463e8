package gatt

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type vectorFile struct {
	SFloat []struct {
		Raw      string   `json:"raw"`
		Exponent int      `json:"exponent"`
		Mantissa int32    `json:"mantissa"`
		Value    *float64 `json:"value"`
		Special  string   `json:"special"`
	} `json:"sfloat"`
	Float []struct {
		Raw      string   `json:"raw"`
		Exponent int      `json:"exponent"`
		Mantissa int32    `json:"mantissa"`
		Value    *float64 `json:"value"`
		Special  string   `json:"special"`
	} `json:"float"`
	Characteristics []struct {
		UUID   string         `json:"uuid"`
		Hex    string         `json:"hex"`
		Expect map[string]any `json:"expect"`
		Source struct {
			Test string `json:"test"`
		} `json:"source"`
	} `json:"characteristics"`
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/gatt_health_vectors.json")
	require.NoError(t, err)
	var v vectorFile
	require.NoError(t, json.Unmarshal(b, &v))
	require.NotEmpty(t, v.Characteristics)
	return v
}

// value is anything this package decodes.
type value interface {
	AppendBinary([]byte) ([]byte, error)
}

// decodeAny decodes b as characteristic c into a fresh value.
func decodeAny(c UUID, b []byte) (value, error) {
	switch c {
	case BloodPressureMeasurement:
		var m BloodPressure
		_, err := m.Unmarshal(b)
		return &m, err
	case IntermediateCuffPressure:
		var m BloodPressure
		_, err := m.UnmarshalIntermediate(b)
		return &m, err
	case TemperatureMeasurement:
		var m Temperature
		_, err := m.Unmarshal(b)
		return &m, err
	case HeartRateMeasurement:
		var m HeartRate
		_, err := m.Unmarshal(b)
		return &m, err
	case WeightMeasurement:
		var m Weight
		_, err := m.Unmarshal(b)
		return &m, err
	case GlucoseMeasurement:
		var m Glucose
		_, err := m.Unmarshal(b)
		return &m, err
	case PLXSpotCheckMeasurement:
		var m PLXSpotCheck
		_, err := m.Unmarshal(b)
		return &m, err
	case PLXContinuousMeasurement:
		var m PLXContinuous
		_, err := m.Unmarshal(b)
		return &m, err
	case RecordAccessControlPoint:
		var m RACP
		_, err := m.Unmarshal(b)
		return &m, err
	}
	return nil, ErrUnknown
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	f, ok := v.(float64)
	require.True(t, ok, "expected a number, got %T", v)
	return f
}

func assertSFloat(t *testing.T, want any, got ieee11073.SFloat, field string) {
	t.Helper()
	assert.InDelta(t, num(t, want), got.Float64(), 1e-9, "%s = %v", field, got)
}

func TestSFloatAndFloatVectors(t *testing.T) {
	v := loadVectors(t)
	for _, s := range v.SFloat {
		raw, err := strconv.ParseUint(strings.TrimPrefix(s.Raw, "0x"), 16, 16)
		require.NoError(t, err)
		// Read through the characteristic cursor, little-endian as on the air.
		r := reader{b: []byte{byte(raw), byte(raw >> 8)}}
		got := r.sfloat("v")
		checkSpecial(t, s.Raw, s.Special, s.Value, got.Kind(), got.Float64())
	}
	for _, f := range v.Float {
		raw, err := strconv.ParseUint(strings.TrimPrefix(f.Raw, "0x"), 16, 32)
		require.NoError(t, err)
		r := reader{b: []byte{byte(raw), byte(raw >> 8), byte(raw >> 16), byte(raw >> 24)}}
		got := r.float("v")
		checkSpecial(t, f.Raw, f.Special, f.Value, got.Kind(), got.Float64())
	}
}

func checkSpecial(t *testing.T, raw, special string, value *float64, kind ieee11073.FloatKind, f float64) {
	t.Helper()
	if special == "" {
		require.Equal(t, ieee11073.FloatKindFinite, kind, raw)
		require.NotNil(t, value, raw)
		assert.InDelta(t, *value, f, 1e-9, raw)
		return
	}
	assert.Equal(t, special, kind.String(), raw)
	// A special value never becomes a number in an observation.
	assert.Empty(t, appendObs(nil, 1, 1, ieee11073.Float(0x00800000), time.Time{}, false))
}

func TestCharacteristicVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Characteristics {
		t.Run(c.UUID+"/"+c.Source.Test, func(t *testing.T) {
			id, err := strconv.ParseUint(c.UUID, 16, 16)
			require.NoError(t, err)
			b, err := hex.DecodeString(c.Hex)
			require.NoError(t, err)
			m, err := decodeAny(UUID(id), b)
			if c.Expect["invalid"] == true {
				var de *DecodeError
				require.ErrorAs(t, err, &de, "decode(%s) succeeded, want an error", c.Hex)
				assert.ErrorIs(t, err, ErrShort)
				assert.NotEmpty(t, de.Field)
				return
			}
			require.NoError(t, err)
			again, err := m.AppendBinary(nil)
			require.NoError(t, err)
			assert.Equal(t, c.Hex, hex.EncodeToString(again), "re-encoding")
			checkExpect(t, m, c.Expect)
			for n := 0; n < len(b); n++ {
				_, err := decodeAny(UUID(id), b[:n])
				if hr, ok := m.(*HeartRate); ok && len(hr.RR) > 1 && n > len(b)-2*len(hr.RR) && (len(b)-n)%2 == 0 {
					// RR-intervals run to the end of the value: dropping whole intervals
					// leaves a shorter valid value.
					assert.NoError(t, err, "prefix of %d bytes", n)
					continue
				}
				assert.ErrorIs(t, err, ErrShort, "prefix of %d bytes decoded", n)
			}
			_, err = decodeAny(UUID(id), append(append([]byte{}, b...), 0))
			if UUID(id) != HeartRateMeasurement || m.(*HeartRate).Flags&HRFlagRR == 0 {
				assert.ErrorIs(t, err, ErrTrailing, "value with a trailing byte")
			}
		})
	}
}

func checkExpect(t *testing.T, m value, want map[string]any) {
	t.Helper()
	for k, w := range want {
		switch m := m.(type) {
		case *BloodPressure:
			switch k {
			case "unit":
				assert.Equal(t, map[string]ieee11073.OID{"mmHg": ieee11073.MDCDimMmhg, "kPa": ieee11073.MDCDimKiloPascal}[w.(string)], m.Unit())
			case "systolic":
				assertSFloat(t, w, m.Systolic, k)
			case "diastolic":
				assertSFloat(t, w, m.Diastolic, k)
			case "map":
				assertSFloat(t, w, m.MAP, k)
			case "pulse_rate":
				assertSFloat(t, w, m.PulseRate, k)
			case "timestamp":
				assert.Equal(t, w, m.Time.String())
			case "user_id":
				assert.EqualValues(t, num(t, w), m.UserID)
			case "status":
				assert.EqualValues(t, num(t, w), m.Status)
			case "status_bits":
				var names []string
				for _, n := range w.([]any) {
					names = append(names, n.(string))
				}
				assert.Equal(t, names, m.Status.Names())
			case "pulse_rate_range":
				assert.EqualValues(t, num(t, w), m.Status.PulseRateRange())
			default:
				t.Errorf("unchecked field %q", k)
			}
		case *Temperature:
			switch k {
			case "unit":
				assert.Equal(t, map[string]ieee11073.OID{"C": ieee11073.MDCDimDegc, "F": ieee11073.MDCDimFahr}[w.(string)], m.Unit())
			case "temperature":
				assert.InDelta(t, num(t, w), m.Value.Float64(), 1e-9)
			case "timestamp":
				assert.Equal(t, w, m.Time.String())
			case "temperature_type":
				assert.EqualValues(t, num(t, w), m.Type)
			default:
				t.Errorf("unchecked field %q", k)
			}
		case *HeartRate:
			switch k {
			case "hr":
				assert.EqualValues(t, num(t, w), m.Rate)
			case "contact":
				assert.Equal(t, w, m.Contact().String())
			case "energy_kj":
				assert.EqualValues(t, num(t, w), m.Energy)
			case "rr_1024":
				var rr []uint16
				for _, x := range w.([]any) {
					rr = append(rr, uint16(num(t, x)))
				}
				assert.Equal(t, rr, m.RR)
			default:
				t.Errorf("unchecked field %q", k)
			}
		case *Glucose:
			switch k {
			case "seq":
				assert.EqualValues(t, num(t, w), m.Sequence)
			case "base_time":
				assert.Equal(t, w, m.BaseTime.String())
			case "time_offset_min":
				assert.EqualValues(t, num(t, w), m.TimeOffset)
			case "unit":
				assert.Equal(t, map[string]ieee11073.OID{"kg/L": MDCDimKiloGPerL, "mol/L": MDCDimXMolePerL}[w.(string)], m.Unit())
			case "concentration":
				assertSFloat(t, w, m.Concentration, k)
			case "type":
				assert.EqualValues(t, num(t, w), m.Type)
			case "location":
				assert.EqualValues(t, num(t, w), m.Location)
			case "status":
				assert.EqualValues(t, num(t, w), m.Status)
			case "context_follows":
				assert.Equal(t, w, m.Flags&GlucoseFlagContext != 0)
			default:
				t.Errorf("unchecked field %q", k)
			}
		default:
			t.Fatalf("no checks for %T", m)
		}
	}
}

func TestObservationsFromVectors(t *testing.T) {
	// The full Nordic BP record: 138/88 mmHg, MAP 120, pulse 60, year unknown.
	b, _ := hex.DecodeString("1e8a00580078000000041114293b3c00012700")
	var bp BloodPressure
	_, err := bp.Unmarshal(b)
	require.NoError(t, err)
	obs := bp.Observations(nil, time.UTC)
	require.Len(t, obs, 4)
	want := []struct {
		metric ieee11073.OID
		unit   ieee11073.OID
		value  string
	}{
		{ieee11073.MDCPressBldNoninvSys, ieee11073.MDCDimMmhg, "138"},
		{ieee11073.MDCPressBldNoninvDia, ieee11073.MDCDimMmhg, "88"},
		{ieee11073.MDCPressBldNoninvMean, ieee11073.MDCDimMmhg, "120"},
		{ieee11073.MDCPulsRateNonInv, ieee11073.MDCDimBeatPerMin, "60"},
	}
	for i, w := range want {
		assert.Equal(t, w.metric, obs[i].Metric)
		assert.Equal(t, w.unit, obs[i].Unit)
		assert.Equal(t, w.value, obs[i].Value.String())
		assert.True(t, obs[i].Time.IsZero(), "year 0 must give no time")
		assert.False(t, obs[i].Interim)
	}

	// Intermediate cuff pressure: one interim cuff pressure, nothing final.
	b, _ = hex.DecodeString("1e0400000000000000041114293b3c00012700")
	_, err = bp.UnmarshalIntermediate(b)
	require.NoError(t, err)
	obs = bp.Observations(obs[:0], time.UTC)
	require.Len(t, obs, 1)
	assert.Equal(t, MDCPressCuff, obs[0].Metric)
	assert.True(t, obs[0].Interim)

	// Temperature 37.60 degC at 2012-12-05 11:50:27, precision kept.
	b, _ = hex.DecodeString("06b00e00fedc070c050b321b04")
	var tm Temperature
	_, err = tm.Unmarshal(b)
	require.NoError(t, err)
	obs = tm.Observations(obs[:0], time.UTC)
	require.Len(t, obs, 1)
	assert.Equal(t, "37.60", obs[0].Value.String())
	assert.Equal(t, time.Date(2012, 12, 5, 11, 50, 27, 0, time.UTC), obs[0].Time)
	assert.Equal(t, TempFinger, tm.Type)

	// Glucose: base time 2019-02-27 11:10:30 minus 5 minutes, capillary plasma.
	b, _ = hex.DecodeString("1b0100e307021b0b0a1efbff1e00120501")
	var g Glucose
	_, err = g.Unmarshal(b)
	require.NoError(t, err)
	obs = g.Observations(obs[:0], time.UTC)
	require.Len(t, obs, 1)
	assert.Equal(t, MDCConcGluCapPl, obs[0].Metric)
	assert.Equal(t, MDCDimKiloGPerL, obs[0].Unit)
	assert.Equal(t, time.Date(2019, 2, 27, 11, 5, 30, 0, time.UTC), obs[0].Time)
	assert.Equal(t, LocationFinger, g.Location)

	// Heart rate with RR-intervals 1, 258 and 65535 / 1024 s.
	b, _ = hex.DecodeString("1f0101320101000201ffff")
	var hr HeartRate
	_, err = hr.Unmarshal(b)
	require.NoError(t, err)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	obs = hr.Observations(obs[:0], now)
	require.Len(t, obs, 4)
	assert.Equal(t, "257", obs[0].Value.String())
	assert.Equal(t, "0.977", obs[1].Value.String())
	assert.Equal(t, "251.953", obs[2].Value.String())
	assert.Equal(t, "63999.02", obs[3].Value.String())
	assert.Equal(t, now, obs[3].Time)
}

func TestSpecialValuesAreAbsent(t *testing.T) {
	// kPa BP with NaN systolic, NRes diastolic, +INF MAP and a reserved pulse: nothing usable.
	m := BloodPressure{Flags: BPFlagKPa | BPFlagPulseRate,
		Systolic: ieee11073.SFloatNaN, Diastolic: ieee11073.SFloatNRes,
		MAP: ieee11073.SFloatPosInf, PulseRate: ieee11073.SFloatReserved}
	b, err := m.AppendBinary(nil)
	require.NoError(t, err)
	var got BloodPressure
	_, err = got.Unmarshal(b)
	require.NoError(t, err)
	assert.Equal(t, m, got)
	assert.Empty(t, got.Observations(nil, nil))

	// A FLOAT -INF temperature in degF.
	tm := Temperature{Flags: TempFlagFahrenheit, Value: ieee11073.FloatNegInf}
	assert.Empty(t, tm.Observations(nil, nil))
	assert.Equal(t, ieee11073.MDCDimFahr, tm.Unit())
}

func TestWeight(t *testing.T) {
	// SI: 70.000 kg (14000 × 0.005), 2024-03-01 08:00:00, user 2, BMI 22.9, height 1.750 m.
	b, _ := hex.DecodeString("0eb036" + "e807030108000002" + "e500d606")
	var w Weight
	_, err := w.Unmarshal(b)
	require.NoError(t, err)
	v, unit, ok := w.Value()
	require.True(t, ok)
	assert.Equal(t, "70.000", v.String())
	assert.Equal(t, ieee11073.MDCDimKiloG, unit)
	obs := w.Observations(nil, time.UTC)
	require.Len(t, obs, 3)
	assert.Equal(t, "22.9", obs[1].Value.String())
	assert.Equal(t, ieee11073.MDCDimKgPerMSq, obs[1].Unit)
	assert.Equal(t, "175.0", obs[2].Value.String())
	assert.Equal(t, ieee11073.MDCDimCentiM, obs[2].Unit)
	assert.Equal(t, time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC), obs[0].Time)
	again, _ := w.AppendBinary(nil)
	assert.Equal(t, b, again)

	// Imperial: 154.32 lb, no time; then an unsuccessful measurement.
	b, _ = hex.DecodeString("01483c")
	_, err = w.Unmarshal(b)
	require.NoError(t, err)
	v, unit, ok = w.Value()
	require.True(t, ok)
	assert.Equal(t, "154.32", v.String())
	assert.Equal(t, ieee11073.MDCDimLb, unit)
	_, err = w.Unmarshal([]byte{0x00, 0xff, 0xff})
	require.NoError(t, err)
	assert.Empty(t, w.Observations(nil, nil))
}

func TestPLX(t *testing.T) {
	// Spot-check: SpO2 97 %, PR 72, a time stamp while the device clock is not set, PAI 2.5.
	b, _ := hex.DecodeString("19" + "6100" + "4800" + "ea070b160a0000" + "19f0")
	var s PLXSpotCheck
	_, err := s.Unmarshal(b)
	require.NoError(t, err)
	assert.False(t, s.TimeKnown(), "clock not set: the time stamp is not trusted")
	obs := s.Observations(nil, time.UTC)
	require.Len(t, obs, 3)
	assert.Equal(t, ieee11073.MDCPulsOximSatO2, obs[0].Metric)
	assert.Equal(t, "97", obs[0].Value.String())
	assert.Equal(t, "2.5", obs[2].Value.String())
	assert.True(t, obs[0].Time.IsZero())

	// Continuous with fast and slow values, measurement status "invalid": no observations.
	c := PLXContinuous{Flags: PLXContFlagFast | PLXContFlagSlow | PLXContFlagStatus | PLXContFlagDeviceStatus,
		SpO2: 98, PulseRate: 60, SpO2Fast: 97, PulseRateFast: 61, SpO2Slow: 98, PulseRateSlow: 60,
		Status: PLXStatusInvalid, DeviceStatus: PLXDeviceLowPerfusion}
	b, err = c.AppendBinary(nil)
	require.NoError(t, err)
	var got PLXContinuous
	_, err = got.Unmarshal(b)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	assert.Empty(t, got.Observations(nil, time.Time{}))
	got.Status = PLXStatusValidated
	assert.Len(t, got.Observations(nil, time.Time{}), 2)

	c.DeviceStatus = 1 << 24
	_, err = c.AppendBinary(nil)
	assert.ErrorIs(t, err, ErrValue)
}

func TestRACP(t *testing.T) {
	req := ReportAllRecords()
	b, _ := req.AppendBinary(nil)
	assert.Equal(t, []byte{0x01, 0x01}, b)
	from := ReportRecordsFrom(0x0102)
	b, _ = from.AppendBinary(nil)
	assert.Equal(t, []byte{0x01, 0x03, 0x01, 0x02, 0x01}, b)

	var r RACP
	_, err := r.Unmarshal([]byte{0x06, 0x00, 0x01, 0x01})
	require.NoError(t, err)
	op, res, ok := r.Response()
	require.True(t, ok)
	assert.Equal(t, RACPReportStoredRecords, op)
	assert.Equal(t, RACPSuccess, res)
	assert.Equal(t, "success", res.String())

	_, err = r.Unmarshal([]byte{0x05, 0x00, 0x32, 0x00})
	require.NoError(t, err)
	n, ok := r.NumberOfRecords()
	assert.True(t, ok)
	assert.EqualValues(t, 50, n)

	for _, bad := range []string{"06", "0600", "060001", "0600010101", "0601", "05000a", "00", "07"} {
		b, _ := hex.DecodeString(bad)
		_, err := r.Unmarshal(b)
		var de *DecodeError
		assert.True(t, errors.As(err, &de), "RACP %s decoded", bad)
	}
}

func TestEncodeErrors(t *testing.T) {
	_, err := (&HeartRate{Rate: 300}).AppendBinary(nil)
	assert.ErrorIs(t, err, ErrValue)
	_, err = (&HeartRate{Flags: HRFlagRR}).AppendBinary(nil)
	assert.ErrorIs(t, err, ErrValue)
	_, err = (&Glucose{Flags: GlucoseFlagConcentration, Type: 16}).AppendBinary(nil)
	assert.ErrorIs(t, err, ErrValue)
}

func TestDateTime(t *testing.T) {
	d := DateTime{Year: 0, Month: 4, Day: 17, Hours: 20, Minutes: 41, Seconds: 59}
	_, ok := d.Time(nil)
	assert.False(t, ok)
	d.Year = 2024
	got, ok := d.Time(nil)
	assert.True(t, ok)
	assert.Equal(t, time.Date(2024, 4, 17, 20, 41, 59, 0, time.UTC), got)
	d.Hours = 24
	assert.False(t, d.Known())
}

func TestSpecialization(t *testing.T) {
	s, ok := SpecializationFor(BloodPressureMeasurement)
	require.True(t, ok)
	assert.EqualValues(t, 0x02BC, s.ConfigID)
	_, ok = SpecializationFor(0x1234)
	assert.False(t, ok)
	assert.Equal(t, "Blood Pressure Measurement", BloodPressureMeasurement.String())
	assert.Equal(t, "0x1234", UUID(0x1234).String())
	_ = math.Pi
}

func TestName(t *testing.T) {
	assert.Equal(t, "MDC_CONC_GLU_CAPILLARY_PLASMA", Name(ieee11073.PartitionSCADA, MDCConcGluCapPl))
	assert.Equal(t, "MDC_DIM_KILO_G_PER_L", Name(ieee11073.PartitionDim, MDCDimKiloGPerL))
	assert.Equal(t, "", Name(ieee11073.PartitionSCADA, MDCDimKiloGPerL), "a unit is not a metric")
	assert.Equal(t, "MDC_PRESS_BLD_NONINV_SYS", Name(ieee11073.PartitionSCADA, ieee11073.MDCPressBldNoninvSys))
	assert.Equal(t, "", Name(ieee11073.PartitionSCADA, 1))
}
