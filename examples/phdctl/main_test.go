package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// phdctl runs one command in process and returns its exit code and output.
func phdctl(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

type vector struct {
	Name string
	Hex  string
}

// vectors reads the published APDUs the ieee11073 package tests with.
func vectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("../../ieee11073/testdata/published_apdus.json")
	if err != nil {
		t.Fatal(err)
	}
	var v []vector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDecodeEncodeRoundTrip checks that decode | encode gives back every published APDU
// octet for octet, and that the broken ones fail with the field named.
func TestDecodeEncodeRoundTrip(t *testing.T) {
	for _, v := range vectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			code, js, stderr := phdctl(t, "", "decode", v.Hex)
			if strings.HasPrefix(v.Name, "BAD_") {
				if code != 1 || !strings.Contains(stderr, "decoding ") || !strings.Contains(stderr, "offset") {
					t.Fatalf("decode %s: exit %d, stderr %q; want exit 1 naming field and offset", v.Name, code, stderr)
				}
				return
			}
			if code != 0 {
				t.Fatalf("decode: exit %d: %s", code, stderr)
			}
			if !json.Valid([]byte(js)) || strings.Count(js, "\n") != 1 {
				t.Fatalf("decode printed %q, want one line of JSON", js)
			}
			code, hexOut, stderr := phdctl(t, js, "encode")
			if code != 0 {
				t.Fatalf("encode %s: exit %d: %s", js, code, stderr)
			}
			if got := strings.TrimSpace(hexOut); got != strings.ToLower(v.Hex) {
				t.Errorf("decode | encode = %s\nwant            %s\nJSON: %s", got, strings.ToLower(v.Hex), js)
			}
		})
	}
}

func TestDecodeSeveralAPDUs(t *testing.T) {
	rlrq, rlre := "E40000020000", "e5 00 00 02 00 00"
	code, js, stderr := phdctl(t, "", "decode", rlrq+"\n"+rlre)
	if code != 0 || strings.Count(js, "\n") != 2 {
		t.Fatalf("exit %d, output %q, %s", code, js, stderr)
	}
	code, out, stderr := phdctl(t, js, "encode")
	if code != 0 || out != "e40000020000\ne50000020000\n" {
		t.Fatalf("encode: exit %d, %q, %s", code, out, stderr)
	}
	// A hex argument of "-" reads stdin.
	if code, js2, _ := phdctl(t, rlrq, "decode", "-"); code != 0 || !strings.Contains(js2, `"Choice":"RLRQ"`) {
		t.Fatalf("decode -: exit %d, %q", code, js2)
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no command", "", nil, 2, "usage"},
		{"unknown command", "", []string{"frobnicate"}, 2, "unknown command"},
		{"decode without argument", "", []string{"decode"}, 2, "usage"},
		{"decode bad hex", "", []string{"decode", "E2zz"}, 1, "hex"},
		{"decode truncated", "", []string{"decode", "E200003280"}, 1, "APDU.length"},
		{"encode unknown field", `{"Choice":"RLRQ","Bogus":1}`, []string{"encode"}, 1, `unknown field "Bogus"`},
		{"encode bad enum", `{"Choice":"XYZZY"}`, []string{"encode"}, 1, "XYZZY"},
		{"encode out of range", `{"Choice":"ABRT","ABRT":{"Reason":70000}}`, []string{"encode"}, 1, "out of range"},
		{"encode nothing", ``, []string{"encode"}, 1, "no APDU"},
		{"agent bad specialization", "", []string{"agent", "--specialization", "toaster"}, 2, "toaster"},
		{"agent bad flag", "", []string{"agent", "--bogus"}, 1, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := phdctl(t, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("phdctl %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, stderr, tt.code, tt.want)
			}
		})
	}
}

// lineReader reads the JSON lines a command prints, failing the test on a timeout.
type lineReader struct {
	lines chan map[string]any
}

func readLines(t *testing.T, r io.Reader) *lineReader {
	lr := &lineReader{lines: make(chan map[string]any, 1000)}
	go func() {
		defer close(lr.lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("not a JSON line: %q", sc.Text())
				continue
			}
			lr.lines <- m
		}
	}()
	return lr
}

func (lr *lineReader) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m, ok := <-lr.lines:
		if !ok {
			t.Fatal("output ended")
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no output line within 10 s")
	}
	return nil
}

// until returns the next line with the given event.
func (lr *lineReader) until(t *testing.T, event string) map[string]any {
	t.Helper()
	for {
		if m := lr.next(t); m["event"] == event {
			return m
		}
	}
}

