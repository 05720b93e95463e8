package fusion_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/phdkit/phdkit/fusion"
)

// clock is a fake clock the tests advance by hand.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// inbox is a Notifier that keeps what it was sent and fails while fail is set.
type inbox struct {
	got  []fusion.Notice
	fail error
}

func (b *inbox) Notify(_ context.Context, n fusion.Notice) error {
	if b.fail != nil {
		return b.fail
	}
	b.got = append(b.got, n)
	return nil
}

func (b *inbox) kinds() []fusion.NoticeKind {
	var k []fusion.NoticeKind
	for _, n := range b.got {
		k = append(k, n.Kind)
	}
	return k
}

type rig struct {
	clk                     *clock
	user, guardian, medical *inbox
	e                       *fusion.Engine
}

func newRig(t *testing.T, cfg fusion.EngineConfig) *rig {
	t.Helper()
	r := &rig{clk: &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}, user: &inbox{}, guardian: &inbox{}, medical: &inbox{}}
	cfg.Now = r.clk.Now
	cfg.User, cfg.Guardian, cfg.Medical = r.user, r.guardian, r.medical
	e, err := fusion.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	return r
}

func (r *rig) counts() [3]int {
	return [3]int{len(r.user.got), len(r.guardian.got), len(r.medical.got)}
}

func emergencyVitals() fusion.Vitals {
	v := normal()
	v.HeartRate = m(160)
	v.SpO2 = m(82)
	v.Systolic, v.Diastolic = m(75), m(45)
	return v
}

func severeVitals() fusion.Vitals {
	v := normal()
	v.HeartRate = m(140)
	v.SpO2 = m(90)
	return v
}

var aFall = fusion.FallEvent{PeakG: 4.2, Angle: 85, Confidence: 0.95}

func TestFallWithEmergencyVitalsAlarmsEveryone(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{})
	ctx := context.Background()
	r.e.UpdateVitals(emergencyVitals())
	out, err := r.e.Fall(ctx, aFall)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Opened || !out.Escalated || out.Condition.Stage != fusion.StageEmergency {
		t.Fatalf("outcome = %+v", out)
	}
	if got := r.counts(); got != [3]int{1, 1, 1} {
		t.Fatalf("notices user/guardian/medical = %v, want 1/1/1", got)
	}
	if n := r.user.got[0]; n.Kind != fusion.NoticeAlarm || !n.HasFall || n.Fall.PeakG != 4.2 {
		t.Fatalf("user notice = %+v", n)
	}
	for _, b := range []*inbox{r.guardian, r.medical} {
		n := b.got[0]
		if n.Kind != fusion.NoticeEscalation || n.Stage != fusion.StageEmergency || n.Condition.Signals[fusion.SignalSpO2] != fusion.StageEmergency ||
			!n.Vitals.SpO2.OK || n.Vitals.SpO2.Value != 82 || n.AlarmID != out.AlarmID {
			t.Fatalf("%v notice lacks the current condition: %+v", n.To, n)
		}
	}
	al, ok := r.e.Open()
	if !ok || al.State != fusion.AlarmEscalated || al.ID != out.AlarmID {
		t.Fatalf("open alarm = %+v", al)
	}
	// "OK" from the user does not cancel an emergency.
	if err := r.e.Respond(ctx, al.ID, fusion.ResponseOK); err != nil {
		t.Fatal(err)
	}
	if al, _ := r.e.Open(); al.State != fusion.AlarmEscalated {
		t.Fatalf("emergency cancelled by the user: %v", al.State)
	}
}

func TestFallWithGoodVitalsAlarmsNoOne(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{})
	r.e.UpdateVitals(normal())
	out, err := r.e.Fall(context.Background(), aFall)
	if err != nil {
		t.Fatal(err)
	}
	if out.Opened || out.AlarmID != 0 || out.Condition.Stage != fusion.StageGood {
		t.Fatalf("outcome = %+v", out)
	}
	if got := r.counts(); got != [3]int{} {
		t.Fatalf("notices = %v, want none", got)
	}
	if _, ok := r.e.Open(); ok {
		t.Fatal("alarm open after a fall with good vitals")
	}
	recs := r.e.Records()
	if len(recs) != 1 || recs[0].Action != fusion.ActionEvaluated || recs[0].Stage != fusion.StageGood {
		t.Fatalf("records = %v, want one evaluation", recs)
	}
}

