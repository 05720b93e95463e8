// Package dm holds the OMA DM pieces the roles of the full system share: device identities
// and credentials, the device tree with the PHD management object, the integrated form of
// commands (kind 3, downward) and statuses (kind 2, upward), and the parsing of the demo's
// command flag.
//
// A command message (the body of a kind-3 entry) is a SyncML DM message in WBXML whose
// header names the device (Target) and the server (Source) and whose body holds the
// commands, each with the server's reference as its CmdID. A status message (kind 2) is a
// SyncML DM message whose body holds one Status per command: CmdRef is the server's
// reference, Cmd the command's name, Data the device's status code.
//
// Everything here is safe for concurrent use.
package dm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

// GatewayID is the server identity gateways present to devices (checked against the PHD
// object's ACL).
const GatewayID = "phdkit-gateway"

// ServerID is the Source of command messages.
const ServerID = "phdkit-server"

// DeviceID returns the DM device identifier (LocURI) of a system id.
func DeviceID(systemID [8]byte) string { return "urn:phdkit:sysid:" + hex.EncodeToString(systemID[:]) }

// SystemIDOf parses a DeviceID.
func SystemIDOf(device string) ([8]byte, bool) {
	var id [8]byte
	h, ok := strings.CutPrefix(device, "urn:phdkit:sysid:")
	if !ok || len(h) != 16 {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return id, false
	}
	return id, true
}

// Password returns a device's DM password: an HMAC of its identifier under the demo's DM
// secret (from the key directory).
func Password(secret []byte, device string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(device))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

var ddf = func() *tree.DDF {
	d, err := tree.ParseDDF(omadm.PHDDDF())
	if err != nil {
		panic("dm: the PHD DDF does not parse: " + err.Error())
	}
	return d
}()

var specializations = [...]string{"10407", "10408", "10415", "10417", "10404", "wrist"}

// NewDeviceTree returns the management tree of a simulated device: ./DevInfo and the PHD
// management object, which GatewayID may change.
func NewDeviceTree(systemID [8]byte, kind phd.Kind, interval time.Duration, gatewayURL string) (*tree.Tree, error) {
	t := tree.New(tree.Config{})
	if err := t.Describe(ddf); err != nil {
		return nil, err
	}
	dev := DeviceID(systemID)
	if err := omadm.InstallDevInfo(t, omadm.DevInfo{DevID: dev, Man: "phdkit", Mod: "sim-" + kind.String(), DmV: "1.2", Lang: "en"}); err != nil {
		return nil, err
	}
	p := omadm.PHD{
		Manufacturer: "phdkit", Model: "sim-" + kind.String(), SerialNumber: hex.EncodeToString(systemID[:]),
		SystemID: hex.EncodeToString(systemID[:]), ConfigID: int(kind.ConfigID()),
		Specialization: specializations[kind], FwVersion: "1.0",
		Interval: max(interval.Round(time.Second), time.Second), Transport: "tcp", Gateway: gatewayURL,
		ReportInterval: max(interval.Round(time.Second), time.Second),
		ACL:            "Get=*&Replace=" + GatewayID + "&Add=" + GatewayID + "&Delete=" + GatewayID,
	}
	if err := omadm.InstallPHD(t, p); err != nil {
		return nil, err
	}
	return t, nil
}

// EncodeCommands returns the command message for device: cmds, whose CmdIDs are the
// server's references.
func EncodeCommands(device string, cmds []omadm.Command) ([]byte, error) {
	m := omadm.SyncML{
		Hdr:  omadm.SyncHdr{SessionID: "0", MsgID: "1", Target: omadm.Loc{URI: device}, Source: omadm.Loc{URI: ServerID}},
		Body: omadm.SyncBody{Commands: cmds},
	}
	return m.AppendWBXML(nil)
}

