package ieee11073

import (
	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// Attribute value types (20601 Annex A, where each is defined by the ASN.1 type named below). Each decodes from an
// AVA's Value with Unmarshal: it decodes from the start of b, returns the bytes it took,
// overwrites every field, reuses the capacity of the slices it holds, and leaves byte slices
// aliasing b. Errors are *DecodeError. AppendBinary appends the MDER encoding.

// Unmarshal decodes a TYPE (partition, code) from b.
func (t *Type) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !t.decode(&r, "TYPE") {
		return 0, decodeError(&r)
	}
	return 4, nil
}

func (t *Type) decode(r *mder.Reader, field string) bool {
	return r.U16((*uint16)(&t.Partition), field) && r.U16((*uint16)(&t.Code), field)
}

// AppendBinary appends the 4 bytes of t to b.
func (t Type) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(t.Partition))
	return mder.AppendU16(b, uint16(t.Code)), nil
}

// TypeList is a SEQUENCE OF TYPE, the value of MDCAttrSupplementalTypes.
type TypeList []Type

// Unmarshal decodes l from b.
func (l *TypeList) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	var n, end int
	if !r.Seq(&n, &end, 4, "TypeList") {
		return 0, decodeError(&r)
	}
	v := (*l)[:0]
	for i := 0; i < n; i++ {
		v = mder.Grow(v)
		if !r.InSeq("TypeList") || !v[i].decode(&r, "TypeList") {
			*l = v
			return 0, decodeError(&r)
		}
	}
	*l = v
	if !r.End(end, "TypeList") {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of l to b.
func (l TypeList) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(l))
	if err != nil {
		return b, encodeError("TypeList", err)
	}
	for _, t := range l {
		b, _ = t.AppendBinary(b)
	}
	return mder.Fill(b, mark)
}

// OIDList is a SEQUENCE OF OID-Type: the value of MDCAttrIDPhysioList (MetricIdList) and of
// the attribute-id-list of a GET.
type OIDList []OID

// Unmarshal decodes l from b.
func (l *OIDList) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !decodeOIDList(&r, (*[]OID)(l), "OIDList") {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of l to b.
func (l OIDList) AppendBinary(b []byte) ([]byte, error) { return appendOIDList(b, l, "OIDList") }

// TypeVer is a specialization the agent follows and its version (TypeVer, in the value of
// MDCAttrSysTypeSpecList).
type TypeVer struct {
	Type    OID // an MDC_DEV_SPEC_PROFILE_* code, e.g. MDCDevSpecProfileBP
	Version uint16
}

// TypeVerList is the value of MDCAttrSysTypeSpecList: a SEQUENCE OF TypeVer.
//
//	+-------+--------+----------------------------------+
//	| count | length | {type OID, version u16} …        |
//	+-------+--------+----------------------------------+
type TypeVerList []TypeVer

// Unmarshal decodes l from b.
func (l *TypeVerList) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	var n, end int
	if !r.Seq(&n, &end, 4, "TypeVerList") {
		return 0, decodeError(&r)
	}
	v := (*l)[:0]
	for i := 0; i < n; i++ {
		v = mder.Grow(v)
		if !r.InSeq("TypeVerList") || !r.U16((*uint16)(&v[i].Type), "TypeVer.type") ||
			!r.U16(&v[i].Version, "TypeVer.version") {
			*l = v
			return 0, decodeError(&r)
		}
	}
	*l = v
	if !r.End(end, "TypeVerList") {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of l to b.
func (l TypeVerList) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(l))
	if err != nil {
		return b, encodeError("TypeVerList", err)
	}
	for _, t := range l {
		b = mder.AppendU16(b, uint16(t.Type))
		b = mder.AppendU16(b, t.Version)
	}
	return mder.Fill(b, mark)
}

// SystemModel is the value of MDCAttrIDModel.
//
//	+--------+--------------------+--------+---------------------+
//	| length | manufacturer       | length | model-number        |
//	+--------+--------------------+--------+---------------------+
type SystemModel struct {
	Manufacturer []byte // aliases the input
	ModelNumber  []byte // aliases the input
}

