// Package phdkit is a Go SDK for personal health device (PHD) data: from the sensor on a
// wrist, through any number of gateway layers, to a hospital server, securely and with
// nothing lost.
//
// This package holds documentation only. The SDK is a set of independent library packages;
// only the programs under examples/ wire them together.
//
// # Packages
//
//   - ieee11073: ISO/IEEE 11073-20601 optimized exchange protocol: MDER codec, APDUs,
//     nomenclature, FLOAT/SFLOAT, configurations, agent and manager, PM-store retrieval.
//   - ieee11073/gatt: Bluetooth GATT health characteristics as 11073 observations;
//     ieee11073/gatt/ble reads devices in order, exactly once, and presents them to a 20601
//     manager; ieee11073/gatt/ble/bluez is the Linux BlueZ radio.
//   - omadm: OMA DM 1.2 (SyncML DM) model, XML and WBXML codecs, authentication, client and
//     server sessions, package 0 notifications for server-initiated sessions, the PHD
//     management object; omadm/tree is a management tree with
//     delayed write-back and omadm/dmtest a conformance checker for any tree.
//   - bmsig: biomedical signatures (BM-signature), message authentication and encryption,
//     replay protection.
//   - fall: streaming fall detection from 3-axis acceleration.
//   - fusion: multi-signal risk staging, alarm routing and escalation.
//   - svm: pure-Go support vector machines, sliding windows, storage reduction.
//   - ledger: tamper-evident Merkle ledger with proofs, signed checkpoints and
//     cosignature/v1 witness cosignatures.
//
// Programs: examples/fullsystem (the whole multilayer system: agents, gateway layers, server,
// storage, ledger, analytics, remote management), examples/phdctl (20601 decode/encode,
// manager, agent; BLE watch; OMA DM tools and package 0 notifications) and examples/svmwindow (the sliding-window SVM
// experiment).
//
// # Quick start
//
//	go run ./examples/fullsystem   # the published four-layer system, 30 seconds
//	go test ./...                  # every package's tests
package phdkit