// DecodeMessage decodes a command or status message and returns the device it concerns
// and its commands.
func DecodeMessage(b []byte) (device string, cmds []omadm.Command, err error) {
	var m omadm.SyncML
	n, err := m.Unmarshal(b)
	if err != nil {
		return "", nil, err
	}
	if n != len(b) {
		return "", nil, errors.New("dm: bytes after the message")
	}
	if m.Hdr.Target.URI != ServerID {
		device = m.Hdr.Target.URI
	} else {
		device = m.Hdr.Source.URI
	}
	return device, m.Body.Commands, nil
}

// Status is one device's status for one server command.
type Status struct {
	Ref  string // the server's reference (the command's CmdID)
	Cmd  string // the command's name
	Code omadm.StatusCode
}

// EncodeStatuses returns the status message of device.
func EncodeStatuses(device string, sts []Status) ([]byte, error) {
	m := omadm.SyncML{Hdr: omadm.SyncHdr{SessionID: "0", MsgID: "1", Target: omadm.Loc{URI: ServerID}, Source: omadm.Loc{URI: device}}}
	for i, s := range sts {
		m.Body.Commands = append(m.Body.Commands, omadm.Command{
			Kind: omadm.CmdStatus, CmdID: strconv.Itoa(i + 1), MsgRef: "1", CmdRef: s.Ref, Cmd: s.Cmd,
			Data: strconv.Itoa(int(s.Code)),
		})
	}
	return m.AppendWBXML(nil)
}

// Statuses returns the statuses of a decoded status message.
func Statuses(cmds []omadm.Command) []Status {
	var out []Status
	for i := range cmds {
		c := &cmds[i]
		if c.Kind != omadm.CmdStatus {
			continue
		}
		code, _ := c.StatusCode()
		out = append(out, Status{Ref: c.CmdRef, Cmd: c.Cmd, Code: code})
	}
	return out
}

// Spec is a parsed -dm flag: a command for every device of a kind.
type Spec struct {
	Kind  phd.Kind
	Cmd   omadm.CmdKind
	URI   string
	Value string // Add and Replace
}

// ParseSpec parses "Replace ./PHD/Measurement/Interval 2 bp", "Add URI VALUE kind" or
// "Delete URI kind".
func ParseSpec(s string) (Spec, error) {
	f := strings.Fields(s)
	if len(f) < 3 {
		return Spec{}, fmt.Errorf("dm: %q: want \"Replace|Add URI VALUE KIND\" or \"Delete URI KIND\"", s)
	}
	var sp Spec
	sp.Cmd = omadm.ParseCmdKind(f[0])
	switch {
	case sp.Cmd == omadm.CmdDelete && len(f) == 3:
	case (sp.Cmd == omadm.CmdReplace || sp.Cmd == omadm.CmdAdd) && len(f) == 4:
		sp.Value = f[2]
	default:
		return Spec{}, fmt.Errorf("dm: %q: want \"Replace|Add URI VALUE KIND\" or \"Delete URI KIND\"", s)
	}
	sp.URI = f[1]
	if !omadm.ValidURI(sp.URI) {
		return Spec{}, fmt.Errorf("dm: %q: invalid URI", sp.URI)
	}
	kind := f[len(f)-1]
	for k := range phd.NumKinds {
		if phd.Kind(k).String() == kind {
			sp.Kind = phd.Kind(k)
			return sp, nil
		}
	}
	return Spec{}, fmt.Errorf("dm: unknown device kind %q", kind)
}

// Command returns the command of sp with reference ref.
func (sp Spec) Command(ref string) omadm.Command {
	c := omadm.Command{Kind: sp.Cmd, CmdID: ref, Items: []omadm.Item{{Target: omadm.Loc{URI: sp.URI}}}}
	if sp.Cmd != omadm.CmdDelete {
		c.Items[0].Data = sp.Value
		if _, err := strconv.Atoi(sp.Value); err == nil {
			c.Items[0].Meta.Format = "int"
		}
	}
	return c
}
