package omadm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServer serves srv on a loopback port and returns its URL and a channel of
// session reports.
func startServer(t testing.TB, srv *Server) (string, chan Report) {
	t.Helper()
	reports := make(chan Report, 1024)
	prev := srv.OnSession
	srv.OnSession = func(r Report) {
		if prev != nil {
			prev(r)
		}
		reports <- r
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, srv.Shutdown(ctx))
		assert.ErrorIs(t, <-served, ErrServerClosed)
	})
	return "http://" + l.Addr().String() + "/dm", reports
}

// testDevice is a scripted SyncML DM client for the server tests.
type testDevice struct {
	t        testing.TB
	url      string
	id       string
	session  string
	wbxml    bool
	msgID    int
	maxMsg   int64
	cred     *Cred
	user     string
	hmac     func(body []byte) string
	client   *http.Client
	lastBody []byte
	lastHMAC string
	ctype    string // overrides the content type of requests
}

func newTestDevice(t testing.TB, url, id string) *testDevice {
	return &testDevice{t: t, url: url, id: id, session: "1", client: &http.Client{Timeout: 30 * time.Second}}
}

// send sends cmds (numbered from 1) and returns the server's reply.
func (d *testDevice) send(final bool, cmds ...Command) *SyncML {
	d.t.Helper()
	d.msgID++
	m := SyncML{Hdr: SyncHdr{SessionID: d.session, MsgID: itoa(int64(d.msgID)),
		Target: Loc{URI: d.url}, Source: Loc{URI: d.id, Name: d.user}, Cred: d.cred,
		Meta: Meta{MaxMsgSize: d.maxMsg}}}
	for i, c := range cmds {
		c.CmdID = itoa(int64(i + 1))
		m.Body.Commands = append(m.Body.Commands, c)
	}
	m.Body.Final = final
	var body []byte
	var err error
	ct := ContentTypeXML
	if d.wbxml {
		ct = ContentTypeWBXML
		body, err = m.AppendWBXML(nil)
	} else {
		body, err = m.AppendXML(nil)
	}
	require.NoError(d.t, err)
	if d.ctype != "" {
		ct = d.ctype
	}
	req, err := http.NewRequest(http.MethodPost, d.url, bytes.NewReader(body))
	require.NoError(d.t, err)
	req.Header.Set("Content-Type", ct)
	if d.hmac != nil {
		req.Header.Set(HMACHeaderName, d.hmac(body))
	}
	resp, err := d.client.Do(req)
	require.NoError(d.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(d.t, err)
	require.Equal(d.t, http.StatusOK, resp.StatusCode, "%s", out)
	wantCT := ContentTypeXML
	switch {
	case strings.Contains(ct, "vnd.syncml+"):
		wantCT = ContentTypeSyncMLXML
	case d.wbxml:
		wantCT = ContentTypeWBXML
	}
	assert.Equal(d.t, wantCT, resp.Header.Get("Content-Type"))
	if d.maxMsg > 0 {
		assert.LessOrEqual(d.t, int64(len(out)), d.maxMsg, "reply larger than MaxMsgSize")
	}
	d.lastBody = out
	d.lastHMAC = resp.Header.Get(HMACHeaderName)
	var reply SyncML
	_, err = reply.Unmarshal(out)
	require.NoError(d.t, err)
	assert.Equal(d.t, d.id, reply.Hdr.Target.URI)
	assert.Equal(d.t, d.session, reply.Hdr.SessionID)
	return &reply
}

func pkg1(alert StatusCode) []Command {
	return []Command{
		{Kind: CmdAlert, Data: alert.Code()},
		{Kind: CmdReplace, Items: []Item{
			{Source: Loc{URI: "./DevInfo/DevId"}, Meta: Meta{Format: "chr"}, Data: "IMEI:1"},
			{Source: Loc{URI: "./DevInfo/Man"}, Meta: Meta{Format: "chr"}, Data: "phdkit"},
		}},
	}
}

// statuses returns the status codes of reply in order, and checks that the header's
// status comes first.
func statuses(t testing.TB, reply *SyncML) []string {
	t.Helper()
	var out []string
	for i, c := range reply.Body.Commands {
		if c.Kind != CmdStatus {
			continue
		}
		if i == 0 {
			assert.Equal(t, "SyncHdr", c.Cmd)
			assert.Equal(t, "0", c.CmdRef)
		}
		out = append(out, c.Cmd+"="+c.Data)
	}
	return out
}

func commands(reply *SyncML) []Command {
	var out []Command
	for _, c := range reply.Body.Commands {
		if c.Kind != CmdStatus {
			out = append(out, c)
		}
	}
	return out
}

// answer builds the device's statuses (and Results for Get) for the commands of reply.
func answer(reply *SyncML, code StatusCode, get func(uri string) string) []Command {
	out := []Command{NewStatus(reply.Hdr.MsgID, nil, StatusOK)}
	var walk func(cs []Command)
	walk = func(cs []Command) {
		for i := range cs {
			c := &cs[i]
			if c.Kind == CmdStatus {
				continue
			}
			st := NewStatus(reply.Hdr.MsgID, c, code)
			if c.Kind == CmdAlert {
				st.Data = StatusOK.Code()
			}
			out = append(out, st)
			if c.Kind == CmdGet && get != nil {
				r := Command{Kind: CmdResults, MsgRef: reply.Hdr.MsgID, CmdRef: c.CmdID}
				for _, it := range c.Items {
					r.Items = append(r.Items, Item{Source: Loc{URI: it.Target.URI}, Data: get(it.Target.URI)})
				}
				out = append(out, r)
			}
			walk(c.Commands)
		}
	}
	walk(reply.Body.Commands)
	return out
}

func waitReport(t testing.TB, reports chan Report) Report {
	t.Helper()
	select {
	case r := <-reports:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no session report")
	}
	return Report{}
}

func queueOf20() []Command {
	var cmds []Command
	for i := 0; i < 20; i++ {
		uri := "./PHD/Thresholds/T" + itoa(int64(i))
		switch i % 4 {
		case 0:
			cmds = append(cmds, Command{Kind: CmdReplace, Items: []Item{{Target: Loc{URI: uri}, Meta: Meta{Format: "int"}, Data: itoa(int64(100 + i))}}})
		case 1:
			cmds = append(cmds, Command{Kind: CmdAdd, Items: []Item{{Target: Loc{URI: uri}, Meta: Meta{Format: "chr", Type: "text/plain"}, Data: "v"}}})
		case 2:
			cmds = append(cmds, Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: uri}}}})
		case 3:
			cmds = append(cmds, Command{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: uri}}}})
		}
	}
	return cmds
}

