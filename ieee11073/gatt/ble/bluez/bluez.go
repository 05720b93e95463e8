//go:build linux

package bluez

import (
	"context"
	"fmt"
	"sync"
	"time"

	"tinygo.org/x/bluetooth"

	"github.com/phdkit/phdkit/ieee11073/gatt"
	"github.com/phdkit/phdkit/ieee11073/gatt/ble"
)

// Config configures a Central. Its zero value uses adapter hci0.
type Config struct {
	// Adapter is the BlueZ adapter id. Default "hci0".
	Adapter string
	// LinkPoll is how often a connected peripheral's Connected property is read to notice a
	// link that dropped (the backend reports no such event to a central). Default 250 ms.
	LinkPoll time.Duration
}

// Central is a ble.Central on BlueZ.
type Central struct {
	adapter *bluetooth.Adapter
	poll    time.Duration
	scanMu  sync.Mutex // the backend runs one scan at a time
}

// New enables the adapter on the system bus (DBUS_SYSTEM_BUS_ADDRESS when set) and returns a
// Central on it.
func New(cfg Config) (*Central, error) {
	if cfg.Adapter == "" {
		cfg.Adapter = "hci0"
	}
	if cfg.LinkPoll <= 0 {
		cfg.LinkPoll = 250 * time.Millisecond
	}
	a := bluetooth.NewAdapter(cfg.Adapter)
	if err := a.Enable(); err != nil {
		return nil, fmt.Errorf("bluez: enabling adapter %s: %w", cfg.Adapter, err)
	}
	return &Central{adapter: a, poll: cfg.LinkPoll}, nil
}

