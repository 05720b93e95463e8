package fusion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Party is someone the engine notifies.
type Party uint8

// The parties. PartyNone marks records that concern no party (evaluations).
const (
	PartyNone     Party = iota // no party
	PartyUser                  // the monitored user, who must respond to an alarm
	PartyGuardian              // the user's guardian
	PartyMedical               // medical staff
)

var partyNames = [...]string{"none", "user", "guardian", "medical"}

// String returns the party's name.
func (p Party) String() string {
	if int(p) < len(partyNames) {
		return partyNames[p]
	}
	return fmt.Sprintf("Party(%d)", uint8(p))
}

// Trigger says why the engine evaluated the vitals.
type Trigger uint8

// The triggers.
const (
	TriggerFall     Trigger = iota + 1 // a fall was reported
	TriggerSchedule                    // the periodic evaluation fell due
	TriggerManual                      // the caller asked (Engine.Evaluate)
)

var triggerNames = [...]string{TriggerFall: "fall", TriggerSchedule: "schedule", TriggerManual: "manual"}

// String returns the trigger's name.
func (t Trigger) String() string {
	if int(t) < len(triggerNames) && triggerNames[t] != "" {
		return triggerNames[t]
	}
	return fmt.Sprintf("Trigger(%d)", uint8(t))
}

// FallEvent is a detected fall as the engine needs it. (It mirrors the fall package's event
// without importing it; examples/ converts one to the other.)
type FallEvent struct {
	At         time.Time
	PeakG      float64
	Angle      float64 // degrees from upright
	Confidence float64 // 0–1
}

// NoticeKind says what a Notice asks of its recipient.
type NoticeKind uint8

// The notice kinds.
const (
	// NoticeAlarm asks the user to respond (Engine.Respond) within the response time.
	NoticeAlarm NoticeKind = iota + 1
	// NoticeEscalation tells guardian or medical staff of the alarm with the current
	// condition; they acknowledge with Engine.Acknowledge.
	NoticeEscalation
	// NoticeReminder repeats an escalation nobody has acknowledged.
	NoticeReminder
	// NoticeResolved tells a party already notified that the alarm is over.
	NoticeResolved
)

var noticeNames = [...]string{NoticeAlarm: "alarm", NoticeEscalation: "escalation", NoticeReminder: "reminder", NoticeResolved: "resolved"}

// String returns the kind's name.
func (k NoticeKind) String() string {
	if int(k) < len(noticeNames) && noticeNames[k] != "" {
		return noticeNames[k]
	}
	return fmt.Sprintf("NoticeKind(%d)", uint8(k))
}

// Notice is one message to one party.
type Notice struct {
	Kind      NoticeKind
	To        Party
	AlarmID   uint64
	At        time.Time
	Stage     Stage
	Reason    string     // why: "fall", "stage emergency", "no response within 1m0s", …
	Condition Assessment // the current condition when the notice was sent
	Vitals    Vitals     // the vitals the condition was assessed on
	Fall      FallEvent  // the fall that triggered the alarm, when HasFall
	HasFall   bool
}

// Notifier delivers notices to one party (an app push, an SMS gateway, a hospital system).
// Notify should return promptly; its error is recorded and the engine carries on.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// Scorer stages a set of vitals. RuleScorer and NEWS2Scorer implement it.
type Scorer interface {
	Assess(v Vitals) Assessment
}

// AlarmState is the life cycle of an alarm:
//
//	AlarmAwaitingResponse → AlarmResolved       the user answers that they are fine (stage < escalation stage)
//	AlarmAwaitingResponse → AlarmEscalated      stage reaches the escalation stage, the user asks for help,
//	                                            or no response within EngineConfig.ResponseTimeout
//	AlarmEscalated        → AlarmAcknowledged   guardian or medical staff acknowledge
//	any open state        → AlarmResolved       Engine.Resolve
type AlarmState uint8

// The alarm states.
const (
	AlarmAwaitingResponse AlarmState = iota + 1
	AlarmEscalated
	AlarmAcknowledged
	AlarmResolved
)

var alarmStateNames = [...]string{AlarmAwaitingResponse: "awaiting response", AlarmEscalated: "escalated",
	AlarmAcknowledged: "acknowledged", AlarmResolved: "resolved"}

