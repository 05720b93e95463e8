package ieee11073

import (
	"errors"
	"fmt"
	"time"
)

// Role is the side of a 20601 association: the agent (the device) or the manager.
type Role uint8

const (
	RoleAgent   Role = iota // the personal health device
	RoleManager             // the collector (gateway, phone, server)
)

var roleNames = [...]string{RoleAgent: "agent", RoleManager: "manager"}

// String returns "agent" or "manager".
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// State is the association state of one end of a 20601 link, as in the state machines of
// IEEE 11073-20601 clause 8 and the state tables of its Annex E. The Configuring state of the
// standard has sub-states, which are states of their own here.
//
// Legal transitions (see Next for the events that cause them):
//
//	Disconnected    → Unassociated (transport connected)
//	Unassociated    → Associating (agent sends AARQ), Operating or WaitingConfig (manager
//	                  accepts an AARQ), Disconnected
//	Associating     → Operating, ConfigSending, Unassociated, Disconnected   (agent only)
//	ConfigSending   → WaitingApproval, Disassociating, Unassociated, Disconnected (agent)
//	WaitingApproval → Operating, ConfigSending, Disassociating, Unassociated,
//	                  Disconnected (agent)
//	WaitingConfig   → CheckingConfig, Disassociating, Unassociated, Disconnected (manager)
//	CheckingConfig  → Operating, WaitingConfig, Disassociating, Unassociated,
//	                  Disconnected (manager)
//	Operating       → Disassociating, Unassociated, Disconnected
//	Disassociating  → Unassociated, Disconnected
//
// Every state but Disconnected goes to Unassociated on an abort (sent or received) and to
// Disconnected when the transport goes away.
type State uint8

const (
	StateDisconnected    State = iota // no transport connection
	StateUnassociated                 // connected, no association
	StateAssociating                  // agent: AARQ sent, waiting for the AARE
	StateConfigSending                // agent: Configuring, Sending config
	StateWaitingApproval              // agent: Configuring, Waiting approval (config report sent)
	StateWaitingConfig                // manager: Configuring, Waiting for config
	StateCheckingConfig               // manager: Configuring, Checking config
	StateOperating                    // associated and configured: measurements flow
	StateDisassociating               // RLRQ sent, waiting for the RLRE
	numStates
)

var stateNames = [...]string{
	StateDisconnected:    "Disconnected",
	StateUnassociated:    "Unassociated",
	StateAssociating:     "Associating",
	StateConfigSending:   "ConfigSending",
	StateWaitingApproval: "WaitingApproval",
	StateWaitingConfig:   "WaitingConfig",
	StateCheckingConfig:  "CheckingConfig",
	StateOperating:       "Operating",
	StateDisassociating:  "Disassociating",
}

