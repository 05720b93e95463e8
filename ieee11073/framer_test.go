package ieee11073

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"
)

// capturedAPDU is one APDU of a captured session: who sent it and its octets.
type capturedAPDU struct {
	fromAgent bool
	data      []byte
}

// capturedSession is one association captured between two independent implementations.
type capturedSession struct {
	name  string
	apdus []capturedAPDU
}

// loadSessions reads testdata/antidote_sessions.txt (see its header for the source).
func loadSessions(t testing.TB) []capturedSession {
	t.Helper()
	return loadSessionsFile(t, "testdata/antidote_sessions.txt")
}

// loadSessionsFile reads captured sessions in the format of antidote_sessions.txt.
func loadSessionsFile(t testing.TB, name string) []capturedSession {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capturedSession
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if name, ok := strings.CutPrefix(text, "session "); ok {
			out = append(out, capturedSession{name: name})
			continue
		}
		dir, h, ok := strings.Cut(text, " ")
		if !ok || (dir != "A" && dir != "M") || len(out) == 0 {
			t.Fatalf("%s:%d: malformed line %q", name, line, text)
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%s:%d: %v", name, line, err)
		}
		s := &out[len(out)-1]
		s.apdus = append(s.apdus, capturedAPDU{fromAgent: dir == "A", data: b})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no sessions in %s", name)
	}
	return out
}

// agentStream is everything the agent sent in a session, back to back, and its APDUs.
func agentStream(s capturedSession) (stream []byte, apdus [][]byte) {
	for _, a := range s.apdus {
		if a.fromAgent {
			stream = append(stream, a.data...)
			apdus = append(apdus, a.data)
		}
	}
	return stream, apdus
}

// chunkReader returns its data in pieces of at most n octets.
type chunkReader struct {
	data []byte
	n    int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := min(r.n, len(p), len(r.data))
	copy(p, r.data[:k])
	r.data = r.data[k:]
	return k, nil
}

func readAll(f *Framer) ([][]byte, error) {
	var out [][]byte
	for {
		apdu, err := f.ReadAPDU()
		if err != nil {
			return out, err
		}
		out = append(out, bytes.Clone(apdu))
	}
}

func TestFramerChunking(t *testing.T) {
	for _, s := range loadSessions(t) {
		stream, want := agentStream(s)
		readers := map[string]func() io.Reader{
			"whole":     func() io.Reader { return bytes.NewReader(stream) },
			"50-byte":   func() io.Reader { return &chunkReader{data: stream, n: 50} },
			"1-byte":    func() io.Reader { return iotest.OneByteReader(bytes.NewReader(stream)) },
			"half":      func() io.Reader { return iotest.HalfReader(bytes.NewReader(stream)) },
			"data+EOF":  func() io.Reader { return iotest.DataErrReader(bytes.NewReader(stream)) },
			"7-byte":    func() io.Reader { return &chunkReader{data: stream, n: 7} },
			"1000-byte": func() io.Reader { return &chunkReader{data: stream, n: 1000} },
		}
		for name, mk := range readers {
			t.Run(s.name+"/"+name, func(t *testing.T) {
				got, err := readAll(NewFramer(mk(), 0))
				if err != io.EOF {
					t.Fatalf("ReadAPDU error = %v, want io.EOF", err)
				}
				if len(got) != len(want) {
					t.Fatalf("got %d APDUs, want %d", len(got), len(want))
				}
				for i := range want {
					if !bytes.Equal(got[i], want[i]) {
						t.Errorf("APDU %d = %x, want %x", i, got[i], want[i])
					}
				}
			})
		}
	}
}

func TestFramerSmallBufferGrows(t *testing.T) {
	// An APDU larger than the initial buffer, behind several small ones.
	big := make([]byte, APDUHeaderLen+9000)
	binary.BigEndian.PutUint16(big, 0xE700)
	binary.BigEndian.PutUint16(big[2:], 9000)
	for i := range big[APDUHeaderLen:] {
		big[APDUHeaderLen+i] = byte(i)
	}
	small := []byte{0xE4, 0x00, 0x00, 0x02, 0x00, 0x00}
	stream := append(append(append([]byte{}, small...), big...), small...)
	got, err := readAll(NewFramer(&chunkReader{data: stream, n: 50}, 0))
	if err != io.EOF {
		t.Fatalf("error = %v", err)
	}
	if len(got) != 3 || !bytes.Equal(got[0], small) || !bytes.Equal(got[1], big) || !bytes.Equal(got[2], small) {
		t.Fatalf("got %d APDUs", len(got))
	}
}

