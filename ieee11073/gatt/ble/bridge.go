package ble

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/ieee11073/gatt"
)

// Presenting a Bluetooth device as an IEEE 11073-20601 agent.
//
// A Bridge takes a Reader's readings and sends them to a 20601 manager (a gateway) over TCP,
// as the agent of the device's specialization would: a 0x2A35 cuff associates as a 10407 blood
// pressure monitor with standard configuration 0x02BC and sends each reading as a confirmed
// fixed-format scan report. Where the device's units or sample types differ from the standard
// configuration's (a kPa cuff, a degF thermometer, a pound scale, a glucose meter in kg/L), or
// no standard configuration exists (heart rate straps), the agent reports an extended
// configuration (ids from ExtendedConfigBase) that keeps the device's own codes, so no value is
// converted or rounded. Intermediate cuff pressures are never sent: they are not readings.

// ExtendedConfigBase is added to a standard configuration id to name the extended
// configuration a Bridge uses for a device whose codes differ from the standard ones (the
// extended range of 20601 is 0x4000-0x7FFF); heart rate straps use ExtendedConfigBase + 1.
const ExtendedConfigBase = 0x4000

// ConfigFor returns the configuration under which a device's readings of characteristic c
// are reported: the standard configuration of its specialization when every (metric, unit) of
// sample is one it defines, otherwise an extended configuration with one numeric object per
// (metric, unit) of sample, values as FLOAT, with absolute time stamps.
func ConfigFor(c gatt.UUID, sample []gatt.Observation) (*ieee11073.Configuration, error) {
	spec, ok := SpecializationFor(c)
	if !ok {
		return nil, fmt.Errorf("ble: %s: %w", c, ErrUnknownCharacteristic)
	}
	if std, ok := ieee11073.StandardConfiguration(ieee11073.ConfigID(spec.ConfigID)); ok && spec.ConfigID != 0 && fits(std, sample) {
		return std, nil
	}
	id := ieee11073.ConfigID(ExtendedConfigBase + spec.ConfigID)
	if spec.ConfigID == 0 {
		id = ExtendedConfigBase + 1
	}
	cfg := &ieee11073.Configuration{ID: id}
	type mu struct{ metric, unit ieee11073.OID }
	var seen []mu
	for _, o := range sample {
		k := mu{o.Metric, o.Unit}
		if slices.Contains(seen, k) {
			continue
		}
		seen = append(seen, k)
		cfg.Objects = append(cfg.Objects, ieee11073.ConfiguredObject{
			Class: ieee11073.MDCMocVmoMetricNu, Handle: ieee11073.Handle(len(cfg.Objects) + 1),
			Type:       ieee11073.Type{Partition: ieee11073.PartitionSCADA, Code: o.Metric},
			MetricSpec: ieee11073.MetricSpecAvailStoredData | ieee11073.MetricSpecUpdAperiodic | ieee11073.MetricSpecMsmtAperiodic | ieee11073.MetricSpecAccAgentInit,
			Unit:       o.Unit,
			ValMap:     ieee11073.AttrValMap{{ID: ieee11073.MDCAttrNuValObsSimp, Len: 4}, {ID: ieee11073.MDCAttrTimeStampAbs, Len: 8}},
		})
	}
	if len(cfg.Objects) == 0 {
		return nil, fmt.Errorf("ble: %s: no observations to configure from", c)
	}
	return cfg, nil
}

// SpecializationFor is gatt.SpecializationFor, with a PLX spot-check presented as the 10404
// spot-check configuration (0x0191, with time stamps).
func SpecializationFor(c gatt.UUID) (gatt.Specialization, bool) {
	s, ok := gatt.SpecializationFor(c)
	if c == gatt.PLXSpotCheckMeasurement {
		s.ConfigID = 0x0191
	}
	return s, ok
}

// fits reports whether every observation's metric is a metric (or compound part) of an object
// of cfg with the same unit.
func fits(cfg *ieee11073.Configuration, obs []gatt.Observation) bool {
	for _, o := range obs {
		if objectFor(cfg, o.Metric, o.Unit) == nil {
			return false
		}
	}
	return true
}

