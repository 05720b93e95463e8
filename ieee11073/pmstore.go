package ieee11073

import (
	"encoding/binary"

	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// Bits of PmSegmentEntryMap.Header (SegmEntryHeader): which time stamps start each entry, in
// this order.
const (
	SegmEntryHeaderAbsTime      uint16 = 0x8000 // seg-elem-hdr-absolute-time: AbsoluteTime, 8 bytes
	SegmEntryHeaderRelTime      uint16 = 0x4000 // seg-elem-hdr-relative-time: RelativeTime, 4 bytes
	SegmEntryHeaderHiResRelTime uint16 = 0x2000 // seg-elem-hdr-hires-relative-time: 8 bytes
)

// SegmEntryElem is one element of each entry of a PM-segment: the values of one object.
type SegmEntryElem struct {
	ClassID    OID
	MetricType Type
	ObjHandle  Handle
	ValMap     AttrValMap
}

// PmSegmentEntryMap is the value of MDCAttrPMSegMap: the layout of the entries of a
// PM-segment (20601 Annex A, PmSegmentEntryMap). Each entry is the header fields the Header
// bits select, then the values of each element laid out by its attribute value map.
//
//	+------------------------------+-------+--------+----------------------------------------+
//	| segm-entry-header (BITS-16)  | count | length | SegmEntryElem …                        |
//	+------------------------------+-------+--------+----------------------------------------+
//	SegmEntryElem: | class-id OID | metric-type TYPE (4) | handle u16 | attr-val-map: AttrValMap |
type PmSegmentEntryMap struct {
	Header uint16 // SegmEntryHeader* bits
	Elems  []SegmEntryElem
}

// Unmarshal decodes m from b; see ScanReportInfoFixed.Unmarshal for the rules.
func (m *PmSegmentEntryMap) Unmarshal(b []byte) (int, error) {
	const field = "PmSegmentEntryMap.segm-entry-elem-list"
	r := mder.NewReader(b)
	var n, end int
	if !r.U16(&m.Header, "PmSegmentEntryMap.segm-entry-header") || !r.Seq(&n, &end, 12, field) {
		return 0, decodeError(&r)
	}
	m.Elems = m.Elems[:0]
	for i := 0; i < n; i++ {
		m.Elems = mder.Grow(m.Elems)
		e := &m.Elems[i]
		if !r.InSeq(field) || !r.U16((*uint16)(&e.ClassID), "SegmEntryElem.class-id") ||
			!e.MetricType.decode(&r, "SegmEntryElem.metric-type") ||
			!r.U16((*uint16)(&e.ObjHandle), "SegmEntryElem.handle") || !e.ValMap.decode(&r) {
			return 0, decodeError(&r)
		}
	}
	if !r.End(end, field) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of m to b.
func (m *PmSegmentEntryMap) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, m.Header)
	b, mark, err := mder.MarkSeq(b, len(m.Elems))
	if err != nil {
		return b, encodeError("PmSegmentEntryMap.segm-entry-elem-list", err)
	}
	for i := range m.Elems {
		e := &m.Elems[i]
		b = mder.AppendU16(b, uint16(e.ClassID))
		b, _ = e.MetricType.AppendBinary(b)
		b = mder.AppendU16(b, uint16(e.ObjHandle))
		if b, err = e.ValMap.AppendBinary(b); err != nil {
			return b, err
		}
	}
	return mder.Fill(b, mark)
}

// entryLen returns the size of one entry, and false when the map is not usable.
func (m *PmSegmentEntryMap) entryLen() (int, bool) {
	n := 0
	if m.Header&SegmEntryHeaderAbsTime != 0 {
		n += 8
	}
	if m.Header&SegmEntryHeaderRelTime != 0 {
		n += 4
	}
	if m.Header&SegmEntryHeaderHiResRelTime != 0 {
		n += 8
	}
	for i := range m.Elems {
		for _, e := range m.Elems[i].ValMap {
			if l := fixedAttrLen(e.ID); l != 0 && int(e.Len) != l {
				return 0, false
			}
			n += int(e.Len)
		}
	}
	return n, n > 0
}

// SegmentObservations appends to dst the observations in the entries of a PM-segment data
// event, laid out by the segment's entry map m (the MDCAttrPMSegMap of the segment, from
// the SegmentInfo of MDCActSegGetInfo). An element's unit and compound parts come from the
// configuration's object of the same handle when there is one, its type from the map. The
// header's absolute or relative time stamps every value of its entry. It allocates nothing
// when dst has room; errors name the failing field.
func (c *Configuration) SegmentObservations(dst []Observation, m *PmSegmentEntryMap, ev *SegmentDataEvent) ([]Observation, error) {
	const field = "SegmentDataEvent.segm-data-event-entries"
	size, ok := m.entryLen()
	if !ok {
		return dst, &DecodeError{Field: "PmSegmentEntryMap", Err: ErrValue}
	}
	v := ev.Entries
	if uint64(ev.Descr.EntryCount)*uint64(size) != uint64(len(v)) {
		return dst, &DecodeError{Field: field, Err: ErrLength}
	}
	start := len(dst)
	var scratch ConfiguredObject
	for off := 0; off < len(v); {
		var cm obsCommon
		cm.person = PersonIDUnknown
		if m.Header&SegmEntryHeaderAbsTime != 0 {
			if !cm.time.set(v[off : off+8]) {
				return dst[:start], &DecodeError{Offset: off, Field: field, Err: ErrValue}
			}
			off += 8
		}
		if m.Header&SegmEntryHeaderRelTime != 0 {
			cm.relTime = RelativeTime(binary.BigEndian.Uint32(v[off:]))
			off += 4
		}
		if m.Header&SegmEntryHeaderHiResRelTime != 0 {
			off += 8
		}
		for i := range m.Elems {
			e := &m.Elems[i]
			obj := c.segmentObject(e, &scratch)
			n := 0
			for _, a := range e.ValMap {
				n += int(a.Len)
			}
			cm.obj, cm.unit = obj, obj.Unit
			var err error
			if dst, err = appendFixedObj(dst, cm, e.ValMap, v[off:off+n]); err != nil {
				if de, ok := err.(*DecodeError); ok {
					de.Offset += off
					de.Field = field
				}
				return dst[:start], err
			}
			off += n
		}
	}
	return dst, nil
}

// segmentObject returns the object an entry element describes: the configuration's object
// of that handle with the element's type, or one made from the element alone in scratch.
func (c *Configuration) segmentObject(e *SegmEntryElem, scratch *ConfiguredObject) *ConfiguredObject {
	if c != nil {
		if o := c.Object(e.ObjHandle); o != nil && o.Type == e.MetricType {
			return o
		}
	}
	*scratch = ConfiguredObject{Class: e.ClassID, Handle: e.ObjHandle, Type: e.MetricType}
	return scratch
}
