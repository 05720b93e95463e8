package gatt

import "github.com/phdkit/phdkit/ieee11073"

// PLX Spot-Check Measurement (0x2A5E) and PLX Continuous Measurement (0x2A5F), Pulse Oximeter
// Service 1.0 / GATT Specification Supplement §3.170 and §3.169:
//
//	spot-check: | flags u8 | SpO2 SFLOAT | PR SFLOAT | time stamp (7, bit 0) |
//	            | measurement status u16 (bit 1) | device and sensor status u24 (bit 2) |
//	            | pulse amplitude index SFLOAT (bit 3) |       flag bit 4: device clock not set
//
//	continuous: | flags u8 | SpO2 SFLOAT | PR SFLOAT | SpO2-fast, PR-fast (bit 0) |
//	            | SpO2-slow, PR-slow (bit 1) | measurement status u16 (bit 2) |
//	            | device and sensor status u24 (bit 3) | pulse amplitude index SFLOAT (bit 4) |
//
// SpO2 is in percent, PR in beats per minute, the pulse amplitude index in percent.

// PLXSpotFlags is the flags octet of a PLX Spot-Check Measurement.
type PLXSpotFlags uint8

// The spot-check flag bits; bits 5-7 are reserved and kept as sent.
const (
	PLXSpotFlagTimeStamp    PLXSpotFlags = 1 << 0
	PLXSpotFlagStatus       PLXSpotFlags = 1 << 1
	PLXSpotFlagDeviceStatus PLXSpotFlags = 1 << 2
	PLXSpotFlagPAI          PLXSpotFlags = 1 << 3
	PLXSpotFlagClockNotSet  PLXSpotFlags = 1 << 4 // the time stamp is not to be trusted
)

// PLXContFlags is the flags octet of a PLX Continuous Measurement.
type PLXContFlags uint8

// The continuous flag bits; bits 5-7 are reserved and kept as sent.
const (
	PLXContFlagFast         PLXContFlags = 1 << 0
	PLXContFlagSlow         PLXContFlags = 1 << 1
	PLXContFlagStatus       PLXContFlags = 1 << 2
	PLXContFlagDeviceStatus PLXContFlags = 1 << 3
	PLXContFlagPAI          PLXContFlags = 1 << 4
)

// PLXStatus is the PLX Measurement Status field (bits 0-4 are reserved).
type PLXStatus uint16

// The measurement status bits.
const (
	PLXStatusOngoing        PLXStatus = 1 << 5
	PLXStatusEarlyEstimate  PLXStatus = 1 << 6
	PLXStatusValidated      PLXStatus = 1 << 7
	PLXStatusFullyQualified PLXStatus = 1 << 8
	PLXStatusFromStorage    PLXStatus = 1 << 9
	PLXStatusDemonstration  PLXStatus = 1 << 10
	PLXStatusTesting        PLXStatus = 1 << 11
	PLXStatusCalibration    PLXStatus = 1 << 12
	PLXStatusUnavailable    PLXStatus = 1 << 13
	PLXStatusQuestionable   PLXStatus = 1 << 14
	PLXStatusInvalid        PLXStatus = 1 << 15
)

// PLXDeviceStatus is the 24-bit PLX Device and Sensor Status field.
type PLXDeviceStatus uint32

// Some of the device and sensor status bits.
const (
	PLXDeviceMalfunction     PLXDeviceStatus = 1 << 1
	PLXDeviceLowPerfusion    PLXDeviceStatus = 1 << 5
	PLXDeviceSensorUnplugged PLXDeviceStatus = 1 << 11 // sensor unconnected to user
	PLXDeviceSensorDisplaced PLXDeviceStatus = 1 << 13
	PLXDeviceSensorFault     PLXDeviceStatus = 1 << 14
	PLXDeviceDisconnected    PLXDeviceStatus = 1 << 15
)

// Unusable reports whether the status says the values must not be used: measurement
// unavailable, questionable or invalid.
func (s PLXStatus) Unusable() bool {
	return s&(PLXStatusUnavailable|PLXStatusQuestionable|PLXStatusInvalid) != 0
}

// PLXSpotCheck is a decoded PLX Spot-Check Measurement.
type PLXSpotCheck struct {
	Flags        PLXSpotFlags
	SpO2         ieee11073.SFloat // percent
	PulseRate    ieee11073.SFloat // beats per minute
	Time         DateTime
	Status       PLXStatus
	DeviceStatus PLXDeviceStatus
	PAI          ieee11073.SFloat // pulse amplitude index, percent
}

// TimeKnown reports whether the time stamp is present, trusted (the device clock is set) and
// complete.
func (m *PLXSpotCheck) TimeKnown() bool {
	return m.Flags&PLXSpotFlagTimeStamp != 0 && m.Flags&PLXSpotFlagClockNotSet == 0 && m.Time.Known()
}

