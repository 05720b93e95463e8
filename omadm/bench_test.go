package omadm

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// package20 is a package 2 of 20 commands: Replace, Add, Get and Delete of PHD nodes.
func package20() *SyncML {
	m := &SyncML{Hdr: SyncHdr{SessionID: "1A2B", MsgID: "2",
		Target: Loc{URI: "IMEI:493005100592800"}, Source: Loc{URI: "https://dm.example.org/dm"},
		Meta: Meta{MaxMsgSize: 16384}}}
	m.Body.Commands = append(m.Body.Commands, Command{Kind: CmdStatus, CmdID: "1", MsgRef: "1", CmdRef: "0",
		Cmd: "SyncHdr", TargetRef: []string{"https://dm.example.org/dm"}, SourceRef: []string{"IMEI:493005100592800"}, Data: "212"})
	for i, c := range queueOf20() {
		c.CmdID = strconv.Itoa(i + 2)
		m.Body.Commands = append(m.Body.Commands, c)
	}
	m.Body.Final = true
	return m
}

func BenchmarkWBXMLEncode(b *testing.B) {
	m := package20()
	buf, _ := m.AppendWBXML(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = m.AppendWBXML(buf[:0])
	}
}

func BenchmarkXMLEncode(b *testing.B) {
	m := package20()
	buf, _ := m.AppendXML(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = m.AppendXML(buf[:0])
	}
}

func BenchmarkWBXMLDecode(b *testing.B) {
	in, _ := package20().AppendWBXML(nil)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var m SyncML
	for b.Loop() {
		if _, err := m.ParseWBXML(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXMLDecode(b *testing.B) {
	in, _ := package20().AppendXML(nil)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var m SyncML
	for b.Loop() {
		if _, err := m.ParseXML(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerSessions measures full management sessions per second over loopback
// HTTP with 1,000 concurrent devices: package 1, package 2 of two commands, package 3
// with the statuses and a Results, and the closing package.
func BenchmarkServerSessions(b *testing.B) {
	srv := &Server{}
	done := make(chan struct{})
	b.Cleanup(func() { close(done) }) // runs after the server's Shutdown
	url, reports := startServer(b, srv)
	go func() {
		for {
			select {
			case <-reports:
			case <-done:
				return
			}
		}
	}()
	const clients = 1000
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	n := int64(b.N)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > n {
					return
				}
				if err := benchSession(srv, hc, url, "dev-"+strconv.FormatInt(i, 10)); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d sessions failed", f)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sessions/s")
}

func benchSession(srv *Server, hc *http.Client, url, id string) error {
	srv.Enqueue(id,
		Command{Kind: CmdReplace, Items: []Item{{Target: Loc{URI: "./PHD/Interval"}, Meta: Meta{Format: "int"}, Data: "60"}}},
		Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./PHD/FwV"}}}},
	)
	post := func(m *SyncML) (*SyncML, error) {
		body, err := m.AppendWBXML(nil)
		if err != nil {
			return nil, err
		}
		resp, err := hc.Post(url, ContentTypeWBXML, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, errBench
		}
		var r SyncML
		_, err = r.ParseWBXML(buf.Bytes())
		return &r, err
	}
	hdr := SyncHdr{SessionID: "1", MsgID: "1", Target: Loc{URI: url}, Source: Loc{URI: id}}
	m := &SyncML{Hdr: hdr, Body: SyncBody{Commands: pkg1(AlertClientInitiated), Final: true}}
	m.Body.Commands[0].CmdID, m.Body.Commands[1].CmdID = "1", "2"
	r, err := post(m)
	if err != nil {
		return err
	}
	ans := answer(r, StatusOK, func(string) string { return "1.2.3" })
	for i := range ans {
		ans[i].CmdID = strconv.Itoa(i + 1)
	}
	hdr.MsgID = "2"
	r, err = post(&SyncML{Hdr: hdr, Body: SyncBody{Commands: ans, Final: true}})
	if err != nil {
		return err
	}
	if len(commands(r)) != 0 || !r.Body.Final {
		return errBench
	}
	return nil
}

var errBench = &StatusError{Code: StatusCommandFailed}

// TestEncodeAllocs holds encoding into a reused buffer to zero allocations: the server
// encodes every reply this way.
func TestEncodeAllocs(t *testing.T) {
	m := package20()
	x, _ := m.AppendXML(nil)
	w, _ := m.AppendWBXML(nil)
	if n := testing.AllocsPerRun(100, func() { x, _ = m.AppendXML(x[:0]) }); n != 0 {
		t.Errorf("AppendXML allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { w, _ = m.AppendWBXML(w[:0]) }); n != 0 {
		t.Errorf("AppendWBXML allocates %v times, want 0", n)
	}
}
