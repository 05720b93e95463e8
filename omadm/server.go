package omadm

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Errors of the server.
var (
	ErrServerClosed   = errors.New("omadm: server closed")
	ErrSessionTimeout = errors.New("omadm: session timed out")
	ErrAuthFailed     = errors.New("omadm: authentication failed")
	ErrSessionAborted = errors.New("omadm: session aborted by the device")
	ErrNotNotified    = errors.New("omadm: server-initiated session matches no outstanding notification")
)

// Server defaults.
const (
	DefaultMaxMsgSize      = 1 << 20
	DefaultMaxObjSize      = 4 << 20
	DefaultIdleTimeout     = 2 * time.Minute
	DefaultMaxAuthAttempts = 3
	DefaultNotifyLifetime  = 10 * time.Minute
)

// Server is an OMA DM 1.2 management server over HTTP (OMA-TS-DM_Protocol-V1_2 section
// 8). A device opens a session with package 1 (Alert 1201, or 1200 in answer to a
// notification built by Notify, and its DevInfo); the
// server authenticates it, challenging with 401 or 407 and a Chal when credentials are
// missing or wrong, then sends the commands queued for the device (package 2), collects
// their statuses and results (package 3), and repeats until nothing is left, when it
// closes the package with Final and no commands.
//
// The zero value is a valid server that requires no authentication. Fields must not be
// changed once Serve has been called or the server has handled a request. A Server is an
// http.Handler, so it can also be mounted on any mux.
type Server struct {
	// Auth is the authentication required of devices: AuthNone (the default) accepts
	// every device; AuthBasic, AuthMD5 and AuthHMAC check credentials with Credentials.
	// Under AuthMD5 a device that sends basic credentials is challenged for md5.
	Auth AuthType

	// Credentials returns the account name and password of device, given the name the
	// device presented: the name in the credential for auth-basic, the username of the
	// x-syncml-hmac header, the LocName of the header Source for auth-md5 (empty when
	// the device sends none, as many do; the md5 digest then uses the returned name).
	// A presented name must equal the returned one. Required unless Auth is AuthNone.
	Credentials func(device, user string) (name, password string, ok bool)

	// ServerCredentials, when set, returns the name and password the server presents to
	// device (mutual authentication): with scheme AuthBasic or AuthMD5 as a Cred in the
	// header of every message that carries commands until the device accepts it, with
	// AuthHMAC as an x-syncml-hmac header on every response. The nonce is the one the
	// device last sent in a Chal (empty at first).
	ServerCredentials func(device string) (user, password string, scheme AuthType, ok bool)

	// MaxMsgSize is the largest message accepted, in bytes; larger ones are refused
	// with HTTP status 413. It is advertised in every header. Default DefaultMaxMsgSize.
	MaxMsgSize int64

	// MaxObjSize is the largest large object assembled from chunks; default
	// DefaultMaxObjSize.
	MaxObjSize int64

	// IdleTimeout ends a session that receives no message for this long; default
	// DefaultIdleTimeout.
	IdleTimeout time.Duration

	// MaxAuthAttempts ends a session after this many failed authentications; default
	// DefaultMaxAuthAttempts.
	MaxAuthAttempts int

	// Commands, when set, is called once per session when package 1 is complete; the
	// commands it returns are sent after those queued with Enqueue. It runs on the
	// session's goroutine.
	Commands func(device string) []Command

	// OnSession, when set, receives the report of every session when it ends. It runs
	// on the session's goroutine; it must not block for long.
	OnSession func(Report)

	// OnAlert, when set, receives every Alert a device sends other than session
	// control alerts (1200, 1201, 1222, 1223), such as generic alerts (1226).
	OnAlert func(device string, alert Command)

	// NotifyLifetime is how long a notification built by Notify stays outstanding: a
	// session the device opens with Alert 1200 is accepted only with the session id of
	// an outstanding notification of that device, which it consumes. Default
	// DefaultNotifyLifetime.
	NotifyLifetime time.Duration

	// BaseContext, when set, returns the base context of the sessions started from
	// requests on listener l.
	BaseContext func(l net.Listener) context.Context

	// ErrorLog receives errors; nil means the log package's standard logger.
	ErrorLog *log.Logger

	mu           sync.Mutex
	queues       map[string][]Command
	sessions     map[string]*session
	nonces       map[string][]byte               // nonce each device must use with the server next
	clientNonces map[string][]byte               // nonce the server must use with each device next
	notified     map[string]map[uint16]time.Time // outstanding notifications: expiry by session id, per device
	now          func() time.Time                // the clock; nil means time.Now
	httpSrvs     map[*http.Server]struct{}
	closed       bool
	done         chan struct{} // closed by Shutdown
	wg           sync.WaitGroup
}

