package ieee11073

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// stateRow is one row of a 20601 state table: in state, event ev leads to next with effect.
type stateRow struct {
	ref    string // row of the IEEE 11073-20601 Annex E state table (state.event)
	state  State
	ev     Event
	next   State
	effect Effect
}

func checkRows(t *testing.T, role Role, rows []stateRow) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.ref+"/"+tt.state.String()+"/"+tt.ev.String(), func(t *testing.T) {
			next, eff, err := Next(role, tt.state, tt.ev)
			if err != nil {
				t.Fatalf("Next(%v, %v, %v) error %v", role, tt.state, tt.ev, err)
			}
			if next != tt.next || eff != tt.effect {
				t.Errorf("Next(%v, %v, %v) = %v, %v; want %v, %v",
					role, tt.state, tt.ev, next, eff, tt.next, tt.effect)
			}
		})
	}
}

// TestAgentStateTable checks the agent's transitions against the agent state table of
// IEEE 11073-20601 Annex E, row by row.
func TestAgentStateTable(t *testing.T) {
	checkRows(t, RoleAgent, []stateRow{
		{"1.1", StateDisconnected, EventTransportConnect, StateUnassociated, EffectNone},
		{"2.2", StateUnassociated, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"2.5", StateUnassociated, EventReqAssociate, StateAssociating, EffectSendAARQ},
		{"2.6", StateUnassociated, EventReqRelease, StateUnassociated, EffectNone},
		{"2.7", StateUnassociated, EventReqAbort, StateUnassociated, EffectNone},
		{"2.8", StateUnassociated, EventRxAARQ, StateUnassociated, EffectSendAARERejected},
		{"2.12", StateUnassociated, EventRxAARE, StateUnassociated, EffectSendABRT},
		{"2.16", StateUnassociated, EventRxRLRQ, StateUnassociated, EffectSendABRT},
		{"2.17", StateUnassociated, EventRxRLRE, StateUnassociated, EffectNone},
		{"2.18", StateUnassociated, EventRxABRT, StateUnassociated, EffectNone},
		{"2.19", StateUnassociated, EventRxConfirmedEventReport, StateUnassociated, EffectSendABRT},
		{"2.19", StateUnassociated, EventRxRORS, StateUnassociated, EffectSendABRT},

		{"3.2", StateAssociating, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"3.4", StateAssociating, EventAssociationTimeout, StateUnassociated, EffectSendABRT},
		{"3.6", StateAssociating, EventReqRelease, StateUnassociated, EffectSendABRT},
		{"3.7", StateAssociating, EventReqAbort, StateUnassociated, EffectSendABRT},
		{"3.8", StateAssociating, EventRxAARQ, StateUnassociated, EffectSendAARERejected},
		{"3.13", StateAssociating, EventRxAAREAccepted, StateOperating, EffectNone},
		{"3.14", StateAssociating, EventRxAAREAcceptedUnknown, StateConfigSending, EffectNone},
		{"3.15", StateAssociating, EventRxAARERejected, StateUnassociated, EffectNone},
		{"3.16", StateAssociating, EventRxRLRQ, StateUnassociated, EffectSendABRT},
		{"3.17", StateAssociating, EventRxRLRE, StateUnassociated, EffectSendABRT},
		{"3.18", StateAssociating, EventRxABRT, StateUnassociated, EffectNone},
		{"3.19", StateAssociating, EventRxGet, StateUnassociated, EffectSendABRT},

		{"4.2", StateConfigSending, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"4.6", StateConfigSending, EventReqRelease, StateDisassociating, EffectSendRLRQ},
		{"4.7", StateConfigSending, EventReqAbort, StateUnassociated, EffectSendABRT},
		{"4.8", StateConfigSending, EventRxAARQ, StateUnassociated, EffectSendABRT},
		{"4.12", StateConfigSending, EventRxAARE, StateUnassociated, EffectSendABRT},
		{"4.16", StateConfigSending, EventRxRLRQ, StateUnassociated, EffectSendRLRE},
		{"4.17", StateConfigSending, EventRxRLRE, StateUnassociated, EffectSendABRT},
		{"4.18", StateConfigSending, EventRxABRT, StateUnassociated, EffectNone},
		{"4.22", StateConfigSending, EventRxGet, StateConfigSending, EffectAnswerGet},
		{"4.23", StateConfigSending, EventRxOtherInvoke, StateConfigSending, EffectSendROER},
		{"4.23", StateConfigSending, EventRxConfirmedEventReport, StateConfigSending, EffectSendROER},
		{"4.26", StateConfigSending, EventRxRORS, StateUnassociated, EffectSendABRT},
		{"4.26", StateConfigSending, EventRxRORJ, StateUnassociated, EffectSendABRT},
		{"4.32", StateConfigSending, EventReqSendConfig, StateWaitingApproval, EffectSendConfig},

		{"5.2", StateWaitingApproval, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"5.4", StateWaitingApproval, EventConfigurationTimeout, StateUnassociated, EffectSendABRT},
		{"5.6", StateWaitingApproval, EventReqRelease, StateDisassociating, EffectSendRLRQ},
		{"5.7", StateWaitingApproval, EventReqAbort, StateUnassociated, EffectSendABRT},
		{"5.8", StateWaitingApproval, EventRxAARQ, StateUnassociated, EffectSendABRT},
		{"5.12", StateWaitingApproval, EventRxAAREAccepted, StateUnassociated, EffectSendABRT},
		{"5.16", StateWaitingApproval, EventRxRLRQ, StateUnassociated, EffectSendRLRE},
		{"5.17", StateWaitingApproval, EventRxRLRE, StateUnassociated, EffectSendABRT},
		{"5.18", StateWaitingApproval, EventRxABRT, StateUnassociated, EffectNone},
		{"5.22", StateWaitingApproval, EventRxGet, StateWaitingApproval, EffectAnswerGet},
		{"5.23", StateWaitingApproval, EventRxOtherInvoke, StateWaitingApproval, EffectSendROER},
		{"5.27", StateWaitingApproval, EventRxRORSConfigUnsupported, StateConfigSending, EffectNone},
		{"5.29", StateWaitingApproval, EventRxRORSConfigAccepted, StateOperating, EffectNone},
		{"5.30", StateWaitingApproval, EventRxRORS, StateUnassociated, EffectSendABRT},
		{"5.30", StateWaitingApproval, EventRxROER, StateUnassociated, EffectSendABRT},
		{"5.30", StateWaitingApproval, EventRxRORJ, StateUnassociated, EffectSendABRT},

		{"8.2", StateOperating, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"8.4", StateOperating, EventResponseTimeout, StateUnassociated, EffectSendABRT},
		{"8.6", StateOperating, EventReqRelease, StateDisassociating, EffectSendRLRQ},
		{"8.7", StateOperating, EventReqAbort, StateUnassociated, EffectSendABRT},
		{"8.7", StateOperating, EventReqSendReport, StateOperating, EffectSendReport},
		{"8.8", StateOperating, EventRxAARQ, StateUnassociated, EffectSendABRT},
		{"8.12", StateOperating, EventRxAARE, StateUnassociated, EffectSendABRT},
		{"8.16", StateOperating, EventRxRLRQ, StateUnassociated, EffectSendRLRE},
		{"8.17", StateOperating, EventRxRLRE, StateUnassociated, EffectSendABRT},
		{"8.18", StateOperating, EventRxABRT, StateUnassociated, EffectNone},
		{"8.21", StateOperating, EventRxGet, StateOperating, EffectAnswerGet},
		{"8.21", StateOperating, EventRxOtherInvoke, StateOperating, EffectSendRORJ},
		{"8.26", StateOperating, EventRxRORS, StateOperating, EffectHandleResponse},
		{"8.26", StateOperating, EventRxROER, StateOperating, EffectHandleResponse},
		{"8.26", StateOperating, EventRxRORJ, StateOperating, EffectHandleResponse},

		{"9.2", StateDisassociating, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"9.4", StateDisassociating, EventReleaseTimeout, StateUnassociated, EffectSendABRT},
		{"9.6", StateDisassociating, EventReqRelease, StateDisassociating, EffectNone},
		{"9.7", StateDisassociating, EventReqAbort, StateUnassociated, EffectSendABRT},
		{"9.8", StateDisassociating, EventRxAARQ, StateUnassociated, EffectSendABRT},
		{"9.12", StateDisassociating, EventRxAARE, StateUnassociated, EffectSendABRT},
		{"9.16", StateDisassociating, EventRxRLRQ, StateDisassociating, EffectSendRLRE},
		{"9.17", StateDisassociating, EventRxRLRE, StateUnassociated, EffectNone},
		{"9.18", StateDisassociating, EventRxABRT, StateUnassociated, EffectNone},
		{"9.21", StateDisassociating, EventRxGet, StateDisassociating, EffectNone},
		{"9.26", StateDisassociating, EventRxRORS, StateUnassociated, EffectSendABRT},
		{"9.26", StateDisassociating, EventRxROER, StateUnassociated, EffectSendABRT},
	})
}

