package ieee11073

import (
	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// EventInfo holds the decoded event-info of the notifications this package knows. The event
// type of the report says which field is meaningful; the others keep their old contents (and
// capacity).
type EventInfo struct {
	Config        ConfigReport            // MDCNotiConfig
	ScanFixed     ScanReportInfoFixed     // MDCNotiScanReportFixed, MDCNotiUnbufScanReportFixed, MDCNotiBufScanReportFixed
	ScanVar       ScanReportInfoVar       // MDCNotiScanReportVar, MDCNotiUnbufScanReportVar, MDCNotiBufScanReportVar
	ScanMPFixed   ScanReportInfoMPFixed   // MDCNotiScanReportMPFixed, MDCNotiUnbufScanReportMPFixed, MDCNotiBufScanReportMPFixed
	ScanMPVar     ScanReportInfoMPVar     // MDCNotiScanReportMPVar, MDCNotiUnbufScanReportMPVar, MDCNotiBufScanReportMPVar
	ScanGrouped   ScanReportInfoGrouped   // MDCNotiUnbufScanReportGrouped, MDCNotiBufScanReportGrouped
	ScanMPGrouped ScanReportInfoMPGrouped // MDCNotiUnbufScanReportMPGrouped, MDCNotiBufScanReportMPGrouped
	SegmentData   SegmentDataEvent        // MDCNotiSegmentData
}

// EventReply holds the decoded event-reply-info of the notifications whose reply carries
// data.
type EventReply struct {
	Config      ConfigReportRsp   // MDCNotiConfig
	SegmentData SegmentDataResult // MDCNotiSegmentData
}

// ActionInvoke holds the decoded arguments of the actions this package knows.
type ActionInvoke struct {
	DataRequest      DataRequest         // MDCActDataRequest
	TrigSegmDataXfer TrigSegmDataXferReq // MDCActSegTrigXfer
	SegmSelection    SegmSelection       // MDCActSegGetInfo, MDCActSegClr
	SetTime          SetTimeInvoke       // MDCActSetTime
}

// ActionResponse holds the decoded results of the actions this package knows.
type ActionResponse struct {
	DataResponse     DataResponse        // MDCActDataRequest
	TrigSegmDataXfer TrigSegmDataXferRsp // MDCActSegTrigXfer
	SegmentInfo      SegmentInfoList     // MDCActSegGetInfo
}

// The kinds of event-info this package decodes.
const (
	infoNone = iota
	infoConfig
	infoScanFixed
	infoScanVar
	infoScanMPFixed
	infoScanMPVar
	infoScanGrouped
	infoScanMPGrouped
	infoSegmentData
)

// eventInfoKinds maps MDC_NOTI_* codes, offset from MDCNotiConfig, to the event-info type.
var eventInfoKinds = [...]uint8{
	MDCNotiConfig - MDCNotiConfig:                   infoConfig,
	MDCNotiScanReportFixed - MDCNotiConfig:          infoScanFixed,
	MDCNotiScanReportVar - MDCNotiConfig:            infoScanVar,
	MDCNotiScanReportMPFixed - MDCNotiConfig:        infoScanMPFixed,
	MDCNotiScanReportMPVar - MDCNotiConfig:          infoScanMPVar,
	MDCNotiSegmentData - MDCNotiConfig:              infoSegmentData,
	MDCNotiUnbufScanReportVar - MDCNotiConfig:       infoScanVar,
	MDCNotiUnbufScanReportFixed - MDCNotiConfig:     infoScanFixed,
	MDCNotiUnbufScanReportGrouped - MDCNotiConfig:   infoScanGrouped,
	MDCNotiUnbufScanReportMPVar - MDCNotiConfig:     infoScanMPVar,
	MDCNotiUnbufScanReportMPFixed - MDCNotiConfig:   infoScanMPFixed,
	MDCNotiUnbufScanReportMPGrouped - MDCNotiConfig: infoScanMPGrouped,
	MDCNotiBufScanReportVar - MDCNotiConfig:         infoScanVar,
	MDCNotiBufScanReportFixed - MDCNotiConfig:       infoScanFixed,
	MDCNotiBufScanReportGrouped - MDCNotiConfig:     infoScanGrouped,
	MDCNotiBufScanReportMPVar - MDCNotiConfig:       infoScanMPVar,
	MDCNotiBufScanReportMPFixed - MDCNotiConfig:     infoScanMPFixed,
	MDCNotiBufScanReportMPGrouped - MDCNotiConfig:   infoScanMPGrouped,
}

func eventInfoKind(t OID) int {
	if t >= MDCNotiConfig && int(t-MDCNotiConfig) < len(eventInfoKinds) {
		return int(eventInfoKinds[t-MDCNotiConfig])
	}
	return infoNone
}

// openAny reads the length of an ANY field (a type-dependent value inside a 16-bit length)
// and opens it, as mder.Reader.Begin does; raw gets the contents, aliasing the input. The
// caller decodes the contents, or skips len(*raw) octets, and closes it with r.End(end,
// field).
func openAny(r *mder.Reader, raw *[]byte, end *int, field string) bool {
	if !r.Begin(end, field) {
		return false
	}
	n := r.Remaining()
	*raw = r.S[:n:n]
	return true
}

// finishAny completes an ANY field whose length placeholder mder.Mark put at mark, once its
// contents are appended; err is the error of appending them, returned as is.
func finishAny(b []byte, mark int, err error, field string) ([]byte, error) {
	if err != nil {
		return b, err
	}
	return fillField(b, mark, field)
}

// fillField fills in the length placeholder mder.Mark or mder.MarkSeq put at mark, and names
// field when the value is too long for it.
func fillField(b []byte, mark int, field string) ([]byte, error) {
	b, err := mder.Fill(b, mark)
	if err != nil {
		return b, encodeError(field, err)
	}
	return b, nil
}

// decodeEventInfo reads an event-info ANY into raw and, for a known event type, into info.
func decodeEventInfo(r *mder.Reader, typ OID, raw *[]byte, info *EventInfo, field string) bool {
	var end int
	if !openAny(r, raw, &end, field) {
		return false
	}
	var ok bool
	kind := eventInfoKind(typ)
	switch kind {
	case infoConfig:
		ok = info.Config.decode(r)
	case infoScanFixed:
		ok = info.ScanFixed.decode(r)
	case infoScanVar:
		ok = info.ScanVar.decode(r)
	case infoScanMPFixed:
		ok = info.ScanMPFixed.decode(r)
	case infoScanMPVar:
		ok = info.ScanMPVar.decode(r)
	case infoScanGrouped:
		ok = info.ScanGrouped.decode(r)
	case infoScanMPGrouped:
		ok = info.ScanMPGrouped.decode(r)
	case infoSegmentData:
		ok = info.SegmentData.decode(r)
	default:
		r.S = r.S[len(*raw):] // an ANY this package does not decode: kept raw
		return r.End(end, field)
	}
	if ok && kind != infoConfig && kind != infoSegmentData {
		r.SkipExcess() // octets after a complete scan report, in the Manager's tolerant decoding
	}
	return ok && r.End(end, field)
}

func appendEventInfo(b []byte, typ OID, raw []byte, info *EventInfo, field string) ([]byte, error) {
	b, mark := mder.Mark(b)
	var err error
	switch eventInfoKind(typ) {
	case infoConfig:
		b, err = info.Config.AppendBinary(b)
	case infoScanFixed:
		b, err = info.ScanFixed.AppendBinary(b)
	case infoScanVar:
		b, err = info.ScanVar.AppendBinary(b)
	case infoScanMPFixed:
		b, err = info.ScanMPFixed.AppendBinary(b)
	case infoScanMPVar:
		b, err = info.ScanMPVar.AppendBinary(b)
	case infoScanGrouped:
		b, err = info.ScanGrouped.AppendBinary(b)
	case infoScanMPGrouped:
		b, err = info.ScanMPGrouped.AppendBinary(b)
	case infoSegmentData:
		b, err = info.SegmentData.AppendBinary(b)
	default:
		b = append(b, raw...)
	}
	return finishAny(b, mark, err, field)
}

func decodeEventReply(r *mder.Reader, typ OID, raw *[]byte, reply *EventReply, field string) bool {
	var end int
	if !openAny(r, raw, &end, field) {
		return false
	}
	var ok bool
	switch eventInfoKind(typ) {
	case infoConfig:
		ok = reply.Config.decode(r)
	case infoSegmentData:
		ok = reply.SegmentData.decode(r)
	default:
		r.S = r.S[len(*raw):] // an ANY this package does not decode: kept raw
		return r.End(end, field)
	}
	return ok && r.End(end, field)
}

func appendEventReply(b []byte, typ OID, raw []byte, reply *EventReply, field string) ([]byte, error) {
	b, mark := mder.Mark(b)
	var err error
	switch eventInfoKind(typ) {
	case infoConfig:
		b, err = reply.Config.AppendBinary(b)
	case infoSegmentData:
		b, err = reply.SegmentData.AppendBinary(b)
	default:
		b = append(b, raw...)
	}
	return finishAny(b, mark, err, field)
}

func decodeActionInvoke(r *mder.Reader, typ OID, raw *[]byte, inv *ActionInvoke, field string) bool {
	var end int
	if !openAny(r, raw, &end, field) {
		return false
	}
	var ok bool
	switch typ {
	case MDCActDataRequest:
		ok = inv.DataRequest.decode(r)
	case MDCActSegTrigXfer:
		ok = r.U16(&inv.TrigSegmDataXfer.SegInstNo, "TrigSegmDataXferReq.seg-inst-no")
	case MDCActSegGetInfo, MDCActSegClr:
		ok = inv.SegmSelection.decode(r)
	case MDCActSetTime:
		ok = inv.SetTime.decode(r)
	default:
		r.S = r.S[len(*raw):] // an ANY this package does not decode: kept raw
		return r.End(end, field)
	}
	return ok && r.End(end, field)
}

func appendActionInvoke(b []byte, typ OID, raw []byte, inv *ActionInvoke, field string) ([]byte, error) {
	b, mark := mder.Mark(b)
	var err error
	switch typ {
	case MDCActDataRequest:
		b, err = inv.DataRequest.AppendBinary(b)
	case MDCActSegTrigXfer:
		b = mder.AppendU16(b, inv.TrigSegmDataXfer.SegInstNo)
	case MDCActSegGetInfo, MDCActSegClr:
		b, err = inv.SegmSelection.AppendBinary(b)
	case MDCActSetTime:
		b, err = inv.SetTime.AppendBinary(b)
	default:
		b = append(b, raw...)
	}
	return finishAny(b, mark, err, field)
}

func decodeActionResponse(r *mder.Reader, typ OID, raw *[]byte, res *ActionResponse, field string) bool {
	var end int
	if !openAny(r, raw, &end, field) {
		return false
	}
	var ok bool
	switch typ {
	case MDCActDataRequest:
		ok = res.DataResponse.decode(r)
	case MDCActSegTrigXfer:
		ok = r.U16(&res.TrigSegmDataXfer.SegInstNo, "TrigSegmDataXferRsp.seg-inst-no") &&
			r.U16((*uint16)(&res.TrigSegmDataXfer.Result), "TrigSegmDataXferRsp.trig-segm-xfer-rsp")
	case MDCActSegGetInfo:
		ok = res.SegmentInfo.decode(r)
	default:
		r.S = r.S[len(*raw):] // an ANY this package does not decode: kept raw
		return r.End(end, field)
	}
	return ok && r.End(end, field)
}

func appendActionResponse(b []byte, typ OID, raw []byte, res *ActionResponse, field string) ([]byte, error) {
	b, mark := mder.Mark(b)
	var err error
	switch typ {
	case MDCActDataRequest:
		b, err = res.DataResponse.AppendBinary(b)
	case MDCActSegTrigXfer:
		b = mder.AppendU16(b, res.TrigSegmDataXfer.SegInstNo)
		b = mder.AppendU16(b, uint16(res.TrigSegmDataXfer.Result))
	case MDCActSegGetInfo:
		b, err = res.SegmentInfo.AppendBinary(b)
	default:
		b = append(b, raw...)
	}
	return finishAny(b, mark, err, field)
}
