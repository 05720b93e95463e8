package gatt

import (
	"time"

	"github.com/phdkit/phdkit/ieee11073"
)

// Glucose Measurement (0x2A18), Glucose Service 1.0 / GATT Specification Supplement §3.103:
//
//	| flags u8 | sequence number u16 | base time (7) | time offset s16 (flag bit 0) |
//	| concentration SFLOAT, type-sample location u8 (flag bit 1) |
//	| sensor status annunciation u16 (flag bit 3) |
//
// Flag bit 2 selects the concentration unit: 0 kg/L, 1 mol/L. Flag bit 4 says a Glucose
// Measurement Context value follows. The type is the low nibble of the type-sample location
// octet, the sample location the high nibble. The time offset is in minutes from the base time.

// GlucoseFlags is the flags octet of a Glucose Measurement.
type GlucoseFlags uint8

// The flag bits; bits 5-7 are reserved and kept as sent.
const (
	GlucoseFlagTimeOffset    GlucoseFlags = 1 << 0
	GlucoseFlagConcentration GlucoseFlags = 1 << 1 // concentration and type-sample location
	GlucoseFlagMolPerL       GlucoseFlags = 1 << 2
	GlucoseFlagStatus        GlucoseFlags = 1 << 3
	GlucoseFlagContext       GlucoseFlags = 1 << 4 // a context value follows
)

// GlucoseType is the sample type (low nibble of the type-sample location octet).
type GlucoseType uint8

// The glucose sample types; 0 and 11-15 are reserved.
const (
	GlucoseCapillaryWholeBlood    GlucoseType = 1
	GlucoseCapillaryPlasma        GlucoseType = 2
	GlucoseVenousWholeBlood       GlucoseType = 3
	GlucoseVenousPlasma           GlucoseType = 4
	GlucoseArterialWholeBlood     GlucoseType = 5
	GlucoseArterialPlasma         GlucoseType = 6
	GlucoseUndeterminedWholeBlood GlucoseType = 7
	GlucoseUndeterminedPlasma     GlucoseType = 8
	GlucoseISF                    GlucoseType = 9 // interstitial fluid
	GlucoseControlSolution        GlucoseType = 10
)

// SampleLocation is where the sample was taken (high nibble of the type-sample location octet).
type SampleLocation uint8

// The sample locations; 0, 5-14 are reserved.
const (
	LocationFinger          SampleLocation = 1
	LocationAlternateSite   SampleLocation = 2
	LocationEarlobe         SampleLocation = 3
	LocationControlSolution SampleLocation = 4
	LocationNotAvailable    SampleLocation = 15
)

// GlucoseStatus is the Sensor Status Annunciation field.
type GlucoseStatus uint16

// The sensor status bits.
const (
	GlucoseStatusBatteryLow        GlucoseStatus = 1 << 0
	GlucoseStatusSensorMalfunction GlucoseStatus = 1 << 1
	GlucoseStatusSampleTooSmall    GlucoseStatus = 1 << 2
	GlucoseStatusStripInsertion    GlucoseStatus = 1 << 3
	GlucoseStatusStripType         GlucoseStatus = 1 << 4
	GlucoseStatusResultTooHigh     GlucoseStatus = 1 << 5
	GlucoseStatusResultTooLow      GlucoseStatus = 1 << 6
	GlucoseStatusTempTooHigh       GlucoseStatus = 1 << 7
	GlucoseStatusTempTooLow        GlucoseStatus = 1 << 8
	GlucoseStatusReadInterrupted   GlucoseStatus = 1 << 9
	GlucoseStatusDeviceFault       GlucoseStatus = 1 << 10
	GlucoseStatusTimeFault         GlucoseStatus = 1 << 11
)

// Glucose is a decoded Glucose Measurement.
type Glucose struct {
	Flags         GlucoseFlags
	Sequence      uint16
	BaseTime      DateTime
	TimeOffset    int16 // minutes
	Concentration ieee11073.SFloat
	Type          GlucoseType
	Location      SampleLocation
	Status        GlucoseStatus
}

// Unit returns the 11073 code of the concentration unit: MDC_DIM_KILO_G_PER_L or
// MDC_DIM_X_MOLE_PER_L.
func (m *Glucose) Unit() ieee11073.OID {
	if m.Flags&GlucoseFlagMolPerL != 0 {
		return MDCDimXMolePerL
	}
	return MDCDimKiloGPerL
}

// Time returns the base time plus the time offset in loc, and whether it is known.
func (m *Glucose) Time(loc *time.Location) (time.Time, bool) {
	t, ok := m.BaseTime.Time(loc)
	if !ok {
		return t, false
	}
	return t.Add(time.Duration(m.TimeOffset) * time.Minute), true
}

// Unmarshal decodes a Glucose Measurement into m, overwriting every field.
func (m *Glucose) Unmarshal(b []byte) (int, error) {
	r := reader{b: b, uuid: GlucoseMeasurement}
	*m = Glucose{}
	m.Flags = GlucoseFlags(r.u8("flags"))
	m.Sequence = r.u16("sequence_number")
	m.BaseTime = r.dateTime("base_time")
	if m.Flags&GlucoseFlagTimeOffset != 0 {
		m.TimeOffset = int16(r.u16("time_offset"))
	}
	if m.Flags&GlucoseFlagConcentration != 0 {
		m.Concentration = r.sfloat("concentration")
		tl := r.u8("type_sample_location")
		m.Type, m.Location = GlucoseType(tl&0x0F), SampleLocation(tl>>4)
	}
	if m.Flags&GlucoseFlagStatus != 0 {
		m.Status = GlucoseStatus(r.u16("sensor_status"))
	}
	return r.done()
}

// AppendBinary appends the value as its flags describe it.
func (m *Glucose) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, byte(m.Flags))
	b = appendU16(b, m.Sequence)
	b = m.BaseTime.appendTo(b)
	if m.Flags&GlucoseFlagTimeOffset != 0 {
		b = appendU16(b, uint16(m.TimeOffset))
	}
	if m.Flags&GlucoseFlagConcentration != 0 {
		if m.Type > 0x0F || m.Location > 0x0F {
			return b, &EncodeError{UUID: GlucoseMeasurement, Field: "type_sample_location", Err: ErrValue}
		}
		b = appendU16(b, uint16(m.Concentration))
		b = append(b, byte(m.Type)|byte(m.Location)<<4)
	}
	if m.Flags&GlucoseFlagStatus != 0 {
		b = appendU16(b, uint16(m.Status))
	}
	return b, nil
}
