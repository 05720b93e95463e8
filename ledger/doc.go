// Package ledger is a tamper-evident, append-only ledger of health-record
// digests: an RFC 6962 (RFC 9162) Merkle tree with inclusion and
// consistency proofs and signed checkpoints in the C2SP signed-note format.
//
// No server is a single point of trust: a client that keeps the last
// checkpoint it verified can check, without access to the ledger's
// storage, that a record is in the ledger (an inclusion proof) and that the
// ledger only grew since (a consistency proof).
//
// # Usage
//
//	l, _ := memory.New(memory.Config{Origin: "hospital.example/records", Signer: signer})
//	entry, _ := envelope.Digest()             // 32 bytes; the record stays elsewhere
//	index, _ := l.Append(ctx, entry)          // returns once sequenced and durable
//	cp, _ := l.Checkpoint(ctx)                // signed: origin, size, root
//	p, _ := l.InclusionProof(ctx, index, cp.Size)
//	err := p.Verify(entry, cp.Root)           // plain function, no storage
//
//	v, _ := ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: logKey})
//	c, err := v.Update(newNote, consistencyProofFromTrustedSize)
//
//	// A witness cosigns; a client requires two of three witnesses.
//	w, _ := ledger.NewWitnessSigner(witnessSkey, nil) // nil clock: time.Now
//	cosigned, _ := ledger.Cosign(cp.Note, logKey, w)
//	k1, _ := ledger.NewWitnessKey(witnessVkey) // "<name>+<hex key ID>+base64(0x04 || key)"
//	v, _ = ledger.NewVerifier(ledger.VerifierConfig{Origin: origin, LogKey: logKey,
//		Witnesses: []*ledger.WitnessKey{k1, k2, k3}, WitnessQuorum: 2})
//	c, err = v.Update(cosigned, proof) // c.Cosignatures[i].Time(): when each witness signed
//
// # Pieces
//
//   - [Ledger] is the backend interface: Append, AppendBatch, Checkpoint,
//     InclusionProof, ConsistencyProof, Entry, Blocks, Close. Proofs always
//     name the tree size they are for. Backends: package memory (in memory)
//     and package filestore (durable, crash-safe files, the default); package
//     ledgertest is the conformance suite every backend runs.
//   - Hashing: [LeafHash], [EntryLeafHash], [NodeHash] and [Hasher] compute
//     RFC 6962 hashes without allocating (the stock hasher of
//     github.com/transparency-dev/merkle allocates each result);
//     [LogHasher] adapts to that module's interface. Proof node selection
//     comes from that module's proof package.
//   - Verification: [VerifyInclusion], [VerifyConsistency] and
//     [RootFromInclusionProof] follow RFC 9162 §2.1.3.2 and §2.1.4.2, need
//     no storage and do not allocate. [InclusionProof] and
//     [ConsistencyProof] have a compact binary encoding.
//   - Checkpoints: [Checkpoint] is the C2SP tlog-checkpoint body (origin
//     line, size, base64 root, extension lines); [SignCheckpoint] signs it
//     with golang.org/x/mod/sumdb/note (Ed25519); [Verifier] checks the log
//     signature, the origin, a witness quorum and consistency with the last
//     trusted checkpoint, and returns a [VerifiedCheckpoint].
//   - Witnesses: a witness cosignature is a C2SP tlog-cosignature Ed25519
//     signature (cosignature/v1, signature type 0x04), not a plain note
//     signature. Its line is "— <name> base64(key ID || timestamp ||
//     signature)": the key ID is the first 4 bytes of SHA-256(name || "\n"
//     || 0x04 || public key), the timestamp 8 bytes big-endian POSIX
//     seconds (at most 2^63-1), and the Ed25519 signature is over
//     "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint body.
//     [GenerateWitnessKey] makes a key pair; [NewWitnessSigner] signs at an
//     injected clock and [Cosign] adds its line to a signed checkpoint;
//     [NewWitnessKey] parses a vkey "<name>+<hex key ID>+base64(0x04 ||
//     public key)" into a [WitnessKey], which also serves as a note.Verifier;
//     [ParseCosignature] and [WitnessKey.VerifyCosignature] check one line
//     and say what is wrong. VerifierConfig.Witnesses takes only such keys:
//     a witness counts toward WitnessQuorum only for a cosignature/v1 line
//     with its name and key ID that verifies and is dated at most
//     CosignatureSkew (default 5 minutes) past the verifier's clock, and
//     VerifiedCheckpoint.Cosignatures reports the time each witness
//     attested. Plain Ed25519 note signatures by witnesses, which earlier
//     versions of this package made, are not accepted: their key ID
//     differs, so they are ignored like any unknown key. A line that has a
//     configured witness's name and key ID but does not verify fails the
//     whole note (ErrCosignatureInvalid). The ML-DSA-44 cosignature type
//     (0x06) is not supported. The Ed25519 cosigned message does not
//     include the witness name, so a witness key must not be shared by
//     two witnesses.
//   - Entries: an entry is the SHA-256 digest of an [Envelope] (schema
//     version, record id, content hash, random salt of at least 128 bits,
//     submitter, time), never the record. Records and salts live in the
//     application's store, so a record can be erased while the ledger stays
//     verifiable, and a digest reveals nothing about a record without its
//     salt.
//   - Blocks: a [Block] is the set of entries committed by one checkpoint;
//     Ledger.Blocks returns the history of (height, size, root, time).
//
// # Threat model
//
// The ledger operator, or whoever compromises its server or storage, is
// the adversary. Clients and auditors hold the log's public key, the origin
// and the last checkpoint they verified.
//
//   - Altering, removing or reordering an entry covered by a checkpoint a
//     client holds changes the root: every later checkpoint then fails that
//     client's consistency check (ErrInconsistent), and inclusion proofs for
//     altered entries fail (ErrRootMismatch). Truncation is refused as
//     rollback (ErrRollback).
//   - Showing different histories to different clients (a split view)
//     needs the log key and is caught when clients or witnesses compare
//     checkpoints; with VerifierConfig.WitnessQuorum, a client accepts only
//     checkpoints that independent witnesses cosigned, and witnesses refuse
//     to cosign inconsistent ones. A cosignature's timestamp is the
//     witness's claim; the verifier only bounds it from above.
//   - Confirming a guessed record from its entry needs the salt (at least
//     128 random bits), which never enters the ledger.
//   - Not covered: availability (the operator can stop serving or delete
//     everything; the file store protects against crashes, not against
//     deliberate deletion); the time in a Block and in an Envelope is
//     asserted, not proven; a client's first checkpoint is trusted on first
//     use unless configured; a stolen log key lets its holder sign a fork,
//     which only witnesses or gossip reveal. The file store's checksums
//     catch accidental corruption; deliberate rewriting of its files is
//     caught by clients through the signed checkpoints, not by the store.
//
// # A backend on Tessera
//
// The interface is shaped so that a backend on Tessera (its POSIX, AWS or
// GCP drivers) can be added as another subpackage without changing callers:
// Append maps to Tessera's Add, whose future yields the index once the
// entry is sequenced (Tessera hashes entries as RFC 6962 leaves, as this
// package does, so roots and proofs agree); AppendBatch fills a
// caller-owned indices slice because Tessera does not promise consecutive
// indices to concurrent adds; Checkpoint may return the last published
// checkpoint, whose size may trail the returned indices, which the
// interface allows; the two proof methods build proofs from the log's
// tiles (Tessera's client proof builder); Entry reads an entry bundle; and
// Blocks reports the checkpoints the backend has published, which it keeps
// in a table of its own since Tessera keeps only the latest.
//
// # Measured figures
//
// Medians of five runs on a shared 2-core machine under heavy load (load
// average 15 to 28). CPU figures are process CPU time per operation, which
// the load disturbs far less than the wall clock.
//
//	BenchmarkAppendRoot1M        269 ms CPU  (1,000,000 entries appended in memory, then the root)
//	BenchmarkSHA256Baseline1M    217 ms CPU  (the same 1,999,999 hashes, nothing stored): ratio 1.24
//	BenchmarkInclusionProof      7.0 µs CPU to generate and verify at 1M leaves; 2.9 µs to verify
//	BenchmarkConsistencyProof    7.3 µs CPU to generate and verify at 1M leaves; 4.5 µs to verify
//	BenchmarkDurableAppend       1 writer: 3,312/s; 16 writers: 48,250/s (14.9 per fsync);
//	                             256 writers: 315,100/s (140 per fsync)
//
// The durable figures are bound by the latency of the fdatasync that
// acknowledges each group; with 16 writers the group commit puts nearly
// all 16 appends into each one. They come from a separate run (medians of
// six rounds, load average 7 to 8) in which an fdatasync took 0.26 ms on
// average with 16 writers, about as long as with one: the preallocated
// entry log keeps appends from changing the file size, so the sync
// flushes data only. Without the preallocation, in alternating rounds of
// the same run, it took 0.53 ms and 16 writers reached 25,990/s. Rounds
// whose fdatasync averaged 0.26 ms or less reached 51,900 to 74,500
// appends/s with 16 writers; under heavier load (load average 11 to 16)
// the median fell to 20,800/s (0.59 ms per fdatasync).
//
// # Buffers and concurrency
//
// Hashes are arrays and are copied. Unmarshal methods decode into the
// receiver, reuse its slice capacity and never alias their input.
// Verification functions, Verifier and WitnessKey are safe for concurrent
// use, and WitnessSigner is if its clock is. Every Ledger implementation
// here is safe for concurrent use, and Close waits for the goroutines a
// backend owns.
package ledger
