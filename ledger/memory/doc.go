// Package memory is an in-memory ledger.Ledger: every entry and every
// perfect-subtree node is kept in fixed-size chunks, so appends never copy
// and any historical tree size can be proven.
//
// It suits tests, caches and short-lived logs; nothing survives the
// process. Use package filestore for a durable ledger.
//
//	l, err := memory.New(memory.Config{Origin: "hospital.example/records", Signer: signer})
//	idx, err := l.Append(ctx, entry)
//	cp, err := l.Checkpoint(ctx) // commits a block when the tree grew
//
// # Concurrency
//
// All methods are safe for concurrent use: appends and checkpoints take a
// write lock, proofs and reads a read lock. The package starts no
// goroutines. Returned proofs and blocks are owned by the caller.
package memory