// Report is what a session did for one device, delivered to Server.OnSession.
type Report struct {
	Device    string
	SessionID string
	// DevInfo holds the values of package 1's DevInfo items, by LocURI.
	DevInfo map[string]string
	// Results holds every command sent, in queue order, with its status.
	Results []CommandResult
	// Alerts holds the alerts the device sent other than session control alerts.
	Alerts []Command
	// Messages counts the device's messages in the session; Challenges the replies
	// that challenged its credentials (401 or 407).
	Messages, Challenges int
	// Err is nil when the session ended normally.
	Err error
}

// CommandResult is the outcome of one command sent to a device.
type CommandResult struct {
	Command Command    // as sent, with its CmdID
	Status  StatusCode // the device's status; 0 when none arrived
	Items   []Item     // items of the Results answering a Get
	Sub     []CommandResult
}

func (s *Server) init() {
	if s.queues == nil {
		s.queues = map[string][]Command{}
		s.sessions = map[string]*session{}
		s.nonces = map[string][]byte{}
		s.clientNonces = map[string][]byte{}
		s.notified = map[string]map[uint16]time.Time{}
		s.httpSrvs = map[*http.Server]struct{}{}
		s.done = make(chan struct{})
	}
}

// Enqueue adds commands for device; they are sent in the device's next session.
// CmdIDs are assigned when sending.
func (s *Server) Enqueue(device string, cmds ...Command) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.queues[device] = append(s.queues[device], cmds...)
}

// Queued returns a copy of the commands waiting for device.
func (s *Server) Queued(device string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return append([]Command(nil), s.queues[device]...)
}

// take removes and returns the queue of device.
func (s *Server) take(device string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[device]
	delete(s.queues, device)
	return q
}

// requeue puts commands back at the front of device's queue.
func (s *Server) requeue(device string, cmds []Command) {
	if len(cmds) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queues[device] = append(cmds, s.queues[device]...)
}

func (s *Server) nonce(device string, client bool) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if client {
		return s.clientNonces[device]
	}
	return s.nonces[device]
}

func (s *Server) setNonce(device string, client bool, n []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if client {
		s.clientNonces[device] = n
	} else {
		s.nonces[device] = n
	}
}

func (s *Server) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// recordNotification records an outstanding notification of device with session id sid, and
// drops the device's expired ones.
func (s *Server) recordNotification(device string, sid uint16) {
	life := s.NotifyLifetime
	if life <= 0 {
		life = DefaultNotifyLifetime
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	now := s.clock()
	m := s.notified[device]
	if m == nil {
		m = map[uint16]time.Time{}
		s.notified[device] = m
	}
	for id, exp := range m {
		if !now.Before(exp) {
			delete(m, id)
		}
	}
	m[sid] = now.Add(life)
}

// consumeNotification reports whether device has an outstanding, unexpired
// notification with the SyncHdr session id sid (hexadecimal, as the notification's
// SessionIDString), and removes it.
func (s *Server) consumeNotification(device, sid string) bool {
	id, err := strconv.ParseUint(sid, 16, 16)
	if err != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.notified[device]
	exp, ok := m[uint16(id)]
	if !ok {
		return false
	}
	delete(m, uint16(id))
	if len(m) == 0 {
		delete(s.notified, device)
	}
	return s.clock().Before(exp)
}

func (s *Server) maxMsgSize() int64 {
	if s.MaxMsgSize > 0 {
		return s.MaxMsgSize
	}
	return DefaultMaxMsgSize
}

func (s *Server) maxObjSize() int64 {
	if s.MaxObjSize > 0 {
		return s.MaxObjSize
	}
	return DefaultMaxObjSize
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// Serve accepts HTTP connections on l and serves management sessions until Shutdown.
// It always returns a non-nil error; after Shutdown, ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	s.init()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second, ErrorLog: s.ErrorLog}
	if s.BaseContext != nil {
		hs.BaseContext = s.BaseContext
	}
	s.httpSrvs[hs] = struct{}{}
	s.mu.Unlock()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return ErrServerClosed
	}
	return err
}