func TestFramerTooLarge(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		stream []byte
		good   int // APDUs returned before the error
	}{
		{"over limit", 100, []byte{0xE7, 0x00, 0x00, 0x61}, 0},
		{"at limit", 100, append([]byte{0xE7, 0x00, 0x00, 0x60}, make([]byte, 0x60)...), 1},
		{"after good", 10, []byte{0xE4, 0x00, 0x00, 0x02, 0x00, 0x00, 0xE7, 0x00, 0xFF, 0xFF}, 1},
		{"default limit", 0, []byte{0xE7, 0x00, 0xFF, 0xFF}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFramer(bytes.NewReader(tt.stream), tt.max)
			got, err := readAll(f)
			if len(got) != tt.good {
				t.Fatalf("got %d APDUs before the error, want %d", len(got), tt.good)
			}
			if tt.good == 1 && tt.name == "at limit" {
				if err != io.EOF {
					t.Fatalf("error = %v, want io.EOF", err)
				}
				return
			}
			if !errors.Is(err, ErrAPDUTooLarge) {
				t.Fatalf("error = %v, want ErrAPDUTooLarge", err)
			}
			if _, err2 := f.ReadAPDU(); !errors.Is(err2, ErrAPDUTooLarge) {
				t.Errorf("second ReadAPDU error = %v, want the sticky ErrAPDUTooLarge", err2)
			}
		})
	}
}