// String returns the state's name.
func (s AlarmState) String() string {
	if int(s) < len(alarmStateNames) && alarmStateNames[s] != "" {
		return alarmStateNames[s]
	}
	return fmt.Sprintf("AlarmState(%d)", uint8(s))
}

// Alarm is the engine's view of one alarm. Values returned by the engine are copies.
type Alarm struct {
	ID               uint64
	Trigger          Trigger
	State            AlarmState
	Opened           time.Time
	Stage            Stage      // highest stage seen while open
	Condition        Assessment // latest assessment
	Fall             FallEvent  // when HasFall
	HasFall          bool
	ResponseDeadline time.Time
	EscalatedAt      time.Time // zero if never escalated
	Reminders        int       // reminders sent after the escalation
	Duplicates       int       // later triggers folded into this alarm
	Acknowledged     []Party   // in order of acknowledgement
	Resolved         time.Time
	ResolvedBy       Party
	told             [4]bool // parties sent at least one notice
}

// Response is the user's answer to an alarm.
type Response uint8

// The responses.
const (
	ResponseOK   Response = iota + 1 // "I am fine": resolves an alarm below the escalation stage
	ResponseHelp                     // "I need help": escalates at once
)

var responseNames = [...]string{ResponseOK: "ok", ResponseHelp: "help"}

// String returns the response's name.
func (r Response) String() string {
	if int(r) < len(responseNames) && responseNames[r] != "" {
		return responseNames[r]
	}
	return fmt.Sprintf("Response(%d)", uint8(r))
}

// Action says what a Record records.
type Action uint8

// The record actions.
const (
	ActionEvaluated    Action = iota + 1 // vitals assessed (Stage, Detail: trigger and problems)
	ActionOpened                         // alarm opened
	ActionNotified                       // a notice was delivered (Party, Notice)
	ActionNotifyFailed                   // a notice could not be delivered (Party, Notice, Err)
	ActionDuplicate                      // a trigger folded into the open alarm
	ActionSuppressed                     // a scheduled re-alarm held back after the user said OK
	ActionResponded                      // the user responded (Detail: the response)
	ActionEscalated                      // the alarm was escalated (Detail: why)
	ActionAcknowledged                   // a party acknowledged
	ActionResolved                       // the alarm was resolved (Party: by whom)
)

var actionNames = [...]string{ActionEvaluated: "evaluated", ActionOpened: "opened", ActionNotified: "notified",
	ActionNotifyFailed: "notify failed", ActionDuplicate: "duplicate", ActionSuppressed: "suppressed",
	ActionResponded: "responded", ActionEscalated: "escalated", ActionAcknowledged: "acknowledged",
	ActionResolved: "resolved"}

