// Package fakebluez serves a fake BlueZ (org.bluez) on a D-Bus bus: one adapter and
// peripherals with GATT services whose characteristics notify recorded values, so the
// unmodified BlueZ backend can be tested without a radio. It implements the parts of BlueZ's
// D-Bus API (doc/adapter-api.txt, device-api.txt, gatt-api.txt) a central uses: the object
// manager, properties with change signals, Adapter1 discovery, Device1 Connect/Disconnect and
// GattCharacteristic1 ReadValue/WriteValue/StartNotify/StopNotify.
package fakebluez

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	ifaceAdapter = "org.bluez.Adapter1"
	ifaceDevice  = "org.bluez.Device1"
	ifaceService = "org.bluez.GattService1"
	ifaceChar    = "org.bluez.GattCharacteristic1"
	ifaceProps   = "org.freedesktop.DBus.Properties"
	ifaceObjMgr  = "org.freedesktop.DBus.ObjectManager"
	adapterPath  = dbus.ObjectPath("/org/bluez/hci0")
)

// UUID16 returns the 128-bit form of a 16-bit Bluetooth UUID as BlueZ writes it.
func UUID16(u uint16) string { return fmt.Sprintf("%08x-0000-1000-8000-00805f9b34fb", u) }

// Char describes a characteristic of a fake device.
type Char struct {
	Service uint16
	UUID    uint16
	// Burst is notified back to back, oldest first, each time a central starts notifications.
	Burst [][]byte
}

// Device describes a fake peripheral.
type Device struct {
	Address string // "AA:BB:CC:DD:EE:FF"
	Name    string
	Chars   []Char
}

// Bus is a fake BlueZ serving on one D-Bus connection.
type Bus struct {
	conn *dbus.Conn

	mu      sync.Mutex
	objects map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	bursts  map[dbus.ObjectPath][][]byte
	devices map[dbus.ObjectPath][]dbus.ObjectPath // device → its characteristics
	wg      sync.WaitGroup
	closed  bool
}

