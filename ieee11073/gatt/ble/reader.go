package ble

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/phdkit/phdkit/ieee11073/gatt"
)

// Config configures a Reader. The zero value of every field but Central and Address works.
type Config struct {
	// Central is the radio. Required.
	Central Central
	// Address is the peripheral to read. Required.
	Address string

	// Settle is how long a burst of values must be quiet before it is put in order and
	// delivered. Default 100 ms.
	Settle time.Duration
	// ReconnectMin and ReconnectMax bound the back-off between connection attempts.
	// Defaults 200 ms and 5 s.
	ReconnectMin, ReconnectMax time.Duration
	// Location is the time zone of the device's clock. Default UTC.
	Location *time.Location
	// Remember bounds how many delivered record keys are kept to drop repeats (a device
	// flushes its stored records again on every connection). Default 65536.
	Remember int

	// OnReading receives each value, in order, once. It runs on the Reader's goroutine.
	OnReading func(Reading)
	// OnError is told of values that failed to decode and of connection failures; nil
	// ignores them.
	OnError func(error)
	// OnConnect is told when a link comes up or goes down; nil ignores it.
	OnConnect func(connected bool)
}

// Reading is one characteristic value delivered by a Reader.
type Reading struct {
	Device         string
	Characteristic gatt.UUID
	Value          []byte             // the raw value, owned by the receiver
	Observations   []gatt.Observation // decoded; empty for a RACP value
	Received       time.Time
	Stored         bool // part of a burst of stored records (it carries a sequence or time stamp)
}

// measurementChars are the characteristics a Reader subscribes to.
var measurementChars = []gatt.UUID{
	gatt.BloodPressureMeasurement, gatt.IntermediateCuffPressure, gatt.TemperatureMeasurement,
	gatt.HeartRateMeasurement, gatt.WeightMeasurement, gatt.GlucoseMeasurement,
	gatt.PLXSpotCheckMeasurement, gatt.PLXContinuousMeasurement,
}

// Reader keeps a link to one peripheral, subscribes to its health characteristics, asks a
// glucose meter for its stored records, and delivers every value in order, exactly once:
// the notifications of a burst are gathered until the burst is quiet, sorted by the
// record's sequence number or time stamp (a backend may deliver a burst out of order), and
// records already delivered, which devices send again on every connection, are dropped. When
// the link drops it reconnects with back-off, leaving no goroutine behind.
//
// One goroutine, the one running Run, owns the Reader's state.
type Reader struct {
	cfg Config

	// Owned by Run.
	seen    map[string]struct{}
	order   []string // keys of seen, oldest first
	lastSeq int      // highest glucose sequence number delivered, -1 for none
	arrival uint64
}

// NewReader checks cfg and returns a Reader.
func NewReader(cfg Config) (*Reader, error) {
	if cfg.Central == nil {
		return nil, errors.New("ble: Config.Central is nil")
	}
	if cfg.Address == "" {
		return nil, errors.New("ble: Config.Address is empty")
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 100 * time.Millisecond
	}
	newBackoff(&cfg.ReconnectMin, &cfg.ReconnectMax)
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Remember <= 0 {
		cfg.Remember = 1 << 16
	}
	return &Reader{cfg: cfg, seen: make(map[string]struct{}), lastSeq: -1}, nil
}

// Run connects, reads and reconnects until ctx ends; it then returns ctx's error. Values
// gathered when the link drops are delivered before reconnecting.
func (r *Reader) Run(ctx context.Context) error {
	wait := newBackoff(&r.cfg.ReconnectMin, &r.cfg.ReconnectMax)
	for {
		err := r.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			r.report(err)
		} else {
			wait.reset() // the link was up: start again from the minimum
		}
		if err := wait.wait(ctx); err != nil {
			return err
		}
	}
}

func (r *Reader) report(err error) {
	if r.cfg.OnError != nil {
		r.cfg.OnError(err)
	}
}

// pending is a value received and not yet delivered.
type pending struct {
	char    gatt.UUID
	value   []byte
	at      time.Time
	arrival uint64
}

// inbox takes values from the backend's callbacks without ever blocking them.
type inbox struct {
	mu     sync.Mutex
	items  []pending
	notify chan struct{}
}

func (in *inbox) put(c gatt.UUID, v []byte) {
	in.mu.Lock()
	in.items = append(in.items, pending{char: c, value: bytes.Clone(v), at: time.Now()})
	in.mu.Unlock()
	select {
	case in.notify <- struct{}{}:
	default:
	}
}

