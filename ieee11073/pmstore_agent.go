package ieee11073

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNoSegment means a PM-store has no segment of the instance number given.
var ErrNoSegment = errors.New("ieee11073: no such PM-segment")

// PMStore is a persistent metric store an Agent offers (AgentConfig.PMStore): PM-segments
// of stored entries that a manager lists (MDC_ACT_SEG_GET_INFO), retrieves
// (MDC_ACT_SEG_TRIG_XFER, then MDC_NOTI_SEGMENT_DATA event reports) and clears
// (MDC_ACT_SEG_CLR).
//
// Create one with NewPMStore, then add segments and entries; its methods are safe for
// concurrent use, also while an Agent serves it. A transfer sends the entries the segment
// held when the manager triggered it.
//
// Segment selections (SegmSelection) pick segments by all-segments, by segm-id-list
// (instance numbers; for MDC_ACT_SEG_GET_INFO those the PM-store lacks are left out) or by
// abs-time-range: a segment is in the range when its Segment-Start-Abs-Time
// (MDC_ATTR_TIME_START_SEG) is after From and its Segment-End-Abs-Time
// (MDC_ATTR_TIME_END_SEG) before To, both strictly, the two attributes being given to
// AddSegment; a segment without them is never in a range.
//
// The PM-store's MDC_ATTR_PM_STORE_CAPAB, when given to NewPMStore, decides what it
// accepts and how it clears (the PMStoreCapab* bits): abs-time-range in
// MDC_ACT_SEG_GET_INFO needs pmsc-abs-time-select; a clear by segm-id-list needs
// pmsc-clear-segm-by-list-sup, one by abs-time-range pmsc-clear-segm-by-time-sup; a clear
// deletes the entries of the selected segments (their Segment-Usage-Count becomes 0) and,
// with pmsc-clear-segm-remove, removes the segments as well (Number-Of-Segments counts the
// rest). Without the attribute every selection is accepted and a clear empties segments.
// A clear is refused with the ROER not-allowed-by-object, clearing nothing, when the
// capabilities do not allow it, when a segm-id-list names a segment the PM-store lacks,
// and when a selected segment is being transferred (from the trigger to the
// confirmation of its last event report, or triggered to follow the transfer under way).
type PMStore struct {
	handle Handle
	attrs  AttributeList

	mu   sync.Mutex
	segs []*pmSegment
}

type pmSegment struct {
	inst    uint16
	m       PmSegmentEntryMap
	mapEnc  []byte
	size    int // octets per entry
	attrs   AttributeList
	entries []byte // appended to only, so a transfer may keep reading a prefix
	count   uint32
}

// NewPMStore returns an empty PM-store with object handle h. attrs are attributes the
// agent returns to a GET of the PM-store besides the ones it always returns (Handle and
// Number-Of-Segments), for example MDC_ATTR_PM_STORE_CAPAB; they are copied.
func NewPMStore(h Handle, attrs AttributeList) *PMStore {
	return &PMStore{handle: h, attrs: cloneAttributes(attrs)}
}

// Handle returns the PM-store's object handle.
func (s *PMStore) Handle() Handle { return s.handle }

// AddSegment adds an empty segment with instance number inst whose entries are laid out
// by m. attrs are attributes returned in its SegmentInfo besides the ones always returned
// (Instance-Number, PM-Segment-Entry-Map and Segment-Usage-Count); m and attrs are copied.
func (s *PMStore) AddSegment(inst uint16, m PmSegmentEntryMap, attrs AttributeList) error {
	size, ok := m.entryLen()
	if !ok {
		return fmt.Errorf("ieee11073: PM-segment %d: entry map: %w", inst, ErrValue)
	}
	enc, err := m.AppendBinary(nil)
	if err != nil {
		return err
	}
	seg := &pmSegment{inst: inst, mapEnc: enc, size: size, attrs: cloneAttributes(attrs)}
	if _, err := seg.m.Unmarshal(enc); err != nil { // a copy of m
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.segs {
		if x.inst == inst {
			return fmt.Errorf("ieee11073: PM-segment %d exists already", inst)
		}
	}
	s.segs = append(s.segs, seg)
	return nil
}

// AddEntry appends one entry to segment inst: the octets the segment's entry map lays
// out (the header's time stamps, then each element's values). It fails with ErrNoSegment
// or, when entry does not have the map's length, with an error wrapping ErrLength.
func (s *PMStore) AddEntry(inst uint16, entry []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := s.segment(inst)
	if seg == nil {
		return fmt.Errorf("%w: %d", ErrNoSegment, inst)
	}
	if len(entry) != seg.size {
		return fmt.Errorf("ieee11073: PM-segment %d: entry of %d octets, the map needs %d: %w", inst, len(entry), seg.size, ErrLength)
	}
	seg.entries = append(seg.entries, entry...)
	seg.count++
	return nil
}

// Entries returns the number of entries in segment inst.
func (s *PMStore) Entries(inst uint16) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := s.segment(inst)
	if seg == nil {
		return 0, fmt.Errorf("%w: %d", ErrNoSegment, inst)
	}
	return int(seg.count), nil
}