func TestServerSession(t *testing.T) {
	for _, wbxml := range []bool{false, true} {
		name := "xml"
		if wbxml {
			name = "wbxml"
		}
		t.Run(name, func(t *testing.T) {
			srv := &Server{}
			url, reports := startServer(t, srv)
			srv.Enqueue("IMEI:1",
				Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./DevDetail/SwV"}}}},
				Command{Kind: CmdReplace, Items: []Item{{Target: Loc{URI: "./PHD/Interval"}, Meta: Meta{Format: "int"}, Data: "60"}}},
				Command{Kind: CmdAtomic, Commands: []Command{
					{Kind: CmdAdd, Items: []Item{{Target: Loc{URI: "./PHD/Alarm"}, Meta: Meta{Format: "node"}}}},
					{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: "./PHD/Old"}}}},
				}},
				Command{Kind: CmdSequence, Commands: []Command{
					{Kind: CmdExec, Correlator: "c-1", Items: []Item{{Target: Loc{URI: "./PHD/Ops/Sync"}}}},
				}},
			)
			d := newTestDevice(t, url, "IMEI:1")
			d.wbxml = wbxml
			r1 := d.send(true, pkg1(AlertClientInitiated)...)
			assert.Equal(t, []string{"SyncHdr=200", "Alert=200", "Replace=200"}, statuses(t, r1))
			assert.Equal(t, "1", r1.Body.Commands[1].MsgRef)
			assert.Equal(t, "1", r1.Body.Commands[1].CmdRef)
			assert.Equal(t, "2", r1.Body.Commands[2].CmdRef)
			cmds := commands(r1)
			require.Len(t, cmds, 4)
			assert.Equal(t, CmdGet, cmds[0].Kind)
			assert.Equal(t, CmdAtomic, cmds[2].Kind)
			assert.Equal(t, "c-1", cmds[3].Commands[0].Correlator)
			assert.True(t, r1.Body.Final)
			assert.Equal(t, "1", r1.Hdr.MsgID)
			assert.Equal(t, url, r1.Hdr.Source.URI)

			r2 := d.send(true, answer(r1, StatusOK, func(string) string { return "1.0.7" })...)
			assert.Equal(t, []string{"SyncHdr=200", "Results=200"}, statuses(t, r2))
			assert.Empty(t, commands(r2))
			assert.True(t, r2.Body.Final)
			assert.Equal(t, "2", r2.Hdr.MsgID)

			rep := waitReport(t, reports)
			require.NoError(t, rep.Err)
			assert.Equal(t, "IMEI:1", rep.Device)
			assert.Equal(t, "phdkit", rep.DevInfo["./DevInfo/Man"])
			require.Len(t, rep.Results, 4)
			assert.Equal(t, StatusOK, rep.Results[0].Status)
			require.Len(t, rep.Results[0].Items, 1)
			assert.Equal(t, "1.0.7", rep.Results[0].Items[0].Data)
			require.Len(t, rep.Results[2].Sub, 2)
			assert.Equal(t, StatusOK, rep.Results[2].Status)
			assert.Equal(t, StatusOK, rep.Results[2].Sub[1].Status)
			assert.Equal(t, StatusOK, rep.Results[3].Sub[0].Status)
			assert.Empty(t, srv.Queued("IMEI:1"))
		})
	}
}