// Unmarshal decodes m from b.
func (m *SystemModel) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !r.Octets(&m.Manufacturer, "SystemModel.manufacturer") ||
		!r.Octets(&m.ModelNumber, "SystemModel.model-number") {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of m to b.
func (m *SystemModel) AppendBinary(b []byte) ([]byte, error) {
	b, err := mder.AppendOctets(b, m.Manufacturer)
	if err != nil {
		return b, encodeError("SystemModel.manufacturer", err)
	}
	if b, err = mder.AppendOctets(b, m.ModelNumber); err != nil {
		return b, encodeError("SystemModel.model-number", err)
	}
	return b, nil
}

// ProdSpecEntry is one production specification: a serial number, a part number, a
// hardware, software or firmware revision, and so on.
type ProdSpecEntry struct {
	SpecType    uint16 // ProdSpecType*
	ComponentID uint16 // PrivateOid; 0 for the whole system
	ProdSpec    []byte // aliases the input
}

// The production specification types (ProdSpecEntry.SpecType).
const (
	ProdSpecTypeUnspecified  uint16 = 0
	ProdSpecTypeSerialNumber uint16 = 1
	ProdSpecTypePartNumber   uint16 = 2
	ProdSpecTypeHWRevision   uint16 = 3
	ProdSpecTypeSWRevision   uint16 = 4
	ProdSpecTypeFWRevision   uint16 = 5
	ProdSpecTypeProtocolRev  uint16 = 6
	ProdSpecTypeProdSpecGMDN uint16 = 7
)

// ProductionSpec is the value of MDCAttrIDProdSpecn: a SEQUENCE OF ProdSpecEntry.
//
//	+-------+--------+------------------------------------------------------------+
//	| count | length | {spec-type u16, component-id u16, length, prod-spec} …     |
//	+-------+--------+------------------------------------------------------------+
type ProductionSpec []ProdSpecEntry

// Unmarshal decodes p from b.
func (p *ProductionSpec) Unmarshal(b []byte) (int, error) {
	const field = "ProductionSpec"
	r := mder.NewReader(b)
	var n, end int
	if !r.Seq(&n, &end, 6, field) {
		return 0, decodeError(&r)
	}
	v := (*p)[:0]
	for i := 0; i < n; i++ {
		v = mder.Grow(v)
		e := &v[i]
		if !r.InSeq(field) || !r.U16(&e.SpecType, "ProdSpecEntry.spec-type") ||
			!r.U16(&e.ComponentID, "ProdSpecEntry.component-id") ||
			!r.Octets(&e.ProdSpec, "ProdSpecEntry.prod-spec") {
			*p = v
			return 0, decodeError(&r)
		}
	}
	*p = v
	if !r.End(end, field) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of p to b.
func (p ProductionSpec) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(p))
	if err != nil {
		return b, encodeError("ProductionSpec", err)
	}
	for i := range p {
		b = mder.AppendU16(b, p[i].SpecType)
		b = mder.AppendU16(b, p[i].ComponentID)
		if b, err = mder.AppendOctets(b, p[i].ProdSpec); err != nil {
			return b, encodeError("ProdSpecEntry.prod-spec", err)
		}
	}
	return mder.Fill(b, mark)
}

// MdsTimeInfo is the value of MDCAttrMdsTimeInfo: the agent's clocks.
//
//	+---------------------+-------------------------+------------------------------+
//	| mds-time-cap-state  | time-sync-protocol OID  | time-sync-accuracy u32       |
//	| BITS-16             |                         | (RelativeTime)               |
//	+---------------------+-------------------------+------------------------------+
//	| time-resolution-abs-time u16 | time-resolution-rel-time u16 | time-resolution-high-res-time u32 |
//	+------------------------------+------------------------------+-----------------------------------+
type MdsTimeInfo struct {
	CapState              uint16 // MdsTimeCap* bits
	SyncProtocol          OID    // an MDC_TIME_SYNC_* code
	SyncAccuracy          RelativeTime
	ResolutionAbsTime     uint16 // in 1/100 s
	ResolutionRelTime     uint16 // in 1/8 ms
	ResolutionHighResTime uint32 // in µs
}

