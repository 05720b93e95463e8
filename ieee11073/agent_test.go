package ieee11073

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"
)

// sampleObservations returns one plausible measurement set for configuration cfg: one
// observation per value its objects report, in value-map order.
func sampleObservations(t testing.TB, cfg *Configuration, at time.Time) []Observation {
	t.Helper()
	var obs []Observation
	for i := range cfg.Objects {
		obj := &cfg.Objects[i]
		n := 1
		if len(obj.PhysioList) > 0 {
			n = len(obj.PhysioList)
		}
		for k := range n {
			v, err := NewFloat(int32(700+10*i+k), -1)
			if err != nil {
				t.Fatal(err)
			}
			obs = append(obs, Observation{Handle: obj.Handle, Value: v, Time: AbsoluteTimeOf(at)})
		}
	}
	return obs
}

func TestFixedScanReportRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC)
	for _, id := range StandardConfigurationIDs() {
		cfg, _ := StandardConfiguration(id)
		t.Run(fmt.Sprintf("%#04x", uint16(cfg.ID)), func(t *testing.T) {
			in := sampleObservations(t, cfg, at)
			ev := EventReportArgument{EventType: MDCNotiScanReportFixed}
			if err := FixedScanReport(cfg, in, &ev.Report.ScanFixed); err != nil {
				t.Fatalf("FixedScanReport: %v", err)
			}
			// Through the wire format and back.
			apdu := APDU{Choice: ChoicePRST, PRST: DataAPDU{InvokeID: 7, Choice: MessageROIVConfirmedEventReport, EventReport: ev}}
			b, err := apdu.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var back APDU
			if _, err := back.Unmarshal(b); err != nil {
				t.Fatalf("decoding our report %x: %v", b, err)
			}
			out, err := cfg.Observations(nil, &back.PRST.EventReport)
			if err != nil {
				t.Fatalf("Observations: %v", err)
			}
			if len(out) != len(in) {
				t.Fatalf("%d observations back, want %d", len(out), len(in))
			}
			for i := range in {
				if out[i].Handle != in[i].Handle || out[i].Value.Float64() != in[i].Value.Float64() {
					t.Errorf("observation %d = %+v, want handle %d value %v", i, out[i], in[i].Handle, in[i].Value)
				}
				hasTime := false
				for _, e := range cfg.Object(in[i].Handle).ValMap {
					hasTime = hasTime || e.ID == MDCAttrTimeStampAbs
				}
				if hasTime && out[i].Time != in[i].Time {
					t.Errorf("observation %d time %v, want %v", i, out[i].Time, in[i].Time)
				}
			}
		})
	}
}

