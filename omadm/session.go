package omadm

import (
	"bytes"
	"time"
	"unicode/utf8"
)

// SessionState is the state of a server session.
//
//	StateSetup    ──package 1 complete, device authenticated──▶ StateCommands
//	StateSetup    ──too many failed authentications──────────▶ StateDone
//	StateCommands ──device package complete, nothing left─────▶ StateDone
//	any           ──Alert 1223, idle timeout, Shutdown────────▶ StateDone
type SessionState uint8

// Session states.
const (
	StateSetup    SessionState = iota // waiting for package 1 and authentication
	StateCommands                     // sending commands, collecting statuses and results
	StateDone                         // ended
)

var sessionStateNames = [...]string{StateSetup: "Setup", StateCommands: "Commands", StateDone: "Done"}

// String returns the name of the state.
func (st SessionState) String() string {
	if int(st) < len(sessionStateNames) {
		return sessionStateNames[st]
	}
	return "SessionState(" + itoa(int64(st)) + ")"
}

// session is one management session; its goroutine (run) owns every field below srv.
type session struct {
	srv  *Server
	key  string
	in   chan *request
	done chan struct{}

	state        SessionState
	device       string
	hdr          SyncHdr // package template: the header fields fixed for the session
	msgID        int     // last MsgID sent
	authed       bool
	authAttempts int
	srvAuthed    bool // the device accepted the server's credentials
	notified     bool // the session's Alert 1200 matched an outstanding notification
	clientMax    int64
	outbox       []Command        // commands still to send, top level
	sent         map[string]*sent // by MsgID "/" CmdID
	report       Report
	results      []*CommandResult // top-level results, in order
	loIn         *largeObject     // incoming large object being assembled
	loOut        *outLargeObject  // outgoing large object being chunked
	lastMsgID    string           // MsgID of the device's last message
	lastBody     []byte           // and its bytes
	lastReply    reply            // the reply to it, sent again if the message repeats
	err          error
}

// sent links a CmdID of a sent message to the result it updates.
type sent struct {
	res   *CommandResult
	cmd   *Command // the command as sent, for a resend after a 401 or 407
	top   bool
	chunk bool // an intermediate chunk of a large object
}

type largeObject struct {
	uri  string
	size int64
	buf  []byte
	res  *CommandResult // for Results; nil for package 1 items
}

type outLargeObject struct {
	cmd  Command
	data string
	off  int
	res  *CommandResult
}

func newSession(s *Server, key string, first *SyncML) *session {
	h := &first.Hdr
	return &session{
		srv:    s,
		key:    key,
		in:     make(chan *request),
		done:   make(chan struct{}),
		device: h.Source.URI,
		hdr: SyncHdr{
			VerDTD:    VerDTD,
			VerProto:  VerProto,
			SessionID: h.SessionID,
			Target:    Loc{URI: h.Source.URI},
			Source:    Loc{URI: h.Target.URI},
			Meta:      Meta{MaxMsgSize: s.maxMsgSize()},
		},
		sent:   map[string]*sent{},
		report: Report{Device: h.Source.URI, SessionID: h.SessionID},
	}
}

func (ss *session) run() {
	s := ss.srv
	defer s.wg.Done()
	idle := s.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for ss.state != StateDone {
		select {
		case req := <-ss.in:
			req.reply <- ss.handle(req)
			timer.Reset(idle)
		case <-timer.C:
			ss.finish(ErrSessionTimeout)
		case <-s.done:
			ss.finish(ErrServerClosed)
		}
	}
	s.mu.Lock()
	if s.sessions[ss.key] == ss {
		delete(s.sessions, ss.key)
	}
	s.mu.Unlock()
	close(ss.done)
	// Commands that never got a status go back to the queue.
	var again []Command
	for _, r := range ss.results {
		if r.Status == 0 {
			again = append(again, r.Command)
		}
	}
	again = append(again, ss.outbox...)
	if ss.loOut != nil {
		again = append(again, ss.loOut.cmd)
	}
	s.requeue(ss.device, again)
	ss.report.Err = ss.err
	ss.report.Results = make([]CommandResult, len(ss.results))
	for i, r := range ss.results {
		ss.report.Results[i] = *r
	}
	if s.OnSession != nil {
		s.OnSession(ss.report)
	}
}

