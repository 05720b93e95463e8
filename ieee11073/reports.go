package ieee11073

import (
	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// ConfigReport is an agent's configuration: the objects it will report and their static
// attributes (event-info of MDCNotiConfig, 20601 Annex A).
//
//	+--------------------------+-------+--------+-------------------------------------------+
//	| config-report-id (u16)   | count | length | ConfigObject …                            |
//	+--------------------------+-------+--------+-------------------------------------------+
//	ConfigObject: | obj-class (OID) | obj-handle u16 | attributes: AttributeList |
type ConfigReport struct {
	ConfigReportID ConfigID
	Objects        []ConfigObject
}

// ConfigObject is one object of a configuration.
type ConfigObject struct {
	Class      OID // MDCMocVmoMetricNu, MDCMocVmoMetricEnum, …
	ObjHandle  Handle
	Attributes AttributeList
}

// Unmarshal decodes c from b; see ScanReportInfoFixed.Unmarshal for the rules.
func (c *ConfigReport) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !c.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (c *ConfigReport) decode(r *mder.Reader) bool {
	const field = "ConfigReport.config-obj-list"
	var n, end int
	if !r.U16((*uint16)(&c.ConfigReportID), "ConfigReport.config-report-id") || !r.Seq(&n, &end, 8, field) {
		return false
	}
	c.Objects = c.Objects[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			return false
		}
		c.Objects = mder.Grow(c.Objects)
		o := &c.Objects[i]
		if !r.U16((*uint16)(&o.Class), "ConfigObject.obj-class") ||
			!r.U16((*uint16)(&o.ObjHandle), "ConfigObject.obj-handle") ||
			!o.Attributes.decode(r, "ConfigObject.attributes") {
			return false
		}
	}
	return r.End(end, field)
}

// AppendBinary appends the MDER encoding of c to b.
func (c *ConfigReport) AppendBinary(b []byte) ([]byte, error) {
	const field = "ConfigReport.config-obj-list"
	b = mder.AppendU16(b, uint16(c.ConfigReportID))
	b, mark, err := mder.MarkSeq(b, len(c.Objects))
	if err != nil {
		return b, encodeError(field, err)
	}
	for i := range c.Objects {
		o := &c.Objects[i]
		b = mder.AppendU16(b, uint16(o.Class))
		b = mder.AppendU16(b, uint16(o.ObjHandle))
		if b, err = o.Attributes.appendTo(b, "ConfigObject.attributes"); err != nil {
			return b, err
		}
	}
	return fillField(b, mark, field)
}

// ConfigReportRsp is the manager's answer to a configuration report (20601 Annex A).
//
//	+--------------------------+------------------------+
//	| config-report-id (u16)   | config-result (u16)    |
//	+--------------------------+------------------------+
type ConfigReportRsp struct {
	ConfigReportID ConfigID
	Result         ConfigResult
}

func (c *ConfigReportRsp) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&c.ConfigReportID), "ConfigReportRsp.config-report-id") &&
		r.U16((*uint16)(&c.Result), "ConfigReportRsp.config-result")
}

// AppendBinary appends the MDER encoding of c to b.
func (c *ConfigReportRsp) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(c.ConfigReportID))
	return mder.AppendU16(b, uint16(c.Result)), nil
}

// DataRequest asks an agent for data (action-info-args of MDCActDataRequest, 20601
// Annex A).
//
//	+-------------+---------------+----------------+-------------------+------------------+
//	| data-req-id | data-req-mode | data-req-time  | data-req-person-id| data-req-class   |
//	| u16         | BITS-16       | RelativeTime   | u16               | OID              |
//	+-------------+---------------+----------------+-------------------+------------------+
//	| data-req-obj-handle-list: count, length, HANDLE …                                   |
//	+-------------------------------------------------------------------------------------+
type DataRequest struct {
	ID         uint16
	Mode       uint16 // DataReqMode* bits
	Time       RelativeTime
	PersonID   uint16
	Class      OID
	ObjHandles []Handle
}

// Bits of DataRequest.Mode (DataReqMode).
const (
	DataReqModeStartStop       uint16 = 0x8000 // data-req-start-stop
	DataReqModeContinuation    uint16 = 0x4000 // data-req-continuation
	DataReqModeScopeAll        uint16 = 0x0800 // data-req-scope-all
	DataReqModeScopeType       uint16 = 0x0400 // data-req-scope-type
	DataReqModeScopeHandle     uint16 = 0x0200 // data-req-scope-handle
	DataReqModeSingleRsp       uint16 = 0x0080 // data-req-mode-single-rsp
	DataReqModeTimePeriod      uint16 = 0x0040 // data-req-mode-time-period
	DataReqModeTimeNoLimit     uint16 = 0x0020 // data-req-mode-time-no-limit
	DataReqModeDataReqPersonID uint16 = 0x0008 // data-req-person-id
)