// String returns the state's name, e.g. "Operating".
func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Associated reports whether s is a state in which an association exists (Associating
// excluded): the Configuring sub-states, Operating and Disassociating.
func (s State) Associated() bool {
	switch s {
	case StateConfigSending, StateWaitingApproval, StateWaitingConfig, StateCheckingConfig,
		StateOperating, StateDisassociating:
		return true
	}
	return false
}

// Event is an input to the association state machine: a transport indication, a timer, a
// local request, or a received APDU classified the way the standard's state tables classify
// it. The column of the 20601 state tables each event stands for is given in brackets.
type Event uint8

const (
	EventTransportConnect    Event = iota // transport connected
	EventTransportDisconnect              // transport disconnected

	EventAssociationTimeout   // TO_assoc expired (agent, Associating)
	EventConfigurationTimeout // TO_config expired (agent WaitingApproval, manager WaitingConfig)
	EventResponseTimeout      // no response to a confirmed request (event report, GET, SET, ACTION)
	EventReleaseTimeout       // TO_release expired (Disassociating)

	EventReqAssociate   // local request: associate (agent)
	EventReqRelease     // local request: release the association
	EventReqAbort       // local request: abort the association
	EventReqSendConfig  // local request: send the configuration report (agent)
	EventReqSendReport  // local request: send an event report (agent)
	EventConfigAccepted // the manager's application accepts the agent's configuration
	EventConfigRejected // the manager's application does not support the configuration

	EventRxAARQ             // AARQ received (agent; manager outside Unassociated)
	EventRxAARQKnown        // AARQ acceptable, configuration known (manager)
	EventRxAARQUnknown      // AARQ acceptable, configuration unknown (manager)
	EventRxAARQUnacceptable // AARQ not acceptable (manager)

	EventRxAARE                // AARE received outside Associating
	EventRxAAREAccepted        // AARE accepted, known configuration (agent, Associating)
	EventRxAAREAcceptedUnknown // AARE accepted-unknown-config (agent, Associating)
	EventRxAARERejected        // AARE rejected (agent, Associating)

	EventRxRLRQ // RLRQ received
	EventRxRLRE // RLRE received
	EventRxABRT // ABRT received

	EventRxEventReport          // roiv-cmip-event-report (unconfirmed)
	EventRxConfirmedEventReport // roiv-cmip-confirmed-event-report
	EventRxGet                  // roiv-cmip-get
	EventRxOtherInvoke          // roiv-cmip-set, confirmed-set, action, confirmed-action

	EventRxRORS                  // rors-* answering an outstanding request
	EventRxRORSConfigAccepted    // config report response: accepted-config (agent)
	EventRxRORSConfigUnsupported // config report response: unsupported-config (agent)
	EventRxROER                  // roer received
	EventRxRORJ                  // rorj received
	numEvents
)

var eventNames = [...]string{
	EventTransportConnect:        "TransportConnect",
	EventTransportDisconnect:     "TransportDisconnect",
	EventAssociationTimeout:      "AssociationTimeout",
	EventConfigurationTimeout:    "ConfigurationTimeout",
	EventResponseTimeout:         "ResponseTimeout",
	EventReleaseTimeout:          "ReleaseTimeout",
	EventReqAssociate:            "ReqAssociate",
	EventReqRelease:              "ReqRelease",
	EventReqAbort:                "ReqAbort",
	EventReqSendConfig:           "ReqSendConfig",
	EventReqSendReport:           "ReqSendReport",
	EventConfigAccepted:          "ConfigAccepted",
	EventConfigRejected:          "ConfigRejected",
	EventRxAARQ:                  "RxAARQ",
	EventRxAARQKnown:             "RxAARQKnown",
	EventRxAARQUnknown:           "RxAARQUnknown",
	EventRxAARQUnacceptable:      "RxAARQUnacceptable",
	EventRxAARE:                  "RxAARE",
	EventRxAAREAccepted:          "RxAAREAccepted",
	EventRxAAREAcceptedUnknown:   "RxAAREAcceptedUnknown",
	EventRxAARERejected:          "RxAARERejected",
	EventRxRLRQ:                  "RxRLRQ",
	EventRxRLRE:                  "RxRLRE",
	EventRxABRT:                  "RxABRT",
	EventRxEventReport:           "RxEventReport",
	EventRxConfirmedEventReport:  "RxConfirmedEventReport",
	EventRxGet:                   "RxGet",
	EventRxOtherInvoke:           "RxOtherInvoke",
	EventRxRORS:                  "RxRORS",
	EventRxRORSConfigAccepted:    "RxRORSConfigAccepted",
	EventRxRORSConfigUnsupported: "RxRORSConfigUnsupported",
	EventRxROER:                  "RxROER",
	EventRxRORJ:                  "RxRORJ",
}

// String returns the event's name, e.g. "RxAARQ".
func (e Event) String() string {
	if e < numEvents {
		return eventNames[e]
	}
	return fmt.Sprintf("Event(%d)", uint8(e))
}

// Timeout reports whether e is the expiry of a timer.
func (e Event) Timeout() bool {
	return e >= EventAssociationTimeout && e <= EventReleaseTimeout
}

// Effect is what a transition asks its engine to do: the APDU to send or the work to hand to
// the application. A transition has at most one effect.
type Effect uint8

const (
	EffectNone                    Effect = iota // nothing to send
	EffectSendAARQ                              // send the association request (agent)
	EffectSendAAREAccepted                      // answer AARQ: accepted (manager)
	EffectSendAAREAcceptedUnknown               // answer AARQ: accepted-unknown-config (manager)
	EffectSendAARERejected                      // answer AARQ: rejected
	EffectSendRLRQ                              // send a release request
	EffectSendRLRE                              // answer a release request
	EffectSendABRT                              // send an abort
	EffectSendROER                              // answer the invocation with a remote operation error
	EffectSendRORJ                              // reject the invocation (unrecognized operation)
	EffectSendConfig                            // send the configuration report (agent)
	EffectCheckConfig                           // check the received configuration report (manager)
	EffectSendConfigAccepted                    // answer the config report: accepted-config
	EffectSendConfigUnsupported                 // answer the config report: unsupported-config
	EffectAnswerGet                             // answer the GET with the MDS attributes (agent)
	EffectSendReport                            // send the event report (agent)
	EffectHandleReport                          // process the event report; answer it if confirmed
	EffectHandleResponse                        // complete the outstanding request it answers
	numEffects
)

var effectNames = [...]string{
	EffectNone:                    "None",
	EffectSendAARQ:                "SendAARQ",
	EffectSendAAREAccepted:        "SendAAREAccepted",
	EffectSendAAREAcceptedUnknown: "SendAAREAcceptedUnknown",
	EffectSendAARERejected:        "SendAARERejected",
	EffectSendRLRQ:                "SendRLRQ",
	EffectSendRLRE:                "SendRLRE",
	EffectSendABRT:                "SendABRT",
	EffectSendROER:                "SendROER",
	EffectSendRORJ:                "SendRORJ",
	EffectSendConfig:              "SendConfig",
	EffectCheckConfig:             "CheckConfig",
	EffectSendConfigAccepted:      "SendConfigAccepted",
	EffectSendConfigUnsupported:   "SendConfigUnsupported",
	EffectAnswerGet:               "AnswerGet",
	EffectSendReport:              "SendReport",
	EffectHandleReport:            "HandleReport",
	EffectHandleResponse:          "HandleResponse",
}

// String returns the effect's name, e.g. "SendABRT".
func (e Effect) String() string {
	if e < numEffects {
		return effectNames[e]
	}
	return fmt.Sprintf("Effect(%d)", uint8(e))
}

// ErrUnexpectedEvent means an event has no transition in the current state: a local request
// made in the wrong state, or an event the role never receives. Next wraps it in a
// *TransitionError.
var ErrUnexpectedEvent = errors.New("ieee11073: event not allowed in this state")

// TransitionError reports an event that has no transition in the state table.
type TransitionError struct {
	Role  Role
	State State
	Event Event
}

// Error describes the event and the state it was not allowed in.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("ieee11073: %v state machine: event %v not allowed in state %v",
		e.Role, e.Event, e.State)
}

