package ieee11073

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// PM-store retrieval errors.
var (
	// ErrAssociationEnded is returned by the methods of an Association whose association
	// has ended or whose connection is gone.
	ErrAssociationEnded = errors.New("ieee11073: association ended")
	// ErrSegmentTransferAborted means the agent set sevtsta-agent-abort in a segment data
	// event: it stopped the transfer.
	ErrSegmentTransferAborted = errors.New("ieee11073: segment transfer aborted by the agent")
)

// TriggerError reports a trigger-segment-data-transfer the agent refused: its
// trig-segm-xfer-rsp (no such segment, try later, segment empty, other).
type TriggerError struct {
	Result TrigSegmXferRsp
}

// Error names the trigger result.
func (e *TriggerError) Error() string {
	return fmt.Sprintf("ieee11073: segment transfer refused: %v", e.Result)
}

// Association is the application's handle on one association of a Manager, for the
// requests the manager sends on its own initiative: a GET of an object's attributes and the
// PM-store retrieval (20601 clause 8.9.3.4: MDC_ACT_SEG_GET_INFO, MDC_ACT_SEG_TRIG_XFER and
// the MDC_NOTI_SEGMENT_DATA event reports that follow, MDC_ACT_SEG_CLR).
//
// Its methods are safe to call from any goroutine and block until the agent has answered;
// the association's goroutine sends the request and takes in the answer, one request at a
// time (a request waits for the ones before it, and for the manager's own GET of the MDS
// attributes). They must not be called from a Manager hook, which runs on that goroutine:
// start a goroutine of your own. A request fails with ErrNotOperating when the association
// is not in Operating, ErrResponseTimeout when the agent does not answer within
// ManagerConfig.ResponseTimeout (the association is then aborted, as 20601 asks), a
// *RemoteError when the agent answers ROER or RORJ, ErrAssociationEnded (wrapped with the
// cause) when the association ends before the answer, and the context's error when ctx
// ends first (the answer is then ignored).
type Association struct {
	c *managerConn
}

// Association returns the handle of the association info describes (the pointer a hook
// receives), or nil when the Manager no longer serves its connection.
func (m *Manager) Association(info *AssociationInfo) *Association {
	m.mu.Lock()
	defer m.mu.Unlock()
	for c := range m.conns {
		if &c.info == info {
			return &Association{c: c}
		}
	}
	return nil
}

// SegmentTransfer sums up a completed transfer of one PM-segment.
type SegmentTransfer struct {
	Instance uint16 // the segment's instance number
	Events   int    // segment data event reports received
	Entries  uint64 // entries received
}

type assocReqKind uint8

const (
	assocGet assocReqKind = iota
	assocSegInfo
	assocTrigXfer
	assocSegClr
)

// assocReq is one application request, handed to the association's goroutine.
type assocReq struct {
	kind  assocReqKind
	obj   Handle
	ids   []OID
	inst  uint16
	sel   SegmSelection     // assocSegInfo, assocSegClr
	m     PmSegmentEntryMap // the entry map of the segment transferred
	reply chan assocResult  // buffered, 1

	// Owned by the association's goroutine once taken.
	invoke    uint16
	xfer      bool   // the trigger was accepted: segment data events follow
	nextIndex uint32 // the entry index expected next
	res       SegmentTransfer
}

type assocResult struct {
	attrs AttributeList
	segs  SegmentInfoList
	xfer  SegmentTransfer
	err   error
}

// GetAttributes sends a GET of the attributes ids of object obj (all of them when ids is
// empty; obj 0 is the MDS) and returns the agent's answer, copied.
func (a *Association) GetAttributes(ctx context.Context, obj Handle, ids ...OID) (AttributeList, error) {
	r, err := a.c.request(ctx, &assocReq{kind: assocGet, obj: obj, ids: append([]OID(nil), ids...)})
	return r.attrs, err
}

// SegmentInfo asks the PM-store store for the information on all its segments
// (MDC_ACT_SEG_GET_INFO with all-segments) and returns it, copied. Each SegmentInfo's
// attributes hold the segment's MDC_ATTR_PM_SEG_MAP, which TransferSegment needs.
func (a *Association) SegmentInfo(ctx context.Context, store Handle) (SegmentInfoList, error) {
	return a.SelectSegmentInfo(ctx, store, SegmSelection{Choice: SegmSelectionAllSegments})
}

