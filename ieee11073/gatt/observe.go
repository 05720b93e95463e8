package gatt

import (
	"strings"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
)

// Nomenclature codes (IEEE 11073-10101) that the Bluetooth health profiles need beyond the
// 20601 core table. Unit codes follow 10101's partition 4 scheme: a base unit's code plus a
// decimal prefix offset (kilo +3, milli +18).
const (
	MDCDimKiloGPerL    ieee11073.OID = 2051  // MDC_DIM_KILO_G_PER_L: MDC_DIM_X_G_PER_L (2048) + kilo
	MDCDimXMolePerL    ieee11073.OID = 4704  // MDC_DIM_X_MOLE_PER_L: MDC_DIM_MILLI_MOLE_PER_L (4722) - milli
	MDCDimMilliSec     ieee11073.OID = 2194  // MDC_DIM_MILLI_SEC
	MDCEcgHeartRate    ieee11073.OID = 16770 // MDC_ECG_HEART_RATE
	MDCEcgTimePdRRGl   ieee11073.OID = 16168 // MDC_ECG_TIME_PD_RR_GL: RR interval, global
	MDCPressCuff       ieee11073.OID = 19228 // MDC_PRESS_CUFF: current cuff pressure
	MDCConcGluCapPl    ieee11073.OID = 29116 // MDC_CONC_GLU_CAPILLARY_PLASMA
	MDCConcGluVenWB    ieee11073.OID = 29120 // MDC_CONC_GLU_VENOUS_WHOLEBLOOD
	MDCConcGluVenPl    ieee11073.OID = 29124 // MDC_CONC_GLU_VENOUS_PLASMA
	MDCConcGluArtWB    ieee11073.OID = 29128 // MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD
	MDCConcGluArtPl    ieee11073.OID = 29132 // MDC_CONC_GLU_ARTERIAL_PLASMA
	MDCConcGluControl  ieee11073.OID = 29136 // MDC_CONC_GLU_CONTROL
	MDCConcGluISF      ieee11073.OID = 29140 // MDC_CONC_GLU_ISF
	MDCConcGluUndetWB  ieee11073.OID = 29292 // MDC_CONC_GLU_UNDETERMINED_WHOLEBLOOD
	MDCConcGluUndetPl  ieee11073.OID = 29296 // MDC_CONC_GLU_UNDETERMINED_PLASMA
	MDCPulsOximPerfRel ieee11073.OID = 19376 // MDC_PULS_OXIM_PERF_REL: pulse amplitude index
)

// localNames names the codes this package defines.
var localNames = map[ieee11073.OID]string{
	MDCDimKiloGPerL: "MDC_DIM_KILO_G_PER_L", MDCDimXMolePerL: "MDC_DIM_X_MOLE_PER_L",
	MDCDimMilliSec: "MDC_DIM_MILLI_SEC", MDCEcgHeartRate: "MDC_ECG_HEART_RATE",
	MDCEcgTimePdRRGl: "MDC_ECG_TIME_PD_RR_GL", MDCPressCuff: "MDC_PRESS_CUFF",
	MDCConcGluCapPl: "MDC_CONC_GLU_CAPILLARY_PLASMA", MDCConcGluVenWB: "MDC_CONC_GLU_VENOUS_WHOLEBLOOD",
	MDCConcGluVenPl: "MDC_CONC_GLU_VENOUS_PLASMA", MDCConcGluArtWB: "MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD",
	MDCConcGluArtPl: "MDC_CONC_GLU_ARTERIAL_PLASMA", MDCConcGluControl: "MDC_CONC_GLU_CONTROL",
	MDCConcGluISF: "MDC_CONC_GLU_ISF", MDCConcGluUndetWB: "MDC_CONC_GLU_UNDETERMINED_WHOLEBLOOD",
	MDCConcGluUndetPl: "MDC_CONC_GLU_UNDETERMINED_PLASMA", MDCPulsOximPerfRel: "MDC_PULS_OXIM_PERF_REL",
}

// Name returns the reference identifier of a metric (partition SCADA) or unit (partition DIM)
// code an Observation carries, from this package's codes or the ieee11073 table; "" when
// neither knows it.
func Name(p ieee11073.Partition, code ieee11073.OID) string {
	if n := ieee11073.Name(p, code); n != "" {
		return n
	}
	if p == ieee11073.PartitionSCADA || p == ieee11073.PartitionDim {
		n := localNames[code]
		if strings.HasPrefix(n, "MDC_DIM_") == (p == ieee11073.PartitionDim) {
			return n
		}
	}
	return ""
}

