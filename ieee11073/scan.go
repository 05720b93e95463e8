package ieee11073

import (
	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// Observation scans: the event-info of the scan report notifications (20601 Annex A).
// Every Unmarshal below decodes from the start of b, returns the bytes it took, overwrites
// every field, reuses the capacity of the slices it holds, and leaves byte slices aliasing b.
// Errors are *DecodeError.

// ScanReportInfoFixed is a fixed-format scan report: each observation's value bytes are laid
// out as the object's attribute value map says (MDCNotiScanReportFixed and its buffered and
// unbuffered forms).
//
//	+------------------+--------------------+-------+--------+-----------------------------+
//	| data-req-id u16  | scan-report-no u16 | count | length | ObservationScanFixed …      |
//	+------------------+--------------------+-------+--------+-----------------------------+
//	ObservationScanFixed: | obj-handle u16 | length | obs-val-data (octets) |
type ScanReportInfoFixed struct {
	DataReqID    uint16 // DataReqIDAgentInitiated for agent-initiated reports
	ScanReportNo uint16
	Observations []ObservationScanFixed
}

// ObservationScanFixed is one object's values in the order of its attribute value map.
type ObservationScanFixed struct {
	ObjHandle Handle
	Value     []byte // obs-val-data, aliasing the input
}

// Unmarshal decodes s from b.
func (s *ScanReportInfoFixed) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !s.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (s *ScanReportInfoFixed) decode(r *mder.Reader) bool {
	const field = "ScanReportInfoFixed.obs-scan-fixed"
	var n, end int
	if h, ok := r.Peek(4); ok {
		s.DataReqID = uint16(h[0])<<8 | uint16(h[1])
		s.ScanReportNo = uint16(h[2])<<8 | uint16(h[3])
		r.Skip(4)
		return r.Seq(&n, &end, 4, field) && decodeObsFixed(r, &s.Observations, n, end, field)
	}
	if !r.U16(&s.DataReqID, "ScanReportInfoFixed.data-req-id") ||
		!r.U16(&s.ScanReportNo, "ScanReportInfoFixed.scan-report-no") ||
		!r.Seq(&n, &end, 4, field) {
		return false
	}
	s.Observations = s.Observations[:0]
	return decodeObsFixed(r, &s.Observations, n, end, field)
}

func decodeObsFixed(r *mder.Reader, v *[]ObservationScanFixed, n, end int, field string) bool {
	l := (*v)[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			*v = l
			return false
		}
		l = mder.Grow(l)
		o := &l[i]
		if h, ok := r.Peek(4); ok {
			n := int(h[2])<<8 | int(h[3])
			if n <= r.Remaining()-4 {
				o.ObjHandle = Handle(uint16(h[0])<<8 | uint16(h[1]))
				r.Skip(4)
				o.Value = r.S[:n:n]
				r.Skip(n)
				continue
			}
		}
		if !r.U16((*uint16)(&o.ObjHandle), field) || !r.Octets(&o.Value, field) {
			*v = l
			return false
		}
	}
	*v = l
	return r.End(end, field)
}

func appendObsFixed(b []byte, v []ObservationScanFixed, field string) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(v))
	if err != nil {
		return b, encodeError(field, err)
	}
	for i := range v {
		b = mder.AppendU16(b, uint16(v[i].ObjHandle))
		if b, err = mder.AppendOctets(b, v[i].Value); err != nil {
			return b, encodeError(field, err)
		}
	}
	return fillField(b, mark, field)
}

// AppendBinary appends the MDER encoding of s to b.
func (s *ScanReportInfoFixed) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, s.DataReqID)
	b = mder.AppendU16(b, s.ScanReportNo)
	return appendObsFixed(b, s.Observations, "ScanReportInfoFixed.obs-scan-fixed")
}