func TestServerCommandsHook(t *testing.T) {
	srv := &Server{Commands: func(device string) []Command {
		return []Command{{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: "./PHD/" + device}}}}}
	}}
	url, reports := startServer(t, srv)
	srv.Enqueue("d1", Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./A"}}}})
	d := newTestDevice(t, url, "d1")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	cs := commands(r)
	require.Len(t, cs, 2)
	assert.Equal(t, CmdGet, cs[0].Kind)
	assert.Equal(t, "./PHD/d1", cs[1].Items[0].Target.URI)
	d.send(true, answer(r, StatusOK, func(string) string { return "x" })...)
	assert.Len(t, waitReport(t, reports).Results, 2)
}

func TestServerRetransmission(t *testing.T) {
	srv := &Server{}
	url, reports := startServer(t, srv)
	srv.Enqueue("dev", Command{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: "./X"}}}})
	d := newTestDevice(t, url, "dev")
	r1 := d.send(true, pkg1(AlertClientInitiated)...)
	first := d.lastBody
	d.msgID-- // the same message again, as after a lost reply
	r1b := d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, first, d.lastBody)
	assert.Equal(t, r1, r1b)
	d.send(true, answer(r1, StatusOK, nil)...)
	rep := waitReport(t, reports)
	assert.Equal(t, 2, rep.Messages)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, StatusOK, rep.Results[0].Status)
}

func TestServerContentTypes(t *testing.T) {
	srv := &Server{}
	url, reports := startServer(t, srv)
	for i, ct := range []string{ContentTypeSyncMLXML, ContentTypeXML + "; charset=utf-8", ContentTypeWBXML} {
		d := newTestDevice(t, url, "dev"+itoa(int64(i)))
		d.wbxml = strings.Contains(ct, "wbxml")
		d.ctype = ct
		r := d.send(true, pkg1(AlertClientInitiated)...)
		assert.Equal(t, "200", r.Body.Commands[0].Data, ct)
		waitReport(t, reports)
	}
}

func TestServerEmptyQueue(t *testing.T) {
	srv := &Server{}
	url, reports := startServer(t, srv)
	d := newTestDevice(t, url, "dev")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	assert.Empty(t, commands(r))
	assert.True(t, r.Body.Final)
	rep := waitReport(t, reports)
	assert.NoError(t, rep.Err)
	assert.Empty(t, rep.Results)
}