func (ss *session) finish(err error) {
	ss.state = StateDone
	if ss.err == nil {
		ss.err = err
	}
}

// handle processes one message of the device and returns the encoded reply.
func (ss *session) handle(req *request) reply {
	in := req.msg
	if ss.lastReply.body != nil && in.Hdr.MsgID == ss.lastMsgID && bytes.Equal(req.body, ss.lastBody) {
		// A retransmission (the device did not get our reply): answer it again
		// without processing it twice.
		return ss.lastReply
	}
	out := reply{body: ss.process(req)}
	if s := ss.srv; s.ServerCredentials != nil {
		if user, pass, scheme, ok := s.ServerCredentials(ss.device); ok && scheme == AuthHMAC {
			mac := HMACDigest(user, pass, s.nonce(ss.device, true), out.body)
			out.hmac = HMACHeader{Username: user, MAC: mac}.String()
		}
	}
	ss.lastMsgID, ss.lastBody, ss.lastReply = in.Hdr.MsgID, req.body, out
	return out
}

// process handles a new message of the device.
func (ss *session) process(req *request) []byte {
	in := req.msg
	ss.report.Messages++
	if n := in.Hdr.Meta.MaxMsgSize; n > 0 {
		ss.clientMax = n
	}
	out := &SyncML{Hdr: ss.hdr}
	ss.msgID++
	out.Hdr.MsgID = itoa(int64(ss.msgID))
	cmdID := 0
	next := func() string { cmdID++; return itoa(int64(cmdID)) }

	hdrStatus := Command{Kind: CmdStatus, MsgRef: in.Hdr.MsgID, CmdRef: "0", Cmd: "SyncHdr",
		TargetRef: []string{in.Hdr.Target.URI}, SourceRef: []string{in.Hdr.Source.URI}, Data: StatusOK.Code()}

	code, chal := ss.authenticate(req)
	hdrStatus.Data, hdrStatus.Chal = code.Code(), chal
	hdrStatus.CmdID = next()
	out.Body.Commands = append(out.Body.Commands, hdrStatus)
	if !code.Success() {
		// Every command gets the same status so that the device resends it with
		// credentials.
		for i := range in.Body.Commands {
			c := &in.Body.Commands[i]
			if c.Kind == CmdStatus || c.Kind == CmdResults || c.NoResp {
				continue
			}
			st := NewStatus(in.Hdr.MsgID, c, code)
			st.CmdID = next()
			out.Body.Commands = append(out.Body.Commands, st)
		}
		ss.authAttempts++
		ss.report.Challenges++
		max := ss.srv.MaxAuthAttempts
		if max <= 0 {
			max = DefaultMaxAuthAttempts
		}
		if ss.authAttempts >= max {
			ss.finish(ErrAuthFailed)
		}
		out.Body.Final = true
		return ss.encode(out, req.wbxml)
	}

	var serverCmds []Command // commands the server originates in reply (1225, 1222)
	for i := range in.Body.Commands {
		c := &in.Body.Commands[i]
		if ss.loIn != nil && !ss.continuesLO(c) {
			serverCmds = append(serverCmds, Command{Kind: CmdAlert, Data: AlertNoEndOfData.Code(),
				Items: []Item{{Target: Loc{URI: ss.loIn.uri}}}})
			ss.loIn = nil
		}
		st := ss.command(in, c)
		if st != nil && !c.NoResp {
			st.CmdID = next()
			out.Body.Commands = append(out.Body.Commands, *st)
		}
	}
	for _, c := range serverCmds {
		c.CmdID = next()
		out.Body.Commands = append(out.Body.Commands, c)
	}
	if ss.state == StateDone {
		out.Body.Final = true
		return ss.encode(out, req.wbxml)
	}
	if !in.Body.Final {
		// The device's package continues in another message.
		out.Body.Commands = append(out.Body.Commands, Command{Kind: CmdAlert, CmdID: next(), Data: AlertNextMessage.Code()})
		out.Body.Final = true
		return ss.encode(out, req.wbxml)
	}
	if ss.state == StateSetup {
		ss.state = StateCommands
		ss.outbox = ss.srv.take(ss.device)
		if ss.srv.Commands != nil {
			ss.outbox = append(ss.outbox, ss.srv.Commands(ss.device)...)
		}
	}
	if len(ss.outbox) == 0 && ss.loOut == nil {
		// Nothing left: a package of statuses only ends the session.
		out.Body.Final = true
		ss.finish(nil)
		return ss.encode(out, req.wbxml)
	}
	ss.fill(out, next, req.wbxml)
	return ss.encode(out, req.wbxml)
}