// Shutdown stops accepting connections, waits for the requests in progress, ends every
// session (their reports carry ErrServerClosed) and waits for their goroutines, or
// until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.init()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	srvs := make([]*http.Server, 0, len(s.httpSrvs))
	for hs := range s.httpSrvs {
		srvs = append(srvs, hs)
	}
	s.mu.Unlock()
	var err error
	for _, hs := range srvs {
		if e := hs.Shutdown(ctx); e != nil && err == nil {
			err = e
		}
	}
	waited := make(chan struct{})
	go func() { s.wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	return err
}

// request is one HTTP message handed to a session goroutine.
type request struct {
	msg   *SyncML
	body  []byte
	hmac  string
	wbxml bool
	reply chan reply
}

// reply is a session's answer to one request.
type reply struct {
	body []byte
	hmac string // x-syncml-hmac header value, or ""
}

// ServeHTTP handles one SyncML DM message.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "omadm: POST a SyncML DM message", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	s.init()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		http.Error(w, ErrServerClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	ct := r.Header.Get("Content-Type")
	max := s.maxMsgSize()
	if r.ContentLength > max {
		http.Error(w, ErrTooLarge.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		http.Error(w, "omadm: reading request", http.StatusBadRequest)
		return
	}
	if int64(len(body)) > max {
		http.Error(w, ErrTooLarge.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	wbxml := strings.Contains(ct, "wbxml") || (!strings.Contains(ct, "xml") && len(body) > 0 && body[0] <= 0x03)
	msg := new(SyncML)
	if wbxml {
		_, err = msg.ParseWBXML(body)
	} else {
		_, err = msg.ParseXML(body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := request{msg: msg, body: body, hmac: r.Header.Get(HMACHeaderName), wbxml: wbxml, reply: make(chan reply, 1)}
	out, ok := s.dispatch(r.Context(), &req)
	if out.hmac != "" {
		w.Header().Set(HMACHeaderName, out.hmac)
	}
	if !ok {
		http.Error(w, ErrServerClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	switch {
	case strings.Contains(ct, "vnd.syncml+"):
		if wbxml {
			w.Header().Set("Content-Type", "application/vnd.syncml+wbxml")
		} else {
			w.Header().Set("Content-Type", ContentTypeSyncMLXML)
		}
	case wbxml:
		w.Header().Set("Content-Type", ContentTypeWBXML)
	default:
		w.Header().Set("Content-Type", ContentTypeXML)
	}
	w.Write(out.body)
}

// dispatch hands req to the session of its device and waits for the reply.
func (s *Server) dispatch(ctx context.Context, req *request) (reply, bool) {
	key := req.msg.Hdr.Source.URI + "\x00" + req.msg.Hdr.SessionID
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return reply{}, false
		}
		sess := s.sessions[key]
		if sess == nil {
			sess = newSession(s, key, req.msg)
			s.sessions[key] = sess
			s.wg.Add(1)
			go sess.run()
		}
		s.mu.Unlock()
		select {
		case sess.in <- req:
			select {
			case out := <-req.reply:
				return out, true
			case <-ctx.Done():
				return reply{}, false
			}
		case <-sess.done:
			// The session ended meanwhile; the next message starts a new one.
			continue
		case <-ctx.Done():
			return reply{}, false
		}
	}
}
