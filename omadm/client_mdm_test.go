package omadm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phdkit/phdkit/omadm"
)

// TestClientMDMFiles runs a session with the Windows-style server messages of
// testdata/mdm (CRLF line ends, a byte-order mark, CDATA, escaped XML in Data, a metinf
// namespace prefix, ./Device/Vendor/MSFT paths).
func TestClientMDMFiles(t *testing.T) {
	tr := deviceTree(t)
	for _, p := range []string{"./Device", "./DevDetail"} {
		must(t, tr.Add(omadm.Local, p, omadm.Value{Format: omadm.FormatNode}))
		must(t, tr.Replace(omadm.Local, p+"?prop=ACL", omadm.Value{Data: []byte("Add=*&Delete=*&Exec=*&Get=*&Replace=*")}))
	}
	for uri, v := range map[string]string{
		"./DevDetail/SwV":                                                          "10.0.22631",
		"./DevDetail/Ext/Microsoft/DeviceName":                                     "PHD-GW-7",
		"./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance":               "1",
		"./Device/Vendor/MSFT/Policy/Config/DeviceLock/DevicePasswordEnabled":      "1",
		"./Vendor/MSFT/DMClient/Provider/MDMProvider/Poll/NumberOfFirstRetries":    "0",
		"./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera":                    "1",
		"./Vendor/MSFT/NodeCache/MDMProvider/Nodes/1/NodeURI":                      "./DevDetail/SwV",
		"./Device/Vendor/MSFT/RemoteWipe/doWipeProtected":                          "",
		"./Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/placeholder/Name": "x",
	} {
		must(t, tr.Add(omadm.Local, uri, omadm.Value{Data: []byte(v)}))
	}
	var wipedBy string
	must(t, tr.SetExec("./Device/Vendor/MSFT/RemoteWipe/doWipeProtected", func(ctx context.Context, server, uri string, data []byte, corr string) error {
		wipedBy = server
		return omadm.ErrAccepted
	}))
	var replies []string
	for _, name := range []string{"mdm-server-pkg2-policies.xml", "mdm-server-exec-sequence.xml", "mdm-server-final.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "mdm", name))
		if err != nil {
			t.Fatal(err)
		}
		replies = append(replies, string(b))
	}
	msgs, err := runScript(t, tr, replies...)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("device sent %d messages, want 3", len(msgs))
	}
	wantStatuses(t, msgs[1],
		"SyncHdr 0 200",
		"Get 4 200",
		"Results 4 ./DevDetail/SwV=10.0.22631,./DevDetail/Ext/Microsoft/DeviceName=PHD-GW-7,./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance=1",
		"Replace 5 200",
		"Add 6 200",
		"Atomic 7 200",
		"Add 8 200",
		"Replace 9 200",
		"Delete 10 200",
	)
	wantStatuses(t, msgs[2],
		"SyncHdr 0 200",
		"Sequence 2 200",
		"Add 3 200",
		"Exec 4 405",
		"Exec 5 202",
		"Get 6 200",
		"Results 6 ./Vendor/MSFT/NodeCache/MDMProvider/Nodes=,./Vendor/MSFT/NodeCache/MDMProvider/Nodes/1=,./Vendor/MSFT/NodeCache/MDMProvider/Nodes/1/NodeURI=",
	)
	r, err := tr.Get(omadm.Local, "./Device/Vendor/MSFT/Policy/Config/ADMX_CtrlAltDel/DisableCAD", nil)
	if err != nil || string(r[0].Data) != "<enabled/>" {
		t.Errorf("CDATA value = %q, %v", r[0].Data, err)
	}
	r, err = tr.Get(omadm.Local, "./Device/Vendor/MSFT/Policy/Config/DeviceLock/DevicePasswordEnabled", nil)
	if err != nil || string(r[0].Data) != "0" || r[0].Format != omadm.FormatInt {
		t.Errorf("DevicePasswordEnabled = %+v, %v", r, err)
	}
	if !strings.HasPrefix(wipedBy, "https://mdm.contoso.com/") {
		t.Errorf("Exec ran as %q", wipedBy)
	}
	// Statuses echo the server's (hexadecimal) session and the device's own.
	if msgs[1].Hdr.SessionID != msgs[0].Hdr.SessionID {
		t.Errorf("SessionID changed within the session: %q then %q", msgs[0].Hdr.SessionID, msgs[1].Hdr.SessionID)
	}
}
