package omadm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The PHD management object: the part of a personal health device's management tree that
// a server changes with Add, Replace and Delete. PHDDDF returns its description:
//
//	./PHD                              node   Type urn:phdkit:mo:phd:1.0
//	./PHD/DevInfo/Manufacturer         chr    Get
//	./PHD/DevInfo/Model                chr    Get
//	./PHD/DevInfo/SerialNumber         chr    Get
//	./PHD/DevInfo/SystemID             chr    Get   (IEEE 11073 System-Id, EUI-64 in hex)
//	./PHD/DevInfo/ConfigID             int    Get   (IEEE 11073 Dev-Configuration-Id)
//	./PHD/DevInfo/Specialization       chr    Get   (e.g. "10407" for a blood pressure monitor)
//	./PHD/FwVersion                    chr    Get
//	./PHD/Measurement/Interval         int    Get Replace   (seconds between measurements)
//	./PHD/Alarms/<signal>              node   Add Delete Get Replace, any number
//	./PHD/Alarms/<signal>/Low          float  Add Get Replace
//	./PHD/Alarms/<signal>/High         float  Add Get Replace
//	./PHD/Alarms/<signal>/Enabled      bool   Add Get Replace
//	./PHD/Connectivity/Transport       chr    Get Replace   ("bluetooth", "usb", "tcp", ...)
//	./PHD/Connectivity/Gateway         chr    Get Replace   (URL of the gateway above)
//	./PHD/Connectivity/ReportInterval  int    Get Replace   (seconds between uploads)

// URIs of the PHD management object.
const (
	PHDRoot           = "./PHD"
	PHDManufacturer   = "./PHD/DevInfo/Manufacturer"
	PHDModel          = "./PHD/DevInfo/Model"
	PHDSerialNumber   = "./PHD/DevInfo/SerialNumber"
	PHDSystemID       = "./PHD/DevInfo/SystemID"
	PHDConfigID       = "./PHD/DevInfo/ConfigID"
	PHDSpecialization = "./PHD/DevInfo/Specialization"
	PHDFwVersion      = "./PHD/FwVersion"
	PHDInterval       = "./PHD/Measurement/Interval"
	PHDAlarms         = "./PHD/Alarms"
	PHDTransport      = "./PHD/Connectivity/Transport"
	PHDGateway        = "./PHD/Connectivity/Gateway"
	PHDReportInterval = "./PHD/Connectivity/ReportInterval"
	PHDType           = "urn:phdkit:mo:phd:1.0"
)

// PHD is the content of the PHD management object.
type PHD struct {
	Manufacturer, Model, SerialNumber string
	SystemID                          string // EUI-64 in hex
	ConfigID                          int
	Specialization                    string
	FwVersion                         string
	Interval                          time.Duration // whole seconds
	Alarms                            []Alarm
	Transport                         string
	Gateway                           string
	ReportInterval                    time.Duration // whole seconds

	// ACL, if not empty, is set on ./PHD when the object is installed, for instance
	// "Get=*&Replace=srv.example&Add=srv.example&Delete=srv.example". Empty leaves ./PHD
	// to inherit its parent's ACL.
	ACL string
}

// Alarm is the alarm threshold of one biosignal: a value below Low or above High alarms.
type Alarm struct {
	Signal    string // node name, such as "SystolicBP" or "HeartRate"
	Low, High float64
	Enabled   bool
}

// ErrPHD is wrapped by errors about the content of the PHD management object.
var ErrPHD = errors.New("omadm: bad PHD management object")

// InstallPHD creates the PHD management object in t as the device (Local), with the
// values of p. It fails with ErrExist if ./PHD exists. To have a tree check later commands
// against the object's description, give it PHDDDF() first (with omadm/tree: ParseDDF and
// Describe).
func InstallPHD(t Tree, p PHD) error {
	if err := t.Add(Local, PHDRoot, Value{Format: FormatNode, Type: PHDType}); err != nil {
		return err
	}
	if p.ACL != "" {
		if err := t.Replace(Local, PHDRoot+"?prop=ACL", Value{Data: []byte(p.ACL)}); err != nil {
			return err
		}
	}
	for _, uri := range []string{"./PHD/DevInfo", "./PHD/Measurement", PHDAlarms, "./PHD/Connectivity"} {
		if err := t.Add(Local, uri, Value{Format: FormatNode}); err != nil {
			return err
		}
	}
	leaves := []struct {
		uri string
		f   Format
		v   string
	}{
		{PHDManufacturer, FormatChr, p.Manufacturer},
		{PHDModel, FormatChr, p.Model},
		{PHDSerialNumber, FormatChr, p.SerialNumber},
		{PHDSystemID, FormatChr, p.SystemID},
		{PHDConfigID, FormatInt, strconv.Itoa(p.ConfigID)},
		{PHDSpecialization, FormatChr, p.Specialization},
		{PHDFwVersion, FormatChr, p.FwVersion},
		{PHDInterval, FormatInt, strconv.FormatInt(int64(p.Interval/time.Second), 10)},
		{PHDTransport, FormatChr, p.Transport},
		{PHDGateway, FormatChr, p.Gateway},
		{PHDReportInterval, FormatInt, strconv.FormatInt(int64(p.ReportInterval/time.Second), 10)},
	}
	for _, l := range leaves {
		if err := t.Add(Local, l.uri, Value{Format: l.f, Type: "text/plain", Data: []byte(l.v)}); err != nil {
			return err
		}
	}
	for _, a := range p.Alarms {
		if err := SetPHDAlarm(t, Local, a); err != nil {
			return err
		}
	}
	return nil
}

