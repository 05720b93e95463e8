package ieee11073

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"sort"
	"sync"
	"testing"
	"time"
)

// testManager runs a Manager on a loopback listener and stops it at the end of the test.
func testManager(t testing.TB, cfg ManagerConfig) (*Manager, string) {
	t.Helper()
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- m.Serve(l) }()
	t.Cleanup(func() {
		m.Close()
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return m, l.Addr().String()
}

// recorder collects the hooks a Manager calls.
type recorder struct {
	mu      sync.Mutex
	assoc   []AssociationInfo
	mds     []AttributeList
	reports int
	obs     []Observation
	ended   []error
	endedCh chan error
}

func newRecorder() *recorder { return &recorder{endedCh: make(chan error, 100)} }

func (r *recorder) config(cfg ManagerConfig) ManagerConfig {
	cfg.OnAssociate = func(info *AssociationInfo) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.assoc = append(r.assoc, *info)
	}
	cfg.OnMDS = func(info *AssociationInfo, attrs AttributeList) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.mds = append(r.mds, copyAttributes(nil, attrs))
	}
	cfg.OnObservations = func(info *AssociationInfo, ev *EventReportArgument, obs []Observation) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.reports++
		r.obs = append(r.obs, obs...)
		return nil
	}
	cfg.OnDisassociate = func(info *AssociationInfo, err error) {
		r.endedCh <- err
	}
	return cfg
}

