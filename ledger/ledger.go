package ledger

import "context"

// Ledger is an append-only, verifiable log of entries.
//
// Every method takes a context; cancelling it abandons the wait but an
// append already handed to the sequencer may still be committed. All
// methods are safe for concurrent use. After Close every method returns
// ErrClosed.
type Ledger interface {
	// Append adds one entry and returns its index once it is sequenced
	// and durable (for a durable backend: on stable storage).
	Append(ctx context.Context, entry Hash) (uint64, error)

	// AppendBatch adds the entries and writes the index of entries[i] to
	// indices[i] once all are sequenced and durable. The two slices must
	// have the same length. A batch is all or nothing, but its indices
	// need not be consecutive.
	AppendBatch(ctx context.Context, entries []Hash, indices []uint64) error

	// Checkpoint returns the latest signed checkpoint. A backend that
	// commits checkpoints on demand signs a new one (a new Block) when
	// entries were sequenced since the last; a backend that publishes on
	// a schedule returns the last published one, so its Size may trail
	// the indices Append has returned.
	Checkpoint(ctx context.Context) (SignedCheckpoint, error)

	// InclusionProof returns the proof that entry index is in the tree of
	// size leaves. Requires index < size; every backend accepts sizes up
	// to its latest checkpoint's, and the backends in this module accept
	// any size up to the number of durable entries. Otherwise the error
	// matches ErrIndexRange or ErrSizeRange.
	InclusionProof(ctx context.Context, index, size uint64) (InclusionProof, error)

	// ConsistencyProof returns the proof that the tree of size from is a
	// prefix of the tree of size to. Requires from <= to, with the bound
	// on to of InclusionProof; otherwise the error matches ErrSizeRange.
	ConsistencyProof(ctx context.Context, from, to uint64) (ConsistencyProof, error)

	// Entry returns the entry at index. Requires index < the number of
	// durable entries.
	Entry(ctx context.Context, index uint64) (Hash, error)

	// Blocks appends to dst the blocks with heights from, from+1, ... up
	// to max of them, and returns dst.
	Blocks(ctx context.Context, from uint64, max int, dst []Block) ([]Block, error)

	// Close stops the backend, waits for its goroutines and releases its
	// resources. Appends in flight either complete or fail with ErrClosed.
	Close() error
}