func objectFor(cfg *ieee11073.Configuration, metric, unit ieee11073.OID) *ieee11073.ConfiguredObject {
	for i := range cfg.Objects {
		ob := &cfg.Objects[i]
		if ob.Unit != unit {
			continue
		}
		if ob.Type.Code == metric || slices.Contains(ob.PhysioList, metric) {
			return ob
		}
	}
	return nil
}

// AgentObservations lays obs out as the observations of cfg's objects, in object order: each
// object that obs names gets its value (a compound object its parts in order, NaN for a part
// the device did not send) and, when its attribute value map carries one, the time stamp.
func AgentObservations(dst []ieee11073.Observation, cfg *ieee11073.Configuration, obs []gatt.Observation) []ieee11073.Observation {
	for i := range cfg.Objects {
		ob := &cfg.Objects[i]
		var at time.Time
		found := false
		value := func(metric ieee11073.OID) ieee11073.Float {
			for _, o := range obs {
				if o.Metric == metric && o.Unit == ob.Unit && !o.Interim {
					found = true
					if !o.Time.IsZero() {
						at = o.Time
					}
					return o.Value
				}
			}
			return ieee11073.FloatNaN
		}
		parts := ob.PhysioList
		if len(parts) == 0 {
			parts = []ieee11073.OID{ob.Type.Code}
		}
		start := len(dst)
		for _, p := range parts {
			dst = append(dst, ieee11073.Observation{Kind: ieee11073.ObservationNumeric, Handle: ob.Handle,
				Type: ieee11073.Type{Partition: ieee11073.PartitionSCADA, Code: p}, Unit: ob.Unit, Value: value(p)})
		}
		if !found {
			dst = dst[:start]
			continue
		}
		if !at.IsZero() {
			for j := start; j < len(dst); j++ {
				dst[j].Time = ieee11073.AbsoluteTimeOf(at)
			}
		}
	}
	return dst
}

// BridgeConfig configures a Bridge. The zero value of every field but Manager works.
type BridgeConfig struct {
	// Manager is the address of the 20601 manager ("host:port"). Required.
	Manager string
	// Dial opens the connection to the manager. Default: a net.Dialer over TCP.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Agent is the template of each agent's configuration (timeouts, MDS attributes).
	// ConfigID, Config and SystemID are set by the Bridge.
	Agent ieee11073.AgentConfig
	// Queue is how many readings wait for the manager before Handle blocks (backpressure).
	// Default 1024.
	Queue int
	// ReconnectMin and ReconnectMax bound the back-off between connection attempts.
	// Defaults 200 ms and 5 s.
	ReconnectMin, ReconnectMax time.Duration
	// OnSent is told of each reading once the manager confirmed it; nil ignores it.
	OnSent func(Reading)
	// OnError is told of connection failures and of readings that cannot be reported (an
	// unknown characteristic); nil ignores them.
	OnError func(error)
}

// Bridge presents Bluetooth devices to a 20601 manager: one agent, over its own connection,
// per (device, characteristic), associated on first use. Readings are sent in the order they
// are handed in, each confirmed by the manager before the next; a reading whose confirmation
// does not come is sent again on a new association, so none is lost.
//
// Handle may be called from any goroutine; one goroutine, the one running Run, owns the
// agents.
type Bridge struct {
	cfg   BridgeConfig
	queue chan Reading
}

// NewBridge checks cfg and returns a Bridge.
func NewBridge(cfg BridgeConfig) (*Bridge, error) {
	if cfg.Manager == "" {
		return nil, errors.New("ble: BridgeConfig.Manager is empty")
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 1024
	}
	newBackoff(&cfg.ReconnectMin, &cfg.ReconnectMax)
	return &Bridge{cfg: cfg, queue: make(chan Reading, cfg.Queue)}, nil
}

// Handle queues a reading for the manager; it blocks while the queue is full. Its signature
// fits Config.OnReading.
func (b *Bridge) Handle(r Reading) { b.queue <- r }

// bridgeLink is one agent: a device's characteristic associated with the manager.
type bridgeLink struct {
	cfg   *ieee11073.Configuration
	agent *ieee11073.Agent
}