// Unwrap returns ErrUnexpectedEvent.
func (e *TransitionError) Unwrap() error { return ErrUnexpectedEvent }

// transition is one cell of a state table.
type transition struct {
	next   State
	effect Effect
	ok     bool
}

type stateTable [numStates][numEvents]transition

// Next is the association state machine of IEEE 11073-20601 (clause 8, state tables of
// Annex E): given the current state of the role's end of a link and an event, it returns the
// next state and the effect to carry out. It does no I/O and keeps no state, so that one
// goroutine per association can own the state and the tables can be tested on their own.
//
// An event without a transition in state (a local request in the wrong state, an event the
// role never receives, an out-of-range value) returns state unchanged, EffectNone and a
// *TransitionError wrapping ErrUnexpectedEvent. Every APDU a peer can send has a
// transition in every connected state: unexpected ones abort or reject.
func Next(role Role, state State, ev Event) (State, Effect, error) {
	var t transition
	if state < numStates && ev < numEvents {
		switch role {
		case RoleAgent:
			t = agentTable[state][ev]
		case RoleManager:
			t = managerTable[state][ev]
		}
	}
	if !t.ok {
		return state, EffectNone, &TransitionError{Role: role, State: state, Event: ev}
	}
	return t.next, t.effect, nil
}

// Timer names the timers of 20601. The engine arms the timer of a state on entering it
// (StateTimer) and the response timer while a confirmed request is outstanding; a timer that
// expires is an event (Timer.Event).
type Timer uint8

