package ieee11073

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// FuzzManagerConn feeds arbitrary bytes to a live association of a running Manager, after a
// valid AARQ, and checks that the Manager neither panics nor disturbs another association,
// which must still get its confirmed report answered.
//
// The Manager's goroutines make coverage vary from run to run, which makes minimization
// slow: run it with a short -fuzzminimizetime, e.g.
//
//	go test -run '^$' -fuzz '^FuzzManagerConn$' -fuzztime 60s -fuzzminimizetime 2s ./ieee11073
func FuzzManagerConn(f *testing.F) {
	for _, s := range loadSessions(f) {
		var agentBytes []byte
		for _, a := range s.apdus[1:] { // after the AARQ the harness sends
			if a.fromAgent {
				agentBytes = append(agentBytes, a.data...)
			}
		}
		f.Add(uint8(0), agentBytes)
		f.Add(uint8(1), agentBytes)
	}
	if b, err := os.ReadFile("testdata/published_apdus.json"); err == nil {
		var vectors []struct{ Hex string }
		if json.Unmarshal(b, &vectors) == nil {
			for _, v := range vectors {
				if raw, err := hex.DecodeString(v.Hex); err == nil {
					f.Add(uint8(1), raw)
				}
			}
		}
	}
	f.Add(uint8(0), []byte{0xE7, 0x00, 0xFF, 0xFF})

	m, err := NewManager(ManagerConfig{
		OnObservations: func(*AssociationInfo, *EventReportArgument, []Observation) error { return nil },
		OnMDS:          func(*AssociationInfo, AttributeList) {},
	})
	if err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	good := associatedPipeAgent(f, m)
	aarq := loadSessions(f)[1].apdus[0].data // Antidote's blood pressure AARQ, 0x02BC
	report := bpReport(120, 80, 93, 60)

	f.Fuzz(func(t *testing.T, mode uint8, data []byte) {
		client, server := net.Pipe()
		if !m.ServeConn(ctx, server) {
			t.Fatal("ServeConn refused")
		}
		drained := make(chan struct{})
		go func() { // read everything the manager sends: net.Pipe writes block until read
			io.Copy(io.Discard, client)
			close(drained)
		}()
		first := aarq
		if mode&1 == 1 { // an unknown extended configuration: the manager waits for it
			first = append([]byte(nil), aarq...)
			binary.BigEndian.PutUint16(first[len(first)-10:], 0x4000+uint16(mode>>1))
		}
		client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if _, err := client.Write(first); err == nil {
			client.Write(data)
		}
		client.Close()
		<-drained
		for i := 0; m.Associations() != 1; i++ {
			if i == 2000 {
				t.Fatalf("%d connections still served after the fuzzed one closed", m.Associations())
			}
			time.Sleep(time.Millisecond)
		}
		if err := good.SendReport(ctx, report, true); err != nil {
			t.Fatalf("the other association failed: %v", err)
		}
	})
}

// associatedPipeAgent connects an Agent to m over an in-memory pipe and associates it; the
// Agent is closed when the test ends.
func associatedPipeAgent(tb testing.TB, m *Manager) *Agent {
	tb.Helper()
	agentSide, managerSide := net.Pipe()
	if !m.ServeConn(context.Background(), managerSide) {
		tb.Fatal("ServeConn refused")
	}
	a, err := NewAgent(agentSide, AgentConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	if err := a.Associate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return a
}
