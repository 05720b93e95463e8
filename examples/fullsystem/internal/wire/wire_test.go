package wire

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/pki"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleBatch(n int) *Batch {
	b := &Batch{Sender: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, Seq: 42, Kind: KindMeasurements}
	for i := range n {
		b.Entries = append(b.Entries, Entry{Origin: [8]byte{0xAA, byte(i)}, ConfigID: 0x02BC,
			Received: 1_700_000_000_000_000_000 + int64(i), Hops: 1, Body: []byte(fmt.Sprintf("sealed-%d", i))})
	}
	return b
}

func TestBatchRoundTripAndPrefixes(t *testing.T) {
	b := sampleBatch(3)
	enc, err := b.AppendBinary(nil)
	require.NoError(t, err)
	var got Batch
	n, err := got.Unmarshal(enc)
	require.NoError(t, err)
	assert.Equal(t, len(enc), n)
	assert.Equal(t, b, &got)
	for i := 0; i < len(enc); i++ {
		_, err := got.Unmarshal(enc[:i])
		assert.ErrorIs(t, err, ErrDecode, "prefix of %d bytes decoded", i)
	}
	bad := bytes.Clone(enc)
	bad[17] = 9 // kind
	_, err = got.Unmarshal(bad)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "Batch.kind", de.Field)

	// A count that promises more entries than the bytes hold must not allocate them.
	bad = bytes.Clone(enc)
	bad[18], bad[19] = 0xFF, 0xFF
	_, err = got.Unmarshal(bad)
	assert.ErrorIs(t, err, ErrDecode)

	var a Ack
	ab, _ := (&Ack{Seq: 7, Accepted: 3, Duplicates: 1, Status: StatusBusy}).AppendBinary(nil)
	_, err = a.Unmarshal(ab)
	require.NoError(t, err)
	assert.Equal(t, Ack{Seq: 7, Accepted: 3, Duplicates: 1, Status: StatusBusy}, a)
	_, err = a.Unmarshal(ab[:5])
	assert.ErrorIs(t, err, ErrDecode)
}

func TestBatchTooLarge(t *testing.T) {
	b := sampleBatch(1)
	b.Entries[0].Body = make([]byte, MaxBatchBody)
	_, err := b.AppendBinary(nil)
	assert.ErrorIs(t, err, ErrTooLarge)
	b.Entries[0].Body = make([]byte, MaxBatchBody-entryFixed)
	_, err = b.AppendBinary(nil)
	assert.NoError(t, err, "the largest batch fits")
}

func FuzzBatch(f *testing.F) {
	for _, n := range []int{0, 1, 5} {
		enc, _ := sampleBatch(n).AppendBinary(nil)
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var b Batch
		if _, err := b.Unmarshal(in); err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error %v is not ErrDecode", err)
			}
			return
		}
		out, err := b.AppendBinary(nil)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		if !bytes.Equal(in, out) {
			t.Fatalf("round trip changed the bytes")
		}
		var b2 Batch
		if _, err := b2.Unmarshal(out); err != nil || !reflect.DeepEqual(b.Entries, b2.Entries) && len(b.Entries) > 0 {
			t.Fatalf("second decode: %v", err)
		}
	})
}

// tlsPair returns server and client TLS configurations from one demo authority.
func tlsPair(t *testing.T) (*tls.Config, *tls.Config) {
	t.Helper()
	ca, err := pki.Open(t.TempDir())
	require.NoError(t, err)
	srv, err := ca.ServerConfig("server")
	require.NoError(t, err)
	cli, err := ca.ClientConfig("gateway-1")
	require.NoError(t, err)
	return srv, cli
}

func serve(t *testing.T, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().String()
}

