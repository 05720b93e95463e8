package ble

import (
	"context"
	"errors"

	"github.com/phdkit/phdkit/ieee11073/gatt"
)

// Sentinel errors.
var (
	// ErrNotConnected means the peripheral's link is down.
	ErrNotConnected = errors.New("ble: not connected")
	// ErrNoHealthService means the device offers none of the health characteristics this
	// package reads.
	ErrNoHealthService = errors.New("ble: no health characteristic found")
	// ErrUnknownCharacteristic means an operation named a characteristic the peripheral does
	// not have.
	ErrUnknownCharacteristic = errors.New("ble: unknown characteristic")
)

// Advertisement is what a central learns of a peripheral while scanning.
type Advertisement struct {
	Address  string      // "AA:BB:CC:DD:EE:FF"
	Name     string      // local name, when advertised
	Services []gatt.UUID // 16-bit service UUIDs advertised
	RSSI     int16
}

// Characteristic names one characteristic of a connected peripheral by its service and its
// own 16-bit UUID. Characteristics with 128-bit vendor UUIDs are not reported.
type Characteristic struct {
	Service gatt.UUID
	UUID    gatt.UUID
}

// Central is the host side of a radio: it scans for peripherals and connects to them. An
// implementation is safe for use by several goroutines.
type Central interface {
	// Scan reports advertisements to found until found returns false or ctx ends.
	Scan(ctx context.Context, found func(Advertisement) bool) error
	// Connect opens a link to the peripheral at address.
	Connect(ctx context.Context, address string) (Peripheral, error)
}

// Peripheral is a connected device.
type Peripheral interface {
	// Address is the device address the central connected to.
	Address() string
	// Discover returns every characteristic of every service; callers filter. (Asking a
	// backend for a fixed list can fail the whole discovery when one is missing.)
	Discover(ctx context.Context) ([]Characteristic, error)
	// Subscribe enables notifications or indications on c. fn may run on any goroutine and
	// must return quickly; value is only valid during the call.
	Subscribe(c Characteristic, fn func(value []byte)) error
	// Read reads the current value of c.
	Read(ctx context.Context, c Characteristic) ([]byte, error)
	// Write writes value to c with a write request.
	Write(ctx context.Context, c Characteristic, value []byte) error
	// Done is closed when the link goes down, whoever ends it.
	Done() <-chan struct{}
	// Close ends every subscription and the link; it waits for the peripheral's goroutines.
	Close() error
}