// Scan reports advertisements until found returns false or ctx ends.
func (c *Central) Scan(ctx context.Context, found func(ble.Advertisement) bool) error {
	c.scanMu.Lock()
	defer c.scanMu.Unlock()
	var once sync.Once
	stopScan := func() { once.Do(func() { c.adapter.StopScan() }) }
	stop := context.AfterFunc(ctx, stopScan)
	defer stop()
	err := c.adapter.Scan(func(a *bluetooth.Adapter, r bluetooth.ScanResult) {
		ad := ble.Advertisement{Address: r.Address.MAC.String(), Name: r.LocalName(), RSSI: r.RSSI}
		for _, u := range r.ServiceUUIDs() {
			if u.Is16Bit() {
				ad.Services = append(ad.Services, gatt.UUID(u.Get16Bit()))
			}
		}
		if ctx.Err() != nil || !found(ad) {
			stopScan()
		}
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Connect opens a link to the peripheral at address ("AA:BB:CC:DD:EE:FF"). When ctx ends
// first, the attempt still under way is disconnected as soon as the backend returns it.
func (c *Central) Connect(ctx context.Context, address string) (ble.Peripheral, error) {
	mac, err := bluetooth.ParseMAC(address)
	if err != nil {
		return nil, fmt.Errorf("bluez: address %q: %w", address, err)
	}
	type result struct {
		dev bluetooth.Device
		err error
	}
	res := make(chan result, 1)
	go func() {
		d, err := c.adapter.Connect(bluetooth.Address{MACAddress: bluetooth.MACAddress{MAC: mac}}, bluetooth.ConnectionParams{})
		res <- result{d, err}
	}()
	select {
	case r := <-res:
		if r.err != nil {
			return nil, fmt.Errorf("bluez: connecting to %s: %w", address, r.err)
		}
		return newPeripheral(r.dev, address, c.poll), nil
	case <-ctx.Done():
		go func() {
			if r := <-res; r.err == nil {
				r.dev.Disconnect()
			}
		}()
		return nil, ctx.Err()
	}
}

// peripheral is a connected device.
type peripheral struct {
	dev  bluetooth.Device
	addr string

	mu    sync.Mutex
	chars map[ble.Characteristic]*bluetooth.DeviceCharacteristic
	subs  []*bluetooth.DeviceCharacteristic

	done      chan struct{} // closed when the link is down
	doneOnce  sync.Once
	stop      chan struct{} // closed by Close
	closeOnce sync.Once
	wg        sync.WaitGroup
}

func newPeripheral(dev bluetooth.Device, addr string, poll time.Duration) *peripheral {
	p := &peripheral{dev: dev, addr: addr, chars: make(map[ble.Characteristic]*bluetooth.DeviceCharacteristic),
		done: make(chan struct{}), stop: make(chan struct{})}
	p.wg.Add(1)
	go p.watch(poll)
	return p
}

// watch closes done when the device reports it is no longer connected.
func (p *peripheral) watch(poll time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			if up, err := p.dev.Connected(); err != nil || !up {
				p.down()
				return
			}
		}
	}
}

func (p *peripheral) down() { p.doneOnce.Do(func() { close(p.done) }) }

func (p *peripheral) Address() string { return p.addr }

func (p *peripheral) Done() <-chan struct{} { return p.done }

// Discover asks for every service and every characteristic (asking for a list fails the
// whole discovery when one is missing) and keeps those with 16-bit UUIDs.
func (p *peripheral) Discover(ctx context.Context) ([]ble.Characteristic, error) {
	services, err := p.dev.DiscoverServices(nil)
	if err != nil {
		return nil, fmt.Errorf("bluez: discovering services of %s: %w", p.addr, err)
	}
	var out []ble.Characteristic
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range services {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !s.UUID().Is16Bit() {
			continue
		}
		chars, err := s.DiscoverCharacteristics(nil)
		if err != nil {
			return nil, fmt.Errorf("bluez: discovering characteristics of %s: %w", p.addr, err)
		}
		for i := range chars {
			if !chars[i].UUID().Is16Bit() {
				continue
			}
			c := ble.Characteristic{Service: gatt.UUID(s.UUID().Get16Bit()), UUID: gatt.UUID(chars[i].UUID().Get16Bit())}
			p.chars[c] = &chars[i]
			out = append(out, c)
		}
	}
	return out, nil
}

func (p *peripheral) char(c ble.Characteristic) (*bluetooth.DeviceCharacteristic, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	dc := p.chars[c]
	if dc == nil {
		return nil, fmt.Errorf("bluez: %s %s: %w", p.addr, c.UUID, ble.ErrUnknownCharacteristic)
	}
	return dc, nil
}

// Subscribe enables notifications or indications (BlueZ picks which the characteristic
// supports).
func (p *peripheral) Subscribe(c ble.Characteristic, fn func([]byte)) error {
	dc, err := p.char(c)
	if err != nil {
		return err
	}
	if err := dc.EnableNotifications(fn); err != nil {
		return fmt.Errorf("bluez: subscribing to %s %s: %w", p.addr, c.UUID, err)
	}
	p.mu.Lock()
	p.subs = append(p.subs, dc)
	p.mu.Unlock()
	return nil
}

func (p *peripheral) Read(ctx context.Context, c ble.Characteristic) ([]byte, error) {
	dc, err := p.char(c)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 512) // the largest attribute value ATT allows
	n, err := dc.Read(buf)
	if err != nil {
		return nil, fmt.Errorf("bluez: reading %s %s: %w", p.addr, c.UUID, err)
	}
	return buf[:min(n, len(buf))], nil
}

func (p *peripheral) Write(ctx context.Context, c ble.Characteristic, value []byte) error {
	dc, err := p.char(c)
	if err != nil {
		return err
	}
	if _, err := dc.Write(value); err != nil {
		return fmt.Errorf("bluez: writing %s %s: %w", p.addr, c.UUID, err)
	}
	return nil
}

// Close ends every subscription (which ends the backend's notification goroutines) and the
// link, and waits for the link watcher.
func (p *peripheral) Close() error {
	var err error
	p.closeOnce.Do(func() {
		close(p.stop)
		p.mu.Lock()
		subs := p.subs
		p.subs = nil
		p.mu.Unlock()
		for _, dc := range subs {
			dc.EnableNotifications(nil) // releases the backend's goroutine even if the link is gone
		}
		err = p.dev.Disconnect()
		p.wg.Wait()
		p.down()
	})
	return err
}