func (in *inbox) take(dst []pending) []pending {
	in.mu.Lock()
	dst = append(dst, in.items...)
	clear(in.items)
	in.items = in.items[:0]
	in.mu.Unlock()
	return dst
}

// session runs one connection: it returns nil when a link that was up went down, an error
// when the link could not be set up.
func (r *Reader) session(ctx context.Context) error {
	p, err := r.cfg.Central.Connect(ctx, r.cfg.Address)
	if err != nil {
		return fmt.Errorf("ble: connecting to %s: %w", r.cfg.Address, err)
	}
	defer p.Close()
	chars, err := p.Discover(ctx)
	if err != nil {
		return fmt.Errorf("ble: discovering %s: %w", r.cfg.Address, err)
	}
	var (
		subs []Characteristic
		racp *Characteristic
	)
	for i, c := range chars {
		switch {
		case slices.Contains(measurementChars, c.UUID):
			subs = append(subs, c)
		case c.UUID == gatt.RecordAccessControlPoint:
			racp = &chars[i]
		}
	}
	if len(subs) == 0 {
		return fmt.Errorf("ble: %s: %w", r.cfg.Address, ErrNoHealthService)
	}
	in := &inbox{notify: make(chan struct{}, 1)}
	for _, c := range subs {
		uuid := c.UUID
		if err := p.Subscribe(c, func(v []byte) { in.put(uuid, v) }); err != nil {
			return fmt.Errorf("ble: subscribing to %s: %w", c.UUID, err)
		}
	}
	hasGlucose := slices.ContainsFunc(subs, func(c Characteristic) bool { return c.UUID == gatt.GlucoseMeasurement })
	if racp != nil && hasGlucose {
		uuid := racp.UUID
		if err := p.Subscribe(*racp, func(v []byte) { in.put(uuid, v) }); err != nil {
			return fmt.Errorf("ble: subscribing to %s: %w", uuid, err)
		}
		req := gatt.ReportAllRecords()
		if r.lastSeq >= 0 && r.lastSeq < 0xFFFF {
			req = gatt.ReportRecordsFrom(uint16(r.lastSeq + 1))
		}
		b, _ := req.AppendBinary(nil)
		if err := p.Write(ctx, *racp, b); err != nil {
			return fmt.Errorf("ble: asking %s for stored records: %w", r.cfg.Address, err)
		}
	}
	if r.cfg.OnConnect != nil {
		r.cfg.OnConnect(true)
		defer r.cfg.OnConnect(false)
	}

	var batch []pending
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			r.deliver(in.take(batch))
			return nil
		case <-p.Done():
			r.deliver(in.take(batch))
			return nil
		case <-in.notify:
			batch = in.take(batch)
			settle.Reset(r.cfg.Settle)
		case <-settle.C:
			batch = in.take(batch)
			r.deliver(batch)
			clear(batch)
			batch = batch[:0]
		}
	}
}

// key returns a record's identity and order for de-duplication and sorting: glucose records
// by sequence number, time-stamped records by their bytes (which hold the time stamp) and
// time. Live values with neither (heart rate, continuous SpO2) have no key: each is delivered
// as it comes.
type recordKey struct {
	id    string
	order int64 // sequence number or Unix seconds
	ok    bool
}

func (r *Reader) key(c gatt.UUID, v []byte) recordKey {
	switch c {
	case gatt.GlucoseMeasurement:
		var g gatt.Glucose
		if _, err := g.Unmarshal(v); err == nil {
			return recordKey{id: fmt.Sprintf("%04x/%d", uint16(c), g.Sequence), order: int64(g.Sequence), ok: true}
		}
	case gatt.BloodPressureMeasurement:
		var m gatt.BloodPressure
		if _, err := m.Unmarshal(v); err == nil && m.Flags&gatt.BPFlagTimeStamp != 0 {
			return timeKey(c, v, m.Time)
		}
	case gatt.TemperatureMeasurement:
		var m gatt.Temperature
		if _, err := m.Unmarshal(v); err == nil && m.Flags&gatt.TempFlagTimeStamp != 0 {
			return timeKey(c, v, m.Time)
		}
	case gatt.WeightMeasurement:
		var m gatt.Weight
		if _, err := m.Unmarshal(v); err == nil && m.Flags&gatt.WeightFlagTimeStamp != 0 {
			return timeKey(c, v, m.Time)
		}
	case gatt.PLXSpotCheckMeasurement:
		var m gatt.PLXSpotCheck
		if _, err := m.Unmarshal(v); err == nil && m.TimeKnown() {
			return timeKey(c, v, m.Time)
		}
	}
	return recordKey{}
}