// SetPHDAlarm adds or replaces the alarm threshold of a.Signal as server.
func SetPHDAlarm(t Tree, server string, a Alarm) error {
	if a.Signal == "" {
		return fmt.Errorf("%w: alarm with no signal name", ErrPHD)
	}
	base := PHDAlarms + "/" + EscapeName(a.Signal)
	vals := []struct {
		name string
		v    Value
	}{
		{"Low", Value{Format: FormatFloat, Type: "text/plain", Data: strconv.AppendFloat(nil, a.Low, 'g', -1, 64)}},
		{"High", Value{Format: FormatFloat, Type: "text/plain", Data: strconv.AppendFloat(nil, a.High, 'g', -1, 64)}},
		{"Enabled", Value{Format: FormatBool, Type: "text/plain", Data: strconv.AppendBool(nil, a.Enabled)}},
	}
	err := t.Add(server, base, Value{Format: FormatNode})
	exists := errors.Is(err, ErrExist)
	if err != nil && !exists {
		return err
	}
	for _, v := range vals {
		if exists {
			err = t.Replace(server, base+"/"+v.name, v.v)
		} else {
			err = t.Add(server, base+"/"+v.name, v.v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ReadPHD reads the PHD management object from t as server.
func ReadPHD(t Tree, server string) (PHD, error) {
	var p PHD
	var buf []Result
	get := func(uri string) (string, error) {
		var err error
		buf, err = t.Get(server, uri, buf[:0])
		if err != nil {
			return "", err
		}
		if len(buf) != 1 {
			return "", fmt.Errorf("%w: %s: %d results", ErrPHD, uri, len(buf))
		}
		return string(buf[0].Data), nil
	}
	for _, s := range []struct {
		uri string
		dst *string
	}{
		{PHDManufacturer, &p.Manufacturer},
		{PHDModel, &p.Model},
		{PHDSerialNumber, &p.SerialNumber},
		{PHDSystemID, &p.SystemID},
		{PHDSpecialization, &p.Specialization},
		{PHDFwVersion, &p.FwVersion},
		{PHDTransport, &p.Transport},
		{PHDGateway, &p.Gateway},
	} {
		v, err := get(s.uri)
		if err != nil {
			return p, err
		}
		*s.dst = v
	}
	v, err := get(PHDConfigID)
	if err != nil {
		return p, err
	}
	if p.ConfigID, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
		return p, fmt.Errorf("%w: %s: %q is not an int", ErrPHD, PHDConfigID, v)
	}
	if p.Interval, err = readSeconds(get, PHDInterval); err != nil {
		return p, err
	}
	if p.ReportInterval, err = readSeconds(get, PHDReportInterval); err != nil {
		return p, err
	}
	list, err := get(PHDAlarms)
	if err != nil {
		return p, err
	}
	if list != "" {
		for _, seg := range strings.Split(list, "/") {
			a, err := readAlarm(get, seg)
			if err != nil {
				return p, err
			}
			p.Alarms = append(p.Alarms, a)
		}
	}
	return p, nil
}

func readSeconds(get func(string) (string, error), uri string) (time.Duration, error) {
	v, err := get(uri)
	if err != nil {
		return 0, err
	}
	s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || s < 0 || s > int64(1<<62/time.Second) {
		return 0, fmt.Errorf("%w: %s: %q is not a number of seconds", ErrPHD, uri, v)
	}
	return time.Duration(s) * time.Second, nil
}

func readAlarm(get func(string) (string, error), seg string) (Alarm, error) {
	a := Alarm{Signal: UnescapeName(seg)}
	base := PHDAlarms + "/" + seg
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"Low", &a.Low}, {"High", &a.High}} {
		v, err := get(base + "/" + f.name)
		if err != nil {
			return a, err
		}
		if *f.dst, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return a, fmt.Errorf("%w: %s/%s: %q is not a float", ErrPHD, base, f.name, v)
		}
	}
	v, err := get(base + "/Enabled")
	if err != nil {
		return a, err
	}
	if a.Enabled, err = strconv.ParseBool(strings.TrimSpace(v)); err != nil {
		return a, fmt.Errorf("%w: %s/Enabled: %q is not a bool", ErrPHD, base, v)
	}
	return a, nil
}

