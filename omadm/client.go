package omadm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The device side of OMA-TS-DM_Protocol-V1_2 section 8: a Client holds the device's
// management tree and runs management sessions with a server over HTTP.
//
//	device                                   server
//	package 1: Alert 1201|1200, Replace ./DevInfo, [Alert 1226] ─▶
//	                      ◀─ package 2: Status(SyncHdr) [Chal], commands
//	package 3: Status(SyncHdr), Status per command, Results ─▶
//	                      ◀─ … until a package of Status only, with Final
//
// The client answers a 401 or 407 on its header by sending package 1 again with the
// credentials the Chal asks for. It executes Add, Replace, Delete, Get, Exec, Copy, Atomic
// (all or nothing, see the Atomic function) and Sequence against the tree, and returns one
// Status per command in command order, its SyncHdr Status first, each Results right after
// the Status of its Get. Large objects are assembled from chunks (213 per chunk, 424 on a
// size mismatch, Alert 1225 when the last chunk never comes). Replies follow the
// server's MaxMsgSize: what does not fit waits for the next message of the package, and
// each Results item too large for any message is sent in chunks, one large object after
// the other, which the server acknowledges with 213.

// Errors of the client.
var (
	ErrAuthRejected = errors.New("omadm: server rejected the device's credentials")
	ErrServerAbort  = errors.New("omadm: server aborted the session")
	ErrNoDevInfo    = errors.New("omadm: tree has no ./DevInfo")
	ErrHTTPStatus   = errors.New("omadm: HTTP error from server")
	ErrTooManyMsgs  = errors.New("omadm: session exceeded its message limit")
)

// Client defaults.
const (
	DefaultClientMaxMsgSize = 64 << 10
	DefaultClientMaxObjSize = 1 << 20
	DefaultMaxMessages      = 1000
	maxAuthRetries          = 3
)

// Client is a device's OMA DM 1.2 client. Tree and ServerURL are required; the other
// fields have working zero values. Fields must not be changed once Run has been called. A
// Client runs one session at a time; Run calls from several goroutines take turns.
type Client struct {
	// Tree is the device's management tree. It must hold ./DevInfo (see InstallDevInfo).
	Tree Tree

	// ServerURL is the HTTP URL of the management server.
	ServerURL string

	// ServerID is the server identity checked against ACLs. Empty means the LocURI the
	// server gives as the Source of its messages.
	ServerID string

	// DeviceID is the device's LocURI. Empty means the value of ./DevInfo/DevId.
	DeviceID string

	// HTTPClient sends the messages. Nil means http.DefaultClient.
	HTTPClient *http.Client

	// WBXML selects the WBXML encoding (application/vnd.syncml.dm+wbxml) instead of XML.
	WBXML bool

	// Auth is the scheme of the credentials the device presents: AuthNone (default)
	// sends none until challenged, AuthBasic, AuthMD5 or AuthHMAC. A Chal from the server
	// switches the scheme.
	Auth AuthType

	// UserName and Password are the device's credentials with the server.
	UserName, Password string

	// ServerUserName and ServerPassword, when ServerPassword is set, are the credentials
	// the server must present (mutual authentication). A server without them gets 407
	// (or 401 when they are wrong) with a Chal of ServerAuth, and its commands are not
	// executed.
	ServerUserName, ServerPassword string

	// ServerAuth is the scheme the device challenges the server with: AuthBasic, AuthMD5
	// (the default), or AuthHMAC, under which every response of the server must carry an
	// x-syncml-hmac header made with the nonce of the device's last Chal.
	ServerAuth AuthType

	// MaxMsgSize is the largest message the device accepts, advertised in its headers.
	// Zero means DefaultClientMaxMsgSize.
	MaxMsgSize int64

	// MaxObjSize is the largest large object the device assembles. Zero means
	// DefaultClientMaxObjSize.
	MaxObjSize int64

	// MaxMessages bounds the messages of one session. Zero means DefaultMaxMessages.
	MaxMessages int

	mu          sync.Mutex
	nonce       []byte   // from the server's last Chal: the device's next credentials use it
	scheme      AuthType // the scheme the server last accepted or asked for
	serverNonce []byte   // the nonce the device last sent the server in a Chal
	sessions    uint64
}

// ClientReport says what one session did.
type ClientReport struct {
	SessionID string
	Messages  int       // messages the device sent
	Commands  []Command // the Status commands the device sent, in order
}

// Run runs one management session: alert is AlertClientInitiated (1201) or
// AlertServerInitiated (1200, after a notification), and extra commands (such as generic
// alerts from GenericAlert) go into package 1. It returns when the server ends the
// session, on error, or when ctx is done.
func (c *Client) Run(ctx context.Context, alert StatusCode, extra ...Command) (ClientReport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sid [2]byte
	rand.Read(sid[:])
	return c.run(ctx, alert, strings.ToUpper(hex.EncodeToString(sid[:])), extra)
}

