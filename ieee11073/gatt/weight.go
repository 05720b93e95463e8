package gatt

import "github.com/phdkit/phdkit/ieee11073"

// Weight Measurement (0x2A9D), Weight Scale Service 1.0 / GATT Specification Supplement
// §3.252:
//
//	| flags u8 | weight u16 | time stamp (7, flag bit 1) | user id u8 (flag bit 2) |
//	| BMI u16, height u16 (flag bit 3) |
//
// Flag bit 0 selects the units. SI: weight in 0.005 kg, height in 0.001 m. Imperial: weight
// in 0.01 lb, height in 0.1 in. BMI is in 0.1 kg/m² either way. A weight of 0xFFFF means the
// measurement was unsuccessful.

// WeightFlags is the flags octet of a Weight Measurement.
type WeightFlags uint8

// The flag bits; bits 4-7 are reserved and kept as sent.
const (
	WeightFlagImperial  WeightFlags = 1 << 0
	WeightFlagTimeStamp WeightFlags = 1 << 1
	WeightFlagUserID    WeightFlags = 1 << 2
	WeightFlagBMI       WeightFlags = 1 << 3 // BMI and height present
)

// WeightUnsuccessful is the raw weight that marks an unsuccessful measurement.
const WeightUnsuccessful = 0xFFFF

// Weight is a decoded Weight Measurement, with the raw integer fields as sent.
type Weight struct {
	Flags  WeightFlags
	Raw    uint16 // weight in 0.005 kg (SI) or 0.01 lb (imperial); 0xFFFF unsuccessful
	Time   DateTime
	UserID uint8  // 0xFF: unknown user
	BMI    uint16 // in 0.1 kg/m²
	Height uint16 // in 0.001 m (SI) or 0.1 in (imperial)
}

// Value returns the weight with its exact resolution and its 11073 unit (MDC_DIM_KILO_G or
// MDC_DIM_LB); ok is false for an unsuccessful measurement.
func (m *Weight) Value() (v ieee11073.Float, unit ieee11073.OID, ok bool) {
	if m.Raw == WeightUnsuccessful {
		return ieee11073.FloatNaN, 0, false
	}
	if m.Flags&WeightFlagImperial != 0 {
		return exactFloat(int32(m.Raw), -2), ieee11073.MDCDimLb, true
	}
	return exactFloat(int32(m.Raw)*5, -3), ieee11073.MDCDimKiloG, true
}

// BMIValue returns the body mass index (kg/m², MDC_DIM_KG_PER_M_SQ); ok is false when absent.
func (m *Weight) BMIValue() (ieee11073.Float, bool) {
	if m.Flags&WeightFlagBMI == 0 {
		return ieee11073.FloatNaN, false
	}
	return exactFloat(int32(m.BMI), -1), true
}

// HeightValue returns the height in centimetres (MDC_DIM_CENTI_M) or inches
// (MDC_DIM_INCH); ok is false when absent.
func (m *Weight) HeightValue() (v ieee11073.Float, unit ieee11073.OID, ok bool) {
	if m.Flags&WeightFlagBMI == 0 {
		return ieee11073.FloatNaN, 0, false
	}
	if m.Flags&WeightFlagImperial != 0 {
		return exactFloat(int32(m.Height), -1), ieee11073.MDCDimInch, true
	}
	return exactFloat(int32(m.Height), -1), ieee11073.MDCDimCentiM, true
}

// exactFloat builds mantissa × 10^exp; every caller passes a mantissa well inside the FLOAT
// range (at most 5 × 65535), so it cannot fail.
func exactFloat(mantissa int32, exp int) ieee11073.Float {
	f, err := ieee11073.NewFloat(mantissa, exp)
	if err != nil {
		return ieee11073.FloatNaN
	}
	return f
}

// Unmarshal decodes a Weight Measurement into m, overwriting every field.
func (m *Weight) Unmarshal(b []byte) (int, error) {
	r := reader{b: b, uuid: WeightMeasurement}
	*m = Weight{}
	m.Flags = WeightFlags(r.u8("flags"))
	m.Raw = r.u16("weight")
	if m.Flags&WeightFlagTimeStamp != 0 {
		m.Time = r.dateTime("time_stamp")
	}
	if m.Flags&WeightFlagUserID != 0 {
		m.UserID = r.u8("user_id")
	}
	if m.Flags&WeightFlagBMI != 0 {
		m.BMI = r.u16("bmi")
		m.Height = r.u16("height")
	}
	return r.done()
}

// AppendBinary appends the value as its flags describe it.
func (m *Weight) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, byte(m.Flags))
	b = appendU16(b, m.Raw)
	if m.Flags&WeightFlagTimeStamp != 0 {
		b = m.Time.appendTo(b)
	}
	if m.Flags&WeightFlagUserID != 0 {
		b = append(b, m.UserID)
	}
	if m.Flags&WeightFlagBMI != 0 {
		b = appendU16(b, m.BMI)
		b = appendU16(b, m.Height)
	}
	return b, nil
}
