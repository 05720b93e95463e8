package ieee11073

import (
	"github.com/phdkit/phdkit/ieee11073/internal/mder"
)

// Handle identifies an object in an agent's MDS (HANDLE, INT-U16); the MDS itself is 0.
type Handle uint16

// OID is a nomenclature code (OID-Type, INT-U16) of 11073-10101; its partition is implied
// by where it appears. See the MDC constants and Name.
type OID uint16

// RelativeTime is a relative time stamp in units of 1/8 ms (INT-U32).
type RelativeTime uint32

// ConfigID identifies an agent configuration (ConfigId, INT-U16): 0x0001-0x3FFF standard,
// 0x4000-0x7FFF extended.
type ConfigID uint16

// IsStandard reports whether c is in the standard configuration range.
func (c ConfigID) IsStandard() bool { return c >= ConfigIDStandardStart && c <= ConfigIDStandardEnd }

// IsExtended reports whether c is in the extended configuration range.
func (c ConfigID) IsExtended() bool { return c >= ConfigIDExtendedStart && c <= ConfigIDExtendedEnd }

// APDU is one 20601 application protocol data unit: an association APDU or a PRST carrying
// a DataApdu. Choice says which field holds the value; the others are left as they were, so
// an APDU reused for decoding keeps their capacity.
//
// 20601 Annex A and F.5 (MDER CHOICE):
//
//	 0               2               4
//	+---------------+---------------+---------------------------------+
//	| choice (u16)  | length (u16)  | AarqApdu | AareApdu | RlrqApdu   |
//	| 0xE200-0xE700 |               | RlreApdu | AbrtApdu | PrstApdu   |
//	+---------------+---------------+---------------------------------+
//
//	PrstApdu ::= OCTET STRING holding a DataApdu:
//	+---------------+--------------------------------+
//	| length (u16)  | DataApdu                       |
//	+---------------+--------------------------------+
type APDU struct {
	Choice Choice
	AARQ   AARQ     // ChoiceAARQ
	AARE   AARE     // ChoiceAARE
	RLRQ   RLRQ     // ChoiceRLRQ
	RLRE   RLRE     // ChoiceRLRE
	ABRT   ABRT     // ChoiceABRT
	PRST   DataAPDU // ChoicePRST
}