// Serve connects to the bus at address, takes the name org.bluez and publishes the adapter
// and devices.
func Serve(address string, devices ...Device) (*Bus, error) {
	conn, err := dbus.Connect(address)
	if err != nil {
		return nil, fmt.Errorf("fakebluez: connecting to %s: %w", address, err)
	}
	reply, err := conn.RequestName("org.bluez", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("fakebluez: owning org.bluez: %v (reply %d)", err, reply)
	}
	b := &Bus{conn: conn, objects: make(map[dbus.ObjectPath]map[string]map[string]dbus.Variant),
		bursts: make(map[dbus.ObjectPath][][]byte), devices: make(map[dbus.ObjectPath][]dbus.ObjectPath)}
	if err := b.export("/", ifaceObjMgr, objectManager{b}); err != nil {
		return nil, err
	}
	b.objects[adapterPath] = map[string]map[string]dbus.Variant{ifaceAdapter: {
		"Address": dbus.MakeVariant("00:AA:BB:CC:DD:EE"), "Powered": dbus.MakeVariant(true),
		"Discovering": dbus.MakeVariant(false), "Name": dbus.MakeVariant("fake"),
	}}
	if err := b.exportNode(adapterPath, ifaceAdapter, adapter{b}); err != nil {
		return nil, err
	}
	for _, d := range devices {
		if err := b.addDevice(d); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

func (b *Bus) export(path dbus.ObjectPath, iface string, v any) error {
	if err := b.conn.Export(v, path, iface); err != nil {
		return fmt.Errorf("fakebluez: exporting %s on %s: %w", iface, path, err)
	}
	return nil
}

// exportNode exports an interface and the properties interface on path.
func (b *Bus) exportNode(path dbus.ObjectPath, iface string, v any) error {
	if err := b.export(path, iface, v); err != nil {
		return err
	}
	return b.export(path, ifaceProps, properties{b, path})
}

func devicePath(addr string) dbus.ObjectPath {
	return adapterPath + "/dev_" + dbus.ObjectPath(strings.ReplaceAll(strings.ToUpper(addr), ":", "_"))
}

func (b *Bus) addDevice(d Device) error {
	dp := devicePath(d.Address)
	var uuids []string
	services := map[uint16]dbus.ObjectPath{}
	b.mu.Lock()
	handle := 0x10
	for _, c := range d.Chars {
		sp, ok := services[c.Service]
		if !ok {
			sp = dp + dbus.ObjectPath(fmt.Sprintf("/service%04x", handle))
			handle++
			services[c.Service] = sp
			uuids = append(uuids, UUID16(c.Service))
			b.objects[sp] = map[string]map[string]dbus.Variant{ifaceService: {
				"UUID": dbus.MakeVariant(UUID16(c.Service)), "Primary": dbus.MakeVariant(true),
				"Device": dbus.MakeVariant(dp),
			}}
		}
		cp := sp + dbus.ObjectPath(fmt.Sprintf("/char%04x", handle))
		handle++
		b.objects[cp] = map[string]map[string]dbus.Variant{ifaceChar: {
			"UUID": dbus.MakeVariant(UUID16(c.UUID)), "Service": dbus.MakeVariant(sp),
			"Value": dbus.MakeVariant([]byte{}), "Notifying": dbus.MakeVariant(false),
			"Flags": dbus.MakeVariant([]string{"read", "write", "notify", "indicate"}),
		}}
		b.bursts[cp] = c.Burst
		b.devices[dp] = append(b.devices[dp], cp)
	}
	b.objects[dp] = map[string]map[string]dbus.Variant{ifaceDevice: {
		"Address": dbus.MakeVariant(strings.ToUpper(d.Address)), "AddressType": dbus.MakeVariant("public"),
		"Name": dbus.MakeVariant(d.Name), "Alias": dbus.MakeVariant(d.Name), "UUIDs": dbus.MakeVariant(uuids),
		"Connected": dbus.MakeVariant(false), "ServicesResolved": dbus.MakeVariant(false),
		"RSSI": dbus.MakeVariant(int16(-50)), "Adapter": dbus.MakeVariant(adapterPath),
	}}
	chars := b.devices[dp]
	b.mu.Unlock()
	for _, sp := range services {
		if err := b.export(sp, ifaceProps, properties{b, sp}); err != nil {
			return err
		}
	}
	for _, cp := range chars {
		if err := b.exportNode(cp, ifaceChar, characteristic{b, cp}); err != nil {
			return err
		}
	}
	return b.exportNode(dp, ifaceDevice, device{b, dp})
}

// set changes properties and emits PropertiesChanged.
func (b *Bus) set(path dbus.ObjectPath, iface string, changes map[string]dbus.Variant) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	for k, v := range changes {
		b.objects[path][iface][k] = v
	}
	b.mu.Unlock()
	b.conn.Emit(path, ifaceProps+".PropertiesChanged", iface, changes, []string{})
}

func (b *Bus) get(path dbus.ObjectPath, iface, name string) (dbus.Variant, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.objects[path][iface][name]
	return v, ok
}

// Drop ends the link to the device at addr, as a device walking out of range does.
func (b *Bus) Drop(addr string) {
	dp := devicePath(addr)
	b.stopNotify(dp)
	b.set(dp, ifaceDevice, map[string]dbus.Variant{"Connected": dbus.MakeVariant(false),
		"ServicesResolved": dbus.MakeVariant(false)})
}

// Connected reports whether a central holds a link to the device at addr.
func (b *Bus) Connected(addr string) bool {
	v, _ := b.get(devicePath(addr), ifaceDevice, "Connected")
	up, _ := v.Value().(bool)
	return up
}

func (b *Bus) stopNotify(dp dbus.ObjectPath) {
	b.mu.Lock()
	chars := b.devices[dp]
	b.mu.Unlock()
	for _, cp := range chars {
		if v, _ := b.get(cp, ifaceChar, "Notifying"); v.Value() == true {
			b.set(cp, ifaceChar, map[string]dbus.Variant{"Notifying": dbus.MakeVariant(false)})
		}
	}
}

// Close waits for bursts under way and leaves the bus.
func (b *Bus) Close() error {
	b.wg.Wait()
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return b.conn.Close()
}

type objectManager struct{ b *Bus }

func (o objectManager) GetManagedObjects() (map[dbus.ObjectPath]map[string]map[string]dbus.Variant, *dbus.Error) {
	o.b.mu.Lock()
	defer o.b.mu.Unlock()
	out := make(map[dbus.ObjectPath]map[string]map[string]dbus.Variant, len(o.b.objects))
	for p, ifaces := range o.b.objects {
		out[p] = make(map[string]map[string]dbus.Variant, len(ifaces))
		for i, props := range ifaces {
			out[p][i] = make(map[string]dbus.Variant, len(props))
			for k, v := range props {
				out[p][i][k] = v
			}
		}
	}
	return out, nil
}

type properties struct {
	b    *Bus
	path dbus.ObjectPath
}

func (p properties) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	v, ok := p.b.get(p.path, iface, name)
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.InvalidArgs", []any{"no property " + name})
	}
	return v, nil
}

func (p properties) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	out := make(map[string]dbus.Variant)
	for k, v := range p.b.objects[p.path][iface] {
		out[k] = v
	}
	return out, nil
}

