package omadm_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

const serverID = "phd-server.example"

// loopback starts srv on a loopback TCP port and returns its URL and the channel of its
// session reports.
func loopback(t *testing.T, srv *omadm.Server) (string, <-chan omadm.Report) {
	t.Helper()
	reports := make(chan omadm.Report, 16)
	srv.OnSession = func(r omadm.Report) { reports <- r }
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-served; !errors.Is(err, omadm.ErrServerClosed) {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
	return "http://" + l.Addr().String() + "/dm", reports
}

func report(t *testing.T, reports <-chan omadm.Report) omadm.Report {
	t.Helper()
	select {
	case r := <-reports:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("no session report")
	}
	return omadm.Report{}
}

// phdDevice returns a described tree with ./DevInfo and the PHD object, managed by serverID.
func phdDevice(t *testing.T) *tree.Tree {
	t.Helper()
	tr := describedTree(t)
	must(t, omadm.InstallDevInfo(tr, omadm.DevInfo{DevID: devID, Man: "Acme Medical", Mod: "BP-200", DmV: "1.2", Lang: "en"}))
	p := samplePHD()
	p.ACL = "Get=*&Add=" + serverID + "&Replace=" + serverID + "&Delete=" + serverID + "&Exec=" + serverID
	must(t, omadm.InstallPHD(tr, p))
	return tr
}

func item(uri, format, data string) omadm.Item {
	return omadm.Item{Target: omadm.Loc{URI: uri}, Meta: omadm.Meta{Format: format}, Data: data}
}

// TestClientWithServer runs whole sessions between our client and our server over
// loopback HTTP, in XML and WBXML: the server changes the PHD object with Add, Replace,
// Delete, Atomic and Sequence and reads it with Get.
func TestClientWithServer(t *testing.T) {
	for _, wbxml := range []bool{false, true} {
		name := "XML"
		if wbxml {
			name = "WBXML"
		}
		t.Run(name, func(t *testing.T) {
			srv := &omadm.Server{}
			url, reports := loopback(t, srv)
			tr := phdDevice(t)
			srv.Enqueue(devID,
				omadm.Command{Kind: omadm.CmdReplace, Items: []omadm.Item{item(omadm.PHDInterval, "int", "300")}},
				omadm.Command{Kind: omadm.CmdAdd, Items: []omadm.Item{item(omadm.PHDAlarms+"/HeartRate", "node", "")}},
				omadm.Command{Kind: omadm.CmdAtomic, Commands: []omadm.Command{
					{Kind: omadm.CmdAdd, Items: []omadm.Item{item(omadm.PHDAlarms+"/HeartRate/Low", "float", "40")}},
					{Kind: omadm.CmdAdd, Items: []omadm.Item{item(omadm.PHDAlarms+"/HeartRate/High", "float", "150")}},
					{Kind: omadm.CmdAdd, Items: []omadm.Item{item(omadm.PHDAlarms+"/HeartRate/Enabled", "bool", "true")}},
				}},
				omadm.Command{Kind: omadm.CmdSequence, Commands: []omadm.Command{
					{Kind: omadm.CmdDelete, Items: []omadm.Item{{Target: omadm.Loc{URI: omadm.PHDAlarms + "/Body%20Temp"}}}},
					{Kind: omadm.CmdReplace, Items: []omadm.Item{item(omadm.PHDFwVersion, "chr", "2.0")}},
				}},
				omadm.Command{Kind: omadm.CmdGet, Items: []omadm.Item{{Target: omadm.Loc{URI: omadm.PHDModel}}}},
				omadm.Command{Kind: omadm.CmdGet, Items: []omadm.Item{{Target: omadm.Loc{URI: omadm.PHDAlarms + "?list=StructData"}}}},
			)
			c := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID, WBXML: wbxml}
			cr, err := c.Run(context.Background(), omadm.AlertClientInitiated)
			if err != nil {
				t.Fatal(err)
			}
			r := report(t, reports)
			if r.Err != nil || r.Device != devID || r.DevInfo["./DevInfo/Mod"] != "BP-200" {
				t.Fatalf("report: err %v device %q devinfo %v", r.Err, r.Device, r.DevInfo)
			}
			want := []omadm.StatusCode{200, 200, 200, 200, 200, 200}
			if len(r.Results) != len(want) {
				t.Fatalf("%d results, want %d", len(r.Results), len(want))
			}
			for i, res := range r.Results {
				if res.Status != want[i] {
					t.Errorf("command %d (%v): status %d, want %d", i, res.Command.Kind, res.Status, want[i])
				}
			}
			for i, sub := range r.Results[2].Sub {
				if sub.Status != 200 {
					t.Errorf("Atomic sub %d: %d", i, sub.Status)
				}
			}
			seq := r.Results[3].Sub
			if len(seq) != 2 || seq[0].Status != 200 || seq[1].Status != omadm.StatusCommandNotAllowed {
				t.Errorf("Sequence subs = %+v, want 200 then 405 (FwVersion is read-only)", seq)
			}
			if it := r.Results[4].Items; len(it) != 1 || it[0].Data != "BP-200" {
				t.Errorf("Get Model results = %+v", it)
			}
			if n := len(r.Results[5].Items); n != 9 {
				t.Errorf("Get ?list=StructData gave %d items, want 9 (Alarms, two alarms of 4 nodes)", n)
			}
			p, err := omadm.ReadPHD(tr, serverID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Interval != 5*time.Minute || len(p.Alarms) != 2 || p.Alarms[1] != (omadm.Alarm{Signal: "HeartRate", Low: 40, High: 150, Enabled: true}) {
				t.Errorf("PHD after the session: interval %v alarms %+v", p.Interval, p.Alarms)
			}
			if cr.Messages != 2 {
				t.Errorf("session took %d device messages, want 2", cr.Messages)
			}
		})
	}
}

// TestClientServerAuth: md5 challenge with nonce rotation, HMAC on every message, and
// mutual authentication in which the device challenges the server.
func TestClientServerAuth(t *testing.T) {
	creds := func(device, user string) (string, string, bool) { return "Bruce2", "OhBehave", device == devID }
	for _, tt := range []struct {
		name string
		srv  *omadm.Server
	}{
		{"md5", &omadm.Server{Auth: omadm.AuthMD5, Credentials: creds}},
		{"basic", &omadm.Server{Auth: omadm.AuthBasic, Credentials: creds}},
		{"hmac", &omadm.Server{Auth: omadm.AuthHMAC, Credentials: creds}},
		{"mutual", &omadm.Server{Auth: omadm.AuthMD5, Credentials: creds,
			ServerCredentials: func(string) (string, string, omadm.AuthType, bool) {
				return "srvuser", "srvpass", omadm.AuthMD5, true
			}}},
		{"mutual-hmac", &omadm.Server{Auth: omadm.AuthHMAC, Credentials: creds,
			ServerCredentials: func(string) (string, string, omadm.AuthType, bool) {
				return "srvuser", "srvpass", omadm.AuthHMAC, true
			}}},
		{"mutual-basic", &omadm.Server{Auth: omadm.AuthBasic, Credentials: creds,
			ServerCredentials: func(string) (string, string, omadm.AuthType, bool) {
				return "srvuser", "srvpass", omadm.AuthBasic, true
			}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url, reports := loopback(t, tt.srv)
			tr := phdDevice(t)
			c := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID, UserName: "Bruce2", Password: "OhBehave"}
			if strings.HasPrefix(tt.name, "mutual") {
				c.ServerUserName, c.ServerPassword = "srvuser", "srvpass"
			}
			switch tt.name {
			case "mutual-basic":
				c.ServerAuth = omadm.AuthBasic
			case "mutual-hmac":
				c.ServerAuth = omadm.AuthHMAC
			}
			for session := 0; session < 2; session++ {
				tt.srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdReplace, Items: []omadm.Item{item(omadm.PHDGateway, "chr", "gw"+string(rune('0'+session)))}})
				cr, err := c.Run(context.Background(), omadm.AlertClientInitiated)
				if err != nil {
					t.Fatalf("session %d: %v", session, err)
				}
				r := report(t, reports)
				if r.Err != nil || len(r.Results) != 1 || r.Results[0].Status != 200 {
					t.Fatalf("session %d report: %v %+v", session, r.Err, r.Results)
				}
				// The first session is challenged; the second uses the scheme and nonce
				// it learnt (for mutual auth, the server its nonce too).
				if session == 1 && cr.Messages > 2 {
					t.Errorf("second session took %d messages, want 2", cr.Messages)
				}
			}
			if p, _ := omadm.ReadPHD(tr, serverID); p.Gateway != "gw1" {
				t.Errorf("gateway = %q", p.Gateway)
			}
		})
	}
	t.Run("server without credentials", func(t *testing.T) {
		srv := &omadm.Server{}
		url, reports := loopback(t, srv)
		tr := phdDevice(t)
		c := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID, ServerUserName: "srvuser", ServerPassword: "srvpass"}
		srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdReplace, Items: []omadm.Item{item(omadm.PHDGateway, "chr", "evil")}})
		cr, err := c.Run(context.Background(), omadm.AlertClientInitiated)
		if err != nil {
			t.Fatal(err)
		}
		r := report(t, reports)
		if len(r.Results) != 1 || r.Results[0].Status != omadm.StatusMissingCredentials {
			t.Errorf("server report = %+v, want the Replace refused with 407", r.Results)
		}
		if p, _ := omadm.ReadPHD(tr, serverID); p.Gateway == "evil" {
			t.Error("a command of an unauthenticated server ran")
		}
		var sawChal bool
		for _, st := range cr.Commands {
			if st.CmdRef == "0" && st.Chal != nil && st.Data == "407" {
				sawChal = true
			}
		}
		if !sawChal {
			t.Error("device did not challenge the server")
		}
	})
	t.Run("server signs with a wrong password", func(t *testing.T) {
		srv := &omadm.Server{ServerCredentials: func(string) (string, string, omadm.AuthType, bool) {
			return "srvuser", "guess", omadm.AuthHMAC, true
		}}
		url, reports := loopback(t, srv)
		tr := phdDevice(t)
		c := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID, ServerUserName: "srvuser", ServerPassword: "srvpass", ServerAuth: omadm.AuthHMAC}
		srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdReplace, Items: []omadm.Item{item(omadm.PHDGateway, "chr", "evil")}})
		if _, err := c.Run(context.Background(), omadm.AlertClientInitiated); err != nil {
			t.Fatal(err)
		}
		r := report(t, reports)
		if len(r.Results) != 1 || r.Results[0].Status != omadm.StatusInvalidCredentials {
			t.Errorf("server report = %+v, want the Replace refused with 401", r.Results)
		}
		if p, _ := omadm.ReadPHD(tr, serverID); p.Gateway == "evil" {
			t.Error("a command of a server with a bad signature ran")
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		srv := &omadm.Server{Auth: omadm.AuthMD5, Credentials: creds}
		url, reports := loopback(t, srv)
		c := &omadm.Client{Tree: phdDevice(t), ServerURL: url, UserName: "Bruce2", Password: "wrong"}
		if _, err := c.Run(context.Background(), omadm.AlertClientInitiated); !errors.Is(err, omadm.ErrAuthRejected) && err == nil {
			t.Errorf("Run with a wrong password = %v", err)
		}
		if r := report(t, reports); !errors.Is(r.Err, omadm.ErrAuthFailed) {
			t.Errorf("server report err = %v, want ErrAuthFailed", r.Err)
		}
	})
}