const (
	TimerNone          Timer = iota // no timer
	TimerAssociation                // TO_assoc: AARQ sent, no AARE
	TimerConfiguration              // TO_config: configuration not completed
	TimerResponse                   // confirmed event report, GET, SET or ACTION unanswered
	TimerRelease                    // TO_release: RLRQ sent, no RLRE
	numTimers
)

var timerNames = [...]string{
	TimerNone:          "None",
	TimerAssociation:   "Association",
	TimerConfiguration: "Configuration",
	TimerResponse:      "Response",
	TimerRelease:       "Release",
}

// String returns the timer's name, e.g. "Association".
func (t Timer) String() string {
	if t < numTimers {
		return timerNames[t]
	}
	return fmt.Sprintf("Timer(%d)", uint8(t))
}

// DefaultTimeout is the standard's default duration of t: 10 s for association and
// configuration, 3 s for a confirmed response and for release; 0 for TimerNone.
func (t Timer) DefaultTimeout() time.Duration {
	switch t {
	case TimerAssociation, TimerConfiguration:
		return 10 * time.Second
	case TimerResponse, TimerRelease:
		return 3 * time.Second
	}
	return 0
}

// defaultTimeout sets *d to t's default timeout when it is zero.
func defaultTimeout(d *time.Duration, t Timer) {
	if *d == 0 {
		*d = t.DefaultTimeout()
	}
}

// Event is the event the expiry of t feeds to Next.
func (t Timer) Event() Event {
	switch t {
	case TimerAssociation:
		return EventAssociationTimeout
	case TimerConfiguration:
		return EventConfigurationTimeout
	case TimerResponse:
		return EventResponseTimeout
	case TimerRelease:
		return EventReleaseTimeout
	}
	return numEvents
}

// StateTimer is the timer that runs while role stays in state: association in the agent's
// Associating, configuration in the agent's WaitingApproval and the manager's
// WaitingConfig, release in Disassociating. Other states run no state timer (the response
// timer runs per outstanding request).
func StateTimer(role Role, state State) Timer {
	switch state {
	case StateAssociating:
		if role == RoleAgent {
			return TimerAssociation
		}
	case StateWaitingApproval:
		if role == RoleAgent {
			return TimerConfiguration
		}
	case StateWaitingConfig:
		if role == RoleManager {
			return TimerConfiguration
		}
	case StateDisassociating:
		return TimerRelease
	}
	return TimerNone
}

// Row helpers for the tables below.
func to(s State, e Effect) transition { return transition{next: s, effect: e, ok: true} }

var (
	timeoutEvents  = [...]Event{EventAssociationTimeout, EventConfigurationTimeout, EventResponseTimeout, EventReleaseTimeout}
	aarqEvents     = [...]Event{EventRxAARQ, EventRxAARQKnown, EventRxAARQUnknown, EventRxAARQUnacceptable}
	aareEvents     = [...]Event{EventRxAARE, EventRxAAREAccepted, EventRxAAREAcceptedUnknown, EventRxAARERejected}
	invokeEvents   = [...]Event{EventRxEventReport, EventRxConfirmedEventReport, EventRxGet, EventRxOtherInvoke}
	responseEvents = [...]Event{EventRxRORS, EventRxRORSConfigAccepted, EventRxRORSConfigUnsupported, EventRxROER, EventRxRORJ}
)

