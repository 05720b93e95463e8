package ieee11073

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// sessionNamed returns the captured Antidote session name.
func sessionNamed(t testing.TB, name string) capturedSession {
	t.Helper()
	for _, s := range loadSessions(t) {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no captured session %s", name)
	return capturedSession{}
}

// logLines collects what a Manager writes to its ErrorLog.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logLines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// TestManagerToleratesAntidoteAgents replays the captured sessions of Antidote's pulse
// oximeter and glucometer agents, whose reports break the standard (see
// ManagerConfig.StrictReports), against a Manager with the default configuration: it
// associates, answers as Antidote's manager did, decodes the values Antidote's manager
// printed, counts and logs each tolerance, and releases.
func TestManagerToleratesAntidoteAgents(t *testing.T) {
	tests := []struct {
		session   string
		configID  ConfigID
		values    []float64 // what Antidote's manager printed, in order
		units     []OID
		layout    uint64 // want OtherLayoutReports
		trailing  uint64 // want TrailingOctetReports
		logSubstr string
	}{
		{"pulseoximeter", 0x0190, []float64{96.5, 63.5, 95.5, 77.5, 95.5, 73.5},
			[]OID{MDCDimPercent, MDCDimBeatPerMin}, 3, 0, "layout of 0x0191"},
		{"glucometer", 0x06A4, []float64{13.2, 16.2, 27.2}, []OID{MDCDimMilliGPerDl}, 0, 3, "skipped 2 octets"},
	}
	for _, tt := range tests {
		t.Run(tt.session, func(t *testing.T) {
			rec := newRecorder()
			var log logLines
			var infos []AssociationInfo
			cfg := rec.config(ManagerConfig{SystemID: [8]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}, ErrorLog: log.logf})
			ended := cfg.OnDisassociate
			cfg.OnDisassociate = func(info *AssociationInfo, err error) {
				rec.mu.Lock()
				infos = append(infos, *info)
				rec.mu.Unlock()
				ended(info, err)
			}
			_, addr := testManager(t, cfg)
			s := sessionNamed(t, tt.session)
			r := dialRaw(t, addr)
			for i, a := range s.apdus {
				if a.fromAgent {
					r.write(a.data)
					continue
				}
				_, got := r.read()
				if !bytes.Equal(got, a.data) {
					t.Fatalf("APDU %d from the manager = %x, Antidote sent %x", i, got, a.data)
				}
			}
			select {
			case err := <-rec.endedCh:
				if err != nil {
					t.Fatalf("association ended with %v, want a release", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the association did not end")
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.assoc) != 1 || rec.assoc[0].ConfigID != tt.configID {
				t.Fatalf("associations %+v, want one with configuration %v", rec.assoc, tt.configID)
			}
			if rec.reports != 3 {
				t.Errorf("reports = %d, want 3", rec.reports)
			}
			if len(rec.obs) != len(tt.values) {
				t.Fatalf("%d observations, want %d", len(rec.obs), len(tt.values))
			}
			for i, o := range rec.obs {
				if got := o.Value.Float64(); got != tt.values[i] {
					t.Errorf("observation %d = %v, want %v", i, got, tt.values[i])
				}
				if want := tt.units[i%len(tt.units)]; o.Unit != want {
					t.Errorf("observation %d unit = %v, want %v", i, o.Unit, want)
				}
				if o.Time.IsZero() {
					t.Errorf("observation %d has no time stamp", i)
				}
			}
			info := infos[0]
			if info.OtherLayoutReports != tt.layout || info.TrailingOctetReports != tt.trailing {
				t.Errorf("OtherLayoutReports, TrailingOctetReports = %d, %d; want %d, %d",
					info.OtherLayoutReports, info.TrailingOctetReports, tt.layout, tt.trailing)
			}
			lines := log.get()
			if len(lines) != 1 || !strings.Contains(lines[0], tt.logSubstr) {
				t.Errorf("ErrorLog = %q, want one line containing %q", lines, tt.logSubstr)
			}
		})
	}
}

// TestManagerStrictReports checks that StrictReports turns the tolerances off: the quirky
// reports abort the association with the strict decoder's *DecodeError.
func TestManagerStrictReports(t *testing.T) {
	for _, name := range []string{"pulseoximeter", "glucometer"} {
		t.Run(name, func(t *testing.T) {
			rec := newRecorder()
			_, addr := testManager(t, rec.config(ManagerConfig{StrictReports: true}))
			s := sessionNamed(t, name)
			r := dialRaw(t, addr)
			for _, a := range s.apdus[:5] { // AARQ, AARE, GET, its answer, the first report
				if a.fromAgent {
					r.write(a.data)
				} else {
					r.read()
				}
			}
			select {
			case err := <-rec.endedCh:
				var de *DecodeError
				if !errors.As(err, &de) || !errors.Is(err, ErrLength) {
					t.Fatalf("association ended with %v, want a *DecodeError with ErrLength", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the association was not aborted")
			}
			a, _ := r.read()
			if a.Choice != ChoiceABRT {
				t.Errorf("manager sent %v, want ABRT", a.Choice)
			}
		})
	}
}

// TestStrictDecodersRejectQuirks checks that the codec stays strict: the reports the
// Manager tolerates still fail to decode with APDU.Unmarshal and
// Configuration.Observations.
func TestStrictDecodersRejectQuirks(t *testing.T) {
	gluc := sessionNamed(t, "glucometer").apdus[4].data
	var a APDU
	_, err := a.Unmarshal(gluc)
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrLength) || de.Field != "EventReportArgumentSimple.event-info" {
		t.Errorf("Unmarshal(glucometer report) = %v, want a *DecodeError for EventReportArgumentSimple.event-info", err)
	}
	if _, skipped, err := a.unmarshalTolerant(gluc); err != nil || skipped != 2 {
		t.Errorf("unmarshalTolerant(glucometer report) skipped %d, %v; want 2, nil", skipped, err)
	}
	ox := sessionNamed(t, "pulseoximeter").apdus[4].data
	if _, err := a.Unmarshal(ox); err != nil {
		t.Fatalf("the oximeter report is well-formed MDER: %v", err)
	}
	cfg, _ := StandardConfiguration(0x0190)
	if _, err := cfg.Observations(nil, &a.PRST.EventReport); !errors.As(err, &de) || !errors.Is(err, ErrLength) {
		t.Errorf("0x0190 Observations(oximeter report) = %v, want a *DecodeError", err)
	}
	// Octets after a configuration report, or in any other APDU than an event report,
	// stay errors in the tolerant decoding too.
	for _, name := range []string{"bloodpressure", "pulseoximeter"} {
		aarq := sessionNamed(t, name).apdus[0].data
		bad := append(bytes.Clone(aarq), 0, 0)
		bad[3] += 2
		if _, _, err := a.unmarshalTolerant(bad); err == nil {
			t.Errorf("unmarshalTolerant accepted an AARQ with 2 extra octets: %x", bad)
		}
	}
}

// FuzzTolerantDecode feeds any input to the Manager's tolerant decoding: it must never
// panic, must agree with the strict decoder whenever that one succeeds, must skip octets
// only when the strict decoder fails, and what it returns must re-encode and decode
// strictly (the skipped octets gone). Observations are then taken with the announced and
// the other layout, as the Manager does.
func FuzzTolerantDecode(f *testing.F) {
	for _, s := range loadSessions(f) {
		for _, a := range s.apdus {
			f.Add(a.data)
		}
	}
	ox, _ := StandardConfiguration(0x0190)
	alt := otherStandardLayout(0x0190)
	f.Fuzz(func(t *testing.T, b []byte) {
		var strict, lax APDU
		n, serr := strict.Unmarshal(b)
		ln, skipped, lerr := lax.unmarshalTolerant(b)
		if serr == nil {
			if lerr != nil || skipped != 0 || ln != n {
				t.Fatalf("strict decoding took %d octets; tolerant = %d, skipped %d, %v", n, ln, skipped, lerr)
			}
		}
		if lerr != nil {
			return
		}
		if ln > len(b) || skipped > ln {
			t.Fatalf("tolerant decoding consumed %d and skipped %d of %d octets", ln, skipped, len(b))
		}
		enc, err := lax.MarshalBinary()
		if err != nil {
			t.Fatalf("re-encoding %x: %v", b, err)
		}
		if len(enc) != ln-skipped {
			t.Fatalf("re-encoded %d octets, want %d - %d skipped", len(enc), ln, skipped)
		}
		var again APDU
		if _, err := again.Unmarshal(enc); err != nil {
			t.Fatalf("re-encoded %x does not decode strictly: %v", enc, err)
		}
		if lax.Choice == ChoicePRST && lax.PRST.Choice.IsInvoke() {
			ev := &lax.PRST.EventReport
			ox.Observations(nil, ev)
			alt.Observations(nil, ev)
		}
	})
}