func timeKey(c gatt.UUID, v []byte, d gatt.DateTime) recordKey {
	t, ok := d.Time(time.UTC)
	if !ok {
		return recordKey{}
	}
	return recordKey{id: fmt.Sprintf("%04x/%x", uint16(c), v), order: t.Unix(), ok: true}
}

// deliver puts a batch in order and hands each new value to OnReading.
func (r *Reader) deliver(batch []pending) {
	if len(batch) == 0 {
		return
	}
	type item struct {
		pending
		key   recordKey
		group uint64 // arrival of the first value of its characteristic in the batch
	}
	items := make([]item, 0, len(batch))
	first := make(map[gatt.UUID]uint64)
	for _, p := range batch {
		r.arrival++
		p.arrival = r.arrival
		if _, ok := first[p.char]; !ok {
			first[p.char] = p.arrival
		}
		items = append(items, item{p, r.key(p.char, p.value), first[p.char]})
	}
	// Characteristics keep the order in which they first spoke; within one, records with a
	// key are ordered by it, then values without one in arrival order.
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.group, b.group); c != 0 {
			return c
		}
		if a.key.ok != b.key.ok {
			if a.key.ok {
				return -1
			}
			return 1
		}
		if a.key.ok {
			if c := cmp.Compare(a.key.order, b.key.order); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.arrival, b.arrival)
	})
	for _, it := range items {
		if it.key.ok {
			if _, dup := r.seen[it.key.id]; dup {
				continue
			}
			r.remember(it.key.id)
			if it.char == gatt.GlucoseMeasurement && int(it.key.order) > r.lastSeq {
				r.lastSeq = int(it.key.order)
			}
		}
		rd := Reading{Device: r.cfg.Address, Characteristic: it.char, Value: it.value,
			Received: it.at, Stored: it.key.ok}
		obs, err := observe(it.char, it.value, it.at, r.cfg.Location)
		if err != nil {
			r.report(fmt.Errorf("ble: %s: %w", r.cfg.Address, err))
			continue
		}
		rd.Observations = obs
		if r.cfg.OnReading != nil {
			r.cfg.OnReading(rd)
		}
	}
}

func (r *Reader) remember(id string) {
	r.seen[id] = struct{}{}
	r.order = append(r.order, id)
	if len(r.order) > r.cfg.Remember {
		delete(r.seen, r.order[0])
		r.order = r.order[1:]
	}
}

// observe decodes a value of characteristic c into observations.
func observe(c gatt.UUID, v []byte, at time.Time, loc *time.Location) ([]gatt.Observation, error) {
	switch c {
	case gatt.BloodPressureMeasurement, gatt.IntermediateCuffPressure:
		var m gatt.BloodPressure
		var err error
		if c == gatt.IntermediateCuffPressure {
			_, err = m.UnmarshalIntermediate(v)
		} else {
			_, err = m.Unmarshal(v)
		}
		if err != nil {
			return nil, err
		}
		return m.Observations(nil, loc), nil
	case gatt.TemperatureMeasurement:
		var m gatt.Temperature
		if _, err := m.Unmarshal(v); err != nil {
			return nil, err
		}
		return m.Observations(nil, loc), nil
	case gatt.HeartRateMeasurement:
		var m gatt.HeartRate
		if _, err := m.Unmarshal(v); err != nil {
			return nil, err
		}
		return m.Observations(nil, at), nil
	case gatt.WeightMeasurement:
		var m gatt.Weight
		if _, err := m.Unmarshal(v); err != nil {
			return nil, err
		}
		return m.Observations(nil, loc), nil
	case gatt.GlucoseMeasurement:
		var m gatt.Glucose
		if _, err := m.Unmarshal(v); err != nil {
			return nil, err
		}
		return m.Observations(nil, loc), nil
	case gatt.PLXSpotCheckMeasurement:
		var m gatt.PLXSpotCheck
		if _, err := m.Unmarshal(v); err != nil {
			return nil, err
		}
		return m.Observations(nil, loc), nil
	case gatt.PLXContinuousMeasurement:
		var m gatt.PLXContinuous
		if _, err := m.Unmarshal(v); err != nil {
			return nil, err
		}
		return m.Observations(nil, at), nil
	case gatt.RecordAccessControlPoint:
		var m gatt.RACP
		_, err := m.Unmarshal(v)
		return nil, err
	}
	return nil, gatt.ErrUnknown
}
