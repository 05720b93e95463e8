// Package bluez is a ble.Central on Linux's BlueZ Bluetooth stack, over D-Bus, built on
// tinygo.org/x/bluetooth (pure Go, no cgo). It is a separate package so that programs that
// only decode characteristics do not pull in a D-Bus client.
//
//	central, err := bluez.New(bluez.Config{}) // adapter hci0 on the system bus
//	reader, err := ble.NewReader(ble.Config{Central: central, Address: "AA:BB:CC:DD:EE:FF",
//		OnReading: func(r ble.Reading) { ... }})
//	err = reader.Run(ctx)
//
// What the backend does and how this package copes:
//
//   - Asking it for a list of services or characteristics fails the whole discovery when one
//     is missing, so Discover asks for all of them and the caller filters.
//   - It hands each notification signal that finds its receiver busy to a goroutine of its
//     own, so a burst can arrive out of order; ble.Reader restores the order.
//   - It reports no link loss to a central: a watcher reads the device's Connected property
//     every Config.LinkPoll.
//   - Each subscription holds a goroutine until it is ended; Close ends them all.
//
// The system bus is the one DBUS_SYSTEM_BUS_ADDRESS names, or the default; the tests run the
// unmodified backend against a fake BlueZ service on a private dbus-daemon.
package bluez
