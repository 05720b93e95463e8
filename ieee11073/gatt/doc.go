// Package gatt decodes the Bluetooth Low Energy GATT health characteristics and turns them
// into IEEE 11073 observations: a nomenclature code, an exact value, its 11073 unit code and
// the time the device stamped it.
//
// Characteristics: Blood Pressure Measurement (0x2A35), Intermediate Cuff Pressure (0x2A36,
// always interim, never a final reading), Temperature Measurement (0x2A1C), Heart Rate
// Measurement (0x2A37, with RR-intervals), Weight Measurement (0x2A9D), Glucose Measurement
// (0x2A18) with the Record Access Control Point (0x2A52) that asks a meter for its stored
// records, PLX Spot-Check (0x2A5E) and PLX Continuous (0x2A5F) Measurements.
//
//	var bp gatt.BloodPressure
//	if _, err := bp.Unmarshal(value); err != nil {
//		return err // a *gatt.DecodeError naming the field and offset
//	}
//	obs = bp.Observations(obs[:0], time.Local)
//
// # Values
//
// SFLOAT and FLOAT fields keep their raw value (ieee11073.SFloat, ieee11073.Float), so the
// precision a device sent survives: 37.60 stays 37.60. The special values NaN, NRes, +INF,
// -INF and reserved mean "no number here": Observations leaves them out, never turning them
// into numbers. Units keep their 11073 codes whatever the device chose: mmHg or kPa, degC or
// degF, kg or lb, kg/L or mol/L. A Date Time with year, month or day 0 is unknown and gives no
// time; a PLX time stamp sent while the device clock is not set is dropped. Status fields are
// decoded into named bits; PLX values whose status says unavailable, questionable or invalid
// give no observations, and a heart rate sensor that reports no skin contact gives none.
//
// # Decoding rules
//
// Unmarshal overwrites every field of its receiver and reuses slice capacity; the RACP operand
// aliases the input. A value shorter than its flags announce fails with ErrShort, bytes left
// after the last announced field with ErrTrailing, both inside a *DecodeError; reserved flag
// bits are kept as sent, so AppendBinary re-encodes a decoded value byte for byte. Nothing
// panics on any input: every decoder has a round-trip fuzz target.
//
// # Presenting a device as an 11073 agent
//
// SpecializationFor tells which 11073-104xx specialization and standard configuration a device
// offering a characteristic is presented as upward: a 0x2A35 cuff as a 10407 blood pressure
// monitor (config 0x02BC), a thermometer as 10408 (0x0320), a scale as 10415 (0x05DC), a
// glucose meter as 10417 (0x06A4), a pulse oximeter as 10404 (0x0190). Heart rate straps need
// an extended configuration.
//
// # Nomenclature
//
// Codes beyond the 20601 core table are defined here: glucose sample types, ECG heart rate and
// RR interval, cuff pressure, pulse amplitude (MDC_PULS_OXIM_PERF_REL), and the units kg/L and
// mol/L, which follow 10101's unit scheme (a base unit's code plus a decimal prefix offset:
// MDC_DIM_X_G_PER_L 2048 + kilo 3 = 2051; MDC_DIM_MILLI_MOLE_PER_L 4722 - milli 18 = 4704).
//
// # Concurrency
//
// Values are plain structs: use one per goroutine, or guard it.
package gatt