// authenticate checks the device's credentials once per session (every message under
// AuthHMAC) and returns the status for the header with its challenge.
func (ss *session) authenticate(req *request) (StatusCode, *Chal) {
	s := ss.srv
	in := req.msg
	if s.Auth == AuthHMAC {
		return ss.authHMAC(req)
	}
	if ss.authed {
		return StatusOK, nil
	}
	switch s.Auth {
	case AuthNone:
		ss.authed = true
		return StatusOK, nil
	case AuthBasic:
		if in.Hdr.Cred == nil {
			return StatusMissingCredentials, &Chal{Meta: Meta{Type: AuthBasic.String(), Format: "b64"}}
		}
		if ParseAuthType(in.Hdr.Cred.Meta.Type) == AuthBasic {
			user, pass, ok := ParseBasicCredential(in.Hdr.Cred.Data)
			if ok && s.Credentials != nil {
				if name, want, found := s.Credentials(ss.device, user); found && equal(user, name) && equal(pass, want) {
					ss.authed = true
					return StatusAuthAccepted, nil
				}
			}
		}
		return StatusInvalidCredentials, &Chal{Meta: Meta{Type: AuthBasic.String(), Format: "b64"}}
	case AuthMD5:
		chal := func() *Chal {
			raw, text, err := NewNonce()
			if err != nil {
				return nil
			}
			s.setNonce(ss.device, false, raw)
			return &Chal{Meta: Meta{Type: AuthMD5.String(), Format: "b64", NextNonce: text}}
		}
		if in.Hdr.Cred == nil {
			return StatusMissingCredentials, chal()
		}
		if ParseAuthType(in.Hdr.Cred.Meta.Type) == AuthMD5 && s.Credentials != nil {
			user := in.Hdr.Source.Name
			if name, want, found := s.Credentials(ss.device, user); found && (user == "" || equal(user, name)) &&
				VerifyMD5(in.Hdr.Cred.Data, name, want, s.nonce(ss.device, false)) {
				ss.authed = true
				// Nonce rotation: the next session uses a fresh nonce.
				return StatusAuthAccepted, chal()
			}
		}
		return StatusInvalidCredentials, chal()
	}
	return StatusInvalidCredentials, nil
}

func (ss *session) authHMAC(req *request) (StatusCode, *Chal) {
	s := ss.srv
	chal := func() *Chal {
		raw, text, err := NewNonce()
		if err != nil {
			return nil
		}
		s.setNonce(ss.device, false, raw)
		return &Chal{Meta: Meta{Type: AuthHMAC.String(), Format: "b64", NextNonce: text}}
	}
	if req.hmac == "" {
		ss.authed = false
		return StatusMissingCredentials, chal()
	}
	h, err := ParseHMACHeader(req.hmac)
	if err == nil && s.Credentials != nil {
		if name, want, found := s.Credentials(ss.device, h.Username); found && equal(h.Username, name) &&
			VerifyHMAC(h.MAC, name, want, s.nonce(ss.device, false), req.body) {
			code := StatusOK
			if !ss.authed {
				code = StatusAuthAccepted
			}
			ss.authed = true
			// Every message is signed with a fresh nonce.
			return code, chal()
		}
	}
	ss.authed = false
	return StatusInvalidCredentials, chal()
}

// continuesLO reports whether c carries the next chunk of the incoming large object.
func (ss *session) continuesLO(c *Command) bool {
	if len(c.Items) == 0 || c.Kind == CmdStatus {
		return c.Kind == CmdStatus
	}
	it := &c.Items[0]
	return it.Source.URI == ss.loIn.uri || it.Target.URI == ss.loIn.uri
}

