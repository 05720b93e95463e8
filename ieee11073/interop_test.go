package ieee11073

// Interoperability with an independent implementation: Signove Antidote's sample TCP agent
// and manager (apps/sample_agent.c, apps/sample_manager.c). The tests find the programs
// through environment variables and skip when they are unset:
//
//	PHDKIT_ANTIDOTE_AGENT    path to Antidote's ieee_agent
//	PHDKIT_ANTIDOTE_MANAGER  path to Antidote's ieee_manager
//
// Both programs must be built to use 127.0.0.1 only and to take their TCP port from the
// ANTIDOTE_PORT environment variable (the agent also reads ANTIDOTE_INTERVAL, the seconds
// between its reports), as the loopback-only build of the samples does.

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func antidoteBinary(t *testing.T, env string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		t.Skipf("%s is not set: set it to Antidote's loopback-only sample program to run this interoperability test", env)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s=%s: %v", env, p, err)
	}
	return p
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer safe for a process's output and the test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startAntidote runs an Antidote program with its port and stops it when the test ends.
func startAntidote(t *testing.T, path string, port int, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "ANTIDOTE_PORT="+strconv.Itoa(port), "ANTIDOTE_INTERVAL=1")
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", path, tail(out.String(), 4000))
		}
	})
	return cmd, out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// TestInteropAntidoteAgent runs Antidote's agent for each specialization it simulates
// against a Manager: association, MDS GET, event reports, release.
func TestInteropAntidoteAgent(t *testing.T) {
	bin := antidoteBinary(t, "PHDKIT_ANTIDOTE_AGENT")
	tests := []struct {
		sensor   string
		configID ConfigID
		reports  int
		// The pulse oximeter agent announces configuration 0x0190 but sends the 0x0191
		// layout (8 octets of time stamp after each value); the glucometer agent puts 2
		// octets after the observation list inside the event-info. The Manager tolerates
		// both and counts them (ManagerConfig.StrictReports).
		otherLayout, trailing uint64
	}{
		{"pulseoximeter", 0x0190, 3, 3, 0},
		{"bloodpressure", 0x02BC, 3, 0, 0},
		// It also reports a handle 3 that 0x05DC lacks: skipped and counted.
		{"weightscale", 0x05DC, 3, 0, 0},
		{"glucometer", 0x06A4, 3, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.sensor, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			cfg := rec.config(ManagerConfig{})
			var counts [][2]uint64
			ended := cfg.OnDisassociate
			cfg.OnDisassociate = func(info *AssociationInfo, err error) {
				rec.mu.Lock()
				counts = append(counts, [2]uint64{info.OtherLayoutReports, info.TrailingOctetReports})
				rec.mu.Unlock()
				ended(info, err)
			}
			m, err := NewManager(cfg)
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go m.Serve(l)
			defer m.Close()
			port := l.Addr().(*net.TCPAddr).Port
			cmd, _ := startAntidote(t, bin, port, "--sensor="+tt.sensor)
			select {
			case err := <-rec.endedCh:
				if err != nil {
					t.Fatalf("association ended with %v, want a release", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no release from the Antidote agent within 30 s")
			}
			waitExit(t, cmd)
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if got := counts[0]; got != [2]uint64{tt.otherLayout, tt.trailing} {
				t.Errorf("OtherLayoutReports, TrailingOctetReports = %v, want %d, %d", got, tt.otherLayout, tt.trailing)
			}
			if len(rec.assoc) != 1 || rec.assoc[0].ConfigID != tt.configID {
				t.Fatalf("associations %+v, want one with config %#x", rec.assoc, tt.configID)
			}
			if len(rec.mds) != 1 {
				t.Fatalf("MDS attributes received %d times, want 1", len(rec.mds))
			}
			if v, ok := rec.mds[0].Get(MDCAttrSysID); !ok || len(v) != 10 {
				t.Errorf("MDS System-Id %x, %v", v, ok)
			}
			if rec.reports != tt.reports {
				t.Errorf("received %d reports, want %d", rec.reports, tt.reports)
			}
			if len(rec.obs) == 0 {
				t.Error("no observations decoded")
			}
			for _, o := range rec.obs {
				if o.Unit == 0 || o.Value.Float64() <= 0 {
					t.Errorf("observation %+v lacks a unit or a value", o)
				}
			}
		})
	}
}

func waitExit(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		cmd.Process.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("Antidote agent still running 10 s after the release")
	}
}

