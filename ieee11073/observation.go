package ieee11073

import (
	"encoding/binary"
	"fmt"
)

// ObservationKind says what an Observation's value is.
type ObservationKind uint8

// The kinds of observation.
const (
	ObservationNumeric  ObservationKind = iota // Value holds a number
	ObservationEnumOID                         // Enum holds a nomenclature code
	ObservationEnumBits                        // Bits holds a bit string
)

var observationKindNames = [...]string{"numeric", "enum-oid", "enum-bits"}

func (k ObservationKind) String() string {
	return enumString(observationKindNames[:], int(k), "ObservationKind")
}

// PersonIDUnknown is the PersonID of observations from single-person reports.
const PersonIDUnknown uint16 = 0xFFFF

// Observation is one measured value, as decoded from an event report with the sending
// agent's configuration: what was measured, the value, its unit and when.
type Observation struct {
	Value    Float           // ObservationNumeric: the number, SFLOATs widened exactly
	Bits     uint32          // ObservationEnumBits: the bit string
	RelTime  RelativeTime    // MDCAttrTimeStampRel, 0 when the agent sent none
	Type     Type            // the measured quantity (metric code and its partition)
	Time     AbsoluteTime    // MDCAttrTimeStampAbs, zero when the agent sent none
	Handle   Handle          // the object that reported it
	PersonID uint16          // from multiple-person reports; PersonIDUnknown otherwise
	Unit     OID             // unit code, partition DIM; 0 for enumerations
	Enum     OID             // ObservationEnumOID: the code
	Status   uint16          // MeasurementStatus* bits, 0 when the agent sent none
	Kind     ObservationKind // what the value is
}

// Observations appends to dst the observations in an event report sent by an agent with
// configuration c and returns the extended slice. It decodes the fixed, variable, grouped
// and multiple-person scan reports (buffered, unbuffered or not; a grouped report is laid
// out by the handle attribute value map of the scanner that sent it); other events, such as
// configuration reports and PM-segment data, fail with ErrUnsupportedReport. It allocates
// nothing when dst has room for the observations. Errors name the failing field; a report
// that names an object the configuration lacks fails with ErrUnknownHandle.
func (c *Configuration) Observations(dst []Observation, ev *EventReportArgument) ([]Observation, error) {
	switch eventInfoKind(ev.EventType) {
	case infoScanFixed:
		if c != nil {
			obs := ev.Report.ScanFixed.Observations
			var n int
			if dst, n = c.appendPlannedScan(dst, obs); n == len(obs) {
				return dst, nil
			}
			return c.appendFixedScan(dst, obs[n:], PersonIDUnknown)
		}
	case infoScanGrouped, infoScanMPGrouped:
		return c.appendGroupedReport(dst, ev.ObjHandle, ev.EventType, &ev.Report)
	}
	return c.AppendObservations(dst, ev.EventType, &ev.Report)
}