// run runs one session with the SyncHdr SessionID sid; the caller holds c.mu.
func (c *Client) run(ctx context.Context, alert StatusCode, sid string, extra []Command) (ClientReport, error) {
	if c.Tree == nil || c.ServerURL == "" {
		return ClientReport{}, errors.New("omadm: Client needs a Tree and a ServerURL")
	}
	devInfo, devID, err := c.devInfo()
	if err != nil {
		return ClientReport{}, err
	}
	if c.DeviceID != "" {
		devID = c.DeviceID
	}
	c.sessions++
	s := &clientSession{
		c:   c,
		ctx: ctx,
		url: c.ServerURL,
		hdr: SyncHdr{
			VerDTD: VerDTD, VerProto: VerProto,
			SessionID: sid,
			Target:    Loc{URI: c.ServerURL},
			Source:    Loc{URI: devID, Name: c.UserName},
			Meta:      Meta{MaxMsgSize: c.maxMsgSize(), MaxObjSize: c.maxObjSize()},
		},
		auth:      c.Auth,
		serverMax: 1 << 40,
	}
	if c.scheme != AuthNone {
		s.auth = c.scheme
	}
	s.report.SessionID = s.hdr.SessionID
	pkg1 := append([]Command{{Kind: CmdAlert, Data: alert.Code()}, devInfo}, extra...)
	err = s.run(pkg1)
	return s.report, err
}

// GenericAlert returns a generic alert (1226) reporting data of the given Meta type and
// format about the node source, with the correlator of an asynchronous Exec ("" for
// none). Pass it to Run.
func GenericAlert(correlator, source, typ, format, data string) Command {
	return Command{Kind: CmdAlert, Data: AlertGeneric.Code(), Correlator: correlator,
		Items: []Item{{Source: Loc{URI: source}, Meta: Meta{Type: typ, Format: format}, Data: data}}}
}

// DevInfo is the content of the ./DevInfo management object (OMA-TS-DM_StdObj §5.2).
type DevInfo struct {
	DevID, Man, Mod, DmV, Lang string
}

// InstallDevInfo creates ./DevInfo in t as the device, readable by every server.
func InstallDevInfo(t Tree, d DevInfo) error {
	if err := t.Add(Local, "./DevInfo", Value{Format: FormatNode}); err != nil {
		return err
	}
	if err := t.Replace(Local, "./DevInfo?prop=ACL", Value{Data: []byte("Get=*")}); err != nil {
		return err
	}
	for _, l := range []struct{ name, v string }{{"DevId", d.DevID}, {"Man", d.Man}, {"Mod", d.Mod}, {"DmV", d.DmV}, {"Lang", d.Lang}} {
		if err := t.Add(Local, "./DevInfo/"+l.name, Value{Format: FormatChr, Type: "text/plain", Data: []byte(l.v)}); err != nil {
			return err
		}
	}
	return nil
}

// devInfo builds the Replace of package 1 from ./DevInfo.
func (c *Client) devInfo() (Command, string, error) {
	res, err := c.Tree.Get(Local, "./DevInfo?list=StructData", nil)
	if err != nil {
		if errors.Is(err, ErrNotExist) {
			return Command{}, "", ErrNoDevInfo
		}
		return Command{}, "", err
	}
	cmd := Command{Kind: CmdReplace}
	devID := ""
	for _, r := range res {
		if r.Format == FormatNode {
			continue
		}
		uri := "./" + CleanURI(r.URI)
		if uri == "./DevInfo/DevId" {
			devID = string(r.Data)
		}
		cmd.Items = append(cmd.Items, Item{Source: Loc{URI: uri}, Meta: Meta{Format: r.Format.String(), Type: r.Type}, Data: string(r.Data)})
	}
	if devID == "" {
		return Command{}, "", fmt.Errorf("%w: ./DevInfo/DevId missing", ErrNoDevInfo)
	}
	return cmd, devID, nil
}

func (c *Client) maxMsgSize() int64 {
	if c.MaxMsgSize > 0 {
		return c.MaxMsgSize
	}
	return DefaultClientMaxMsgSize
}

func (c *Client) maxObjSize() int64 {
	if c.MaxObjSize > 0 {
		return c.MaxObjSize
	}
	return DefaultClientMaxObjSize
}

// clientSession is one session; the goroutine calling Run owns it.
type clientSession struct {
	c      *Client
	ctx    context.Context
	url    string
	hdr    SyncHdr // package template: the header fields fixed for the session
	msgID  int
	auth   AuthType
	authed bool // the server accepted the device's credentials
	tries  int  // authentication attempts

	serverID     string
	serverAuthed bool
	serverMax    int64 // the server's MaxMsgSize

	nonceOut []byte // a nonce for the server in the message being built
	respBody []byte // the server's last message as received
	respHMAC string // its x-syncml-hmac header

	loIn    *clientLO // incoming large object being assembled
	loOut   *clientLOOut
	pending []Command // commands that did not fit the previous message, in order
	report  ClientReport
}

// clientLO is an incoming large object: the chunks of one Add or Replace item.
type clientLO struct {
	kind CmdKind
	uri  string
	meta Meta
	size int64
	buf  []byte
}

// clientLOOut is a large Results item being sent in chunks.
type clientLOOut struct {
	res  Command // the Results, one item
	data string
	off  int
}