// Bits of MdsTimeInfo.CapState (MdsTimeCapState).
const (
	MdsTimeCapRealTimeClock            uint16 = 0x8000
	MdsTimeCapSetClock                 uint16 = 0x4000
	MdsTimeCapRelativeTime             uint16 = 0x2000
	MdsTimeCapHighResRelativeTime      uint16 = 0x1000
	MdsTimeCapSyncAbsTime              uint16 = 0x0800
	MdsTimeCapSyncRelTime              uint16 = 0x0400
	MdsTimeCapSyncHighResRelativeTime  uint16 = 0x0200
	MdsTimeStateAbsTimeSynced          uint16 = 0x0080
	MdsTimeStateRelTimeSynced          uint16 = 0x0040
	MdsTimeStateHighResRelativeTimeSyn uint16 = 0x0020
	MdsTimeMgrSetTime                  uint16 = 0x0010
)

// Unmarshal decodes m from b.
func (m *MdsTimeInfo) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !r.U16(&m.CapState, "MdsTimeInfo.mds-time-cap-state") ||
		!r.U16((*uint16)(&m.SyncProtocol), "MdsTimeInfo.time-sync-protocol") ||
		!r.U32((*uint32)(&m.SyncAccuracy), "MdsTimeInfo.time-sync-accuracy") ||
		!r.U16(&m.ResolutionAbsTime, "MdsTimeInfo.time-resolution-abs-time") ||
		!r.U16(&m.ResolutionRelTime, "MdsTimeInfo.time-resolution-rel-time") ||
		!r.U32(&m.ResolutionHighResTime, "MdsTimeInfo.time-resolution-high-res-time") {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of m to b.
func (m *MdsTimeInfo) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, m.CapState)
	b = mder.AppendU16(b, uint16(m.SyncProtocol))
	b = mder.AppendU32(b, uint32(m.SyncAccuracy))
	b = mder.AppendU16(b, m.ResolutionAbsTime)
	b = mder.AppendU16(b, m.ResolutionRelTime)
	return mder.AppendU32(b, m.ResolutionHighResTime), nil
}

// RegCertData is one regulatory or certification statement.
type RegCertData struct {
	AuthBody          uint8 // auth-body (0 empty, 1 ieee-11073, 2 continua, 254 experimental, 255 reserved)
	AuthBodyStrucType uint8
	Data              []byte // auth-body-data, aliasing the input
}

// RegCertDataList is the value of MDCAttrRegCertDataList: a SEQUENCE OF RegCertData.
//
//	+-------+--------+----------------------------------------------------------+
//	| count | length | {auth-body u8, auth-body-struc-type u8, length, data} …  |
//	+-------+--------+----------------------------------------------------------+
type RegCertDataList []RegCertData

// Unmarshal decodes l from b.
func (l *RegCertDataList) Unmarshal(b []byte) (int, error) {
	const field = "RegCertDataList"
	r := mder.NewReader(b)
	var n, end int
	if !r.Seq(&n, &end, 4, field) {
		return 0, decodeError(&r)
	}
	v := (*l)[:0]
	for i := 0; i < n; i++ {
		v = mder.Grow(v)
		e := &v[i]
		if !r.InSeq(field) || !r.U8(&e.AuthBody, "RegCertData.auth-body") ||
			!r.U8(&e.AuthBodyStrucType, "RegCertData.auth-body-struc-type") ||
			!r.Octets(&e.Data, "RegCertData.auth-body-data") {
			*l = v
			return 0, decodeError(&r)
		}
	}
	*l = v
	if !r.End(end, field) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of l to b.
func (l RegCertDataList) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(l))
	if err != nil {
		return b, encodeError("RegCertDataList", err)
	}
	for i := range l {
		b = append(b, l[i].AuthBody, l[i].AuthBodyStrucType)
		if b, err = mder.AppendOctets(b, l[i].Data); err != nil {
			return b, encodeError("RegCertData.auth-body-data", err)
		}
	}
	return mder.Fill(b, mark)
}

