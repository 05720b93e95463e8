package filestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/internal/tree"
	"golang.org/x/mod/sumdb/note"
)

// ErrLocked means another Store holds the directory.
var ErrLocked = errors.New("ledger: store directory locked by another process")

// DefaultMaxBatch is the default Config.MaxBatch.
const DefaultMaxBatch = 1 << 16

// Config configures a Store. The zero value works.
type Config struct {
	// Origin is the checkpoint origin line. Default "phdkit.local/ledger".
	Origin string
	// Signer signs checkpoints. Default: a fresh Ed25519 key for this
	// Open, whose verifier Store.LogKey returns. Set it for a log whose
	// identity outlives the process.
	Signer note.Signer
	// Now returns the time recorded in blocks. Default time.Now.
	Now func() time.Time
	// MaxBatch caps the entries of one AppendBatch and of one group
	// commit. Default DefaultMaxBatch.
	MaxBatch int
	// FastOpen skips recomputing the stored nodes below the last
	// checkpoint on Open; only that checkpoint's root is checked against
	// them. Nodes above it are always rebuilt from the entry log.
	FastOpen bool
	// Logf, if set, receives the recovery report on Open.
	Logf func(format string, args ...any)
}

// Recovery reports what Open found and repaired.
type Recovery struct {
	Entries        uint64 // durable entries after recovery
	TornEntries    int64  // bytes of torn records cleared from the entry log's tail
	TornBlocks     int64  // bytes cut from the block log's tail
	RebuiltNodes   uint64 // leaves whose nodes were recomputed from the entry log
	VerifiedLeaves uint64 // leaves whose stored nodes were recomputed and matched
	Blocks         uint64 // blocks in the history
}

// String is the one-line recovery report Open passes to Config.Logf.
func (r Recovery) String() string {
	return fmt.Sprintf("%d entries, %d blocks; cut %d torn bytes from %s and %d from %s; verified %d leaves, rebuilt nodes of %d",
		r.Entries, r.Blocks, r.TornEntries, EntriesFile, r.TornBlocks, BlocksFile, r.VerifiedLeaves, r.RebuiltNodes)
}

// Store is the durable, crash-safe file ledger. It implements
// ledger.Ledger; all methods are safe for concurrent use.
type Store struct {
	dir      string
	origin   string
	signer   note.Signer
	logKey   note.Verifier
	now      func() time.Time
	maxBatch int
	recovery Recovery

	entries, nodes, blocks *os.File

	size      atomic.Uint64 // durable, integrated entries; readers may use [0, size)
	groups    atomic.Uint64 // group commits since Open
	syncNanos atomic.Uint64 // time spent in entry-log fsyncs since Open

	reqs   chan *request
	quit   chan struct{}
	exited chan struct{}
	fail   atomic.Pointer[error] // set when a write or sync failed

	closeOnce sync.Once
	closed    atomic.Bool
	files     sync.RWMutex // readers hold it shared; Close takes it to close the files

	bmu       sync.Mutex // guards the block log and the fields below
	blockOffs []int64    // offset of each block record
	blockEnd  int64
	last      *ledger.Block
}

var _ ledger.Ledger = (*Store)(nil)

