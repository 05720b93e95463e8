package dm

import (
	"testing"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/omadm"
)

func TestMessages(t *testing.T) {
	id := [8]byte{'P', 'H', 0, 0, 0, 0, 0, 7}
	dev := DeviceID(id)
	if got, ok := SystemIDOf(dev); !ok || got != id {
		t.Fatalf("SystemIDOf(%q) = %x, %v", dev, got, ok)
	}
	sp, err := ParseSpec("Replace ./PHD/Measurement/Interval 30 bp")
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeCommands(dev, []omadm.Command{sp.Command("s1")})
	if err != nil {
		t.Fatal(err)
	}
	d, cmds, err := DecodeMessage(b)
	if err != nil || d != dev || len(cmds) != 1 || cmds[0].Kind != omadm.CmdReplace || cmds[0].CmdID != "s1" ||
		cmds[0].Items[0].Target.URI != omadm.PHDInterval || cmds[0].Items[0].Data != "30" {
		t.Fatalf("DecodeMessage(EncodeCommands) = %q, %+v, %v", d, cmds, err)
	}
	b, err = EncodeStatuses(dev, []Status{{Ref: "s1", Cmd: "Replace", Code: omadm.StatusOK}})
	if err != nil {
		t.Fatal(err)
	}
	d, cmds, err = DecodeMessage(b)
	if err != nil || d != dev {
		t.Fatalf("DecodeMessage(EncodeStatuses) = %q, %v", d, err)
	}
	if sts := Statuses(cmds); len(sts) != 1 || sts[0] != (Status{Ref: "s1", Cmd: "Replace", Code: omadm.StatusOK}) {
		t.Fatalf("Statuses = %+v", sts)
	}
	for n := range len(b) {
		if _, _, err := DecodeMessage(b[:n]); err == nil {
			t.Fatalf("DecodeMessage of a %d-byte prefix succeeded", n)
		}
	}
}

func TestParseSpec(t *testing.T) {
	for _, tt := range []struct {
		in   string
		ok   bool
		kind phd.Kind
	}{
		{"Replace ./PHD/Measurement/Interval 2 bp", true, phd.KindBP},
		{"Add ./PHD/Alarms/HR node wrist", true, phd.KindWrist},
		{"Delete ./PHD/Alarms/HR thermo", true, phd.KindThermo},
		{"Delete ./PHD/Alarms/HR 3 thermo", false, 0},
		{"Replace ./PHD/Measurement/Interval bp", false, 0},
		{"Replace ./PHD/Measurement/Interval 2 toaster", false, 0},
		{"Exec ./PHD 2 bp", false, 0},
		{"", false, 0},
	} {
		sp, err := ParseSpec(tt.in)
		if (err == nil) != tt.ok || tt.ok && sp.Kind != tt.kind {
			t.Errorf("ParseSpec(%q) = %+v, %v; want ok %v kind %v", tt.in, sp, err, tt.ok, tt.kind)
		}
	}
}

func TestDeviceTree(t *testing.T) {
	id := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	tr, err := NewDeviceTree(id, phd.KindBP, 0, "http://127.0.0.1:1/dm")
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Replace(GatewayID, omadm.PHDInterval, omadm.Value{Format: omadm.FormatInt, Data: []byte("30")}); err != nil {
		t.Fatalf("the gateway may not replace the interval: %v", err)
	}
	if err := tr.Replace("someone-else", omadm.PHDInterval, omadm.Value{Format: omadm.FormatInt, Data: []byte("1")}); err == nil {
		t.Fatal("another server replaced the interval")
	}
	p, err := omadm.ReadPHD(tr, omadm.Local)
	if err != nil || p.Interval.Seconds() != 30 || p.ConfigID != 0x02BC {
		t.Fatalf("ReadPHD = %+v, %v", p, err)
	}
}

func FuzzDecodeMessage(f *testing.F) {
	b, _ := EncodeCommands("urn:phdkit:sysid:0000000000000001", []omadm.Command{{Kind: omadm.CmdDelete, CmdID: "s9", Items: []omadm.Item{{Target: omadm.Loc{URI: "./PHD/Alarms/X"}}}}})
	f.Add(b)
	b, _ = EncodeStatuses("urn:phdkit:sysid:0000000000000001", []Status{{Ref: "s9", Cmd: "Delete", Code: 404}})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, cmds, err := DecodeMessage(b)
		if err != nil {
			return
		}
		Statuses(cmds)
		if _, err := EncodeCommands(d, cmds); err != nil {
			return // a decoded message may hold text the writer refuses
		}
	})
}