// Unmarshal decodes d from b; see ScanReportInfoFixed.Unmarshal for the rules.
func (d *DataRequest) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !d.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (d *DataRequest) decode(r *mder.Reader) bool {
	const field = "DataRequest.data-req-obj-handle-list"
	var n, end int
	if !r.U16(&d.ID, "DataRequest.data-req-id") || !r.U16(&d.Mode, "DataRequest.data-req-mode") ||
		!r.U32((*uint32)(&d.Time), "DataRequest.data-req-time") ||
		!r.U16(&d.PersonID, "DataRequest.data-req-person-id") ||
		!r.U16((*uint16)(&d.Class), "DataRequest.data-req-class") ||
		!r.Seq(&n, &end, 2, field) {
		return false
	}
	d.ObjHandles = d.ObjHandles[:0]
	for i := 0; i < n; i++ {
		var h uint16
		if !r.InSeq(field) || !r.U16(&h, field) {
			return false
		}
		d.ObjHandles = append(d.ObjHandles, Handle(h))
	}
	return r.End(end, field)
}

// AppendBinary appends the MDER encoding of d to b.
func (d *DataRequest) AppendBinary(b []byte) ([]byte, error) {
	const field = "DataRequest.data-req-obj-handle-list"
	b = mder.AppendU16(b, d.ID)
	b = mder.AppendU16(b, d.Mode)
	b = mder.AppendU32(b, uint32(d.Time))
	b = mder.AppendU16(b, d.PersonID)
	b = mder.AppendU16(b, uint16(d.Class))
	b, mark, err := mder.MarkSeq(b, len(d.ObjHandles))
	if err != nil {
		return b, encodeError(field, err)
	}
	for _, h := range d.ObjHandles {
		b = mder.AppendU16(b, uint16(h))
	}
	return fillField(b, mark, field)
}

// DataResponse answers a data request and carries the data as an event (action-info-args of
// the MDCActDataRequest result, 20601 Annex A). For the notifications this package
// knows, event-info is decoded into Report as well and AppendBinary encodes Report.
//
//	+---------------------+-------------------------+-------------------+--------+------------+
//	| rel-time-stamp u32  | data-req-result (u16)   | event-type (OID)  | length | event-info |
//	+---------------------+-------------------------+-------------------+--------+------------+
type DataResponse struct {
	RelTimeStamp RelativeTime
	Result       DataReqResult
	EventType    OID
	Info         []byte    // event-info as on the wire, aliasing the input
	Report       EventInfo // event-info decoded, for the notifications this package knows
}

// Unmarshal decodes d from b; see ScanReportInfoFixed.Unmarshal for the rules.
func (d *DataResponse) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !d.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (d *DataResponse) decode(r *mder.Reader) bool {
	return r.U32((*uint32)(&d.RelTimeStamp), "DataResponse.rel-time-stamp") &&
		r.U16((*uint16)(&d.Result), "DataResponse.data-req-result") &&
		r.U16((*uint16)(&d.EventType), "DataResponse.event-type") &&
		decodeEventInfo(r, d.EventType, &d.Info, &d.Report, "DataResponse.event-info")
}

// AppendBinary appends the MDER encoding of d to b.
func (d *DataResponse) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU32(b, uint32(d.RelTimeStamp))
	b = mder.AppendU16(b, uint16(d.Result))
	b = mder.AppendU16(b, uint16(d.EventType))
	return appendEventInfo(b, d.EventType, d.Info, &d.Report, "DataResponse.event-info")
}

// SegmDataEventDescr describes which entries of a PM-segment a SegmentDataEvent carries
// (20601 Annex A).
//
//	+------------------+------------------------+------------------------+------------------+
//	| segm-instance u16| segm-evt-entry-index u32| segm-evt-entry-count u32| segm-evt-status |
//	+------------------+------------------------+------------------------+------------------+
type SegmDataEventDescr struct {
	Instance   uint16
	EntryIndex uint32
	EntryCount uint32
	Status     uint16 // SegmEvtStatus* bits
}

// Bits of SegmDataEventDescr.Status (SegmEvtStatus).
const (
	SegmEvtStatusFirstEntry     uint16 = 0x8000 // sevtsta-first-entry
	SegmEvtStatusLastEntry      uint16 = 0x4000 // sevtsta-last-entry
	SegmEvtStatusAgentAbort     uint16 = 0x0800 // sevtsta-agent-abort
	SegmEvtStatusManagerConfirm uint16 = 0x0080 // sevtsta-manager-confirm
	SegmEvtStatusManagerAbort   uint16 = 0x0008 // sevtsta-manager-abort
)