// Open opens the store in dir, creating it if needed, and recovers it to
// its last durable state: torn tails are cut (and reported through
// Recovery and Config.Logf), nodes above the last checkpoint are rebuilt
// from the entry log, and every block is checked against the tree.
// Damage that is not a torn tail fails with a *CorruptError.
func Open(dir string, cfg Config) (*Store, error) {
	origin, signer, logKey, err := tree.Keys(cfg.Origin, cfg.Signer)
	if err != nil {
		return nil, err
	}
	s := &Store{
		dir: dir, origin: origin, signer: signer, logKey: logKey, now: cfg.Now, maxBatch: cfg.MaxBatch,
		reqs: make(chan *request, 1024), quit: make(chan struct{}), exited: make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBatch <= 0 {
		s.maxBatch = DefaultMaxBatch
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ledger: store directory: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			s.closeFiles()
		}
	}()
	if s.entries, err = openFile(dir, EntriesFile, magicEntries, true); err != nil {
		return nil, err
	}
	if err := lock(s.entries); err != nil {
		return nil, err
	}
	// A short header on the other files is a cut-short creation only while
	// the entry log is still empty.
	fresh := false
	if st, err := s.entries.Stat(); err == nil && st.Size() <= headerLen {
		fresh = true
	}
	if s.nodes, err = openFile(dir, NodesFile, magicNodes, fresh); err != nil {
		return nil, err
	}
	if s.blocks, err = openFile(dir, BlocksFile, magicBlocks, fresh); err != nil {
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	w, err := s.recover(cfg.FastOpen)
	if err != nil {
		return nil, err
	}
	if cfg.Logf != nil {
		cfg.Logf("ledger: opened %s: %v", dir, s.recovery)
	}
	ok = true
	go s.writeLoop(w)
	return s, nil
}

// openFile opens or creates a store file. A file shorter than its header
// whose bytes are a prefix of the header is (re)initialised when
// mayCreate is set, and reported as corrupt otherwise.
func openFile(dir, name string, magic [8]byte, mayCreate bool) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("ledger: opening store: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("ledger: opening store: %w", err)
	}
	var h [headerLen]byte
	n, _ := f.ReadAt(h[:], 0)
	if st.Size() == 0 || mayCreate && st.Size() < headerLen && bytes.HasPrefix(header(magic), h[:n]) {
		// New, or a crash cut the creation of this file short.
		if _, err := f.WriteAt(header(magic), 0); err != nil {
			f.Close()
			return nil, fmt.Errorf("ledger: writing %s header: %w", name, err)
		}
		if err := datasync(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("ledger: syncing %s: %w", name, err)
		}
		return f, nil
	}
	if err := checkHeader(name, h[:n], magic); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ledger: syncing store directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("ledger: syncing store directory: %w", err)
	}
	return nil
}

// LogKey returns the verifier of the generated checkpoint key, or nil when
// Config.Signer was set.
func (s *Store) LogKey() note.Verifier { return s.logKey }

// Origin returns the checkpoint origin line.
func (s *Store) Origin() string { return s.origin }

// Recovery returns what Open found and repaired.
func (s *Store) Recovery() Recovery { return s.recovery }

// Stats are counters since Open.
type Stats struct {
	Entries  uint64        // durable entries (Size)
	Groups   uint64        // group commits, one entry-log fsync each
	SyncTime time.Duration // total time in those fsyncs
}

// Stats returns counters since Open.
func (s *Store) Stats() Stats {
	return Stats{Entries: s.size.Load(), Groups: s.groups.Load(), SyncTime: time.Duration(s.syncNanos.Load())}
}

// Size returns the number of durable entries.
func (s *Store) Size() uint64 { return s.size.Load() }

func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return ledger.ErrClosed
	}
	if p := s.fail.Load(); p != nil {
		return *p
	}
	return ctx.Err()
}

// Append implements ledger.Ledger. Concurrent appends share one fsync.
func (s *Store) Append(ctx context.Context, entry ledger.Hash) (uint64, error) {
	r := getRequest()
	r.one[0] = entry
	r.entries, r.indices = r.one[:], r.oneIdx[:]
	if err := s.submit(ctx, r); err != nil {
		return 0, err
	}
	idx := r.oneIdx[0]
	putRequest(r)
	return idx, nil
}

// AppendBatch implements ledger.Ledger; the indices are consecutive.
// A batch may hold at most Config.MaxBatch entries.
func (s *Store) AppendBatch(ctx context.Context, entries []ledger.Hash, indices []uint64) error {
	if len(entries) != len(indices) {
		return fmt.Errorf("%w: %d entries, %d indices", ledger.ErrBatchSize, len(entries), len(indices))
	}
	if len(entries) > s.maxBatch {
		return fmt.Errorf("%w: %d entries, limit %d", ledger.ErrBatchSize, len(entries), s.maxBatch)
	}
	if len(entries) == 0 {
		return s.check(ctx)
	}
	r := getRequest()
	r.entries, r.indices = entries, indices
	if err := s.submit(ctx, r); err != nil {
		return err
	}
	r.entries, r.indices = nil, nil
	putRequest(r)
	return nil
}