// unmarshalReader is Unmarshal without the one-pass path for fixed scan reports.
func (a *APDU) unmarshalReader(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !a.decode(&r) {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// unmarshalTolerant is Unmarshal that also accepts octets after a complete scan report
// inside an event-info, as some agents send; it returns how many such octets it skipped.
// Everything else is decoded as strictly as by Unmarshal.
func (a *APDU) unmarshalTolerant(b []byte) (n, skipped int, err error) {
	r := mder.NewReader(b)
	r.Lax = true
	if !a.decode(&r) {
		return 0, 0, decodeError(&r)
	}
	return r.Consumed(), r.Skipped, nil
}

func (a *APDU) decode(r *mder.Reader) bool {
	var c uint16
	var end int
	if h, ok := r.Peek(6); ok && h[0] == byte(ChoicePRST>>8) && h[1] == 0 && int(h[2])<<8|int(h[3]) >= 2 {
		// Fast path for the common case: a PRST whose header is all there.
		a.Choice = ChoicePRST
		r.Skip(4)
		if !r.Open(int(h[2])<<8|int(h[3]), &end, "APDU.length") {
			return false
		}
		r.Skip(2)
		var pend int
		return r.Open(int(h[4])<<8|int(h[5]), &pend, "PrstApdu.length") &&
			a.PRST.decode(r) && r.End(pend, "PrstApdu.length") && r.End(end, "APDU.length")
	}
	if !r.U16(&c, "APDU.choice") {
		return false
	}
	a.Choice = Choice(c)
	switch a.Choice {
	case ChoiceAARQ, ChoiceAARE, ChoiceRLRQ, ChoiceRLRE, ChoiceABRT, ChoicePRST:
	default:
		return r.FailAt(r.Offset()-2, "APDU.choice", ErrChoice)
	}
	if !r.Begin(&end, "APDU.length") {
		return false
	}
	var ok bool
	switch a.Choice {
	case ChoiceAARQ:
		ok = a.AARQ.decode(r)
	case ChoiceAARE:
		ok = a.AARE.decode(r)
	case ChoiceRLRQ:
		ok = r.U16((*uint16)(&a.RLRQ.Reason), "RlrqApdu.reason")
	case ChoiceRLRE:
		ok = r.U16((*uint16)(&a.RLRE.Reason), "RlreApdu.reason")
	case ChoiceABRT:
		ok = r.U16((*uint16)(&a.ABRT.Reason), "AbrtApdu.reason")
	case ChoicePRST:
		var pend int
		ok = r.Begin(&pend, "PrstApdu.length") && a.PRST.decode(r) && r.End(pend, "PrstApdu.length")
	}
	return ok && r.End(end, "APDU.length")
}

// AppendBinary appends the MDER encoding of a to b.
func (a *APDU) AppendBinary(b []byte) ([]byte, error) {
	if a.Choice == ChoicePRST {
		if out, ok := a.appendScanFixedPRST(b); ok {
			return out, nil
		}
	}
	return a.appendGeneral(b)
}

// appendGeneral is AppendBinary without the one-pass path for fixed scan reports.
func (a *APDU) appendGeneral(b []byte) ([]byte, error) {
	var err error
	b = mder.AppendU16(b, uint16(a.Choice))
	b, mark := mder.Mark(b)
	switch a.Choice {
	case ChoiceAARQ:
		b, err = a.AARQ.appendTo(b)
	case ChoiceAARE:
		b, err = a.AARE.appendTo(b)
	case ChoiceRLRQ:
		b = mder.AppendU16(b, uint16(a.RLRQ.Reason))
	case ChoiceRLRE:
		b = mder.AppendU16(b, uint16(a.RLRE.Reason))
	case ChoiceABRT:
		b = mder.AppendU16(b, uint16(a.ABRT.Reason))
	case ChoicePRST:
		var pmark int
		b, pmark = mder.Mark(b)
		if b, err = a.PRST.appendTo(b); err == nil {
			b, err = mder.Fill(b, pmark)
		}
	default:
		return b, encodeError("APDU.choice", ErrChoice)
	}
	if err != nil {
		return b, err
	}
	return fillField(b, mark, "APDU.length")
}

// MarshalBinary returns the MDER encoding of a.
func (a *APDU) MarshalBinary() ([]byte, error) { return a.AppendBinary(nil) }

// AARQ is an association request (AarqApdu, 20601 Annex A).
//
//	+------------------------+-----------------------------------------+
//	| assoc-version (BITS-32)| data-proto-list: count, length, DataProto… |
//	+------------------------+-----------------------------------------+
type AARQ struct {
	AssocVersion uint32      // AssocVersion1
	DataProtos   []DataProto // the data protocols the agent offers
}

func (a *AARQ) decode(r *mder.Reader) bool {
	var n, end int
	if !r.U32(&a.AssocVersion, "AarqApdu.assoc-version") ||
		!r.Seq(&n, &end, 4, "AarqApdu.data-proto-list") {
		return false
	}
	a.DataProtos = a.DataProtos[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq("AarqApdu.data-proto-list") {
			return false
		}
		a.DataProtos = mder.Grow(a.DataProtos)
		if !a.DataProtos[i].decode(r) {
			return false
		}
	}
	return r.End(end, "AarqApdu.data-proto-list")
}

func (a *AARQ) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU32(b, a.AssocVersion)
	b, mark, err := mder.MarkSeq(b, len(a.DataProtos))
	if err != nil {
		return b, encodeError("AarqApdu.data-proto-list", err)
	}
	for i := range a.DataProtos {
		if b, err = a.DataProtos[i].appendTo(b); err != nil {
			return b, err
		}
	}
	return fillField(b, mark, "AarqApdu.data-proto-list")
}

// AARE is an association response (AareApdu, 20601 Annex A).
//
//	+------------------+------------------------------------------+
//	| result (INT-U16) | selected-data-proto: DataProto           |
//	+------------------+------------------------------------------+
type AARE struct {
	Result            AssociateResult
	SelectedDataProto DataProto
}

func (a *AARE) decode(r *mder.Reader) bool {
	return r.U16((*uint16)(&a.Result), "AareApdu.result") && a.SelectedDataProto.decode(r)
}

func (a *AARE) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(a.Result))
	return a.SelectedDataProto.appendTo(b)
}

