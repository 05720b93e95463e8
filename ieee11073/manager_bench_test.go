package ieee11073

import (
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchAgent is a minimal agent for load tests: it associates with captured AARQ bytes and
// then sends pre-encoded confirmed event reports, window at a time, checking each answer.
type benchAgent struct {
	c      net.Conn
	fr     *Framer
	batch  []byte // window reports, back to back
	window int
	invoke uint16
}

func newBenchAgent(b *testing.B, addr string, id int, window int) *benchAgent {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	a := &benchAgent{c: c, fr: NewFramer(c, 0), window: window}
	aarq := append([]byte(nil), loadSessions(b)[1].apdus[0].data...) // Antidote BP AARQ
	binary.BigEndian.PutUint64(aarq[36:], uint64(id)+1)              // a System ID per agent
	if _, err := c.Write(aarq); err != nil {
		b.Fatal(err)
	}
	aare, err := a.fr.ReadAPDU()
	if err != nil || len(aare) < 6 || aare[0] != 0xE3 || aare[4] != 0 || aare[5] != 0 {
		b.Fatalf("agent %d: AARE %x, %v", id, aare, err)
	}
	// A blood pressure report as the Antidote agent sends it, confirmed.
	ev := bpReport(120, 80, 93, 60)
	apdu := APDU{Choice: ChoicePRST, PRST: DataAPDU{Choice: MessageROIVConfirmedEventReport, EventReport: *ev}}
	for range window {
		if a.batch, err = apdu.AppendBinary(a.batch); err != nil {
			b.Fatal(err)
		}
	}
	return a
}

// round sends window reports and reads their answers.
func (a *benchAgent) round() error {
	size := len(a.batch) / a.window
	for i := range a.window {
		binary.BigEndian.PutUint16(a.batch[i*size+6:], a.invoke) // DataApdu.invoke-id
		a.invoke++
	}
	if _, err := a.c.Write(a.batch); err != nil {
		return err
	}
	for range a.window {
		rsp, err := a.fr.ReadAPDU()
		if err != nil {
			return err
		}
		if len(rsp) < 10 || rsp[8] != 0x02 || rsp[9] != 0x01 { // rors-cmip-confirmed-event-report
			return fmt.Errorf("answer %x is not a confirmed event report result", rsp)
		}
	}
	return nil
}

// BenchmarkManagerIngest measures how many confirmed event reports a Manager takes in from
// 1,000 concurrent agents over loopback TCP: each report is decoded down to its
// observations, handed to OnObservations and answered. One loop iteration is one round in
// which every agent sends windowsPerRound windows of window reports, waiting for the
// answers of each window before sending the next; window=1 is an agent that waits for each
// answer, window=8 one that keeps eight reports in flight.
func BenchmarkManagerIngest(b *testing.B) {
	for _, window := range []int{1, 8} {
		b.Run(fmt.Sprintf("agents=1000/window=%d", window), func(b *testing.B) {
			benchmarkIngest(b, 1000, window)
		})
	}
}

// windowsPerRound is how many windows each agent sends per benchmark iteration: the
// iterations are rounds every agent must finish, and longer rounds make the slowest agent of
// each round matter less.
const windowsPerRound = 16

func benchmarkIngest(b *testing.B, agents, window int) {
	var observations atomic.Int64
	_, addr := testManager(b, ManagerConfig{
		SkipMDSGet: true,
		OnObservations: func(_ *AssociationInfo, _ *EventReportArgument, obs []Observation) error {
			observations.Add(int64(len(obs)))
			return nil
		},
	})
	ag := make([]*benchAgent, agents)
	for i := range ag {
		ag[i] = newBenchAgent(b, addr, i, window)
	}
	defer func() {
		for _, a := range ag {
			a.c.Close()
		}
	}()

	// Each agent runs in its own goroutine, one round per signal.
	start := make([]chan struct{}, agents)
	var wg sync.WaitGroup
	var failed atomic.Value
	for i, a := range ag {
		start[i] = make(chan struct{}, 1)
		go func() {
			for range start[i] {
				for range windowsPerRound {
					if err := a.round(); err != nil {
						failed.CompareAndSwap(nil, err)
						break
					}
				}
				wg.Done()
			}
		}()
	}
	defer func() {
		for _, s := range start {
			close(s)
		}
	}()

	b.ReportAllocs()
	rounds := 0
	var cpu time.Duration
	for b.Loop() {
		if rounds == 0 {
			cpu = processCPU() // b.Loop starts the clock at its first call
		}
		wg.Add(agents)
		for _, s := range start {
			s <- struct{}{}
		}
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
		rounds++
	}
	cpu = processCPU() - cpu
	reports := float64(rounds * agents * window * windowsPerRound)
	b.ReportMetric(reports/b.Elapsed().Seconds(), "reports/s")
	if cpu > 0 {
		// On a shared machine the wall-clock rate depends on what else runs; the CPU time
		// the whole process (manager and agents) spends per report does much less.
		b.ReportMetric(float64(cpu.Microseconds())/reports, "cpu-µs/report")
	}
	b.ReportMetric(0, "ns/op")
	if got := observations.Load(); got != int64(reports)*4 {
		b.Fatalf("manager decoded %d observations, want %d", got, int64(reports)*4)
	}
}

// TestManagerReportAllocs holds the manager's per-report path to zero allocations: decode
// the confirmed event report, decode its observations for the hook, encode the answer.
func TestManagerReportAllocs(t *testing.T) {
	m, err := NewManager(ManagerConfig{
		SkipMDSGet:     true,
		OnObservations: func(*AssociationInfo, *EventReportArgument, []Observation) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	c := newManagerConn(m, server)
	c.state = StateUnassociated
	if err := c.receive(loadSessions(t)[1].apdus[0].data); err != nil { // Antidote BP AARQ
		t.Fatal(err)
	}
	if c.state != StateOperating {
		t.Fatalf("state %v after the AARQ", c.state)
	}
	apdu := APDU{Choice: ChoicePRST, PRST: DataAPDU{InvokeID: 1, Choice: MessageROIVConfirmedEventReport, EventReport: *bpReport(120, 80, 93, 60)}}
	report, err := apdu.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		c.wbuf = c.wbuf[:0]
		if err := c.receive(report); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if len(c.wbuf) == 0 || c.info.Reports != 1 {
		t.Fatalf("no answer to the report (%d reports)", c.info.Reports)
	}
	if allocs := testing.AllocsPerRun(1000, run); allocs != 0 {
		t.Errorf("a confirmed report costs the manager %v allocations, want 0", allocs)
	}
}
