package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/phdkit/phdkit/fusion"
)

// TestFallScenario runs wrist agents of which one plays a generated fall: the server must
// detect it and alarm the user, then (nobody answers) guardian and medical staff.
func TestFallScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 12 seconds")
	}
	r, err := runSystem(context.Background(), options{
		Agents: 12, Layers: 3, Duration: 11 * time.Second, Rate: 4, Data: t.TempDir(),
		Fallers: 1, ResponseTimeout: time.Second, SVMWindow: 40, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Analytics
	t.Logf("analytics %+v", a)
	if s := r.Summary; s.Stored != s.Sent || s.Lost != 0 {
		t.Errorf("sent %d, stored %d", s.Sent, s.Stored)
	}
	if len(r.FallerUsers) != 1 {
		t.Fatalf("fallers %v, want one", r.FallerUsers)
	}
	if !slices.Contains(a.FallUsers, r.FallerUsers[0]) {
		t.Errorf("falls detected for users %v, want user %d", a.FallUsers, r.FallerUsers[0])
	}
	if !slices.Contains(a.AlarmUsers, r.FallerUsers[0]) || r.Summary.Alarms == 0 {
		t.Errorf("alarms for users %v (%d), want user %d", a.AlarmUsers, r.Summary.Alarms, r.FallerUsers[0])
	}
	for _, p := range []fusion.Party{fusion.PartyUser, fusion.PartyGuardian, fusion.PartyMedical} {
		if a.Notices[p] == 0 {
			t.Errorf("no notice to %v", p)
		}
	}
	if a.Windows == 0 || a.Accuracy <= 0 {
		t.Errorf("svm: %d windows, accuracy %v (%s)", a.Windows, a.Accuracy, a.SVMErr)
	}
}
