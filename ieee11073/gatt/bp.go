package gatt

import (
	"strings"

	"github.com/phdkit/phdkit/ieee11073"
)

// Blood Pressure Measurement (0x2A35) and Intermediate Cuff Pressure (0x2A36), Blood Pressure
// Service 1.1 / GATT Specification Supplement §3.31 and §3.125. Both share one layout:
//
//	| flags u8 | systolic SFLOAT | diastolic SFLOAT | MAP SFLOAT |
//	| time stamp (7, flag bit 1) | pulse rate SFLOAT (bit 2) | user id u8 (bit 3) |
//	| measurement status u16 (bit 4) |
//
// Flag bit 0 selects the unit: 0 mmHg, 1 kPa. In an Intermediate Cuff Pressure value the
// systolic slot carries the current cuff pressure and the other two slots are unused (devices
// send NaN there); such a value is interim, never a final reading.

// BPFlags is the flags octet of a blood pressure value.
type BPFlags uint8

// The flag bits of a blood pressure value; bits 5-7 are reserved and kept as sent.
const (
	BPFlagKPa       BPFlags = 1 << 0 // values in kPa instead of mmHg
	BPFlagTimeStamp BPFlags = 1 << 1 // time stamp present
	BPFlagPulseRate BPFlags = 1 << 2 // pulse rate present
	BPFlagUserID    BPFlags = 1 << 3 // user id present
	BPFlagStatus    BPFlags = 1 << 4 // measurement status present
)

// BPStatus is the Blood Pressure Measurement Status field.
type BPStatus uint16

// The status bits; PulseRateRange reads bits 3-4.
const (
	BPStatusBodyMovement     BPStatus = 1 << 0 // body movement during measurement
	BPStatusCuffTooLoose     BPStatus = 1 << 1 // cuff fit too loose
	BPStatusIrregularPulse   BPStatus = 1 << 2 // irregular pulse detected
	BPStatusImproperPosition BPStatus = 1 << 5 // improper measurement position
)

// PulseRateRange is the pulse rate range detection of a BPStatus.
type PulseRateRange uint8

// The pulse rate ranges.
const (
	PulseRateInRange    PulseRateRange = 0 // within the range
	PulseRateAboveRange PulseRateRange = 1 // exceeds the upper limit
	PulseRateBelowRange PulseRateRange = 2 // below the lower limit
	PulseRateReserved   PulseRateRange = 3
)

var pulseRateRangeNames = [...]string{"in_range", "above_range", "below_range", "reserved"}

func (p PulseRateRange) String() string { return pulseRateRangeNames[p&3] }

// PulseRateRange returns bits 3-4 of the status.
func (s BPStatus) PulseRateRange() PulseRateRange { return PulseRateRange(s>>3) & 3 }

// Names lists the set condition bits by name: body_movement, cuff_too_loose,
// irregular_pulse, improper_position.
func (s BPStatus) Names() []string {
	var n []string
	if s&BPStatusBodyMovement != 0 {
		n = append(n, "body_movement")
	}
	if s&BPStatusCuffTooLoose != 0 {
		n = append(n, "cuff_too_loose")
	}
	if s&BPStatusIrregularPulse != 0 {
		n = append(n, "irregular_pulse")
	}
	if s&BPStatusImproperPosition != 0 {
		n = append(n, "improper_position")
	}
	return n
}

func (s BPStatus) String() string {
	n := s.Names()
	if r := s.PulseRateRange(); r != PulseRateInRange {
		n = append(n, "pulse_rate_"+r.String())
	}
	return strings.Join(n, "|")
}

// BloodPressure is a decoded Blood Pressure Measurement or Intermediate Cuff Pressure value.
// Fields whose flag is clear hold zero. Special SFLOAT values (NaN, NRes, ±INF, reserved) are
// kept raw; Observations treats them as absent.
type BloodPressure struct {
	Interim   bool    // true for an Intermediate Cuff Pressure value (0x2A36)
	Flags     BPFlags // as sent, reserved bits included
	Systolic  ieee11073.SFloat
	Diastolic ieee11073.SFloat
	MAP       ieee11073.SFloat // mean arterial pressure
	Time      DateTime
	PulseRate ieee11073.SFloat // beats per minute
	UserID    uint8            // 0xFF: unknown user
	Status    BPStatus
}

// Unit returns the 11073 unit code of the pressure values: MDC_DIM_MMHG or
// MDC_DIM_KILO_PASCAL.
func (m *BloodPressure) Unit() ieee11073.OID {
	if m.Flags&BPFlagKPa != 0 {
		return ieee11073.MDCDimKiloPascal
	}
	return ieee11073.MDCDimMmhg
}

// Unmarshal decodes a Blood Pressure Measurement (0x2A35) value into m, overwriting every
// field; Interim becomes false. It returns the bytes consumed, which is all of b on success.
func (m *BloodPressure) Unmarshal(b []byte) (int, error) {
	return m.unmarshal(b, BloodPressureMeasurement)
}

// UnmarshalIntermediate decodes an Intermediate Cuff Pressure (0x2A36) value into m; Interim
// becomes true.
func (m *BloodPressure) UnmarshalIntermediate(b []byte) (int, error) {
	return m.unmarshal(b, IntermediateCuffPressure)
}

func (m *BloodPressure) unmarshal(b []byte, uuid UUID) (int, error) {
	r := reader{b: b, uuid: uuid}
	*m = BloodPressure{Interim: uuid == IntermediateCuffPressure}
	m.Flags = BPFlags(r.u8("flags"))
	m.Systolic = r.sfloat("systolic")
	m.Diastolic = r.sfloat("diastolic")
	m.MAP = r.sfloat("mean_arterial_pressure")
	if m.Flags&BPFlagTimeStamp != 0 {
		m.Time = r.dateTime("time_stamp")
	}
	if m.Flags&BPFlagPulseRate != 0 {
		m.PulseRate = r.sfloat("pulse_rate")
	}
	if m.Flags&BPFlagUserID != 0 {
		m.UserID = r.u8("user_id")
	}
	if m.Flags&BPFlagStatus != 0 {
		m.Status = BPStatus(r.u16("measurement_status"))
	}
	return r.done()
}

// AppendBinary appends the value as the flags describe it. Fields whose flag is clear are not
// written.
func (m *BloodPressure) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, byte(m.Flags))
	b = appendU16(b, uint16(m.Systolic))
	b = appendU16(b, uint16(m.Diastolic))
	b = appendU16(b, uint16(m.MAP))
	if m.Flags&BPFlagTimeStamp != 0 {
		b = m.Time.appendTo(b)
	}
	if m.Flags&BPFlagPulseRate != 0 {
		b = appendU16(b, uint16(m.PulseRate))
	}
	if m.Flags&BPFlagUserID != 0 {
		b = append(b, m.UserID)
	}
	if m.Flags&BPFlagStatus != 0 {
		b = appendU16(b, uint16(m.Status))
	}
	return b, nil
}
