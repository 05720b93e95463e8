package omadm_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/phdkit/phdkit/omadm"
)

// sniffed is the header and alerts of one message a device sent.
type sniffed struct {
	sessionID, msgID string
	alerts           []string
}

// sniffer passes messages to a Server and records what the device sent.
type sniffer struct {
	srv  *omadm.Server
	mu   sync.Mutex
	msgs []sniffed
}

func (s *sniffer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var m omadm.SyncML
	if _, err := m.Unmarshal(body); err == nil {
		rec := sniffed{sessionID: m.Hdr.SessionID, msgID: m.Hdr.MsgID}
		for _, c := range m.Body.Commands {
			if c.Kind == omadm.CmdAlert {
				rec.alerts = append(rec.alerts, c.Data)
			}
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, rec)
		s.mu.Unlock()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.srv.ServeHTTP(w, r)
}

func (s *sniffer) sent() []sniffed {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sniffed(nil), s.msgs...)
}

// serveSniffed serves srv behind a sniffer on a loopback TCP port.
func serveSniffed(t *testing.T, srv *omadm.Server) (string, *sniffer, <-chan omadm.Report) {
	t.Helper()
	reports := make(chan omadm.Report, 16)
	srv.OnSession = func(r omadm.Report) { reports <- r }
	sn := &sniffer{srv: srv}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	hs := &http.Server{Handler: sn, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve = %v", err)
		}
	})
	return "http://" + l.Addr().String() + "/dm", sn, reports
}

// pushUDP sends msg from one loopback UDP socket to another and returns what arrived,
// standing in for the SMS or WAP push bearer.
func pushUDP(t *testing.T, msg []byte) []byte {
	t.Helper()
	dev, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	defer dev.Close()
	out, err := net.Dial("udp", dev.LocalAddr().String())
	must(t, err)
	defer out.Close()
	_, err = out.Write(msg)
	must(t, err)
	must(t, dev.SetReadDeadline(time.Now().Add(10*time.Second)))
	buf := make([]byte, 2048)
	n, _, err := dev.ReadFrom(buf)
	must(t, err)
	return buf[:n]
}