func TestNoResponseEscalates(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{ResponseTimeout: 30 * time.Second, AckTimeout: 2 * time.Minute, MaxReminders: 2, EvaluateEvery: -1})
	ctx := context.Background()
	r.e.UpdateVitals(severeVitals())
	out, err := r.e.Fall(ctx, aFall)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Opened || out.Escalated || r.counts() != [3]int{1, 0, 0} {
		t.Fatalf("severe fall: outcome %+v, notices %v; want the user alone alarmed", out, r.counts())
	}
	if d := r.e.NextDeadline(); !d.Equal(r.clk.t.Add(30 * time.Second)) {
		t.Fatalf("NextDeadline = %v, want response deadline", d)
	}
	r.clk.Advance(29 * time.Second)
	if err := r.e.Tick(ctx); err != nil || r.counts() != [3]int{1, 0, 0} {
		t.Fatalf("escalated before the deadline: %v %v", err, r.counts())
	}
	// Vitals worsen while waiting: the escalation carries the current condition.
	r.e.UpdateVitals(emergencyVitals())
	r.clk.Advance(time.Second)
	if err := r.e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if r.counts() != [3]int{1, 1, 1} {
		t.Fatalf("after the deadline notices = %v, want guardian and medical told", r.counts())
	}
	if n := r.medical.got[0]; n.Reason != "no response within 30s" || n.Stage != fusion.StageEmergency {
		t.Fatalf("escalation = %+v", n)
	}
	// Unacknowledged: reminders every 2 minutes, at most 2.
	for i := 0; i < 5; i++ {
		r.clk.Advance(2 * time.Minute)
		if err := r.e.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.guardian.kinds(); len(got) != 3 || got[1] != fusion.NoticeReminder || got[2] != fusion.NoticeReminder {
		t.Fatalf("guardian notices = %v, want escalation and 2 reminders", got)
	}
	if err := r.e.Acknowledge(ctx, out.AlarmID, fusion.PartyMedical); err != nil {
		t.Fatal(err)
	}
	if err := r.e.Resolve(ctx, out.AlarmID, fusion.PartyMedical, "ambulance on site"); err != nil {
		t.Fatal(err)
	}
	// User and guardian hear that it is over; medical staff resolved it themselves.
	if r.user.got[len(r.user.got)-1].Kind != fusion.NoticeResolved || r.guardian.got[len(r.guardian.got)-1].Kind != fusion.NoticeResolved ||
		r.medical.got[len(r.medical.got)-1].Kind == fusion.NoticeResolved {
		t.Fatalf("resolution notices: user %v guardian %v medical %v", r.user.kinds(), r.guardian.kinds(), r.medical.kinds())
	}
	if err := r.e.Respond(ctx, out.AlarmID, fusion.ResponseOK); !errors.Is(err, fusion.ErrAlarmClosed) {
		t.Fatalf("Respond after resolve = %v, want ErrAlarmClosed", err)
	}
	al, _ := r.e.Alarm(out.AlarmID)
	if al.State != fusion.AlarmResolved || al.ResolvedBy != fusion.PartyMedical || al.Reminders != 2 || len(al.Acknowledged) != 1 {
		t.Fatalf("alarm = %+v", al)
	}
}

func TestSecondFallDoesNotDuplicate(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{})
	ctx := context.Background()
	r.e.UpdateVitals(severeVitals())
	first, _ := r.e.Fall(ctx, aFall)
	r.clk.Advance(10 * time.Second)
	second, err := r.e.Fall(ctx, aFall)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Duplicate || second.Opened || second.AlarmID != first.AlarmID {
		t.Fatalf("second fall outcome = %+v", second)
	}
	if r.counts() != [3]int{1, 0, 0} {
		t.Fatalf("notices = %v, want the single original alarm", r.counts())
	}
	al, _ := r.e.Open()
	if al.Duplicates != 1 {
		t.Fatalf("Duplicates = %d", al.Duplicates)
	}
	// A duplicate at emergency stage escalates the open alarm instead of opening another.
	r.e.UpdateVitals(emergencyVitals())
	third, _ := r.e.Fall(ctx, aFall)
	if !third.Duplicate || !third.Escalated || r.counts() != [3]int{1, 1, 1} {
		t.Fatalf("emergency duplicate: %+v, notices %v", third, r.counts())
	}
}

