package ieee11073

import "encoding/binary"

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
	Handle   Handle          // the object that reported it
	PersonID uint16          // from multiple-person reports; PersonIDUnknown otherwise
	Kind     ObservationKind //
	Type     Type            // the measured quantity (metric code and its partition)
	Unit     OID             // unit code, partition DIM; 0 for enumerations
	Value    Float           // ObservationNumeric: the number, SFLOATs widened exactly
	Enum     OID             // ObservationEnumOID: the code
	Bits     uint32          // ObservationEnumBits: the bit string
	Status   uint16          // MeasurementStatus* bits, 0 when the agent sent none
	Time     AbsoluteTime    // MDCAttrTimeStampAbs, zero when the agent sent none
	RelTime  RelativeTime    // MDCAttrTimeStampRel, 0 when the agent sent none
}

// obsState carries what one object's report says about all its values.
type obsState struct {
	time    AbsoluteTime
	relTime RelativeTime
	status  uint16
	unit    OID
}

// Observations appends to dst the observations in an event report sent by an agent with
// configuration c and returns the extended slice. It decodes the fixed, variable,
// multiple-person fixed and multiple-person variable scan reports (buffered, unbuffered or
// not); other events fail with ErrUnsupportedReport. It allocates nothing when dst has room
// for the observations. Errors name the failing field; a report that names an object the
// configuration lacks fails with ErrUnknownHandle.
func (c *Configuration) Observations(dst []Observation, ev *EventReportArgument) ([]Observation, error) {
	return c.AppendObservations(dst, ev.EventType, &ev.Report)
}

