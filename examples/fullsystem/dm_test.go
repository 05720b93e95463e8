package main

import (
	"context"
	"testing"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/omadm"
)

// TestDMRoundTrip issues a Replace of the measurement interval to every blood pressure
// monitor: the command travels down through main and sub-gateways (kind 3), each device's
// DM client applies it in a session with its sub-gateway, and the statuses travel up
// (kind 2) to the server, which reports one per device.
func TestDMRoundTrip(t *testing.T) {
	r, err := runSystem(context.Background(), options{
		Agents: 24, Layers: 4, Fanin: 2, PerGateway: 12, Duration: 7 * time.Second, Rate: 2,
		Data: t.TempDir(), DM: "Replace ./PHD/Measurement/Interval 3 bp", DMAt: 2500 * time.Millisecond,
		DMPoll: time.Second, BLE: 2, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantDevices := 24/phd.NumKinds + 2 // and the BLE cuffs, through their bridge
	if len(r.DM) != wantDevices {
		t.Fatalf("server issued %d commands, want one per blood pressure monitor (%d)", len(r.DM), wantDevices)
	}
	for _, c := range r.DM {
		if c.Status != omadm.StatusOK || c.Kind != phd.KindBP {
			t.Errorf("device %s: status %d for %q", c.Device, c.Status, c.Command)
		}
	}
	if s := r.Summary; s.Stored != s.Sent {
		t.Errorf("sent %d, stored %d", s.Sent, s.Stored)
	}
}
