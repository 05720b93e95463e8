//go:build !linux

package main

import (
	"errors"

	"github.com/phdkit/phdkit/ieee11073/gatt/ble"
)

func newBlueZ(string) (ble.Central, error) {
	return nil, errors.New("reading a Bluetooth adapter needs Linux with BlueZ")
}
