package ble

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/phdkit/phdkit/ieee11073/gatt"
)

// FakeCentral is an in-memory Central whose peripherals replay recorded values: for tests,
// demonstrations and systems with no radio. It is safe for concurrent use.
type FakeCentral struct {
	mu      sync.Mutex
	devices map[string]*FakeDevice
}

// NewFakeCentral returns a central with the given devices in range.
func NewFakeCentral(devices ...*FakeDevice) *FakeCentral {
	c := &FakeCentral{devices: make(map[string]*FakeDevice)}
	for _, d := range devices {
		c.devices[d.Address] = d
	}
	return c
}

// Scan reports every device in range once, in address order.
func (c *FakeCentral) Scan(ctx context.Context, found func(Advertisement) bool) error {
	c.mu.Lock()
	var ads []Advertisement
	for _, d := range c.devices {
		ad := Advertisement{Address: d.Address, Name: d.Name, RSSI: -50}
		for _, ch := range d.Chars {
			if !slices.Contains(ad.Services, ch.Service) {
				ad.Services = append(ad.Services, ch.Service)
			}
		}
		ads = append(ads, ad)
	}
	c.mu.Unlock()
	slices.SortFunc(ads, func(a, b Advertisement) int { return cmpString(a.Address, b.Address) })
	for _, ad := range ads {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !found(ad) {
			return nil
		}
	}
	return nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Connect opens a link to the device at address.
func (c *FakeCentral) Connect(ctx context.Context, address string) (Peripheral, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	d := c.devices[address]
	c.mu.Unlock()
	if d == nil {
		return nil, fmt.Errorf("ble: no device %s in range", address)
	}
	return d.connect()
}

// FakeDevice is an in-memory peripheral. Set its fields before connecting to it.
type FakeDevice struct {
	Address string
	Name    string
	Chars   []Characteristic
	// Stored holds, per characteristic, the values the device flushes after a subscription
	// (stored records, oldest first). Glucose records are flushed only when asked through the
	// Record Access Control Point, from the sequence number asked for.
	Stored map[gatt.UUID][][]byte
	// Scramble delivers each burst out of order, with some values twice, as a backend that
	// hands notifications to goroutines may; Seed makes it repeatable.
	Scramble bool
	Seed     uint64

	mu       sync.Mutex
	link     *fakeLink
	failNext int
	connects int
	rng      *rand.Rand
}

// FailConnects makes the next n connection attempts fail.
func (d *FakeDevice) FailConnects(n int) {
	d.mu.Lock()
	d.failNext = n
	d.mu.Unlock()
}

// Connects returns how many links have been opened.
func (d *FakeDevice) Connects() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.connects
}

// Notify sends a live value on characteristic c to the current subscriber; it reports
// whether one was listening.
func (d *FakeDevice) Notify(c gatt.UUID, value []byte) bool {
	d.mu.Lock()
	l := d.link
	d.mu.Unlock()
	if l == nil {
		return false
	}
	return l.send(c, value)
}

// Drop ends the current link, as a device walking out of range does.
func (d *FakeDevice) Drop() {
	d.mu.Lock()
	l := d.link
	d.mu.Unlock()
	if l != nil {
		l.down()
	}
}

func (d *FakeDevice) connect() (*fakeLink, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failNext > 0 {
		d.failNext--
		return nil, fmt.Errorf("ble: %s: connection attempt failed: %w", d.Address, ErrNotConnected)
	}
	if d.link != nil {
		return nil, fmt.Errorf("ble: %s: already connected", d.Address)
	}
	if d.rng == nil {
		d.rng = rand.New(rand.NewPCG(d.Seed, 0x5eed))
	}
	d.connects++
	l := &fakeLink{dev: d, subs: make(map[gatt.UUID]func([]byte)), done: make(chan struct{})}
	d.link = l
	return l, nil
}

// fakeLink is one connection to a FakeDevice.
type fakeLink struct {
	dev *FakeDevice
	wg  sync.WaitGroup

	mu     sync.Mutex
	subs   map[gatt.UUID]func([]byte)
	closed bool
	done   chan struct{}
}

func (l *fakeLink) Address() string { return l.dev.Address }

func (l *fakeLink) Done() <-chan struct{} { return l.done }

func (l *fakeLink) up() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.closed
}

