package ieee11073

import (
	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// DataAPDU is the content of a PRST APDU: an invoke identifier and one remote operation
// message (DataApdu, 20601 Annex A). Choice says which field holds the message; the
// others keep whatever they held before, so a reused DataAPDU keeps their capacity.
//
//	+-----------------+-----------------+--------------+------------------------------+
//	| invoke-id (u16) | choice (u16)    | length (u16) | message                      |
//	|                 | 0x0100 - 0x0400 |              |                              |
//	+-----------------+-----------------+--------------+------------------------------+
type DataAPDU struct {
	InvokeID uint16
	Choice   MessageChoice

	EventReport       EventReportArgument // MessageROIVEventReport, MessageROIVConfirmedEventReport
	Get               GetArgument         // MessageROIVGet
	Set               SetArgument         // MessageROIVSet, MessageROIVConfirmedSet
	Action            ActionArgument      // MessageROIVAction, MessageROIVConfirmedAction
	EventReportResult EventReportResult   // MessageRORSConfirmedEventReport
	GetResult         GetResult           // MessageRORSGet
	SetResult         SetResult           // MessageRORSConfirmedSet
	ActionResult      ActionResult        // MessageRORSConfirmedAction
	Error             ErrorResult         // MessageROER
	Reject            RejectResult        // MessageRORJ
}

// Unmarshal decodes a DataApdu that fills b exactly, as carried in a PRST APDU, and returns
// len(b). It follows the rules of APDU.Unmarshal: byte slices alias b; errors are
// *DecodeError.
func (d *DataAPDU) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !d.decode(&r) {
		return 0, decodeError(&r)
	}
	if len(r.S) != 0 {
		return 0, &DecodeError{Offset: r.Offset(), Field: "DataApdu", Err: ErrLength}
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of d (without the PRST header) to b.
func (d *DataAPDU) AppendBinary(b []byte) ([]byte, error) { return d.appendTo(b) }

func (d *DataAPDU) decode(r *mder.Reader) bool {
	var c uint16
	var end int
	if h, ok := r.Peek(6); ok {
		d.InvokeID = uint16(h[0])<<8 | uint16(h[1])
		d.Choice = MessageChoice(uint16(h[2])<<8 | uint16(h[3]))
		if !d.Choice.Known() {
			return r.FailAt(r.Offset()+2, "DataApdu.message.choice", ErrChoice)
		}
		r.Skip(6)
		if !r.Open(int(h[4])<<8|int(h[5]), &end, "DataApdu.message.length") {
			return false
		}
	} else {
		if !r.U16(&d.InvokeID, "DataApdu.invoke-id") || !r.U16(&c, "DataApdu.message.choice") {
			return false
		}
		d.Choice = MessageChoice(c)
		if !d.Choice.Known() {
			return r.FailAt(r.Offset()-2, "DataApdu.message.choice", ErrChoice)
		}
		if !r.Begin(&end, "DataApdu.message.length") {
			return false
		}
	}
	var ok bool
	switch d.Choice {
	case MessageROIVEventReport, MessageROIVConfirmedEventReport:
		ok = d.EventReport.decode(r, end)
	case MessageROIVGet:
		ok = d.Get.decode(r)
	case MessageROIVSet, MessageROIVConfirmedSet:
		ok = d.Set.decode(r)
	case MessageROIVAction, MessageROIVConfirmedAction:
		ok = d.Action.decode(r)
	case MessageRORSConfirmedEventReport:
		ok = d.EventReportResult.decode(r)
	case MessageRORSGet:
		ok = d.GetResult.decode(r)
	case MessageRORSConfirmedSet:
		ok = d.SetResult.decode(r)
	case MessageRORSConfirmedAction:
		ok = d.ActionResult.decode(r)
	case MessageROER:
		ok = r.U16((*uint16)(&d.Error.ErrorValue), "ErrorResult.error-value") &&
			r.Octets(&d.Error.Parameter, "ErrorResult.parameter")
	case MessageRORJ:
		ok = r.U16((*uint16)(&d.Reject.Problem), "RejectResult.problem")
	}
	return ok && r.End(end, "DataApdu.message.length")
}

func (d *DataAPDU) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, d.InvokeID)
	b = mder.AppendU16(b, uint16(d.Choice))
	b, mark := mder.Mark(b)
	var err error
	switch d.Choice {
	case MessageROIVEventReport, MessageROIVConfirmedEventReport:
		b, err = d.EventReport.appendTo(b)
	case MessageROIVGet:
		b, err = d.Get.appendTo(b)
	case MessageROIVSet, MessageROIVConfirmedSet:
		b, err = d.Set.appendTo(b)
	case MessageROIVAction, MessageROIVConfirmedAction:
		b, err = d.Action.appendTo(b)
	case MessageRORSConfirmedEventReport:
		b, err = d.EventReportResult.appendTo(b)
	case MessageRORSGet:
		b, err = d.GetResult.appendTo(b)
	case MessageRORSConfirmedSet:
		b, err = d.SetResult.appendTo(b)
	case MessageRORSConfirmedAction:
		b, err = d.ActionResult.appendTo(b)
	case MessageROER:
		b = mder.AppendU16(b, uint16(d.Error.ErrorValue))
		if b, err = mder.AppendOctets(b, d.Error.Parameter); err != nil {
			err = encodeError("ErrorResult.parameter", err)
		}
	case MessageRORJ:
		b = mder.AppendU16(b, uint16(d.Reject.Problem))
	default:
		return b, encodeError("DataApdu.message.choice", ErrChoice)
	}
	if err != nil {
		return b, err
	}
	return fillField(b, mark, "DataApdu.message.length")
}