// capturedReport returns the event report the Antidote agent sent first in session name,
// to replay its observation bytes from our Agent.
func capturedReport(t *testing.T, name string) *EventReportArgument {
	t.Helper()
	for _, s := range loadSessions(t) {
		if s.name != name {
			continue
		}
		for _, a := range s.apdus {
			var apdu APDU
			if !a.fromAgent || !bytes.HasPrefix(a.data, []byte{0xE7}) {
				continue
			}
			if _, err := apdu.Unmarshal(a.data); err != nil {
				t.Skipf("captured %s report does not decode: %v", name, err)
			}
			if apdu.PRST.Choice.IsInvoke() {
				ev := apdu.PRST.EventReport
				ev.Info = nil
				return &ev
			}
		}
	}
	t.Fatalf("no event report in captured session %s", name)
	return nil
}

// publishedAPDU decodes the vector name of testdata/published_apdus.json.
func publishedAPDU(t testing.TB, name string) *APDU {
	t.Helper()
	b, err := os.ReadFile("testdata/published_apdus.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct{ Name, Hex string }
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors {
		if v.Name != name {
			continue
		}
		raw, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatal(err)
		}
		var a APDU
		if _, err := a.Unmarshal(raw); err != nil {
			t.Fatalf("vector %s: %v", name, err)
		}
		return &a
	}
	t.Fatalf("no vector %s", name)
	return nil
}

