package main

import (
	"context"
	"testing"
	"time"
)

// TestEndToEnd runs a small hierarchy in process (20 agents, two sub-gateways, one main
// gateway, the server) for a few seconds and checks that every confirmed measurement is
// stored exactly once and ledgered.
func TestEndToEnd(t *testing.T) {
	r, err := runSystem(context.Background(), options{
		Agents: 20, Layers: 4, Fanin: 2, PerGateway: 10, Duration: 3 * time.Second, Rate: 4, BLE: 3,
		Data: t.TempDir(), Drain: 20 * time.Second, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Summary
	t.Logf("summary %+v, resent %d, batches %d", s, r.Resent, r.Batches)
	if len(r.Gateways) != 2 || len(r.Gateways[0]) != 2 || len(r.Gateways[1]) != 1 {
		t.Errorf("gateways per layer %v, want [2 1]", r.Gateways)
	}
	if s.Sent < 20*4*2 {
		t.Errorf("sent %d, want at least %d", s.Sent, 20*4*2)
	}
	if s.Stored != s.Sent || r.DBCount != s.Sent || s.Lost != 0 {
		t.Errorf("sent %d, stored %d, rows %d, lost %d: want stored == rows == sent, 0 lost", s.Sent, s.Stored, r.DBCount, s.Lost)
	}
	if r.LedgerLen != uint64(r.DBCount) {
		t.Errorf("ledger holds %d entries for %d measurements", r.LedgerLen, r.DBCount)
	}
	if r.Proved == 0 {
		t.Error("no stored measurement's ledger inclusion was proved")
	}
	if r.LocalStored != s.Sent {
		t.Errorf("sub-gateways' local stores hold %d measurements, want %d", r.LocalStored, s.Sent)
	}
	if r.BLE < 3 {
		t.Errorf("%d measurements from 3 BLE cuffs in 3 s, want at least 3", r.BLE)
	}
	if r.Rejected != 0 {
		t.Errorf("%d entries rejected", r.Rejected)
	}
}

// TestDirect runs agents straight to the server (two layers).
func TestDirect(t *testing.T) {
	r, err := runSystem(context.Background(), options{
		Agents: 6, Layers: 2, Duration: 2 * time.Second, Rate: 4, Data: t.TempDir(), Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Summary; s.Sent == 0 || s.Stored != s.Sent || r.DBCount != s.Sent {
		t.Errorf("sent %d, stored %d, rows %d", s.Sent, s.Stored, r.DBCount)
	}
}

func TestTopology(t *testing.T) {
	for _, tt := range []struct {
		agents, layers, fanin int
		want                  []int
	}{
		{300, 4, 2, []int{2, 1}},
		{1200, 4, 2, []int{4, 2}},
		{1200, 3, 2, []int{4}},
		{10, 2, 2, nil},
		{300, 5, 3, []int{9, 3, 1}},
	} {
		got := topology(tt.agents, tt.layers, tt.fanin, 300)
		if len(got) != len(tt.want) {
			t.Errorf("topology(%d, %d, %d) = %v, want %v", tt.agents, tt.layers, tt.fanin, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("topology(%d, %d, %d) = %v, want %v", tt.agents, tt.layers, tt.fanin, got, tt.want)
				break
			}
		}
	}
}