// AppendObservations is Observations for an event given by its type and decoded
// event-info, such as the event in a DataResponse.
func (c *Configuration) AppendObservations(dst []Observation, eventType OID, info *EventInfo) ([]Observation, error) {
	var err error
	switch eventInfoKind(eventType) {
	case infoScanFixed:
		for i := range info.ScanFixed.Observations {
			if dst, err = c.appendFixed(dst, &info.ScanFixed.Observations[i], PersonIDUnknown); err != nil {
				return dst, err
			}
		}
	case infoScanVar:
		for i := range info.ScanVar.Observations {
			if dst, err = c.appendVar(dst, &info.ScanVar.Observations[i], PersonIDUnknown); err != nil {
				return dst, err
			}
		}
	case infoScanMPFixed:
		for p := range info.ScanMPFixed.Persons {
			per := &info.ScanMPFixed.Persons[p]
			for i := range per.Observations {
				if dst, err = c.appendFixed(dst, &per.Observations[i], per.PersonID); err != nil {
					return dst, err
				}
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

// appendFixed decodes one object's obs-val-data laid out by its attribute value map.
func (c *Configuration) appendFixed(dst []Observation, o *ObservationScanFixed, person uint16) ([]Observation, error) {
	obj := c.Object(o.ObjHandle)
	if obj == nil {
		return dst, unknownHandle(o.ObjHandle)
	}
	start := len(dst)
	var st obsState
	v := o.Value
	off := 0
	for _, e := range obj.ValMap {
		n := int(e.Len)
		if n > len(v)-off {
			return dst[:start], &DecodeError{Offset: off, Field: "ObservationScanFixed.obs-val-data", Err: ErrShort}
		}
		var ok bool
		if dst, ok = appendValue(dst, obj, person, e.ID, v[off:off+n], &st); !ok {
			return dst[:start], &DecodeError{Offset: off, Field: "ObservationScanFixed.obs-val-data", Err: ErrValue}
		}
		off += n
	}
	if off != len(v) {
		return dst[:start], &DecodeError{Offset: off, Field: "ObservationScanFixed.obs-val-data", Err: ErrLength}
	}
	st.apply(dst[start:])
	return dst, nil
}

// appendVar decodes one object's attribute list.
func (c *Configuration) appendVar(dst []Observation, o *ObservationScan, person uint16) ([]Observation, error) {
	obj := c.Object(o.ObjHandle)
	if obj == nil {
		return dst, unknownHandle(o.ObjHandle)
	}
	start := len(dst)
	var st obsState
	for i := range o.Attributes {
		a := &o.Attributes[i]
		var ok bool
		if dst, ok = appendValue(dst, obj, person, a.ID, a.Value, &st); !ok {
			return dst[:start], &DecodeError{Field: "ObservationScan.attributes", Err: ErrValue}
		}
	}
	st.apply(dst[start:])
	return dst, nil
}

//go:noinline
func unknownHandle(h Handle) error {
	return &DecodeError{Field: "obj-handle", Err: errorWithHandle{h}}
}

type errorWithHandle struct{ h Handle }

func (e errorWithHandle) Error() string {
	return ErrUnknownHandle.Error() + " " + itoa(int(e.h))
}

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

// apply stamps the time, status and unit an object reported on its observations.
func (st *obsState) apply(obs []Observation) {
	if st.time == (AbsoluteTime{}) && st.relTime == 0 && st.status == 0 && st.unit == 0 {
		return
	}
	for i := range obs {
		o := &obs[i]
		o.Time, o.RelTime = st.time, st.relTime
		if st.status != 0 {
			o.Status = st.status
		}
		if st.unit != 0 && o.Kind == ObservationNumeric {
			o.Unit = st.unit
		}
	}
}

func newObs(obj *ConfiguredObject, person uint16) Observation {
	return Observation{Handle: obj.Handle, PersonID: person, Type: obj.Type, Unit: obj.Unit}
}

// component returns the type of part i of a compound metric.
func component(obj *ConfiguredObject, i int) Type {
	if i < len(obj.PhysioList) {
		return Type{obj.Type.Partition, obj.PhysioList[i]}
	}
	return obj.Type
}

// appendValue interprets one attribute value of an observation; it reports false when the
// value is malformed. Attributes it does not interpret are skipped.
func appendValue(dst []Observation, obj *ConfiguredObject, person uint16, id OID, v []byte, st *obsState) ([]Observation, bool) {
	switch id {
	case MDCAttrNuValObsBasic:
		if len(v) != 2 {
			return dst, false
		}
		dst = append(dst, Observation{Handle: obj.Handle, PersonID: person, Type: obj.Type, Unit: obj.Unit,
			Value: SFloat(binary.BigEndian.Uint16(v)).Float()})
		return dst, true
	case MDCAttrNuValObsSimp:
		if len(v) != 4 {
			return dst, false
		}
		dst = append(dst, Observation{Handle: obj.Handle, PersonID: person, Type: obj.Type, Unit: obj.Unit,
			Value: Float(binary.BigEndian.Uint32(v))})
		return dst, true
	case MDCAttrTimeStampAbs:
		return dst, len(v) == 8 && st.time.set(v)
	case MDCAttrNuCmpdValObsBasic, MDCAttrNuCmpdValObsSimp, MDCAttrNuCmpdValObs:
		return appendCompound(dst, obj, person, id, v)
	case MDCAttrNuValObs:
		if len(v) != 10 {
			return dst, false
		}
		o := newObs(obj, person)
		o.Type.Code = OID(binary.BigEndian.Uint16(v))
		o.Status = binary.BigEndian.Uint16(v[2:])
		o.Unit = OID(binary.BigEndian.Uint16(v[4:]))
		o.Value = Float(binary.BigEndian.Uint32(v[6:]))
		return append(dst, o), true
	case MDCAttrEnumObsValSimpOID:
		if len(v) != 2 {
			return dst, false
		}
		o := newObs(obj, person)
		o.Kind, o.Unit, o.Enum = ObservationEnumOID, 0, OID(binary.BigEndian.Uint16(v))
		return append(dst, o), true
	case MDCAttrEnumObsValSimpBitStr:
		if len(v) != 4 {
			return dst, false
		}
		o := newObs(obj, person)
		o.Kind, o.Unit, o.Bits = ObservationEnumBits, 0, binary.BigEndian.Uint32(v)
		return append(dst, o), true
	case MDCAttrEnumObsValBasicBitStr:
		if len(v) != 2 {
			return dst, false
		}
		o := newObs(obj, person)
		o.Kind, o.Unit, o.Bits = ObservationEnumBits, 0, uint32(binary.BigEndian.Uint16(v))
		return append(dst, o), true
	case MDCAttrTimeStampRel:
		if len(v) != 4 {
			return dst, false
		}
		st.relTime = RelativeTime(binary.BigEndian.Uint32(v))
	case MDCAttrMsmtStat:
		if len(v) != 2 {
			return dst, false
		}
		st.status = binary.BigEndian.Uint16(v)
	case MDCAttrUnitCode:
		if len(v) != 2 {
			return dst, false
		}
		st.unit = OID(binary.BigEndian.Uint16(v))
	}
	return dst, true
}

// appendCompound interprets a compound numeric value: a SEQUENCE OF SFLOAT, FLOAT or
// NuObsValue whose parts are named by the object's MDCAttrIDPhysioList.
func appendCompound(dst []Observation, obj *ConfiguredObject, person uint16, id OID, v []byte) ([]Observation, bool) {
	if len(v) < 4 {
		return dst, false
	}
	count, length := int(binary.BigEndian.Uint16(v)), int(binary.BigEndian.Uint16(v[2:]))
	w := 2
	if id == MDCAttrNuCmpdValObsSimp {
		w = 4
	} else if id == MDCAttrNuCmpdValObs {
		w = 10
	}
	if length != len(v)-4 || count*w != length {
		return dst, false
	}
	v = v[4:]
	for i := 0; i < count; i++ {
		o := Observation{Handle: obj.Handle, PersonID: person, Type: component(obj, i), Unit: obj.Unit}
		p := v[i*w:]
		switch w {
		case 2:
			o.Value = SFloat(binary.BigEndian.Uint16(p)).Float()
		case 4:
			o.Value = Float(binary.BigEndian.Uint32(p))
		default:
			o.Type.Code = OID(binary.BigEndian.Uint16(p))
			o.Status = binary.BigEndian.Uint16(p[2:])
			o.Unit = OID(binary.BigEndian.Uint16(p[4:]))
			o.Value = Float(binary.BigEndian.Uint32(p[6:]))
		}
		dst = append(dst, o)
	}
	return dst, true
}
