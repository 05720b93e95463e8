package gatt

import "github.com/phdkit/phdkit/ieee11073"

// Temperature Measurement (0x2A1C), Health Thermometer Service 1.0 / GATT Specification
// Supplement §3.216:
//
//	| flags u8 | temperature FLOAT | time stamp (7, flag bit 1) | type u8 (flag bit 2) |
//
// Flag bit 0 selects the unit: 0 degrees Celsius, 1 degrees Fahrenheit.

// TempFlags is the flags octet of a Temperature Measurement.
type TempFlags uint8

// The flag bits; bits 3-7 are reserved and kept as sent.
const (
	TempFlagFahrenheit TempFlags = 1 << 0
	TempFlagTimeStamp  TempFlags = 1 << 1
	TempFlagType       TempFlags = 1 << 2
)

// TemperatureType is where the temperature was taken (Temperature Type characteristic).
type TemperatureType uint8

// The temperature types; 0 and 10-255 are reserved.
const (
	TempArmpit   TemperatureType = 1
	TempBody     TemperatureType = 2 // body (general)
	TempEar      TemperatureType = 3 // ear (usually earlobe)
	TempFinger   TemperatureType = 4
	TempGITract  TemperatureType = 5
	TempMouth    TemperatureType = 6
	TempRectum   TemperatureType = 7
	TempToe      TemperatureType = 8
	TempTympanum TemperatureType = 9 // ear drum
)

var temperatureTypeNames = [...]string{"", "armpit", "body", "ear", "finger", "gi_tract",
	"mouth", "rectum", "toe", "tympanum"}

func (t TemperatureType) String() string {
	if t >= 1 && int(t) < len(temperatureTypeNames) {
		return temperatureTypeNames[t]
	}
	return "reserved"
}

// Temperature is a decoded Temperature Measurement. A special FLOAT value (NaN, NRes, ±INF,
// reserved) is kept raw; Observations treats it as absent.
type Temperature struct {
	Flags TempFlags
	Value ieee11073.Float
	Time  DateTime
	Type  TemperatureType // 0 when the flag is clear
}

// Unit returns MDC_DIM_DEGC or MDC_DIM_FAHR.
func (m *Temperature) Unit() ieee11073.OID {
	if m.Flags&TempFlagFahrenheit != 0 {
		return ieee11073.MDCDimFahr
	}
	return ieee11073.MDCDimDegc
}

// Unmarshal decodes a Temperature Measurement value into m, overwriting every field.
func (m *Temperature) Unmarshal(b []byte) (int, error) {
	r := reader{b: b, uuid: TemperatureMeasurement}
	*m = Temperature{}
	m.Flags = TempFlags(r.u8("flags"))
	m.Value = r.float("temperature")
	if m.Flags&TempFlagTimeStamp != 0 {
		m.Time = r.dateTime("time_stamp")
	}
	if m.Flags&TempFlagType != 0 {
		m.Type = TemperatureType(r.u8("temperature_type"))
	}
	return r.done()
}

// AppendBinary appends the value as its flags describe it.
func (m *Temperature) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, byte(m.Flags))
	b = append(b, byte(m.Value), byte(m.Value>>8), byte(m.Value>>16), byte(m.Value>>24))
	if m.Flags&TempFlagTimeStamp != 0 {
		b = m.Time.appendTo(b)
	}
	if m.Flags&TempFlagType != 0 {
		b = append(b, byte(m.Type))
	}
	return b, nil
}