func TestServerAuthMD5Challenge(t *testing.T) {
	srv := &Server{Auth: AuthMD5, Credentials: func(device, user string) (string, string, bool) {
		return "Bruce2", "OhBehave", device == "IMEI:493005100592800"
	}}
	url, reports := startServer(t, srv)
	srv.Enqueue("IMEI:493005100592800", Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./DevInfo/Lang"}}}})
	d := newTestDevice(t, url, "IMEI:493005100592800")
	d.user = "Bruce2"
	r := d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, []string{"SyncHdr=407", "Alert=407", "Replace=407"}, statuses(t, r))
	chal := r.Body.Commands[0].Chal
	require.NotNil(t, chal)
	assert.Equal(t, "syncml:auth-md5", chal.Meta.Type)
	assert.Equal(t, "b64", chal.Meta.Format)
	assert.Empty(t, commands(r))

	// A basic credential is not enough: 401 and a new nonce.
	d.cred = NewBasicCred("Bruce2", "OhBehave")
	r = d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, []string{"SyncHdr=401", "Alert=401", "Replace=401"}, statuses(t, r))
	chal = r.Body.Commands[0].Chal
	require.NotNil(t, chal)

	d.cred = NewMD5Cred("Bruce2", "OhBehave", DecodeNonce(chal.Meta.NextNonce))
	r = d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, []string{"SyncHdr=212", "Alert=200", "Replace=200"}, statuses(t, r))
	next := r.Body.Commands[0].Chal
	require.NotNil(t, next, "nonce rotation: a fresh nonce for the next session")
	assert.NotEqual(t, chal.Meta.NextNonce, next.Meta.NextNonce)
	require.Len(t, commands(r), 1)
	d.cred = nil
	r = d.send(true, answer(r, StatusOK, func(string) string { return "en" })...)
	assert.Equal(t, []string{"SyncHdr=200", "Results=200"}, statuses(t, r))
	rep := waitReport(t, reports)
	require.NoError(t, rep.Err)
	assert.Equal(t, "en", rep.Results[0].Items[0].Data)

	// The next session authenticates with the rotated nonce directly.
	d2 := newTestDevice(t, url, "IMEI:493005100592800")
	d2.session = "2"
	d2.user = "Bruce2"
	d2.cred = NewMD5Cred("Bruce2", "OhBehave", DecodeNonce(next.Meta.NextNonce))
	r = d2.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, []string{"SyncHdr=212", "Alert=200", "Replace=200"}, statuses(t, r))
	waitReport(t, reports)
}

func TestServerAuthFailures(t *testing.T) {
	srv := &Server{Auth: AuthBasic, MaxAuthAttempts: 2, Credentials: func(device, user string) (string, string, bool) {
		return "u", "secret", true
	}}
	url, reports := startServer(t, srv)
	srv.Enqueue("dev", Command{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: "./X"}}}})
	d := newTestDevice(t, url, "dev")
	d.cred = NewBasicCred("u", "wrong")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, []string{"SyncHdr=401", "Alert=401", "Replace=401"}, statuses(t, r))
	r = d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, "401", r.Body.Commands[0].Data)
	rep := waitReport(t, reports)
	assert.ErrorIs(t, rep.Err, ErrAuthFailed)
	assert.Len(t, srv.Queued("dev"), 1, "commands stay queued")

	// Basic accepted.
	d = newTestDevice(t, url, "dev")
	d.session = "9"
	d.cred = NewBasicCred("u", "secret")
	r = d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, []string{"SyncHdr=212", "Alert=200", "Replace=200"}, statuses(t, r))
}

func TestServerAuthHMAC(t *testing.T) {
	srv := &Server{Auth: AuthHMAC, Credentials: func(device, user string) (string, string, bool) {
		return "user", "pass", true
	}}
	url, reports := startServer(t, srv)
	srv.Enqueue("dev", Command{Kind: CmdReplace, Items: []Item{{Target: Loc{URI: "./A"}, Data: "1"}}})
	d := newTestDevice(t, url, "dev")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, "407", r.Body.Commands[0].Data)
	nonce := DecodeNonce(r.Body.Commands[0].Chal.Meta.NextNonce)
	assert.Equal(t, "syncml:auth-MAC", r.Body.Commands[0].Chal.Meta.Type)
	d.hmac = func(body []byte) string {
		return HMACHeader{Username: "user", MAC: HMACDigest("user", "pass", nonce, body)}.String()
	}
	r = d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, []string{"SyncHdr=212", "Alert=200", "Replace=200"}, statuses(t, r))
	nonce = DecodeNonce(r.Body.Commands[0].Chal.Meta.NextNonce)
	// Every message is signed with the nonce of the previous reply; a stale one fails.
	stale := d.hmac
	r = d.send(true, answer(r, StatusOK, nil)...)
	assert.Equal(t, "200", r.Body.Commands[0].Data)
	rep := waitReport(t, reports)
	require.NoError(t, rep.Err)
	assert.Equal(t, StatusOK, rep.Results[0].Status)
	_ = stale
}