// ScanReportInfoVar is a variable-format scan report: each observation carries attribute
// value assertions (MDCNotiScanReportVar and its buffered and unbuffered forms).
//
//	+------------------+--------------------+-------+--------+-----------------------------+
//	| data-req-id u16  | scan-report-no u16 | count | length | ObservationScan …           |
//	+------------------+--------------------+-------+--------+-----------------------------+
//	ObservationScan: | obj-handle u16 | attributes: AttributeList |
type ScanReportInfoVar struct {
	DataReqID    uint16
	ScanReportNo uint16
	Observations []ObservationScan
}

// ObservationScan is one object's changed attributes.
type ObservationScan struct {
	ObjHandle  Handle
	Attributes AttributeList
}

// Unmarshal decodes s from b.
func (s *ScanReportInfoVar) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !s.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (s *ScanReportInfoVar) decode(r *mder.Reader) bool {
	const field = "ScanReportInfoVar.obs-scan-var"
	var n, end int
	if !r.U16(&s.DataReqID, "ScanReportInfoVar.data-req-id") ||
		!r.U16(&s.ScanReportNo, "ScanReportInfoVar.scan-report-no") ||
		!r.Seq(&n, &end, 6, field) {
		return false
	}
	return decodeObsVar(r, &s.Observations, n, end, field)
}

func decodeObsVar(r *mder.Reader, v *[]ObservationScan, n, end int, field string) bool {
	l := (*v)[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			*v = l
			return false
		}
		l = mder.Grow(l)
		o := &l[i]
		if !r.U16((*uint16)(&o.ObjHandle), field) || !o.Attributes.decode(r, "ObservationScan.attributes") {
			*v = l
			return false
		}
	}
	*v = l
	return r.End(end, field)
}

func appendObsVar(b []byte, v []ObservationScan, field string) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(v))
	if err != nil {
		return b, encodeError(field, err)
	}
	for i := range v {
		b = mder.AppendU16(b, uint16(v[i].ObjHandle))
		if b, err = v[i].Attributes.appendTo(b, "ObservationScan.attributes"); err != nil {
			return b, err
		}
	}
	return fillField(b, mark, field)
}

// AppendBinary appends the MDER encoding of s to b.
func (s *ScanReportInfoVar) AppendBinary(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, s.DataReqID)
	b = mder.AppendU16(b, s.ScanReportNo)
	return appendObsVar(b, s.Observations, "ScanReportInfoVar.obs-scan-var")
}

// ScanReportInfoMPFixed is a fixed-format scan report for several persons
// (MDCNotiScanReportMPFixed and its buffered and unbuffered forms).
//
//	+-----------------+--------------------+-------+--------+------------------------------+
//	| data-req-id u16 | scan-report-no u16 | count | length | ScanReportPerFixed …         |
//	+-----------------+--------------------+-------+--------+------------------------------+
//	ScanReportPerFixed: | person-id u16 | count | length | ObservationScanFixed … |
type ScanReportInfoMPFixed struct {
	DataReqID    uint16
	ScanReportNo uint16
	Persons      []ScanReportPerFixed
}

// ScanReportPerFixed is one person's fixed-format observations.
type ScanReportPerFixed struct {
	PersonID     uint16
	Observations []ObservationScanFixed
}

// Unmarshal decodes s from b.
func (s *ScanReportInfoMPFixed) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !s.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (s *ScanReportInfoMPFixed) decode(r *mder.Reader) bool {
	const field = "ScanReportInfoMPFixed.scan-per-fixed"
	var n, end int
	if !r.U16(&s.DataReqID, "ScanReportInfoMPFixed.data-req-id") ||
		!r.U16(&s.ScanReportNo, "ScanReportInfoMPFixed.scan-report-no") ||
		!r.Seq(&n, &end, 6, field) {
		return false
	}
	s.Persons = s.Persons[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			return false
		}
		s.Persons = mder.Grow(s.Persons)
		p := &s.Persons[i]
		var m, pend int
		if !r.U16(&p.PersonID, "ScanReportPerFixed.person-id") ||
			!r.Seq(&m, &pend, 4, "ScanReportPerFixed.obs-scan-fix") ||
			!decodeObsFixed(r, &p.Observations, m, pend, "ScanReportPerFixed.obs-scan-fix") {
			return false
		}
	}
	return r.End(end, field)
}

