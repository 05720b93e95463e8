package ieee11073

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Agent errors.
var (
	// ErrAgentClosed is returned by the methods of an Agent that has been closed or whose
	// transport is gone.
	ErrAgentClosed = errors.New("ieee11073: agent closed")
	// ErrNotOperating is returned for a request that needs an association in Operating.
	ErrNotOperating = errors.New("ieee11073: association not operating")
	// ErrConfigRejected means the manager answered the agent's configuration report with
	// unsupported-config.
	ErrConfigRejected = errors.New("ieee11073: manager rejected the configuration")
	// ErrResponseTimeout means a confirmed request went unanswered for the response
	// timeout; the association has been aborted.
	ErrResponseTimeout = errors.New("ieee11073: no response before the timeout")
)

// AssociationRejectedError reports an AARE that refused the association.
type AssociationRejectedError struct {
	Result AssociateResult
}

// Error names the association result.
func (e *AssociationRejectedError) Error() string {
	return fmt.Sprintf("ieee11073: association rejected: %v", e.Result)
}

// RemoteError reports a confirmed request the manager answered with ROER or RORJ.
type RemoteError struct {
	Choice  MessageChoice // MessageROER or MessageRORJ
	Value   ErrorValue    // for ROER
	Problem RorjProblem   // for RORJ
}

// Error names the error value or the reject problem.
func (e *RemoteError) Error() string {
	if e.Choice == MessageRORJ {
		return fmt.Sprintf("ieee11073: request rejected: %v", e.Problem)
	}
	return fmt.Sprintf("ieee11073: request failed: %v", e.Value)
}

// AgentConfig configures an Agent. The zero value is a working configuration: the 10407
// blood pressure monitor standard configuration (0x02BC), a random system identifier and
// the standard's timeouts. An AgentConfig must not be modified after it is passed to
// NewAgent.
type AgentConfig struct {
	// ConfigID is the dev-config-id the agent announces. Zero means Config.ID when Config
	// is set, otherwise 0x02BC.
	ConfigID ConfigID
	// Config is the agent's configuration: it lays out the reports SendObservations
	// builds, and its report is sent when the manager does not know the configuration (an
	// AARE with accepted-unknown-config). Nil means StandardConfiguration(ConfigID); an
	// extended ConfigID needs a Config.
	Config *Configuration

	// SystemID is the agent's EUI-64 system identifier. Zero means 8 random octets.
	SystemID [8]byte
	// MDS lists MDS attributes the agent returns to a GET besides the ones it always
	// returns (System-Id, Dev-Configuration-Id, System-Model, System-Type-Spec-List when
	// the configuration is a standard one). An attribute listed here replaces the built-in
	// one with the same identifier.
	MDS AttributeList

	// MaxAPDU is the largest APDU accepted from the manager. Default: DefaultMaxAPDU.
	MaxAPDU int
	// AssociationTimeout, ConfigurationTimeout, ResponseTimeout and ReleaseTimeout bound
	// the waits of 20601 (no AARE, no configuration response, no answer to a confirmed
	// event report, no RLRE). Defaults: the Timer's DefaultTimeout.
	AssociationTimeout   time.Duration
	ConfigurationTimeout time.Duration
	ResponseTimeout      time.Duration
	ReleaseTimeout       time.Duration

	// OnStateChange, when not nil, is called on the agent's goroutine at every state
	// change.
	OnStateChange func(from, to State)

	// PMStore, when not nil, is the PM-store the agent offers: it answers a GET of the
	// PM-store's handle, MDC_ACT_SEG_GET_INFO (any selection), MDC_ACT_SEG_TRIG_XFER and
	// MDC_ACT_SEG_CLR as PMStore describes, and sends a triggered segment as confirmed MDC_NOTI_SEGMENT_DATA event reports, one
	// at a time: the next goes out once the manager has confirmed the previous one. A
	// manager that does not answer within ResponseTimeout has the association aborted; one
	// that answers with sevtsta-manager-abort ends the transfer. Nil: a GET or ACTION on
	// any object but the MDS is refused as before.
	PMStore *PMStore
	// SegmentEntriesPerEvent is the number of entries in each segment data event report.
	// Default: 1.
	SegmentEntriesPerEvent int
	// OnSegmentConfirm, when not nil, is called on the agent's goroutine with the
	// descriptor of each answer the manager gives to a segment data event report.
	OnSegmentConfirm func(descr SegmDataEventDescr)
}