func TestUserOKAndQuietPeriod(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{EvaluateEvery: time.Minute, QuietPeriod: 10 * time.Minute})
	ctx := context.Background()
	r.e.UpdateVitals(severeVitals())
	r.clk.Advance(time.Minute)
	if err := r.e.Tick(ctx); err != nil { // scheduled evaluation alarms without a fall
		t.Fatal(err)
	}
	al, ok := r.e.Open()
	if !ok || al.Trigger != fusion.TriggerSchedule || r.counts() != [3]int{1, 0, 0} {
		t.Fatalf("scheduled alarm: %+v %v", al, r.counts())
	}
	if err := r.e.Respond(ctx, al.ID, fusion.ResponseOK); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.e.Open(); ok {
		t.Fatal("alarm still open after the user answered OK")
	}
	// Same vitals on the next schedule: suppressed, nobody told again.
	r.e.UpdateVitals(severeVitals())
	r.clk.Advance(time.Minute)
	if err := r.e.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if r.counts() != [3]int{1, 0, 0} {
		t.Fatalf("re-alarmed during the quiet period: %v", r.counts())
	}
	// A fall breaks through the quiet period.
	out, _ := r.e.Fall(ctx, aFall)
	if !out.Opened || r.counts() != [3]int{2, 0, 0} {
		t.Fatalf("fall during quiet period: %+v %v", out, r.counts())
	}
	// The user asks for help: escalates at once.
	if err := r.e.Respond(ctx, out.AlarmID, fusion.ResponseHelp); err != nil {
		t.Fatal(err)
	}
	if r.counts() != [3]int{2, 1, 1} || r.guardian.got[0].Reason != "user asked for help" {
		t.Fatalf("help: %v %+v", r.counts(), r.guardian.got)
	}
	var suppressed bool
	for _, rec := range r.e.Records() {
		if rec.Action == fusion.ActionSuppressed {
			suppressed = true
		}
	}
	if !suppressed {
		t.Fatal("suppression not recorded")
	}
}

func TestNotifierFailureIsRecorded(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{})
	ctx := context.Background()
	boom := errors.New("sms gateway down")
	r.guardian.fail = boom
	r.e.UpdateVitals(emergencyVitals())
	out, err := r.e.Fall(ctx, aFall)
	if !errors.Is(err, boom) {
		t.Fatalf("Fall error = %v, want the notifier's", err)
	}
	if !out.Escalated || len(r.medical.got) != 1 {
		t.Fatalf("a failing guardian notifier stopped the escalation: %+v", out)
	}
	var failed bool
	for _, rec := range r.e.Records() {
		if rec.Action == fusion.ActionNotifyFailed && rec.Party == fusion.PartyGuardian && errors.Is(rec.Err, boom) {
			failed = true
		}
	}
	if !failed {
		t.Fatalf("failure not in the records: %v", r.e.Records())
	}
	// Nil notifiers are allowed and recorded as ErrNoNotifier.
	e, _ := fusion.NewEngine(fusion.EngineConfig{Now: r.clk.Now})
	e.UpdateVitals(emergencyVitals())
	if _, err := e.Fall(ctx, aFall); !errors.Is(err, fusion.ErrNoNotifier) {
		t.Fatalf("nil notifiers: %v", err)
	}
}

func TestStaleAndImplausibleVitals(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{MaxVitalsAge: 10 * time.Minute, EvaluateEvery: -1})
	ctx := context.Background()
	// Heart rate and SpO2 were bad an hour ago; only the temperature is fresh, and it is 80.
	r.e.UpdateVitals(severeVitals())
	r.clk.Advance(time.Hour)
	r.e.UpdateVitals(fusion.Vitals{Temperature: m(80)})
	out, err := r.e.Fall(ctx, aFall)
	if err != nil && !errors.Is(err, fusion.ErrNoNotifier) {
		t.Fatal(err)
	}
	c := out.Condition
	if !hasProblem(c, "HeartRate", fusion.ErrStale) || !hasProblem(c, "SpO2", fusion.ErrStale) ||
		!hasProblem(c, "Temperature", fusion.ErrImplausible) || hasProblem(c, "HeartRate", fusion.ErrMissing) {
		t.Fatalf("problems = %v", c.Problems)
	}
	// Nothing usable after a fall: the user is asked.
	if c.Stage != fusion.StageUnknown || !out.Opened || r.counts() != [3]int{1, 0, 0} {
		t.Fatalf("fall with no usable vitals: %+v %v", out, r.counts())
	}
	if n := r.user.got[0]; !n.Condition.Partial || len(n.Condition.Problems) == 0 {
		t.Fatalf("notice hides the problems: %+v", n.Condition)
	}
	// Older readings do not overwrite newer ones.
	r.e.UpdateVitals(fusion.Vitals{At: r.clk.t.Add(-2 * time.Hour), Temperature: m(37)})
	out, _ = r.e.Evaluate(ctx)
	if !hasProblem(out.Condition, "Temperature", fusion.ErrImplausible) {
		t.Fatalf("an older reading replaced a newer one: %v", out.Condition.Problems)
	}
}

