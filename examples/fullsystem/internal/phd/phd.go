// Package phd holds what every role of the full system knows about the simulated personal
// health devices: the device kinds and their 20601 configurations (the standard ones and the
// extended wrist sensor configuration), the private event type of sealed reports, and the
// conversion of a sealed report's plaintext into stored observations.
//
// Everything here is immutable and safe for concurrent use.
package phd

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
)

// EventTypeSealed is the private event type (MDC_NOTI_PHDKIT_SEALED, partition OBJ) of a
// confirmed event report whose event-info is a bmsig message.
const EventTypeSealed ieee11073.OID = 0xF001

// ConfigWrist is the extended dev-config-id of the wrist sensor unit.
const ConfigWrist ieee11073.ConfigID = 0x4000

// Private SCADA codes of the wrist sensor's 3-axis acceleration (partition 2, private range).
const (
	CodeAccel  ieee11073.OID = 0xF010 // the compound: x, y, z
	CodeAccelX ieee11073.OID = 0xF011
	CodeAccelY ieee11073.OID = 0xF012
	CodeAccelZ ieee11073.OID = 0xF013
)

// Kind is a simulated device kind.
type Kind uint8

// The device kinds.
const (
	KindBP Kind = iota
	KindThermo
	KindScale
	KindGlucose
	KindOximeter
	KindWrist
	numKinds
)

// NumKinds is the number of device kinds.
const NumKinds = int(numKinds)

var kindNames = [...]string{"bp", "thermo", "scale", "glucose", "oximeter", "wrist"}

// String returns the kind's name: bp, thermo, scale, glucose, oximeter or wrist.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

var kindConfigs = [...]ieee11073.ConfigID{0x02BC, 0x0320, 0x05DC, 0x06A4, 0x0190, ConfigWrist}

// ConfigID returns the dev-config-id of devices of kind k.
func (k Kind) ConfigID() ieee11073.ConfigID { return kindConfigs[k] }

// KindOf returns the kind with configuration id id.
func KindOf(id ieee11073.ConfigID) (Kind, bool) {
	for k, c := range kindConfigs {
		if c == id {
			return Kind(k), true
		}
	}
	return 0, false
}

// wrist is the wrist sensor's extended configuration: blood pressure, pulse, body
// temperature and acceleration in one report, each with an absolute time stamp.
var wrist = func() *ieee11073.Configuration {
	bp, _ := ieee11073.StandardConfiguration(0x02BC)
	th, _ := ieee11073.StandardConfiguration(0x0320)
	c := &ieee11073.Configuration{ID: ConfigWrist}
	c.Objects = append(c.Objects, bp.Objects...)
	t := th.Objects[0]
	t.Handle = 3
	c.Objects = append(c.Objects, t)
	acc := bp.Objects[0]
	acc.Handle = 4
	acc.Type = ieee11073.Type{Partition: 2, Code: CodeAccel}
	acc.PhysioList = []ieee11073.OID{CodeAccelX, CodeAccelY, CodeAccelZ}
	acc.Unit = ieee11073.MDCDimDimless // in g
	c.Objects = append(c.Objects, acc)
	return c
}()

// Configuration returns the configuration of config id id: a standard one or the wrist's.
func Configuration(id ieee11073.ConfigID) (*ieee11073.Configuration, bool) {
	if id == ConfigWrist {
		return wrist, true
	}
	return ieee11073.StandardConfiguration(id)
}

// ErrReport means a sealed report's plaintext is not a scan report of its configuration.
var ErrReport = errors.New("phd: malformed inner report")

// Value is one decoded observation in the form the server stores it.
type Value struct {
	Metric uint32 // partition<<16 | code
	Unit   uint16
	Text   string    // exact decimal
	Float  float64   //
	Time   time.Time // the observation's time stamp; zero when it had none
}

// Report is the plaintext of a sealed measurement: the 20601 APDU (PRST, confirmed event
// report, fixed scan report) the agent would otherwise have sent.
func Report(cfg *ieee11073.Configuration, obs []ieee11073.Observation, reportNo uint16) ([]byte, error) {
	a := ieee11073.APDU{Choice: ieee11073.ChoicePRST, PRST: ieee11073.DataAPDU{
		Choice: ieee11073.MessageROIVConfirmedEventReport,
		EventReport: ieee11073.EventReportArgument{
			EventTime: 0xFFFFFFFF, EventType: ieee11073.MDCNotiScanReportFixed}}}
	ev := &a.PRST.EventReport
	// An object may appear several times (the wrist's acceleration samples): lay out each
	// complete set of its values as an observation of its own.
	var part ieee11073.ScanReportInfoFixed
	scan := &ev.Report.ScanFixed
	scan.DataReqID = ieee11073.DataReqIDAgentInitiated
	scan.ScanReportNo = reportNo
	for i := 0; i < len(obs); {
		obj := cfg.Object(obs[i].Handle)
		if obj == nil {
			return nil, fmt.Errorf("%w: configuration %#04x has no object %d", ieee11073.ErrUnknownHandle, uint16(cfg.ID), obs[i].Handle)
		}
		n := max(len(obj.PhysioList), 1)
		if i+n > len(obs) {
			n = len(obs) - i
		}
		if err := ieee11073.FixedScanReport(cfg, obs[i:i+n], &part); err != nil {
			return nil, err
		}
		scan.Observations = append(scan.Observations, part.Observations...)
		i += n
	}
	return a.MarshalBinary()
}

// Decode decodes a sealed report's plaintext with the configuration of id and appends the
// observations to dst.
func Decode(dst []ieee11073.Observation, id ieee11073.ConfigID, plain []byte) ([]ieee11073.Observation, error) {
	cfg, ok := Configuration(id)
	if !ok {
		return dst, fmt.Errorf("%w: unknown configuration %#04x", ErrReport, uint16(id))
	}
	var a ieee11073.APDU
	n, err := a.Unmarshal(plain)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrReport, err)
	}
	if n != len(plain) || a.Choice != ieee11073.ChoicePRST || a.PRST.Choice != ieee11073.MessageROIVConfirmedEventReport {
		return dst, fmt.Errorf("%w: not a confirmed event report", ErrReport)
	}
	dst, err = cfg.Observations(dst, &a.PRST.EventReport)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrReport, err)
	}
	return dst, nil
}

// ValueOf returns the stored form of a numeric observation.
func ValueOf(o *ieee11073.Observation) (Value, error) {
	if o.Kind != ieee11073.ObservationNumeric || o.Value.Kind() != ieee11073.FloatKindFinite {
		return Value{}, fmt.Errorf("%w: observation of %v is not a finite number", ErrReport, o.Type)
	}
	v := Value{
		Metric: uint32(o.Type.Partition)<<16 | uint32(o.Type.Code),
		Unit:   uint16(o.Unit),
		Text:   o.Value.String(),
		Float:  o.Value.Float64(),
	}
	if !o.Time.IsZero() {
		if t, err := o.Time.Time(time.UTC); err == nil {
			v.Time = t
		}
	}
	return v, nil
}