// Agent is the 20601 agent side of one connection to a manager: it associates, answers
// the manager's GET of the MDS attributes, sends event reports and releases.
//
// NewAgent starts the agent's goroutines: one reads APDUs, the other owns the association
// state and serves the methods, which may be called from any goroutine.
type Agent struct {
	cfg    AgentConfig
	report ConfigReport // the configuration report sent on accepted-unknown-config
	conn   net.Conn

	reqs      chan *agentReq
	frames    chan []byte   // reader → owner: one APDU, valid until frameDone
	frameDone chan struct{} // owner → reader: the APDU has been processed
	closing   chan struct{} // closed by Close
	done      chan struct{} // closed when the owner exits
	closeOnce sync.Once
	readerWG  sync.WaitGroup
	state     atomic.Uint32
	err       error // why the owner exited; read after done is closed
}

type agentReqKind uint8

const (
	reqAssociate agentReqKind = iota
	reqReport
	reqRelease
	reqAbort
)

type agentReq struct {
	kind      agentReqKind
	report    *EventReportArgument
	confirmed bool
	reply     chan error // buffered, 1
}

// NewAgent returns an Agent for the connection c, which it owns from then on (Close closes
// it), and starts its goroutines. The agent is Unassociated: call Associate.
func NewAgent(c net.Conn, cfg AgentConfig) (*Agent, error) {
	if cfg.MaxAPDU < 0 {
		return nil, fmt.Errorf("ieee11073: AgentConfig.MaxAPDU %d is negative", cfg.MaxAPDU)
	}
	if cfg.SegmentEntriesPerEvent < 0 {
		return nil, fmt.Errorf("ieee11073: AgentConfig.SegmentEntriesPerEvent %d is negative", cfg.SegmentEntriesPerEvent)
	}
	for _, d := range []*time.Duration{&cfg.AssociationTimeout, &cfg.ConfigurationTimeout, &cfg.ResponseTimeout, &cfg.ReleaseTimeout} {
		if *d < 0 {
			return nil, errors.New("ieee11073: AgentConfig timeouts must not be negative")
		}
	}
	defaultTimeout(&cfg.AssociationTimeout, TimerAssociation)
	defaultTimeout(&cfg.ConfigurationTimeout, TimerConfiguration)
	defaultTimeout(&cfg.ResponseTimeout, TimerResponse)
	defaultTimeout(&cfg.ReleaseTimeout, TimerRelease)
	if cfg.ConfigID == 0 {
		cfg.ConfigID = 0x02BC
		if cfg.Config != nil {
			cfg.ConfigID = cfg.Config.ID
		}
	}
	if !cfg.ConfigID.IsStandard() && !cfg.ConfigID.IsExtended() {
		return nil, fmt.Errorf("ieee11073: AgentConfig.ConfigID %#04x is neither standard nor extended", uint16(cfg.ConfigID))
	}
	if cfg.Config == nil {
		std, ok := StandardConfiguration(cfg.ConfigID)
		if !ok {
			return nil, fmt.Errorf("ieee11073: AgentConfig.Config is required for configuration %#04x", uint16(cfg.ConfigID))
		}
		cfg.Config = std
	}
	report, err := cfg.Config.Report()
	if err != nil {
		return nil, fmt.Errorf("ieee11073: AgentConfig.Config: %w", err)
	}
	report.ConfigReportID = cfg.ConfigID
	if cfg.SystemID == [8]byte{} {
		if _, err := rand.Read(cfg.SystemID[:]); err != nil {
			return nil, err
		}
	}
	a := &Agent{
		cfg:       cfg,
		report:    report,
		conn:      c,
		reqs:      make(chan *agentReq),
		frames:    make(chan []byte),
		frameDone: make(chan struct{}),
		closing:   make(chan struct{}),
		done:      make(chan struct{}),
	}
	a.state.Store(uint32(StateUnassociated))
	readErr := make(chan error, 1)
	a.readerWG.Add(1)
	go a.read(readErr)
	go a.run(readErr)
	return a, nil
}