// command processes one command of the device and returns its status (nil for
// Status commands, which are not answered).
func (ss *session) command(in *SyncML, c *Command) *Command {
	s := ss.srv
	if ss.err == ErrNotNotified && c.Kind != CmdStatus {
		// The session was refused: nothing else in it runs.
		st := NewStatus(in.Hdr.MsgID, c, StatusNotExecuted)
		return &st
	}
	switch c.Kind {
	case CmdStatus:
		ss.onStatus(c)
		return nil
	case CmdResults:
		st := NewStatus(in.Hdr.MsgID, c, StatusOK)
		var res *CommandResult
		if r := ss.sent[c.MsgRef+"/"+c.CmdRef]; r != nil {
			res = r.res
		}
		code := StatusOK
		for i := range c.Items {
			it, ic := ss.chunk(&c.Items[i], res)
			if ic != StatusOK {
				code = ic
			}
			if it != nil && res != nil {
				res.Items = append(res.Items, *it)
			}
		}
		st.Data = code.Code()
		return &st
	case CmdAlert:
		st := NewStatus(in.Hdr.MsgID, c, StatusOK)
		code, _ := c.StatusCode()
		switch code {
		case AlertServerInitiated:
			if ss.state == StateSetup && !ss.notified {
				if !s.consumeNotification(ss.device, in.Hdr.SessionID) {
					// No notification asked for this session: refuse it and run
					// nothing.
					st.Data = StatusForbidden.Code()
					ss.finish(ErrNotNotified)
					return &st
				}
				ss.notified = true
			}
		case AlertClientInitiated, AlertNextMessage:
		case AlertSessionAbort:
			ss.finish(ErrSessionAborted)
		default:
			ss.report.Alerts = append(ss.report.Alerts, *c)
			if s.OnAlert != nil {
				s.OnAlert(ss.device, *c)
			}
		}
		return &st
	case CmdReplace, CmdAdd:
		if ss.state != StateSetup {
			st := NewStatus(in.Hdr.MsgID, c, StatusCommandNotAllowed)
			return &st
		}
		code := StatusOK
		for i := range c.Items {
			it, ic := ss.chunk(&c.Items[i], nil)
			if ic != StatusOK {
				code = ic
			}
			if it != nil {
				uri := it.Source.URI
				if uri == "" {
					uri = it.Target.URI
				}
				if ss.report.DevInfo == nil {
					ss.report.DevInfo = map[string]string{}
				}
				ss.report.DevInfo[uri] = it.Data
			}
		}
		st := NewStatus(in.Hdr.MsgID, c, code)
		return &st
	}
	st := NewStatus(in.Hdr.MsgID, c, StatusOptionalNotSupported)
	return &st
}

// chunk passes a complete item through, or assembles a large object (OMA-TS-DM_Protocol
// section 7): 213 for each buffered chunk, 200 for the last, 424 when the assembled
// size differs from the Meta Size of the first chunk, 413 beyond MaxObjSize and 411
// when the first chunk has no size.
func (ss *session) chunk(it *Item, res *CommandResult) (*Item, StatusCode) {
	uri := it.Source.URI
	if uri == "" {
		uri = it.Target.URI
	}
	lo := ss.loIn
	if lo == nil && !it.MoreData {
		return it, StatusOK
	}
	if lo == nil {
		if it.Meta.Size <= 0 {
			return nil, StatusSizeRequired
		}
		if it.Meta.Size > ss.srv.maxObjSize() {
			return nil, StatusRequestEntityTooLarge
		}
		lo = &largeObject{uri: uri, size: it.Meta.Size, res: res}
		ss.loIn = lo
	}
	if int64(len(lo.buf)+len(it.Data)) > ss.srv.maxObjSize() {
		ss.loIn = nil
		return nil, StatusRequestEntityTooLarge
	}
	lo.buf = append(lo.buf, it.Data...)
	if it.MoreData {
		return nil, StatusChunkAccepted
	}
	ss.loIn = nil
	if int64(len(lo.buf)) != lo.size {
		return nil, StatusSizeMismatch
	}
	whole := *it
	whole.Data = string(lo.buf)
	whole.Meta.Size = lo.size
	return &whole, StatusOK
}