// AttrValMapEntry says that an attribute's value takes Len bytes in a fixed-format report.
type AttrValMapEntry struct {
	ID  OID
	Len uint16
}

// AttrValMap is the value of MDCAttrAttributeValMap: the order and sizes of the attribute
// values in an object's obs-val-data of a fixed-format scan report.
//
//	+-------+--------+-------------------------------------------+
//	| count | length | {attribute-id OID, attribute-len u16} …   |
//	+-------+--------+-------------------------------------------+
type AttrValMap []AttrValMapEntry

// Unmarshal decodes m from b.
func (m *AttrValMap) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !m.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (m *AttrValMap) decode(r *mder.Reader) bool {
	const field = "AttrValMap"
	var n, end int
	if !r.Seq(&n, &end, 4, field) {
		return false
	}
	v := (*m)[:0]
	for i := 0; i < n; i++ {
		var id, l uint16
		if !r.InSeq(field) || !r.U16(&id, "AttrValMapEntry.attribute-id") ||
			!r.U16(&l, "AttrValMapEntry.attribute-len") {
			*m = v
			return false
		}
		v = append(v, AttrValMapEntry{OID(id), l})
	}
	*m = v
	return r.End(end, field)
}

// AppendBinary appends the MDER encoding of m to b.
func (m AttrValMap) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(m))
	if err != nil {
		return b, encodeError("AttrValMap", err)
	}
	for _, e := range m {
		b = mder.AppendU16(b, uint16(e.ID))
		b = mder.AppendU16(b, e.Len)
	}
	return mder.Fill(b, mark)
}

// HighResRelativeTime is a relative time in microseconds, 8 bytes big-endian on the wire
// (HighResRelativeTime, an OCTET STRING of fixed size 8 sent without a length).
type HighResRelativeTime uint64

// Unmarshal decodes t from the first 8 bytes of b.
func (t *HighResRelativeTime) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	var v []byte
	if !r.Fixed(&v, 8, "HighResRelativeTime") {
		return 0, decodeError(&r)
	}
	*t = HighResRelativeTime(uint64(v[0])<<56 | uint64(v[1])<<48 | uint64(v[2])<<40 |
		uint64(v[3])<<32 | uint64(v[4])<<24 | uint64(v[5])<<16 | uint64(v[6])<<8 | uint64(v[7]))
	return 8, nil
}

// AppendBinary appends the 8 bytes of t to b.
func (t HighResRelativeTime) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU32(b, uint32(t>>32))
	return mder.AppendU32(b, uint32(t)), nil
}

// MetricStructureSmall is the value of MDCAttrMetricStructSmall: whether a metric is simple
// or compound and how many components it has.
type MetricStructureSmall struct {
	Struct uint8 // MetricStruct*
	CompNo uint8 // number of components of a compound metric
}

// The metric structures (MetricStructureSmall.Struct).
const (
	MetricStructSimple      uint8 = 0 // ms-struct-simple
	MetricStructCompound    uint8 = 1 // ms-struct-compound
	MetricStructCompoundFix uint8 = 3 // ms-struct-compound-fix
)

// Bits of MDCAttrMetricSpecSmall (MetricSpecSmall).
const (
	MetricSpecAvailIntermittent uint16 = 0x8000 // mss-avail-intermittent
	MetricSpecAvailStoredData   uint16 = 0x4000 // mss-avail-stored-data
	MetricSpecUpdAperiodic      uint16 = 0x2000 // mss-upd-aperiodic
	MetricSpecMsmtAperiodic     uint16 = 0x1000 // mss-msmt-aperiodic
	MetricSpecMsmtPhysEvID      uint16 = 0x0800 // mss-msmt-phys-ev-id
	MetricSpecMsmtBtbMetric     uint16 = 0x0400 // mss-msmt-btb-metric
	MetricSpecAccManagerInit    uint16 = 0x0080 // mss-acc-manager-initiated
	MetricSpecAccAgentInit      uint16 = 0x0040 // mss-acc-agent-initiated
	MetricSpecCatManual         uint16 = 0x0008 // mss-cat-manual
	MetricSpecCatSetting        uint16 = 0x0004 // mss-cat-setting
	MetricSpecCatCalculation    uint16 = 0x0002 // mss-cat-calculation
)