// read is the reader goroutine: it hands each APDU to the owner and waits until the owner
// is done with it, so the Framer's buffer can be reused.
func (a *Agent) read(readErr chan<- error) {
	defer a.readerWG.Done()
	fr := NewFramer(a.conn, a.cfg.MaxAPDU)
	for {
		apdu, err := fr.ReadAPDU()
		if err != nil {
			readErr <- err
			return
		}
		select {
		case a.frames <- apdu:
		case <-a.done:
			return
		}
		select {
		case <-a.frameDone:
		case <-a.done:
			return
		}
	}
}

// State returns the association state. It may be called from any goroutine.
func (a *Agent) State() State { return State(a.state.Load()) }

// SystemID returns the agent's system identifier.
func (a *Agent) SystemID() [8]byte { return a.cfg.SystemID }

// Associate asks the manager for an association (AARQ) and returns when it is Operating,
// after sending the configuration report if the manager asked for it. It fails with an
// *AssociationRejectedError, ErrConfigRejected, ErrResponseTimeout (no AARE or no
// configuration response before the timeout), or the context's error; on context
// cancellation the association attempt is aborted.
func (a *Agent) Associate(ctx context.Context) error {
	return a.do(ctx, &agentReq{kind: reqAssociate})
}

// SendReport sends an event report from the MDS (obj-handle 0 is set by the caller in
// report). A confirmed report returns once the manager answered it; an unconfirmed one once
// it has been written. The report is encoded before SendReport returns, so the caller may
// reuse it afterwards. Errors: ErrNotOperating, ErrResponseTimeout, *RemoteError, the
// context's error (the manager's answer is then ignored).
func (a *Agent) SendReport(ctx context.Context, report *EventReportArgument, confirmed bool) error {
	return a.do(ctx, &agentReq{kind: reqReport, report: report, confirmed: confirmed})
}

// Release releases the association (RLRQ) and returns when the manager has answered
// (RLRE) or the release timeout aborted it. Releasing an unassociated agent does nothing.
func (a *Agent) Release(ctx context.Context) error {
	return a.do(ctx, &agentReq{kind: reqRelease})
}

// Abort aborts the association (ABRT).
func (a *Agent) Abort(ctx context.Context) error {
	return a.do(ctx, &agentReq{kind: reqAbort})
}

// Done returns a channel closed when the agent stops: after Close, or when the transport
// is gone.
func (a *Agent) Done() <-chan struct{} { return a.done }

// Err returns why the agent stopped once Done is closed: nil after Close, the transport's
// error (io.EOF when the manager hung up) otherwise.
func (a *Agent) Err() error {
	select {
	case <-a.done:
		return a.err
	default:
		return nil
	}
}

// Close closes the connection without releasing and waits for the agent's goroutines.
func (a *Agent) Close() error {
	var err error
	a.closeOnce.Do(func() {
		close(a.closing)
		err = a.conn.Close()
	})
	<-a.done
	a.readerWG.Wait()
	return err
}

func (a *Agent) do(ctx context.Context, r *agentReq) error {
	r.reply = make(chan error, 1)
	select {
	case a.reqs <- r:
	case <-a.done:
		return ErrAgentClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.reply:
		return err
	case <-ctx.Done():
		if r.kind == reqAssociate {
			// Do not leave a half-made association behind.
			go a.do(context.Background(), &agentReq{kind: reqAbort})
		}
		return ctx.Err()
	}
}

// agentLoop is the state owned by the agent's run goroutine.
type agentLoop struct {
	a     *Agent
	state State

	stateTimer Timer
	stateDue   time.Time
	timer      *time.Timer
	timerDue   time.Time // when timer fires; zero when stopped

	nextInvoke   uint16
	configInvoke uint16
	waitAssoc    *agentReq
	waitRelease  *agentReq
	outstanding  []outstandingReport
	xfer         *agentXfer // the PM-segment transfer under way, if any
	xferNext     *agentXfer // a transfer triggered while xfer awaits its last confirmation
	rejected     error      // why the association attempt failed, for waitAssoc
	releaseIdle  bool       // release once the outstanding reports are answered
	in, out      APDU
	wbuf         []byte
	mds          AttributeList
}