// onStatus records the device's status for a command the server sent.
func (ss *session) onStatus(c *Command) {
	code, ok := c.StatusCode()
	if !ok {
		return
	}
	if c.CmdRef == "0" {
		// The device's verdict on the server's credentials.
		switch {
		case code.Success():
			ss.srvAuthed = true
		case code == StatusInvalidCredentials || code == StatusMissingCredentials:
			ss.srvAuthed = false
		}
		if c.Chal != nil && c.Chal.Meta.NextNonce != "" {
			ss.srv.setNonce(ss.device, true, DecodeNonce(c.Chal.Meta.NextNonce))
		}
		return
	}
	r := ss.sent[c.MsgRef+"/"+c.CmdRef]
	if r == nil {
		return
	}
	if (code == StatusInvalidCredentials || code == StatusMissingCredentials) && r.top && r.cmd != nil {
		// The device did not accept the server: send the command again with fresh
		// credentials.
		ss.authAttempts++
		max := ss.srv.MaxAuthAttempts
		if max <= 0 {
			max = DefaultMaxAuthAttempts
		}
		if ss.authAttempts < max {
			delete(ss.sent, c.MsgRef+"/"+c.CmdRef)
			for i, x := range ss.results {
				if x == r.res {
					ss.results = append(ss.results[:i], ss.results[i+1:]...)
					break
				}
			}
			ss.outbox = append([]Command{*r.cmd}, ss.outbox...)
			return
		}
	}
	if r.chunk && code == StatusChunkAccepted {
		return
	}
	r.res.Status = code
}

// fill adds commands from the outbox to out while the encoded message fits the
// device's MaxMsgSize, and chunks an item that alone does not fit (a large object).
// out.Body.Final is set when the outbox is empty.
func (ss *session) fill(out *SyncML, next func() string, wbxml bool) {
	if ss.srv.ServerCredentials != nil && !ss.srvAuthed {
		if user, pass, scheme, ok := ss.srv.ServerCredentials(ss.device); ok {
			switch scheme {
			case AuthBasic:
				out.Hdr.Cred = NewBasicCred(user, pass)
			case AuthMD5:
				out.Hdr.Cred = NewMD5Cred(user, pass, ss.srv.nonce(ss.device, true))
			}
		}
	}
	limit := ss.clientMax
	if limit <= 0 {
		limit = 1 << 40
	}
	// The base size is that of the message so far with Final; commands add their own
	// encoded size (an upper bound in WBXML, where all text is measured inline).
	out.Body.Final = true
	used := encodedSize(out, wbxml) + 16
	msgID := out.Hdr.MsgID
	if ss.loOut != nil {
		ss.sendChunk(out, next, msgID, limit-used, wbxml)
		if ss.loOut != nil {
			out.Body.Final = false
			return
		}
		used = encodedSize(out, wbxml) + 16
	}
	added := 0
	for len(ss.outbox) > 0 {
		c := ss.outbox[0]
		res := &CommandResult{}
		c.CmdID = next()
		ss.number(&c, res, next, msgID)
		n := cmdSize(&c, wbxml)
		if used+n > limit {
			for k := range ss.sent {
				// Forget the nested registrations of a command that does not go out.
				if isSub(res, ss.sent[k].res) {
					delete(ss.sent, k)
				}
			}
			if added == 0 && len(c.Items) == 1 && (c.Kind == CmdReplace || c.Kind == CmdAdd) {
				ss.outbox = ss.outbox[1:]
				id := c.CmdID
				ss.loOut = &outLargeObject{cmd: c, data: c.Items[0].Data, res: res}
				ss.sendChunk(out, func() string { return id }, msgID, limit-used, wbxml)
				out.Body.Final = false
				return
			}
			break
		}
		used += n
		res.Command = c
		out.Body.Commands = append(out.Body.Commands, c)
		ss.results = append(ss.results, res)
		ss.sent[msgID+"/"+c.CmdID] = &sent{res: res, cmd: &res.Command, top: true}
		ss.outbox = ss.outbox[1:]
		added++
	}
	out.Body.Final = len(ss.outbox) == 0
}

func isSub(parent, r *CommandResult) bool {
	for i := range parent.Sub {
		if &parent.Sub[i] == r || isSub(&parent.Sub[i], r) {
			return true
		}
	}
	return false
}