// Observation is one 11073 metric reading taken from a characteristic value: a nomenclature
// code, an exact value with its unit code, and the time the device stamped it.
type Observation struct {
	Metric  ieee11073.OID   // e.g. MDC_PRESS_BLD_NONINV_SYS
	Unit    ieee11073.OID   // e.g. MDC_DIM_MMHG
	Value   ieee11073.Float // exact: an SFLOAT is widened without rounding
	Time    time.Time       // zero when the device sent no time or an unknown one
	Interim bool            // an intermediate reading (cuff inflating), never a final one
}

// appendObs appends an observation unless v is a special value (NaN, NRes, ±INF, reserved),
// which means the device has no number for it: absent, never a number.
func appendObs(dst []Observation, metric, unit ieee11073.OID, v ieee11073.Float, t time.Time, interim bool) []Observation {
	if v.Kind() != ieee11073.FloatKindFinite {
		return dst
	}
	return append(dst, Observation{Metric: metric, Unit: unit, Value: v, Time: t, Interim: interim})
}

func stamp(present bool, d DateTime, loc *time.Location) time.Time {
	if !present {
		return time.Time{}
	}
	t, _ := d.Time(loc)
	return t
}

// Observations appends the value's observations to dst: systolic, diastolic and mean pressure
// and pulse rate for a measurement; for an intermediate cuff pressure only the current cuff
// pressure, marked interim. Times are read in loc (nil means UTC).
func (m *BloodPressure) Observations(dst []Observation, loc *time.Location) []Observation {
	t := stamp(m.Flags&BPFlagTimeStamp != 0, m.Time, loc)
	unit := m.Unit()
	if m.Interim {
		return appendObs(dst, MDCPressCuff, unit, m.Systolic.Float(), t, true)
	}
	dst = appendObs(dst, ieee11073.MDCPressBldNoninvSys, unit, m.Systolic.Float(), t, false)
	dst = appendObs(dst, ieee11073.MDCPressBldNoninvDia, unit, m.Diastolic.Float(), t, false)
	dst = appendObs(dst, ieee11073.MDCPressBldNoninvMean, unit, m.MAP.Float(), t, false)
	if m.Flags&BPFlagPulseRate != 0 {
		dst = appendObs(dst, ieee11073.MDCPulsRateNonInv, ieee11073.MDCDimBeatPerMin, m.PulseRate.Float(), t, false)
	}
	return dst
}

// Observations appends the body temperature.
func (m *Temperature) Observations(dst []Observation, loc *time.Location) []Observation {
	t := stamp(m.Flags&TempFlagTimeStamp != 0, m.Time, loc)
	return appendObs(dst, ieee11073.MDCTempBody, m.Unit(), m.Value, t, false)
}

// Observations appends the heart rate and each RR-interval (in milliseconds, exact to the
// microsecond: 1/1024 s is 0.9765625 ms). Heart rate values carry no time stamp: t is the
// time of reception the caller supplies (zero for none).
func (m *HeartRate) Observations(dst []Observation, t time.Time) []Observation {
	if m.Contact() == ContactNotDetected {
		return dst // the sensor is not on the skin: the numbers are not a heart rate
	}
	dst = appendObs(dst, MDCEcgHeartRate, ieee11073.MDCDimBeatPerMin, exactFloat(int32(m.Rate), 0), t, false)
	for _, rr := range m.RR {
		dst = appendObs(dst, MDCEcgTimePdRRGl, MDCDimMilliSec, rrMillis(rr), t, false)
	}
	return dst
}

// rrMillis converts an RR-interval in 1/1024 s to milliseconds at microsecond resolution,
// coarser only where the mantissa would not fit a FLOAT (intervals above 8.4 s).
func rrMillis(rr uint16) ieee11073.Float {
	us := (int64(rr)*1_000_000 + 512) / 1024 // microseconds, rounded
	m, e := us, -3
	for m > ieee11073.FloatMantissaMax {
		m, e = (m+5)/10, e+1
	}
	for e < 0 && m%10 == 0 {
		m, e = m/10, e+1
	}
	return exactFloat(int32(m), e)
}

// Observations appends the body weight and, when present, BMI and height. An unsuccessful
// measurement gives nothing.
func (m *Weight) Observations(dst []Observation, loc *time.Location) []Observation {
	t := stamp(m.Flags&WeightFlagTimeStamp != 0, m.Time, loc)
	if v, unit, ok := m.Value(); ok {
		dst = appendObs(dst, ieee11073.MDCMassBodyActual, unit, v, t, false)
	}
	if v, ok := m.BMIValue(); ok {
		dst = appendObs(dst, ieee11073.MDCRatioMassBodyLenSq, ieee11073.MDCDimKgPerMSq, v, t, false)
	}
	if v, unit, ok := m.HeightValue(); ok {
		dst = appendObs(dst, ieee11073.MDCLenBodyActual, unit, v, t, false)
	}
	return dst
}

