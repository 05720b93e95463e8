package ieee11073

import (
	"encoding/binary"
	"slices"
)

// Unmarshal decodes one APDU from the start of b and returns the number of bytes it took
// (4 plus the APDU's length field); bytes after it are left alone, so b may hold several
// APDUs. The value selected by Choice is overwritten entirely; slices in it reuse their
// capacity. Byte slices in the result alias b: keep b unchanged while a is in use. Errors
// are *DecodeError. It allocates nothing when a has been used before for the same kind of
// APDU.
//
// The most common APDU, a PRST carrying an event report whose event-info is a
// fixed-format scan report, is read in one pass over its bytes; any other APDU, and any
// malformed one, goes through the general decoder.
func (a *APDU) Unmarshal(b []byte) (int, error) {
	// The one pass checks every length against the bytes that enclose it, as the Reader
	// does: it succeeds exactly when the Reader would, and fills in the same fields. When
	// it fails, the Reader overwrites what it may have written into
	// a.PRST.EventReport.Report.ScanFixed and names the field that fails.
	//
	//	 0    2    4      6        8      10     12      14       18      20        22
	//	+----+----+------+--------+------+------+-------+--------+-------+---------+
	//	|E700| len| plen | invoke | 0100 | mlen | obj-  | event- | event-| info-   |
	//	|    |    |      |   -id  | 0101 |      | handle| time   | type  | length  |
	//	+----+----+------+--------+------+------+-------+--------+-------+---------+
	//	  22            24              26      28       30
	//	+-------------+---------------+-------+--------+------------------------------+
	//	| data-req-id | scan-report-no| count | length | ObservationScanFixed …       |
	//	+-------------+---------------+-------+--------+------------------------------+
	if len(b) < 30 {
		return a.unmarshalReader(b)
	}
	head := binary.BigEndian.Uint32(b)
	n := int(head & 0xFFFF)
	if head>>16 != uint32(ChoicePRST) || n > len(b)-4 {
		return a.unmarshalReader(b)
	}
	m := b[4 : 4+n : 4+n] // the PrstApdu
	if len(m) < 26 {
		return a.unmarshalReader(b)
	}
	// The fields are checked a word at a time. plen, invoke-id, choice and mlen: any
	// invoke-id, either event report (they differ in the last bit), both lengths those of
	// what follows them.
	lm := uint64(len(m))
	if binary.BigEndian.Uint64(m)&^(0xFFFF<<32|1<<16) != (lm-2)<<48|uint64(MessageROIVEventReport)<<16|(lm-8) {
		return a.unmarshalReader(b)
	}
	// event-type and info-length
	if w := binary.BigEndian.Uint32(m[14:]); eventInfoKind(OID(w>>16)) != infoScanFixed || uint64(w&0xFFFF) != lm-18 {
		return a.unmarshalReader(b)
	}
	// count and length
	w := binary.BigEndian.Uint32(m[22:])
	count := int(w >> 16)
	if uint64(w&0xFFFF) != lm-26 || count*4 > len(m)-26 {
		return a.unmarshalReader(b)
	}
	obs := m[26:]
	sf := &a.PRST.EventReport.Report.ScanFixed
	if cap(sf.Observations) < count {
		// count is at most a quarter of the bytes that hold the observations. Decoding
		// starts again after the slice has grown, so that nothing read so far has to be
		// kept across the call.
		sf.grow(count)
		return a.Unmarshal(b)
	}
	l := sf.Observations[:count]
	for i := range l {
		if len(obs) < 4 {
			return a.unmarshalReader(b)
		}
		k := int(obs[2])<<8 | int(obs[3])
		if k > len(obs)-4 {
			return a.unmarshalReader(b)
		}
		o := &l[i]
		o.ObjHandle = Handle(uint16(obs[0])<<8 | uint16(obs[1]))
		o.Value = obs[4 : 4+k : 4+k]
		obs = obs[4+k:]
	}
	if len(obs) != 0 {
		return a.unmarshalReader(b)
	}
	// The header is read again rather than kept from the checks above, which leaves
	// registers free for the loop.
	sf.Observations = l
	sf.DataReqID = uint16(m[18])<<8 | uint16(m[19])
	sf.ScanReportNo = uint16(m[20])<<8 | uint16(m[21])
	a.Choice = ChoicePRST
	d := &a.PRST
	d.InvokeID = uint16(m[2])<<8 | uint16(m[3])
	d.Choice = MessageChoice(uint16(m[4])<<8 | uint16(m[5]))
	e := &d.EventReport
	e.ObjHandle = Handle(uint16(m[8])<<8 | uint16(m[9]))
	e.EventTime = RelativeTime(uint32(m[10])<<24 | uint32(m[11])<<16 | uint32(m[12])<<8 | uint32(m[13]))
	e.EventType = OID(uint16(m[14])<<8 | uint16(m[15]))
	e.Info = m[18:]
	return 4 + n, nil
}

// grow makes room in sf.Observations for n observations.
func (sf *ScanReportInfoFixed) grow(n int) {
	sf.Observations = slices.Grow(sf.Observations[:0], n)
}

// appendScanFixedPRST appends a in one pass when it is a PRST carrying an event report
// whose event-info is a fixed-format scan report, the APDU Unmarshal reads in one pass,
// and reports whether it did; otherwise, and when a length would not fit in its 16 bits,
// it appends nothing and AppendBinary encodes a field by field, naming what fails. The
// layout is the one drawn in Unmarshal.
func (a *APDU) appendScanFixedPRST(b []byte) ([]byte, bool) {
	d := &a.PRST
	e := &d.EventReport
	if d.Choice != MessageROIVEventReport && d.Choice != MessageROIVConfirmedEventReport ||
		eventInfoKind(e.EventType) != infoScanFixed {
		return b, false
	}
	sf := &e.Report.ScanFixed
	size := 26 // the PrstApdu up to the first ObservationScanFixed
	for i := range sf.Observations {
		size += 4 + len(sf.Observations[i].Value)
	}
	if size > 0xFFFF { // every other length is smaller
		return b, false
	}
	start := len(b)
	b = slices.Grow(b, 4+size)[:start+4+size]
	m := b[start:]
	binary.BigEndian.PutUint32(m, uint32(ChoicePRST)<<16|uint32(size))
	binary.BigEndian.PutUint64(m[4:], uint64(size-2)<<48|uint64(d.InvokeID)<<32|uint64(d.Choice)<<16|uint64(size-8))
	binary.BigEndian.PutUint16(m[12:], uint16(e.ObjHandle))
	binary.BigEndian.PutUint32(m[14:], uint32(e.EventTime))
	binary.BigEndian.PutUint32(m[18:], uint32(e.EventType)<<16|uint32(size-18))
	binary.BigEndian.PutUint32(m[22:], uint32(sf.DataReqID)<<16|uint32(sf.ScanReportNo))
	binary.BigEndian.PutUint32(m[26:], uint32(len(sf.Observations))<<16|uint32(size-26))
	at := 30
	for i := range sf.Observations {
		o := &sf.Observations[i]
		binary.BigEndian.PutUint32(m[at:], uint32(o.ObjHandle)<<16|uint32(len(o.Value)))
		at += 4 + copy(m[at+4:], o.Value)
	}
	return b, true
}
