package omadm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLibdmclientInterop runs sessions of Intel's libdmclient test client
// (testdmclient) against the server, in XML and WBXML, with an auth-md5 challenge (the
// client starts with auth-basic and is challenged for md5) and mutual authentication
// (the server presents md5 credentials; the client rejects them once, with a new nonce,
// then accepts).
//
// PHDKIT_LIBDMCLIENT is the path of the testdmclient binary, built with its test
// plugins (configure --enable-tests) and with the DMAcc test plugin taking the server
// address from DMCLIENT_SERVER_URL (see the README for the build). The client's account
// is "funambol": it authenticates as funambol/funambol and expects the server as
// funambol/srvpwd.
func TestLibdmclientInterop(t *testing.T) {
	bin := os.Getenv("PHDKIT_LIBDMCLIENT")
	if bin == "" {
		t.Skip("PHDKIT_LIBDMCLIENT not set (path of libdmclient's testdmclient); skipping libdmclient interop")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("PHDKIT_LIBDMCLIENT=%s: %v; skipping libdmclient interop", bin, err)
	}
	for _, wbxml := range []bool{false, true} {
		name := "xml"
		if wbxml {
			name = "wbxml"
		}
		t.Run(name, func(t *testing.T) {
			srv := &Server{
				Auth: AuthMD5,
				Credentials: func(device, user string) (string, string, bool) {
					return "funambol", "funambol", device == "DMCtest"
				},
				ServerCredentials: func(device string) (string, string, AuthType, bool) {
					return "funambol", "srvpwd", AuthMD5, true
				},
			}
			url, reports := startServer(t, srv)
			leaf := func(uri, v string) []Item {
				return []Item{{Target: Loc{URI: uri}, Meta: Meta{Format: "chr", Type: "text/plain"}, Data: v}}
			}
			// Atomic and Sequence are left out: the client frees a Sequence before
			// using it (prv_start_sequence_cb) and crashes on an Atomic once the
			// server is authenticated; both are covered by the scripted-device tests.
			srv.Enqueue("DMCtest",
				Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./DevInfo/Man"}}}},
				Command{Kind: CmdAdd, Items: leaf("./Vendor/memory/interval", "60")},
				Command{Kind: CmdReplace, Items: leaf("./Vendor/memory/interval", "30")},
				Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./Vendor/memory/interval"}}}},
				Command{Kind: CmdExec, Correlator: "op-1", Items: []Item{{Target: Loc{URI: "./test/execute"}, Data: "go"}}},
				Command{Kind: CmdDelete, Items: []Item{{Target: Loc{URI: "./Vendor/memory/interval"}}}},
				Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./Vendor/memory/interval"}}}},
			)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := []string{}
			if wbxml {
				args = append(args, "-w")
			}
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Dir = filepath.Dir(bin)
			cmd.Env = append(os.Environ(), "DMCLIENT_SERVER_URL="+url)
			out, err := cmd.CombinedOutput()
			logPath := filepath.Join(t.TempDir(), "testdmclient.log")
			_ = os.WriteFile(logPath, out, 0o600)
			require.NoError(t, err, "testdmclient failed; last output:\n%s", tail(out, 4000))

			rep := waitReport(t, reports)
			require.NoError(t, rep.Err)
			assert.Equal(t, "DMCtest", rep.Device)
			assert.Equal(t, 1, rep.Challenges, "the auth-basic credential is challenged for auth-md5")
			if !wbxml {
				assert.Contains(t, string(out), "syncml:auth-md5")
			}
			// The test plugin answers the Exec later with a generic alert quoting
			// the correlator.
			require.Len(t, rep.Alerts, 1)
			assert.Equal(t, AlertGeneric.Code(), rep.Alerts[0].Data)
			assert.Equal(t, "op-1", rep.Alerts[0].Correlator)
			assert.NotEmpty(t, rep.DevInfo)
			require.Len(t, rep.Results, 7)
			for i, r := range rep.Results[:6] {
				assert.True(t, r.Status.Success(), "command %d (%s): status %d", i, r.Command.Kind, r.Status)
			}
			require.Len(t, rep.Results[0].Items, 1)
			assert.NotEmpty(t, rep.Results[0].Items[0].Data)
			require.Len(t, rep.Results[3].Items, 1)
			assert.Equal(t, "30", rep.Results[3].Items[0].Data)
			assert.Equal(t, StatusNotFound, rep.Results[6].Status, "deleted node")
		})
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