// run sends package 1 and then answers the server's packages until it ends the session.
func (s *clientSession) run(pkg1 []Command) error {
	out := pkg1
	final := true
	for {
		if s.report.Messages >= s.max() {
			return ErrTooManyMsgs
		}
		in, err := s.exchange(out, final)
		if err != nil {
			return err
		}
		var done bool
		out, final, done, err = s.handle(in, pkg1)
		if err != nil || done {
			return err
		}
	}
}

func (s *clientSession) max() int {
	if s.c.MaxMessages > 0 {
		return s.c.MaxMessages
	}
	return DefaultMaxMessages
}

// exchange numbers and sends one message and returns the server's reply.
func (s *clientSession) exchange(cmds []Command, final bool) (*SyncML, error) {
	s.msgID++
	m := &SyncML{Hdr: s.hdr}
	m.Hdr.MsgID = strconv.Itoa(s.msgID)
	if !s.authed {
		switch s.auth {
		case AuthBasic:
			m.Hdr.Cred = NewBasicCred(s.c.UserName, s.c.Password)
		case AuthMD5:
			m.Hdr.Cred = NewMD5Cred(s.c.UserName, s.c.Password, s.c.nonce)
		}
	}
	id := 0
	s.pack(m, cmds, final, &id)
	for i := range m.Body.Commands {
		if m.Body.Commands[i].Kind == CmdStatus {
			s.report.Commands = append(s.report.Commands, m.Body.Commands[i])
		}
	}
	var body []byte
	var err error
	ct := ContentTypeXML
	if s.c.WBXML {
		body, err = m.AppendWBXML(nil)
		ct = ContentTypeWBXML
	} else {
		body, err = m.AppendXML(nil)
	}
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", ct)
	if s.auth == AuthHMAC {
		mac := HMACDigest(s.c.UserName, s.c.Password, s.c.nonce, body)
		req.Header.Set(HMACHeaderName, HMACHeader{Username: s.c.UserName, MAC: mac}.String())
	}
	hc := s.c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	if s.nonceOut != nil {
		s.c.serverNonce, s.nonceOut = s.nonceOut, nil
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	s.report.Messages++
	limit := s.c.maxMsgSize()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s", ErrHTTPStatus, resp.Status)
	}
	if int64(len(rb)) > limit {
		return nil, fmt.Errorf("%w: reply over %d bytes", ErrTooLarge, limit)
	}
	s.respBody, s.respHMAC = rb, resp.Header.Get(HMACHeaderName)
	in := new(SyncML)
	if _, err := in.Unmarshal(rb); err != nil {
		return nil, err
	}
	return in, nil
}

// handle processes one message of the server and returns the device's reply: its
// commands, its Final flag, and done when the session is over.
func (s *clientSession) handle(in *SyncML, pkg1 []Command) (out []Command, final, done bool, err error) {
	if s.serverID == "" {
		s.serverID = s.c.ServerID
		if s.serverID == "" {
			s.serverID = in.Hdr.Source.URI
		}
	}
	if in.Hdr.Source.URI != "" {
		s.hdr.Target.URI = in.Hdr.Source.URI
	}
	if in.Hdr.RespURI != "" {
		s.url = trimSpace(in.Hdr.RespURI)
	}
	if n := in.Hdr.Meta.MaxMsgSize; n > 0 {
		s.serverMax = n
	}
	// The server's verdict on the device's credentials comes first.
	for i := range in.Body.Commands {
		st := &in.Body.Commands[i]
		if st.Kind != CmdStatus || st.CmdRef != "0" {
			continue
		}
		code, _ := st.StatusCode()
		if st.Chal != nil {
			if a := ParseAuthType(st.Chal.Meta.Type); a != AuthNone {
				s.auth, s.c.scheme = a, a
			}
			if st.Chal.Meta.NextNonce != "" {
				s.c.nonce = DecodeNonce(st.Chal.Meta.NextNonce)
			}
		}
		switch {
		case code == StatusInvalidCredentials || code == StatusMissingCredentials:
			s.authed = false
			s.tries++
			if s.tries > maxAuthRetries || st.Chal == nil && code == StatusInvalidCredentials && s.tries > 1 {
				return nil, false, true, ErrAuthRejected
			}
			if s.auth == AuthNone {
				s.auth = AuthBasic
			}
			// Package 1 again, with the credentials asked for.
			return pkg1, true, false, nil
		case code.Success():
			s.authed = s.auth != AuthHMAC
			if s.auth != AuthNone {
				s.c.scheme = s.auth
			}
		}
	}

	hdrStatus := Command{Kind: CmdStatus, MsgRef: in.Hdr.MsgID, CmdRef: "0", Cmd: "SyncHdr",
		TargetRef: []string{in.Hdr.Target.URI}, SourceRef: []string{in.Hdr.Source.URI}, Data: StatusOK.Code()}
	serverOK := s.checkServer(in, &hdrStatus)
	out = append(out, hdrStatus)

	mgmt := false
	var alerts []Command
	for i := range in.Body.Commands {
		cmd := &in.Body.Commands[i]
		switch cmd.Kind {
		case CmdStatus:
			continue
		case CmdResults:
			continue
		}
		mgmt = true
		if s.loIn != nil && !s.continuesLO(cmd) {
			alerts = append(alerts, s.noEndOfData())
		}
		if !serverOK {
			if !cmd.NoResp {
				code, _ := hdrStatus.StatusCode()
				out = append(out, NewStatus(in.Hdr.MsgID, cmd, code))
			}
			continue
		}
		if cmd.Kind == CmdAlert {
			code, _ := cmd.StatusCode()
			if code == AlertSessionAbort {
				return nil, false, true, ErrServerAbort
			}
			if code == AlertNoEndOfData {
				s.loOut = nil
			}
		}
		out = s.execute(s.c.Tree, in.Hdr.MsgID, cmd, out, false)
	}
	if s.loIn != nil && in.Body.Final {
		alerts = append(alerts, s.noEndOfData())
	}
	out = append(out, alerts...)
	if !in.Body.Final {
		// The server's package continues: ask for its next message.
		out = append(out, Command{Kind: CmdAlert, Data: AlertNextMessage.Code()})
		return out, true, false, nil
	}
	if !mgmt && s.loOut == nil && len(s.pending) == 0 {
		// A package of statuses only: the session is over.
		return nil, false, true, nil
	}
	return out, true, false, nil
}