func (s *SegmDataEventDescr) decode(r *mder.Reader) bool {
	return r.U16(&s.Instance, "SegmDataEventDescr.segm-instance") &&
		r.U32(&s.EntryIndex, "SegmDataEventDescr.segm-evt-entry-index") &&
		r.U32(&s.EntryCount, "SegmDataEventDescr.segm-evt-entry-count") &&
		r.U16(&s.Status, "SegmDataEventDescr.segm-evt-status")
}

func (s *SegmDataEventDescr) appendTo(b []byte) []byte {
	b = mder.AppendU16(b, s.Instance)
	b = mder.AppendU32(b, s.EntryIndex)
	b = mder.AppendU32(b, s.EntryCount)
	return mder.AppendU16(b, s.Status)
}

// SegmentDataEvent carries entries of a PM-segment (event-info of MDCNotiSegmentData,
// 20601 Annex A). The entries are laid out as the segment's PmSegmentEntryMap says.
//
//	+------------------------------+--------+-----------------------------------+
//	| segm-data-event-descr (12)   | length | segm-data-event-entries (octets)  |
//	+------------------------------+--------+-----------------------------------+
type SegmentDataEvent struct {
	Descr   SegmDataEventDescr
	Entries []byte // aliases the input
}

// Unmarshal decodes s from b; see ScanReportInfoFixed.Unmarshal for the rules.
func (s *SegmentDataEvent) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !s.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (s *SegmentDataEvent) decode(r *mder.Reader) bool {
	return s.Descr.decode(r) && r.Octets(&s.Entries, "SegmentDataEvent.segm-data-event-entries")
}

// AppendBinary appends the MDER encoding of s to b.
func (s *SegmentDataEvent) AppendBinary(b []byte) ([]byte, error) {
	b = s.Descr.appendTo(b)
	b, err := mder.AppendOctets(b, s.Entries)
	if err != nil {
		return b, encodeError("SegmentDataEvent.segm-data-event-entries", err)
	}
	return b, nil
}

// SegmentDataResult confirms a SegmentDataEvent (event-reply-info of MDCNotiSegmentData):
// the descriptor with the manager's status bits.
type SegmentDataResult struct {
	Descr SegmDataEventDescr
}

func (s *SegmentDataResult) decode(r *mder.Reader) bool { return s.Descr.decode(r) }

// AppendBinary appends the MDER encoding of s to b.
func (s *SegmentDataResult) AppendBinary(b []byte) ([]byte, error) {
	return s.Descr.appendTo(b), nil
}

// TrigSegmDataXferReq asks an agent to send a PM-segment (action-info-args of
// MDCActSegTrigXfer, 20601 Annex A): one InstNumber.
type TrigSegmDataXferReq struct {
	SegInstNo uint16
}

// TrigSegmDataXferRsp answers a TrigSegmDataXferReq (20601 Annex A).
//
//	+-------------------+---------------------------+
//	| seg-inst-no (u16) | trig-segm-xfer-rsp (u16)  |
//	+-------------------+---------------------------+
type TrigSegmDataXferRsp struct {
	SegInstNo uint16
	Result    TrigSegmXferRsp
}

// SegmSelectionChoice is the tag of a SegmSelection.
type SegmSelectionChoice uint16

// The segment selections.
const (
	SegmSelectionAllSegments  SegmSelectionChoice = 1 // all-segments
	SegmSelectionSegmIDList   SegmSelectionChoice = 2 // segm-id-list
	SegmSelectionAbsTimeRange SegmSelectionChoice = 3 // abs-time-range
)

var segmSelectionNames = [...]string{1: "all-segments", 2: "segm-id-list", 3: "abs-time-range"}

func (c SegmSelectionChoice) String() string {
	return enumString(segmSelectionNames[:], int(c), "SegmSelectionChoice")
}

// SegmSelection selects PM-segments (action-info-args of MDCActSegGetInfo and
// MDCActSegClr, 20601 Annex A), a CHOICE:
//
//	+--------------+--------------+--------------------------------------------------+
//	| choice (u16) | length (u16) | all-segments u16 | segm-id-list | abs-time-range |
//	+--------------+--------------+--------------------------------------------------+
type SegmSelection struct {
	Choice      SegmSelectionChoice
	AllSegments uint16       // SegmSelectionAllSegments
	SegmIDs     []uint16     // SegmSelectionSegmIDList
	From, To    AbsoluteTime // SegmSelectionAbsTimeRange
}