// Run sends queued readings until ctx ends, then releases every association and returns
// ctx's error.
func (b *Bridge) Run(ctx context.Context) error {
	links := make(map[string]*bridgeLink)
	defer func() {
		var wg sync.WaitGroup
		for _, l := range links {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l.close()
			}()
		}
		wg.Wait()
	}()
	var scratch []ieee11073.Observation
	for {
		var r Reading
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r = <-b.queue:
		}
		if len(r.Observations) == 0 || r.Characteristic == gatt.IntermediateCuffPressure {
			continue // RACP responses, interim cuff pressures, values with nothing usable
		}
		wait := newBackoff(&b.cfg.ReconnectMin, &b.cfg.ReconnectMax)
		for {
			err := b.send(ctx, links, r, &scratch)
			if err == nil {
				if b.cfg.OnSent != nil {
					b.cfg.OnSent(r)
				}
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			b.report(err)
			if errors.Is(err, ErrUnknownCharacteristic) || errors.Is(err, ieee11073.ErrUnknownHandle) ||
				errors.Is(err, ieee11073.ErrValue) || errors.Is(err, ieee11073.ErrFloatRange) {
				break // this reading can never be reported: say so and go on
			}
			if err := wait.wait(ctx); err != nil {
				return err
			}
		}
	}
}

func (b *Bridge) report(err error) {
	if b.cfg.OnError != nil {
		b.cfg.OnError(err)
	}
}

// send reports r on its link, associating first when needed. On a failure the link is
// dropped, so the next attempt starts a new association.
func (b *Bridge) send(ctx context.Context, links map[string]*bridgeLink, r Reading, scratch *[]ieee11073.Observation) error {
	key := fmt.Sprintf("%s/%04x", r.Device, uint16(r.Characteristic))
	l := links[key]
	if l == nil {
		cfg, err := ConfigFor(r.Characteristic, r.Observations)
		if err != nil {
			return err
		}
		l, err = b.open(ctx, r, cfg)
		if err != nil {
			return err
		}
		links[key] = l
	}
	if !fits(l.cfg, r.Observations) {
		// The device changed units (a scale switched to pounds): a new configuration.
		delete(links, key)
		l.close()
		return b.send(ctx, links, r, scratch)
	}
	*scratch = AgentObservations((*scratch)[:0], l.cfg, r.Observations)
	if err := l.agent.SendObservations(ctx, *scratch, true); err != nil {
		delete(links, key)
		l.close()
		return fmt.Errorf("ble: reporting %s to %s: %w", key, b.cfg.Manager, err)
	}
	return nil
}

func (b *Bridge) open(ctx context.Context, r Reading, cfg *ieee11073.Configuration) (*bridgeLink, error) {
	conn, err := b.cfg.Dial(ctx, "tcp", b.cfg.Manager)
	if err != nil {
		return nil, fmt.Errorf("ble: connecting to manager %s: %w", b.cfg.Manager, err)
	}
	ac := b.cfg.Agent
	ac.ConfigID = cfg.ID
	ac.Config = cfg
	ac.SystemID = SystemID(r.Device, r.Characteristic)
	agent, err := ieee11073.NewAgent(conn, ac)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := agent.Associate(ctx); err != nil {
		agent.Close()
		return nil, fmt.Errorf("ble: associating %s with %s: %w", r.Device, b.cfg.Manager, err)
	}
	return &bridgeLink{cfg: cfg, agent: agent}, nil
}

func (l *bridgeLink) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l.agent.Release(ctx)
	l.agent.Close()
}

// SystemID derives the EUI-64 a Bridge announces for a device's characteristic from its
// Bluetooth address: the EUI-48 with 0xFF and the characteristic's low octet inserted in the
// middle (in place of EUI-64's 0xFF 0xFE), so each characteristic of a device is a distinct
// agent and the same device always gets the same identifiers.
func SystemID(address string, c gatt.UUID) [8]byte {
	var id [8]byte
	mac, err := net.ParseMAC(address)
	if err != nil || len(mac) != 6 {
		// Not a MAC (a fake device's name): hash it into the identifier.
		var h uint64 = 14695981039346656037 // FNV-1a
		for i := 0; i < len(address); i++ {
			h = (h ^ uint64(address[i])) * 1099511628211
		}
		mac = make(net.HardwareAddr, 6)
		for i := range mac {
			mac[i] = byte(h >> (8 * i))
		}
	}
	copy(id[:3], mac[:3])
	id[3], id[4] = 0xFF, byte(c)
	copy(id[5:], mac[3:6])
	return id
}