func TestFixedScanReportErrors(t *testing.T) {
	bp, _ := StandardConfiguration(0x02BC)
	one := func(h Handle, m int32) Observation {
		v, _ := NewFloat(m, 0)
		return Observation{Handle: h, Value: v}
	}
	tests := []struct {
		name string
		obs  []Observation
		want error
	}{
		{"unknown object", []Observation{one(9, 1)}, ErrUnknownHandle},
		{"compound short of parts", []Observation{one(1, 120), one(1, 80)}, ErrValue},
		{"compound with a part too many", []Observation{one(1, 120), one(1, 80), one(1, 90), one(1, 1)}, ErrValue},
		{"value too precise for SFLOAT", []Observation{one(2, 1_000_000)}, ErrFloatRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s ScanReportInfoFixed
			if err := FixedScanReport(bp, tt.obs, &s); !errors.Is(err, tt.want) {
				t.Fatalf("FixedScanReport error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestAgentSpecializations runs an Agent of each standard configuration against a Manager
// and checks that the manager decodes what the agent measured.
func TestAgentSpecializations(t *testing.T) {
	rec := newRecorder()
	_, addr := testManager(t, rec.config(ManagerConfig{}))
	at := time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC)
	ctx := context.Background()
	total := 0
	for _, id := range StandardConfigurationIDs() {
		cfg, _ := StandardConfiguration(id)
		a := dialAgent(t, addr, AgentConfig{ConfigID: id})
		if err := a.Associate(ctx); err != nil {
			t.Fatalf("%v: Associate: %v", id, err)
		}
		obs := sampleObservations(t, cfg, at)
		if err := a.SendObservations(ctx, obs, true); err != nil {
			t.Fatalf("%v: SendObservations: %v", id, err)
		}
		if err := a.SendObservations(ctx, obs, false); err != nil {
			t.Fatalf("%v: unconfirmed SendObservations: %v", id, err)
		}
		if err := a.Release(ctx); err != nil {
			t.Fatalf("%v: Release: %v", id, err)
		}
		if err := <-rec.endedCh; err != nil {
			t.Fatalf("%v: association ended with %v", id, err)
		}
		total += 2 * len(obs)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.obs) != total {
		t.Fatalf("manager decoded %d observations, want %d", len(rec.obs), total)
	}
	for _, o := range rec.obs {
		if o.Unit == 0 || o.Value.Float64() < 70 {
			t.Errorf("observation %+v", o)
		}
	}
}

func TestAgentErrors(t *testing.T) {
	if _, err := NewAgent(nil, AgentConfig{ConfigID: 0x4000}); err == nil {
		t.Error("NewAgent accepted an extended configuration id without a Config")
	}
	if _, err := NewAgent(nil, AgentConfig{ConfigID: 0x9000}); err == nil {
		t.Error("NewAgent accepted a reserved configuration id")
	}
	if _, err := NewAgent(nil, AgentConfig{MaxAPDU: -1}); err == nil {
		t.Error("NewAgent accepted a negative MaxAPDU")
	}

	// Requests in the wrong state, and after the manager hangs up.
	c1, c2 := net.Pipe()
	a, err := NewAgent(c1, AgentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.SendReport(ctx, bpReport(1, 2, 3, 4), true); !errors.Is(err, ErrNotOperating) {
		t.Errorf("SendReport before Associate = %v, want ErrNotOperating", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Errorf("Release while unassociated = %v, want nil", err)
	}
	c2.Close()
	<-a.Done()
	if err := a.Associate(ctx); !errors.Is(err, ErrAgentClosed) {
		t.Errorf("Associate after hang-up = %v, want ErrAgentClosed", err)
	}
	if a.State() != StateDisconnected {
		t.Errorf("State() = %v after hang-up", a.State())
	}
	a.Close()
}

func TestAgentAssociationTimeout(t *testing.T) {
	c1, c2 := net.Pipe()
	defer c2.Close()
	go func() { // a manager that reads and never answers
		b := make([]byte, 256)
		for {
			if _, err := c2.Read(b); err != nil {
				return
			}
		}
	}()
	a, err := NewAgent(c1, AgentConfig{AssociationTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Associate(context.Background()); !errors.Is(err, ErrResponseTimeout) {
		t.Fatalf("Associate = %v, want ErrResponseTimeout", err)
	}
	if a.State() != StateUnassociated {
		t.Errorf("State() = %v after the association timeout", a.State())
	}
}

func TestAgentRejected(t *testing.T) {
	_, addr := testManager(t, ManagerConfig{})
	// The manager knows no configuration 0x3FFF and the agent's Config is the blood
	// pressure one under that id: the manager asks for it and accepts it.
	bp, _ := StandardConfiguration(0x02BC)
	a := dialAgent(t, addr, AgentConfig{ConfigID: 0x3FFF, Config: bp})
	if err := a.Associate(context.Background()); err != nil {
		t.Fatalf("Associate with an unknown standard configuration: %v", err)
	}

	// A manager that rejects every association.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fr := NewFramer(c, 0)
		if _, err := fr.ReadAPDU(); err != nil {
			return
		}
		aare := APDU{Choice: ChoiceAARE, AARE: AARE{Result: AssociateResultRejectedTransient}}
		aare.AARE.SelectedDataProto.ID = DataProtoID20601
		b, _ := aare.MarshalBinary()
		c.Write(b)
		fr.ReadAPDU() // until the agent hangs up
	}()
	b := dialAgent(t, l.Addr().String(), AgentConfig{})
	err = b.Associate(context.Background())
	var rej *AssociationRejectedError
	if !errors.As(err, &rej) || rej.Result != AssociateResultRejectedTransient {
		t.Fatalf("Associate = %v, want AssociationRejectedError rejected-transient", err)
	}
}

// silentManager accepts the association and then answers nothing; it reports every APDU
// it receives on the returned channel.
func silentManager(t *testing.T) (string, <-chan []byte) {
	t.Helper()
	return silentManagerSending(t, nil)
}

// silentManagerSending is silentManager that sends the APDUs in then after the AARE.
func silentManagerSending(t *testing.T, then []byte) (string, <-chan []byte) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	got := make(chan []byte, 100)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fr := NewFramer(c, 0)
		if _, err := fr.ReadAPDU(); err != nil { // AARQ
			return
		}
		aare := APDU{Choice: ChoiceAARE, AARE: AARE{Result: AssociateResultAccepted}}
		aare.AARE.SelectedDataProto.ID = DataProtoID20601
		aare.AARE.SelectedDataProto.Assoc.SystemID = make([]byte, 8)
		b, _ := aare.MarshalBinary()
		c.Write(append(b, then...))
		for {
			apdu, err := fr.ReadAPDU()
			if err != nil {
				close(got)
				return
			}
			got <- append([]byte(nil), apdu...)
		}
	}()
	return l.Addr().String(), got
}

func TestAgentTimeouts(t *testing.T) {
	tests := []struct {
		name string
		do   func(ctx context.Context, a *Agent) error
		want APDU // the last APDU the agent sends: an abort
	}{
		{"confirmed report", func(ctx context.Context, a *Agent) error {
			return a.SendReport(ctx, bpReport(120, 80, 93, 60), true)
		}, APDU{Choice: ChoiceABRT, ABRT: ABRT{Reason: AbortReasonResponseTimeout}}},
		{"release", func(ctx context.Context, a *Agent) error {
			return a.Release(ctx)
		}, APDU{Choice: ChoiceABRT, ABRT: ABRT{Reason: AbortReasonResponseTimeout}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, got := silentManager(t)
			a := dialAgent(t, addr, AgentConfig{ResponseTimeout: 50 * time.Millisecond, ReleaseTimeout: 50 * time.Millisecond})
			ctx := context.Background()
			if err := a.Associate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := tt.do(ctx, a); !errors.Is(err, ErrResponseTimeout) {
				t.Fatalf("error = %v, want ErrResponseTimeout", err)
			}
			if a.State() != StateUnassociated {
				t.Errorf("state %v after the timeout", a.State())
			}
			var last []byte
			for {
				select {
				case b := <-got:
					last = b
					continue
				case <-time.After(200 * time.Millisecond):
				}
				break
			}
			want, _ := tt.want.MarshalBinary()
			if string(last) != string(want) {
				t.Errorf("last APDU from the agent %x, want %x", last, want)
			}
		})
	}
}

// TestAgentGarbage checks that an agent aborts and hangs up on an APDU it cannot decode.
func TestAgentGarbage(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []byte, 10)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fr := NewFramer(c, 0)
		fr.ReadAPDU() // AARQ
		aare := APDU{Choice: ChoiceAARE, AARE: AARE{Result: AssociateResultAccepted}}
		aare.AARE.SelectedDataProto.ID = DataProtoID20601
		b, _ := aare.MarshalBinary()
		c.Write(b)
		c.Write([]byte{0xE7, 0x00, 0x00, 0x04, 0x00, 0x02, 0xFF, 0xFF}) // PRST holding a truncated DataApdu
		for {
			apdu, err := fr.ReadAPDU()
			if err != nil {
				close(got)
				return
			}
			got <- append([]byte(nil), apdu...)
		}
	}()
	a := dialAgent(t, l.Addr().String(), AgentConfig{})
	if err := a.Associate(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("agent still running after garbage")
	}
	var de *DecodeError
	if !errors.As(a.Err(), &de) {
		t.Fatalf("Err() = %v, want a *DecodeError", a.Err())
	}
	abrt, _ := (&APDU{Choice: ChoiceABRT, ABRT: ABRT{Reason: AbortReasonUndefined}}).MarshalBinary()
	if b := <-got; string(b) != string(abrt) {
		t.Errorf("agent sent %x, want ABRT %x", b, abrt)
	}
}
