//go:build linux

package main

import (
	"github.com/phdkit/phdkit/ieee11073/gatt/ble"
	"github.com/phdkit/phdkit/ieee11073/gatt/ble/bluez"
)

func newBlueZ(adapter string) (ble.Central, error) {
	return bluez.New(bluez.Config{Adapter: adapter})
}