// checkServer verifies the server's credentials when the device requires them and sets
// the device's status for the server's header. It reports whether commands may run.
func (s *clientSession) checkServer(in *SyncML, st *Command) bool {
	c := s.c
	if c.ServerPassword == "" {
		return true
	}
	scheme := c.ServerAuth
	if scheme != AuthBasic && scheme != AuthHMAC {
		scheme = AuthMD5
	}
	chal := func() *Chal {
		ch := &Chal{Meta: Meta{Type: scheme.String(), Format: "b64"}}
		if scheme != AuthBasic {
			raw, text, err := NewNonce()
			if err == nil {
				s.nonceOut = raw // in force once the message carrying it is sent
				ch.Meta.NextNonce = text
			}
		}
		return ch
	}
	if scheme == AuthHMAC {
		// Every response is signed, with the nonce the device sent last.
		h, err := ParseHMACHeader(s.respHMAC)
		switch {
		case s.respHMAC == "":
			st.Data, st.Chal = StatusMissingCredentials.Code(), chal()
			return false
		case err != nil || !VerifyHMAC(h.MAC, c.ServerUserName, c.ServerPassword, c.serverNonce, s.respBody) ||
			subtle.ConstantTimeCompare([]byte(h.Username), []byte(c.ServerUserName)) != 1:
			st.Data, st.Chal = StatusInvalidCredentials.Code(), chal()
			return false
		}
		if !s.serverAuthed {
			st.Data = StatusAuthAccepted.Code()
		}
		s.serverAuthed = true
		st.Chal = chal()
		return true
	}
	if s.serverAuthed {
		return true
	}
	cred := in.Hdr.Cred
	if cred == nil {
		st.Data, st.Chal = StatusMissingCredentials.Code(), chal()
		return false
	}
	ok := false
	switch ParseAuthType(cred.Meta.Type) {
	case AuthBasic:
		ok = scheme == AuthBasic && VerifyBasic(cred.Data, c.ServerUserName, c.ServerPassword)
	case AuthMD5:
		ok = VerifyMD5(cred.Data, c.ServerUserName, c.ServerPassword, c.serverNonce)
	}
	if !ok {
		st.Data, st.Chal = StatusInvalidCredentials.Code(), chal()
		return false
	}
	s.serverAuthed = true
	st.Data = StatusAuthAccepted.Code()
	if scheme == AuthMD5 {
		st.Chal = chal() // the nonce of the next session
	}
	return true
}

func (s *clientSession) continuesLO(c *Command) bool {
	if c.Kind != s.loIn.kind || len(c.Items) == 0 {
		return false
	}
	return c.Items[0].Target.URI == s.loIn.uri
}

// noEndOfData drops the incoming large object and returns Alert 1225 for it.
func (s *clientSession) noEndOfData() Command {
	uri := s.loIn.uri
	s.loIn = nil
	return Command{Kind: CmdAlert, Data: AlertNoEndOfData.Code(), Items: []Item{{Source: Loc{URI: uri}}}}
}

// itemValue returns the value an Add or Replace item carries, its Meta over the command's.
func itemValue(cmd *Command, it *Item, data string) (Value, error) {
	format, typ := cmd.Meta.Format, cmd.Meta.Type
	if it.Meta.Format != "" {
		format = it.Meta.Format
	}
	if it.Meta.Type != "" {
		typ = it.Meta.Type
	}
	f, err := ParseFormat(format)
	if err != nil {
		return Value{}, err
	}
	return Value{Format: f, Type: trimSpace(typ), Data: []byte(data)}, nil
}