// EventReportArgument is an event report from an object (EventReportArgumentSimple, 20601
// Annex A).
//
//	+------------------+--------------------+-------------------+--------+------------+
//	| obj-handle (u16) | event-time (u32)   | event-type (OID)  | length | event-info |
//	+------------------+--------------------+-------------------+--------+------------+
//
// When EventType is a notification this package knows (MDCNotiConfig, the scan reports,
// MDCNotiSegmentData), event-info is decoded into Report as well and AppendBinary encodes
// Report; for any other event type Info is encoded as it is.
type EventReportArgument struct {
	ObjHandle Handle
	EventTime RelativeTime
	EventType OID
	Info      []byte    // event-info as on the wire, aliasing the input
	Report    EventInfo // event-info decoded, for the notifications this package knows
}

func (e *EventReportArgument) decode(r *mder.Reader, _ int) bool {
	if h, ok := r.Peek(8); ok {
		e.ObjHandle = Handle(uint16(h[0])<<8 | uint16(h[1]))
		e.EventTime = RelativeTime(uint32(h[2])<<24 | uint32(h[3])<<16 | uint32(h[4])<<8 | uint32(h[5]))
		e.EventType = OID(uint16(h[6])<<8 | uint16(h[7]))
		r.Skip(8)
		return decodeEventInfo(r, e.EventType, &e.Info, &e.Report, "EventReportArgumentSimple.event-info")
	}
	return r.U16((*uint16)(&e.ObjHandle), "EventReportArgumentSimple.obj-handle") &&
		r.U32((*uint32)(&e.EventTime), "EventReportArgumentSimple.event-time") &&
		r.U16((*uint16)(&e.EventType), "EventReportArgumentSimple.event-type") &&
		decodeEventInfo(r, e.EventType, &e.Info, &e.Report, "EventReportArgumentSimple.event-info")
}

func (e *EventReportArgument) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(e.ObjHandle))
	b = mder.AppendU32(b, uint32(e.EventTime))
	b = mder.AppendU16(b, uint16(e.EventType))
	return appendEventInfo(b, e.EventType, e.Info, &e.Report, "EventReportArgumentSimple.event-info")
}

// EventReportResult answers a confirmed event report (EventReportResultSimple, 20601
// Annex A).
//
//	+------------------+--------------------+-------------------+--------+------------------+
//	| obj-handle (u16) | currentTime (u32)  | event-type (OID)  | length | event-reply-info |
//	+------------------+--------------------+-------------------+--------+------------------+
//
// For MDCNotiConfig and MDCNotiSegmentData the reply is decoded into Reply as well and
// AppendBinary encodes Reply; for other event types ReplyInfo is encoded as it is (empty
// for scan reports).
type EventReportResult struct {
	ObjHandle   Handle
	CurrentTime RelativeTime
	EventType   OID
	ReplyInfo   []byte     // event-reply-info as on the wire, aliasing the input
	Reply       EventReply // event-reply-info decoded, for the notifications this package knows
}