func TestServerMutualAuth(t *testing.T) {
	srv := &Server{
		ServerCredentials: func(device string) (string, string, AuthType, bool) {
			return "funambol", "srvpwd", AuthMD5, true
		},
	}
	url, reports := startServer(t, srv)
	srv.Enqueue("dev", Command{Kind: CmdReplace, Items: []Item{{Target: Loc{URI: "./A"}, Data: "1"}}})
	d := newTestDevice(t, url, "dev")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	require.NotNil(t, r.Hdr.Cred)
	// The first credential uses the empty nonce: the known answer.
	assert.Equal(t, "Lx7CSZp0iHRedCEbryGJuw==", r.Hdr.Cred.Data)
	// The device rejects it with a challenge, refusing the command too.
	ans := answer(r, StatusInvalidCredentials, nil)
	ans[0].Data = StatusInvalidCredentials.Code()
	ans[0].Chal = &Chal{Meta: Meta{Type: "syncml:auth-md5", Format: "b64", NextNonce: "U2VydmVyTm9uY2Ux"}}
	r = d.send(true, ans...)
	require.NotNil(t, r.Hdr.Cred)
	assert.True(t, VerifyMD5(r.Hdr.Cred.Data, "funambol", "srvpwd", []byte("ServerNonce1")))
	require.Len(t, commands(r), 1, "the command is sent again")
	ans = answer(r, StatusOK, nil)
	ans[0].Data = StatusAuthAccepted.Code()
	r = d.send(true, ans...)
	assert.Nil(t, r.Hdr.Cred)
	rep := waitReport(t, reports)
	require.NoError(t, rep.Err)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, StatusOK, rep.Results[0].Status)
}

func TestServerMutualHMAC(t *testing.T) {
	srv := &Server{ServerCredentials: func(device string) (string, string, AuthType, bool) {
		return "srv", "srvpw", AuthHMAC, true
	}}
	url, reports := startServer(t, srv)
	srv.Enqueue("dev", Command{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: "./X"}}}})
	d := newTestDevice(t, url, "dev")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	h, err := ParseHMACHeader(d.lastHMAC)
	require.NoError(t, err)
	assert.Equal(t, "srv", h.Username)
	assert.True(t, VerifyHMAC(h.MAC, "srv", "srvpw", nil, d.lastBody))
	assert.Nil(t, r.Hdr.Cred)
	// The device gives a new nonce; the next response is signed with it.
	ans := answer(r, StatusOK, nil)
	ans[0].Chal = &Chal{Meta: Meta{Type: AuthHMAC.String(), Format: "b64", NextNonce: "bm9uY2Uy"}}
	d.send(true, ans...)
	h, err = ParseHMACHeader(d.lastHMAC)
	require.NoError(t, err)
	assert.True(t, VerifyHMAC(h.MAC, "srv", "srvpw", []byte("nonce2"), d.lastBody))
	assert.False(t, VerifyHMAC(h.MAC, "srv", "srvpw", nil, d.lastBody))
	require.NoError(t, waitReport(t, reports).Err)
}