func (s *PMStore) segment(inst uint16) *pmSegment {
	for _, x := range s.segs {
		if x.inst == inst {
			return x
		}
	}
	return nil
}

// getAttributes appends the PM-store's attributes to dst.
func (s *PMStore) getAttributes(dst AttributeList, ids []OID) AttributeList {
	s.mu.Lock()
	n := len(s.segs)
	s.mu.Unlock()
	add := func(id OID, v []byte) {
		if len(ids) == 0 || containsOID(ids, id) {
			dst = append(dst, AVA{ID: id, Value: v})
		}
	}
	add(MDCAttrIDHandle, binary.BigEndian.AppendUint16(nil, uint16(s.handle)))
	add(MDCAttrNumSeg, binary.BigEndian.AppendUint16(nil, uint16(n)))
	for _, a := range s.attrs {
		add(a.ID, a.Value)
	}
	return dst
}

// Bits of MDC_ATTR_PM_STORE_CAPAB (PMStoreCapab, 20601 Annex A) that decide how a PMStore
// answers segment selections and clears.
const (
	PMStoreCapabVarNoOfSegm        uint16 = 0x8000 // pmsc-var-no-of-segm: the number of segments varies
	PMStoreCapabAbsTimeSelect      uint16 = 0x0200 // pmsc-abs-time-select: abs-time-range selections
	PMStoreCapabClearSegmByListSup uint16 = 0x0100 // pmsc-clear-segm-by-list-sup: clear by segm-id-list
	PMStoreCapabClearSegmByTimeSup uint16 = 0x0080 // pmsc-clear-segm-by-time-sup: clear by abs-time-range
	PMStoreCapabClearSegmRemove    uint16 = 0x0040 // pmsc-clear-segm-remove: a clear removes the segments
)

// capab returns the PM-store's MDC_ATTR_PM_STORE_CAPAB, and false when it has none.
func (s *PMStore) capab() (uint16, bool) {
	v, ok := s.attrs.Get(MDCAttrPMStoreCapab)
	if !ok || len(v) != 2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(v), true
}

// allows reports whether the PM-store's capabilities include bit; a PM-store without
// MDC_ATTR_PM_STORE_CAPAB allows everything.
func (s *PMStore) allows(bit uint16) bool {
	c, ok := s.capab()
	return !ok || c&bit != 0
}

// selects reports whether sel selects seg. An abs-time-range selects a segment whose
// Segment-Start-Abs-Time is after From and whose Segment-End-Abs-Time is before To; a
// segment without both attributes is never selected by time.
func (seg *pmSegment) selects(sel *SegmSelection) bool {
	switch sel.Choice {
	case SegmSelectionAllSegments:
		return true
	case SegmSelectionSegmIDList:
		for _, id := range sel.SegmIDs {
			if id == seg.inst {
				return true
			}
		}
	case SegmSelectionAbsTimeRange:
		start, ok1 := seg.attrs.Get(MDCAttrTimeStartSeg)
		end, ok2 := seg.attrs.Get(MDCAttrTimeEndSeg)
		if !ok1 || !ok2 || len(start) != 8 || len(end) != 8 {
			return false
		}
		return bytes.Compare(start, sel.From[:]) > 0 && bytes.Compare(end, sel.To[:]) < 0
	}
	return false
}

// segmentInfo appends the SegmentInfo of every segment sel selects to dst.
func (s *PMStore) segmentInfo(dst SegmentInfoList, sel *SegmSelection) SegmentInfoList {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, seg := range s.segs {
		if !seg.selects(sel) {
			continue
		}
		attrs := AttributeList{
			{ID: MDCAttrIDInstno, Value: binary.BigEndian.AppendUint16(nil, seg.inst)},
			{ID: MDCAttrPMSegMap, Value: seg.mapEnc},
			{ID: MDCAttrSegUsageCnt, Value: binary.BigEndian.AppendUint32(nil, seg.count)},
		}
		dst = append(dst, SegmentInfo{InstNo: seg.inst, Attributes: append(attrs, seg.attrs...)})
	}
	return dst
}