func TestSendAckOverMutualTLS(t *testing.T) {
	srvTLS, cliTLS := tlsPair(t)
	var got atomic.Int64
	var peers sync.Map
	var down atomic.Pointer[Conn]
	s := &Server{TLS: srvTLS,
		Handler: func(ctx context.Context, c *Conn, b *Batch) (Ack, error) {
			peers.Store(c.Peer(), true)
			got.Add(int64(len(b.Entries)))
			return Ack{Accepted: uint16(len(b.Entries)), Status: StatusOK}, nil
		},
		OnConn: func(c *Conn, up bool) {
			if up {
				down.Store(c)
			}
		}}
	addr := serve(t, s)

	var commands atomic.Int64
	ctx := context.Background()
	c, idx, err := Dial(ctx, DialConfig{Addrs: []string{addr}, TLS: cliTLS,
		Handler: func(ctx context.Context, _ *Conn, b *Batch) (Ack, error) {
			assert.Equal(t, KindDMCommand, b.Kind)
			commands.Add(int64(len(b.Entries)))
			return Ack{Accepted: uint16(len(b.Entries))}, nil
		}}, -1)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, 0, idx)

	// Many senders at once over one link: every batch acked with its own sequence number.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := sampleBatch(10)
			b.Seq = uint64(i)
			ack, err := c.Send(ctx, b)
			if assert.NoError(t, err) {
				assert.Equal(t, uint64(i), ack.Seq)
				assert.EqualValues(t, 10, ack.Accepted)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 200, got.Load())
	_, ok := peers.Load("gateway-1")
	assert.True(t, ok, "the server sees the client's certificate name")

	// Commands go down the same link.
	require.Eventually(t, func() bool { return down.Load() != nil }, 5*time.Second, time.Millisecond)
	cmd := sampleBatch(2)
	cmd.Kind = KindDMCommand
	ack, err := down.Load().Send(ctx, cmd)
	require.NoError(t, err)
	assert.EqualValues(t, 2, ack.Accepted)
	assert.EqualValues(t, 2, commands.Load())
}

func TestFailoverToSibling(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	dead.Close()
	s := &Server{Handler: func(context.Context, *Conn, *Batch) (Ack, error) { return Ack{}, nil }}
	live := serve(t, s)
	c, idx, err := Dial(context.Background(), DialConfig{Addrs: []string{deadAddr, live}, Timeout: time.Second}, -1)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, 1, idx)
	_, _, err = Dial(context.Background(), DialConfig{Addrs: []string{deadAddr}, Timeout: time.Second}, -1)
	assert.Error(t, err)
}

func TestGarbageAbortsOnlyThatLink(t *testing.T) {
	var got atomic.Int64
	s := &Server{Handler: func(_ context.Context, _ *Conn, b *Batch) (Ack, error) {
		got.Add(int64(len(b.Entries)))
		return Ack{}, nil
	}}
	addr := serve(t, s)
	good, _, err := Dial(context.Background(), DialConfig{Addrs: []string{addr}}, -1)
	require.NoError(t, err)
	defer good.Close()

	for _, junk := range [][]byte{
		{0xE7, 0x00, 0x00, 0x02, 0x00},              // a PRST too short for its data
		{0x12, 0x34, 0x00, 0x01, 0x00},              // no such APDU
		{0xE7, 0x00, 0xFF, 0xFF},                    // a length beyond what follows, then EOF
		[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), // not 20601 at all
	} {
		nc, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		nc.Write(junk)
		nc.(*net.TCPConn).CloseWrite()
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, _ := nc.Read(buf)
		if n > 0 {
			assert.Equal(t, byte(0xE6), buf[0], "answered with an ABRT")
		}
		nc.Close()
	}
	_, err = good.Send(context.Background(), sampleBatch(3))
	require.NoError(t, err, "the other link still works")
	assert.EqualValues(t, 3, got.Load())
}

func TestHandlerErrorAndClose(t *testing.T) {
	s := &Server{Handler: func(context.Context, *Conn, *Batch) (Ack, error) { return Ack{}, errors.New("disk full") }}
	addr := serve(t, s)
	c, _, err := Dial(context.Background(), DialConfig{Addrs: []string{addr}}, -1)
	require.NoError(t, err)
	_, err = c.Send(context.Background(), sampleBatch(1))
	assert.Error(t, err, "a batch the receiver could not take is not acked")
	<-c.Done()
	_, err = c.Send(context.Background(), sampleBatch(1))
	assert.Error(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	assert.NoError(t, s.Shutdown(ctx))
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	assert.ErrorIs(t, s.Serve(l), ErrServerClosed)
}

func TestUntrustedClientRefused(t *testing.T) {
	srvTLS, _ := tlsPair(t)
	_, strangerTLS := tlsPair(t) // a client certificate from another authority
	s := &Server{TLS: srvTLS, Handler: func(context.Context, *Conn, *Batch) (Ack, error) { return Ack{}, nil }}
	addr := serve(t, s)
	strangerTLS.InsecureSkipVerify = true // even trusting the server blindly, it is refused
	c, _, err := Dial(context.Background(), DialConfig{Addrs: []string{addr}, TLS: strangerTLS}, -1)
	if err == nil {
		_, err = c.Send(context.Background(), sampleBatch(1))
		c.Close()
	}
	assert.Error(t, err)
}
