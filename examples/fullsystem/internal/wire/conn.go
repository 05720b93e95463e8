package wire

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
)

// Errors of a link.
var (
	// ErrClosed means the connection is closed.
	ErrClosed = errors.New("wire: connection closed")
	// ErrServerClosed is returned by Server.Serve after Shutdown or Close.
	ErrServerClosed = errors.New("wire: server closed")
	// ErrProtocol means the peer sent an APDU the link does not expect; the connection is
	// aborted.
	ErrProtocol = errors.New("wire: unexpected APDU")
)

// Handler takes a batch received from the peer and returns the Ack to send. It must return
// StatusOK only once every entry is durable. b and its entries' bodies are valid only during
// the call. An error aborts the connection (the peer will send the batch again elsewhere).
type Handler func(ctx context.Context, peer *Conn, b *Batch) (Ack, error)

// Conn is one link between two layers: either side sends batches with Send and answers the
// other side's batches with its Handler. Several goroutines may call Send at once; their
// batches are matched to their acks by invoke id.
type Conn struct {
	nc      net.Conn
	handler Handler
	peerID  string // the peer certificate's common name, when TLS

	wmu     sync.Mutex // serialises writes
	wbuf    []byte
	mu      sync.Mutex
	invoke  uint16
	waiting map[uint16]chan result
	err     error
	done    chan struct{}
	wg      sync.WaitGroup
}

type result struct {
	ack Ack
	err error
}

// NewConn starts serving a connection: one goroutine reads APDUs, answering batches with h (nil
// refuses them with StatusRejected) and handing acks to the waiting Send calls. The Conn
// closes when ctx ends.
func NewConn(ctx context.Context, nc net.Conn, h Handler) *Conn {
	c := &Conn{nc: nc, handler: h, waiting: make(map[uint16]chan result), done: make(chan struct{})}
	if tc, ok := nc.(*tls.Conn); ok {
		if st := tc.ConnectionState(); len(st.PeerCertificates) > 0 {
			c.peerID = st.PeerCertificates[0].Subject.CommonName
		}
	}
	c.wg.Add(1)
	go c.readLoop(ctx)
	stop := context.AfterFunc(ctx, func() { c.Close() })
	go func() {
		<-c.done
		stop()
	}()
	return c
}

// Peer returns the common name of the peer's certificate ("" without TLS).
func (c *Conn) Peer() string { return c.peerID }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended, once Done is closed.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Send sends b and waits for the peer's ack, ctx's end or the connection's end.
func (c *Conn) Send(ctx context.Context, b *Batch) (Ack, error) {
	ch := make(chan result, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return Ack{}, err
	}
	c.invoke++
	id := c.invoke
	c.waiting[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}()
	info, err := b.AppendBinary(nil)
	if err != nil {
		return Ack{}, err
	}
	apdu := ieee11073.APDU{Choice: ieee11073.ChoicePRST, PRST: ieee11073.DataAPDU{
		InvokeID: id, Choice: ieee11073.MessageROIVConfirmedEventReport,
		EventReport: ieee11073.EventReportArgument{ObjHandle: 0, EventType: ieee11073.OID(EventTypeBatch),
			EventTime: ieee11073.RelativeTime(0), Info: info}}}
	if err := c.write(&apdu); err != nil {
		return Ack{}, err
	}
	select {
	case r := <-ch:
		return r.ack, r.err
	case <-ctx.Done():
		return Ack{}, ctx.Err()
	case <-c.done:
		// The ack may have raced the close.
		select {
		case r := <-ch:
			return r.ack, r.err
		default:
		}
		return Ack{}, c.Err()
	}
}

func (c *Conn) write(a *ieee11073.APDU) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var err error
	c.wbuf, err = a.AppendBinary(c.wbuf[:0])
	if err != nil {
		return fmt.Errorf("wire: encoding: %w", err)
	}
	if len(c.wbuf) > MaxAPDU {
		return ErrTooLarge
	}
	c.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.nc.Write(c.wbuf); err != nil {
		c.fail(fmt.Errorf("wire: writing: %w", err))
		return c.Err()
	}
	return nil
}

// fail ends the connection with err (the first cause wins) and wakes every waiting Send.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	for id, ch := range c.waiting {
		ch <- result{err: err}
		delete(c.waiting, id)
	}
	c.mu.Unlock()
	c.nc.Close()
	close(c.done)
}

// Close ends the connection and waits for its reader.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	c.wg.Wait()
	return nil
}

// abort sends an ABRT (best effort) and ends the connection.
func (c *Conn) abort(err error) {
	c.write(&ieee11073.APDU{Choice: ieee11073.ChoiceABRT, ABRT: ieee11073.ABRT{Reason: ieee11073.AbortReasonUndefined}})
	c.fail(err)
}