// Bits of MeasurementStatus, the state of a NuObsValue or EnumObsValue and the value of
// MDCAttrMsmtStat.
const (
	MeasurementStatusInvalid            uint16 = 0x8000
	MeasurementStatusQuestionable       uint16 = 0x4000
	MeasurementStatusNotAvailable       uint16 = 0x2000
	MeasurementStatusCalibrationOngoing uint16 = 0x1000
	MeasurementStatusTestData           uint16 = 0x0800
	MeasurementStatusDemoData           uint16 = 0x0400
	MeasurementStatusValidatedData      uint16 = 0x0080
	MeasurementStatusEarlyIndication    uint16 = 0x0040
	MeasurementStatusMsmtOngoing        uint16 = 0x0020
)

// NuObsValue is a numeric observation with its own metric, state and unit: the value of
// MDCAttrNuValObs.
//
//	+------------------+-------------+-----------------+-------------------+
//	| metric-id OID    | state u16   | unit-code OID   | value FLOAT-Type  |
//	+------------------+-------------+-----------------+-------------------+
type NuObsValue struct {
	MetricID OID
	State    uint16 // MeasurementStatus* bits
	Unit     OID
	Value    Float
}

// Unmarshal decodes v from b.
func (v *NuObsValue) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !v.decode(&r) {
		return 0, decodeError(&r)
	}
	return 10, nil
}

func (v *NuObsValue) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&v.MetricID), "NuObsValue.metric-id") &&
		r.U16(&v.State, "NuObsValue.state") &&
		r.U16((*uint16)(&v.Unit), "NuObsValue.unit-code") &&
		r.U32((*uint32)(&v.Value), "NuObsValue.value")
}

// AppendBinary appends the 10 bytes of v to b.
func (v *NuObsValue) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(v.MetricID))
	b = mder.AppendU16(b, v.State)
	b = mder.AppendU16(b, uint16(v.Unit))
	return mder.AppendU32(b, uint32(v.Value)), nil
}

// NuObsValueCmp is the value of MDCAttrNuCmpdValObs: a SEQUENCE OF NuObsValue.
type NuObsValueCmp []NuObsValue

// Unmarshal decodes c from b.
func (c *NuObsValueCmp) Unmarshal(b []byte) (int, error) {
	const field = "NuObsValueCmp"
	r := mder.NewReader(b)
	var n, end int
	if !r.Seq(&n, &end, 10, field) {
		return 0, decodeError(&r)
	}
	v := (*c)[:0]
	for i := 0; i < n; i++ {
		v = mder.Grow(v)
		if !r.InSeq(field) || !v[i].decode(&r) {
			*c = v
			return 0, decodeError(&r)
		}
	}
	*c = v
	if !r.End(end, field) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of c to b.
func (c NuObsValueCmp) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(c))
	if err != nil {
		return b, encodeError("NuObsValueCmp", err)
	}
	for i := range c {
		b, _ = c[i].AppendBinary(b)
	}
	return mder.Fill(b, mark)
}

// SimpleNuObsValueCmp is the value of MDCAttrNuCmpdValObsSimp: a SEQUENCE OF FLOAT-Type.
// (A single SimpleNuObsValue, MDCAttrNuValObsSimp, is a bare Float.)
type SimpleNuObsValueCmp []Float

