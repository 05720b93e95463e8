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
//     nomenclature, FLOAT/SFLOAT, configurations, agent and manager.
//   - ieee11073/gatt: Bluetooth GATT health characteristics as 11073 observations.
//   - omadm: OMA DM 1.2 (SyncML DM) model, XML and WBXML codecs, management tree, client
//     and server sessions.
//   - bmsig: biomedical signatures (BM-signature), message authentication and encryption,
//     replay protection.
//   - fall: streaming fall detection from 3-axis acceleration.
//   - fusion: multi-signal risk staging, alarm routing and escalation.
//   - svm: pure-Go support vector machines, sliding windows, storage reduction.
//   - ledger: tamper-evident Merkle ledger with proofs and signed checkpoints.
//
// A package is listed here when it lands; the README's package table says which are
// available in this version.
//
// # Quick start
//
// Run the tests of every package:
//
//	go test ./...
package phdkit
