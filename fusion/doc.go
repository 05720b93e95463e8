// Package fusion stages a user's condition from several biosignals and routes alarms to the
// user, their guardian and medical staff.
//
// Range tables (Tables, DefaultTables) map each signal to a Stage: good (1), abnormal (2),
// severe (3) or emergency (4). Blood pressure follows the 2017 ACC/AHA categories; heart
// rate, temperature, SpO2 and respiration rate follow the NEWS2 bands. Two scorers turn a
// set of Vitals into an Assessment:
//
//   - RuleScorer, the published rule: the user is at stage k when two or more biosignals
//     are at stage k or worse.
//   - NEWS2Scorer, the Royal College of Physicians' National Early Warning Score 2 (2017):
//     aggregate 0 / 1–4 / 5–6 / 7+ and any single parameter scoring 3, mapped to the four
//     stages. Without respiration rate or consciousness (a wrist sensor measures neither)
//     it is a partial NEWS2 and its score a lower bound; the Assessment says so.
//
// Missing, stale and implausible readings (a temperature of 80, a negative pressure) are
// never scored silently: they are left out and listed in Assessment.Problems.
//
// The Engine raises alarms. On a fall (Engine.Fall) or on a schedule (Engine.Tick) it
// evaluates the latest vitals; at stage 3 or higher it alarms the user and waits for a
// response; at stage 4, when the user asks for help, or when no response arrives within
// EngineConfig.ResponseTimeout, it notifies guardian and medical staff with the current
// condition, and reminds them (up to EngineConfig.MaxReminders times) until one
// acknowledges. A second trigger while an alarm is
// open joins it instead of raising another. Every evaluation, notice, response,
// acknowledgement and resolution is kept in an audit trail (Engine.Records): who was told
// what, and when.
//
//	eng, err := fusion.NewEngine(fusion.EngineConfig{
//		User: pushNotifier, Guardian: smsNotifier, Medical: hospitalNotifier,
//	})
//	eng.UpdateVitals(fusion.Vitals{HeartRate: fusion.Measured(138), SpO2: fusion.Measured(90)})
//	out, err := eng.Fall(ctx, fusion.FallEvent{At: time.Now(), PeakG: 3.8, Angle: 85})
//	// two signals severe: out.Opened, the user was alarmed; when they answer:
//	eng.Respond(ctx, out.AlarmID, fusion.ResponseOK)
//
// # Time
//
// The engine reads time only through EngineConfig.Now and acts on it only inside its
// methods: there are no timers. The caller drives it, calling Tick periodically or at
// NextDeadline, so tests run instantly with a fake clock.
//
// # Concurrency
//
// Scorers and tables are plain values, safe for concurrent use once built. The Engine is a
// plain synchronous type driven by its caller: it starts no goroutines, holds no locks and
// calls the notifiers inline, on the calling goroutine. One goroutine owns an Engine and
// makes every call on it (typically a loop that selects over fall events, vitals, user
// responses and a timer set to NextDeadline). Notifiers should hand the notice off and
// return quickly; a slow notifier delays the engine. Values the engine returns (Alarm,
// Record, Outcome) are copies the caller may keep.
package fusion