// SelectSegmentInfo is SegmentInfo for the segments sel selects: all of them, those of a
// segm-id-list, or those of an abs-time-range (which an agent supports when its
// MDC_ATTR_PM_STORE_CAPAB has pmsc-abs-time-select). It fails with an error wrapping
// ErrChoice, sending nothing, when sel.Choice is none of the three, or ErrTooLong when
// the list does not fit its length field.
func (a *Association) SelectSegmentInfo(ctx context.Context, store Handle, sel SegmSelection) (SegmentInfoList, error) {
	r := &assocReq{kind: assocSegInfo, obj: store}
	if err := copySelection(&r.sel, &sel); err != nil {
		return nil, err
	}
	res, err := a.c.request(ctx, r)
	return res.segs, err
}

// ClearSegments asks the PM-store store to clear the segments sel selects
// (MDC_ACT_SEG_CLR): the agent deletes their entries, and removes the segments themselves
// when its MDC_ATTR_PM_STORE_CAPAB has pmsc-clear-segm-remove. It returns nil once the
// agent has confirmed the clear. An agent refuses a selection its capabilities do not
// allow (clearing by segm-id-list needs pmsc-clear-segm-by-list-sup, by abs-time-range
// pmsc-clear-segm-by-time-sup) with a ROER, returned as a *RemoteError; a PMStore of this
// package also refuses a list naming a segment it does not have, and a clear of a segment
// it is transferring. It fails with an error wrapping ErrChoice, sending nothing, when
// sel.Choice is none of the three selections, or ErrTooLong when the list does not fit its
// length field.
func (a *Association) ClearSegments(ctx context.Context, store Handle, sel SegmSelection) error {
	r := &assocReq{kind: assocSegClr, obj: store}
	if err := copySelection(&r.sel, &sel); err != nil {
		return err
	}
	_, err := a.c.request(ctx, r)
	return err
}

// copySelection copies src into dst, checking its choice.
func copySelection(dst, src *SegmSelection) error {
	switch src.Choice {
	case SegmSelectionAllSegments, SegmSelectionSegmIDList, SegmSelectionAbsTimeRange:
	default:
		return fmt.Errorf("ieee11073: segment selection %v: %w", src.Choice, ErrChoice)
	}
	if _, err := src.AppendBinary(nil); err != nil {
		return err
	}
	*dst = *src
	dst.SegmIDs = append([]uint16(nil), src.SegmIDs...)
	return nil
}

// TransferSegment asks the PM-store store to send the segment seg (MDC_ACT_SEG_TRIG_XFER)
// and takes in the segment data event reports that follow. Their entries are decoded with
// the segment's MDC_ATTR_PM_SEG_MAP (from seg.Attributes) and the association's
// configuration, and handed to ManagerConfig.OnSegmentData, one call per event report, in
// the agent's order; each event report is answered once the hook returns, with the event's
// first and last entry bits and sevtsta-manager-confirm. TransferSegment returns after
// the event report holding the last entry has been confirmed.
//
// Besides the errors every Association request has, it fails with a *TriggerError when
// the agent refuses the transfer, ErrSegmentTransferAborted when the agent aborts it, the
// hook's error when OnSegmentData refuses an event (the event is answered with
// sevtsta-manager-abort and the association goes on), and a *DecodeError when the entries
// do not fit the map or arrive out of order (the association is then aborted). The
// response timeout runs from the trigger to its answer and then between event reports.
func (a *Association) TransferSegment(ctx context.Context, store Handle, seg *SegmentInfo) (SegmentTransfer, error) {
	req := &assocReq{kind: assocTrigXfer, obj: store, inst: seg.InstNo}
	v, ok := seg.Attributes.Get(MDCAttrPMSegMap)
	if !ok {
		return SegmentTransfer{}, fmt.Errorf("ieee11073: segment %d has no MDC_ATTR_PM_SEG_MAP", seg.InstNo)
	}
	if _, err := exactDecode(&req.m, v); err != nil {
		return SegmentTransfer{}, fmt.Errorf("ieee11073: segment %d: MDC_ATTR_PM_SEG_MAP: %w", seg.InstNo, err)
	}
	if _, ok := req.m.entryLen(); !ok {
		return SegmentTransfer{}, fmt.Errorf("ieee11073: segment %d: MDC_ATTR_PM_SEG_MAP: %w", seg.InstNo, ErrValue)
	}
	r, err := a.c.request(ctx, req)
	return r.xfer, err
}