type outstandingReport struct {
	invoke uint16
	due    time.Time
	req    *agentReq
}

// run is the owner goroutine.
func (a *Agent) run(readErr <-chan error) {
	l := &agentLoop{a: a, state: StateUnassociated, timer: time.NewTimer(time.Hour)}
	l.timer.Stop()
	l.mds = a.mdsAttributes()
	defer func() {
		l.timer.Stop()
		l.failAll(ErrAgentClosed)
		a.conn.Close()
		close(a.done)
	}()
	for {
		l.armTimer()
		select {
		case r := <-a.reqs:
			l.request(r)
		case apdu := <-a.frames:
			err := l.receive(apdu)
			a.frameDone <- struct{}{}
			if err != nil {
				l.abort(AbortReasonUndefined, err)
				l.flush()
				a.err = err
				return
			}
		case err := <-readErr:
			l.fire(EventTransportDisconnect)
			if err == io.EOF {
				a.err = io.EOF
			} else {
				a.err = err
			}
			return
		case <-l.timer.C:
			l.timerDue = time.Time{}
			l.timers(time.Now())
		case <-a.closing:
			return
		}
		if err := l.flush(); err != nil {
			l.fire(EventTransportDisconnect)
			a.err = err
			return
		}
	}
}

// armTimer points the timer at the earliest deadline.
func (l *agentLoop) armTimer() {
	due := l.stateDue
	for _, o := range l.outstanding {
		if due.IsZero() || o.due.Before(due) {
			due = o.due
		}
	}
	if l.xfer != nil && (due.IsZero() || l.xfer.due.Before(due)) {
		due = l.xfer.due
	}
	if due.Equal(l.timerDue) {
		return
	}
	l.timer.Stop()
	l.timerDue = due
	if !due.IsZero() {
		l.timer.Reset(time.Until(due))
	}
}

func (l *agentLoop) timers(now time.Time) {
	if !l.stateDue.IsZero() && !now.Before(l.stateDue) {
		l.stateDue = time.Time{}
		l.rejected = ErrResponseTimeout
		l.fire(l.stateTimer.Event())
		return
	}
	for _, o := range l.outstanding {
		if !now.Before(o.due) {
			l.rejected = ErrResponseTimeout
			l.fire(EventResponseTimeout)
			return
		}
	}
	if l.xfer != nil && !now.Before(l.xfer.due) {
		l.rejected = ErrResponseTimeout
		l.fire(EventResponseTimeout)
	}
}

func (l *agentLoop) setState(s State) {
	if s == l.state {
		return
	}
	from := l.state
	l.state = s
	l.a.state.Store(uint32(s))
	l.stateTimer = StateTimer(RoleAgent, s)
	l.stateDue = time.Time{}
	cfg := &l.a.cfg
	switch l.stateTimer {
	case TimerAssociation:
		l.stateDue = time.Now().Add(cfg.AssociationTimeout)
	case TimerConfiguration:
		l.stateDue = time.Now().Add(cfg.ConfigurationTimeout)
	case TimerRelease:
		l.stateDue = time.Now().Add(cfg.ReleaseTimeout)
	}
	if h := cfg.OnStateChange; h != nil {
		h(from, s)
	}
	switch s {
	case StateOperating:
		l.reply(&l.waitAssoc, nil)
	case StateUnassociated, StateDisconnected:
		l.xfer, l.xferNext = nil, nil
		err := l.rejected
		if err == nil {
			err = ErrAssociationAborted
		}
		l.rejected = nil
		l.reply(&l.waitAssoc, err)
		if from == StateDisassociating && err == ErrAssociationAborted {
			err = nil // RLRE received: release complete
		}
		l.reply(&l.waitRelease, err)
		l.failAll(err)
	}
}

func (l *agentLoop) reply(w **agentReq, err error) {
	if *w != nil {
		(*w).reply <- err
		*w = nil
	}
}

func (l *agentLoop) failAll(err error) {
	l.releaseIdle = false
	if err == nil {
		err = ErrNotOperating
	}
	for _, o := range l.outstanding {
		o.req.reply <- err
	}
	l.outstanding = l.outstanding[:0]
	l.reply(&l.waitAssoc, err)
	l.reply(&l.waitRelease, err)
}

