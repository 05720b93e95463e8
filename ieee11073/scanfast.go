package ieee11073

import (
	"encoding/binary"
	"slices"
)

// decodeScanFixedPRST decodes b in one pass when it starts with the most common APDU of
// all: a PRST carrying an event report (confirmed or not) whose event-info is a
// fixed-format scan report. Every length is checked against the bytes that enclose it, as
// the Reader does; the decode succeeds exactly when the Reader's would, and fills in the
// same fields. It reports false for any other APDU and for anything malformed, having
// perhaps written into a.PRST.EventReport.Report.ScanFixed; the caller then decodes b with
// the Reader, which overwrites what this wrote and names the field that fails.
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
func (a *APDU) decodeScanFixedPRST(b []byte) (int, bool) {
	if len(b) < 30 {
		return 0, false
	}
	head := binary.BigEndian.Uint32(b)
	n := int(head & 0xFFFF)
	if head>>16 != uint32(ChoicePRST) || n > len(b)-4 {
		return 0, false
	}
	m := b[4 : 4+n : 4+n] // the PrstApdu
	if len(m) < 26 {
		return 0, false
	}
	// The fields are checked a word at a time. plen, invoke-id, choice and mlen: any
	// invoke-id, either event report (they differ in the last bit), both lengths those of
	// what follows them.
	lm := uint64(len(m))
	if binary.BigEndian.Uint64(m)&^(0xFFFF<<32|1<<16) != (lm-2)<<48|uint64(MessageROIVEventReport)<<16|(lm-8) {
		return 0, false
	}
	// event-type and info-length
	if w := binary.BigEndian.Uint32(m[14:]); eventInfoKind(OID(w>>16)) != infoScanFixed || uint64(w&0xFFFF) != lm-18 {
		return 0, false
	}
	// count and length
	w := binary.BigEndian.Uint32(m[22:])
	count := int(w >> 16)
	if uint64(w&0xFFFF) != lm-26 || count*4 > len(m)-26 {
		return 0, false
	}
	obs := m[26:]
	sf := &a.PRST.EventReport.Report.ScanFixed
	if cap(sf.Observations) < count {
		// count is at most a quarter of the bytes that hold the observations. Decoding
		// starts again after the slice has grown, so that nothing read so far has to be
		// kept across the call.
		sf.grow(count)
		return a.decodeScanFixedPRST(b)
	}
	l := sf.Observations[:count]
	for i := range l {
		if len(obs) < 4 {
			return 0, false
		}
		k := int(obs[2])<<8 | int(obs[3])
		if k > len(obs)-4 {
			return 0, false
		}
		o := &l[i]
		o.ObjHandle = Handle(uint16(obs[0])<<8 | uint16(obs[1]))
		o.Value = obs[4 : 4+k : 4+k]
		obs = obs[4+k:]
	}
	if len(obs) != 0 {
		return 0, false
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
	return 4 + n, true
}

// grow makes room in sf.Observations for n observations.
func (sf *ScanReportInfoFixed) grow(n int) {
	sf.Observations = slices.Grow(sf.Observations[:0], n)
}