// TestManagerStateTable checks the manager's transitions against the manager state table
// of IEEE 11073-20601 Annex E, row by row.
func TestManagerStateTable(t *testing.T) {
	checkRows(t, RoleManager, []stateRow{
		{"1.1", StateDisconnected, EventTransportConnect, StateUnassociated, EffectNone},
		{"2.2", StateUnassociated, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"2.6", StateUnassociated, EventReqRelease, StateUnassociated, EffectNone},
		{"2.7", StateUnassociated, EventReqAbort, StateUnassociated, EffectNone},
		{"2.9", StateUnassociated, EventRxAARQKnown, StateOperating, EffectSendAAREAccepted},
		{"2.10", StateUnassociated, EventRxAARQUnknown, StateWaitingConfig, EffectSendAAREAcceptedUnknown},
		{"2.11", StateUnassociated, EventRxAARQUnacceptable, StateUnassociated, EffectSendAARERejected},
		{"2.12", StateUnassociated, EventRxAARE, StateUnassociated, EffectSendABRT},
		{"2.16", StateUnassociated, EventRxRLRQ, StateUnassociated, EffectSendABRT},
		{"2.17", StateUnassociated, EventRxRLRE, StateUnassociated, EffectNone},
		{"2.18", StateUnassociated, EventRxABRT, StateUnassociated, EffectNone},
		{"2.19", StateUnassociated, EventRxEventReport, StateUnassociated, EffectSendABRT},
		{"2.19", StateUnassociated, EventRxConfirmedEventReport, StateUnassociated, EffectSendABRT},

		{"6.2", StateWaitingConfig, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"6.4", StateWaitingConfig, EventConfigurationTimeout, StateUnassociated, EffectSendABRT},
		{"6.6", StateWaitingConfig, EventReqRelease, StateDisassociating, EffectSendRLRQ},
		{"6.7", StateWaitingConfig, EventReqAbort, StateUnassociated, EffectSendABRT},
		{"6.8", StateWaitingConfig, EventRxAARQ, StateUnassociated, EffectSendABRT},
		{"6.12", StateWaitingConfig, EventRxAARE, StateUnassociated, EffectSendABRT},
		{"6.16", StateWaitingConfig, EventRxRLRQ, StateUnassociated, EffectSendRLRE},
		{"6.17", StateWaitingConfig, EventRxRLRE, StateUnassociated, EffectSendABRT},
		{"6.18", StateWaitingConfig, EventRxABRT, StateUnassociated, EffectNone},
		{"6.24", StateWaitingConfig, EventRxConfirmedEventReport, StateCheckingConfig, EffectCheckConfig},
		{"6.25", StateWaitingConfig, EventRxEventReport, StateWaitingConfig, EffectSendROER},
		{"6.25", StateWaitingConfig, EventRxGet, StateWaitingConfig, EffectSendROER},
		{"6.26", StateWaitingConfig, EventRxRORS, StateWaitingConfig, EffectHandleResponse},

		{"7.2", StateCheckingConfig, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"7.4", StateCheckingConfig, EventConfigurationTimeout, StateUnassociated, EffectSendABRT},
		{"7.6", StateCheckingConfig, EventReqRelease, StateDisassociating, EffectSendRLRQ},
		{"7.7", StateCheckingConfig, EventReqAbort, StateUnassociated, EffectSendABRT},
		{"7.8", StateCheckingConfig, EventRxAARQKnown, StateUnassociated, EffectSendABRT},
		{"7.12", StateCheckingConfig, EventRxAARE, StateUnassociated, EffectSendABRT},
		{"7.16", StateCheckingConfig, EventRxRLRQ, StateUnassociated, EffectSendRLRE},
		{"7.17", StateCheckingConfig, EventRxRLRE, StateUnassociated, EffectSendABRT},
		{"7.18", StateCheckingConfig, EventRxABRT, StateUnassociated, EffectNone},
		{"7.26", StateCheckingConfig, EventRxRORJ, StateCheckingConfig, EffectHandleResponse},
		{"7.31", StateCheckingConfig, EventConfigRejected, StateWaitingConfig, EffectSendConfigUnsupported},
		{"7.32", StateCheckingConfig, EventConfigAccepted, StateOperating, EffectSendConfigAccepted},

		{"8.2", StateOperating, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"8.4", StateOperating, EventResponseTimeout, StateUnassociated, EffectSendABRT},
		{"8.6", StateOperating, EventReqRelease, StateDisassociating, EffectSendRLRQ},
		{"8.7", StateOperating, EventReqAbort, StateUnassociated, EffectSendABRT},
		{"8.8", StateOperating, EventRxAARQ, StateUnassociated, EffectSendABRT},
		{"8.12", StateOperating, EventRxAARE, StateUnassociated, EffectSendABRT},
		{"8.16", StateOperating, EventRxRLRQ, StateUnassociated, EffectSendRLRE},
		{"8.17", StateOperating, EventRxRLRE, StateUnassociated, EffectSendABRT},
		{"8.18", StateOperating, EventRxABRT, StateUnassociated, EffectNone},
		{"8.21", StateOperating, EventRxConfirmedEventReport, StateOperating, EffectHandleReport},
		{"8.21", StateOperating, EventRxEventReport, StateOperating, EffectHandleReport},
		{"8.21", StateOperating, EventRxOtherInvoke, StateOperating, EffectSendRORJ},
		{"8.26", StateOperating, EventRxRORS, StateOperating, EffectHandleResponse},
		{"8.26", StateOperating, EventRxROER, StateOperating, EffectHandleResponse},

		{"9.2", StateDisassociating, EventTransportDisconnect, StateDisconnected, EffectNone},
		{"9.4", StateDisassociating, EventReleaseTimeout, StateUnassociated, EffectSendABRT},
		{"9.6", StateDisassociating, EventReqRelease, StateDisassociating, EffectNone},
		{"9.16", StateDisassociating, EventRxRLRQ, StateDisassociating, EffectSendRLRE},
		{"9.17", StateDisassociating, EventRxRLRE, StateUnassociated, EffectNone},
		{"9.18", StateDisassociating, EventRxABRT, StateUnassociated, EffectNone},
		{"9.21", StateDisassociating, EventRxConfirmedEventReport, StateDisassociating, EffectNone},
		{"9.26", StateDisassociating, EventRxRORS, StateUnassociated, EffectSendABRT},
	})
}