// request serves one method call.
func (l *agentLoop) request(r *agentReq) {
	switch r.kind {
	case reqAssociate:
		if l.state != StateUnassociated {
			if l.state == StateOperating {
				r.reply <- nil
			} else {
				r.reply <- fmt.Errorf("%w: association in state %v", ErrUnexpectedEvent, l.state)
			}
			return
		}
		l.waitAssoc = r
		l.fire(EventReqAssociate)
	case reqReport:
		if l.state != StateOperating {
			r.reply <- fmt.Errorf("%w (state %v)", ErrNotOperating, l.state)
			return
		}
		l.sendReport(r)
	case reqRelease:
		switch l.state {
		case StateUnassociated:
			r.reply <- nil
			return
		case StateDisassociating:
			r.reply <- errors.New("ieee11073: release already in progress")
			return
		}
		l.waitRelease = r
		l.rejected = nil
		if l.state == StateOperating && (len(l.outstanding) > 0 || l.xfer != nil) {
			// A response arriving in Disassociating would abort: let them land first.
			l.releaseIdle = true
			return
		}
		l.fire(EventReqRelease)
		if l.state != StateDisassociating && l.waitRelease != nil {
			l.reply(&l.waitRelease, nil)
		}
	case reqAbort:
		l.fire(EventReqAbort)
		r.reply <- nil
	}
}

// fire runs one transition of the state machine and carries out its effect.
func (l *agentLoop) fire(ev Event) {
	next, eff, err := Next(RoleAgent, l.state, ev)
	if err != nil {
		return
	}
	switch eff {
	case EffectSendAARQ:
		l.sendAARQ()
	case EffectSendAARERejected:
		l.out.Choice = ChoiceAARE
		l.out.AARE = AARE{Result: AssociateResultRejectedPermanent}
		l.out.AARE.SelectedDataProto.ID = DataProtoID20601
		l.assocInfo(&l.out.AARE.SelectedDataProto.Assoc)
		l.send(&l.out)
	case EffectSendRLRQ, EffectSendRLRE, EffectSendABRT, EffectSendROER, EffectSendRORJ:
		if commonReply(eff, ev, &l.in, &l.out) {
			l.send(&l.out)
		}
	case EffectSendConfig:
		l.nextInvoke++
		l.configInvoke = l.nextInvoke
		l.prst(l.configInvoke, MessageROIVConfirmedEventReport)
		e := &l.out.PRST.EventReport
		e.ObjHandle = 0
		e.EventTime = 0xFFFFFFFF
		e.EventType = MDCNotiConfig
		e.Info = nil
		e.Report.Config = l.a.report
		l.send(&l.out)
	case EffectAnswerGet:
		l.answerGet()
	case EffectHandleResponse:
		l.handleResponse()
	}
	l.setState(next)
	switch ev {
	case EventRxAAREAcceptedUnknown:
		l.fire(EventReqSendConfig)
	case EventRxRORSConfigUnsupported:
		// The agent has no other configuration to offer: Associate fails and the caller
		// releases (or the manager's configuration timer aborts).
		l.reply(&l.waitAssoc, ErrConfigRejected)
		l.rejected = nil
	}
}

func (l *agentLoop) assocInfo(p *PhdAssociationInformation) {
	p.ProtocolVersion = ProtocolVersion1
	p.EncodingRules = EncodingMDER
	p.NomenclatureVersion = NomenclatureVersion1
	p.FunctionalUnits = 0
	p.SystemType = SystemTypeAgent
	p.SystemID = l.a.cfg.SystemID[:]
	p.DevConfigID = l.a.cfg.ConfigID
	p.DataReqModeCapab = DataReqModeCapab{Flags: DataReqModeCapabInitAgent, InitAgentCount: 1}
	p.OptionList = p.OptionList[:0]
}

func (l *agentLoop) sendAARQ() {
	l.out.Choice = ChoiceAARQ
	l.out.AARQ.AssocVersion = AssocVersion1
	if cap(l.out.AARQ.DataProtos) == 0 {
		l.out.AARQ.DataProtos = make([]DataProto, 1)
	}
	l.out.AARQ.DataProtos = l.out.AARQ.DataProtos[:1]
	d := &l.out.AARQ.DataProtos[0]
	d.ID = DataProtoID20601
	d.Info = nil
	l.assocInfo(&d.Assoc)
	l.send(&l.out)
}

