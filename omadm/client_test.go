package omadm_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

const devID = "urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a"

// deviceTree returns a tree with ./DevInfo and a Windows-style ./Vendor/MSFT subtree that
// every server may manage.
func deviceTree(t *testing.T) *tree.Tree {
	t.Helper()
	tr := tree.New(tree.Config{})
	if err := omadm.InstallDevInfo(tr, omadm.DevInfo{DevID: devID, Man: "Acme Medical", Mod: "BP-200", DmV: "1.2", Lang: "en-US"}); err != nil {
		t.Fatal(err)
	}
	must(t, tr.Add(omadm.Local, "./Vendor/MSFT/Policy/Config", omadm.Value{Format: omadm.FormatNode}))
	must(t, tr.Replace(omadm.Local, "./Vendor?prop=ACL", omadm.Value{Data: []byte("Add=*&Delete=*&Exec=*&Get=*&Replace=*")}))
	must(t, tr.Add(omadm.Local, "./Vendor/MSFT/RemoteWipe/doWipe", omadm.Value{Format: omadm.FormatNull}))
	must(t, tr.Add(omadm.Local, "./Secret", omadm.Value{Data: []byte("s")}))
	must(t, tr.Replace(omadm.Local, "./Secret?prop=ACL", omadm.Value{Data: []byte("Get=other.example")}))
	return tr
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// scripted is a fake management server on loopback HTTP that answers each message of
// the device with the next canned reply and records the device's messages.
type scripted struct {
	t       *testing.T
	mu      sync.Mutex
	replies []string
	got     []*omadm.SyncML
	raw     [][]byte
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m omadm.SyncML
	if _, err := m.Unmarshal(body); err != nil {
		s.t.Errorf("server cannot decode the device's message: %v\n%s", err, body)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, &m)
	s.raw = append(s.raw, body)
	if len(s.replies) == 0 {
		s.t.Errorf("device sent a message after the script ended:\n%s", body)
		http.Error(w, "no more", http.StatusServiceUnavailable)
		return
	}
	reply := strings.ReplaceAll(s.replies[0], "{SESSION}", m.Hdr.SessionID)
	reply = strings.ReplaceAll(reply, "{MSGID}", m.Hdr.MsgID)
	s.replies = s.replies[1:]
	w.Header().Set("Content-Type", "application/vnd.syncml.dm+xml")
	io.WriteString(w, reply)
}

func runScript(t *testing.T, tr omadm.Tree, replies ...string) ([]*omadm.SyncML, error) {
	t.Helper()
	s := &scripted{t: t, replies: replies}
	hs := httptest.NewServer(s)
	defer hs.Close()
	c := &omadm.Client{Tree: tr, ServerURL: hs.URL}
	_, err := c.Run(context.Background(), omadm.AlertClientInitiated)
	if len(s.replies) != 0 {
		t.Errorf("session ended with %d replies unsent", len(s.replies))
	}
	return s.got, err
}

// statuses returns "Cmd CmdRef Data" of each Status in m, and the Results, in order.
func statuses(m *omadm.SyncML) []string {
	var out []string
	for _, c := range m.Body.Commands {
		switch c.Kind {
		case omadm.CmdStatus:
			out = append(out, c.Cmd+" "+c.CmdRef+" "+c.Data)
		case omadm.CmdResults:
			var items []string
			for _, it := range c.Items {
				items = append(items, it.Source.URI+"="+it.Data)
			}
			out = append(out, "Results "+c.CmdRef+" "+strings.Join(items, ","))
		case omadm.CmdAlert:
			out = append(out, "Alert "+c.Data)
		}
	}
	return out
}

func wantStatuses(t *testing.T, m *omadm.SyncML, want ...string) {
	t.Helper()
	got := statuses(m)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("device replied\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func readMDM(t *testing.T, name string) string {
	t.Helper()
	m, ok := mdmMessages[name]
	if !ok {
		t.Fatalf("no message %s", name)
	}
	return m
}

// TestClientWindowsMDM answers a session of a Windows-style management server: the
// SYNCML:SYNCML1.2 namespace, a hexadecimal SessionID, Meta inside items, Atomic, Exec,
// ?list=Struct, and a package split over two messages.
func TestClientWindowsMDM(t *testing.T) {
	tr := deviceTree(t)
	var wiped string
	must(t, tr.SetExec("./Vendor/MSFT/RemoteWipe/doWipe", func(ctx context.Context, server, uri string, data []byte, corr string) error {
		wiped = server
		return nil
	}))
	msgs, err := runScript(t, tr, readMDM(t, "pkg2-part1.xml"), readMDM(t, "pkg2-part2.xml"), readMDM(t, "pkg4-end.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("device sent %d messages, want 3", len(msgs))
	}
	// Package 1: Alert 1201 and DevInfo.
	p1 := msgs[0]
	if p1.Hdr.Source.URI != devID || p1.Body.Commands[0].Kind != omadm.CmdAlert || p1.Body.Commands[0].Data != "1201" || !p1.Body.Final {
		t.Errorf("package 1 = %+v", p1.Hdr)
	}
	di := map[string]string{}
	for _, it := range p1.Body.Commands[1].Items {
		di[it.Source.URI] = it.Data
	}
	if di["./DevInfo/DevId"] != devID || di["./DevInfo/Man"] != "Acme Medical" || len(di) != 5 {
		t.Errorf("DevInfo sent = %v", di)
	}
	wantStatuses(t, msgs[1],
		"SyncHdr 0 200",
		"Get 4 200",
		"Results 4 ./DevInfo/Man=Acme Medical",
		"Atomic 5 200",
		"Add 6 200",
		"Replace 7 200",
		"Add 8 200",
		"Alert 1222",
	)
	wantStatuses(t, msgs[2],
		"SyncHdr 0 200",
		"Replace 2 404",
		"Exec 3 200",
		"Get 4 200",
		"Results 4 ./Vendor/MSFT/Policy/Config/Camera=,./Vendor/MSFT/Policy/Config/Camera/AllowCamera=,./Vendor/MSFT/Policy/Config/Camera/AllowCameraOnLock=",
		"Delete 5 200",
		"Get 6 425",
	)
	if wiped != "https://mdm.example.com/ManagementServer/MDM.svc" {
		t.Errorf("Exec ran as %q, want the server's LocURI", wiped)
	}
	r, err := tr.Get(omadm.Local, "./Vendor/MSFT/Policy/Config/Camera/AllowCamera", nil)
	if err != nil || string(r[0].Data) != "0" || r[0].Format != omadm.FormatInt {
		t.Errorf("AllowCamera = %+v, %v", r, err)
	}
	if _, err := tr.Get(omadm.Local, "./Vendor/MSFT/Policy/Config/Camera/AllowCameraOnLock", nil); !errors.Is(err, omadm.ErrNotExist) {
		t.Errorf("deleted node still there: %v", err)
	}
	// Statuses answer the server's message: MsgRef is its MsgID.
	for _, c := range msgs[2].Body.Commands {
		if c.Kind == omadm.CmdStatus && c.MsgRef != "2" {
			t.Errorf("status %s %s has MsgRef %q, want 2", c.Cmd, c.CmdRef, c.MsgRef)
		}
	}
}

// TestClientAtomicRollback: a failing command inside Atomic undoes the others.
func TestClientAtomicRollback(t *testing.T) {
	tr := deviceTree(t)
	must(t, tr.Add(omadm.Local, "./Vendor/MSFT/Policy/Config/Keep", omadm.Value{Data: []byte("old")}))
	msgs, err := runScript(t, tr, readMDM(t, "atomic-fail.xml"), readMDM(t, "pkg4-end.xml"))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, msgs[1],
		"SyncHdr 0 200",
		"Atomic 2 507",
		"Add 3 216",
		"Replace 4 216",
		"Add 5 418",
		"Replace 6 215",
		"Sequence 7 200",
		"Replace 8 200",
		"Get 9 200",
		"Results 9 ./Vendor/MSFT/Policy/Config/Keep=seq",
	)
	if _, err := tr.Get(omadm.Local, "./Vendor/MSFT/Policy/Config/New", nil); !errors.Is(err, omadm.ErrNotExist) {
		t.Errorf("Atomic did not roll back its Add: %v", err)
	}
}

// TestClientLargeObject receives a value in chunks: 213 for each, the value assembled,
// 424 when the size announced differs, and Alert 1225 when the last chunk never comes.
func TestClientLargeObject(t *testing.T) {
	tr := deviceTree(t)
	msgs, err := runScript(t, tr,
		readMDM(t, "lo-chunk1.xml"), readMDM(t, "lo-chunk2.xml"),
		readMDM(t, "lo-mismatch.xml"), readMDM(t, "lo-abandon.xml"),
		readMDM(t, "pkg4-end.xml"))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, msgs[1], "SyncHdr 0 200", "Add 2 213", "Alert 1222")
	wantStatuses(t, msgs[2], "SyncHdr 0 200", "Add 2 200", "Add 3 213", "Alert 1222")
	wantStatuses(t, msgs[3], "SyncHdr 0 200", "Add 2 424", "Add 3 213", "Alert 1222")
	wantStatuses(t, msgs[4], "SyncHdr 0 200", "Get 2 200", "Results 2 ./Vendor/MSFT/Policy/Config/Big=0123456789abcdefghij", "Alert 1225")
	r, err := tr.Get(omadm.Local, "./Vendor/MSFT/Policy/Config/Big", nil)
	if err != nil || string(r[0].Data) != "0123456789abcdefghij" {
		t.Errorf("assembled value = %q, %v", r[0].Data, err)
	}
}

// TestClientAuthChallenge: the server challenges package 1 for auth-md5; the device sends
// it again with the credentials, using the nonce of the Chal.
func TestClientAuthChallenge(t *testing.T) {
	tr := deviceTree(t)
	s := &scripted{t: t, replies: []string{readMDM(t, "chal-md5.xml"), readMDM(t, "pkg4-end.xml")}}
	hs := httptest.NewServer(s)
	defer hs.Close()
	c := &omadm.Client{Tree: tr, ServerURL: hs.URL, UserName: "Bruce2", Password: "OhBehave"}
	if _, err := c.Run(context.Background(), omadm.AlertClientInitiated); err != nil {
		t.Fatal(err)
	}
	if len(s.got) != 2 {
		t.Fatalf("device sent %d messages, want 2", len(s.got))
	}
	if s.got[0].Hdr.Cred != nil {
		t.Errorf("first message carries credentials without a challenge")
	}
	cred := s.got[1].Hdr.Cred
	if cred == nil || cred.Meta.Type != "syncml:auth-md5" || s.got[1].Hdr.Source.Name != "Bruce2" {
		t.Fatalf("second message Cred = %+v", cred)
	}
	// Nonce "Nonce" as in the published example.
	if !omadm.VerifyMD5(cred.Data, "Bruce2", "OhBehave", []byte("Nonce")) {
		t.Errorf("md5 credential %q does not verify with the challenged nonce", cred.Data)
	}
	if s.got[1].Body.Commands[0].Data != "1201" {
		t.Errorf("package 1 was not sent again")
	}
	// Rejected again and again: the device gives up.
	s.replies = []string{readMDM(t, "chal-md5.xml"), readMDM(t, "chal-md5.xml"), readMDM(t, "chal-md5.xml"), readMDM(t, "chal-md5.xml")}
	if _, err := c.Run(context.Background(), omadm.AlertClientInitiated); !errors.Is(err, omadm.ErrAuthRejected) {
		t.Errorf("Run against a server that never accepts = %v, want ErrAuthRejected", err)
	}
}

func TestClientServerAbortAndBadReply(t *testing.T) {
	tr := deviceTree(t)
	if _, err := runScript(t, tr, readMDM(t, "abort.xml")); !errors.Is(err, omadm.ErrServerAbort) {
		t.Errorf("Run with Alert 1223 = %v, want ErrServerAbort", err)
	}
	var de *omadm.DecodeError
	if _, err := runScript(t, tr, "<SyncML><SyncHdr><VerDTD>1.2"); !errors.As(err, &de) {
		t.Errorf("Run with a truncated reply = %v, want a DecodeError", err)
	}
	if _, err := (&omadm.Client{Tree: tree.New(tree.Config{}), ServerURL: "http://127.0.0.1:1"}).Run(context.Background(), omadm.AlertClientInitiated); !errors.Is(err, omadm.ErrNoDevInfo) {
		t.Errorf("Run without ./DevInfo = %v, want ErrNoDevInfo", err)
	}
}