func appendPerFixed(b []byte, p *ScanReportPerFixed, _ string) ([]byte, error) {
	b = mder.AppendU16(b, p.PersonID)
	return appendObsFixed(b, p.Observations, "ScanReportPerFixed.obs-scan-fix")
}

// AppendBinary appends the MDER encoding of s to b.
func (s *ScanReportInfoMPFixed) AppendBinary(b []byte) ([]byte, error) {
	return appendScanList(b, s.DataReqID, s.ScanReportNo, s.Persons, "ScanReportInfoMPFixed.scan-per-fixed", appendPerFixed)
}

// ScanReportInfoMPVar is a variable-format scan report for several persons
// (MDCNotiScanReportMPVar and its buffered and unbuffered forms).
//
//	+-----------------+--------------------+-------+--------+------------------------------+
//	| data-req-id u16 | scan-report-no u16 | count | length | ScanReportPerVar …           |
//	+-----------------+--------------------+-------+--------+------------------------------+
//	ScanReportPerVar: | person-id u16 | count | length | ObservationScan … |
type ScanReportInfoMPVar struct {
	DataReqID    uint16
	ScanReportNo uint16
	Persons      []ScanReportPerVar
}

// ScanReportPerVar is one person's variable-format observations.
type ScanReportPerVar struct {
	PersonID     uint16
	Observations []ObservationScan
}

// Unmarshal decodes s from b.
func (s *ScanReportInfoMPVar) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !s.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (s *ScanReportInfoMPVar) decode(r *mder.Reader) bool {
	const field = "ScanReportInfoMPVar.scan-per-var"
	var n, end int
	if !r.U16(&s.DataReqID, "ScanReportInfoMPVar.data-req-id") ||
		!r.U16(&s.ScanReportNo, "ScanReportInfoMPVar.scan-report-no") ||
		!r.Seq(&n, &end, 6, field) {
		return false
	}
	s.Persons = s.Persons[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			return false
		}
		s.Persons = mder.Grow(s.Persons)
		p := &s.Persons[i]
		var m, pend int
		if !r.U16(&p.PersonID, "ScanReportPerVar.person-id") ||
			!r.Seq(&m, &pend, 6, "ScanReportPerVar.obs-scan-var") ||
			!decodeObsVar(r, &p.Observations, m, pend, "ScanReportPerVar.obs-scan-var") {
			return false
		}
	}
	return r.End(end, field)
}

func appendPerVar(b []byte, p *ScanReportPerVar, _ string) ([]byte, error) {
	b = mder.AppendU16(b, p.PersonID)
	return appendObsVar(b, p.Observations, "ScanReportPerVar.obs-scan-var")
}

// AppendBinary appends the MDER encoding of s to b.
func (s *ScanReportInfoMPVar) AppendBinary(b []byte) ([]byte, error) {
	return appendScanList(b, s.DataReqID, s.ScanReportNo, s.Persons, "ScanReportInfoMPVar.scan-per-var", appendPerVar)
}

// ScanReportInfoGrouped is a grouped scan report: each group is the values of the objects
// of a scanner's handle attribute value map, concatenated
// (MDCNotiUnbufScanReportGrouped, MDCNotiBufScanReportGrouped).
//
//	+-----------------+--------------------+-------+--------+-----------------------------+
//	| data-req-id u16 | scan-report-no u16 | count | length | ObservationScanGrouped …    |
//	+-----------------+--------------------+-------+--------+-----------------------------+
//	ObservationScanGrouped ::= OCTET STRING
type ScanReportInfoGrouped struct {
	DataReqID    uint16
	ScanReportNo uint16
	Groups       [][]byte // each aliases the input
}