// The tables are built once, at package initialization, and never written afterwards.
var (
	agentTable   = buildAgentTable()
	managerTable = buildManagerTable()
)

// connected fills the rows every connected state shares: transport loss, any timer, an
// abort request, AARQ and AARE out of place, RLRE out of place and a received ABRT (rows
// x.2, x.4, x.7, x.8–x.15, x.17, x.18 of the 20601 state tables).
func connected(t *stateTable, s State) {
	t[s][EventTransportDisconnect] = to(StateDisconnected, EffectNone)
	for _, e := range timeoutEvents {
		t[s][e] = to(StateUnassociated, EffectSendABRT)
	}
	t[s][EventReqAbort] = to(StateUnassociated, EffectSendABRT)
	for _, e := range aarqEvents {
		t[s][e] = to(StateUnassociated, EffectSendABRT)
	}
	for _, e := range aareEvents {
		t[s][e] = to(StateUnassociated, EffectSendABRT)
	}
	t[s][EventRxRLRQ] = to(StateUnassociated, EffectSendRLRE)
	t[s][EventRxRLRE] = to(StateUnassociated, EffectSendABRT)
	t[s][EventRxABRT] = to(StateUnassociated, EffectNone)
}

// unassociated fills row 2 (Unassociated) for both roles, except AARQ handling.
func unassociated(t *stateTable) {
	s := StateUnassociated
	t[s][EventTransportDisconnect] = to(StateDisconnected, EffectNone) // 2.2
	t[s][EventReqRelease] = to(s, EffectNone)                          // 2.6
	t[s][EventReqAbort] = to(s, EffectNone)                            // 2.7
	for _, e := range aareEvents {
		t[s][e] = to(s, EffectSendABRT) // 2.12
	}
	t[s][EventRxRLRQ] = to(s, EffectSendABRT) // 2.16
	t[s][EventRxRLRE] = to(s, EffectNone)     // 2.17
	t[s][EventRxABRT] = to(s, EffectNone)     // 2.18
	for _, e := range invokeEvents {
		t[s][e] = to(s, EffectSendABRT) // 2.19: PRST while unassociated
	}
	for _, e := range responseEvents {
		t[s][e] = to(s, EffectSendABRT) // 2.19
	}
}

// disassociating fills row 9 (Disassociating) for both roles.
func disassociating(t *stateTable) {
	s := StateDisassociating
	connected(t, s)
	t[s][EventReqRelease] = to(s, EffectNone)             // 9.6: already releasing
	t[s][EventRxRLRQ] = to(s, EffectSendRLRE)             // 9.16: both ends released at once
	t[s][EventRxRLRE] = to(StateUnassociated, EffectNone) // 9.17: release complete
	for _, e := range invokeEvents {
		t[s][e] = to(s, EffectNone) // 9.21: invocations are ignored
	}
	for _, e := range responseEvents {
		t[s][e] = to(StateUnassociated, EffectSendABRT) // 9.26
	}
}