// clearSegments deletes the entries of the segments sel selects, or removes the segments
// when the PM-store's capabilities have pmsc-clear-segm-remove. It clears nothing and
// returns ErrorValueNotAllowedByObject when the capabilities do not allow the selection,
// when a segm-id-list names a segment the PM-store does not have, or when busy reports a
// selected segment busy.
func (s *PMStore) clearSegments(sel *SegmSelection, busy func(inst uint16) bool) (ErrorValue, bool) {
	switch sel.Choice {
	case SegmSelectionSegmIDList:
		if !s.allows(PMStoreCapabClearSegmByListSup) {
			return ErrorValueNotAllowedByObject, false
		}
	case SegmSelectionAbsTimeRange:
		if !s.allows(PMStoreCapabClearSegmByTimeSup) {
			return ErrorValueNotAllowedByObject, false
		}
	}
	c, _ := s.capab()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sel.Choice == SegmSelectionSegmIDList {
		for _, id := range sel.SegmIDs {
			if s.segment(id) == nil {
				return ErrorValueNotAllowedByObject, false
			}
		}
	}
	for _, seg := range s.segs {
		if seg.selects(sel) && busy(seg.inst) {
			return ErrorValueNotAllowedByObject, false
		}
	}
	kept := s.segs[:0]
	for _, seg := range s.segs {
		if !seg.selects(sel) {
			kept = append(kept, seg)
			continue
		}
		seg.entries, seg.count = nil, 0 // a new array: a finished transfer's prefix stays intact
		if c&PMStoreCapabClearSegmRemove == 0 {
			kept = append(kept, seg)
		}
	}
	clear(s.segs[len(kept):])
	s.segs = kept
	return 0, true
}

// snapshot returns the entries segment inst holds now.
func (s *PMStore) snapshot(inst uint16) (entries []byte, size int, count uint32, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := s.segment(inst)
	if seg == nil {
		return nil, 0, 0, false
	}
	return seg.entries[:len(seg.entries):len(seg.entries)], seg.size, seg.count, true
}

// agentXfer is a segment transfer under way on the agent's side.
type agentXfer struct {
	inst    uint16
	entries []byte
	size    int
	count   uint32
	next    uint32 // the index of the first entry not yet sent
	sent    uint32 // entries in the event awaiting confirmation
	invoke  uint16
	due     time.Time
}

// pmStoreInvoke serves a GET or confirmed ACTION addressed to the agent's PM-store in
// Operating. It reports false when the invoke is not for the PM-store.
func (l *agentLoop) pmStoreInvoke() bool {
	s := l.a.cfg.PMStore
	d := &l.in.PRST
	if s == nil || l.state != StateOperating {
		return false
	}
	switch {
	case d.Choice == MessageROIVGet && d.Get.ObjHandle == s.handle:
		l.prst(d.InvokeID, MessageRORSGet)
		g := &l.out.PRST.GetResult
		g.ObjHandle = s.handle
		g.Attributes = s.getAttributes(g.Attributes[:0], d.Get.AttributeIDs)
		l.send(&l.out)
		return true
	case (d.Choice == MessageROIVConfirmedAction || d.Choice == MessageROIVAction) && d.Action.ObjHandle == s.handle:
	default:
		return false
	}
	a := &d.Action
	l.prst(d.InvokeID, MessageRORSConfirmedAction)
	res := &l.out.PRST.ActionResult
	res.ObjHandle, res.ActionType, res.Args = s.handle, a.ActionType, nil
	switch a.ActionType {
	case MDCActSegGetInfo:
		sel := &a.Invoke.SegmSelection
		if sel.Choice == SegmSelectionAbsTimeRange && !s.allows(PMStoreCapabAbsTimeSelect) {
			l.sendError(ErrorValueNotAllowedByObject)
			return true
		}
		res.Result.SegmentInfo = s.segmentInfo(res.Result.SegmentInfo[:0], sel)
	case MDCActSegClr:
		if v, ok := s.clearSegments(&a.Invoke.SegmSelection, l.transferring); !ok {
			l.sendError(v)
			return true
		}
	case MDCActSegTrigXfer:
		inst := a.Invoke.TrigSegmDataXfer.SegInstNo
		rsp := &res.Result.TrigSegmDataXfer
		rsp.SegInstNo = inst
		entries, size, count, ok := s.snapshot(inst)
		switch {
		case !ok:
			rsp.Result = TrigSegmXferRspFailNoSuchSegment
		case l.xfer != nil && (l.xferNext != nil || l.xfer.next+l.xfer.sent < l.xfer.count):
			rsp.Result = TrigSegmXferRspFailSegmTryLater
		case count == 0:
			rsp.Result = TrigSegmXferRspFailSegmEmpty
		default:
			rsp.Result = TrigSegmXferRspSuccessful
		}
		if d.Choice == MessageROIVConfirmedAction {
			l.send(&l.out)
		}
		if rsp.Result == TrigSegmXferRspSuccessful {
			x := &agentXfer{inst: inst, entries: entries, size: size, count: count}
			if l.xfer != nil {
				// The previous transfer awaits the confirmation of its last event: this
				// one starts after it.
				l.xferNext = x
			} else {
				l.xfer = x
				l.sendSegmentData()
			}
		}
		return true
	default:
		l.sendError(ErrorValueNoSuchAction)
		return true
	}
	if d.Choice == MessageROIVConfirmedAction {
		l.send(&l.out)
	}
	return true
}