// execute runs one command against t and appends its Status (and Results) to out.
// inAtomic forbids a nested Atomic.
func (s *clientSession) execute(t Tree, msgID string, cmd *Command, out []Command, inAtomic bool) []Command {
	status := func(err error) []Command {
		if cmd.NoResp {
			return out
		}
		return append(out, NewStatus(msgID, cmd, TreeStatus(err)))
	}
	switch cmd.Kind {
	case CmdAlert:
		code, _ := cmd.StatusCode()
		switch {
		case code >= AlertDisplay && code <= AlertMultipleChoice,
			code == AlertNextMessage, code == AlertNoEndOfData, code == AlertServerInitiated, code == AlertClientInitiated:
			return status(nil)
		}
		return status(ErrNotSupported)
	case CmdAdd, CmdReplace:
		return s.addReplace(t, msgID, cmd, out)
	case CmdDelete:
		var err error
		for i := range cmd.Items {
			if e := t.Delete(s.serverID, trimSpace(cmd.Items[i].Target.URI)); e != nil && err == nil {
				err = e
			}
		}
		return status(err)
	case CmdGet:
		return s.get(t, msgID, cmd, out)
	case CmdExec:
		et, ok := t.(ExecTree)
		if !ok {
			return status(ErrNotSupported)
		}
		var err error
		for i := range cmd.Items {
			it := &cmd.Items[i]
			if e := et.Exec(s.ctx, s.serverID, trimSpace(it.Target.URI), []byte(it.Data), cmd.Correlator); e != nil && err == nil {
				err = e
			}
		}
		return status(err)
	case CmdCopy:
		var err error
		for i := range cmd.Items {
			it := &cmd.Items[i]
			if e := Copy(t, s.serverID, trimSpace(it.Target.URI), trimSpace(it.Source.URI)); e != nil && err == nil {
				err = e
			}
		}
		return status(err)
	case CmdSequence:
		out = status(nil)
		for i := range cmd.Commands {
			out = s.execute(t, msgID, &cmd.Commands[i], out, inAtomic)
		}
		return out
	case CmdAtomic:
		return s.atomic(t, msgID, cmd, out, inAtomic)
	}
	return status(ErrNotSupported)
}

func (s *clientSession) addReplace(t Tree, msgID string, cmd *Command, out []Command) []Command {
	var err error
	code := StatusCode(0)
	for i := range cmd.Items {
		it := &cmd.Items[i]
		uri := trimSpace(it.Target.URI)
		data := it.Data
		if it.MoreData || s.loIn != nil {
			var c StatusCode
			data, c = s.chunk(cmd, it, uri)
			if c != StatusOK {
				code = c
				continue
			}
		}
		v, e := itemValue(cmd, it, data)
		if e == nil {
			if cmd.Kind == CmdAdd {
				e = t.Add(s.serverID, uri, v)
			} else {
				e = t.Replace(s.serverID, uri, v)
			}
		}
		if e != nil && err == nil {
			err = e
		}
	}
	if cmd.NoResp {
		return out
	}
	if code == 0 || err != nil {
		code = TreeStatus(err)
	}
	return append(out, NewStatus(msgID, cmd, code))
}

// chunk adds a chunk of a large object (OMA-TS-DM_Protocol §7). It returns the whole
// value with StatusOK when it is complete, else 213 for a chunk buffered or the error
// status: 411 when the first chunk has no size, 413 beyond MaxObjSize, 424 when the
// assembled size differs from the announced one.
func (s *clientSession) chunk(cmd *Command, it *Item, uri string) (string, StatusCode) {
	lo := s.loIn
	if lo == nil {
		size := it.Meta.Size
		if size == 0 {
			size = cmd.Meta.Size
		}
		if size <= 0 {
			return "", StatusSizeRequired
		}
		if size > s.c.maxObjSize() {
			return "", StatusRequestEntityTooLarge
		}
		lo = &clientLO{kind: cmd.Kind, uri: uri, meta: it.Meta, size: size}
		s.loIn = lo
	}
	if int64(len(lo.buf)+len(it.Data)) > s.c.maxObjSize() {
		s.loIn = nil
		return "", StatusRequestEntityTooLarge
	}
	lo.buf = append(lo.buf, it.Data...)
	if it.MoreData {
		return "", StatusChunkAccepted
	}
	s.loIn = nil
	if int64(len(lo.buf)) != lo.size {
		return "", StatusSizeMismatch
	}
	if it.Meta.Format == "" {
		it.Meta.Format = lo.meta.Format
	}
	if it.Meta.Type == "" {
		it.Meta.Type = lo.meta.Type
	}
	return string(lo.buf), StatusOK
}

func (s *clientSession) get(t Tree, msgID string, cmd *Command, out []Command) []Command {
	var buf []Result
	var err error
	res := Command{Kind: CmdResults, MsgRef: msgID, CmdRef: cmd.CmdID}
	for i := range cmd.Items {
		uri := trimSpace(cmd.Items[i].Target.URI)
		n := len(buf)
		buf, err = t.Get(s.serverID, uri, buf)
		if err != nil {
			break
		}
		for _, r := range buf[n:] {
			it := Item{Source: Loc{URI: r.URI}, Meta: Meta{Format: r.Format.String(), Type: r.Type}, Data: string(r.Data)}
			if it.Meta.Format == "" {
				it.Meta.Format = "chr"
			}
			res.Items = append(res.Items, it)
		}
	}
	if !cmd.NoResp {
		out = append(out, NewStatus(msgID, cmd, TreeStatus(err)))
	}
	if err != nil {
		return out
	}
	return append(out, res)
}