// Unmarshal decodes c from b.
func (c *SimpleNuObsValueCmp) Unmarshal(b []byte) (int, error) {
	const field = "SimpleNuObsValueCmp"
	r := mder.NewReader(b)
	var n, end int
	if !r.Seq(&n, &end, 4, field) {
		return 0, decodeError(&r)
	}
	v := (*c)[:0]
	for i := 0; i < n; i++ {
		var x uint32
		if !r.InSeq(field) || !r.U32(&x, field) {
			*c = v
			return 0, decodeError(&r)
		}
		v = append(v, Float(x))
	}
	*c = v
	if !r.End(end, field) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of c to b.
func (c SimpleNuObsValueCmp) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(c))
	if err != nil {
		return b, encodeError("SimpleNuObsValueCmp", err)
	}
	for _, f := range c {
		b = mder.AppendU32(b, uint32(f))
	}
	return mder.Fill(b, mark)
}

// BasicNuObsValueCmp is the value of MDCAttrNuCmpdValObsBasic: a SEQUENCE OF SFLOAT-Type.
// (A single BasicNuObsValue, MDCAttrNuValObsBasic, is a bare SFloat.)
type BasicNuObsValueCmp []SFloat

// Unmarshal decodes c from b.
func (c *BasicNuObsValueCmp) Unmarshal(b []byte) (int, error) {
	const field = "BasicNuObsValueCmp"
	r := mder.NewReader(b)
	var n, end int
	if !r.Seq(&n, &end, 2, field) {
		return 0, decodeError(&r)
	}
	v := (*c)[:0]
	for i := 0; i < n; i++ {
		var x uint16
		if !r.InSeq(field) || !r.U16(&x, field) {
			*c = v
			return 0, decodeError(&r)
		}
		v = append(v, SFloat(x))
	}
	*c = v
	if !r.End(end, field) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of c to b.
func (c BasicNuObsValueCmp) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(c))
	if err != nil {
		return b, encodeError("BasicNuObsValueCmp", err)
	}
	for _, f := range c {
		b = mder.AppendU16(b, uint16(f))
	}
	return mder.Fill(b, mark)
}

// EnumValChoice is the tag of an EnumVal.
type EnumValChoice uint16

// The EnumVal choices.
const (
	EnumValObjID      EnumValChoice = 1  // enum-obj-id
	EnumValTextString EnumValChoice = 2  // enum-text-string
	EnumValBitStr     EnumValChoice = 16 // enum-bit-str
)

var enumValNames = [...]string{1: "enum-obj-id", 2: "enum-text-string", 16: "enum-bit-str"}

func (c EnumValChoice) String() string { return enumString(enumValNames[:], int(c), "EnumValChoice") }

// EnumObsValue is an enumerated observation: the value of MDCAttrValEnumObs.
//
//	+---------------+-----------+------------------------------------------------------+
//	| metric-id OID | state u16 | value: choice u16, length u16, OID | octets | BITS-32 |
//	+---------------+-----------+------------------------------------------------------+
type EnumObsValue struct {
	MetricID OID
	State    uint16 // MeasurementStatus* bits
	Choice   EnumValChoice
	ObjID    OID    // EnumValObjID
	Text     []byte // EnumValTextString, aliasing the input
	Bits     uint32 // EnumValBitStr
}

// Unmarshal decodes v from b.
func (v *EnumObsValue) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	var end int
	if !r.U16((*uint16)(&v.MetricID), "EnumObsValue.metric-id") ||
		!r.U16(&v.State, "EnumObsValue.state") ||
		!r.U16((*uint16)(&v.Choice), "EnumObsValue.value.choice") ||
		!r.Begin(&end, "EnumObsValue.value.length") {
		return 0, decodeError(&r)
	}
	var ok bool
	switch v.Choice {
	case EnumValObjID:
		ok = r.U16((*uint16)(&v.ObjID), "EnumObsValue.value.enum-obj-id")
	case EnumValTextString:
		ok = r.Octets(&v.Text, "EnumObsValue.value.enum-text-string")
	case EnumValBitStr:
		ok = r.U32(&v.Bits, "EnumObsValue.value.enum-bit-str")
	default:
		r.FailAt(4, "EnumObsValue.value.choice", ErrChoice)
	}
	if !ok || !r.End(end, "EnumObsValue.value.length") {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of v to b.
func (v *EnumObsValue) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(v.MetricID))
	b = mder.AppendU16(b, v.State)
	b = mder.AppendU16(b, uint16(v.Choice))
	b, mark := mder.Mark(b)
	var err error
	switch v.Choice {
	case EnumValObjID:
		b = mder.AppendU16(b, uint16(v.ObjID))
	case EnumValTextString:
		if b, err = mder.AppendOctets(b, v.Text); err != nil {
			return b, encodeError("EnumObsValue.value.enum-text-string", err)
		}
	case EnumValBitStr:
		b = mder.AppendU32(b, v.Bits)
	default:
		return b, encodeError("EnumObsValue.value.choice", ErrChoice)
	}
	return mder.Fill(b, mark)
}