func TestManagerAndAgent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"manager", "--listen", "127.0.0.1:0"}, nil, pw, &stderr)
		pw.Close()
	}()
	out := readLines(t, pr)
	addr, _ := out.until(t, "listening")["addr"].(string)
	if addr == "" {
		t.Fatal("no listening address")
	}
	tests := []struct {
		spec  string
		obs   int // observations per measurement
		type0 string
		unit0 string
	}{
		{"bp", 4, "MDC_PRESS_BLD_NONINV_SYS", "MDC_DIM_MMHG"},
		{"thermo", 1, "MDC_TEMP_BODY", "MDC_DIM_DEGC"},
		{"scale", 1, "MDC_MASS_BODY_ACTUAL", "MDC_DIM_KILO_G"},
		{"glucose", 1, "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD", "MDC_DIM_MILLI_G_PER_DL"},
		{"oximeter", 2, "MDC_PULS_OXIM_SAT_O2", "MDC_DIM_PERCENT"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			code, agentOut, agentErr := phdctl(t, "", "agent", "--connect", addr, "--specialization", tt.spec,
				"--count", "2", "--interval", "10ms", "--system-id", "0102030405060708")
			if code != 0 {
				t.Fatalf("agent: exit %d: %s", code, agentErr)
			}
			if !strings.Contains(agentOut, `"event":"released"`) || strings.Count(agentOut, `"event":"report"`) != 2 {
				t.Errorf("agent output %q", agentOut)
			}
			// The GET answer may come before or after the reports: collect the lines of
			// this association up to its end, then check them.
			count := map[string]int{}
			var first, assoc, mds, end map[string]any
			for end == nil {
				m := out.next(t)
				ev, _ := m["event"].(string)
				count[ev]++
				switch ev {
				case "association":
					assoc = m
				case "mds":
					mds = m
				case "observation":
					if first == nil {
						first = m
					}
				case "disassociation":
					end = m
				}
			}
			if count["association"] != 1 || count["mds"] != 1 || count["observation"] != 2*tt.obs {
				t.Fatalf("manager lines %v, want 1 association, 1 mds, %d observations", count, 2*tt.obs)
			}
			if assoc["system_id"] != "0102030405060708" {
				t.Errorf("association line %v", assoc)
			}
			if mds["manufacturer"] != "phdkit" {
				t.Errorf("mds line %v", mds)
			}
			if first["type"] != tt.type0 || first["unit"] != tt.unit0 || first["value"] == "" {
				t.Errorf("first observation %v, want %s in %s", first, tt.type0, tt.unit0)
			}
			if end["error"] != nil || end["reports"] != 2.0 {
				t.Errorf("disassociation line %v", end)
			}
		})
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("manager exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("manager did not stop on cancellation")
	}
}

// TestSignalShutdown builds phdctl, runs a manager and an agent that stays associated, and
// checks that SIGINT releases the association and exits 0.
func TestSignalShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	bin := filepath.Join(t.TempDir(), "phdctl")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	mgr := exec.Command(bin, "manager", "--listen", "127.0.0.1:0")
	mout, err := mgr.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := mgr.Start(); err != nil {
		t.Fatal(err)
	}
	defer mgr.Process.Kill()
	lines := readLines(t, mout)
	addr, _ := lines.until(t, "listening")["addr"].(string)

	agent := exec.Command(bin, "agent", "--connect", addr, "--count", "1000", "--interval", "20ms")
	aout, err := agent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	defer agent.Process.Kill()
	alines := readLines(t, aout)
	alines.until(t, "report")
	lines.until(t, "observation")

	// The manager releases the association on SIGINT; the agent sees its association end.
	mgr.Process.Signal(syscall.SIGINT)
	if m := lines.until(t, "disassociation"); m["error"] != nil {
		t.Errorf("association ended with %v, want a release", m["error"])
	}
	if err := mgr.Wait(); err != nil {
		t.Fatalf("manager exit: %v", err)
	}
	agent.Process.Signal(syscall.SIGINT)
	agent.Wait() // the agent's own error (its association is gone) is not under test here
}

// TestManagerCountsTolerances replays the agent side of a session of Signove Antidote's
// sample glucometer agent (captured against Antidote's own manager; see
// ieee11073/testdata/antidote_sessions.txt), which puts 2 stray octets after the scan
// report in each event-info, and checks that the manager takes its reports and counts
// them on the disassociation line.
func TestManagerCountsTolerances(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"manager", "--listen", "127.0.0.1:0"}, nil, pw, &stderr)
		pw.Close()
	}()
	out := readLines(t, pr)
	addr, _ := out.until(t, "listening")["addr"].(string)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, h := range []string{
		"e2000032800000000001002a5079002680000000800080000000000000000080000000081133557799bbddff06a40001010000000000",
		"e70000ae00ac0000020300a60000001100a0098600040000000009280004000000000984000a00081133557799bbddff0a44000206a40a55000400000000092d0004000000000a45001000000000000000000000000000000000098700080000000000000000098f00040000000009e8000800000000000000000a620006000000000000095500020000099c00020000098800060000000000000a4b0004000000000a5a0004000000000914000400000000",
		"e700002a00280000010100220000ffffffff0d1d0018f00000000001000e0001000af08420261122023709500000",
		"e700002a00280001010100220000ffffffff0d1d0018f00000000001000e0001000af0a220261122023710500000",
		"e700002a00280002010100220000ffffffff0d1d0018f00000000001000e0001000af11020261122023711500000",
		"e40000020000",
	} {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	var values []any
	for {
		m := out.next(t)
		if m["event"] == "observation" {
			values = append(values, m["value"])
		}
		if m["event"] == "disassociation" {
			if m["error"] != nil || m["reports"] != 3.0 || m["trailing_octet_reports"] != 3.0 || m["other_layout_reports"] != nil {
				t.Errorf("disassociation line %v, want 3 reports with trailing octets, no error", m)
			}
			break
		}
	}
	if fmt.Sprint(values) != "[13.2 16.2 27.2]" {
		t.Errorf("values %v, want [13.2 16.2 27.2] as Antidote's manager printed", values)
	}
	cancel()
	<-done
	if !strings.Contains(stderr.String(), "skipped 2 octets") {
		t.Errorf("stderr %q does not log the tolerance", stderr.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader on different goroutines.
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