// atomic runs the commands of an Atomic all or nothing. On failure the Atomic gets 507,
// the failed command its own status, the commands before it 216 (rolled back) and the
// ones after it 215 (not executed); Results are dropped.
func (s *clientSession) atomic(t Tree, msgID string, cmd *Command, out []Command, inAtomic bool) []Command {
	subs := cmd.Commands
	if inAtomic {
		out = append(out, NewStatus(msgID, cmd, StatusCommandNotAllowed))
		for i := range subs {
			out = append(out, NewStatus(msgID, &subs[i], StatusNotExecuted))
		}
		return out
	}
	var inner []Command
	failed := -1
	errStop := errors.New("omadm: atomic command failed")
	err := Atomic(t, func(v Tree) error {
		for i := range subs {
			n := len(inner)
			inner = s.execute(v, msgID, &subs[i], inner, true)
			for _, st := range inner[n:] {
				if st.Kind == CmdStatus {
					if code, _ := st.StatusCode(); !code.Success() {
						failed = i
						return errStop
					}
				}
			}
		}
		return nil
	})
	if err == nil {
		out = append(out, NewStatus(msgID, cmd, StatusOK))
		return append(out, inner...)
	}
	out = append(out, NewStatus(msgID, cmd, StatusAtomicFailed))
	if failed < 0 {
		for i := range subs {
			out = append(out, NewStatus(msgID, &subs[i], StatusAtomicRollbackOK))
		}
		return out
	}
	var failedStatus *Command
	for i := range inner {
		if inner[i].Kind == CmdStatus && inner[i].CmdRef == subs[failed].CmdID {
			failedStatus = &inner[i]
		}
	}
	for i := range subs {
		switch {
		case i < failed:
			out = append(out, NewStatus(msgID, &subs[i], StatusAtomicRollbackOK))
		case i == failed && failedStatus != nil:
			out = append(out, *failedStatus)
		default:
			out = append(out, NewStatus(msgID, &subs[i], StatusNotExecuted))
		}
	}
	return out
}

// pack fills m, whose header is set, with the commands of this message: the SyncHdr
// Status first (when cmds starts with it), then the next chunk of a large Results item
// under way, then the commands left over from earlier messages (s.pending), then the
// rest of cmds, as many as fit the server's MaxMsgSize. What does not fit waits in
// s.pending for the next message. A Results item too large for any message is sent as a
// large object (OMA-TS-DM_Protocol section 7): one chunk per message, as the last
// command, the first with MoreData and Meta Size, the last without MoreData, and the
// server acknowledges each with 213. Large items go one after the other; a Results with
// several items is split into one Results per item with the same MsgRef and CmdRef when
// they do not all fit. m.Body.Final is cleared while anything is left.
func (s *clientSession) pack(m *SyncML, cmds []Command, final bool, id *int) {
	size := func() int64 { return encodedSize(m, s.c.WBXML) }
	var number func(cs []Command) []Command
	number = func(cs []Command) []Command {
		cs = append([]Command(nil), cs...)
		for i := range cs {
			*id++
			cs[i].CmdID = strconv.Itoa(*id)
			if len(cs[i].Commands) > 0 {
				cs[i].Commands = number(cs[i].Commands)
			}
		}
		return cs
	}
	// add appends c numbered and reports whether the message still fits; if not, it
	// takes c out again and restores the CmdID counter.
	add := func(c Command) bool {
		saved := *id
		m.Body.Commands = append(m.Body.Commands, number([]Command{c})[0])
		if size() <= s.serverMax {
			return true
		}
		m.Body.Commands = m.Body.Commands[:len(m.Body.Commands)-1]
		*id = saved
		return false
	}
	m.Body.Final = true // measured with Final: it only ever gets smaller
	if len(cmds) > 0 && cmds[0].Kind == CmdStatus && cmds[0].CmdRef == "0" {
		m.Body.Commands = number(cmds[:1])
		cmds = cmds[1:]
	}
	head := len(m.Body.Commands)
	queue := append(s.pending, cmds...)
	s.pending = nil
	defer func() {
		m.Body.Final = final && s.loOut == nil && len(s.pending) == 0
	}()
	if s.loOut != nil {
		if done, _ := s.sendChunk(m, id, size, true); !done {
			s.pending = queue
			return
		}
	}
	for i := 0; i < len(queue); i++ {
		c := queue[i]
		if add(c) {
			continue
		}
		if c.Kind != CmdResults || len(c.Items) == 0 {
			if len(m.Body.Commands) == head && s.loOut == nil {
				// Too large for any message: send it anyway; the server says so.
				m.Body.Commands = append(m.Body.Commands, number([]Command{c})[0])
				continue
			}
			s.pending = queue[i:]
			return
		}
		// A Results: send the items that fit, then chunk or defer the next one.
		k := 0
		one := c
		for ; k < len(c.Items); k++ {
			one.Items = c.Items[:k+1]
			saved := *id
			if !add(one) {
				break
			}
			m.Body.Commands = m.Body.Commands[:len(m.Body.Commands)-1]
			*id = saved
		}
		if k > 0 {
			one.Items = c.Items[:k]
			add(one)
		}
		rest := c
		rest.Items = c.Items[k:]
		it := rest.Items[0]
		single := c
		single.Items = []Item{it}
		if s.fitsAlone(m, head, single) {
			// It fits in a message of its own: wait for the next one.
			s.pending = append([]Command{rest}, queue[i+1:]...)
			return
		}
		// Too large for any message: a large object, starting here, or at the head
		// of the next message when too little room is left in this one.
		s.loOut = &clientLOOut{res: single, data: it.Data}
		after := queue[i+1:]
		if len(rest.Items) > 1 {
			more := c
			more.Items = rest.Items[1:]
			after = append([]Command{more}, after...)
		}
		if _, ok := s.sendChunk(m, id, size, false); !ok {
			s.pending = after
			return
		}
		s.pending = append([]Command(nil), after...)
		if s.loOut == nil {
			// The whole item fitted after all (escaping estimates): go on.
			queue, i = s.pending, -1
			s.pending = nil
			continue
		}
		return
	}
}

