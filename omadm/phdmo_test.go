package omadm_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

const srv = "gw.example"

func samplePHD() omadm.PHD {
	return omadm.PHD{
		Manufacturer: "Acme Medical", Model: "BP-200", SerialNumber: "SN-0042",
		SystemID: "0102030405060708", ConfigID: 0x02BC, Specialization: "10407",
		FwVersion: "1.4.2", Interval: 15 * time.Minute,
		Alarms: []omadm.Alarm{
			{Signal: "SystolicBP", Low: 90, High: 140, Enabled: true},
			{Signal: "Body Temp", Low: 35.5, High: 38.2},
		},
		Transport: "bluetooth", Gateway: "http://127.0.0.1:8080/dm", ReportInterval: time.Hour,
		ACL: "Get=*&Replace=" + srv + "&Add=" + srv + "&Delete=" + srv,
	}
}

func describedTree(t *testing.T) *tree.Tree {
	t.Helper()
	d, err := tree.ParseDDF(omadm.PHDDDF())
	if err != nil {
		t.Fatal(err)
	}
	tr := tree.New(tree.Config{})
	if err := tr.Describe(d); err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestPHDInstallRead(t *testing.T) {
	tr := describedTree(t)
	p := samplePHD()
	if err := omadm.InstallPHD(tr, p); err != nil {
		t.Fatal(err)
	}
	got, err := omadm.ReadPHD(tr, srv)
	if err != nil {
		t.Fatal(err)
	}
	got.ACL = p.ACL
	if !reflect.DeepEqual(got, p) {
		t.Errorf("ReadPHD = %+v\nwant      %+v", got, p)
	}
	if err := omadm.InstallPHD(tr, p); !errors.Is(err, omadm.ErrExist) {
		t.Errorf("second InstallPHD = %v, want ErrExist", err)
	}
}

// TestPHDServerChanges drives the object as a server would with Add, Replace and Delete,
// and checks the description holds.
func TestPHDServerChanges(t *testing.T) {
	tr := describedTree(t)
	if err := omadm.InstallPHD(tr, samplePHD()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"replace interval", func() error {
			return tr.Replace(srv, omadm.PHDInterval, omadm.Value{Format: omadm.FormatInt, Data: []byte("300")})
		}, nil},
		{"interval not an int", func() error {
			return tr.Replace(srv, omadm.PHDInterval, omadm.Value{Format: omadm.FormatInt, Data: []byte("soon")})
		}, omadm.ErrFormat},
		{"interval as chr", func() error {
			return tr.Replace(srv, omadm.PHDInterval, omadm.Value{Format: omadm.FormatChr, Data: []byte("30")})
		}, omadm.ErrFormat},
		{"firmware is read only", func() error {
			return tr.Replace(srv, omadm.PHDFwVersion, omadm.Value{Data: []byte("9")})
		}, omadm.ErrNotAllowed},
		{"add alarm", func() error {
			return omadm.SetPHDAlarm(tr, srv, omadm.Alarm{Signal: "HeartRate", Low: 40, High: 150, Enabled: true})
		}, nil},
		{"replace alarm", func() error {
			return omadm.SetPHDAlarm(tr, srv, omadm.Alarm{Signal: "SystolicBP", Low: 95, High: 135, Enabled: true})
		}, nil},
		{"alarm leaf not described", func() error {
			return tr.Add(srv, omadm.PHDAlarms+"/HeartRate/Colour", omadm.Value{Data: []byte("red")})
		}, omadm.ErrNotAllowed},
		{"delete alarm", func() error { return tr.Delete(srv, omadm.PHDAlarms+"/Body%20Temp") }, nil},
		{"delete devinfo", func() error { return tr.Delete(srv, "./PHD/DevInfo") }, omadm.ErrNotAllowed},
		{"gateway", func() error {
			return tr.Replace(srv, omadm.PHDGateway, omadm.Value{Data: []byte("http://127.0.0.2/dm")})
		}, nil},
		{"other server", func() error {
			return tr.Replace("other.example", omadm.PHDInterval, omadm.Value{Format: omadm.FormatInt, Data: []byte("1")})
		}, omadm.ErrPermission},
	}
	for _, tt := range tests {
		if err := tt.op(); !errors.Is(err, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, err, tt.want)
		}
	}
	got, err := omadm.ReadPHD(tr, srv)
	if err != nil {
		t.Fatal(err)
	}
	want := []omadm.Alarm{{Signal: "SystolicBP", Low: 95, High: 135, Enabled: true}, {Signal: "HeartRate", Low: 40, High: 150, Enabled: true}}
	if got.Interval != 5*time.Minute || got.Gateway != "http://127.0.0.2/dm" || !reflect.DeepEqual(got.Alarms, want) {
		t.Errorf("after changes: interval %v gateway %q alarms %+v", got.Interval, got.Gateway, got.Alarms)
	}
}

func TestPHDReadErrors(t *testing.T) {
	tr := tree.New(tree.Config{})
	if _, err := omadm.ReadPHD(tr, srv); !errors.Is(err, omadm.ErrNotExist) {
		t.Errorf("ReadPHD of an empty tree = %v, want ErrNotExist", err)
	}
	if err := omadm.InstallPHD(tr, samplePHD()); err != nil {
		t.Fatal(err)
	}
	// Without the description, a bad value can be stored; ReadPHD names it.
	if err := tr.Replace(omadm.Local, omadm.PHDReportInterval, omadm.Value{Format: omadm.FormatChr, Data: []byte("hourly")}); err != nil {
		t.Fatal(err)
	}
	if _, err := omadm.ReadPHD(tr, srv); !errors.Is(err, omadm.ErrPHD) {
		t.Errorf("ReadPHD with a bad interval = %v, want ErrPHD", err)
	}
	if err := omadm.SetPHDAlarm(tr, omadm.Local, omadm.Alarm{}); !errors.Is(err, omadm.ErrPHD) {
		t.Errorf("SetPHDAlarm without a signal = %v, want ErrPHD", err)
	}
}