// submit hands r to the writer and waits for its group commit. ctx is
// honoured until the writer has the request; from then on the call waits
// for the commit, which takes at most one fsync.
func (s *Store) submit(ctx context.Context, r *request) error {
	if err := s.check(ctx); err != nil {
		putRequest(r)
		return err
	}
	select {
	case s.reqs <- r:
	case <-s.quit:
		putRequest(r)
		return ledger.ErrClosed
	case <-ctx.Done():
		putRequest(r)
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		if err != nil {
			putRequest(r)
		}
		return err
	case <-s.exited:
		select {
		case err := <-r.done:
			if err != nil {
				putRequest(r)
			}
			return err
		default:
			// Queued after the writer's last look at the queue: never
			// written. r stays in the dead queue.
			return ledger.ErrClosed
		}
	}
}

// rlock holds the files open for a reader.
func (s *Store) rlock(ctx context.Context) error {
	s.files.RLock()
	if err := s.check(ctx); err != nil {
		s.files.RUnlock()
		return err
	}
	return nil
}

// node reads stored nodes for proofs.
type nodeReader struct{ f *os.File }

func (n nodeReader) Node(level uint, index uint64) (ledger.Hash, error) {
	var h ledger.Hash
	off := headerLen + int64(tree.PostOrder(level, index))*ledger.HashSize
	if _, err := n.f.ReadAt(h[:], off); err != nil {
		return h, &CorruptError{File: NodesFile, Offset: off, Field: fmt.Sprintf("node (%d, %d)", level, index), Err: err}
	}
	return h, nil
}

// Checkpoint implements ledger.Ledger: it commits a new block when entries
// were appended since the last one (or there is none yet). The nodes it
// covers are synced before its record is written, and the record is
// synced before it is returned.
func (s *Store) Checkpoint(ctx context.Context) (ledger.SignedCheckpoint, error) {
	if err := s.rlock(ctx); err != nil {
		return ledger.SignedCheckpoint{}, err
	}
	defer s.files.RUnlock()
	s.bmu.Lock()
	defer s.bmu.Unlock()
	size := s.size.Load()
	if s.last != nil && s.last.Size == size {
		return tree.Signed(s.origin, *s.last), nil
	}
	root, err := tree.Root(nodeReader{s.nodes}, size)
	if err != nil {
		return ledger.SignedCheckpoint{}, err
	}
	height := uint64(len(s.blockOffs))
	b, err := tree.NewBlock(s.origin, s.signer, height, size, root, s.now())
	if err != nil {
		return ledger.SignedCheckpoint{}, err
	}
	if err := datasync(s.nodes); err != nil {
		return ledger.SignedCheckpoint{}, s.failed(fmt.Errorf("ledger: syncing %s: %w", NodesFile, err))
	}
	rec, err := appendBlockRecord(nil, &b)
	if err != nil {
		return ledger.SignedCheckpoint{}, err
	}
	if _, err := s.blocks.WriteAt(rec, s.blockEnd); err != nil {
		return ledger.SignedCheckpoint{}, s.failed(fmt.Errorf("ledger: writing %s: %w", BlocksFile, err))
	}
	if err := datasync(s.blocks); err != nil {
		return ledger.SignedCheckpoint{}, s.failed(fmt.Errorf("ledger: syncing %s: %w", BlocksFile, err))
	}
	s.blockOffs = append(s.blockOffs, s.blockEnd)
	s.blockEnd += int64(len(rec))
	s.last = &b
	return tree.Signed(s.origin, b), nil
}

// failed records a write error: the store refuses further work until it is
// reopened, since the files may hold a partial write.
func (s *Store) failed(err error) error {
	err = fmt.Errorf("%w (reopen the store to recover)", err)
	s.fail.CompareAndSwap(nil, &err)
	return err
}

// InclusionProof implements ledger.Ledger. Any size up to Size() is
// accepted.
func (s *Store) InclusionProof(ctx context.Context, index, size uint64) (ledger.InclusionProof, error) {
	if err := s.rlock(ctx); err != nil {
		return ledger.InclusionProof{}, err
	}
	defer s.files.RUnlock()
	if n := s.size.Load(); size > n {
		return ledger.InclusionProof{}, fmt.Errorf("%w: size %d, ledger has %d entries", ledger.ErrSizeRange, size, n)
	}
	hs, err := tree.Inclusion(nodeReader{s.nodes}, index, size)
	if err != nil {
		return ledger.InclusionProof{}, err
	}
	return ledger.InclusionProof{Index: index, Size: size, Hashes: hs}, nil
}