// RLRQ is an association release request (RlrqApdu, 20601 Annex A): one INT-U16 reason.
type RLRQ struct{ Reason ReleaseRequestReason }

// RLRE is an association release response (RlreApdu, 20601 Annex A): one INT-U16 reason.
type RLRE struct{ Reason ReleaseResponseReason }

// ABRT is an association abort (AbrtApdu, 20601 Annex A): one INT-U16 reason.
type ABRT struct{ Reason AbortReason }

// DataProto is one entry of a data protocol list (20601 Annex A). For the 20601 data
// protocol the information is decoded into Assoc; for any other it is kept raw in Info.
//
//	+----------------------+--------------+------------------------------+
//	| data-proto-id (u16)  | length (u16) | data-proto-info (ANY)        |
//	+----------------------+--------------+------------------------------+
type DataProto struct {
	ID DataProtoID
	// Assoc is the data-proto-info when ID is DataProtoID20601.
	Assoc PhdAssociationInformation
	// Info is the data-proto-info for any other ID, aliasing the input; ignored when
	// encoding a DataProtoID20601 entry.
	Info []byte
}

func (d *DataProto) decode(r *mder.Reader) bool {
	if !r.U16((*uint16)(&d.ID), "DataProto.data-proto-id") {
		return false
	}
	if d.ID != DataProtoID20601 {
		d.Info = d.Info[:0]
		return r.Octets(&d.Info, "DataProto.data-proto-info")
	}
	d.Info = nil
	var end int
	return r.Begin(&end, "DataProto.data-proto-info") &&
		d.Assoc.decode(r) && r.End(end, "DataProto.data-proto-info")
}

func (d *DataProto) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU16(b, uint16(d.ID))
	if d.ID != DataProtoID20601 {
		b, err := mder.AppendOctets(b, d.Info)
		if err != nil {
			return b, encodeError("DataProto.data-proto-info", err)
		}
		return b, nil
	}
	b, mark := mder.Mark(b)
	b, err := d.Assoc.appendTo(b)
	if err != nil {
		return b, err
	}
	return fillField(b, mark, "DataProto.data-proto-info")
}

// PhdAssociationInformation is the 20601 data-proto-info (20601 Annex A).
//
//	+-------------------------+-----------------------+-------------------------------+
//	| protocol-version BITS-32| encoding-rules BITS-16| nomenclature-version BITS-32  |
//	+-------------------------+-----------------------+-------------------------------+
//	| functional-units BITS-32| system-type BITS-32   | system-id: length, octets     |
//	+-------------------------+-----------------------+-------------------------------+
//	| dev-config-id u16       | data-req-mode-capab: flags u16, agent u8, manager u8  |
//	+-------------------------+-------------------------------------------------------+
//	| option-list: AttributeList                                                      |
//	+---------------------------------------------------------------------------------+
type PhdAssociationInformation struct {
	ProtocolVersion     uint32 // ProtocolVersion1, 2, 3 bits
	EncodingRules       uint16 // EncodingMDER, EncodingXER, EncodingPER bits
	NomenclatureVersion uint32 // NomenclatureVersion1
	FunctionalUnits     uint32 // FunctionalUnits* bits
	SystemType          uint32 // SystemTypeManager or SystemTypeAgent
	SystemID            []byte // EUI-64 of the system, aliasing the input
	DevConfigID         ConfigID
	DataReqModeCapab    DataReqModeCapab
	OptionList          AttributeList
}

// DataReqModeCapab states the data request modes a system supports (20601 Annex A).
type DataReqModeCapab struct {
	Flags            uint16 // DataReqModeCapab* bits
	InitAgentCount   uint8  // data-req-init-agent-count
	InitManagerCount uint8  // data-req-init-manager-count
}

