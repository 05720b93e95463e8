package gatt

import "encoding/binary"

// Record Access Control Point (0x2A52), GATT Specification Supplement §3.188, as the Glucose
// Service uses it to have a device report its stored records:
//
//	| op code u8 | operator u8 | operand (0..n octets) |
//
// A "report stored records" request with operator "all records" makes the device notify every
// stored Glucose Measurement, then indicate a response code on this characteristic.

// RACPOpCode is a Record Access Control Point op code.
type RACPOpCode uint8

// The op codes.
const (
	RACPReportStoredRecords   RACPOpCode = 1
	RACPDeleteStoredRecords   RACPOpCode = 2
	RACPAbort                 RACPOpCode = 3
	RACPReportNumberOfRecords RACPOpCode = 4
	RACPNumberOfRecords       RACPOpCode = 5 // response: operand u16
	RACPResponseCode          RACPOpCode = 6 // response: operand request op code, response value
)

// RACPOperator is a Record Access Control Point operator.
type RACPOperator uint8

// The operators.
const (
	RACPNull         RACPOperator = 0
	RACPAllRecords   RACPOperator = 1
	RACPLessOrEqual  RACPOperator = 2
	RACPGreaterEqual RACPOperator = 3
	RACPWithinRange  RACPOperator = 4
	RACPFirstRecord  RACPOperator = 5
	RACPLastRecord   RACPOperator = 6
)

// RACPFilterSequence is the filter type that selects records by sequence number.
const RACPFilterSequence = 1

// RACPResult is the response code value of a RACPResponseCode indication.
type RACPResult uint8

// The response code values.
const (
	RACPSuccess             RACPResult = 1
	RACPOpCodeNotSupported  RACPResult = 2
	RACPInvalidOperator     RACPResult = 3
	RACPOperatorUnsupported RACPResult = 4
	RACPInvalidOperand      RACPResult = 5
	RACPNoRecords           RACPResult = 6
	RACPAbortUnsuccessful   RACPResult = 7
	RACPNotCompleted        RACPResult = 8
	RACPOperandUnsupported  RACPResult = 9
)

var racpResultNames = [...]string{"", "success", "op_code_not_supported", "invalid_operator",
	"operator_not_supported", "invalid_operand", "no_records_found", "abort_unsuccessful",
	"procedure_not_completed", "operand_not_supported"}

func (r RACPResult) String() string {
	if r >= 1 && int(r) < len(racpResultNames) {
		return racpResultNames[r]
	}
	return "reserved"
}

// RACP is one Record Access Control Point value, request or response. Operand aliases the
// decoded input.
type RACP struct {
	Op       RACPOpCode
	Operator RACPOperator
	Operand  []byte
}

// ReportAllRecords returns the request that asks for every stored record.
func ReportAllRecords() RACP { return RACP{Op: RACPReportStoredRecords, Operator: RACPAllRecords} }

// ReportRecordsFrom returns the request for the records whose sequence number is at least seq.
func ReportRecordsFrom(seq uint16) RACP {
	return RACP{Op: RACPReportStoredRecords, Operator: RACPGreaterEqual,
		Operand: binary.LittleEndian.AppendUint16([]byte{RACPFilterSequence}, seq)}
}

// Unmarshal decodes a RACP value into m; Operand aliases b. Response values are checked
// for their fixed operand sizes.
func (m *RACP) Unmarshal(b []byte) (int, error) {
	r := reader{b: b, uuid: RecordAccessControlPoint}
	m.Op = RACPOpCode(r.u8("op_code"))
	m.Operator = RACPOperator(r.u8("operator"))
	m.Operand = nil
	if r.err == nil {
		m.Operand = b[r.off:len(b):len(b)]
		switch m.Op {
		case RACPResponseCode:
			r.take(2, "operand")
		case RACPNumberOfRecords:
			r.take(2, "operand")
		default:
			r.off = len(b)
		}
		if r.err == nil && m.Op >= RACPNumberOfRecords && m.Operator != RACPNull {
			r.fail("operator", ErrValue)
		}
		if r.err == nil && (m.Op == 0 || m.Op > RACPResponseCode) {
			r.fail("op_code", ErrValue)
		}
	}
	return r.done()
}

// AppendBinary appends the value.
func (m *RACP) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, byte(m.Op), byte(m.Operator))
	return append(b, m.Operand...), nil
}

// Response returns the request op code and result of a RACPResponseCode value; ok is false
// for any other value.
func (m *RACP) Response() (req RACPOpCode, res RACPResult, ok bool) {
	if m.Op != RACPResponseCode || len(m.Operand) != 2 {
		return 0, 0, false
	}
	return RACPOpCode(m.Operand[0]), RACPResult(m.Operand[1]), true
}

// NumberOfRecords returns the count of a RACPNumberOfRecords value.
func (m *RACP) NumberOfRecords() (uint16, bool) {
	if m.Op != RACPNumberOfRecords || len(m.Operand) != 2 {
		return 0, false
	}
	return binary.LittleEndian.Uint16(m.Operand), true
}