// transferring reports whether a transfer of segment inst is under way or waiting to
// start.
func (l *agentLoop) transferring(inst uint16) bool {
	if x := l.xfer; x != nil && x.inst == inst && (x.sent > 0 || x.next < x.count) {
		return true
	}
	return l.xferNext != nil && l.xferNext.inst == inst
}

// sendError answers the received confirmed invoke with a ROER.
func (l *agentLoop) sendError(v ErrorValue) {
	if !l.in.PRST.Choice.IsConfirmed() {
		return
	}
	l.prst(l.in.PRST.InvokeID, MessageROER)
	l.out.PRST.Error = ErrorResult{ErrorValue: v}
	l.send(&l.out)
}

// sendSegmentData sends the next segment data event report of the transfer under way.
// One event is outstanding at a time: the next goes out once the manager confirmed it.
func (l *agentLoop) sendSegmentData() {
	x := l.xfer
	per := uint32(l.a.cfg.SegmentEntriesPerEvent)
	if per == 0 {
		per = 1
	}
	n := min(per, x.count-x.next)
	var status uint16
	if x.next == 0 {
		status |= SegmEvtStatusFirstEntry
	}
	if x.next+n == x.count {
		status |= SegmEvtStatusLastEntry
	}
	l.nextInvoke++
	x.invoke = l.nextInvoke
	x.sent = n
	x.due = time.Now().Add(l.a.cfg.ResponseTimeout)
	l.prst(x.invoke, MessageROIVConfirmedEventReport)
	e := &l.out.PRST.EventReport
	e.ObjHandle = l.a.cfg.PMStore.handle
	e.EventTime = 0xFFFFFFFF
	e.EventType = MDCNotiSegmentData
	e.Info = nil
	e.Report.SegmentData = SegmentDataEvent{
		Descr:   SegmDataEventDescr{Instance: x.inst, EntryIndex: x.next, EntryCount: n, Status: status},
		Entries: x.entries[int(x.next)*x.size : int(x.next+n)*x.size],
	}
	l.send(&l.out)
	e.Report.SegmentData.Entries = nil
}

// segmentDataConfirmed takes in the manager's answer to the outstanding segment data
// event. It reports false when the response answers something else.
func (l *agentLoop) segmentDataConfirmed() bool {
	x := l.xfer
	d := &l.in.PRST
	if x == nil || d.InvokeID != x.invoke {
		return false
	}
	ok := d.Choice == MessageRORSConfirmedEventReport && d.EventReportResult.EventType == MDCNotiSegmentData
	descr := d.EventReportResult.Reply.SegmentData.Descr
	if h := l.a.cfg.OnSegmentConfirm; h != nil && ok {
		h(descr)
	}
	x.next += x.sent
	x.sent = 0
	if !ok || descr.Status&SegmEvtStatusManagerConfirm == 0 || descr.Status&SegmEvtStatusManagerAbort != 0 || x.next >= x.count {
		// Refused or aborted by the manager, or complete: a transfer triggered meanwhile
		// starts.
		l.xfer, l.xferNext = l.xferNext, nil
		if l.xfer == nil {
			return true
		}
	}
	l.sendSegmentData()
	return true
}