func (p *PhdAssociationInformation) decode(r *mder.Reader) bool {
	return r.U32(&p.ProtocolVersion, "PhdAssociationInformation.protocol-version") &&
		r.U16(&p.EncodingRules, "PhdAssociationInformation.encoding-rules") &&
		r.U32(&p.NomenclatureVersion, "PhdAssociationInformation.nomenclature-version") &&
		r.U32(&p.FunctionalUnits, "PhdAssociationInformation.functional-units") &&
		r.U32(&p.SystemType, "PhdAssociationInformation.system-type") &&
		r.Octets(&p.SystemID, "PhdAssociationInformation.system-id") &&
		r.U16((*uint16)(&p.DevConfigID), "PhdAssociationInformation.dev-config-id") &&
		r.U16(&p.DataReqModeCapab.Flags, "PhdAssociationInformation.data-req-mode-capab") &&
		r.U8(&p.DataReqModeCapab.InitAgentCount, "PhdAssociationInformation.data-req-mode-capab") &&
		r.U8(&p.DataReqModeCapab.InitManagerCount, "PhdAssociationInformation.data-req-mode-capab") &&
		p.OptionList.decode(r, "PhdAssociationInformation.option-list")
}

func (p *PhdAssociationInformation) appendTo(b []byte) ([]byte, error) {
	b = mder.AppendU32(b, p.ProtocolVersion)
	b = mder.AppendU16(b, p.EncodingRules)
	b = mder.AppendU32(b, p.NomenclatureVersion)
	b = mder.AppendU32(b, p.FunctionalUnits)
	b = mder.AppendU32(b, p.SystemType)
	b, err := mder.AppendOctets(b, p.SystemID)
	if err != nil {
		return b, encodeError("PhdAssociationInformation.system-id", err)
	}
	b = mder.AppendU16(b, uint16(p.DevConfigID))
	b = mder.AppendU16(b, p.DataReqModeCapab.Flags)
	b = append(b, p.DataReqModeCapab.InitAgentCount, p.DataReqModeCapab.InitManagerCount)
	return p.OptionList.appendTo(b, "PhdAssociationInformation.option-list")
}

// AVA is one attribute: its identifier and its value as on the wire (AVA-Type, 20601
// Annex A). Decode Value with the type the attribute identifier names, for example
// SystemModel.Unmarshal for MDCAttrIDModel.
//
//	+--------------------+--------------+------------------------+
//	| attribute-id (OID) | length (u16) | attribute-value (ANY)  |
//	+--------------------+--------------+------------------------+
type AVA struct {
	ID    OID
	Value []byte // aliases the input it was decoded from
}

// AttributeList is a SEQUENCE OF AVA-Type (20601 Annex A).
//
//	+--------------+--------------+-------+-------+-----
//	| count (u16)  | length (u16) | AVA 1 | AVA 2 | …
//	+--------------+--------------+-------+-------+-----
type AttributeList []AVA

// Get returns the value of the first attribute with identifier id.
func (l AttributeList) Get(id OID) ([]byte, bool) {
	for i := range l {
		if l[i].ID == id {
			return l[i].Value, true
		}
	}
	return nil, false
}

// Unmarshal decodes an AttributeList from the start of b, reusing l's capacity, and returns
// the bytes it took. Values alias b. Errors are *DecodeError.
func (l *AttributeList) Unmarshal(b []byte) (int, error) {
	r := mder.NewReader(b)
	if !l.decode(&r, "AttributeList") {
		return 0, decodeError(&r)
	}
	return r.Consumed(), nil
}

// AppendBinary appends the MDER encoding of l to b.
func (l AttributeList) AppendBinary(b []byte) ([]byte, error) {
	return l.appendTo(b, "AttributeList")
}

func (l *AttributeList) decode(r *mder.Reader, field string) bool {
	var n, end int
	if !r.Seq(&n, &end, 4, field) {
		return false
	}
	v := (*l)[:0]
	for i := 0; i < n; i++ {
		if !r.InSeq(field) {
			return false
		}
		v = mder.Grow(v)
		if !r.U16((*uint16)(&v[i].ID), field) || !r.Octets(&v[i].Value, field) {
			*l = v
			return false
		}
	}
	*l = v
	return r.End(end, field)
}

func (l AttributeList) appendTo(b []byte, field string) ([]byte, error) {
	b, mark, err := mder.MarkSeq(b, len(l))
	if err != nil {
		return b, encodeError(field, err)
	}
	for i := range l {
		b = mder.AppendU16(b, uint16(l[i].ID))
		if b, err = mder.AppendOctets(b, l[i].Value); err != nil {
			return b, encodeError(field+".attribute-value", err)
		}
	}
	return fillField(b, mark, field)
}