// rxEvents are the events a role's engine derives from received APDUs.
func rxEvents(role Role) []Event {
	common := []Event{EventRxRLRQ, EventRxRLRE, EventRxABRT, EventRxEventReport,
		EventRxConfirmedEventReport, EventRxGet, EventRxOtherInvoke, EventRxRORS,
		EventRxROER, EventRxRORJ}
	if role == RoleAgent {
		return append(common, EventRxAARQ, EventRxAAREAccepted, EventRxAAREAcceptedUnknown,
			EventRxAARERejected, EventRxAARE, EventRxRORSConfigAccepted,
			EventRxRORSConfigUnsupported)
	}
	return append(common, EventRxAARQ, EventRxAARQKnown, EventRxAARQUnknown,
		EventRxAARQUnacceptable, EventRxAARE)
}

func roleStates(role Role) []State {
	if role == RoleAgent {
		return []State{StateUnassociated, StateAssociating, StateConfigSending,
			StateWaitingApproval, StateOperating, StateDisassociating}
	}
	return []State{StateUnassociated, StateWaitingConfig, StateCheckingConfig,
		StateOperating, StateDisassociating}
}

// TestStateTableTotal checks that whatever a peer sends, in every connected state of either
// role, there is a transition: the engine never has to guess.
func TestStateTableTotal(t *testing.T) {
	for _, role := range []Role{RoleAgent, RoleManager} {
		for _, s := range roleStates(role) {
			for _, ev := range rxEvents(role) {
				if _, _, err := Next(role, s, ev); err != nil {
					t.Errorf("Next(%v, %v, %v): %v", role, s, ev, err)
				}
			}
			for _, ev := range []Event{EventTransportDisconnect, EventReqAbort, EventReqRelease} {
				next, _, err := Next(role, s, ev)
				if err != nil {
					t.Errorf("Next(%v, %v, %v): %v", role, s, ev, err)
				}
				if ev == EventTransportDisconnect && next != StateDisconnected {
					t.Errorf("Next(%v, %v, %v) = %v, want Disconnected", role, s, ev, next)
				}
			}
		}
	}
}