// String returns the action's name.
func (a Action) String() string {
	if int(a) < len(actionNames) && actionNames[a] != "" {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Record is one line of the engine's audit trail: who was told what, and when.
type Record struct {
	At      time.Time
	AlarmID uint64 // 0 when no alarm is concerned
	Action  Action
	Party   Party
	Notice  NoticeKind // for ActionNotified and ActionNotifyFailed
	Stage   Stage
	Detail  string
	Err     error
}

// String formats the record for logs.
func (r Record) String() string {
	s := fmt.Sprintf("%s alarm %d %v", r.At.Format(time.RFC3339), r.AlarmID, r.Action)
	if r.Party != PartyNone {
		s += " " + r.Party.String()
	}
	if r.Notice != 0 {
		s += " " + r.Notice.String()
	}
	if r.Stage != StageUnknown {
		s += " stage " + r.Stage.String()
	}
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	if r.Err != nil {
		s += ": " + r.Err.Error()
	}
	return s
}

// EngineConfig configures an Engine. The zero value is valid: every zero field takes the
// default in its comment.
type EngineConfig struct {
	// Scorer stages the vitals. Default RuleScorer{} (the published two-signal rule).
	Scorer Scorer
	// User, Guardian and Medical deliver notices to each party. A nil notifier is allowed:
	// notices to that party are recorded as failed with ErrNoNotifier.
	User, Guardian, Medical Notifier
	// Now returns the current time. Default time.Now. Tests inject a fake clock.
	Now func() time.Time
	// AlarmStage is the stage at which the user is alarmed. Default StageSevere (3).
	AlarmStage Stage
	// EscalateStage is the stage at which guardian and medical staff are notified at
	// once, without waiting for the user. Default StageEmergency (4).
	EscalateStage Stage
	// ResponseTimeout is how long the user has to respond before guardian and medical
	// staff are notified. Default 60 s.
	ResponseTimeout time.Duration
	// AckTimeout is how long after an escalation (or the last reminder) the engine waits for
	// an acknowledgement before reminding guardian and medical staff. Default 5 min.
	AckTimeout time.Duration
	// MaxReminders bounds the reminders per alarm. Default 3; negative means none.
	MaxReminders int
	// EvaluateEvery is the period of scheduled evaluations driven by Tick. Default 5 min;
	// negative disables them.
	EvaluateEvery time.Duration
	// MaxVitalsAge is the age beyond which a reading is stale: it is left out of the
	// evaluation and reported as ErrStale. Default 15 min.
	MaxVitalsAge time.Duration
	// QuietPeriod: after the user answers OK, scheduled evaluations at the same or a lower
	// stage do not alarm again for this long (a fall or a higher stage still does).
	// Default 15 min; negative disables the suppression.
	QuietPeriod time.Duration
	// MaxRecords bounds the audit trail kept in memory; the oldest records are dropped
	// first. Default 10000.
	MaxRecords int
	// UnknownAfterFall, when true, does not alarm when a fall happens but the vitals cannot
	// be staged. Default false: a fall with no usable vitals alarms the user, because it
	// cannot be judged safe.
	UnknownAfterFall bool
}

func (c EngineConfig) withDefaults() (EngineConfig, error) {
	if c.Scorer == nil {
		c.Scorer = RuleScorer{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.AlarmStage == StageUnknown {
		c.AlarmStage = StageSevere
	}
	if c.EscalateStage == StageUnknown {
		c.EscalateStage = StageEmergency
	}
	if c.ResponseTimeout == 0 {
		c.ResponseTimeout = time.Minute
	}
	if c.AckTimeout == 0 {
		c.AckTimeout = 5 * time.Minute
	}
	if c.MaxReminders == 0 {
		c.MaxReminders = 3
	}
	if c.EvaluateEvery == 0 {
		c.EvaluateEvery = 5 * time.Minute
	}
	if c.MaxVitalsAge == 0 {
		c.MaxVitalsAge = 15 * time.Minute
	}
	if c.QuietPeriod == 0 {
		c.QuietPeriod = 15 * time.Minute
	}
	if c.MaxRecords == 0 {
		c.MaxRecords = 10000
	}
	switch {
	case c.AlarmStage > StageEmergency:
		return c, fmt.Errorf("%w: AlarmStage %v", ErrConfig, c.AlarmStage)
	case c.EscalateStage > StageEmergency || c.EscalateStage < c.AlarmStage:
		return c, fmt.Errorf("%w: EscalateStage %v", ErrConfig, c.EscalateStage)
	case c.ResponseTimeout < 0:
		return c, fmt.Errorf("%w: ResponseTimeout %v", ErrConfig, c.ResponseTimeout)
	case c.AckTimeout < 0:
		return c, fmt.Errorf("%w: AckTimeout %v", ErrConfig, c.AckTimeout)
	case c.MaxVitalsAge < 0:
		return c, fmt.Errorf("%w: MaxVitalsAge %v", ErrConfig, c.MaxVitalsAge)
	case c.MaxRecords < 0:
		return c, fmt.Errorf("%w: MaxRecords %d", ErrConfig, c.MaxRecords)
	}
	return c, nil
}

// Engine turns falls and vitals into alarms. It is a plain synchronous type driven by its
// caller: every method runs to completion on the calling goroutine, calling the notifiers
// inline, and the engine starts no goroutines and holds no locks. One goroutine owns an
// Engine; see the package documentation.
type Engine struct {
	cfg EngineConfig

	latest     Vitals
	at         [NumSignals]time.Time
	consAt     time.Time
	oxyAt      time.Time
	haveVitals bool

	nextEval     time.Time
	open         *Alarm
	alarms       []*Alarm
	nextID       uint64
	nextReminder time.Time

	quietUntil time.Time
	quietStage Stage

	records  []Record // ring buffer once MaxRecords is reached
	recStart int      // index of the oldest record
}

// NewEngine returns an engine for cfg, or an error wrapping ErrConfig.
func NewEngine(cfg EngineConfig) (*Engine, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: c}
	if c.EvaluateEvery > 0 {
		e.nextEval = c.Now().Add(c.EvaluateEvery)
	}
	return e, nil
}

func (e *Engine) record(r Record) {
	if r.At.IsZero() {
		r.At = e.cfg.Now()
	}
	if len(e.records) < e.cfg.MaxRecords {
		e.records = append(e.records, r)
		return
	}
	if len(e.records) == 0 {
		return
	}
	// Full: overwrite the oldest (a ring starting at recStart).
	e.records[e.recStart] = r
	e.recStart = (e.recStart + 1) % len(e.records)
}

// Records returns a copy of the audit trail, oldest first.
func (e *Engine) Records() []Record {
	out := make([]Record, 0, len(e.records))
	out = append(out, e.records[e.recStart:]...)
	return append(out, e.records[:e.recStart]...)
}

// Alarm returns a copy of alarm id.
func (e *Engine) Alarm(id uint64) (Alarm, bool) {
	if id == 0 || id > uint64(len(e.alarms)) {
		return Alarm{}, false
	}
	return e.alarms[id-1].copy(), true
}

// Open returns a copy of the open alarm (not yet resolved), if any.
func (e *Engine) Open() (Alarm, bool) {
	if e.open == nil {
		return Alarm{}, false
	}
	return e.open.copy(), true
}

func (a *Alarm) copy() Alarm {
	c := *a
	c.Acknowledged = append([]Party(nil), a.Acknowledged...)
	c.Condition.Problems = append([]Problem(nil), a.Condition.Problems...)
	return c
}

// UpdateVitals merges a set of observations into the latest known vitals: each reading
// present in v replaces the stored one unless the stored one is newer. v.At zero means now.
// Values are stored as given; implausible ones are reported when evaluated.
func (e *Engine) UpdateVitals(v Vitals) {
	if v.At.IsZero() {
		v.At = e.cfg.Now()
	}
	for s := Signal(0); s < NumSignals; s++ {
		r := v.Get(s)
		if r.OK && !v.At.Before(e.at[s]) {
			e.latest.Set(s, r)
			e.at[s] = v.At
			if s == SignalSpO2 {
				e.latest.SpO2Scale2 = v.SpO2Scale2
			}
		}
	}
	if v.Consciousness != ConsciousnessUnknown && !v.At.Before(e.consAt) {
		e.latest.Consciousness, e.consAt = v.Consciousness, v.At
	}
	if v.Oxygen != OxygenUnknown && !v.At.Before(e.oxyAt) {
		e.latest.Oxygen, e.oxyAt = v.Oxygen, v.At
	}
	if v.At.After(e.latest.At) {
		e.latest.At = v.At
	}
	e.haveVitals = true
}

// current returns the vitals to evaluate at now, stale readings removed, and the problems
// describing them.
func (e *Engine) current(now time.Time) (Vitals, []Problem) {
	v := e.latest
	var stale []Problem
	old := func(t time.Time) bool { return now.Sub(t) > e.cfg.MaxVitalsAge }
	for s := Signal(0); s < NumSignals; s++ {
		r := v.Get(s)
		if r.OK && old(e.at[s]) {
			stale = append(stale, Problem{Field: s.String(), Value: r.Value, Err: ErrStale,
				Detail: fmt.Sprintf("measured %v ago", now.Sub(e.at[s]).Round(time.Second))})
			v.Set(s, Reading{})
		}
	}
	if v.Consciousness != ConsciousnessUnknown && old(e.consAt) {
		stale = append(stale, Problem{Field: "Consciousness", Err: ErrStale})
		v.Consciousness = ConsciousnessUnknown
	}
	if v.Oxygen != OxygenUnknown && old(e.oxyAt) {
		stale = append(stale, Problem{Field: "Oxygen", Err: ErrStale})
		v.Oxygen = OxygenUnknown
	}
	return v, stale
}

// assess scores the current vitals, reporting stale readings as stale rather than missing.
func (e *Engine) assess(now time.Time) (Assessment, Vitals) {
	v, stale := e.current(now)
	a := e.cfg.Scorer.Assess(v)
	if len(stale) > 0 {
		kept := a.Problems[:0:0]
		for _, p := range a.Problems {
			dup := false
			for _, s := range stale {
				if p.Field == s.Field && errors.Is(p.Err, ErrMissing) {
					dup = true
				}
			}
			if !dup {
				kept = append(kept, p)
			}
		}
		a.Problems = append(kept, stale...)
		a.Partial = true
	}
	return a, v
}

// Outcome is what an evaluation did.
type Outcome struct {
	Condition  Assessment
	AlarmID    uint64 // the alarm opened, joined or still open; 0 if none
	Opened     bool   // a new alarm was opened
	Duplicate  bool   // folded into the alarm already open
	Escalated  bool   // guardian and medical staff were notified by this evaluation
	Suppressed bool   // a scheduled re-alarm held back by the quiet period
}

// Fall evaluates the latest vitals because a fall was detected, alarming as configured. The
// returned error joins the errors of notifiers that failed; the outcome is valid either way.
func (e *Engine) Fall(ctx context.Context, f FallEvent) (Outcome, error) {
	return e.evaluate(ctx, TriggerFall, &f)
}

// Evaluate evaluates the latest vitals now, as a scheduled evaluation would, but without
// the quiet period's suppression.
func (e *Engine) Evaluate(ctx context.Context) (Outcome, error) {
	return e.evaluate(ctx, TriggerManual, nil)
}

func (e *Engine) evaluate(ctx context.Context, tr Trigger, f *FallEvent) (Outcome, error) {
	now := e.cfg.Now()
	a, v := e.assess(now)
	out := Outcome{Condition: a}
	out.Condition.Problems = slices.Clone(a.Problems) // the caller's copy
	detail := tr.String()
	if len(a.Problems) > 0 {
		detail += fmt.Sprintf(", %d inputs not scored", len(a.Problems))
	}
	e.record(Record{At: now, Action: ActionEvaluated, Stage: a.Stage, Detail: detail})

	alarm := a.Stage >= e.cfg.AlarmStage
	if tr == TriggerFall && a.Stage == StageUnknown && !e.cfg.UnknownAfterFall {
		alarm = true
	}
	var errs []error
	if al := e.open; al != nil {
		al.Condition = a
		if a.Stage > al.Stage {
			al.Stage = a.Stage
		}
		if f != nil && !al.HasFall {
			al.Fall, al.HasFall = *f, true
		}
		out.AlarmID = al.ID
		if !alarm {
			return out, nil // the open alarm stays open until answered or resolved
		}
		al.Duplicates++
		out.Duplicate = true
		e.record(Record{At: now, AlarmID: al.ID, Action: ActionDuplicate, Stage: a.Stage, Detail: tr.String()})
		if al.State == AlarmAwaitingResponse && a.Stage >= e.cfg.EscalateStage {
			errs = append(errs, e.escalate(ctx, al, now, "stage "+a.Stage.String(), v))
			out.Escalated = true
		}
		return out, errors.Join(errs...)
	}
	if !alarm {
		return out, nil
	}
	if tr == TriggerSchedule && e.cfg.QuietPeriod > 0 && now.Before(e.quietUntil) && a.Stage <= e.quietStage {
		out.Suppressed = true
		e.record(Record{At: now, Action: ActionSuppressed, Stage: a.Stage,
			Detail: "user answered OK at this stage until " + e.quietUntil.Format(time.RFC3339)})
		return out, nil
	}

	e.nextID++
	al := &Alarm{ID: e.nextID, Trigger: tr, State: AlarmAwaitingResponse, Opened: now, Stage: a.Stage,
		Condition: a, ResponseDeadline: now.Add(e.cfg.ResponseTimeout)}
	if f != nil {
		al.Fall, al.HasFall = *f, true
	}
	e.alarms = append(e.alarms, al)
	e.open = al
	out.AlarmID, out.Opened = al.ID, true
	e.record(Record{At: now, AlarmID: al.ID, Action: ActionOpened, Stage: a.Stage, Detail: tr.String()})
	reason := tr.String()
	if tr != TriggerFall {
		reason = "stage " + a.Stage.String()
	}
	errs = append(errs, e.notify(ctx, al, PartyUser, NoticeAlarm, now, reason, a, v))
	if a.Stage >= e.cfg.EscalateStage {
		errs = append(errs, e.escalate(ctx, al, now, "stage "+a.Stage.String(), v))
		out.Escalated = true
	}
	return out, errors.Join(errs...)
}

func (e *Engine) notifier(p Party) Notifier {
	switch p {
	case PartyUser:
		return e.cfg.User
	case PartyGuardian:
		return e.cfg.Guardian
	case PartyMedical:
		return e.cfg.Medical
	}
	return nil
}

func (e *Engine) notify(ctx context.Context, al *Alarm, p Party, k NoticeKind, now time.Time, reason string, a Assessment, v Vitals) error {
	n := Notice{Kind: k, To: p, AlarmID: al.ID, At: now, Stage: a.Stage, Reason: reason,
		Condition: a, Vitals: v, Fall: al.Fall, HasFall: al.HasFall}
	n.Condition.Problems = append([]Problem(nil), a.Problems...)
	var err error
	if nf := e.notifier(p); nf == nil {
		err = ErrNoNotifier
	} else {
		err = nf.Notify(ctx, n)
	}
	al.told[p] = true
	if err != nil {
		e.record(Record{At: now, AlarmID: al.ID, Action: ActionNotifyFailed, Party: p, Notice: k, Stage: a.Stage, Detail: reason, Err: err})
		return fmt.Errorf("fusion: notifying %v of alarm %d: %w", p, al.ID, err)
	}
	e.record(Record{At: now, AlarmID: al.ID, Action: ActionNotified, Party: p, Notice: k, Stage: a.Stage, Detail: reason})
	return nil
}

// escalate notifies guardian and medical staff with the condition assessed now.
func (e *Engine) escalate(ctx context.Context, al *Alarm, now time.Time, reason string, v Vitals) error {
	a := al.Condition
	al.State = AlarmEscalated
	al.EscalatedAt = now
	e.nextReminder = now.Add(e.cfg.AckTimeout)
	e.record(Record{At: now, AlarmID: al.ID, Action: ActionEscalated, Stage: a.Stage, Detail: reason})
	return errors.Join(
		e.notify(ctx, al, PartyGuardian, NoticeEscalation, now, reason, a, v),
		e.notify(ctx, al, PartyMedical, NoticeEscalation, now, reason, a, v))
}

// Tick advances the engine's timers to now: a scheduled evaluation when due, escalation of
// an alarm whose response time ran out, reminders of an unacknowledged escalation. Call it
// periodically (every few seconds) or at NextDeadline. The returned error joins notifier
// failures.
func (e *Engine) Tick(ctx context.Context) error {
	now := e.cfg.Now()
	var errs []error
	if e.cfg.EvaluateEvery > 0 && !now.Before(e.nextEval) {
		e.nextEval = now.Add(e.cfg.EvaluateEvery)
		if e.haveVitals {
			_, err := e.evaluate(ctx, TriggerSchedule, nil)
			errs = append(errs, err)
		}
	}
	if al := e.open; al != nil {
		switch al.State {
		case AlarmAwaitingResponse:
			if !now.Before(al.ResponseDeadline) {
				a, v := e.assess(now) // the current condition
				al.Condition = a
				if a.Stage > al.Stage {
					al.Stage = a.Stage
				}
				errs = append(errs, e.escalate(ctx, al, now, fmt.Sprintf("no response within %v", e.cfg.ResponseTimeout), v))
			}
		case AlarmEscalated:
			if al.Reminders < e.cfg.MaxReminders && !now.Before(e.nextReminder) {
				al.Reminders++
				e.nextReminder = now.Add(e.cfg.AckTimeout)
				a, v := e.assess(now)
				al.Condition = a
				reason := fmt.Sprintf("not acknowledged, reminder %d", al.Reminders)
				errs = append(errs,
					e.notify(ctx, al, PartyGuardian, NoticeReminder, now, reason, a, v),
					e.notify(ctx, al, PartyMedical, NoticeReminder, now, reason, a, v))
			}
		}
	}
	return errors.Join(errs...)
}

// NextDeadline returns when Tick next has work to do, or the zero time if nothing is
// scheduled. A caller may sleep until then instead of ticking at a fixed rate.
func (e *Engine) NextDeadline() time.Time {
	var d time.Time
	earlier := func(t time.Time) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	if e.cfg.EvaluateEvery > 0 {
		earlier(e.nextEval)
	}
	if al := e.open; al != nil {
		switch {
		case al.State == AlarmAwaitingResponse:
			earlier(al.ResponseDeadline)
		case al.State == AlarmEscalated && al.Reminders < e.cfg.MaxReminders:
			earlier(e.nextReminder)
		}
	}
	return d
}

func (e *Engine) lookup(id uint64) (*Alarm, error) {
	if id == 0 || id > uint64(len(e.alarms)) {
		return nil, fmt.Errorf("%w: %d", ErrUnknownAlarm, id)
	}
	al := e.alarms[id-1]
	if al.State == AlarmResolved {
		return al, fmt.Errorf("%w: %d", ErrAlarmClosed, id)
	}
	return al, nil
}

// Respond records the user's answer to alarm id. ResponseOK resolves an alarm still
// awaiting a response whose stage is below the escalation stage; at or above it, or once
// escalated, the answer is recorded but the alarm stays open for guardian or medical staff
// to resolve. ResponseHelp escalates an alarm still awaiting a response at once.
func (e *Engine) Respond(ctx context.Context, id uint64, r Response) error {
	al, err := e.lookup(id)
	if err != nil {
		return err
	}
	if r != ResponseOK && r != ResponseHelp {
		return fmt.Errorf("%w: response %v", ErrConfig, r)
	}
	now := e.cfg.Now()
	e.record(Record{At: now, AlarmID: id, Action: ActionResponded, Party: PartyUser, Stage: al.Stage, Detail: r.String()})
	switch {
	case r == ResponseHelp && al.State == AlarmAwaitingResponse:
		a, v := e.assess(now)
		al.Condition = a
		return e.escalate(ctx, al, now, "user asked for help", v)
	case r == ResponseOK && al.State == AlarmAwaitingResponse && al.Stage < e.cfg.EscalateStage:
		e.quietUntil, e.quietStage = now.Add(e.cfg.QuietPeriod), al.Stage
		return e.resolve(ctx, al, PartyUser, now, "user answered OK")
	}
	return nil
}

// Acknowledge records that party p (guardian or medical staff) has taken charge of alarm id.
// An escalated alarm becomes acknowledged and reminders stop.
func (e *Engine) Acknowledge(ctx context.Context, id uint64, p Party) error {
	al, err := e.lookup(id)
	if err != nil {
		return err
	}
	if p != PartyGuardian && p != PartyMedical {
		return fmt.Errorf("%w: only guardian or medical staff acknowledge, not %v", ErrConfig, p)
	}
	now := e.cfg.Now()
	al.Acknowledged = append(al.Acknowledged, p)
	if al.State == AlarmEscalated {
		al.State = AlarmAcknowledged
	}
	e.record(Record{At: now, AlarmID: id, Action: ActionAcknowledged, Party: p, Stage: al.Stage})
	return nil
}

// Resolve closes alarm id on behalf of party p and tells the other parties already notified.
// The returned error joins notifier failures.
func (e *Engine) Resolve(ctx context.Context, id uint64, p Party, note string) error {
	al, err := e.lookup(id)
	if err != nil {
		return err
	}
	return e.resolve(ctx, al, p, e.cfg.Now(), note)
}

func (e *Engine) resolve(ctx context.Context, al *Alarm, p Party, now time.Time, note string) error {
	al.State = AlarmResolved
	al.Resolved, al.ResolvedBy = now, p
	if e.open == al {
		e.open = nil
	}
	e.record(Record{At: now, AlarmID: al.ID, Action: ActionResolved, Party: p, Stage: al.Stage, Detail: note})
	var errs []error
	for _, q := range []Party{PartyUser, PartyGuardian, PartyMedical} {
		if q != p && al.told[q] {
			errs = append(errs, e.notify(ctx, al, q, NoticeResolved, now, note, al.Condition, e.latest))
		}
	}
	return errors.Join(errs...)
}