// appendGroupedReport decodes a grouped scan report sent by the scanner with handle
// scanner.
func (c *Configuration) appendGroupedReport(dst []Observation, scanner Handle, eventType OID, info *EventInfo) ([]Observation, error) {
	if c == nil {
		return dst, fmt.Errorf("%w: no configuration", ErrConfig)
	}
	sc := c.Object(scanner)
	if sc == nil {
		return dst, unknownHandle(scanner)
	}
	var err error
	if eventInfoKind(eventType) == infoScanGrouped {
		for _, g := range info.ScanGrouped.Groups {
			if dst, err = c.appendGroup(dst, sc.HandleValMap, g, PersonIDUnknown); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	for i := range info.ScanMPGrouped.Persons {
		p := &info.ScanMPGrouped.Persons[i]
		if dst, err = c.appendGroup(dst, sc.HandleValMap, p.Group, p.PersonID); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// appendGroup decodes one ObservationScanGrouped: the values of each object of the
// scanner's handle attribute value map, one after the other.
func (c *Configuration) appendGroup(dst []Observation, m HandleAttrValMap, g []byte, person uint16) ([]Observation, error) {
	off := 0
	for i := range m {
		n := 0
		for _, e := range m[i].ValMap {
			n += int(e.Len)
		}
		if n > len(g)-off {
			return dst, &DecodeError{Offset: off, Field: "ObservationScanGrouped", Err: ErrShort}
		}
		o := ObservationScanFixed{ObjHandle: m[i].ObjHandle, Value: g[off : off+n]}
		var err error
		if dst, err = c.appendFixedMap(dst, &o, m[i].ValMap, person); err != nil {
			return dst, err
		}
		off += n
	}
	if off != len(g) {
		return dst, &DecodeError{Offset: off, Field: "ObservationScanGrouped", Err: ErrLength}
	}
	return dst, nil
}

// AppendObservations is Observations for an event given by its type and decoded
// event-info, such as the event in a DataResponse. Grouped scan reports need the handle of
// the scanner that sent them, so they go through Observations only.
func (c *Configuration) AppendObservations(dst []Observation, eventType OID, info *EventInfo) ([]Observation, error) {
	if c == nil {
		return dst, fmt.Errorf("%w: no configuration", ErrConfig)
	}
	var err error
	switch eventInfoKind(eventType) {
	case infoScanFixed:
		return c.appendFixedScan(dst, info.ScanFixed.Observations, PersonIDUnknown)
	case infoScanVar:
		for i := range info.ScanVar.Observations {
			if dst, err = c.appendVar(dst, &info.ScanVar.Observations[i], PersonIDUnknown); err != nil {
				return dst, err
			}
		}
	case infoScanMPFixed:
		for p := range info.ScanMPFixed.Persons {
			per := &info.ScanMPFixed.Persons[p]
			if dst, err = c.appendFixedScan(dst, per.Observations, per.PersonID); err != nil {
				return dst, err
			}
		}
	case infoScanMPVar:
		for p := range info.ScanMPVar.Persons {
			per := &info.ScanMPVar.Persons[p]
			for i := range per.Observations {
				if dst, err = c.appendVar(dst, &per.Observations[i], per.PersonID); err != nil {
					return dst, err
				}
			}
		}
	default:
		return dst, ErrUnsupportedReport
	}
	return dst, nil
}

// obsCommon holds what applies to every value in one object's report.
type obsCommon struct {
	obj     *ConfiguredObject
	time    AbsoluteTime
	relTime RelativeTime
	status  uint16
	unit    OID
	person  uint16
}

// next extends dst by one observation holding the common fields and returns it; the
// caller sets the value. Fields are stored one by one, never copied as a whole struct,
// which keeps the stores cheap to read back.
func (c *obsCommon) next(dst []Observation) ([]Observation, *Observation) {
	n := len(dst)
	if n < cap(dst) {
		dst = dst[:n+1]
	} else {
		dst = append(dst, Observation{})
	}
	o := &dst[n]
	o.Value, o.Bits, o.RelTime = 0, 0, c.relTime
	o.Type, o.Time = c.obj.Type, c.time
	o.Handle, o.PersonID, o.Unit, o.Enum, o.Status, o.Kind = c.obj.Handle, c.person, c.unit, 0, c.status, ObservationNumeric
	return dst, o
}

// appendFixedScan decodes the obs-val-data of each object in obs, laid out by the object's
// attribute value map: with the object's plan when it has one that takes the data, and
// otherwise in two passes over the map, a first that checks the layout and picks up what
// applies to every value (time stamp, status, unit), a second that appends the values.
func (c *Configuration) appendFixedScan(dst []Observation, obs []ObservationScanFixed, person uint16) ([]Observation, error) {
	for len(obs) > 0 {
		var n int
		first := len(dst)
		dst, n = c.appendPlannedScan(dst, obs)
		if person != PersonIDUnknown {
			for i := first; i < len(dst); i++ {
				dst[i].PersonID = person
			}
		}
		if n == len(obs) {
			break
		}
		var err error
		if dst, err = c.appendFixedMap(dst, &obs[n], nil, person); err != nil {
			return dst, err
		}
		obs = obs[n+1:]
	}
	return dst, nil
}

// appendFixedMap decodes one object's obs-val-data with the layout given by valMap, or by
// the object's own attribute value map when valMap is nil.
func (c *Configuration) appendFixedMap(dst []Observation, o *ObservationScanFixed, valMap AttrValMap, person uint16) ([]Observation, error) {
	obj := c.Object(o.ObjHandle)
	if obj == nil {
		return dst, unknownHandle(o.ObjHandle)
	}
	if valMap == nil {
		valMap = obj.ValMap
	}
	return appendFixedObj(dst, obsCommon{obj: obj, unit: obj.Unit, person: person}, valMap, o.Value)
}

// appendFixedObj decodes values v of object cm.obj laid out by valMap, starting from the
// common fields in cm.
func appendFixedObj(dst []Observation, cm obsCommon, valMap AttrValMap, v []byte) ([]Observation, error) {
	start := len(dst)
	off := 0
	late := false // a common attribute came after values it applies to
	for _, e := range valMap {
		n := int(e.Len)
		if n > len(v)-off {
			return dst[:start], &DecodeError{Offset: off, Field: "ObservationScanFixed.obs-val-data", Err: ErrShort}
		}
		f := v[off : off+n]
		ok := true
		switch e.ID {
		case MDCAttrNuValObsBasic: // the common cases first, without a call
			if ok = n == 2; ok {
				var ob *Observation
				dst, ob = cm.next(dst)
				ob.Value = SFloat(uint16(f[0])<<8 | uint16(f[1])).Float()
			}
		case MDCAttrTimeStampAbs:
			ok = n == 8 && cm.time.set(f)
			late = late || len(dst) > start
		case MDCAttrTimeStampRel, MDCAttrMsmtStat, MDCAttrUnitCode:
			ok = cm.common(e.ID, f)
			late = late || len(dst) > start
		default:
			dst, ok = cm.appendValue(dst, e.ID, f)
		}
		if !ok {
			return dst[:start], &DecodeError{Offset: off, Field: "ObservationScanFixed.obs-val-data", Err: ErrValue}
		}
		off += n
	}
	if off != len(v) {
		return dst[:start], &DecodeError{Offset: off, Field: "ObservationScanFixed.obs-val-data", Err: ErrLength}
	}
	if late {
		cm.stamp(dst[start:])
	}
	return dst, nil
}

// stamp sets on obs the time stamps, status and unit an object's report carried after its
// values.
func (c *obsCommon) stamp(obs []Observation) {
	for i := range obs {
		o := &obs[i]
		o.Time, o.RelTime = c.time, c.relTime
		if o.Status == 0 {
			o.Status = c.status
		}
		if o.Unit == c.obj.Unit && o.Kind == ObservationNumeric {
			o.Unit = c.unit
		}
	}
}

// appendVar decodes one object's attribute list in the same two passes.
func (c *Configuration) appendVar(dst []Observation, o *ObservationScan, person uint16) ([]Observation, error) {
	obj := c.Object(o.ObjHandle)
	if obj == nil {
		return dst, unknownHandle(o.ObjHandle)
	}
	cm := obsCommon{obj: obj, unit: obj.Unit, person: person}
	for i := range o.Attributes {
		if a := &o.Attributes[i]; !cm.common(a.ID, a.Value) {
			return dst, &DecodeError{Field: "ObservationScan.attributes", Err: ErrValue}
		}
	}
	start := len(dst)
	for i := range o.Attributes {
		a := &o.Attributes[i]
		var ok bool
		if dst, ok = cm.appendValue(dst, a.ID, a.Value); !ok {
			return dst[:start], &DecodeError{Field: "ObservationScan.attributes", Err: ErrValue}
		}
	}
	return dst, nil
}

// common records an attribute that applies to every value of an object's report: the
// time stamps, the measurement status and a changed unit. It reports false when such an
// attribute is malformed.
func (c *obsCommon) common(id OID, v []byte) bool {
	switch id {
	case MDCAttrTimeStampAbs:
		return len(v) == 8 && c.time.set(v)
	case MDCAttrTimeStampRel:
		if len(v) != 4 {
			return false
		}
		c.relTime = RelativeTime(binary.BigEndian.Uint32(v))
	case MDCAttrMsmtStat:
		if len(v) != 2 {
			return false
		}
		c.status = binary.BigEndian.Uint16(v)
	case MDCAttrUnitCode:
		if len(v) != 2 {
			return false
		}
		c.unit = OID(binary.BigEndian.Uint16(v))
	}
	return true
}

//go:noinline
func unknownHandle(h Handle) error {
	return &DecodeError{Field: "obj-handle", Err: errorWithHandle{h}}
}

type errorWithHandle struct{ h Handle }

func (e errorWithHandle) Error() string {
	return ErrUnknownHandle.Error() + " " + itoa(int(e.h))
}

// Unwrap returns ErrUnknownHandle.
func (e errorWithHandle) Unwrap() error { return ErrUnknownHandle }

func itoa(v int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}

// component returns the type of part i of a compound metric.
func component(obj *ConfiguredObject, i int) Type {
	if i < len(obj.PhysioList) {
		return Type{obj.Type.Partition, obj.PhysioList[i]}
	}
	return obj.Type
}

// appendValue appends the observations in one attribute value; it reports false when the
// value is malformed. Attributes that carry no value are skipped.
func (c *obsCommon) appendValue(dst []Observation, id OID, v []byte) ([]Observation, bool) {
	var o *Observation
	switch id {
	case MDCAttrNuValObsBasic:
		if len(v) != 2 {
			return dst, false
		}
		dst, o = c.next(dst)
		o.Value = SFloat(binary.BigEndian.Uint16(v)).Float()
	case MDCAttrNuValObsSimp:
		if len(v) != 4 {
			return dst, false
		}
		dst, o = c.next(dst)
		o.Value = Float(binary.BigEndian.Uint32(v))
	case MDCAttrNuCmpdValObsBasic, MDCAttrNuCmpdValObsSimp, MDCAttrNuCmpdValObs:
		return c.appendCompound(dst, id, v)
	case MDCAttrNuValObs:
		if len(v) != 10 {
			return dst, false
		}
		dst, o = c.next(dst)
		o.Type.Code = OID(binary.BigEndian.Uint16(v))
		o.Status = binary.BigEndian.Uint16(v[2:])
		o.Unit = OID(binary.BigEndian.Uint16(v[4:]))
		o.Value = Float(binary.BigEndian.Uint32(v[6:]))
	case MDCAttrEnumObsValSimpOID:
		if len(v) != 2 {
			return dst, false
		}
		dst, o = c.next(dst)
		o.Kind, o.Unit, o.Enum = ObservationEnumOID, 0, OID(binary.BigEndian.Uint16(v))
	case MDCAttrEnumObsValSimpBitStr:
		if len(v) != 4 {
			return dst, false
		}
		dst, o = c.next(dst)
		o.Kind, o.Unit, o.Bits = ObservationEnumBits, 0, binary.BigEndian.Uint32(v)
	case MDCAttrEnumObsValBasicBitStr:
		if len(v) != 2 {
			return dst, false
		}
		dst, o = c.next(dst)
		o.Kind, o.Unit, o.Bits = ObservationEnumBits, 0, uint32(binary.BigEndian.Uint16(v))
	case MDCAttrValEnumObs:
		// EnumObsValue: metric-id, state, then an EnumVal CHOICE; text values carry no
		// number and are left to the caller.
		if len(v) < 8 || int(binary.BigEndian.Uint16(v[6:])) != len(v)-8 {
			return dst, false
		}
		metric, state, choice := OID(binary.BigEndian.Uint16(v)), binary.BigEndian.Uint16(v[2:]), EnumValChoice(binary.BigEndian.Uint16(v[4:]))
		switch {
		case choice == EnumValObjID && len(v) == 10:
			dst, o = c.next(dst)
			o.Kind, o.Unit, o.Enum = ObservationEnumOID, 0, OID(binary.BigEndian.Uint16(v[8:]))
		case choice == EnumValBitStr && len(v) == 12:
			dst, o = c.next(dst)
			o.Kind, o.Unit, o.Bits = ObservationEnumBits, 0, binary.BigEndian.Uint32(v[8:])
		case choice == EnumValTextString:
			return dst, true
		default:
			return dst, false
		}
		o.Type.Code, o.Status = metric, state
	}
	return dst, true
}

// appendCompound appends a compound numeric value: a SEQUENCE OF SFLOAT, FLOAT or
// NuObsValue whose parts are named by the object's MDCAttrIDPhysioList.
func (c *obsCommon) appendCompound(dst []Observation, id OID, v []byte) ([]Observation, bool) {
	if len(v) < 4 {
		return dst, false
	}
	count, length := int(binary.BigEndian.Uint16(v)), int(binary.BigEndian.Uint16(v[2:]))
	v = v[4:]
	var o *Observation
	switch id {
	case MDCAttrNuCmpdValObsBasic:
		if length != len(v) || count*2 != length {
			return dst, false
		}
		for i := 0; i < count; i++ {
			dst, o = c.next(dst)
			o.Type = component(c.obj, i)
			o.Value = SFloat(binary.BigEndian.Uint16(v[2*i:])).Float()
		}
	case MDCAttrNuCmpdValObsSimp:
		if length != len(v) || count*4 != length {
			return dst, false
		}
		for i := 0; i < count; i++ {
			dst, o = c.next(dst)
			o.Type = component(c.obj, i)
			o.Value = Float(binary.BigEndian.Uint32(v[4*i:]))
		}
	default:
		if length != len(v) || count*10 != length {
			return dst, false
		}
		for i := 0; i < count; i++ {
			p := v[10*i:]
			dst, o = c.next(dst)
			o.Type.Code = OID(binary.BigEndian.Uint16(p))
			o.Status = binary.BigEndian.Uint16(p[2:])
			o.Unit = OID(binary.BigEndian.Uint16(p[4:]))
			o.Value = Float(binary.BigEndian.Uint32(p[6:]))
		}
	}
	return dst, true
}