var glucoseMetrics = [...]ieee11073.OID{
	GlucoseCapillaryWholeBlood:    ieee11073.MDCConcGluCapillaryWholeblood,
	GlucoseCapillaryPlasma:        MDCConcGluCapPl,
	GlucoseVenousWholeBlood:       MDCConcGluVenWB,
	GlucoseVenousPlasma:           MDCConcGluVenPl,
	GlucoseArterialWholeBlood:     MDCConcGluArtWB,
	GlucoseArterialPlasma:         MDCConcGluArtPl,
	GlucoseUndeterminedWholeBlood: MDCConcGluUndetWB,
	GlucoseUndeterminedPlasma:     MDCConcGluUndetPl,
	GlucoseISF:                    MDCConcGluISF,
	GlucoseControlSolution:        MDCConcGluControl,
}

// Metric returns the 11073 metric code of the sample type; a reserved type counts as
// undetermined whole blood.
func (t GlucoseType) Metric() ieee11073.OID {
	if t >= 1 && int(t) < len(glucoseMetrics) {
		return glucoseMetrics[t]
	}
	return MDCConcGluUndetWB
}

// Observations appends the glucose concentration, timed at base time plus offset.
func (m *Glucose) Observations(dst []Observation, loc *time.Location) []Observation {
	if m.Flags&GlucoseFlagConcentration == 0 {
		return dst
	}
	t, _ := m.Time(loc)
	return appendObs(dst, m.Type.Metric(), m.Unit(), m.Concentration.Float(), t, false)
}

// Observations appends SpO2, pulse rate and the pulse amplitude index, unless the status
// marks the measurement unavailable, questionable or invalid. A time stamp sent while the
// device clock was not set is dropped.
func (m *PLXSpotCheck) Observations(dst []Observation, loc *time.Location) []Observation {
	if m.Flags&PLXSpotFlagStatus != 0 && m.Status.Unusable() {
		return dst
	}
	t := stamp(m.TimeKnown(), m.Time, loc)
	return appendPLX(dst, m.SpO2, m.PulseRate, m.Flags&PLXSpotFlagPAI != 0, m.PAI, t)
}

// Observations appends SpO2, pulse rate (normal averaging) and the pulse amplitude index,
// unless the status marks the measurement unusable. Continuous values carry no time stamp: t
// is the time of reception the caller supplies.
func (m *PLXContinuous) Observations(dst []Observation, t time.Time) []Observation {
	if m.Flags&PLXContFlagStatus != 0 && m.Status.Unusable() {
		return dst
	}
	return appendPLX(dst, m.SpO2, m.PulseRate, m.Flags&PLXContFlagPAI != 0, m.PAI, t)
}

func appendPLX(dst []Observation, spo2, pr ieee11073.SFloat, hasPAI bool, pai ieee11073.SFloat, t time.Time) []Observation {
	dst = appendObs(dst, ieee11073.MDCPulsOximSatO2, ieee11073.MDCDimPercent, spo2.Float(), t, false)
	dst = appendObs(dst, ieee11073.MDCPulsOximPulsRate, ieee11073.MDCDimBeatPerMin, pr.Float(), t, false)
	if hasPAI {
		dst = appendObs(dst, MDCPulsOximPerfRel, ieee11073.MDCDimPercent, pai.Float(), t, false)
	}
	return dst
}

// Specialization names the IEEE 11073-104xx device specialization a characteristic is
// presented as, with its standard configuration id (20601 dev-config-id).
type Specialization struct {
	Name     string // e.g. "10407 blood pressure monitor"
	ConfigID uint16 // standard configuration; 0 where none fits (an extended one is needed)
}

// SpecializationFor returns the specialization a device offering the characteristic is
// presented as upward: a 0x2A35 cuff as a 10407 blood pressure monitor, and so on. Heart rate
// straps have no standard configuration among these and need an extended configuration.
func SpecializationFor(c UUID) (Specialization, bool) {
	switch c {
	case BloodPressureMeasurement, IntermediateCuffPressure:
		return Specialization{"10407 blood pressure monitor", 0x02BC}, true
	case TemperatureMeasurement:
		return Specialization{"10408 thermometer", 0x0320}, true
	case WeightMeasurement:
		return Specialization{"10415 weighing scale", 0x05DC}, true
	case GlucoseMeasurement:
		return Specialization{"10417 glucose meter", 0x06A4}, true
	case PLXSpotCheckMeasurement, PLXContinuousMeasurement:
		return Specialization{"10404 pulse oximeter", 0x0190}, true
	case HeartRateMeasurement:
		return Specialization{"10406 basic ECG (heart rate)", 0}, true
	}
	return Specialization{}, false
}