// Unmarshal decodes a PLX Spot-Check Measurement into m, overwriting every field.
func (m *PLXSpotCheck) Unmarshal(b []byte) (int, error) {
	r := reader{b: b, uuid: PLXSpotCheckMeasurement}
	*m = PLXSpotCheck{}
	m.Flags = PLXSpotFlags(r.u8("flags"))
	m.SpO2 = r.sfloat("spo2")
	m.PulseRate = r.sfloat("pulse_rate")
	if m.Flags&PLXSpotFlagTimeStamp != 0 {
		m.Time = r.dateTime("time_stamp")
	}
	if m.Flags&PLXSpotFlagStatus != 0 {
		m.Status = PLXStatus(r.u16("measurement_status"))
	}
	if m.Flags&PLXSpotFlagDeviceStatus != 0 {
		m.DeviceStatus = PLXDeviceStatus(r.u24("device_sensor_status"))
	}
	if m.Flags&PLXSpotFlagPAI != 0 {
		m.PAI = r.sfloat("pulse_amplitude_index")
	}
	return r.done()
}

// AppendBinary appends the value as its flags describe it.
func (m *PLXSpotCheck) AppendBinary(b []byte) ([]byte, error) {
	if m.DeviceStatus > 0xFFFFFF {
		return b, &EncodeError{UUID: PLXSpotCheckMeasurement, Field: "device_sensor_status", Err: ErrValue}
	}
	b = append(b, byte(m.Flags))
	b = appendU16(b, uint16(m.SpO2))
	b = appendU16(b, uint16(m.PulseRate))
	if m.Flags&PLXSpotFlagTimeStamp != 0 {
		b = m.Time.appendTo(b)
	}
	if m.Flags&PLXSpotFlagStatus != 0 {
		b = appendU16(b, uint16(m.Status))
	}
	if m.Flags&PLXSpotFlagDeviceStatus != 0 {
		b = appendU24(b, uint32(m.DeviceStatus))
	}
	if m.Flags&PLXSpotFlagPAI != 0 {
		b = appendU16(b, uint16(m.PAI))
	}
	return b, nil
}

// PLXContinuous is a decoded PLX Continuous Measurement.
type PLXContinuous struct {
	Flags         PLXContFlags
	SpO2          ieee11073.SFloat // normal averaging, percent
	PulseRate     ieee11073.SFloat // normal averaging, beats per minute
	SpO2Fast      ieee11073.SFloat
	PulseRateFast ieee11073.SFloat
	SpO2Slow      ieee11073.SFloat
	PulseRateSlow ieee11073.SFloat
	Status        PLXStatus
	DeviceStatus  PLXDeviceStatus
	PAI           ieee11073.SFloat
}

// Unmarshal decodes a PLX Continuous Measurement into m, overwriting every field.
func (m *PLXContinuous) Unmarshal(b []byte) (int, error) {
	r := reader{b: b, uuid: PLXContinuousMeasurement}
	*m = PLXContinuous{}
	m.Flags = PLXContFlags(r.u8("flags"))
	m.SpO2 = r.sfloat("spo2")
	m.PulseRate = r.sfloat("pulse_rate")
	if m.Flags&PLXContFlagFast != 0 {
		m.SpO2Fast = r.sfloat("spo2_fast")
		m.PulseRateFast = r.sfloat("pulse_rate_fast")
	}
	if m.Flags&PLXContFlagSlow != 0 {
		m.SpO2Slow = r.sfloat("spo2_slow")
		m.PulseRateSlow = r.sfloat("pulse_rate_slow")
	}
	if m.Flags&PLXContFlagStatus != 0 {
		m.Status = PLXStatus(r.u16("measurement_status"))
	}
	if m.Flags&PLXContFlagDeviceStatus != 0 {
		m.DeviceStatus = PLXDeviceStatus(r.u24("device_sensor_status"))
	}
	if m.Flags&PLXContFlagPAI != 0 {
		m.PAI = r.sfloat("pulse_amplitude_index")
	}
	return r.done()
}

// AppendBinary appends the value as its flags describe it.
func (m *PLXContinuous) AppendBinary(b []byte) ([]byte, error) {
	if m.DeviceStatus > 0xFFFFFF {
		return b, &EncodeError{UUID: PLXContinuousMeasurement, Field: "device_sensor_status", Err: ErrValue}
	}
	b = append(b, byte(m.Flags))
	b = appendU16(b, uint16(m.SpO2))
	b = appendU16(b, uint16(m.PulseRate))
	if m.Flags&PLXContFlagFast != 0 {
		b = appendU16(b, uint16(m.SpO2Fast))
		b = appendU16(b, uint16(m.PulseRateFast))
	}
	if m.Flags&PLXContFlagSlow != 0 {
		b = appendU16(b, uint16(m.SpO2Slow))
		b = appendU16(b, uint16(m.PulseRateSlow))
	}
	if m.Flags&PLXContFlagStatus != 0 {
		b = appendU16(b, uint16(m.Status))
	}
	if m.Flags&PLXContFlagDeviceStatus != 0 {
		b = appendU24(b, uint32(m.DeviceStatus))
	}
	if m.Flags&PLXContFlagPAI != 0 {
		b = appendU16(b, uint16(m.PAI))
	}
	return b, nil
}
