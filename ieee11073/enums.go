package ieee11073

import "strconv"

// enumString returns names[v], or typ(v) when v has no name.
func enumString(names []string, v int, typ string) string {
	if v >= 0 && v < len(names) && names[v] != "" {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(v) + ")"
}

// Choice is the tag of an APDU (20601 Annex A: "APDU").
type Choice uint16

// The APDU choices.
const (
	ChoiceAARQ Choice = 0xE200 // association request
	ChoiceAARE Choice = 0xE300 // association response
	ChoiceRLRQ Choice = 0xE400 // association release request
	ChoiceRLRE Choice = 0xE500 // association release response
	ChoiceABRT Choice = 0xE600 // association abort
	ChoicePRST Choice = 0xE700 // presentation APDU carrying a DataApdu
)

var choiceNames = [...]string{"AARQ", "AARE", "RLRQ", "RLRE", "ABRT", "PRST"}

func (c Choice) String() string {
	if c&0xFF == 0 && c >= ChoiceAARQ && c <= ChoicePRST {
		return choiceNames[(c-ChoiceAARQ)>>8]
	}
	return "Choice(0x" + strconv.FormatUint(uint64(c), 16) + ")"
}

// MessageChoice is the tag of the message in a DataApdu (20601 Annex A).
type MessageChoice uint16

// The DataApdu message choices: remote operation invoke (ROIV), result (RORS), error (ROER)
// and reject (RORJ).
const (
	MessageROIVEventReport          MessageChoice = 0x0100 // roiv-cmip-event-report
	MessageROIVConfirmedEventReport MessageChoice = 0x0101 // roiv-cmip-confirmed-event-report
	MessageROIVGet                  MessageChoice = 0x0103 // roiv-cmip-get
	MessageROIVSet                  MessageChoice = 0x0104 // roiv-cmip-set
	MessageROIVConfirmedSet         MessageChoice = 0x0105 // roiv-cmip-confirmed-set
	MessageROIVAction               MessageChoice = 0x0106 // roiv-cmip-action
	MessageROIVConfirmedAction      MessageChoice = 0x0107 // roiv-cmip-confirmed-action
	MessageRORSConfirmedEventReport MessageChoice = 0x0201 // rors-cmip-confirmed-event-report
	MessageRORSGet                  MessageChoice = 0x0203 // rors-cmip-get
	MessageRORSConfirmedSet         MessageChoice = 0x0205 // rors-cmip-confirmed-set
	MessageRORSConfirmedAction      MessageChoice = 0x0207 // rors-cmip-confirmed-action
	MessageROER                     MessageChoice = 0x0300 // roer
	MessageRORJ                     MessageChoice = 0x0400 // rorj
)

// messageIndex maps a MessageChoice to a small index: high byte × 8 + low byte.
func messageIndex(m MessageChoice) int {
	hi, lo := int(m>>8), int(m&0xFF)
	if hi > 4 || lo > 7 || hi*8+lo >= len(messageNames) {
		return -1
	}
	return hi*8 + lo
}

var messageNames = [...]string{
	0x1*8 + 0: "roiv-cmip-event-report",
	0x1*8 + 1: "roiv-cmip-confirmed-event-report",
	0x1*8 + 3: "roiv-cmip-get",
	0x1*8 + 4: "roiv-cmip-set",
	0x1*8 + 5: "roiv-cmip-confirmed-set",
	0x1*8 + 6: "roiv-cmip-action",
	0x1*8 + 7: "roiv-cmip-confirmed-action",
	0x2*8 + 1: "rors-cmip-confirmed-event-report",
	0x2*8 + 3: "rors-cmip-get",
	0x2*8 + 5: "rors-cmip-confirmed-set",
	0x2*8 + 7: "rors-cmip-confirmed-action",
	0x3*8 + 0: "roer",
	0x4*8 + 0: "rorj",
}

func (m MessageChoice) String() string {
	if i := messageIndex(m); i >= 0 && messageNames[i] != "" {
		return messageNames[i]
	}
	return "MessageChoice(0x" + strconv.FormatUint(uint64(m), 16) + ")"
}

// Known reports whether m is a message choice the standard defines.
func (m MessageChoice) Known() bool {
	i := messageIndex(m)
	return i >= 0 && messageNames[i] != ""
}

// IsInvoke reports whether m is a remote operation invoke (ROIV).
func (m MessageChoice) IsInvoke() bool { return m>>8 == 1 && m.Known() }

// IsConfirmed reports whether m is a ROIV that the peer must answer with a RORS, ROER or
// RORJ: a confirmed event report, a GET, a confirmed SET or a confirmed ACTION.
func (m MessageChoice) IsConfirmed() bool {
	switch m {
	case MessageROIVConfirmedEventReport, MessageROIVGet, MessageROIVConfirmedSet, MessageROIVConfirmedAction:
		return true
	}
	return false
}

// DataProtoID identifies the data protocol of an association (20601 Annex A).
type DataProtoID uint16

// The data protocols.
const (
	DataProtoID20601    DataProtoID = 20601 // data-proto-id-20601
	DataProtoIDExternal DataProtoID = 65535 // data-proto-id-external
)

func (d DataProtoID) String() string {
	switch d {
	case DataProtoID20601:
		return "data-proto-id-20601"
	case DataProtoIDExternal:
		return "data-proto-id-external"
	}
	return "DataProtoID(" + strconv.Itoa(int(d)) + ")"
}

// AssociateResult is the result in an AARE (20601 Annex A).
type AssociateResult uint16

// The association results.
const (
	AssociateResultAccepted                        AssociateResult = 0
	AssociateResultRejectedPermanent               AssociateResult = 1
	AssociateResultRejectedTransient               AssociateResult = 2
	AssociateResultAcceptedUnknownConfig           AssociateResult = 3
	AssociateResultRejectedNoCommonProtocol        AssociateResult = 4
	AssociateResultRejectedNoCommonParameter       AssociateResult = 5
	AssociateResultRejectedUnknown                 AssociateResult = 6
	AssociateResultRejectedUnauthorized            AssociateResult = 7
	AssociateResultRejectedUnsupportedAssocVersion AssociateResult = 8
)

var associateResultNames = [...]string{
	"accepted", "rejected-permanent", "rejected-transient", "accepted-unknown-config",
	"rejected-no-common-protocol", "rejected-no-common-parameter", "rejected-unknown",
	"rejected-unauthorized", "rejected-unsupported-assoc-version",
}

func (r AssociateResult) String() string {
	return enumString(associateResultNames[:], int(r), "AssociateResult")
}

// ReleaseRequestReason is the reason in an RLRQ (20601 Annex A).
type ReleaseRequestReason uint16

// The release request reasons.
const (
	ReleaseRequestReasonNormal               ReleaseRequestReason = 0
	ReleaseRequestReasonNoMoreConfigurations ReleaseRequestReason = 1
	ReleaseRequestReasonConfigurationChanged ReleaseRequestReason = 2
)

var releaseRequestReasonNames = [...]string{"normal", "no-more-configurations", "configuration-changed"}

func (r ReleaseRequestReason) String() string {
	return enumString(releaseRequestReasonNames[:], int(r), "ReleaseRequestReason")
}

// ReleaseResponseReason is the reason in an RLRE (20601 Annex A).
type ReleaseResponseReason uint16

// The release response reasons.
const ReleaseResponseReasonNormal ReleaseResponseReason = 0

var releaseResponseReasonNames = [...]string{"normal"}

func (r ReleaseResponseReason) String() string {
	return enumString(releaseResponseReasonNames[:], int(r), "ReleaseResponseReason")
}

// AbortReason is the reason in an ABRT (20601 Annex A).
type AbortReason uint16

// The abort reasons.
const (
	AbortReasonUndefined            AbortReason = 0
	AbortReasonBufferOverflow       AbortReason = 1
	AbortReasonResponseTimeout      AbortReason = 2
	AbortReasonConfigurationTimeout AbortReason = 3
)

var abortReasonNames = [...]string{"undefined", "buffer-overflow", "response-timeout", "configuration-timeout"}

func (r AbortReason) String() string { return enumString(abortReasonNames[:], int(r), "AbortReason") }

// ModifyOperator is the operator of an AttributeModEntry in a SET (20601 Annex A).
type ModifyOperator uint16

// The modify operators.
const (
	ModifyOperatorReplace      ModifyOperator = 0
	ModifyOperatorAddValues    ModifyOperator = 1
	ModifyOperatorRemoveValues ModifyOperator = 2
	ModifyOperatorSetToDefault ModifyOperator = 3
)

var modifyOperatorNames = [...]string{"replace", "addValues", "removeValues", "setToDefault"}

func (o ModifyOperator) String() string {
	return enumString(modifyOperatorNames[:], int(o), "ModifyOperator")
}

// ErrorValue is the error-value of a ROER (20601 Annex A).
type ErrorValue uint16

// The remote operation errors.
const (
	ErrorValueNoSuchObjectInstance  ErrorValue = 1
	ErrorValueAccessDenied          ErrorValue = 2
	ErrorValueNoSuchAction          ErrorValue = 9
	ErrorValueInvalidObjectInstance ErrorValue = 17
	ErrorValueProtocolViolation     ErrorValue = 23
	ErrorValueNotAllowedByObject    ErrorValue = 24
	ErrorValueActionTimedOut        ErrorValue = 25
	ErrorValueActionAborted         ErrorValue = 26
)

var errorValueNames = [...]string{
	1: "no-such-object-instance", 2: "access-denied", 9: "no-such-action",
	17: "invalid-object-instance", 23: "protocol-violation", 24: "not-allowed-by-object",
	25: "action-timed-out", 26: "action-aborted",
}

func (e ErrorValue) String() string { return enumString(errorValueNames[:], int(e), "ErrorValue") }

// RorjProblem is the problem of a RORJ (20601 Annex A).
type RorjProblem uint16

// The reject problems.
const (
	RorjProblemUnrecognizedAPDU      RorjProblem = 0
	RorjProblemBadlyStructuredAPDU   RorjProblem = 2
	RorjProblemUnrecognizedOperation RorjProblem = 101
	RorjProblemResourceLimitation    RorjProblem = 103
	RorjProblemUnexpectedError       RorjProblem = 303
)

var rorjProblemNames = [...]string{
	0: "unrecognized-apdu", 2: "badly-structured-apdu", 101: "unrecognized-operation",
	103: "resource-limitation", 303: "unexpected-error",
}

func (p RorjProblem) String() string { return enumString(rorjProblemNames[:], int(p), "RorjProblem") }

// ConfigResult is the result of a configuration report (20601 Annex A).
type ConfigResult uint16

// The configuration results.
const (
	ConfigResultAccepted              ConfigResult = 0
	ConfigResultUnsupported           ConfigResult = 1
	ConfigResultStandardConfigUnknown ConfigResult = 2
)

var configResultNames = [...]string{"accepted-config", "unsupported-config", "standard-config-unknown"}

func (r ConfigResult) String() string {
	return enumString(configResultNames[:], int(r), "ConfigResult")
}

// DataReqResult is the result of a data request (20601 Annex A).
type DataReqResult uint16

// The data request results.
const (
	DataReqResultNoError                  DataReqResult = 0
	DataReqResultUnspecificError          DataReqResult = 1
	DataReqResultNoStopSupport            DataReqResult = 2
	DataReqResultNoScopeAllSupport        DataReqResult = 3
	DataReqResultNoScopeClassSupport      DataReqResult = 4
	DataReqResultNoScopeHandleSupport     DataReqResult = 5
	DataReqResultNoModeSingleRspSupport   DataReqResult = 6
	DataReqResultNoModeTimePeriodSupport  DataReqResult = 7
	DataReqResultNoModeTimeNoLimitSupport DataReqResult = 8
	DataReqResultNoPersonIDSupport        DataReqResult = 9
	DataReqResultUnknownPersonID          DataReqResult = 11
	DataReqResultUnknownClass             DataReqResult = 12
	DataReqResultUnknownHandle            DataReqResult = 13
	DataReqResultUnsupportedScope         DataReqResult = 14
	DataReqResultUnsupportedMode          DataReqResult = 15
	DataReqResultInitManagerOverflow      DataReqResult = 16
	DataReqResultContinuationNotSupported DataReqResult = 17
	DataReqResultInvalidReqID             DataReqResult = 18
)

var dataReqResultNames = [...]string{
	"data-req-result-no-error", "data-req-result-unspecific-error",
	"data-req-result-no-stop-support", "data-req-result-no-scope-all-support",
	"data-req-result-no-scope-class-support", "data-req-result-no-scope-handle-support",
	"data-req-result-no-mode-single-rsp-support", "data-req-result-no-mode-time-period-support",
	"data-req-result-no-mode-time-no-limit-support", "data-req-result-no-person-id-support",
	"", "data-req-result-unknown-person-id", "data-req-result-unknown-class",
	"data-req-result-unknown-handle", "data-req-result-unsupp-scope",
	"data-req-result-unsupp-mode", "data-req-result-init-manager-overflow",
	"data-req-result-continuation-not-supported", "data-req-result-invalid-req-id",
}

func (r DataReqResult) String() string {
	return enumString(dataReqResultNames[:], int(r), "DataReqResult")
}

// TrigSegmXferRsp is the answer to a trigger-segment-data-transfer action (20601
// Annex A).
type TrigSegmXferRsp uint16

// The trigger-segment-data-transfer responses.
const (
	TrigSegmXferRspSuccessful        TrigSegmXferRsp = 0
	TrigSegmXferRspFailNoSuchSegment TrigSegmXferRsp = 1
	TrigSegmXferRspFailSegmTryLater  TrigSegmXferRsp = 2
	TrigSegmXferRspFailSegmEmpty     TrigSegmXferRsp = 3
	TrigSegmXferRspFailOther         TrigSegmXferRsp = 512
)

var trigSegmXferRspNames = [...]string{
	0: "tsxr-successful", 1: "tsxr-fail-no-such-segment", 2: "tsxr-fail-segm-try-later",
	3: "tsxr-fail-segm-empty", 512: "tsxr-fail-other",
}

func (r TrigSegmXferRsp) String() string {
	return enumString(trigSegmXferRspNames[:], int(r), "TrigSegmXferRsp")
}

// Bits of the PhdAssociationInformation fields (20601 Annex A).
const (
	ProtocolVersion1 uint32 = 0x80000000 // protocol-version1
	ProtocolVersion2 uint32 = 0x40000000 // protocol-version2
	ProtocolVersion3 uint32 = 0x20000000 // protocol-version3

	AssocVersion1 uint32 = 0x80000000 // assoc-version1

	NomenclatureVersion1 uint32 = 0x80000000 // nom-version1

	EncodingMDER uint16 = 0x8000 // mder
	EncodingXER  uint16 = 0x4000 // xer
	EncodingPER  uint16 = 0x2000 // per

	FunctionalUnitsUnidirectional   uint32 = 0x80000000 // fun-units-unidirectional
	FunctionalUnitsHaveTestCap      uint32 = 0x40000000 // fun-units-havetestcap
	FunctionalUnitsCreateTestAssoc  uint32 = 0x20000000 // fun-units-createtestassoc
	SystemTypeManager               uint32 = 0x80000000 // sys-type-manager
	SystemTypeAgent                 uint32 = 0x00800000 // sys-type-agent
	DataReqModeCapabInitAgent       uint16 = 0x0001     // data-req-supp-init-agent
	DataReqModeCapabScopeAll        uint16 = 0x0800     // data-req-supp-scope-all
	DataReqModeCapabModeSingleRsp   uint16 = 0x0080     // data-req-supp-mode-single-rsp
	DataReqModeCapabModeTimePeriod  uint16 = 0x0040     // data-req-supp-mode-time-period
	DataReqModeCapabModeTimeNoLimit uint16 = 0x0020     // data-req-supp-mode-time-no-limit
	DataReqModeCapabPersonID        uint16 = 0x0010     // data-req-supp-person-id
	DataReqModeCapabStop            uint16 = 0x8000     // data-req-supp-stop
)

// Configuration identifier ranges (20601 Annex A: ConfigId).
const (
	ConfigIDManagerResponse ConfigID = 0x0000 // manager-config-response
	ConfigIDStandardStart   ConfigID = 0x0001 // standard-config-start
	ConfigIDStandardEnd     ConfigID = 0x3FFF // standard-config-end
	ConfigIDExtendedStart   ConfigID = 0x4000 // extended-config-start
	ConfigIDExtendedEnd     ConfigID = 0x7FFF // extended-config-end
)

// Data request identifiers (DataReqId): the agent-initiated one used by scan reports.
const DataReqIDAgentInitiated uint16 = 0xF000