func dialAgent(t testing.TB, addr string, cfg AgentConfig) *Agent {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAgent(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// bpReport is a 10407 blood pressure scan report, as the Antidote agent sends it.
func bpReport(sys, dia, mean, pulse uint16) *EventReportArgument {
	obs := func(h Handle, v []byte) ObservationScanFixed { return ObservationScanFixed{ObjHandle: h, Value: v} }
	ts := []byte{0x20, 0x26, 0x11, 0x22, 0x02, 0x36, 0x55, 0x50}
	cmp := binary.BigEndian.AppendUint16(nil, 3)
	cmp = binary.BigEndian.AppendUint16(cmp, 6)
	cmp = binary.BigEndian.AppendUint16(cmp, sys)
	cmp = binary.BigEndian.AppendUint16(cmp, dia)
	cmp = binary.BigEndian.AppendUint16(cmp, mean)
	ev := &EventReportArgument{ObjHandle: 0, EventTime: 0xFFFFFFFF, EventType: MDCNotiScanReportFixed}
	ev.Report.ScanFixed = ScanReportInfoFixed{
		DataReqID:    DataReqIDAgentInitiated,
		ScanReportNo: 0,
		Observations: []ObservationScanFixed{
			obs(1, append(cmp, ts...)),
			obs(2, append(binary.BigEndian.AppendUint16(nil, pulse), ts...)),
		},
	}
	return ev
}

func TestAgentManagerLoopback(t *testing.T) {
	rec := newRecorder()
	_, addr := testManager(t, rec.config(ManagerConfig{}))
	var states []State
	a := dialAgent(t, addr, AgentConfig{OnStateChange: func(from, to State) { states = append(states, to) }})
	ctx := context.Background()
	if err := a.Associate(ctx); err != nil {
		t.Fatalf("Associate: %v", err)
	}
	if a.State() != StateOperating {
		t.Fatalf("State() = %v after Associate", a.State())
	}
	for i := range 5 {
		if err := a.SendReport(ctx, bpReport(120+uint16(i), 80, 93, 60), true); err != nil {
			t.Fatalf("confirmed report %d: %v", i, err)
		}
	}
	if err := a.SendReport(ctx, bpReport(121, 81, 94, 61), false); err != nil {
		t.Fatalf("unconfirmed report: %v", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if a.State() != StateUnassociated {
		t.Fatalf("State() = %v after Release", a.State())
	}
	select {
	case err := <-rec.endedCh:
		if err != nil {
			t.Fatalf("manager saw the association end with %v, want a release", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("manager did not report the end of the association")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.assoc) != 1 || rec.assoc[0].SystemID != a.SystemID() || rec.assoc[0].ConfigID != 0x02BC {
		t.Fatalf("OnAssociate: %+v", rec.assoc)
	}
	if rec.reports != 6 {
		t.Errorf("manager delivered %d reports, want 6", rec.reports)
	}
	// Each report holds systolic, diastolic, mean and pulse.
	if len(rec.obs) != 24 {
		t.Fatalf("manager delivered %d observations, want 24", len(rec.obs))
	}
	wantObs := []struct {
		code OID
		unit OID
		v    float64
	}{{MDCPressBldNoninvSys, MDCDimMmhg, 120}, {MDCPressBldNoninvDia, MDCDimMmhg, 80}, {MDCPressBldNoninvMean, MDCDimMmhg, 93}, {MDCPulsRateNonInv, MDCDimBeatPerMin, 60}}
	for i, w := range wantObs {
		o := rec.obs[i]
		if o.Type.Code != w.code || o.Unit != w.unit || o.Value.Float64() != w.v || o.Time.IsZero() {
			t.Errorf("observation %d = %+v, want %v %v %v with a time", i, o, w.code, w.unit, w.v)
		}
	}
	if got := rec.obs[4].Value.Float64(); got != 121 {
		t.Errorf("second report's systolic = %v, want 121", got)
	}
	if len(rec.mds) != 1 {
		t.Fatalf("OnMDS called %d times, want 1", len(rec.mds))
	}
	sys, ok := rec.mds[0].Get(MDCAttrSysID)
	id := a.SystemID()
	if !ok || !bytes.Equal(sys[2:], id[:]) {
		t.Errorf("MDS System-Id = %x, want %x", sys, a.SystemID())
	}
	want := []State{StateAssociating, StateOperating, StateDisassociating, StateUnassociated}
	if len(states) != len(want) {
		t.Fatalf("agent states %v, want %v", states, want)
	}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("agent states %v, want %v", states, want)
		}
	}
}

// extConfig is the extended blood pressure configuration of the published vector
// config_report_bp_ext_4000 (three objects), under configuration id.
func extConfig(t testing.TB, id ConfigID) *Configuration {
	t.Helper()
	rep := publishedAPDU(t, "config_report_bp_ext_4000").PRST.EventReport.Report.Config
	cfg, err := ParseConfigReport(&rep)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ID = id
	return cfg
}

func TestManagerExtendedConfiguration(t *testing.T) {
	rec := newRecorder()
	var accepted int
	cfg := rec.config(ManagerConfig{})
	cfg.Configs = &Registry{Policy: func(systemID []byte, c *Configuration) bool {
		accepted++
		return len(c.Objects) == 3
	}}
	_, addr := testManager(t, cfg)
	ctx := context.Background()
	agentCfg := AgentConfig{Config: extConfig(t, 0x4000), SystemID: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}
	for round := range 2 {
		var states []State
		agentCfg.OnStateChange = func(from, to State) { states = append(states, to) }
		a := dialAgent(t, addr, agentCfg)
		if err := a.Associate(ctx); err != nil {
			t.Fatalf("round %d: Associate: %v", round, err)
		}
		if err := a.Release(ctx); err != nil {
			t.Fatalf("round %d: Release: %v", round, err)
		}
		a.Close()
		want := []State{StateAssociating, StateConfigSending, StateWaitingApproval, StateOperating, StateDisassociating, StateUnassociated}
		if round == 1 {
			// The manager remembers the configuration by System ID and Config ID.
			want = []State{StateAssociating, StateOperating, StateDisassociating, StateUnassociated}
		}
		// Close ends the transport: the agent may or may not have reached Disconnected by
		// the time Close returns; the association's own transitions are what is checked.
		if n := len(states); n > 0 && states[n-1] == StateDisconnected {
			states = states[:n-1]
		}
		if len(states) != len(want) {
			t.Fatalf("round %d: agent states %v, want %v", round, states, want)
		}
		for i := range want {
			if states[i] != want[i] {
				t.Fatalf("round %d: agent states %v, want %v", round, states, want)
			}
		}
		<-rec.endedCh
	}
	if accepted != 1 {
		t.Errorf("Policy called %d times, want 1", accepted)
	}
}

func TestManagerRejectsConfiguration(t *testing.T) {
	rec := newRecorder()
	cfg := rec.config(ManagerConfig{})
	cfg.Configs = &Registry{Policy: func([]byte, *Configuration) bool { return false }}
	_, addr := testManager(t, cfg)
	a := dialAgent(t, addr, AgentConfig{Config: extConfig(t, 0x4001)})
	err := a.Associate(context.Background())
	if !errors.Is(err, ErrConfigRejected) {
		t.Fatalf("Associate error = %v, want ErrConfigRejected", err)
	}
	if a.State() != StateConfigSending {
		t.Errorf("State() = %v, want ConfigSending (the agent may offer another configuration)", a.State())
	}
}

// rawConn is a test peer that speaks APDUs by hand.
type rawConn struct {
	t  testing.TB
	c  net.Conn
	fr *Framer
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, fr: NewFramer(c, 0)}
}

func (r *rawConn) write(b []byte) {
	r.t.Helper()
	if _, err := r.c.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// read returns the next APDU decoded, failing the test after 5 s.
func (r *rawConn) read() (*APDU, []byte) {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := r.fr.ReadAPDU()
	if err != nil {
		r.t.Fatalf("reading from the manager: %v", err)
	}
	var a APDU
	if _, err := a.Unmarshal(b); err != nil {
		r.t.Fatalf("decoding %x: %v", b, err)
	}
	return &a, bytes.Clone(b)
}

// expectClosed checks that the manager hangs up.
func (r *rawConn) expectClosed() {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := r.fr.ReadAPDU(); err != io.EOF {
		r.t.Fatalf("ReadAPDU = %x, %v; want the manager to close the connection", b, err)
	}
}

// The captured Antidote pulse oximeter AARQ (standard configuration 0x0190).
func antidoteAARQ(t testing.TB) []byte {
	return loadSessions(t)[0].apdus[0].data
}

func TestManagerGarbageAbortsOnlyThatAgent(t *testing.T) {
	rec := newRecorder()
	m, addr := testManager(t, rec.config(ManagerConfig{}))
	ctx := context.Background()
	good := dialAgent(t, addr, AgentConfig{})
	if err := good.Associate(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		garbage []byte
		reason  AbortReason
	}{
		{"unknown APDU choice", []byte{0xE9, 0x00, 0x00, 0x02, 0x00, 0x00}, AbortReasonUndefined},
		{"PRST with bad length", []byte{0xE7, 0x00, 0x00, 0x06, 0x00, 0x09, 0x00, 0x00, 0x01, 0x01}, AbortReasonUndefined},
		{"APDU too large", []byte{0xE7, 0x00, 0xFF, 0xFF}, AbortReasonBufferOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := dialRaw(t, addr)
			bad.write(antidoteAARQ(t))
			if a, _ := bad.read(); a.Choice != ChoiceAARE || a.AARE.Result != AssociateResultAccepted {
				t.Fatalf("AARE: %+v", a.AARE)
			}
			if a, _ := bad.read(); a.Choice != ChoicePRST || a.PRST.Choice != MessageROIVGet {
				t.Fatalf("want the GET of the MDS, got %v", a.Choice)
			}
			bad.write(tt.garbage)
			a, _ := bad.read()
			if a.Choice != ChoiceABRT || a.ABRT.Reason != tt.reason {
				t.Fatalf("manager answered garbage with %v %v, want ABRT %v", a.Choice, a.ABRT.Reason, tt.reason)
			}
			bad.expectClosed()
			if err := <-rec.endedCh; err == nil {
				t.Error("OnDisassociate error nil for an aborted association")
			}
			// The other association is untouched.
			if err := good.SendReport(ctx, bpReport(120, 80, 90, 70), true); err != nil {
				t.Fatalf("good agent after garbage: %v", err)
			}
		})
	}
	// The aborted connections' goroutines finish right after hanging up.
	for i := 0; m.Associations() != 1; i++ {
		if i == 500 {
			t.Fatalf("Associations() = %d, want 1", m.Associations())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestManagerTimeouts(t *testing.T) {
	rec := newRecorder()
	cfg := rec.config(ManagerConfig{ConfigurationTimeout: 100 * time.Millisecond, ResponseTimeout: 100 * time.Millisecond})
	_, addr := testManager(t, cfg)

	t.Run("configuration", func(t *testing.T) {
		r := dialRaw(t, addr)
		aarq := bytes.Clone(antidoteAARQ(t))
		binary.BigEndian.PutUint16(aarq[len(aarq)-10:], 0x4005) // dev-config-id: unknown extended
		r.write(aarq)
		if a, _ := r.read(); a.Choice != ChoiceAARE || a.AARE.Result != AssociateResultAcceptedUnknownConfig {
			t.Fatalf("AARE %+v, want accepted-unknown-config", a.AARE)
		}
		a, _ := r.read() // no configuration report sent
		if a.Choice != ChoiceABRT || a.ABRT.Reason != AbortReasonConfigurationTimeout {
			t.Fatalf("got %v %v, want ABRT configuration-timeout", a.Choice, a.ABRT.Reason)
		}
		if err := <-rec.endedCh; !errors.Is(err, ErrAssociationAborted) {
			t.Errorf("OnDisassociate error = %v", err)
		}
	})
	t.Run("response", func(t *testing.T) {
		r := dialRaw(t, addr)
		r.write(antidoteAARQ(t))
		r.read() // AARE
		if a, _ := r.read(); a.Choice != ChoicePRST || a.PRST.Choice != MessageROIVGet {
			t.Fatalf("want GET, got %v", a.Choice)
		}
		a, _ := r.read() // the GET is never answered
		if a.Choice != ChoiceABRT || a.ABRT.Reason != AbortReasonResponseTimeout {
			t.Fatalf("got %v %v, want ABRT response-timeout", a.Choice, a.ABRT.Reason)
		}
		<-rec.endedCh
	})
}

func TestManagerRejectsAARQ(t *testing.T) {
	_, addr := testManager(t, ManagerConfig{})
	aarq := bytes.Clone(antidoteAARQ(t))
	tests := []struct {
		name   string
		edit   func(b []byte)
		result AssociateResult
	}{
		{"no 20601 data protocol", func(b []byte) { binary.BigEndian.PutUint16(b[12:], 0x1234) }, AssociateResultRejectedNoCommonProtocol},
		{"assoc-version", func(b []byte) { binary.BigEndian.PutUint32(b[4:], 0x40000000) }, AssociateResultRejectedUnsupportedAssocVersion},
		{"encoding rules", func(b []byte) { binary.BigEndian.PutUint16(b[20:], 0x4000) }, AssociateResultRejectedNoCommonParameter},
		{"config id", func(b []byte) { binary.BigEndian.PutUint16(b[len(b)-10:], 0x8001) }, AssociateResultRejectedNoCommonParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(aarq)
			tt.edit(b)
			r := dialRaw(t, addr)
			r.write(b)
			a, _ := r.read()
			if a.Choice != ChoiceAARE || a.AARE.Result != tt.result {
				t.Fatalf("got %v %v, want AARE %v", a.Choice, a.AARE.Result, tt.result)
			}
			// Still unassociated: a data APDU is answered with an abort (20601 row 2.19).
			r.write([]byte{0xE7, 0x00, 0x00, 0x0E, 0x00, 0x0C, 0x00, 0x00, 0x01, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})
			if a, _ := r.read(); a.Choice != ChoiceABRT {
				t.Fatalf("got %v, want ABRT", a.Choice)
			}
		})
	}
}

// TestManagerMatchesAntidote replays the agent side of each captured Antidote session
// against the Manager and checks that the Manager answers byte for byte as the Antidote
// manager did.
func TestManagerMatchesAntidote(t *testing.T) {
	_, addr := testManager(t, ManagerConfig{SystemID: [8]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}})
	for _, s := range loadSessions(t) {
		t.Run(s.name, func(t *testing.T) {
			for _, a := range s.apdus {
				if _, _, err := new(APDU).unmarshalTolerant(a.data); err != nil {
					t.Skipf("the codec does not decode %x: %v", a.data, err)
				}
			}
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
		})
	}
}

// TestManagerMatchesAntidoteExtended replays what phdkit's Agent sent Antidote's manager
// with an extended configuration, and checks that the Manager answers with exactly the
// APDUs Antidote's manager sent. Antidote sends its GET while it checks the configuration,
// the Manager once the configuration is accepted, so the order differs; the set does not.
func TestManagerMatchesAntidoteExtended(t *testing.T) {
	_, addr := testManager(t, ManagerConfig{SystemID: [8]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}})
	s := loadSessionsFile(t, "testdata/antidote_manager_sessions.txt")[0]
	r := dialRaw(t, addr)
	var want []string
	for _, a := range s.apdus {
		if a.fromAgent {
			r.write(a.data)
		} else {
			want = append(want, hex.EncodeToString(a.data))
		}
	}
	var got []string
	for range want {
		_, b := r.read()
		got = append(got, hex.EncodeToString(b))
	}
	sort.Strings(want)
	sort.Strings(got)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("the Manager's answers differ from Antidote's:\n got %v\nwant %v", got, want)
		}
	}
}

func TestManagerShutdown(t *testing.T) {
	rec := newRecorder()
	m, err := NewManager(rec.config(ManagerConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- m.Serve(l) }()
	ctx := context.Background()
	var agents []*Agent
	for range 3 {
		a := dialAgent(t, l.Addr().String(), AgentConfig{})
		if err := a.Associate(ctx); err != nil {
			t.Fatal(err)
		}
		agents = append(agents, a)
	}
	idle := dialRaw(t, l.Addr().String())    // connected, never associates
	for i := 0; m.Associations() != 4; i++ { // accepted, not only queued in the listener
		if i == 500 {
			t.Fatalf("Associations() = %d, want 4", m.Associations())
		}
		time.Sleep(10 * time.Millisecond)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := m.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
	for i := range agents {
		if err := <-rec.endedCh; err != nil {
			t.Errorf("association %d ended with %v, want a release", i, err)
		}
	}
	for _, a := range agents {
		select {
		case <-a.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("agent still connected after Shutdown")
		}
		if a.State() != StateDisconnected {
			t.Errorf("agent state %v after Shutdown", a.State())
		}
	}
	idle.expectClosed()
	if err := m.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Shutdown = %v", err)
	}
}

// TestManagerShutdownDeadline checks that Shutdown gives up on an agent that never answers
// the release when its context ends, closes everything and still waits for the goroutines.
func TestManagerShutdownDeadline(t *testing.T) {
	m, err := NewManager(ManagerConfig{SkipMDSGet: true, ReleaseTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- m.Serve(l) }()
	r := dialRaw(t, l.Addr().String())
	r.write(antidoteAARQ(t))
	if a, _ := r.read(); a.Choice != ChoiceAARE {
		t.Fatalf("got %v, want AARE", a.Choice)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := m.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
	if n := m.Associations(); n != 0 {
		t.Errorf("Associations() = %d after Shutdown returned", n)
	}
	if a, _ := r.read(); a.Choice != ChoiceRLRQ {
		t.Errorf("the agent got %v, want the RLRQ", a.Choice)
	}
	r.expectClosed()
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close after Shutdown: %v", err)
	}
}

func TestManagerConfigErrors(t *testing.T) {
	for _, cfg := range []ManagerConfig{{MaxAPDU: -1}, {ResponseTimeout: -time.Second}} {
		if _, err := NewManager(cfg); err == nil {
			t.Errorf("NewManager(%+v) accepted a bad configuration", cfg)
		}
	}
}

// TestManagerContextCancel checks that cancelling the context of ServeConn aborts that
// association only.
func TestManagerContextCancel(t *testing.T) {
	rec := newRecorder()
	m, err := NewManager(rec.config(ManagerConfig{SkipMDSGet: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	client, server := net.Pipe()
	defer client.Close()
	ctx, cancel := context.WithCancel(context.Background())
	m.ServeConn(ctx, server)
	a, err := NewAgent(client, AgentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Associate(context.Background()); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-a.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the agent is still connected after the context was cancelled")
	}
	if err := <-rec.endedCh; !errors.Is(err, context.Canceled) && !errors.Is(err, ErrAssociationAborted) {
		t.Errorf("association ended with %v", err)
	}
}

// TestManagerPrivateEventReport checks that a manufacturer-specific event type reaches
// OnEventReport with its event-info, that the hook's error withholds the confirmation, and
// that standard reports still go to OnObservations.
func TestManagerPrivateEventReport(t *testing.T) {
	const private OID = 0xF001
	var mu sync.Mutex
	var infos [][]byte
	var standard int
	_, addr := testManager(t, ManagerConfig{
		OnObservations: func(*AssociationInfo, *EventReportArgument, []Observation) error {
			mu.Lock()
			defer mu.Unlock()
			standard++
			return nil
		},
		OnEventReport: func(info *AssociationInfo, ev *EventReportArgument) error {
			if ev.EventType != private {
				return errors.New("unexpected event type")
			}
			if bytes.Equal(ev.Info, []byte("refuse")) {
				return errors.New("refused")
			}
			mu.Lock()
			defer mu.Unlock()
			infos = append(infos, bytes.Clone(ev.Info))
			return nil
		},
	})
	ctx := context.Background()
	a := dialAgent(t, addr, AgentConfig{})
	if err := a.Associate(ctx); err != nil {
		t.Fatalf("Associate: %v", err)
	}
	if err := a.SendReport(ctx, &EventReportArgument{EventType: private, Info: []byte("sealed")}, true); err != nil {
		t.Fatalf("private report: %v", err)
	}
	if err := a.SendReport(ctx, bpReport(120, 80, 93, 60), true); err != nil {
		t.Fatalf("standard report: %v", err)
	}
	mu.Lock()
	if len(infos) != 1 || string(infos[0]) != "sealed" || standard != 1 {
		t.Errorf("hooks saw private %q and %d standard reports, want [sealed] and 1", infos, standard)
	}
	mu.Unlock()
	if err := a.SendReport(ctx, &EventReportArgument{EventType: private, Info: []byte("refuse")}, true); err == nil {
		t.Errorf("refused private report was confirmed")
	}
}