// exactDecode decodes m from all of b.
func exactDecode(m *PmSegmentEntryMap, b []byte) (int, error) {
	n, err := m.Unmarshal(b)
	if err == nil && n != len(b) {
		return n, &DecodeError{Offset: n, Field: "PmSegmentEntryMap", Err: ErrLength}
	}
	return n, err
}

// assocQueue holds the requests handed to an association's goroutine.
type assocQueue struct {
	mu     sync.Mutex
	reqs   []*assocReq
	closed error // set when the goroutine stops taking requests
}

// request hands r to the association's goroutine and waits for its answer.
func (c *managerConn) request(ctx context.Context, r *assocReq) (assocResult, error) {
	r.reply = make(chan assocResult, 1)
	q := &c.queue
	q.mu.Lock()
	if q.closed != nil {
		err := q.closed
		q.mu.Unlock()
		return assocResult{}, err
	}
	q.reqs = append(q.reqs, r)
	q.mu.Unlock()
	c.pending.Store(true)
	c.conn.SetReadDeadline(time.Now()) // wake the reader
	select {
	case res := <-r.reply:
		return res, res.err
	case <-ctx.Done():
		return assocResult{}, ctx.Err()
	}
}

// closeQueue fails the waiting requests and refuses new ones; the association's
// goroutine calls it when it stops.
func (c *managerConn) closeQueue(err error) {
	c.failOp(err)
	q := &c.queue
	q.mu.Lock()
	q.closed = err
	reqs := q.reqs
	q.reqs = nil
	q.mu.Unlock()
	for _, r := range reqs {
		r.reply <- assocResult{err: err}
	}
}

// startRequest sends the next waiting request when nothing is outstanding.
func (c *managerConn) startRequest() {
	if c.op != nil || !c.getDue.IsZero() {
		return // one outstanding request at a time
	}
	q := &c.queue
	q.mu.Lock()
	if len(q.reqs) == 0 {
		c.pending.Store(false)
		q.mu.Unlock()
		return
	}
	r := q.reqs[0]
	q.reqs = q.reqs[1:]
	q.mu.Unlock()
	if c.state != StateOperating {
		r.reply <- assocResult{err: fmt.Errorf("%w (state %v)", ErrNotOperating, c.state)}
		return
	}
	c.op = r
	r.invoke = c.nextInvoke
	c.nextInvoke++
	c.getInvoke = r.invoke
	c.getDue = time.Now().Add(c.m.cfg.ResponseTimeout)
	switch r.kind {
	case assocGet:
		c.prst(r.invoke, MessageROIVGet)
		c.out.PRST.Get.ObjHandle = r.obj
		c.out.PRST.Get.AttributeIDs = append(c.out.PRST.Get.AttributeIDs[:0], r.ids...)
	case assocSegInfo:
		c.prst(r.invoke, MessageROIVConfirmedAction)
		a := &c.out.PRST.Action
		a.ObjHandle, a.ActionType, a.Args = r.obj, MDCActSegGetInfo, nil
		a.Invoke.SegmSelection = r.sel
	case assocSegClr:
		c.prst(r.invoke, MessageROIVConfirmedAction)
		a := &c.out.PRST.Action
		a.ObjHandle, a.ActionType, a.Args = r.obj, MDCActSegClr, nil
		a.Invoke.SegmSelection = r.sel
	case assocTrigXfer:
		c.prst(r.invoke, MessageROIVConfirmedAction)
		a := &c.out.PRST.Action
		a.ObjHandle, a.ActionType, a.Args = r.obj, MDCActSegTrigXfer, nil
		a.Invoke.TrigSegmDataXfer.SegInstNo = r.inst
	}
	c.send(&c.out)
}

// finishOp completes the outstanding request with res.
func (c *managerConn) finishOp(res assocResult) {
	r := c.op
	c.op = nil
	c.getDue = time.Time{}
	r.reply <- res
}

// failOp fails the outstanding request, if there is one.
func (c *managerConn) failOp(err error) {
	if c.op != nil {
		c.finishOp(assocResult{err: err})
	}
}