// fitsAlone reports whether c fits the server's MaxMsgSize in a message that holds only
// the first head commands of m.
func (s *clientSession) fitsAlone(m *SyncML, head int, c Command) bool {
	t := SyncML{Hdr: m.Hdr, Body: SyncBody{Commands: append(append([]Command(nil), m.Body.Commands[:head]...), c), Final: true}}
	t.Body.Commands[head].CmdID = strconv.Itoa(len(t.Body.Commands) + 1000)
	return encodedSize(&t, s.c.WBXML) <= s.serverMax
}

// sendChunk appends the next chunk of the large Results item under way to m, as large
// as the server's MaxMsgSize allows, and reports whether the item is now complete. A
// chunk carries at least 64 bytes, or the rest when less; when that does not fit, it
// adds nothing and reports !ok, unless force is set.
func (s *clientSession) sendChunk(m *SyncML, id *int, size func() int64, force bool) (done, ok bool) {
	lo := s.loOut
	c := lo.res
	it := c.Items[0]
	it.Data = ""
	it.MoreData = true
	it.Meta.Size = 0
	if lo.off == 0 {
		it.Meta.Size = int64(len(lo.data))
	}
	c.Items = []Item{it}
	*id++
	c.CmdID = strconv.Itoa(*id)
	m.Body.Commands = append(m.Body.Commands, c)
	budget := s.serverMax - size() - 64
	if budget < 64 {
		if !force && budget < int64(len(lo.data)-lo.off) {
			m.Body.Commands = m.Body.Commands[:len(m.Body.Commands)-1]
			*id--
			return false, false
		}
		budget = 64
	}
	n := int(budget)
	if !s.c.WBXML {
		n = chunkLenXML(lo.data[lo.off:], n)
	} else {
		n = chunkLenUTF8(lo.data[lo.off:], n)
	}
	last := &m.Body.Commands[len(m.Body.Commands)-1]
	if rest := len(lo.data) - lo.off; rest <= n {
		n = rest
		last.Items[0].MoreData = false
	}
	last.Items[0].Data = lo.data[lo.off : lo.off+n]
	lo.off += n
	if lo.off == len(lo.data) {
		s.loOut = nil
		return true, true
	}
	return false, true
}

// chunkLenUTF8 returns at most n, shortened to end on a UTF-8 boundary of data; at
// least one character.
func chunkLenUTF8(data string, n int) int {
	if n >= len(data) {
		return len(data)
	}
	for i := n; i > 0; i-- {
		if data[i]&0xC0 != 0x80 {
			return i
		}
	}
	_, size := utf8.DecodeRuneInString(data)
	return size
}

// chunkLenXML returns how many bytes of data fit in budget bytes of escaped XML text,
// ending on a UTF-8 boundary; at least one character.
func chunkLenXML(data string, budget int) int {
	used, n := 0, 0
	for n < len(data) {
		c := data[n]
		w, size := 1, 1
		switch {
		case c == '&':
			w = 5
		case c == '<' || c == '>':
			w = 4
		case c == '\r' || c == '"' || c == '\'':
			w = 6
		case c >= 0x80:
			size = 1
			for n+size < len(data) && data[n+size]&0xC0 == 0x80 {
				size++
			}
			w = size
		}
		if used+w > budget && n > 0 {
			break
		}
		used += w
		n += size
	}
	return n
}