// TestStateTableReachable walks the tables from Disconnected and checks that a role only
// reaches its own states and that every state it reaches is one of them.
func TestStateTableReachable(t *testing.T) {
	for _, role := range []Role{RoleAgent, RoleManager} {
		want := map[State]bool{StateDisconnected: true}
		for _, s := range roleStates(role) {
			want[s] = true
		}
		seen := map[State]bool{StateDisconnected: true}
		queue := []State{StateDisconnected}
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			for ev := Event(0); ev < numEvents; ev++ {
				next, _, err := Next(role, s, ev)
				if err != nil {
					continue
				}
				if !want[next] {
					t.Errorf("%v: %v --%v--> %v, not a state of this role", role, s, ev, next)
				}
				if !seen[next] {
					seen[next] = true
					queue = append(queue, next)
				}
			}
		}
		for s := range want {
			if !seen[s] {
				t.Errorf("%v: state %v unreachable", role, s)
			}
		}
	}
}

// TestAbortLeavesAssociation checks that every ABRT sent or received ends in Unassociated.
func TestAbortLeavesAssociation(t *testing.T) {
	for _, role := range []Role{RoleAgent, RoleManager} {
		for s := State(0); s < numStates; s++ {
			for ev := Event(0); ev < numEvents; ev++ {
				next, eff, err := Next(role, s, ev)
				if err != nil {
					continue
				}
				if (eff == EffectSendABRT || ev == EventRxABRT) && next != StateUnassociated {
					t.Errorf("Next(%v, %v, %v) = %v, %v; an abort must end in Unassociated",
						role, s, ev, next, eff)
				}
			}
		}
	}
}