func TestServerLargeObjectOut(t *testing.T) {
	srv := &Server{}
	url, reports := startServer(t, srv)
	big := strings.Repeat("0123456789abcdef", 200) // 3200 bytes
	srv.Enqueue("dev",
		Command{Kind: CmdReplace, Items: []Item{{Target: Loc{URI: "./FW/Pkg"}, Meta: Meta{Format: "b64"}, Data: big}}},
		Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./FW/State"}}}},
	)
	d := newTestDevice(t, url, "dev")
	d.maxMsg = 1500
	r := d.send(true, pkg1(AlertClientInitiated)...)
	var got strings.Builder
	chunks := 0
	for i := 0; i < 60; i++ {
		cs := commands(r)
		require.NotEmpty(t, cs, "%d: %s", i, d.lastBody)
		c := cs[0]
		require.Equal(t, CmdReplace, c.Kind)
		it := c.Items[0]
		if chunks == 0 {
			assert.Equal(t, int64(len(big)), it.Meta.Size)
		} else {
			assert.Zero(t, it.Meta.Size)
		}
		got.WriteString(it.Data)
		chunks++
		if !it.MoreData {
			// The last chunk, and the next command in the same message.
			require.Len(t, cs, 2)
			assert.Equal(t, CmdGet, cs[1].Kind)
			assert.True(t, r.Body.Final)
			d.send(true, answer(r, StatusOK, func(string) string { return "ok" })...)
			break
		}
		assert.False(t, r.Body.Final, "a chunked package continues")
		assert.Len(t, cs, 1)
		ans := answer(r, StatusChunkAccepted, nil)
		ans = append(ans, Command{Kind: CmdAlert, Data: AlertNextMessage.Code()})
		r = d.send(true, ans...)
	}
	assert.Greater(t, chunks, 2)
	assert.Equal(t, big, got.String())
	rep := waitReport(t, reports)
	require.NoError(t, rep.Err)
	require.Len(t, rep.Results, 2)
	assert.Equal(t, StatusOK, rep.Results[0].Status)
	assert.Equal(t, big, rep.Results[0].Command.Items[0].Data)
	assert.Equal(t, StatusOK, rep.Results[1].Status)
}