func (p properties) Set(iface, name string, v dbus.Variant) *dbus.Error {
	p.b.set(p.path, iface, map[string]dbus.Variant{name: v})
	return nil
}

type adapter struct{ b *Bus }

func (a adapter) StartDiscovery() *dbus.Error {
	a.b.set(adapterPath, ifaceAdapter, map[string]dbus.Variant{"Discovering": dbus.MakeVariant(true)})
	return nil
}

func (a adapter) StopDiscovery() *dbus.Error {
	a.b.set(adapterPath, ifaceAdapter, map[string]dbus.Variant{"Discovering": dbus.MakeVariant(false)})
	return nil
}

func (a adapter) SetDiscoveryFilter(map[string]dbus.Variant) *dbus.Error { return nil }

type device struct {
	b    *Bus
	path dbus.ObjectPath
}

func (d device) Connect() *dbus.Error {
	d.b.wg.Add(1)
	go func() { // BlueZ answers first and reports the link as a property change
		defer d.b.wg.Done()
		time.Sleep(time.Millisecond)
		d.b.set(d.path, ifaceDevice, map[string]dbus.Variant{"Connected": dbus.MakeVariant(true)})
		d.b.set(d.path, ifaceDevice, map[string]dbus.Variant{"ServicesResolved": dbus.MakeVariant(true)})
	}()
	return nil
}

func (d device) Disconnect() *dbus.Error {
	d.b.stopNotify(d.path)
	d.b.set(d.path, ifaceDevice, map[string]dbus.Variant{"Connected": dbus.MakeVariant(false),
		"ServicesResolved": dbus.MakeVariant(false)})
	return nil
}

type characteristic struct {
	b    *Bus
	path dbus.ObjectPath
}

func (c characteristic) ReadValue(map[string]dbus.Variant) ([]byte, *dbus.Error) {
	v, _ := c.b.get(c.path, ifaceChar, "Value")
	b, _ := v.Value().([]byte)
	return b, nil
}

func (c characteristic) WriteValue(value []byte, _ map[string]dbus.Variant) *dbus.Error {
	c.b.set(c.path, ifaceChar, map[string]dbus.Variant{"Value": dbus.MakeVariant(value)})
	return nil
}

// StartNotify turns notifications on, then notifies the characteristic's burst back to back.
func (c characteristic) StartNotify() *dbus.Error {
	if v, _ := c.b.get(c.path, ifaceChar, "Notifying"); v.Value() == true {
		return dbus.NewError("org.bluez.Error.InProgress", nil)
	}
	c.b.set(c.path, ifaceChar, map[string]dbus.Variant{"Notifying": dbus.MakeVariant(true)})
	c.b.mu.Lock()
	burst := c.b.bursts[c.path]
	c.b.mu.Unlock()
	c.b.wg.Add(1)
	go func() {
		defer c.b.wg.Done()
		time.Sleep(2 * time.Millisecond) // after the reply, as BlueZ does
		for _, v := range burst {
			if on, _ := c.b.get(c.path, ifaceChar, "Notifying"); on.Value() != true {
				return
			}
			c.b.set(c.path, ifaceChar, map[string]dbus.Variant{"Value": dbus.MakeVariant(v)})
		}
	}()
	return nil
}

func (c characteristic) StopNotify() *dbus.Error {
	c.b.set(c.path, ifaceChar, map[string]dbus.Variant{"Notifying": dbus.MakeVariant(false)})
	return nil
}

// Daemon is a private dbus-daemon.
type Daemon struct {
	Address string // the bus address, for DBUS_SYSTEM_BUS_ADDRESS
	cmd     *exec.Cmd
}

// ErrNoDaemon means the dbus-daemon binary is not installed.
var ErrNoDaemon = errors.New("fakebluez: dbus-daemon not found (Debian package dbus-daemon)")

// StartDaemon runs a private dbus-daemon listening on a socket in dir. Stop it with Stop.
func StartDaemon(dir string) (*Daemon, error) {
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		return nil, ErrNoDaemon
	}
	sock := filepath.Join(dir, "bus")
	conf := filepath.Join(dir, "bus.conf")
	config := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=` + sock + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--config-file="+conf, "--nofork", "--nopidfile")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("fakebluez: starting dbus-daemon: %w", err)
	}
	d := &Daemon{Address: "unix:path=" + sock, cmd: cmd}
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			return d, nil
		}
		if i == 500 {
			d.Stop()
			return nil, errors.New("fakebluez: dbus-daemon did not create its socket within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop ends the daemon and waits for it.
func (d *Daemon) Stop() {
	d.cmd.Process.Kill()
	d.cmd.Wait()
}