func TestFramerMaxClamp(t *testing.T) {
	tests := []struct{ in, want int }{
		{0, DefaultMaxAPDU}, {-5, DefaultMaxAPDU}, {2, APDUHeaderLen}, {1 << 20, APDUHeaderLen + 0xFFFF}, {896, 896},
	}
	for _, tt := range tests {
		if got := NewFramer(nil, tt.in).MaxAPDU(); got != tt.want {
			t.Errorf("NewFramer(nil, %d).MaxAPDU() = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestFramerTruncated(t *testing.T) {
	s := loadSessions(t)[0]
	stream, want := agentStream(s)
	// Every strict prefix that cuts an APDU ends in io.ErrUnexpectedEOF after the whole
	// APDUs before the cut.
	whole := 0
	next := len(want[0])
	for cut := 1; cut < len(stream); cut++ {
		if cut == next {
			whole++
			next += len(want[whole])
			continue
		}
		got, err := readAll(NewFramer(&chunkReader{data: stream[:cut], n: 50}, 0))
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("cut at %d: error %v, want io.ErrUnexpectedEOF", cut, err)
		}
		if len(got) != whole {
			t.Fatalf("cut at %d: %d APDUs, want %d", cut, len(got), whole)
		}
	}
}

// timeoutErr is what a net.Conn returns when a read deadline expires.
type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }

// stallReader returns a timeout error between each chunk, as a connection with a read
// deadline does when the peer pauses.
type stallReader struct {
	chunks  [][]byte
	stalled bool
}

func (r *stallReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	if !r.stalled {
		r.stalled = true
		return 0, timeoutErr{}
	}
	r.stalled = false
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

func TestFramerResumesAfterTimeout(t *testing.T) {
	stream, want := agentStream(loadSessions(t)[1])
	var chunks [][]byte
	for i := 0; i < len(stream); i += 13 {
		chunks = append(chunks, stream[i:min(i+13, len(stream))])
	}
	f := NewFramer(&stallReader{chunks: chunks}, 0)
	var got [][]byte
	timeouts := 0
	for {
		apdu, err := f.ReadAPDU()
		if err == io.EOF {
			break
		}
		if _, ok := err.(timeoutErr); ok {
			timeouts++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, bytes.Clone(apdu))
	}
	if timeouts == 0 || len(got) != len(want) {
		t.Fatalf("%d timeouts, %d APDUs; want some timeouts and %d APDUs", timeouts, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("APDU %d = %x, want %x", i, got[i], want[i])
		}
	}
}

// zeroReader never returns data nor an error.
type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestFramerNoProgress(t *testing.T) {
	if _, err := NewFramer(zeroReader{}, 0).ReadAPDU(); err != io.ErrNoProgress {
		t.Fatalf("error = %v, want io.ErrNoProgress", err)
	}
}

// loopReader returns the same stream forever, in 50-octet pieces.
type loopReader struct {
	data []byte
	off  int
}

func (r *loopReader) Read(p []byte) (int, error) {
	k := min(50, len(p), len(r.data)-r.off)
	copy(p, r.data[r.off:r.off+k])
	r.off = (r.off + k) % len(r.data)
	return k, nil
}

func TestFramerAllocs(t *testing.T) {
	stream, _ := agentStream(loadSessions(t)[1])
	f := NewFramer(&loopReader{data: stream}, 0)
	for range 10 { // let the buffer reach its size
		if _, err := f.ReadAPDU(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := f.ReadAPDU(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ReadAPDU allocates %v times per APDU, want 0", allocs)
	}
}

func BenchmarkFramer(b *testing.B) {
	stream, apdus := agentStream(loadSessions(b)[1])
	f := NewFramer(&loopReader{data: stream}, 0)
	b.SetBytes(int64(len(stream) / len(apdus)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.ReadAPDU(); err != nil {
			b.Fatal(err)
		}
	}
}

// referenceFrames splits a stream the simplest way, to check the Framer against.
func referenceFrames(data []byte, max int) (apdus [][]byte, tooLarge, truncated bool) {
	for len(data) > 0 {
		if len(data) < APDUHeaderLen {
			return apdus, false, true
		}
		size := APDUHeaderLen + int(binary.BigEndian.Uint16(data[2:]))
		if size > max {
			return apdus, true, false
		}
		if len(data) < size {
			return apdus, false, true
		}
		apdus = append(apdus, data[:size])
		data = data[size:]
	}
	return apdus, false, false
}

func FuzzFramer(f *testing.F) {
	for _, s := range loadSessions(f) {
		stream, _ := agentStream(s)
		f.Add(stream, uint8(50), uint16(0))
		f.Add(stream, uint8(1), uint16(200))
		var all []byte
		for _, a := range s.apdus {
			all = append(all, a.data...)
		}
		f.Add(all, uint8(7), uint16(0))
		f.Add(all[:len(all)-3], uint8(255), uint16(100))
	}
	f.Add([]byte{0xE7, 0x00, 0xFF, 0xFF}, uint8(3), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, max uint16) {
		n := int(chunk)
		if n == 0 {
			n = 1
		}
		fr := NewFramer(&chunkReader{data: data, n: n}, int(max))
		want, tooLarge, truncated := referenceFrames(data, fr.MaxAPDU())
		got, err := readAll(fr)
		if len(got) != len(want) {
			t.Fatalf("%d APDUs, want %d (err %v)", len(got), len(want), err)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("APDU %d = %x, want %x", i, got[i], want[i])
			}
		}
		switch {
		case tooLarge:
			if !errors.Is(err, ErrAPDUTooLarge) {
				t.Fatalf("error %v, want ErrAPDUTooLarge", err)
			}
		case truncated:
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
			}
		default:
			if err != io.EOF {
				t.Fatalf("error %v, want io.EOF", err)
			}
		}
	})
}

func TestFramerReady(t *testing.T) {
	stream, want := agentStream(loadSessions(t)[1])
	f := NewFramer(bytes.NewReader(stream), 0)
	if f.Ready() {
		t.Fatal("Ready before any read")
	}
	for i := range want {
		if _, err := f.ReadAPDU(); err != nil {
			t.Fatal(err)
		}
		// bytes.Reader hands over everything in the first read: all later APDUs are buffered.
		if got := f.Ready(); got != (i < len(want)-1) {
			t.Errorf("after APDU %d Ready() = %v", i, got)
		}
	}
	// A partial APDU is buffered but not ready.
	f = NewFramer(bytes.NewReader(stream[:len(want[0])+5]), 0)
	if _, err := f.ReadAPDU(); err != nil {
		t.Fatal(err)
	}
	if f.Ready() || f.Buffered() != 5 {
		t.Errorf("partial APDU: Ready() = %v, Buffered() = %d", f.Ready(), f.Buffered())
	}
}