func (l *agentLoop) sendABRT(reason AbortReason) {
	l.out.Choice = ChoiceABRT
	l.out.ABRT.Reason = reason
	l.send(&l.out)
}

// abort sends an ABRT and leaves the association, for input the agent cannot decode.
func (l *agentLoop) abort(reason AbortReason, cause error) {
	if l.state == StateDisconnected {
		return
	}
	l.sendABRT(reason)
	l.rejected = cause
	l.setState(StateUnassociated)
}

func (l *agentLoop) prst(invoke uint16, msg MessageChoice) {
	l.out.Choice = ChoicePRST
	l.out.PRST.InvokeID = invoke
	l.out.PRST.Choice = msg
}

func (l *agentLoop) send(a *APDU) {
	if b, err := a.AppendBinary(l.wbuf); err == nil {
		l.wbuf = b
	}
}

func (l *agentLoop) flush() error {
	if len(l.wbuf) == 0 {
		return nil
	}
	_, err := l.a.conn.Write(l.wbuf)
	l.wbuf = l.wbuf[:0]
	return err
}

// sendReport encodes an event report; a confirmed one waits for its answer.
func (l *agentLoop) sendReport(r *agentReq) {
	l.fire(EventReqSendReport)
	l.nextInvoke++
	msg := MessageROIVEventReport
	if r.confirmed {
		msg = MessageROIVConfirmedEventReport
	}
	l.prst(l.nextInvoke, msg)
	l.out.PRST.EventReport = *r.report
	b, err := l.out.AppendBinary(l.wbuf)
	l.out.PRST.EventReport = EventReportArgument{} // drop references to the caller's data
	if err != nil {
		r.reply <- err
		return
	}
	l.wbuf = b
	if !r.confirmed {
		if err := l.flush(); err != nil {
			r.reply <- err
			return
		}
		r.reply <- nil
		return
	}
	l.outstanding = append(l.outstanding, outstandingReport{
		invoke: l.nextInvoke,
		due:    time.Now().Add(l.a.cfg.ResponseTimeout),
		req:    r,
	})
}

// receive decodes one APDU from the manager and feeds it to the state machine. It returns
// an error only for input that cannot be decoded.
func (l *agentLoop) receive(apdu []byte) error {
	if _, err := l.in.Unmarshal(apdu); err != nil {
		return err
	}
	switch l.in.Choice {
	case ChoiceAARQ:
		l.fire(EventRxAARQ)
	case ChoiceAARE:
		ev := EventRxAARE
		if l.state == StateAssociating {
			switch r := l.in.AARE.Result; r {
			case AssociateResultAccepted:
				ev = EventRxAAREAccepted
			case AssociateResultAcceptedUnknownConfig:
				ev = EventRxAAREAcceptedUnknown
			default:
				ev = EventRxAARERejected
				l.rejected = &AssociationRejectedError{Result: r}
			}
		}
		l.fire(ev)
	case ChoiceRLRQ:
		l.fire(EventRxRLRQ)
	case ChoiceRLRE:
		l.fire(EventRxRLRE)
	case ChoiceABRT:
		l.rejected = fmt.Errorf("%w by the manager: %v", ErrAssociationAborted, l.in.ABRT.Reason)
		l.fire(EventRxABRT)
	case ChoicePRST:
		if l.pmStoreInvoke() {
			return nil
		}
		l.fire(l.classifyData())
	}
	return nil
}

func (l *agentLoop) classifyData() Event {
	d := &l.in.PRST
	switch d.Choice {
	case MessageROIVEventReport:
		return EventRxEventReport
	case MessageROIVConfirmedEventReport:
		return EventRxConfirmedEventReport
	case MessageROIVGet:
		return EventRxGet
	case MessageROER:
		return EventRxROER
	case MessageRORJ:
		return EventRxRORJ
	case MessageRORSConfirmedEventReport:
		if l.state == StateWaitingApproval && d.InvokeID == l.configInvoke && d.EventReportResult.EventType == MDCNotiConfig {
			if d.EventReportResult.Reply.Config.Result == ConfigResultAccepted {
				return EventRxRORSConfigAccepted
			}
			return EventRxRORSConfigUnsupported
		}
	}
	if d.Choice.IsInvoke() {
		return EventRxOtherInvoke
	}
	return EventRxRORS
}