func (l *fakeLink) Discover(ctx context.Context) ([]Characteristic, error) {
	if !l.up() {
		return nil, ErrNotConnected
	}
	return slices.Clone(l.dev.Chars), ctx.Err()
}

func (l *fakeLink) has(c Characteristic) bool { return slices.Contains(l.dev.Chars, c) }

func (l *fakeLink) Subscribe(c Characteristic, fn func([]byte)) error {
	if !l.has(c) {
		return ErrUnknownCharacteristic
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrNotConnected
	}
	l.subs[c.UUID] = fn
	l.mu.Unlock()
	if c.UUID != gatt.GlucoseMeasurement {
		l.burst(c.UUID, l.dev.Stored[c.UUID])
	}
	return nil
}

func (l *fakeLink) Read(ctx context.Context, c Characteristic) ([]byte, error) {
	if !l.has(c) {
		return nil, ErrUnknownCharacteristic
	}
	if !l.up() {
		return nil, ErrNotConnected
	}
	if s := l.dev.Stored[c.UUID]; len(s) > 0 {
		return bytes.Clone(s[len(s)-1]), nil
	}
	return nil, nil
}

// Write answers a Record Access Control Point request the way a glucose meter does: it
// notifies the stored records asked for, then indicates the response code.
func (l *fakeLink) Write(ctx context.Context, c Characteristic, value []byte) error {
	if !l.has(c) {
		return ErrUnknownCharacteristic
	}
	if !l.up() {
		return ErrNotConnected
	}
	if c.UUID != gatt.RecordAccessControlPoint {
		return nil
	}
	var req gatt.RACP
	if _, err := req.Unmarshal(value); err != nil {
		return err
	}
	result := gatt.RACPSuccess
	var records [][]byte
	switch {
	case req.Op != gatt.RACPReportStoredRecords:
		result = gatt.RACPOpCodeNotSupported
	case req.Operator == gatt.RACPAllRecords:
		records = l.dev.Stored[gatt.GlucoseMeasurement]
	case req.Operator == gatt.RACPGreaterEqual && len(req.Operand) == 3 && req.Operand[0] == gatt.RACPFilterSequence:
		from := binary.LittleEndian.Uint16(req.Operand[1:])
		for _, v := range l.dev.Stored[gatt.GlucoseMeasurement] {
			var g gatt.Glucose
			if _, err := g.Unmarshal(v); err == nil && g.Sequence >= from {
				records = append(records, v)
			}
		}
	default:
		result = gatt.RACPOperatorUnsupported
	}
	if result == gatt.RACPSuccess && len(records) == 0 {
		result = gatt.RACPNoRecords
	}
	resp := []byte{byte(gatt.RACPResponseCode), 0, byte(req.Op), byte(result)}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.deliver(gatt.GlucoseMeasurement, records)
		l.send(gatt.RecordAccessControlPoint, resp)
	}()
	return nil
}

// burst delivers values on a goroutine of the link, as a device flushing stored records.
func (l *fakeLink) burst(c gatt.UUID, values [][]byte) {
	if len(values) == 0 {
		return
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.deliver(c, values)
	}()
}

// deliver sends values in order, or scrambled: shuffled, with about one in eight sent twice.
func (l *fakeLink) deliver(c gatt.UUID, values [][]byte) {
	order := slices.Clone(values)
	if l.dev.Scramble {
		l.dev.mu.Lock()
		l.dev.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for i := range values {
			if l.dev.rng.IntN(8) == 0 {
				order = append(order, values[i])
			}
		}
		l.dev.mu.Unlock()
	}
	for _, v := range order {
		if !l.send(c, v) {
			return
		}
	}
}

func (l *fakeLink) send(c gatt.UUID, v []byte) bool {
	l.mu.Lock()
	fn := l.subs[c]
	closed := l.closed
	l.mu.Unlock()
	if closed || fn == nil {
		return false
	}
	fn(v)
	return true
}

// down ends the link without waiting (safe from the link's own goroutines).
func (l *fakeLink) down() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
	l.mu.Unlock()
	l.dev.mu.Lock()
	if l.dev.link == l {
		l.dev.link = nil
	}
	l.dev.mu.Unlock()
}

func (l *fakeLink) Close() error {
	l.down()
	l.wg.Wait()
	return nil
}