func (e *EventReportResult) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&e.ObjHandle), "EventReportResultSimple.obj-handle") &&
		r.U32((*uint32)(&e.CurrentTime), "EventReportResultSimple.currentTime") &&
		r.U16((*uint16)(&e.EventType), "EventReportResultSimple.event-type") &&
		decodeEventReply(r, e.EventType, &e.ReplyInfo, &e.Reply, "EventReportResultSimple.event-reply-info")
}

func (e *EventReportResult) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(e.ObjHandle))
	b = mder.AppendU32(b, uint32(e.CurrentTime))
	b = mder.AppendU16(b, uint16(e.EventType))
	return appendEventReply(b, e.EventType, e.ReplyInfo, &e.Reply, "EventReportResultSimple.event-reply-info")
}

// GetArgument asks for attributes of an object; an empty list asks for all of them
// (GetArgumentSimple, 20601 Annex A).
//
//	+------------------+------------------------------------------------+
//	| obj-handle (u16) | attribute-id-list: count, length, OID…         |
//	+------------------+------------------------------------------------+
type GetArgument struct {
	ObjHandle    Handle
	AttributeIDs []OID
}

func (g *GetArgument) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&g.ObjHandle), "GetArgumentSimple.obj-handle") &&
		decodeOIDList(r, &g.AttributeIDs, "GetArgumentSimple.attribute-id-list")
}

func (g *GetArgument) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(g.ObjHandle))
	return appendOIDList(b, g.AttributeIDs, "GetArgumentSimple.attribute-id-list")
}

// GetResult answers a GET (GetResultSimple, 20601 Annex A).
//
//	+------------------+------------------------------------------------+
//	| obj-handle (u16) | attribute-list: AttributeList                  |
//	+------------------+------------------------------------------------+
type GetResult struct {
	ObjHandle  Handle
	Attributes AttributeList
}

func (g *GetResult) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&g.ObjHandle), "GetResultSimple.obj-handle") &&
		g.Attributes.decode(r, "GetResultSimple.attribute-list")
}

func (g *GetResult) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(g.ObjHandle))
	return g.Attributes.appendTo(b, "GetResultSimple.attribute-list")
}

// SetArgument changes attributes of an object (SetArgumentSimple, 20601 Annex A).
//
//	+------------------+--------------------------------------------------------------+
//	| obj-handle (u16) | modification-list: count, length, {modify-operator, AVA}…    |
//	+------------------+--------------------------------------------------------------+
type SetArgument struct {
	ObjHandle     Handle
	Modifications []AttributeModEntry
}

// AttributeModEntry is one change in a SET.
type AttributeModEntry struct {
	Operator  ModifyOperator
	Attribute AVA
}

func (s *SetArgument) decode(r *mder.Reader) bool {
	const field = "SetArgumentSimple.modification-list"
	var n, end int
	if !r.U16((*uint16)(&s.ObjHandle), "SetArgumentSimple.obj-handle") || !r.Seq(&n, &end, 6, field) {
		return false
	}
	s.Modifications = s.Modifications[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			return false
		}
		s.Modifications = mder.Grow(s.Modifications)
		m := &s.Modifications[i]
		if !r.U16((*uint16)(&m.Operator), field) || !r.U16((*uint16)(&m.Attribute.ID), field) ||
			!r.Octets(&m.Attribute.Value, field) {
			return false
		}
	}
	return r.End(end, field)
}

func (s *SetArgument) appendTo(b []byte) ([]byte, error) {
	const field = "SetArgumentSimple.modification-list"
	b = mder.AppendU16(b, uint16(s.ObjHandle))
	b, mark, err := mder.MarkSeq(b, len(s.Modifications))
	if err != nil {
		return b, encodeError(field, err)
	}
	for i := range s.Modifications {
		m := &s.Modifications[i]
		b = mder.AppendU16(b, uint16(m.Operator))
		b = mder.AppendU16(b, uint16(m.Attribute.ID))
		if b, err = mder.AppendOctets(b, m.Attribute.Value); err != nil {
			return b, encodeError(field, err)
		}
	}
	return fillField(b, mark, field)
}