// handleResponse completes the outstanding report the response answers.
func (l *agentLoop) handleResponse() {
	d := &l.in.PRST
	if l.segmentDataConfirmed() {
		if l.releaseIdle && len(l.outstanding) == 0 && l.xfer == nil {
			l.releaseIdle = false
			l.fire(EventReqRelease)
		}
		return
	}
	for i, o := range l.outstanding {
		if o.invoke != d.InvokeID {
			continue
		}
		var err error
		switch d.Choice {
		case MessageRORSConfirmedEventReport:
		case MessageROER:
			err = &RemoteError{Choice: MessageROER, Value: d.Error.ErrorValue}
		case MessageRORJ:
			err = &RemoteError{Choice: MessageRORJ, Problem: d.Reject.Problem}
		default:
			err = fmt.Errorf("ieee11073: unexpected answer %v to an event report", d.Choice)
		}
		o.req.reply <- err
		l.outstanding = append(l.outstanding[:i], l.outstanding[i+1:]...)
		if l.releaseIdle && len(l.outstanding) == 0 && l.xfer == nil {
			l.releaseIdle = false
			l.fire(EventReqRelease)
		}
		return
	}
}

// answerGet answers a GET on the MDS with the requested attributes (all when the list is
// empty), and a GET on any other object with ROER no-such-object-instance.
func (l *agentLoop) answerGet() {
	d := &l.in.PRST
	if d.Get.ObjHandle != 0 {
		l.prst(d.InvokeID, MessageROER)
		l.out.PRST.Error = ErrorResult{ErrorValue: ErrorValueNoSuchObjectInstance}
		l.send(&l.out)
		return
	}
	l.prst(d.InvokeID, MessageRORSGet)
	g := &l.out.PRST.GetResult
	g.ObjHandle = 0
	g.Attributes = g.Attributes[:0]
	for _, attr := range l.mds {
		if len(d.Get.AttributeIDs) == 0 || containsOID(d.Get.AttributeIDs, attr.ID) {
			g.Attributes = append(g.Attributes, attr)
		}
	}
	l.send(&l.out)
}

func containsOID(l []OID, id OID) bool {
	for _, x := range l {
		if x == id {
			return true
		}
	}
	return false
}

// specProfile is the MDC_DEV_SPEC_PROFILE_* code of a standard configuration.
func specProfile(id ConfigID) OID {
	switch id {
	case 0x0190, 0x0191:
		return MDCDevSpecProfilePulsOxim
	case 0x02BC:
		return MDCDevSpecProfileBP
	case 0x0320:
		return MDCDevSpecProfileTemp
	case 0x05DC:
		return MDCDevSpecProfileScale
	case 0x06A4:
		return MDCDevSpecProfileGlucose
	}
	return 0
}

// mdsAttributes builds the attributes the agent answers a GET of the MDS with.
func (a *Agent) mdsAttributes() AttributeList {
	var attrs AttributeList
	add := func(id OID, v []byte) {
		for _, x := range a.cfg.MDS {
			if x.ID == id {
				return // the configured one wins
			}
		}
		attrs = append(attrs, AVA{ID: id, Value: v})
	}
	model := SystemModel{Manufacturer: []byte("phdkit"), ModelNumber: []byte("phdkit-agent")} // even lengths, as many managers expect
	if b, err := model.AppendBinary(nil); err == nil {
		add(MDCAttrIDModel, b)
	}
	add(MDCAttrSysID, append([]byte{0, 8}, a.cfg.SystemID[:]...))
	add(MDCAttrDevConfigID, []byte{byte(a.cfg.ConfigID >> 8), byte(a.cfg.ConfigID)})
	if p := specProfile(a.cfg.ConfigID); p != 0 {
		if b, err := (TypeVerList{{Type: p, Version: 1}}).AppendBinary(nil); err == nil {
			add(MDCAttrSysTypeSpecList, b)
		}
	}
	for _, x := range a.cfg.MDS {
		attrs = append(attrs, x)
	}
	return attrs
}
