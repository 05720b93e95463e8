package omadm

import "errors"

// StatusCode is a SyncML status code or alert code (OMA-TS-DM_Protocol-V1_2 section 10,
// OMA-TS-SyncML_RepPro-V1_2 appendix). Status commands carry it in Data as decimal text.
type StatusCode uint16

// Status codes of the SyncML DM 1.2 protocol.
const (
	StatusInProgress             StatusCode = 101
	StatusOK                     StatusCode = 200
	StatusAccepted               StatusCode = 202 // accepted for processing
	StatusAuthAccepted           StatusCode = 212
	StatusChunkAccepted          StatusCode = 213 // chunked item accepted and buffered
	StatusOperationCancelled     StatusCode = 214
	StatusNotExecuted            StatusCode = 215
	StatusAtomicRollbackOK       StatusCode = 216
	StatusMultipleChoices        StatusCode = 300
	StatusMovedPermanently       StatusCode = 301
	StatusFound                  StatusCode = 302
	StatusSeeOther               StatusCode = 303
	StatusNotModified            StatusCode = 304
	StatusUseProxy               StatusCode = 305
	StatusBadRequest             StatusCode = 400
	StatusInvalidCredentials     StatusCode = 401
	StatusPaymentNeeded          StatusCode = 402
	StatusForbidden              StatusCode = 403
	StatusNotFound               StatusCode = 404
	StatusCommandNotAllowed      StatusCode = 405
	StatusOptionalNotSupported   StatusCode = 406
	StatusMissingCredentials     StatusCode = 407
	StatusRequestTimeout         StatusCode = 408
	StatusConflict               StatusCode = 409
	StatusGone                   StatusCode = 410
	StatusSizeRequired           StatusCode = 411
	StatusIncompleteCommand      StatusCode = 412
	StatusRequestEntityTooLarge  StatusCode = 413
	StatusURITooLong             StatusCode = 414
	StatusUnsupportedMediaType   StatusCode = 415
	StatusRequestedSizeTooBig    StatusCode = 416
	StatusRetryLater             StatusCode = 417
	StatusAlreadyExists          StatusCode = 418
	StatusDeviceFull             StatusCode = 420
	StatusUnknownSearchGrammar   StatusCode = 421
	StatusSizeMismatch           StatusCode = 424
	StatusPermissionDenied       StatusCode = 425
	StatusCommandFailed          StatusCode = 500
	StatusNotImplemented         StatusCode = 501
	StatusBadGateway             StatusCode = 502
	StatusServiceUnavailable     StatusCode = 503
	StatusGatewayTimeout         StatusCode = 504
	StatusDTDVersionNotSupported StatusCode = 505
	StatusProcessingError        StatusCode = 506
	StatusAtomicFailed           StatusCode = 507
	StatusProtocolNotSupported   StatusCode = 513
	StatusAtomicRollbackFailed   StatusCode = 516
	StatusAtomicResponseTooLarge StatusCode = 517
	AlertDisplay                 StatusCode = 1100
	AlertContinueOrAbort         StatusCode = 1101
	AlertTextInput               StatusCode = 1102
	AlertSingleChoice            StatusCode = 1103
	AlertMultipleChoice          StatusCode = 1104
	AlertServerInitiated         StatusCode = 1200 // server-initiated management session
	AlertClientInitiated         StatusCode = 1201 // client-initiated management session
	AlertNextMessage             StatusCode = 1222 // more messages of this package, please
	AlertSessionAbort            StatusCode = 1223
	AlertClientEvent             StatusCode = 1224
	AlertNoEndOfData             StatusCode = 1225 // the last chunk of a large object never came
	AlertGeneric                 StatusCode = 1226 // generic alert with Correlator and typed items
)

