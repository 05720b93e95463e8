package gatt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
)

// UUID is a 16-bit Bluetooth SIG assigned number of a service or characteristic.
type UUID uint16

// The health services and characteristics this package knows (Bluetooth SIG Assigned Numbers).
const (
	ServiceHealthThermometer UUID = 0x1809
	ServiceHeartRate         UUID = 0x180D
	ServiceBloodPressure     UUID = 0x1810
	ServiceGlucose           UUID = 0x1808
	ServiceWeightScale       UUID = 0x181D
	ServicePulseOximeter     UUID = 0x1822

	GlucoseMeasurement            UUID = 0x2A18
	TemperatureMeasurement        UUID = 0x2A1C
	BloodPressureMeasurement      UUID = 0x2A35
	IntermediateCuffPressure      UUID = 0x2A36
	HeartRateMeasurement          UUID = 0x2A37
	RecordAccessControlPoint      UUID = 0x2A52
	PLXSpotCheckMeasurement       UUID = 0x2A5E
	PLXContinuousMeasurement      UUID = 0x2A5F
	WeightMeasurement             UUID = 0x2A9D
	clientCharacteristicConfigure UUID = 0x2902
)

var uuidNames = map[UUID]string{
	ServiceHealthThermometer: "Health Thermometer",
	ServiceHeartRate:         "Heart Rate",
	ServiceBloodPressure:     "Blood Pressure",
	ServiceGlucose:           "Glucose",
	ServiceWeightScale:       "Weight Scale",
	ServicePulseOximeter:     "Pulse Oximeter",
	GlucoseMeasurement:       "Glucose Measurement",
	TemperatureMeasurement:   "Temperature Measurement",
	BloodPressureMeasurement: "Blood Pressure Measurement",
	IntermediateCuffPressure: "Intermediate Cuff Pressure",
	HeartRateMeasurement:     "Heart Rate Measurement",
	RecordAccessControlPoint: "Record Access Control Point",
	PLXSpotCheckMeasurement:  "PLX Spot-Check Measurement",
	PLXContinuousMeasurement: "PLX Continuous Measurement",
	WeightMeasurement:        "Weight Measurement",
}

// String returns the assigned name, or the number in hex.
func (u UUID) String() string {
	if s, ok := uuidNames[u]; ok {
		return s
	}
	return fmt.Sprintf("0x%04X", uint16(u))
}

// Sentinel errors. Decoders wrap them in a *DecodeError; check them with errors.Is.
var (
	// ErrShort means the value ended before a field that its flags announce.
	ErrShort = errors.New("gatt: value too short")
	// ErrTrailing means bytes remain after every field the flags announce.
	ErrTrailing = errors.New("gatt: unexpected bytes after the last field")
	// ErrValue means a field holds a value the specification forbids.
	ErrValue = errors.New("gatt: invalid field value")
	// ErrUnknown means no decoder exists for the characteristic.
	ErrUnknown = errors.New("gatt: unknown characteristic")
)