func buildAgentTable() (t stateTable) {
	// Row 1: Disconnected.
	t[StateDisconnected][EventTransportConnect] = to(StateUnassociated, EffectNone) // 1.1

	// Row 2: Unassociated.
	unassociated(&t)
	t[StateUnassociated][EventReqAssociate] = to(StateAssociating, EffectSendAARQ)    // 2.5
	t[StateUnassociated][EventRxAARQ] = to(StateUnassociated, EffectSendAARERejected) // 2.8

	// Row 3: Associating.
	s := StateAssociating
	connected(&t, s)
	t[s][EventReqRelease] = to(StateUnassociated, EffectSendABRT)         // 3.6
	t[s][EventRxAARQ] = to(StateUnassociated, EffectSendAARERejected)     // 3.8
	t[s][EventRxAAREAccepted] = to(StateOperating, EffectNone)            // 3.13
	t[s][EventRxAAREAcceptedUnknown] = to(StateConfigSending, EffectNone) // 3.14
	t[s][EventRxAARERejected] = to(StateUnassociated, EffectNone)         // 3.15
	t[s][EventRxRLRQ] = to(StateUnassociated, EffectSendABRT)             // 3.16
	for _, e := range invokeEvents {
		t[s][e] = to(StateUnassociated, EffectSendABRT) // 3.19
	}
	for _, e := range responseEvents {
		t[s][e] = to(StateUnassociated, EffectSendABRT) // 3.19
	}

	// Row 4: Configuring / Sending config.
	s = StateConfigSending
	connected(&t, s)
	t[s][EventReqRelease] = to(StateDisassociating, EffectSendRLRQ) // 4.6
	t[s][EventReqSendConfig] = to(StateWaitingApproval, EffectSendConfig)
	t[s][EventRxGet] = to(s, EffectAnswerGet) // 4.22
	for _, e := range [...]Event{EventRxEventReport, EventRxConfirmedEventReport, EventRxOtherInvoke} {
		t[s][e] = to(s, EffectSendROER) // 4.23
	}
	for _, e := range responseEvents {
		t[s][e] = to(StateUnassociated, EffectSendABRT) // 4.26
	}

	// Row 5: Configuring / Waiting approval.
	s = StateWaitingApproval
	connected(&t, s)
	t[s][EventReqRelease] = to(StateDisassociating, EffectSendRLRQ) // 5.6
	t[s][EventRxGet] = to(s, EffectAnswerGet)                       // 5.22
	for _, e := range [...]Event{EventRxEventReport, EventRxConfirmedEventReport, EventRxOtherInvoke} {
		t[s][e] = to(s, EffectSendROER) // 5.23
	}
	t[s][EventRxRORSConfigUnsupported] = to(StateConfigSending, EffectNone) // 5.27
	t[s][EventRxRORSConfigAccepted] = to(StateOperating, EffectNone)        // 5.29
	for _, e := range [...]Event{EventRxRORS, EventRxROER, EventRxRORJ} {
		t[s][e] = to(StateUnassociated, EffectSendABRT) // 5.30
	}

	// Row 8: Operating.
	s = StateOperating
	connected(&t, s)
	t[s][EventReqRelease] = to(StateDisassociating, EffectSendRLRQ) // 8.6
	t[s][EventReqSendReport] = to(s, EffectSendReport)
	t[s][EventRxGet] = to(s, EffectAnswerGet) // 8.21
	for _, e := range [...]Event{EventRxEventReport, EventRxConfirmedEventReport, EventRxOtherInvoke} {
		t[s][e] = to(s, EffectSendRORJ) // 8.21: operations the agent does not offer
	}
	for _, e := range responseEvents {
		t[s][e] = to(s, EffectHandleResponse) // 8.26
	}

	// Row 9: Disassociating.
	disassociating(&t)
	return t
}