func TestNextErrors(t *testing.T) {
	tests := []struct {
		name  string
		role  Role
		state State
		ev    Event
	}{
		{"manager never associates", RoleManager, StateUnassociated, EventReqAssociate},
		{"agent reports only when operating", RoleAgent, StateAssociating, EventReqSendReport},
		{"agent sends config only when asked", RoleAgent, StateOperating, EventReqSendConfig},
		{"nothing received while disconnected", RoleAgent, StateDisconnected, EventRxAARQ},
		{"state out of range", RoleAgent, numStates, EventRxABRT},
		{"event out of range", RoleManager, StateOperating, numEvents},
		{"role out of range", Role(7), StateOperating, EventRxABRT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, eff, err := Next(tt.role, tt.state, tt.ev)
			if !errors.Is(err, ErrUnexpectedEvent) {
				t.Fatalf("Next(%v, %v, %v) error = %v, want ErrUnexpectedEvent", tt.role, tt.state, tt.ev, err)
			}
			var te *TransitionError
			if !errors.As(err, &te) || te.State != tt.state || te.Event != tt.ev {
				t.Errorf("error %v does not carry the state and event", err)
			}
			if next != tt.state || eff != EffectNone {
				t.Errorf("Next = %v, %v; want state unchanged and no effect", next, eff)
			}
		})
	}
}

