package omadm_test

import (
	"fmt"
	"time"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

func ExampleInstallPHD() {
	d, _ := tree.ParseDDF(omadm.PHDDDF())
	t := tree.New(tree.Config{})
	_ = t.Describe(d) // the tree now checks servers' commands against the PHD DDF
	_ = omadm.InstallPHD(t, omadm.PHD{
		Manufacturer: "Acme Medical", Model: "BP-200", FwVersion: "1.4.2",
		Interval: 15 * time.Minute,
		Alarms:   []omadm.Alarm{{Signal: "SystolicBP", Low: 90, High: 140, Enabled: true}},
		ACL:      "Get=*&Replace=gw.example&Add=gw.example&Delete=gw.example",
	})

	// A gateway changes the interval; the DDF refuses a value of the wrong format.
	fmt.Println(t.Replace("gw.example", omadm.PHDInterval, omadm.Value{Format: omadm.FormatInt, Data: []byte("300")}))
	err := t.Replace("gw.example", omadm.PHDInterval, omadm.Value{Format: omadm.FormatChr, Data: []byte("soon")})
	fmt.Println(omadm.TreeStatus(err).Code())

	p, _ := omadm.ReadPHD(t, "gw.example")
	fmt.Println(p.Model, p.Interval, p.Alarms[0].High)
	// Output:
	// <nil>
	// 415
	// BP-200 5m0s 140
}