// SaSpec is the value of MDCAttrSaSpecn: the layout of a sample array.
//
//	+------------------+---------------------------------------+--------------+
//	| array-size u16   | sample-type: sample-size u8, sig-bits u8 | flags BITS-16 |
//	+------------------+---------------------------------------+--------------+
type SaSpec struct {
	ArraySize       uint16
	SampleSize      uint8  // bits per sample: 8, 16 or 32
	SignificantBits uint8  // 255 means signed samples
	Flags           uint16 // SaFlag* bits
}

// Bits of SaSpec.Flags (SaFlags).
const (
	SaFlagSmoothCurve   uint16 = 0x8000
	SaFlagDelayedCurve  uint16 = 0x4000
	SaFlagStaticScale   uint16 = 0x2000
	SaFlagSaExtValRange uint16 = 0x1000
)

// Unmarshal decodes s from b.
func (s *SaSpec) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !r.U16(&s.ArraySize, "SaSpec.array-size") || !r.U8(&s.SampleSize, "SaSpec.sample-type.sample-size") ||
		!r.U8(&s.SignificantBits, "SaSpec.sample-type.significant-bits") || !r.U16(&s.Flags, "SaSpec.flags") {
		return 0, decodeError(&r)
	}
	return 6, nil
}

// AppendBinary appends the 6 bytes of s to b.
func (s *SaSpec) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, s.ArraySize)
	b = append(b, s.SampleSize, s.SignificantBits)
	return mder.AppendU16(b, s.Flags), nil
}

// ScaleRangeSpec maps scaled sample values to absolute values: the value of
// MDCAttrScaleSpecnI8, MDCAttrScaleSpecnI16 or MDCAttrScaleSpecnI32 (ScaleRangeSpec8, 16,
// 32), whose scaled values are 1, 2 or 4 bytes wide.
//
//	+------------------------+------------------------+--------------------+--------------------+
//	| lower-absolute FLOAT   | upper-absolute FLOAT   | lower-scaled INT-Un| upper-scaled INT-Un|
//	+------------------------+------------------------+--------------------+--------------------+
type ScaleRangeSpec struct {
	Width         int // 1, 2 or 4: bytes of each scaled value
	LowerAbsolute Float
	UpperAbsolute Float
	LowerScaled   uint32
	UpperScaled   uint32
}