func TestServerLargeObjectIn(t *testing.T) {
	srv := &Server{}
	url, reports := startServer(t, srv)
	srv.Enqueue("dev", Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./Log"}}}})
	d := newTestDevice(t, url, "dev")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	get := commands(r)[0]
	results := func(data string, size int64, more bool) Command {
		return Command{Kind: CmdResults, MsgRef: r.Hdr.MsgID, CmdRef: get.CmdID,
			Items: []Item{{Source: Loc{URI: "./Log"}, Meta: Meta{Size: size}, Data: data, MoreData: more}}}
	}
	st := NewStatus(r.Hdr.MsgID, &get, StatusOK)
	r2 := d.send(false, NewStatus(r.Hdr.MsgID, nil, StatusOK), st, results("hello ", 11, true))
	assert.Equal(t, []string{"SyncHdr=200", "Results=213"}, statuses(t, r2))
	cs := commands(r2)
	require.Len(t, cs, 1)
	assert.Equal(t, AlertNextMessage.Code(), cs[0].Data)
	r3 := d.send(true, NewStatus(r2.Hdr.MsgID, nil, StatusOK), results("world", 0, false))
	assert.Equal(t, []string{"SyncHdr=200", "Results=200"}, statuses(t, r3))
	rep := waitReport(t, reports)
	require.NoError(t, rep.Err)
	require.Len(t, rep.Results[0].Items, 1)
	assert.Equal(t, "hello world", rep.Results[0].Items[0].Data)

	// Size mismatch: 424. An interrupted object: Alert 1225.
	srv.Enqueue("dev2", Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./Log"}}}})
	d = newTestDevice(t, url, "dev2")
	r = d.send(true, pkg1(AlertClientInitiated)...)
	get = commands(r)[0]
	r2 = d.send(false, NewStatus(r.Hdr.MsgID, nil, StatusOK), results("abc", 10, true))
	assert.Equal(t, []string{"SyncHdr=200", "Results=213"}, statuses(t, r2))
	r3 = d.send(true, NewStatus(r2.Hdr.MsgID, nil, StatusOK), results("de", 0, false))
	assert.Equal(t, []string{"SyncHdr=200", "Results=424"}, statuses(t, r3))
	waitReport(t, reports)

	d = newTestDevice(t, url, "dev3")
	d.send(false, Command{Kind: CmdAlert, Data: AlertClientInitiated.Code()},
		Command{Kind: CmdReplace, Items: []Item{{Source: Loc{URI: "./DevInfo/Ext/Big"}, Meta: Meta{Size: 100}, Data: "x", MoreData: true}}})
	r = d.send(true, Command{Kind: CmdReplace, Items: []Item{{Source: Loc{URI: "./DevInfo/Man"}, Data: "m"}}})
	cs = commands(r)
	require.NotEmpty(t, cs)
	assert.Equal(t, AlertNoEndOfData.Code(), cs[0].Data)
	assert.Equal(t, "./DevInfo/Ext/Big", cs[0].Items[0].Target.URI)
	waitReport(t, reports)
}

func TestServerGenericAlert(t *testing.T) {
	alerts := make(chan Command, 1)
	srv := &Server{OnAlert: func(device string, a Command) { alerts <- a }}
	url, reports := startServer(t, srv)
	srv.Enqueue("dev", Command{Kind: CmdExec, Correlator: "fw-1", Items: []Item{{Target: Loc{URI: "./FwUpdate/X/Update"}}}})
	d := newTestDevice(t, url, "dev")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	exec := commands(r)[0]
	assert.Equal(t, "fw-1", exec.Correlator)
	// The device reports the outcome later with a generic alert quoting the correlator.
	generic := Command{Kind: CmdAlert, Data: AlertGeneric.Code(), Correlator: "fw-1", Items: []Item{{
		Source: Loc{URI: "./FwUpdate/X"}, Meta: Meta{Type: "org.openmobilealliance.dm.firmwareupdate.devicerequest", Format: "int"}, Data: "200"}}}
	ans := append(answer(r, StatusAccepted, nil), generic)
	r = d.send(true, ans...)
	assert.Equal(t, []string{"SyncHdr=200", "Alert=200"}, statuses(t, r))
	a := <-alerts
	assert.Equal(t, "fw-1", a.Correlator)
	rep := waitReport(t, reports)
	assert.Equal(t, StatusAccepted, rep.Results[0].Status)
	require.Len(t, rep.Alerts, 1)
}

func TestServerBadInput(t *testing.T) {
	srv := &Server{MaxMsgSize: 2048}
	url, _ := startServer(t, srv)
	post := func(ct string, body []byte) (int, string) {
		resp, err := http.Post(url, ct, bytes.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, _ := post(ContentTypeXML, bytes.Repeat([]byte(" "), 4096))
	assert.Equal(t, http.StatusRequestEntityTooLarge, code)
	code, msg := post(ContentTypeXML, []byte("<SyncML><SyncHdr>"))
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, msg, "omadm:")
	code, _ = post(ContentTypeWBXML, []byte{0x02, 0xa4, 0x01, 0x6a, 0x00, 0x6d, 0xff})
	assert.Equal(t, http.StatusBadRequest, code)
	resp, err := http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	// A well-formed message from the device goes on working afterwards.
	d := newTestDevice(t, url, "dev")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, "200", r.Body.Commands[0].Data)
}

func TestServerIdleTimeoutRequeues(t *testing.T) {
	srv := &Server{IdleTimeout: 50 * time.Millisecond}
	url, reports := startServer(t, srv)
	srv.Enqueue("dev", Command{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: "./X"}}}})
	d := newTestDevice(t, url, "dev")
	r := d.send(true, pkg1(AlertClientInitiated)...)
	require.Len(t, commands(r), 1)
	rep := waitReport(t, reports)
	assert.ErrorIs(t, rep.Err, ErrSessionTimeout)
	assert.Len(t, srv.Queued("dev"), 1)
}

func TestServerShutdown(t *testing.T) {
	srv := &Server{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	reports := make(chan Report, 1)
	srv.OnSession = func(r Report) { reports <- r }
	srv.Enqueue("dev", Command{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: "./X"}}}})
	d := newTestDevice(t, "http://"+l.Addr().String()+"/", "dev")
	d.send(true, pkg1(AlertClientInitiated)...)
	require.NoError(t, srv.Shutdown(context.Background()))
	assert.True(t, errors.Is(<-served, ErrServerClosed))
	assert.ErrorIs(t, (<-reports).Err, ErrServerClosed)
	assert.ErrorIs(t, srv.Serve(l), ErrServerClosed)
}

func TestSessionStateString(t *testing.T) {
	assert.Equal(t, "Commands", StateCommands.String())
	assert.Equal(t, "SessionState(9)", SessionState(9).String())
}