// Unmarshal decodes s from b.
func (s *ScanReportInfoGrouped) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !s.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (s *ScanReportInfoGrouped) decode(r *mder.Reader) bool {
	const field = "ScanReportInfoGrouped.obs-scan-grouped"
	var n, end int
	if !r.U16(&s.DataReqID, "ScanReportInfoGrouped.data-req-id") ||
		!r.U16(&s.ScanReportNo, "ScanReportInfoGrouped.scan-report-no") ||
		!r.Seq(&n, &end, 2, field) {
		return false
	}
	s.Groups = s.Groups[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			return false
		}
		s.Groups = mder.Grow(s.Groups)
		if !r.Octets(&s.Groups[i], field) {
			return false
		}
	}
	return r.End(end, field)
}

func appendGroup(b []byte, g *[]byte, field string) ([]byte, error) {
	b, err := mder.AppendOctets(b, *g)
	if err != nil {
		return b, encodeError(field, err)
	}
	return b, nil
}

// AppendBinary appends the MDER encoding of s to b.
func (s *ScanReportInfoGrouped) AppendBinary(b []byte) ([]byte, error) {
	return appendScanList(b, s.DataReqID, s.ScanReportNo, s.Groups, "ScanReportInfoGrouped.obs-scan-grouped", appendGroup)
}

// ScanReportInfoMPGrouped is a grouped scan report for several persons
// (MDCNotiUnbufScanReportMPGrouped, MDCNotiBufScanReportMPGrouped).
//
//	+-----------------+--------------------+-------+--------+-----------------------------+
//	| data-req-id u16 | scan-report-no u16 | count | length | ScanReportPerGrouped …      |
//	+-----------------+--------------------+-------+--------+-----------------------------+
//	ScanReportPerGrouped: | person-id u16 | length | obs-scan-grouped (octets) |
type ScanReportInfoMPGrouped struct {
	DataReqID    uint16
	ScanReportNo uint16
	Persons      []ScanReportPerGrouped
}

// ScanReportPerGrouped is one person's grouped observations.
type ScanReportPerGrouped struct {
	PersonID uint16
	Group    []byte // aliases the input
}

// Unmarshal decodes s from b.
func (s *ScanReportInfoMPGrouped) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !s.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

func (s *ScanReportInfoMPGrouped) decode(r *mder.Reader) bool {
	const field = "ScanReportInfoMPGrouped.scan-per-grouped"
	var n, end int
	if !r.U16(&s.DataReqID, "ScanReportInfoMPGrouped.data-req-id") ||
		!r.U16(&s.ScanReportNo, "ScanReportInfoMPGrouped.scan-report-no") ||
		!r.Seq(&n, &end, 4, field) {
		return false
	}
	s.Persons = s.Persons[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			return false
		}
		s.Persons = mder.Grow(s.Persons)
		p := &s.Persons[i]
		if !r.U16(&p.PersonID, field) || !r.Octets(&p.Group, field) {
			return false
		}
	}
	return r.End(end, field)
}

func appendPerGrouped(b []byte, p *ScanReportPerGrouped, field string) ([]byte, error) {
	b = mder.AppendU16(b, p.PersonID)
	return appendGroup(b, &p.Group, field)
}

// AppendBinary appends the MDER encoding of s to b.
func (s *ScanReportInfoMPGrouped) AppendBinary(b []byte) ([]byte, error) {
	return appendScanList(b, s.DataReqID, s.ScanReportNo, s.Persons, "ScanReportInfoMPGrouped.scan-per-grouped", appendPerGrouped)
}

// appendScanList encodes the scan reports made of a data-req-id, a scan-report-no and a
// SEQUENCE OF elements (the grouped and the multiple-person ones); elem appends one element,
// naming field on failure.
func appendScanList[E any](b []byte, dataReqID, scanReportNo uint16, list []E, field string,
	elem func(b []byte, e *E, field string) ([]byte, error)) ([]byte, error) {
	b = mder.AppendU16(b, dataReqID)
	b = mder.AppendU16(b, scanReportNo)
	b, mark, err := mder.MarkSeq(b, len(list))
	if err != nil {
		return b, encodeError(field, err)
	}
	for i := range list {
		if b, err = elem(b, &list[i], field); err != nil {
			return b, err
		}
	}
	return fillField(b, mark, field)
}