var statusNames = [...]string{
	StatusInProgress:             "In progress",
	StatusOK:                     "OK",
	StatusAccepted:               "Accepted for processing",
	StatusAuthAccepted:           "Authentication accepted",
	StatusChunkAccepted:          "Chunked item accepted and buffered",
	StatusOperationCancelled:     "Operation cancelled",
	StatusNotExecuted:            "Not executed",
	StatusAtomicRollbackOK:       "Atomic roll back OK",
	StatusMultipleChoices:        "Multiple choices",
	StatusMovedPermanently:       "Moved permanently",
	StatusFound:                  "Found",
	StatusSeeOther:               "See other",
	StatusNotModified:            "Not modified",
	StatusUseProxy:               "Use proxy",
	StatusBadRequest:             "Bad request",
	StatusInvalidCredentials:     "Invalid credentials",
	StatusPaymentNeeded:          "Payment needed",
	StatusForbidden:              "Forbidden",
	StatusNotFound:               "Not found",
	StatusCommandNotAllowed:      "Command not allowed",
	StatusOptionalNotSupported:   "Optional feature not supported",
	StatusMissingCredentials:     "Missing credentials",
	StatusRequestTimeout:         "Request timeout",
	StatusConflict:               "Conflict",
	StatusGone:                   "Gone",
	StatusSizeRequired:           "Size required",
	StatusIncompleteCommand:      "Incomplete command",
	StatusRequestEntityTooLarge:  "Request entity too large",
	StatusURITooLong:             "URI too long",
	StatusUnsupportedMediaType:   "Unsupported media type or format",
	StatusRequestedSizeTooBig:    "Requested size too big",
	StatusRetryLater:             "Retry later",
	StatusAlreadyExists:          "Already exists",
	StatusDeviceFull:             "Device full",
	StatusUnknownSearchGrammar:   "Unknown search grammar",
	StatusSizeMismatch:           "Size mismatch",
	StatusPermissionDenied:       "Permission denied",
	StatusCommandFailed:          "Command failed",
	StatusNotImplemented:         "Command not implemented",
	StatusBadGateway:             "Bad gateway",
	StatusServiceUnavailable:     "Service unavailable",
	StatusGatewayTimeout:         "Gateway timeout",
	StatusDTDVersionNotSupported: "DTD version not supported",
	StatusProcessingError:        "Processing error",
	StatusAtomicFailed:           "Atomic failed",
	StatusProtocolNotSupported:   "Protocol version not supported",
	StatusAtomicRollbackFailed:   "Atomic roll back failed",
	StatusAtomicResponseTooLarge: "Atomic response too large to fit",
	AlertDisplay:                 "Display",
	AlertContinueOrAbort:         "Continue or abort",
	AlertTextInput:               "Text input",
	AlertSingleChoice:            "Single choice",
	AlertMultipleChoice:          "Multiple choice",
	AlertServerInitiated:         "Server-initiated management session",
	AlertClientInitiated:         "Client-initiated management session",
	AlertNextMessage:             "Next message",
	AlertSessionAbort:            "Session abort",
	AlertClientEvent:             "Client event",
	AlertNoEndOfData:             "No end of data",
	AlertGeneric:                 "Generic alert",
}

// String returns the name the specification gives the code, or "StatusCode(n)".
func (c StatusCode) String() string {
	if int(c) < len(statusNames) && statusNames[c] != "" {
		return statusNames[c]
	}
	return "StatusCode(" + itoa(int64(c)) + ")"
}

// Code returns the code as the decimal text carried in a Status or Alert Data element.
func (c StatusCode) Code() string { return itoa(int64(c)) }

// Success reports whether c is a 2xx code.
func (c StatusCode) Success() bool { return c >= 200 && c < 300 }

// StatusError is an error that maps to a SyncML Status: a command that fails with a
// StatusError is answered with Code. Err, when set, says why; it never carries secrets.
type StatusError struct {
	Code StatusCode
	Err  error
}

// Error describes the status.
func (e *StatusError) Error() string {
	s := "omadm: status " + e.Code.Code() + " (" + e.Code.String() + ")"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e *StatusError) Unwrap() error { return e.Err }

// StatusOf returns the status code a command failing with err is answered with: 200 for
// nil, the Code of a StatusError found by errors.As, and 500 otherwise.
func StatusOf(err error) StatusCode {
	if err == nil {
		return StatusOK
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return StatusCommandFailed
}