func TestNEWS2Engine(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{Scorer: fusion.NEWS2Scorer{}})
	v := normal()
	v.Respiration = m(26) // one red parameter: severe under NEWS2 even though the rule sees one signal
	r.e.UpdateVitals(v)
	out, _ := r.e.Fall(context.Background(), aFall)
	if out.Condition.Method != fusion.MethodNEWS2 || out.Condition.Stage != fusion.StageSevere || !out.Opened {
		t.Fatalf("NEWS2 engine: %+v", out)
	}
}

func TestRecordsTrail(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{MaxRecords: 5})
	ctx := context.Background()
	r.e.UpdateVitals(emergencyVitals())
	out, _ := r.e.Fall(ctx, aFall)
	recs := r.e.Records()
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5 (bounded)", len(recs))
	}
	// evaluated, opened, notified user, escalated, notified guardian, notified medical: the
	// oldest (evaluated) was dropped.
	want := []fusion.Action{fusion.ActionOpened, fusion.ActionNotified, fusion.ActionEscalated, fusion.ActionNotified, fusion.ActionNotified}
	for i, rec := range recs {
		if rec.Action != want[i] || rec.AlarmID != out.AlarmID || !rec.At.Equal(r.clk.t) {
			t.Fatalf("record %d = %v, want %v", i, rec, want[i])
		}
	}
	if recs[1].Party != fusion.PartyUser || recs[1].Notice != fusion.NoticeAlarm || recs[4].Party != fusion.PartyMedical {
		t.Fatalf("records = %v", recs)
	}
	if s := recs[1].String(); s != "2026-03-01T08:00:00Z alarm 1 notified user alarm stage emergency: fall" {
		t.Fatalf("Record.String() = %q", s)
	}
}

func TestEngineErrors(t *testing.T) {
	for _, cfg := range []fusion.EngineConfig{
		{AlarmStage: 7},
		{AlarmStage: fusion.StageEmergency, EscalateStage: fusion.StageSevere},
		{ResponseTimeout: -time.Second},
		{AckTimeout: -time.Second},
		{MaxVitalsAge: -1},
		{MaxRecords: -1},
	} {
		if _, err := fusion.NewEngine(cfg); !errors.Is(err, fusion.ErrConfig) {
			t.Errorf("NewEngine(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
	r := newRig(t, fusion.EngineConfig{})
	ctx := context.Background()
	if err := r.e.Respond(ctx, 42, fusion.ResponseOK); !errors.Is(err, fusion.ErrUnknownAlarm) {
		t.Errorf("Respond(42) = %v", err)
	}
	if err := r.e.Acknowledge(ctx, 0, fusion.PartyMedical); !errors.Is(err, fusion.ErrUnknownAlarm) {
		t.Errorf("Acknowledge(0) = %v", err)
	}
	r.e.UpdateVitals(severeVitals())
	out, _ := r.e.Fall(ctx, aFall)
	if err := r.e.Acknowledge(ctx, out.AlarmID, fusion.PartyUser); !errors.Is(err, fusion.ErrConfig) {
		t.Errorf("user acknowledging = %v", err)
	}
	if err := r.e.Respond(ctx, out.AlarmID, fusion.Response(9)); !errors.Is(err, fusion.ErrConfig) {
		t.Errorf("Respond(9) = %v", err)
	}
	if _, ok := r.e.Alarm(99); ok {
		t.Error("Alarm(99) found")
	}
}

func TestRecordsRing(t *testing.T) {
	r := newRig(t, fusion.EngineConfig{MaxRecords: 3, EvaluateEvery: -1})
	ctx := context.Background()
	r.e.UpdateVitals(normal())
	for i := 0; i < 7; i++ {
		r.clk.Advance(time.Second)
		if _, err := r.e.Evaluate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	recs := r.e.Records()
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for i, rec := range recs {
		if want := r.clk.t.Add(time.Duration(i-2) * time.Second); !rec.At.Equal(want) {
			t.Fatalf("record %d at %v, want %v (the newest three, oldest first)", i, rec.At, want)
		}
	}
}