func buildManagerTable() (t stateTable) {
	// Row 1: Disconnected.
	t[StateDisconnected][EventTransportConnect] = to(StateUnassociated, EffectNone) // 1.1

	// Row 2: Unassociated.
	unassociated(&t)
	s := StateUnassociated
	t[s][EventRxAARQKnown] = to(StateOperating, EffectSendAAREAccepted)              // 2.9
	t[s][EventRxAARQUnknown] = to(StateWaitingConfig, EffectSendAAREAcceptedUnknown) // 2.10
	t[s][EventRxAARQUnacceptable] = to(s, EffectSendAARERejected)                    // 2.11
	t[s][EventRxAARQ] = to(s, EffectSendAARERejected)

	// Row 6: Configuring / Waiting for config.
	s = StateWaitingConfig
	connected(&t, s)
	t[s][EventReqRelease] = to(StateDisassociating, EffectSendRLRQ)                // 6.6
	t[s][EventRxConfirmedEventReport] = to(StateCheckingConfig, EffectCheckConfig) // 6.24
	for _, e := range [...]Event{EventRxEventReport, EventRxGet, EventRxOtherInvoke} {
		t[s][e] = to(s, EffectSendROER) // 6.25
	}
	for _, e := range responseEvents {
		t[s][e] = to(s, EffectHandleResponse) // 6.26
	}

	// Row 7: Configuring / Checking config.
	s = StateCheckingConfig
	connected(&t, s)
	t[s][EventReqRelease] = to(StateDisassociating, EffectSendRLRQ) // 7.6
	for _, e := range invokeEvents {
		t[s][e] = to(s, EffectSendROER) // 7.24, 7.25
	}
	for _, e := range responseEvents {
		t[s][e] = to(s, EffectHandleResponse) // 7.26
	}
	t[s][EventConfigRejected] = to(StateWaitingConfig, EffectSendConfigUnsupported) // 7.31
	t[s][EventConfigAccepted] = to(StateOperating, EffectSendConfigAccepted)        // 7.32

	// Row 8: Operating.
	s = StateOperating
	connected(&t, s)
	t[s][EventReqRelease] = to(StateDisassociating, EffectSendRLRQ) // 8.6
	t[s][EventRxEventReport] = to(s, EffectHandleReport)            // 8.21
	t[s][EventRxConfirmedEventReport] = to(s, EffectHandleReport)   // 8.21
	t[s][EventRxGet] = to(s, EffectSendRORJ)                        // 8.21: not offered
	t[s][EventRxOtherInvoke] = to(s, EffectSendRORJ)                // 8.21: not offered
	for _, e := range responseEvents {
		t[s][e] = to(s, EffectHandleResponse) // 8.26
	}

	// Row 9: Disassociating.
	disassociating(&t)
	return t
}

// commonReply builds in out the APDU of an effect agent and manager carry out alike:
// EffectSendRLRQ and EffectSendRLRE (reason normal), EffectSendABRT (its reason follows
// from ev: a configuration timeout, another timeout, or undefined) and EffectSendROER or
// EffectSendRORJ, which answer the confirmed invoke in with no-such-object-instance or
// unrecognized-operation. It reports whether out is to be sent: not for an ROER or RORJ
// when in is no confirmed invoke, nor for any other effect. Like Next, it does no I/O.
func commonReply(eff Effect, ev Event, in, out *APDU) bool {
	switch eff {
	case EffectSendRLRQ:
		out.Choice = ChoiceRLRQ
		out.RLRQ.Reason = ReleaseRequestReasonNormal
	case EffectSendRLRE:
		out.Choice = ChoiceRLRE
		out.RLRE.Reason = ReleaseResponseReasonNormal
	case EffectSendABRT:
		out.Choice = ChoiceABRT
		out.ABRT.Reason = AbortReasonUndefined
		switch ev {
		case EventConfigurationTimeout:
			out.ABRT.Reason = AbortReasonConfigurationTimeout
		case EventAssociationTimeout, EventResponseTimeout, EventReleaseTimeout:
			out.ABRT.Reason = AbortReasonResponseTimeout
		}
	case EffectSendROER, EffectSendRORJ:
		if in.Choice != ChoicePRST || !in.PRST.Choice.IsConfirmed() {
			return false
		}
		out.Choice = ChoicePRST
		out.PRST.InvokeID = in.PRST.InvokeID
		if eff == EffectSendROER {
			out.PRST.Choice = MessageROER
			out.PRST.Error = ErrorResult{ErrorValue: ErrorValueNoSuchObjectInstance}
		} else {
			out.PRST.Choice = MessageRORJ
			out.PRST.Reject.Problem = RorjProblemUnrecognizedOperation
		}
	default:
		return false
	}
	return true
}