// DecodeError describes why a characteristic value failed to decode: which characteristic,
// the field that failed, its byte offset in the value, and the cause (one of the sentinels).
type DecodeError struct {
	UUID   UUID
	Offset int
	Field  string
	Err    error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("gatt: decoding %s %s at offset %d: %v", e.UUID, e.Field, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// reader is a little-endian cursor over a characteristic value. The first failure sticks:
// later reads return zero values and the error names the first field that failed.
type reader struct {
	b     []byte
	off   int
	uuid  UUID
	field string
	err   error
}

func (r *reader) fail(field string, err error) {
	if r.err == nil {
		r.field, r.err = field, err
	}
}

func (r *reader) take(n int, field string) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b)-r.off < n {
		r.fail(field, ErrShort)
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *reader) u8(field string) uint8 {
	if v := r.take(1, field); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u16(field string) uint16 {
	if v := r.take(2, field); v != nil {
		return binary.LittleEndian.Uint16(v)
	}
	return 0
}

func (r *reader) u24(field string) uint32 {
	if v := r.take(3, field); v != nil {
		return uint32(v[0]) | uint32(v[1])<<8 | uint32(v[2])<<16
	}
	return 0
}

func (r *reader) u32(field string) uint32 {
	if v := r.take(4, field); v != nil {
		return binary.LittleEndian.Uint32(v)
	}
	return 0
}

func (r *reader) sfloat(field string) ieee11073.SFloat { return ieee11073.SFloat(r.u16(field)) }
func (r *reader) float(field string) ieee11073.Float   { return ieee11073.Float(r.u32(field)) }

func (r *reader) dateTime(field string) DateTime {
	v := r.take(7, field)
	if v == nil {
		return DateTime{}
	}
	return DateTime{
		Year: binary.LittleEndian.Uint16(v), Month: v[2], Day: v[3],
		Hours: v[4], Minutes: v[5], Seconds: v[6],
	}
}

// done reports the outcome: the first failure, or ErrTrailing when bytes remain.
func (r *reader) done() (int, error) {
	if r.err == nil && r.off != len(r.b) {
		r.fail("end", ErrTrailing)
	}
	if r.err != nil {
		off := r.off
		return off, &DecodeError{UUID: r.uuid, Offset: off, Field: r.field, Err: r.err}
	}
	return r.off, nil
}

func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }

func appendU24(b []byte, v uint32) []byte { return append(b, byte(v), byte(v>>8), byte(v>>16)) }

// DateTime is the Bluetooth Date Time characteristic (0x2A08), as it is embedded in
// measurement values:
//
//	| year u16 | month u8 | day u8 | hours u8 | minutes u8 | seconds u8 |
//
// A zero year, month or day means "not known"; the other fields are then still as sent.
type DateTime struct {
	Year    uint16 // 1582..9999, or 0 when not known
	Month   uint8  // 1..12, or 0 when not known
	Day     uint8  // 1..31, or 0 when not known
	Hours   uint8  // 0..23
	Minutes uint8  // 0..59
	Seconds uint8  // 0..59
}

// Known reports whether the date is complete (year, month and day known) and every field in
// range, so that Time gives a real instant.
func (d DateTime) Known() bool {
	return d.Year >= 1582 && d.Year <= 9999 && d.Month >= 1 && d.Month <= 12 &&
		d.Day >= 1 && d.Day <= 31 && d.Hours <= 23 && d.Minutes <= 59 && d.Seconds <= 59
}

// Time returns the instant in loc (devices send local time without a zone) and whether the
// date is known; an unknown date gives the zero time and false.
func (d DateTime) Time(loc *time.Location) (time.Time, bool) {
	if !d.Known() {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(int(d.Year), time.Month(d.Month), int(d.Day), int(d.Hours),
		int(d.Minutes), int(d.Seconds), 0, loc), true
}

// String formats the date as YYYY-MM-DDThh:mm:ss with the fields as sent (0000 for an unknown
// year).
func (d DateTime) String() string {
	b := make([]byte, 0, 19)
	b = appendPad(b, int(d.Year), 4)
	b = append(b, '-')
	b = appendPad(b, int(d.Month), 2)
	b = append(b, '-')
	b = appendPad(b, int(d.Day), 2)
	b = append(b, 'T')
	b = appendPad(b, int(d.Hours), 2)
	b = append(b, ':')
	b = appendPad(b, int(d.Minutes), 2)
	b = append(b, ':')
	b = appendPad(b, int(d.Seconds), 2)
	return string(b)
}

func appendPad(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func (d DateTime) appendTo(b []byte) []byte {
	b = appendU16(b, d.Year)
	return append(b, d.Month, d.Day, d.Hours, d.Minutes, d.Seconds)
}

// EncodeError describes a value that cannot be encoded as its flags say: the field and the
// cause.
type EncodeError struct {
	UUID  UUID
	Field string
	Err   error
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("gatt: encoding %s %s: %v", e.UUID, e.Field, e.Err)
}

// Unwrap returns the cause.
func (e *EncodeError) Unwrap() error { return e.Err }