// UnmarshalWidth decodes s from b with scaled values width bytes wide (1, 2 or 4).
func (s *ScaleRangeSpec) UnmarshalWidth(b []byte, width int) (int, error) {
	r := mder.NewReader(b)
	s.Width = width
	if !r.U32((*uint32)(&s.LowerAbsolute), "ScaleRangeSpec.lower-absolute-value") ||
		!r.U32((*uint32)(&s.UpperAbsolute), "ScaleRangeSpec.upper-absolute-value") {
		return 0, decodeError(&r)
	}
	var ok bool
	switch width {
	case 1:
		var lo, hi uint8
		ok = r.U8(&lo, "ScaleRangeSpec.lower-scaled-value") && r.U8(&hi, "ScaleRangeSpec.upper-scaled-value")
		s.LowerScaled, s.UpperScaled = uint32(lo), uint32(hi)
	case 2:
		var lo, hi uint16
		ok = r.U16(&lo, "ScaleRangeSpec.lower-scaled-value") && r.U16(&hi, "ScaleRangeSpec.upper-scaled-value")
		s.LowerScaled, s.UpperScaled = uint32(lo), uint32(hi)
	case 4:
		ok = r.U32(&s.LowerScaled, "ScaleRangeSpec.lower-scaled-value") && r.U32(&s.UpperScaled, "ScaleRangeSpec.upper-scaled-value")
	default:
		r.FailAt(0, "ScaleRangeSpec", ErrValue)
	}
	if !ok {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of s to b.
func (s *ScaleRangeSpec) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU32(b, uint32(s.LowerAbsolute))
	b = mder.AppendU32(b, uint32(s.UpperAbsolute))
	switch s.Width {
	case 1:
		return append(b, uint8(s.LowerScaled), uint8(s.UpperScaled)), nil
	case 2:
		b = mder.AppendU16(b, uint16(s.LowerScaled))
		return mder.AppendU16(b, uint16(s.UpperScaled)), nil
	case 4:
		b = mder.AppendU32(b, s.LowerScaled)
		return mder.AppendU32(b, s.UpperScaled), nil
	}
	return b, encodeError("ScaleRangeSpec.width", ErrValue)
}

// SaObsValue is the value of MDCAttrSimpSaObsVal: an OCTET STRING of samples laid out as
// the object's SaSpec says.
type SaObsValue []byte

// Unmarshal decodes v from b; it aliases b.
func (v *SaObsValue) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	var x []byte
	if !r.Octets(&x, "SaObsValue") {
		return 0, decodeError(&r)
	}
	*v = x
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of v to b.
func (v SaObsValue) AppendBinary(b []byte) ([]byte, error) {
	b, err := mder.AppendOctets(b, v)
	if err != nil {
		return b, encodeError("SaObsValue", err)
	}
	return b, nil
}

// Sample returns sample i of v as an unsigned integer for a SaSpec with the given sample
// size in bits (8, 16 or 32), and false when v has no sample i.
func (v SaObsValue) Sample(i int, sampleSize uint8) (uint32, bool) {
	w := int(sampleSize) / 8
	if w != 1 && w != 2 && w != 4 || i < 0 || (i+1)*w > len(v) {
		return 0, false
	}
	p := v[i*w:]
	switch w {
	case 1:
		return uint32(p[0]), true
	case 2:
		return uint32(p[0])<<8 | uint32(p[1]), true
	}
	return uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3]), true
}

// HandleAttrValMapEntry is the attribute value map of one object in a grouped scan report.
type HandleAttrValMapEntry struct {
	ObjHandle Handle
	ValMap    AttrValMap
}

// HandleAttrValMap is the value of MDCAttrScanHandleAttrValMap on a scanner: the objects
// whose values a grouped scan report carries, in order, and the layout of each.
//
//	+-------+--------+--------------------------------------------------+
//	| count | length | {obj-handle u16, attr-val-map: AttrValMap} …     |
//	+-------+--------+--------------------------------------------------+
type HandleAttrValMap []HandleAttrValMapEntry

// Unmarshal decodes m from b.
func (m *HandleAttrValMap) Unmarshal(b []byte) (int, error) {
	const field = "HandleAttrValMap"
	r := mder.NewReader(b)
	var n, end int
	if !r.Seq(&n, &end, 6, field) {
		return 0, decodeError(&r)
	}
	v := (*m)[:0]
	for i := 0; i < n; i++ {
		v = mder.Grow(v)
		if !r.InSeq(field) || !r.U16((*uint16)(&v[i].ObjHandle), "HandleAttrValMapEntry.obj-handle") ||
			!v[i].ValMap.decode(&r) {
			*m = v
			return 0, decodeError(&r)
		}
	}
	*m = v
	if !r.End(end, field) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of m to b.
func (m HandleAttrValMap) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(m))
	if err != nil {
		return b, encodeError("HandleAttrValMap", err)
	}
	for i := range m {
		b = mder.AppendU16(b, uint16(m[i].ObjHandle))
		if b, err = m[i].ValMap.AppendBinary(b); err != nil {
			return b, err
		}
	}
	return mder.Fill(b, mark)
}