// PHDDDF returns the OMA DDF 1.2 description of the PHD management object.
func PHDDDF() []byte { return []byte(phdDDF) }

var phdDDF = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE MgmtTree PUBLIC "-//OMA//DTD-DM-DDF 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/DM_DDF-V1_2.dtd">
<MgmtTree xmlns="syncml:dmddf1.2">
  <VerDTD>1.2</VerDTD>
  <Node>
    <NodeName>PHD</NodeName>
    <DFProperties>
      <AccessType><Get/></AccessType>
      <DFFormat><node/></DFFormat>
      <Occurrence><ZeroOrOne/></Occurrence>
      <Scope><Permanent/></Scope>
      <DFTitle>Personal health device</DFTitle>
      <DFType><DDFName>` + PHDType + `</DDFName></DFType>
    </DFProperties>
    <Node>
      <NodeName>DevInfo</NodeName>
      <DFProperties>
        <AccessType><Get/></AccessType>
        <DFFormat><node/></DFFormat>
        <Occurrence><One/></Occurrence>
        <Scope><Permanent/></Scope>
        <DFType><MIME>text/plain</MIME></DFType>
      </DFProperties>` + phdLeafDDF("Manufacturer", "chr", "Get", "Manufacturer") +
	phdLeafDDF("Model", "chr", "Get", "Model") +
	phdLeafDDF("SerialNumber", "chr", "Get", "Serial number") +
	phdLeafDDF("SystemID", "chr", "Get", "IEEE 11073 System-Id (EUI-64, hex)") +
	phdLeafDDF("ConfigID", "int", "Get", "IEEE 11073 Dev-Configuration-Id") +
	phdLeafDDF("Specialization", "chr", "Get", "IEEE 11073-104xx device specialization") + `
    </Node>` + phdLeafDDF("FwVersion", "chr", "Get", "Firmware version") + `
    <Node>
      <NodeName>Measurement</NodeName>
      <DFProperties>
        <AccessType><Get/></AccessType>
        <DFFormat><node/></DFFormat>
        <Occurrence><One/></Occurrence>
        <Scope><Permanent/></Scope>
      </DFProperties>` + phdLeafDDF("Interval", "int", "Get/><Replace", "Seconds between measurements") + `
    </Node>
    <Node>
      <NodeName>Alarms</NodeName>
      <DFProperties>
        <AccessType><Add/><Get/></AccessType>
        <DFFormat><node/></DFFormat>
        <Occurrence><One/></Occurrence>
        <Scope><Permanent/></Scope>
      </DFProperties>
      <Node>
        <NodeName/>
        <DFProperties>
          <AccessType><Add/><Delete/><Get/><Replace/></AccessType>
          <DFFormat><node/></DFFormat>
          <Occurrence><ZeroOrMore/></Occurrence>
          <Scope><Dynamic/></Scope>
          <DFTitle>Alarm thresholds of one biosignal</DFTitle>
        </DFProperties>` + phdLeafDDF("Low", "float", "Add/><Get/><Replace", "Alarm below this value") +
	phdLeafDDF("High", "float", "Add/><Get/><Replace", "Alarm above this value") +
	phdLeafDDF("Enabled", "bool", "Add/><Get/><Replace", "Alarm enabled") + `
      </Node>
    </Node>
    <Node>
      <NodeName>Connectivity</NodeName>
      <DFProperties>
        <AccessType><Get/></AccessType>
        <DFFormat><node/></DFFormat>
        <Occurrence><One/></Occurrence>
        <Scope><Permanent/></Scope>
      </DFProperties>` + phdLeafDDF("Transport", "chr", "Get/><Replace", "bluetooth, usb, zigbee or tcp") +
	phdLeafDDF("Gateway", "chr", "Get/><Replace", "URL of the gateway above") +
	phdLeafDDF("ReportInterval", "int", "Get/><Replace", "Seconds between uploads") + `
    </Node>
  </Node>
</MgmtTree>
`

func phdLeafDDF(name, format, access, title string) string {
	return `
      <Node>
        <NodeName>` + name + `</NodeName>
        <DFProperties>
          <AccessType><` + access + `/></AccessType>
          <DFFormat><` + format + `/></DFFormat>
          <Occurrence><One/></Occurrence>
          <DFTitle>` + title + `</DFTitle>
          <DFType><MIME>text/plain</MIME></DFType>
        </DFProperties>
      </Node>`
}