// dialAntidoteManager starts Antidote's manager on a free loopback port and connects to
// it. The port is chosen before Antidote binds it, so another connection of these parallel
// tests may take it first as its ephemeral port; Antidote then says it could not bind, and
// a new port is tried. A dial that the kernel connected to itself (source port = port,
// nothing listening) is refused the same way.
func dialAntidoteManager(t *testing.T, bin string) (net.Conn, *syncBuffer) {
	t.Helper()
	for range 5 {
		port := freePort(t)
		cmd, out := startAntidote(t, bin, port)
		ready, deadline := false, time.Now().Add(10*time.Second)
		for !ready && !strings.Contains(out.String(), "Error in bind") && time.Now().Before(deadline) {
			// Antidote signals a transport connection once it listens.
			ready = strings.Contains(out.String(), "fsm_evt_ind_transport_connection")
			time.Sleep(20 * time.Millisecond)
		}
		if ready {
			c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err == nil && c.LocalAddr().String() != c.RemoteAddr().String() {
				return c, out
			}
			if err == nil {
				c.Close()
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Fatal("Antidote manager never listened on a free port")
	return nil, nil
}

// TestInteropAntidoteManager runs our Agent against Antidote's manager: association, the
// manager's GET of the MDS attributes, confirmed event reports, release.
func TestInteropAntidoteManager(t *testing.T) {
	bin := antidoteBinary(t, "PHDKIT_ANTIDOTE_MANAGER")
	tests := []struct {
		session  string
		configID ConfigID
		want     []string // values and units Antidote prints once it has decoded our reports
	}{
		// The values of the first report of each captured session: systolic 123, diastolic
		// 76, mean 97 mmHg, pulse 85 bpm; SpO2 96.5 %, pulse 63.5 bpm; 73.2 kg (printed
		// from a float32).
		{"bloodpressure", 0x02BC, []string{`"123.000000"`, `"76.000000"`, `"97.000000"`, `"85.000000"`, `"mmHg"`, `"bpm"`}},
		{"pulseoximeter", 0x0190, []string{`"96.500000"`, `"63.500000"`, `"bpm"`}},
		{"weightscale", 0x05DC, []string{`"73.199997"`, `"kg"`}},
		// An extended configuration: Antidote must ask for it, accept it and decode
		// multiple-person fixed reports with it (systolic 113, diastolic 71, mean 85).
		{"bloodpressure-extended", 0x4000, []string{`"113.000000"`, `"71.000000"`, `"85.000000"`}},
		// Measurements built by SendObservations from the standard configurations: the
		// thermometer's is unknown to Antidote, which asks for it (accepted-unknown-config).
		{"glucose", 0x06A4, []string{`"97.000000"`}},
		{"thermometer", 0x0320, []string{`"36.599998"`, `"oC"`}}, // printed from a float32
	}
	for _, tt := range tests {
		t.Run(tt.session, func(t *testing.T) {
			t.Parallel()
			var report *EventReportArgument
			var config *Configuration
			if tt.configID.IsExtended() {
				config = extConfig(t, 0x4000)
				ev := publishedAPDU(t, "er_bp_mp_fixed_4000").PRST.EventReport
				ev.Info = nil
				report = &ev
			} else if tt.session == "glucose" || tt.session == "thermometer" {
				std, _ := StandardConfiguration(tt.configID)
				v, _ := NewFloat(970, -1) // 97 mg/dL
				if tt.configID == 0x0320 {
					v, _ = NewFloat(366, -1) // 36.6 °C
				}
				ev := EventReportArgument{EventTime: 0xFFFFFFFF, EventType: MDCNotiScanReportFixed}
				obs := []Observation{{Handle: 1, Value: v, Time: AbsoluteTimeOf(time.Date(2026, 11, 22, 3, 30, 0, 0, time.UTC))}}
				if err := FixedScanReport(std, obs, &ev.Report.ScanFixed); err != nil {
					t.Fatal(err)
				}
				report = &ev
			} else {
				report = capturedReport(t, tt.session)
			}
			c, out := dialAntidoteManager(t, bin)
			var gets int
			var mu sync.Mutex
			var states []State
			a, err := NewAgent(c, AgentConfig{
				ConfigID: tt.configID,
				Config:   config,
				OnStateChange: func(from, to State) {
					mu.Lock()
					defer mu.Unlock()
					states = append(states, to)
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := a.Associate(ctx); err != nil {
				t.Fatalf("Associate: %v", err)
			}
			for i := range 3 {
				if err := a.SendReport(ctx, report, true); err != nil {
					t.Fatalf("confirmed report %d: %v", i, err)
				}
			}
			// Antidote prints the MDS attributes once our answer to its GET is decoded.
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(out.String(), "print_device_attributes") {
				if time.Now().After(deadline) {
					t.Fatal("Antidote never received our answer to its GET")
				}
				time.Sleep(50 * time.Millisecond)
			}
			gets++
			if err := a.Release(ctx); err != nil {
				t.Fatalf("Release: %v", err)
			}
			if a.State() != StateUnassociated {
				t.Errorf("state %v after Release", a.State())
			}
			// Antidote prints each report before it answers it, but its output reaches
			// out through a pipe read by another goroutine: wait for the copy.
			text := out.String()
			for deadline := time.Now().Add(5 * time.Second); strings.Count(text, "Medical Device Data Updated") < 3 && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
				text = out.String()
			}
			if n := strings.Count(text, "Medical Device Data Updated"); n != 3 {
				t.Errorf("Antidote decoded %d reports, want 3", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("Antidote's output lacks %q", w)
				}
			}
			sysID := a.SystemID()
			if !strings.Contains(strings.ToLower(text), hex.EncodeToString(sysID[:])) {
				t.Errorf("Antidote's output lacks our system id %x", sysID)
			}
			if gets != 1 {
				t.Errorf("GETs answered: %d", gets)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(states) < 2 || states[len(states)-1] != StateUnassociated {
				t.Errorf("agent states %v", states)
			}
			// Antidote knows no thermometer configuration: it asks for ours.
			if (tt.configID.IsExtended() || tt.configID == 0x0320) && (len(states) < 3 || states[1] != StateConfigSending || states[2] != StateWaitingApproval) {
				t.Errorf("agent states %v: the configuration was not exchanged", states)
			}
			if errors.Is(a.Err(), ErrAgentClosed) {
				t.Errorf("agent stopped early: %v", a.Err())
			}
		})
	}
}