// TestClientServerLargeObjects moves large objects both ways: a value larger than the
// device's MaxMsgSize from the server, and a Get result larger than the server's.
func TestClientServerLargeObjects(t *testing.T) {
	for _, wbxml := range []bool{false, true} {
		t.Run(map[bool]string{false: "XML", true: "WBXML"}[wbxml], func(t *testing.T) { largeObjects(t, wbxml) })
	}
}

func largeObjects(t *testing.T, wbxml bool) {
	srv := &omadm.Server{MaxMsgSize: 4000}
	url, reports := loopback(t, srv)
	tr := phdDevice(t)
	big := strings.Repeat("0123456789<&>", 900) // ~11.7 KB, escaped in XML
	srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdReplace, Items: []omadm.Item{item(omadm.PHDGateway, "chr", big)}})
	c := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID, MaxMsgSize: 3000, WBXML: wbxml}
	if _, err := c.Run(context.Background(), omadm.AlertClientInitiated); err != nil {
		t.Fatal(err)
	}
	r := report(t, reports)
	if r.Err != nil || len(r.Results) != 1 || r.Results[0].Status != 200 {
		t.Fatalf("report: %v %+v", r.Err, r.Results)
	}
	if p, _ := omadm.ReadPHD(tr, serverID); p.Gateway != big {
		t.Fatalf("assembled value has %d bytes, want %d", len(p.Gateway), len(big))
	}
	// Now the other way: Get of the big value, larger than the server's MaxMsgSize.
	srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdGet, Items: []omadm.Item{{Target: omadm.Loc{URI: omadm.PHDGateway}}}})
	cr, err := c.Run(context.Background(), omadm.AlertClientInitiated)
	if err != nil {
		t.Fatal(err)
	}
	r = report(t, reports)
	if r.Err != nil || len(r.Results) != 1 || r.Results[0].Status != 200 {
		t.Fatalf("report: %v %+v", r.Err, r.Results)
	}
	if it := r.Results[0].Items; len(it) != 1 || it[0].Data != big {
		t.Fatalf("server assembled %d items", len(it))
	}
	if cr.Messages < 4 {
		t.Errorf("large Results went in %d messages, want several", cr.Messages)
	}
}