// SetResult answers a confirmed SET with the attributes as they now are (SetResultSimple,
// 20601 Annex A); its layout is that of GetResult.
type SetResult struct {
	ObjHandle  Handle
	Attributes AttributeList
}

func (s *SetResult) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&s.ObjHandle), "SetResultSimple.obj-handle") &&
		s.Attributes.decode(r, "SetResultSimple.attribute-list")
}

func (s *SetResult) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(s.ObjHandle))
	return s.Attributes.appendTo(b, "SetResultSimple.attribute-list")
}

// ActionArgument invokes a method of an object (ActionArgumentSimple, 20601 Annex A).
//
//	+------------------+--------------------+--------+------------------------+
//	| obj-handle (u16) | action-type (OID)  | length | action-info-args (ANY) |
//	+------------------+--------------------+--------+------------------------+
//
// For the actions this package knows (MDCActDataRequest, MDCActSegTrigXfer,
// MDCActSegGetInfo, MDCActSegClr, MDCActSetTime) the arguments are decoded into Invoke as
// well and AppendBinary encodes Invoke; for any other action Args is encoded as it is.
type ActionArgument struct {
	ObjHandle  Handle
	ActionType OID
	Args       []byte       // action-info-args as on the wire, aliasing the input
	Invoke     ActionInvoke // action-info-args decoded, for the actions this package knows
}

func (a *ActionArgument) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&a.ObjHandle), "ActionArgumentSimple.obj-handle") &&
		r.U16((*uint16)(&a.ActionType), "ActionArgumentSimple.action-type") &&
		decodeActionInvoke(r, a.ActionType, &a.Args, &a.Invoke, "ActionArgumentSimple.action-info-args")
}

func (a *ActionArgument) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(a.ObjHandle))
	b = mder.AppendU16(b, uint16(a.ActionType))
	return appendActionInvoke(b, a.ActionType, a.Args, &a.Invoke, "ActionArgumentSimple.action-info-args")
}

// ActionResult answers a confirmed ACTION (ActionResultSimple, 20601 Annex A); its
// layout is that of ActionArgument. For MDCActDataRequest, MDCActSegTrigXfer and
// MDCActSegGetInfo the result is decoded into Result as well and AppendBinary encodes
// Result; for other actions Args is encoded as it is.
type ActionResult struct {
	ObjHandle  Handle
	ActionType OID
	Args       []byte         // action-info-args as on the wire, aliasing the input
	Result     ActionResponse // action-info-args decoded, for the actions this package knows
}

func (a *ActionResult) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&a.ObjHandle), "ActionResultSimple.obj-handle") &&
		r.U16((*uint16)(&a.ActionType), "ActionResultSimple.action-type") &&
		decodeActionResponse(r, a.ActionType, &a.Args, &a.Result, "ActionResultSimple.action-info-args")
}

func (a *ActionResult) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(a.ObjHandle))
	b = mder.AppendU16(b, uint16(a.ActionType))
	return appendActionResponse(b, a.ActionType, a.Args, &a.Result, "ActionResultSimple.action-info-args")
}

// ErrorResult is a remote operation error (ErrorResult, 20601 Annex A).
//
//	+--------------------+--------+-----------------+
//	| error-value (u16)  | length | parameter (ANY) |
//	+--------------------+--------+-----------------+
type ErrorResult struct {
	ErrorValue ErrorValue
	Parameter  []byte // aliases the input
}

// RejectResult is a remote operation reject (RejectResult, 20601 Annex A): one INT-U16
// problem.
type RejectResult struct {
	Problem RorjProblem
}

func decodeOIDList(r *mder.Reader, v *[]OID, field string) bool {
	var n, end int
	if !r.Seq(&n, &end, 2, field) {
		return false
	}
	l := (*v)[:0]
	for i := 0; i < n; i++ {
		var x uint16
		if !r.InSeq(field) || !r.U16(&x, field) {
			*v = l
			return false
		}
		l = append(l, OID(x))
	}
	*v = l
	return r.End(end, field)
}

func appendOIDList(b []byte, v []OID, field string) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(v))
	if err != nil {
		return b, encodeError(field, err)
	}
	for _, x := range v {
		b = mder.AppendU16(b, uint16(x))
	}
	return fillField(b, mark, field)
}