func TestTimers(t *testing.T) {
	tests := []struct {
		role  Role
		state State
		timer Timer
		ev    Event
		d     time.Duration
	}{
		{RoleAgent, StateAssociating, TimerAssociation, EventAssociationTimeout, 10 * time.Second},
		{RoleAgent, StateWaitingApproval, TimerConfiguration, EventConfigurationTimeout, 10 * time.Second},
		{RoleManager, StateWaitingConfig, TimerConfiguration, EventConfigurationTimeout, 10 * time.Second},
		{RoleAgent, StateDisassociating, TimerRelease, EventReleaseTimeout, 3 * time.Second},
		{RoleManager, StateDisassociating, TimerRelease, EventReleaseTimeout, 3 * time.Second},
		{RoleManager, StateOperating, TimerNone, numEvents, 0},
		{RoleManager, StateAssociating, TimerNone, numEvents, 0},
		{RoleAgent, StateWaitingConfig, TimerNone, numEvents, 0},
	}
	for _, tt := range tests {
		got := StateTimer(tt.role, tt.state)
		if got != tt.timer {
			t.Errorf("StateTimer(%v, %v) = %v, want %v", tt.role, tt.state, got, tt.timer)
		}
		if got.Event() != tt.ev || got.DefaultTimeout() != tt.d {
			t.Errorf("%v: Event() = %v, DefaultTimeout() = %v; want %v, %v", got, got.Event(), got.DefaultTimeout(), tt.ev, tt.d)
		}
		if tt.timer != TimerNone {
			// Whatever timer a state runs, its expiry aborts the association.
			next, eff, err := Next(tt.role, tt.state, got.Event())
			if err != nil || next != StateUnassociated || eff != EffectSendABRT {
				t.Errorf("%v expiry in %v: %v, %v, %v", got, tt.state, next, eff, err)
			}
		}
	}
	if TimerResponse.Event() != EventResponseTimeout || TimerResponse.DefaultTimeout() != 3*time.Second {
		t.Errorf("TimerResponse: %v, %v", TimerResponse.Event(), TimerResponse.DefaultTimeout())
	}
}

func TestStateEnumStrings(t *testing.T) {
	for s := State(0); s < numStates; s++ {
		if stateNames[s] == "" {
			t.Errorf("State %d has no name", s)
		}
	}
	for e := Event(0); e < numEvents; e++ {
		if eventNames[e] == "" {
			t.Errorf("Event %d has no name", e)
		}
	}
	for e := Effect(0); e < numEffects; e++ {
		if effectNames[e] == "" {
			t.Errorf("Effect %d has no name", e)
		}
	}
	if got := StateOperating.String(); got != "Operating" {
		t.Errorf("StateOperating.String() = %q", got)
	}
	if got := State(200).String(); got != "State(200)" {
		t.Errorf("State(200).String() = %q", got)
	}
	if got := Event(200).String(); got != "Event(200)" {
		t.Errorf("Event(200).String() = %q", got)
	}
	if got := RoleManager.String(); got != "manager" {
		t.Errorf("RoleManager.String() = %q", got)
	}
	if !StateOperating.Associated() || StateAssociating.Associated() || StateUnassociated.Associated() {
		t.Error("Associated() wrong")
	}
}

func TestNextAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		_, _, _ = Next(RoleManager, StateOperating, EventRxConfirmedEventReport)
		_, _, _ = Next(RoleAgent, StateOperating, EventRxRORS)
	})
	if allocs != 0 {
		t.Errorf("Next allocates %v times per call pair, want 0", allocs)
	}
}

// TestCommonReply checks the APDUs agent and manager build alike for an effect.
func TestCommonReply(t *testing.T) {
	confirmed := &APDU{Choice: ChoicePRST, PRST: DataAPDU{InvokeID: 7, Choice: MessageROIVConfirmedSet}}
	unconfirmed := &APDU{Choice: ChoicePRST, PRST: DataAPDU{InvokeID: 7, Choice: MessageROIVSet}}
	tests := []struct {
		name string
		eff  Effect
		ev   Event
		in   *APDU
		want *APDU // nil: nothing to send
	}{
		{"RLRQ", EffectSendRLRQ, EventReqRelease, &APDU{}, &APDU{Choice: ChoiceRLRQ, RLRQ: RLRQ{Reason: ReleaseRequestReasonNormal}}},
		{"RLRE", EffectSendRLRE, EventRxRLRQ, &APDU{}, &APDU{Choice: ChoiceRLRE, RLRE: RLRE{Reason: ReleaseResponseReasonNormal}}},
		{"ABRT config timeout", EffectSendABRT, EventConfigurationTimeout, &APDU{}, &APDU{Choice: ChoiceABRT, ABRT: ABRT{Reason: AbortReasonConfigurationTimeout}}},
		{"ABRT response timeout", EffectSendABRT, EventResponseTimeout, &APDU{}, &APDU{Choice: ChoiceABRT, ABRT: ABRT{Reason: AbortReasonResponseTimeout}}},
		{"ABRT other", EffectSendABRT, EventRxAARE, &APDU{}, &APDU{Choice: ChoiceABRT, ABRT: ABRT{Reason: AbortReasonUndefined}}},
		{"ROER", EffectSendROER, EventRxOtherInvoke, confirmed, &APDU{Choice: ChoicePRST, PRST: DataAPDU{InvokeID: 7, Choice: MessageROER,
			Error: ErrorResult{ErrorValue: ErrorValueNoSuchObjectInstance}}}},
		{"RORJ", EffectSendRORJ, EventRxOtherInvoke, confirmed, &APDU{Choice: ChoicePRST, PRST: DataAPDU{InvokeID: 7, Choice: MessageRORJ,
			Reject: RejectResult{Problem: RorjProblemUnrecognizedOperation}}}},
		{"ROER unconfirmed", EffectSendROER, EventRxOtherInvoke, unconfirmed, nil},
		{"RORJ unconfirmed", EffectSendRORJ, EventRxOtherInvoke, unconfirmed, nil},
		{"other effect", EffectSendAARQ, EventReqAssociate, &APDU{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out APDU
			send := commonReply(tt.eff, tt.ev, tt.in, &out)
			if send != (tt.want != nil) {
				t.Fatalf("commonReply(%v, %v) = %v, want %v", tt.eff, tt.ev, send, tt.want != nil)
			}
			if send && !reflect.DeepEqual(&out, tt.want) {
				t.Errorf("commonReply(%v, %v) built %+v, want %+v", tt.eff, tt.ev, out, *tt.want)
			}
		})
	}
}