// encodedSize returns the size of m in the given encoding.
func encodedSize(m *SyncML, wbxml bool) int64 {
	var b []byte
	if wbxml {
		b, _ = m.AppendWBXML(nil)
	} else {
		b, _ = m.AppendXML(nil)
	}
	return int64(len(b))
}

// cmdSize returns the encoded size of one command.
func cmdSize(c *Command, wbxml bool) int64 {
	if wbxml {
		e := encoder{mode: modeWBXML}
		emitCmd(&e, c)
		return int64(len(e.w.b)) + 2 // a page switch back to SyncML
	}
	e := encoder{mode: modeXML}
	emitCmd(&e, c)
	return int64(len(e.x.b))
}

// number assigns CmdIDs to the commands nested in Atomic and Sequence and registers
// their results.
func (ss *session) number(c *Command, res *CommandResult, next func() string, msgID string) {
	if len(c.Commands) == 0 {
		return
	}
	subs := make([]Command, len(c.Commands))
	copy(subs, c.Commands)
	c.Commands = subs
	res.Sub = make([]CommandResult, len(subs))
	for i := range subs {
		subs[i].CmdID = next()
		ss.number(&subs[i], &res.Sub[i], next, msgID)
		res.Sub[i].Command = subs[i]
		ss.sent[msgID+"/"+subs[i].CmdID] = &sent{res: &res.Sub[i]}
	}
}

// sendChunk adds the next chunk of the outgoing large object to out, as large as budget
// allows (at least 64 bytes).
func (ss *session) sendChunk(out *SyncML, next func() string, msgID string, budget int64, wbxml bool) {
	lo := ss.loOut
	c := lo.cmd
	c.CmdID = next()
	it := c.Items[0]
	it.Data = ""
	it.MoreData = true
	it.Meta.Size = 0
	if lo.off == 0 {
		it.Meta.Size = int64(len(lo.data))
	}
	c.Items = []Item{it}
	n := budget - cmdSize(&c, wbxml) - 16
	if n < 64 {
		n = 64
	}
	if !wbxml {
		n = xmlChunkLen(lo.data[lo.off:], n)
	}
	rest := int64(len(lo.data) - lo.off)
	if rest <= n {
		n = rest
		c.Items[0].MoreData = false
	}
	c.Items[0].Data = lo.data[lo.off : lo.off+int(n)]
	if lo.off == 0 {
		whole := lo.cmd
		whole.CmdID = c.CmdID
		lo.res.Command = whole
		ss.results = append(ss.results, lo.res)
	}
	lo.off += int(n)
	out.Body.Commands = append(out.Body.Commands, c)
	ss.sent[msgID+"/"+c.CmdID] = &sent{res: lo.res, chunk: c.Items[0].MoreData}
	if lo.off == len(lo.data) {
		ss.loOut = nil
	}
}

// encode writes the reply in the device's encoding.
func (ss *session) encode(m *SyncML, wbxml bool) []byte {
	var b []byte
	var err error
	if wbxml {
		b, err = m.AppendWBXML(nil)
	} else {
		b, err = m.AppendXML(nil)
	}
	if err != nil {
		// A value XML cannot carry: fall back to WBXML rather than lose the reply.
		ss.srv.logf("omadm: session %s: %v", ss.report.SessionID, err)
		b, _ = m.AppendWBXML(nil)
	}
	return b
}

// xmlChunkLen returns how many bytes of data fit in budget bytes of escaped XML text,
// ending on a rune boundary.
func xmlChunkLen(data string, budget int64) int64 {
	var used, n int64
	for i := 0; i < len(data); {
		c := data[i]
		w, size := int64(1), 1
		switch {
		case c == '&':
			w = 5
		case c == '<' || c == '>':
			w = 4
		case c == '\r':
			w = 5
		case c >= utf8.RuneSelf:
			_, size = utf8.DecodeRuneInString(data[i:])
			w = int64(size)
		}
		if used+w > budget {
			break
		}
		used += w
		n += int64(size)
		i += size
	}
	if n == 0 && len(data) > 0 {
		_, size := utf8.DecodeRuneInString(data)
		n = int64(size)
	}
	return n
}