// Copy copies the node src (with its subtree) to dst in t as server: with t's own Copy
// when t is a CopyTree, else by reading src with ?list=StructData and adding each node.
func Copy(t Tree, server, dst, src string) error {
	if ct, ok := t.(CopyTree); ok {
		return ct.Copy(server, dst, src)
	}
	res, err := t.Get(server, src+"?list=StructData", nil)
	if err != nil {
		return &PathError{Op: "copy", Path: src, Err: errors.Unwrap(err)}
	}
	for _, r := range res {
		rel := strings.TrimPrefix(r.URI, src)
		v := Value{Format: r.Format, Type: r.Type, Data: r.Data}
		if err := t.Add(server, dst+rel, v); err != nil {
			return err
		}
	}
	return nil
}

// Atomic runs fn with a view of t whose changes are all undone if fn returns an error:
// with t's own Atomic when t is an AtomicTree, else by recording how to undo each change
// (the previous value or property, the nodes added, the subtree deleted with its ACLs
// and Titles) and undoing them in reverse order as the device. Without AtomicTree the
// group is not isolated from other changes made to t meanwhile, and Exec is not undone.
func Atomic(t Tree, fn func(Tree) error) error {
	if at, ok := t.(AtomicTree); ok {
		return at.Atomic(fn)
	}
	u := &undoTree{t: t}
	err := fn(u)
	if err != nil {
		for i := len(u.undo) - 1; i >= 0; i-- {
			u.undo[i]()
		}
	}
	return err
}

// undoTree is the view Atomic gives fn over a tree without AtomicTree.
type undoTree struct {
	t    Tree
	undo []func()
}

func (u *undoTree) Get(server, uri string, dst []Result) ([]Result, error) {
	return u.t.Get(server, uri, dst)
}

// firstMissing returns the URI of the topmost node of uri's path that does not exist.
func (u *undoTree) firstMissing(uri string) string {
	p := CleanURI(uri)
	missing := p
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != '/' {
			continue
		}
		if _, err := u.t.Get(Local, "./"+p[:i], nil); err == nil {
			break
		}
		missing = p[:i]
	}
	return "./" + missing
}

func (u *undoTree) Add(server, uri string, v Value) error {
	top := ""
	if ValidURI(uri) {
		top = u.firstMissing(uri)
	}
	err := u.t.Add(server, uri, v)
	if err == nil && top != "" {
		u.undo = append(u.undo, func() { u.t.Delete(Local, top) })
	}
	return err
}

func (u *undoTree) Replace(server, uri string, v Value) error {
	old, gerr := u.t.Get(Local, uri, nil)
	err := u.t.Replace(server, uri, v)
	if err == nil && gerr == nil && len(old) == 1 {
		prev := Value{Format: old[0].Format, Type: old[0].Type, Data: old[0].Data}
		if _, q := SplitURI(uri); q != "" {
			prev = Value{Data: old[0].Data}
		}
		target := uri
		if _, q := SplitURI(uri); q == "prop=Name" {
			// Undo a rename under the new name.
			path, _ := SplitURI(uri)
			if i := strings.LastIndexByte(path, '/'); i >= 0 {
				target = path[:i+1] + EscapeName(string(v.Data)) + "?prop=Name"
			}
		}
		u.undo = append(u.undo, func() { u.t.Replace(Local, target, prev) })
	}
	return err
}

func (u *undoTree) Delete(server, uri string) error {
	sub, gerr := u.t.Get(Local, uri+"?list=StructData", nil)
	type props struct{ acl, title []byte }
	saved := make([]props, len(sub))
	for i, r := range sub {
		if a, err := u.t.Get(Local, r.URI+"?prop=ACL", nil); err == nil {
			saved[i].acl = a[0].Data
		}
		if ti, err := u.t.Get(Local, r.URI+"?prop=Title", nil); err == nil {
			saved[i].title = ti[0].Data
		}
	}
	err := u.t.Delete(server, uri)
	if err == nil && gerr == nil {
		u.undo = append(u.undo, func() {
			for i, r := range sub {
				u.t.Add(Local, r.URI, Value{Format: r.Format, Type: r.Type, Data: r.Data})
				if len(saved[i].acl) > 0 {
					u.t.Replace(Local, r.URI+"?prop=ACL", Value{Data: saved[i].acl})
				}
				if len(saved[i].title) > 0 {
					u.t.Replace(Local, r.URI+"?prop=Title", Value{Data: saved[i].title})
				}
			}
		})
	}
	return err
}

func (u *undoTree) Copy(server, dst, src string) error {
	old, gerr := u.t.Get(Local, dst, nil)
	top := ""
	if ValidURI(dst) {
		top = u.firstMissing(dst)
	}
	err := Copy(u.t, server, dst, src)
	if err == nil {
		if gerr == nil && len(old) == 1 {
			prev := Value{Format: old[0].Format, Type: old[0].Type, Data: old[0].Data}
			u.undo = append(u.undo, func() { u.t.Replace(Local, dst, prev) })
		} else if top != "" {
			u.undo = append(u.undo, func() { u.t.Delete(Local, top) })
		}
	}
	return err
}

func (u *undoTree) Exec(ctx context.Context, server, uri string, data []byte, correlator string) error {
	et, ok := u.t.(ExecTree)
	if !ok {
		return &PathError{Op: "exec", Path: uri, Err: ErrNotSupported}
	}
	return et.Exec(ctx, server, uri, data, correlator)
}