// TestClientServerAlerts sends a generic alert for an asynchronous Exec.
func TestClientServerAlerts(t *testing.T) {
	srv := &omadm.Server{}
	alerts := make(chan omadm.Command, 4)
	srv.OnAlert = func(device string, a omadm.Command) { alerts <- a }
	url, reports := loopback(t, srv)
	tr := phdDevice(t)
	must(t, tr.Add(omadm.Local, "./Ops/Measure", omadm.Value{Format: omadm.FormatNull}))
	must(t, tr.Replace(omadm.Local, "./Ops?prop=ACL", omadm.Value{Data: []byte("Get=*&Exec=" + serverID)}))
	var corr string
	must(t, tr.SetExec("./Ops/Measure", func(ctx context.Context, server, uri string, data []byte, c string) error {
		corr = c
		return omadm.ErrAccepted
	}))
	srv.Enqueue(devID, omadm.Command{Kind: omadm.CmdExec, Correlator: "job-7", Items: []omadm.Item{{Target: omadm.Loc{URI: "./Ops/Measure"}}}})
	c := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID}
	if _, err := c.Run(context.Background(), omadm.AlertClientInitiated); err != nil {
		t.Fatal(err)
	}
	if r := report(t, reports); len(r.Results) != 1 || r.Results[0].Status != omadm.StatusAccepted {
		t.Fatalf("Exec status = %+v, want 202", r.Results)
	}
	// Later the measurement is done: report it with a generic alert.
	ga := omadm.GenericAlert(corr, "./Ops/Measure", "urn:phdkit:measure-result", "chr", "done")
	if _, err := c.Run(context.Background(), omadm.AlertClientInitiated, ga); err != nil {
		t.Fatal(err)
	}
	report(t, reports)
	select {
	case a := <-alerts:
		if a.Data != "1226" || a.Correlator != "job-7" || len(a.Items) != 1 || a.Items[0].Data != "done" {
			t.Errorf("server got alert %+v", a)
		}
	default:
		t.Error("server got no generic alert")
	}
}
