package gatt

// Heart Rate Measurement (0x2A37), Heart Rate Service 1.0 / GATT Specification Supplement
// §3.113:
//
//	| flags u8 | heart rate u8 or u16 (flag bit 0) | energy expended u16 (flag bit 3) |
//	| RR-interval u16 ... (flag bit 4, to the end of the value) |
//
// Flag bits 1-2 are the sensor contact status. RR-intervals are in 1/1024 s.

// HRFlags is the flags octet of a Heart Rate Measurement.
type HRFlags uint8

// The flag bits; bits 5-7 are reserved and kept as sent.
const (
	HRFlagUint16         HRFlags = 1 << 0 // heart rate as u16
	HRFlagContactDetect  HRFlags = 1 << 1 // sensor contact detected (when supported)
	HRFlagContactSupport HRFlags = 1 << 2 // sensor contact feature supported
	HRFlagEnergy         HRFlags = 1 << 3 // energy expended present
	HRFlagRR             HRFlags = 1 << 4 // RR-intervals present
)

// Contact is the sensor contact status of a heart rate value.
type Contact uint8

// The sensor contact states.
const (
	ContactUnsupported Contact = iota // the sensor cannot tell
	ContactNotDetected
	ContactDetected
)

var contactNames = [...]string{"unsupported", "not_detected", "detected"}

func (c Contact) String() string {
	if int(c) < len(contactNames) {
		return contactNames[c]
	}
	return "reserved"
}

// HeartRate is a decoded Heart Rate Measurement.
type HeartRate struct {
	Flags  HRFlags
	Rate   uint16   // beats per minute
	Energy uint16   // kilojoules since the last reset; 0 when the flag is clear
	RR     []uint16 // RR-intervals in 1/1024 s, oldest first
}

// Contact returns the sensor contact status from the flags.
func (m *HeartRate) Contact() Contact {
	switch {
	case m.Flags&HRFlagContactSupport == 0:
		return ContactUnsupported
	case m.Flags&HRFlagContactDetect == 0:
		return ContactNotDetected
	default:
		return ContactDetected
	}
}

// Unmarshal decodes a Heart Rate Measurement into m, overwriting every field and reusing the
// capacity of m.RR. An odd byte left where RR-intervals are is an error.
func (m *HeartRate) Unmarshal(b []byte) (int, error) {
	r := reader{b: b, uuid: HeartRateMeasurement}
	rr := m.RR[:0]
	*m = HeartRate{}
	m.Flags = HRFlags(r.u8("flags"))
	if m.Flags&HRFlagUint16 != 0 {
		m.Rate = r.u16("heart_rate")
	} else {
		m.Rate = uint16(r.u8("heart_rate"))
	}
	if m.Flags&HRFlagEnergy != 0 {
		m.Energy = r.u16("energy_expended")
	}
	if m.Flags&HRFlagRR != 0 {
		if r.err == nil && r.off == len(r.b) {
			r.fail("rr_interval", ErrShort)
		}
		for r.err == nil && r.off < len(r.b) {
			rr = append(rr, r.u16("rr_interval"))
		}
	}
	m.RR = rr
	return r.done()
}

// AppendBinary appends the value as its flags describe it.
func (m *HeartRate) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, byte(m.Flags))
	if m.Flags&HRFlagUint16 != 0 {
		b = appendU16(b, m.Rate)
	} else {
		if m.Rate > 0xFF {
			return b, &EncodeError{UUID: HeartRateMeasurement, Field: "heart_rate", Err: ErrValue}
		}
		b = append(b, byte(m.Rate))
	}
	if m.Flags&HRFlagEnergy != 0 {
		b = appendU16(b, m.Energy)
	}
	if m.Flags&HRFlagRR != 0 {
		if len(m.RR) == 0 {
			return b, &EncodeError{UUID: HeartRateMeasurement, Field: "rr_interval", Err: ErrValue}
		}
		for _, v := range m.RR {
			b = appendU16(b, v)
		}
	}
	return b, nil
}