// Unmarshal decodes s from b; see ScanReportInfoFixed.Unmarshal for the rules.
func (s *SegmSelection) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !s.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (s *SegmSelection) decode(r *mder.Reader) bool {
	var end int
	if !r.U16((*uint16)(&s.Choice), "SegmSelection.choice") || !r.Begin(&end, "SegmSelection.length") {
		return false
	}
	var ok bool
	switch s.Choice {
	case SegmSelectionAllSegments:
		ok = r.U16(&s.AllSegments, "SegmSelection.all-segments")
	case SegmSelectionSegmIDList:
		var n, lend int
		ok = r.Seq(&n, &lend, 2, "SegmSelection.segm-id-list")
		s.SegmIDs = s.SegmIDs[:0]
		for i := 0; ok && i < n; i++ {
			var v uint16
			ok = r.InSeq("SegmSelection.segm-id-list") && r.U16(&v, "SegmSelection.segm-id-list")
			s.SegmIDs = append(s.SegmIDs, v)
		}
		ok = ok && r.End(lend, "SegmSelection.segm-id-list")
	case SegmSelectionAbsTimeRange:
		ok = s.From.decode(r, "AbsTimeRange.from-time") && s.To.decode(r, "AbsTimeRange.to-time")
	default:
		return r.FailAt(r.Offset()-4, "SegmSelection.choice", ErrChoice)
	}
	return ok && r.End(end, "SegmSelection.length")
}

// AppendBinary appends the MDER encoding of s to b.
func (s *SegmSelection) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(s.Choice))
	b, mark := mder.Mark(b)
	var err error
	switch s.Choice {
	case SegmSelectionAllSegments:
		b = mder.AppendU16(b, s.AllSegments)
	case SegmSelectionSegmIDList:
		var lmark int
		if b, lmark, err = mder.MarkSeq(b, len(s.SegmIDs)); err != nil {
			return b, encodeError("SegmSelection.segm-id-list", err)
		}
		for _, v := range s.SegmIDs {
			b = mder.AppendU16(b, v)
		}
		if b, err = mder.Fill(b, lmark); err != nil {
			return b, encodeError("SegmSelection.segm-id-list", err)
		}
	case SegmSelectionAbsTimeRange:
		b = s.From.appendTo(b)
		b = s.To.appendTo(b)
	default:
		return b, encodeError("SegmSelection.choice", ErrChoice)
	}
	return mder.Fill(b, mark)
}

// SegmentInfo describes one PM-segment: its instance number and attributes (20601
// Annex A).
type SegmentInfo struct {
	InstNo     uint16
	Attributes AttributeList
}

// SegmentInfoList is the result of MDCActSegGetInfo: a SEQUENCE OF SegmentInfo.
//
//	+-------+--------+--------------------------------------------------+
//	| count | length | SegmentInfo: seg-inst-no u16, seg-info AttributeList … |
//	+-------+--------+--------------------------------------------------+
type SegmentInfoList []SegmentInfo

// Unmarshal decodes l from b, reusing its capacity; see ScanReportInfoFixed.Unmarshal.
func (l *SegmentInfoList) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !l.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (l *SegmentInfoList) decode(r *mder.Reader) bool {
	const field = "SegmentInfoList"
	var n, end int
	if !r.Seq(&n, &end, 6, field) {
		return false
	}
	v := (*l)[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			*l = v
			return false
		}
		v = mder.Grow(v)
		if !r.U16(&v[i].InstNo, "SegmentInfo.seg-inst-no") || !v[i].Attributes.decode(r, "SegmentInfo.seg-info") {
			*l = v
			return false
		}
	}
	*l = v
	return r.End(end, field)
}

// AppendBinary appends the MDER encoding of l to b.
func (l SegmentInfoList) AppendBinary(b []byte) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(l))
	if err != nil {
		return b, encodeError("SegmentInfoList", err)
	}
	for i := range l {
		b = mder.AppendU16(b, l[i].InstNo)
		if b, err = l[i].Attributes.appendTo(b, "SegmentInfo.seg-info"); err != nil {
			return b, err
		}
	}
	return fillField(b, mark, "SegmentInfoList")
}

// SetTimeInvoke sets an agent's absolute time (action-info-args of MDCActSetTime, 20601
// Annex A).
//
//	+---------------------------+------------------------------+
//	| date-time: AbsoluteTime 8 | accuracy: FLOAT-Type (s)     |
//	+---------------------------+------------------------------+
type SetTimeInvoke struct {
	DateTime AbsoluteTime
	Accuracy Float
}

func (s *SetTimeInvoke) decode(r *mder.Reader) bool {
	return s.DateTime.decode(r, "SetTimeInvoke.date-time") &&
		r.U32((*uint32)(&s.Accuracy), "SetTimeInvoke.accuracy")
}

// AppendBinary appends the MDER encoding of s to b.
func (s *SetTimeInvoke) AppendBinary(b []byte) ([]byte, error) {
	b = s.DateTime.appendTo(b)
	return mder.AppendU32(b, uint32(s.Accuracy)), nil
}