// handleOpResponse completes the application's outstanding request with the RORS, ROER
// or RORJ that answers it.
func (c *managerConn) handleOpResponse() {
	d := &c.in.PRST
	r := c.op
	if r.xfer {
		return // the trigger has been answered already
	}
	switch d.Choice {
	case MessageROER:
		c.finishOp(assocResult{err: &RemoteError{Choice: MessageROER, Value: d.Error.ErrorValue}})
		return
	case MessageRORJ:
		c.finishOp(assocResult{err: &RemoteError{Choice: MessageRORJ, Problem: d.Reject.Problem}})
		return
	}
	switch {
	case r.kind == assocGet && d.Choice == MessageRORSGet:
		c.finishOp(assocResult{attrs: cloneAttributes(d.GetResult.Attributes)})
	case r.kind == assocSegInfo && d.Choice == MessageRORSConfirmedAction && d.ActionResult.ActionType == MDCActSegGetInfo:
		l := d.ActionResult.Result.SegmentInfo
		segs := make(SegmentInfoList, len(l))
		for i := range l {
			segs[i] = SegmentInfo{InstNo: l[i].InstNo, Attributes: cloneAttributes(l[i].Attributes)}
		}
		c.finishOp(assocResult{segs: segs})
	case r.kind == assocSegClr && d.Choice == MessageRORSConfirmedAction && d.ActionResult.ActionType == MDCActSegClr:
		c.finishOp(assocResult{})
	case r.kind == assocTrigXfer && d.Choice == MessageRORSConfirmedAction && d.ActionResult.ActionType == MDCActSegTrigXfer:
		rsp := d.ActionResult.Result.TrigSegmDataXfer
		if rsp.Result != TrigSegmXferRspSuccessful {
			c.finishOp(assocResult{err: &TriggerError{Result: rsp.Result}})
			return
		}
		r.xfer = true
		r.res.Instance = r.inst
		c.getDue = time.Now().Add(c.m.cfg.ResponseTimeout) // for the first segment data event
	default:
		c.finishOp(assocResult{err: fmt.Errorf("ieee11073: unexpected answer %v to the request", d.Choice)})
	}
}

// handleSegmentData takes in a segment data event report received in Operating: it
// delivers its entries for the transfer under way and answers it.
func (c *managerConn) handleSegmentData() {
	d := &c.in.PRST
	ev := &d.EventReport
	sd := &ev.Report.SegmentData
	descr := sd.Descr
	status := SegmEvtStatusManagerAbort
	r := c.op
	switch {
	case r == nil || !r.xfer || ev.ObjHandle != r.obj || descr.Instance != r.inst:
		// Not asked for: refuse it.
	case descr.Status&SegmEvtStatusAgentAbort != 0:
		c.finishOp(assocResult{xfer: r.res, err: ErrSegmentTransferAborted})
	case descr.EntryIndex != r.nextIndex || (r.nextIndex == 0) != (descr.Status&SegmEvtStatusFirstEntry != 0):
		err := &DecodeError{Field: "SegmDataEventDescr.segm-evt-entry-index", Err: ErrValue}
		c.finishOp(assocResult{xfer: r.res, err: err})
		c.abortLater = err
		return
	default:
		var err error
		c.obs, err = c.info.Config.SegmentObservations(c.obs[:0], &r.m, sd)
		if err != nil {
			c.finishOp(assocResult{xfer: r.res, err: err})
			c.abortLater = err
			return
		}
		if h := c.m.cfg.OnSegmentData; h != nil {
			err = h(&c.info, ev.ObjHandle, sd, c.obs)
		}
		if err != nil {
			c.finishOp(assocResult{xfer: r.res, err: err})
			break
		}
		status = descr.Status&(SegmEvtStatusFirstEntry|SegmEvtStatusLastEntry) | SegmEvtStatusManagerConfirm
		r.res.Events++
		r.res.Entries += uint64(descr.EntryCount)
		r.nextIndex += descr.EntryCount
		if descr.Status&SegmEvtStatusLastEntry != 0 {
			c.finishOp(assocResult{xfer: r.res})
		} else {
			c.getDue = time.Now().Add(c.m.cfg.ResponseTimeout)
		}
	}
	if d.Choice != MessageROIVConfirmedEventReport {
		return
	}
	c.prst(d.InvokeID, MessageRORSConfirmedEventReport)
	res := &c.out.PRST.EventReportResult
	res.ObjHandle = ev.ObjHandle
	res.CurrentTime = ev.EventTime
	res.EventType = MDCNotiSegmentData
	res.ReplyInfo = nil
	res.Reply.SegmentData.Descr = descr
	res.Reply.SegmentData.Descr.Status = status
	c.send(&c.out)
}
