// Package filestore is the durable, crash-safe file ledger: an
// append-only entry log plus Merkle node storage in one directory, with
// group commit so that concurrent appends share one fsync.
//
//	st, err := filestore.Open("/var/lib/phd/ledger", filestore.Config{
//		Origin: "hospital.example/records",
//		Signer: signer,
//		Logf:   log.Printf, // the recovery report
//	})
//	defer st.Close()
//	idx, err := st.Append(ctx, entry) // returns after the fsync covering it
//
// # Files
//
//   - entries.log: fixed 40-byte records (entry, flags, CRC-32C over the
//     index, entry and flags). The first record of each group commit is
//     flagged. It is the source of truth and the only file synced on the
//     append path. It is preallocated with zeros ahead of the appends (as
//     much again as it holds, from 1 MiB up to 64 MiB at a time), so that
//     an append overwrites zeros in place and the file size stays put: the
//     fdatasync that acknowledges a group then flushes data blocks only,
//     not the inode. The first record that is not valid is the end of the
//     log; an all-zero record is never an entry. Close cuts the
//     preallocated tail.
//   - nodes.dat: every perfect-subtree node hash in post-order, so that
//     node (level, index) has a computable offset and proofs for any tree
//     size read at most 2·log2(size) hashes. Written with each group,
//     synced only before a checkpoint is recorded: Open rebuilds the nodes
//     above the last checkpoint from the entry log.
//   - blocks.log: one CRC-framed record per checkpoint (height, size,
//     root, time, signed note): the block history.
//
// # Crash safety
//
// An append is acknowledged only after the fsync of the entry log that
// covers it. Open recovers to the last durable state after a crash at any
// moment (including SIGKILL mid-write, which the tests do 20 times per run
// with a child process). Zeros after the last valid entry record are the
// preallocated tail and are kept. Anything else there is a torn tail when
// no later record starts a new group commit, since only the last group can
// be unsynced; it is overwritten with zeros, so that records of a lost
// group cannot reappear once shorter groups are written over its start. A
// torn last block record is cut. Nodes above the last checkpoint are
// rebuilt from the entry log; nodes below it are recomputed and compared
// (Config.FastOpen checks only the checkpoint's root); every block's root
// is checked against the tree.
// What was cut is reported in Recovery and through Config.Logf. Damage
// that cannot be a torn tail fails Open with a *CorruptError naming the
// file, offset and field. The directory is locked (flock) so that only one
// Store uses it.
//
// # Concurrency
//
// All methods are safe for concurrent use. One goroutine, started by Open
// and stopped by Close, owns the tail of the files: it gathers the appends
// queued while the previous fsync ran, writes them as one group, syncs
// once and answers them all. Readers use positional reads and see only
// durable entries. Append and AppendBatch do not allocate in steady state.
// Close fails appends still queued with ledger.ErrClosed and waits for the
// writer.
package filestore