func (c *Conn) readLoop(ctx context.Context) {
	defer c.wg.Done()
	fr := ieee11073.NewFramer(c.nc, MaxAPDU)
	var (
		apdu  ieee11073.APDU
		batch Batch
	)
	for {
		raw, err := fr.ReadAPDU()
		if err != nil {
			if errors.Is(err, ieee11073.ErrAPDUTooLarge) {
				c.abort(fmt.Errorf("wire: %w", err))
			} else {
				c.fail(fmt.Errorf("wire: reading: %w", err))
			}
			return
		}
		if _, err := apdu.Unmarshal(raw); err != nil {
			c.abort(fmt.Errorf("wire: %w", err))
			return
		}
		switch {
		case apdu.Choice == ieee11073.ChoiceABRT || apdu.Choice == ieee11073.ChoiceRLRQ:
			c.fail(fmt.Errorf("wire: peer ended the link (%v)", apdu.Choice))
			return
		case apdu.Choice != ieee11073.ChoicePRST:
			c.abort(fmt.Errorf("%w: %v", ErrProtocol, apdu.Choice))
			return
		}
		d := &apdu.PRST
		switch d.Choice {
		case ieee11073.MessageRORSConfirmedEventReport:
			var ack Ack
			if uint16(d.EventReportResult.EventType) != EventTypeBatch {
				c.abort(fmt.Errorf("%w: ack of event type %d", ErrProtocol, d.EventReportResult.EventType))
				return
			}
			if _, err := ack.Unmarshal(d.EventReportResult.ReplyInfo); err != nil {
				c.abort(err)
				return
			}
			c.mu.Lock()
			ch := c.waiting[d.InvokeID]
			delete(c.waiting, d.InvokeID)
			c.mu.Unlock()
			if ch != nil {
				ch <- result{ack: ack}
			}
		case ieee11073.MessageROIVConfirmedEventReport:
			if uint16(d.EventReport.EventType) != EventTypeBatch {
				c.abort(fmt.Errorf("%w: event type %d", ErrProtocol, d.EventReport.EventType))
				return
			}
			if _, err := batch.Unmarshal(d.EventReport.Info); err != nil {
				c.abort(err)
				return
			}
			ack := Ack{Seq: batch.Seq, Status: StatusRejected}
			if c.handler != nil {
				ack, err = c.handler(ctx, c, &batch)
				if err != nil {
					c.abort(err)
					return
				}
				ack.Seq = batch.Seq
			}
			info, _ := ack.AppendBinary(nil)
			reply := ieee11073.APDU{Choice: ieee11073.ChoicePRST, PRST: ieee11073.DataAPDU{
				InvokeID: d.InvokeID, Choice: ieee11073.MessageRORSConfirmedEventReport,
				EventReportResult: ieee11073.EventReportResult{ObjHandle: 0,
					EventType: ieee11073.OID(EventTypeBatch), ReplyInfo: info}}}
			if err := c.write(&reply); err != nil {
				return
			}
		default:
			c.abort(fmt.Errorf("%w: message %v", ErrProtocol, d.Choice))
			return
		}
	}
}

// DialConfig configures Dial.
type DialConfig struct {
	// Addrs are the upstream addresses, tried in order (the first is the usual one, the
	// others its siblings). Required.
	Addrs []string
	// TLS configures the client side of TLS; nil dials plain TCP (tests only).
	TLS *tls.Config
	// Handler answers the batches the upstream sends down (DM commands).
	Handler Handler
	// Timeout bounds each connection attempt. Default 5 s.
	Timeout time.Duration
}

// Dial connects to the first address of cfg.Addrs that answers, starting after the one that
// was used last (start is its index, -1 for none), and returns the Conn and the index used.
func Dial(ctx context.Context, cfg DialConfig, start int) (*Conn, int, error) {
	if len(cfg.Addrs) == 0 {
		return nil, -1, errors.New("wire: no upstream address")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	var errs []error
	for k := 1; k <= len(cfg.Addrs); k++ {
		i := (start + k) % len(cfg.Addrs)
		if start < 0 {
			i = k - 1
		}
		d := net.Dialer{Timeout: cfg.Timeout}
		var nc net.Conn
		var err error
		if cfg.TLS != nil {
			td := tls.Dialer{NetDialer: &d, Config: cfg.TLS}
			nc, err = td.DialContext(ctx, "tcp", cfg.Addrs[i])
		} else {
			nc, err = d.DialContext(ctx, "tcp", cfg.Addrs[i])
		}
		if err == nil {
			return NewConn(ctx, nc, cfg.Handler), i, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, -1, fmt.Errorf("wire: no upstream reachable: %w", errors.Join(errs...))
}

// Server accepts links from the layer below.
type Server struct {
	// TLS configures the server side; it should require and verify client certificates.
	// Nil serves plain TCP (tests only).
	TLS *tls.Config
	// Handler answers the batches each connection sends. Required.
	Handler Handler
	// OnConn, when not nil, is told of each new connection (to send commands down on it) and
	// of its end.
	OnConn func(c *Conn, up bool)

	mu     sync.Mutex
	ls     map[net.Listener]struct{}
	conns  map[*Conn]struct{}
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func (s *Server) init() {
	if s.ls == nil {
		s.ls = make(map[net.Listener]struct{})
		s.conns = make(map[*Conn]struct{})
		s.ctx, s.cancel = context.WithCancel(context.Background())
	}
}

// Serve accepts connections on l until Shutdown or Close; it then returns ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	s.init()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	if s.TLS != nil {
		l = tls.NewListener(l, s.TLS)
	}
	s.ls[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.ls, l)
		s.mu.Unlock()
	}()
	for {
		nc, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		// Counted under the lock Close takes before it waits, so that Close either sees
		// this connection or the connection sees Close.
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(nc)
	}
}

func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	if tc, ok := nc.(*tls.Conn); ok {
		hctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			nc.Close()
			return
		}
	}
	c := NewConn(s.ctx, nc, s.Handler)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	if s.OnConn != nil {
		s.OnConn(c, true)
	}
	<-c.Done()
	c.Close()
	if s.OnConn != nil {
		s.OnConn(c, false)
	}
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown stops accepting, lets connections finish the batches they are handling until ctx
// ends, then closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.init()
	s.closed = true
	for l := range s.ls {
		l.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.cancel()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.closeConns()
		<-done
		return ctx.Err()
	}
}

// Close stops the server and every connection now.
func (s *Server) Close() error {
	s.mu.Lock()
	s.init()
	s.closed = true
	for l := range s.ls {
		l.Close()
	}
	s.mu.Unlock()
	s.cancel()
	s.closeConns()
	s.wg.Wait()
	return nil
}

func (s *Server) closeConns() {
	s.mu.Lock()
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}