// TestNotifiedSession: after a first session (in which the device authenticates the
// server and sends it the nonce for the next time), the server builds package 0 for the device, it travels
// over loopback UDP, the device verifies it and opens a session with Alert 1200 and the
// notification's session id, and the server's queued command runs in it.
func TestNotifiedSession(t *testing.T) {
	srv := &omadm.Server{
		Auth: omadm.AuthMD5,
		Credentials: func(device, user string) (string, string, bool) {
			return "Bruce2", "OhBehave", device == devID
		},
		ServerCredentials: func(device string) (string, string, omadm.AuthType, bool) {
			return "srvuser", "srvpass", omadm.AuthMD5, device == devID
		},
	}
	url, sn, reports := serveSniffed(t, srv)
	tr := phdDevice(t)
	c := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID, UserName: "Bruce2", Password: "OhBehave",
		ServerUserName: "srvuser", ServerPassword: "srvpass"}
	ctx := context.Background()

	srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdGet, Items: []omadm.Item{{Target: omadm.Loc{URI: "./DevInfo/Man"}}}})
	if _, err := c.Run(ctx, omadm.AlertClientInitiated); err != nil {
		t.Fatal(err)
	}
	if r := report(t, reports); r.Err != nil {
		t.Fatalf("first session: %v", r.Err)
	}

	srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdReplace, Items: []omadm.Item{item(omadm.PHDGateway, "chr", "notified")}})
	msg, err := srv.Notify(devID, omadm.Notification{UIMode: omadm.UIBackground, Initiator: omadm.InitiatorServer,
		SessionID: 0x1A2B, ServerID: serverID, Body: []byte("phd")})
	if err != nil {
		t.Fatal(err)
	}
	// The digest uses the nonce the device gave the server, not an empty one.
	if err := omadm.VerifyNotification(msg, "srvuser", "srvpass", nil); !errors.Is(err, omadm.ErrNotifyDigest) {
		t.Fatalf("notification verifies with an empty nonce (%v); the device's nonce was not used", err)
	}

	before := len(sn.sent())
	n, cr, err := c.Notified(ctx, pushUDP(t, msg))
	if err != nil {
		t.Fatal(err)
	}
	if n.SessionID != 0x1A2B || n.UIMode != omadm.UIBackground || n.Version != omadm.NotificationVersion || string(n.Body) != "phd" {
		t.Errorf("notification = %+v", n)
	}
	if cr.SessionID != "1A2B" {
		t.Errorf("client session id = %q, want 1A2B", cr.SessionID)
	}
	r := report(t, reports)
	if r.Err != nil || r.SessionID != "1A2B" {
		t.Fatalf("server report: session %q, err %v", r.SessionID, r.Err)
	}
	if len(r.Results) != 1 || r.Results[0].Status != omadm.StatusOK {
		t.Errorf("server results = %+v", r.Results)
	}
	if p, _ := omadm.ReadPHD(tr, serverID); p.Gateway != "notified" {
		t.Errorf("gateway = %q, want notified", p.Gateway)
	}
	msgs := sn.sent()[before:]
	if len(msgs) == 0 || msgs[0].sessionID != "1A2B" || msgs[0].msgID != "1" ||
		len(msgs[0].alerts) == 0 || msgs[0].alerts[0] != omadm.AlertServerInitiated.Code() {
		t.Errorf("package 1 of the notified session = %+v, want SessionID 1A2B, MsgID 1, Alert 1200", msgs)
	}
	for _, m := range msgs {
		if m.sessionID != "1A2B" {
			t.Errorf("message %s of the notified session has SessionID %q", m.msgID, m.sessionID)
		}
	}

	// Notifications that fail a check open nothing: no message reaches the server.
	srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdReplace, Items: []omadm.Item{item(omadm.PHDGateway, "chr", "evil")}})
	wrongPassword := &omadm.Server{ServerCredentials: func(string) (string, string, omadm.AuthType, bool) {
		return "srvuser", "guess", omadm.AuthMD5, true
	}}
	forged, err := wrongPassword.Notify(devID, omadm.Notification{SessionID: 0x1A2C, ServerID: serverID})
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(msg)
	tampered[len(tampered)-1] ^= 1
	otherServer, err := srv.Notify(devID, omadm.Notification{ServerID: "other.example"})
	if err != nil {
		t.Fatal(err)
	}
	oldVersion, err := srv.Notify(devID, omadm.Notification{Version: 11, ServerID: serverID})
	if err != nil {
		t.Fatal(err)
	}
	before = len(sn.sent())
	for _, tt := range []struct {
		name string
		msg  []byte
		want error
	}{
		{"wrong password", forged, omadm.ErrNotifyDigest},
		{"tampered body", tampered, omadm.ErrNotifyDigest},
		{"other server", otherServer, omadm.ErrNotifyServer},
		{"version 1.1", oldVersion, omadm.ErrNotifyVersion},
		{"truncated", msg[:20], omadm.ErrUnexpectedEOF},
		// The notified session rotated the nonce (the device sent the server a new
		// one after accepting its credentials), so the same bytes are refused.
		{"replayed", msg, omadm.ErrNotifyDigest},
	} {
		if _, _, err := c.Notified(ctx, tt.msg); !errors.Is(err, tt.want) {
			t.Errorf("%s: Notified = %v, want %v", tt.name, err, tt.want)
		}
	}
	if got := sn.sent()[before:]; len(got) != 0 {
		t.Errorf("refused notifications sent %d messages to the server", len(got))
	}
	if p, _ := omadm.ReadPHD(tr, serverID); p.Gateway != "notified" {
		t.Errorf("gateway = %q after refused notifications", p.Gateway)
	}

	// A device that holds no password for the server authenticates no notification.
	noPassword := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID}
	if _, _, err := noPassword.Notified(ctx, msg); !errors.Is(err, omadm.ErrNoCredentials) {
		t.Errorf("Notified without ServerPassword = %v, want ErrNoCredentials", err)
	}
	if got := sn.sent()[before:]; len(got) != 0 {
		t.Errorf("refused notifications sent %d messages to the server", len(got))
	}

	// A server without credentials for the device cannot notify it.
	if _, err := srv.Notify("IMEI:1", omadm.Notification{}); !errors.Is(err, omadm.ErrNoCredentials) {
		t.Errorf("Notify of an unknown device = %v, want ErrNoCredentials", err)
	}
	if _, err := (&omadm.Server{}).Notify(devID, omadm.Notification{}); !errors.Is(err, omadm.ErrNoCredentials) {
		t.Errorf("Notify without ServerCredentials = %v, want ErrNoCredentials", err)
	}
}