// ConsistencyProof implements ledger.Ledger.
func (s *Store) ConsistencyProof(ctx context.Context, from, to uint64) (ledger.ConsistencyProof, error) {
	if err := s.rlock(ctx); err != nil {
		return ledger.ConsistencyProof{}, err
	}
	defer s.files.RUnlock()
	if n := s.size.Load(); to > n {
		return ledger.ConsistencyProof{}, fmt.Errorf("%w: size %d, ledger has %d entries", ledger.ErrSizeRange, to, n)
	}
	hs, err := tree.Consistency(nodeReader{s.nodes}, from, to)
	if err != nil {
		return ledger.ConsistencyProof{}, err
	}
	return ledger.ConsistencyProof{From: from, To: to, Hashes: hs}, nil
}

// Entry implements ledger.Ledger. The record's checksum is verified.
func (s *Store) Entry(ctx context.Context, index uint64) (ledger.Hash, error) {
	if err := s.rlock(ctx); err != nil {
		return ledger.Hash{}, err
	}
	defer s.files.RUnlock()
	if n := s.size.Load(); index >= n {
		return ledger.Hash{}, fmt.Errorf("%w: index %d, ledger has %d entries", ledger.ErrIndexRange, index, n)
	}
	var rec [entryRecLen]byte
	off := headerLen + int64(index)*entryRecLen
	if _, err := s.entries.ReadAt(rec[:], off); err != nil {
		return ledger.Hash{}, &CorruptError{File: EntriesFile, Offset: off, Field: "entry record", Err: err}
	}
	e, _, ok := decodeEntryRecord(new(crcScratch), index, rec[:])
	if !ok {
		return ledger.Hash{}, &CorruptError{File: EntriesFile, Offset: off, Field: "entry record", Err: errors.New("checksum mismatch")}
	}
	return e, nil
}

// Blocks implements ledger.Ledger.
func (s *Store) Blocks(ctx context.Context, from uint64, max int, dst []ledger.Block) ([]ledger.Block, error) {
	if err := s.rlock(ctx); err != nil {
		return dst, err
	}
	defer s.files.RUnlock()
	s.bmu.Lock()
	defer s.bmu.Unlock()
	for h := from; h < uint64(len(s.blockOffs)) && max > 0; h, max = h+1, max-1 {
		off := s.blockOffs[h]
		var hdr [blockRecHeader]byte
		if _, err := s.blocks.ReadAt(hdr[:], off); err != nil {
			return dst, &CorruptError{File: BlocksFile, Offset: off, Field: "block record", Err: err}
		}
		n := int(binary.BigEndian.Uint32(hdr[:]))
		if n > blockFixed+maxBlockNote {
			return dst, &CorruptError{File: BlocksFile, Offset: off, Field: "block record", Err: ledger.ErrMalformed}
		}
		rec := make([]byte, blockRecHeader+n)
		if _, err := s.blocks.ReadAt(rec, off); err != nil {
			return dst, &CorruptError{File: BlocksFile, Offset: off, Field: "block record", Err: err}
		}
		b, _, err := decodeBlockRecord(rec)
		if err != nil {
			return dst, &CorruptError{File: BlocksFile, Offset: off, Field: "block record", Err: err}
		}
		dst = append(dst, b)
	}
	return dst, nil
}

// Close implements ledger.Ledger: it fails queued appends that the writer
// has not taken with ErrClosed, waits for the writer, syncs the files, cuts
// the entry log's preallocated tail and closes them.
func (s *Store) Close() error {
	err := ledger.ErrClosed
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.quit)
		<-s.exited
		s.files.Lock()
		defer s.files.Unlock()
		s.bmu.Lock()
		defer s.bmu.Unlock()
		err = nil
		if s.fail.Load() == nil {
			if e := datasync(s.nodes); e != nil {
				err = fmt.Errorf("ledger: syncing %s: %w", NodesFile, e)
			}
			// Give back the preallocated tail of the entry log.
			if e := truncate(s.entries, EntriesFile, headerLen+int64(s.size.Load())*entryRecLen); e != nil && err == nil {
				err = e
			}
		}
		if e := s.closeFiles(); e != nil && err == nil {
			err = e
		}
	})
	return err
}

func (s *Store) closeFiles() error {
	var err error
	for _, f := range []*os.File{s.entries, s.nodes, s.blocks} {
		if f != nil {
			if e := f.Close(); e != nil && err == nil {
				err = fmt.Errorf("ledger: closing store: %w", e)
			}
		}
	}
	return err
}
