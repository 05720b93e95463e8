// Package queue is a durable FIFO queue of byte strings for the gateways of the full system:
// what a gateway has confirmed to the layer below waits here until the layer above has
// acknowledged it.
//
//	q, err := queue.Open(dir, queue.Config{})
//	seq, err := q.Append(ctx, msg)         // returns once msg is on disk (fsync)
//	entries, err := q.Next(ctx, after, 100, 1<<20)
//	err = q.Ack(entries[len(entries)-1].Seq) // the layer above has it: drop it here
//
// # Durability
//
// Entries go to append-only segment files. Appends from concurrent callers are gathered
// and written together with one fsync (group commit); Append returns only after the fsync
// that covers its entry. Ack records the acknowledged sequence number in a small head file,
// replaced by atomic rename, and deletes segments that hold only acknowledged entries.
//
// A segment record is
//
//	| length u32 | CRC-32C of seq and data u32 | seq u64 | data (length bytes) |
//
// all big-endian. Open replays the segments after a crash at any moment (kill -9): a torn or
// unwritten record at the end of the last segment is cut off and reported in Recovered; a
// damaged record anywhere else is corruption and fails Open with ErrCorrupt, never silently
// dropping entries. Entries an Ack had acknowledged before a crash may be handed out again
// when the head file's rename had not reached the disk: receivers must de-duplicate (the
// full system's server does, by origin and sequence number).
//
// # Backpressure
//
// Unacknowledged entries are kept in memory for Next. When Config.MaxPending entries or
// Config.MaxPendingBytes bytes are waiting, Append blocks until Ack makes room or its context
// ends: a slow upper layer slows the lower one instead of dropping anything.
//
// # Concurrency
//
// A Queue is safe for use by many goroutines. One goroutine, started by Open, owns the
// segment files and does all writing.
package queue

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Sentinel errors.
var (
	// ErrClosed means the queue was closed.
	ErrClosed = errors.New("queue: closed")
	// ErrCorrupt means a segment holds a damaged record that is not a torn tail.
	ErrCorrupt = errors.New("queue: corrupt segment")
	// ErrTooLarge means an entry is larger than Config.MaxEntry.
	ErrTooLarge = errors.New("queue: entry too large")
)

const (
	headerLen   = 16
	segSuffix   = ".seg"
	headFile    = "head"
	defaultSeg  = 64 << 20
	defaultMax  = 1 << 20
	defaultMaxB = 256 << 20
	defaultEnt  = 16 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Config configures a Queue. The zero value works.
type Config struct {
	// SegmentSize is the size past which a new segment file is started. Default 64 MiB.
	SegmentSize int64
	// MaxPending and MaxPendingBytes bound the unacknowledged entries; Append blocks past
	// them. Defaults 1,048,576 entries and 256 MiB.
	MaxPending      int
	MaxPendingBytes int64
	// MaxEntry is the largest entry accepted. Default 16 MiB.
	MaxEntry int
	// NoSync skips fsync: for tests and benchmarks of everything but durability.
	NoSync bool
}

// Entry is one queued byte string and its sequence number (1, 2, 3, ... for the life of the
// queue's directory).
type Entry struct {
	Seq  uint64
	Data []byte
}

// Recovery says what Open found.
type Recovery struct {
	Entries   int   // unacknowledged entries loaded
	TornBytes int64 // bytes cut off the end of the last segment
}

// Queue is a durable FIFO queue; see the package documentation.
type Queue struct {
	dir string
	cfg Config

	// Recovered says what Open found on disk.
	Recovered Recovery

	mu      sync.Mutex
	cond    *sync.Cond // signalled when entries are added, acknowledged, or the queue closes
	pending []Entry    // unacknowledged entries, in order
	pbytes  int64
	head    uint64 // highest acknowledged sequence number
	next    uint64 // sequence number of the next append
	closed  bool

	reqs       chan *appendReq
	done       chan struct{} // closed by Close
	writerExit chan struct{} // closed when the writer has returned

	// Owned by the writer goroutine.
	seg     *os.File
	segSize int64
	segs    []uint64 // first sequence number of each segment file, ascending
}

type appendReq struct {
	data [][]byte
	seq  uint64 // first sequence number, set by the writer
	err  chan error
}

// Open opens or creates the queue in dir.
func Open(dir string, cfg Config) (*Queue, error) {
	if cfg.SegmentSize <= 0 {
		cfg.SegmentSize = defaultSeg
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = defaultMax
	}
	if cfg.MaxPendingBytes <= 0 {
		cfg.MaxPendingBytes = defaultMaxB
	}
	if cfg.MaxEntry <= 0 {
		cfg.MaxEntry = defaultEnt
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	q := &Queue{dir: dir, cfg: cfg, reqs: make(chan *appendReq, 1024), done: make(chan struct{}),
		writerExit: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	if err := q.load(); err != nil {
		if q.seg != nil {
			q.seg.Close()
		}
		return nil, err
	}
	go q.writer()
	return q, nil
}

// load reads the head file and replays the segments.
func (q *Queue) load() error {
	if b, err := os.ReadFile(filepath.Join(q.dir, headFile)); err == nil {
		h, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return fmt.Errorf("%w: head file %q", ErrCorrupt, b)
		}
		q.head = h
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("queue: reading head: %w", err)
	}
	names, err := os.ReadDir(q.dir)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	for _, n := range names {
		base, ok := strings.CutSuffix(n.Name(), segSuffix)
		if !ok {
			continue
		}
		first, err := strconv.ParseUint(base, 10, 64)
		if err != nil {
			continue
		}
		q.segs = append(q.segs, first)
	}
	slices.Sort(q.segs)
	q.next = q.head + 1
	for i, first := range q.segs {
		last := i == len(q.segs)-1
		if err := q.replay(first, last); err != nil {
			return err
		}
	}
	if q.next <= q.head {
		q.next = q.head + 1
	}
	q.Recovered.Entries = len(q.pending)
	if len(q.segs) > 0 {
		f, err := os.OpenFile(q.segPath(q.segs[len(q.segs)-1]), os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return fmt.Errorf("queue: %w", err)
		}
		q.seg, q.segSize = f, st.Size()
	}
	return nil
}

func (q *Queue) segPath(first uint64) string {
	return filepath.Join(q.dir, fmt.Sprintf("%020d%s", first, segSuffix))
}

// replay reads one segment; only the last one may end in a torn record, which is cut off.
func (q *Queue) replay(first uint64, last bool) error {
	path := q.segPath(first)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	off := 0
	for off < len(b) {
		seq, data, n, ok := decodeRecord(b[off:], q.cfg.MaxEntry)
		if ok && seq != q.next && len(q.pending) == 0 && seq > q.head {
			// The first live entry: everything before it was acknowledged and deleted.
			q.next = seq
		}
		if !ok || (seq != q.next && seq > q.head) {
			if !last {
				return fmt.Errorf("%w: %s at offset %d", ErrCorrupt, filepath.Base(path), off)
			}
			// A torn tail: cut it off so appends continue after the last whole record.
			q.Recovered.TornBytes = int64(len(b) - off)
			if err := os.Truncate(path, int64(off)); err != nil {
				return fmt.Errorf("queue: truncating torn tail: %w", err)
			}
			return nil
		}
		if seq > q.head {
			q.pending = append(q.pending, Entry{Seq: seq, Data: data})
			q.pbytes += int64(len(data))
			q.next = seq + 1
		} else if seq >= q.next {
			q.next = seq + 1
		}
		off += n
	}
	return nil
}

// decodeRecord reads one record from b; ok is false for a torn or damaged record.
func decodeRecord(b []byte, maxEntry int) (seq uint64, data []byte, n int, ok bool) {
	if len(b) < headerLen {
		return 0, nil, 0, false
	}
	length := binary.BigEndian.Uint32(b)
	if int64(length) > int64(maxEntry) || int(length) > len(b)-headerLen {
		return 0, nil, 0, false
	}
	sum := binary.BigEndian.Uint32(b[4:])
	if crc32.Checksum(b[8:headerLen+int(length)], castagnoli) != sum {
		return 0, nil, 0, false
	}
	seq = binary.BigEndian.Uint64(b[8:])
	return seq, b[headerLen : headerLen+int(length) : headerLen+int(length)], headerLen + int(length), true
}

func appendRecord(b []byte, seq uint64, data []byte) []byte {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint64(b, seq)
	b = append(b, data...)
	binary.BigEndian.PutUint32(b[start+4:], crc32.Checksum(b[start+8:], castagnoli))
	return b
}

// Append adds data to the queue and returns its sequence number once it is on disk. The
// queue keeps its own copy of data.
func (q *Queue) Append(ctx context.Context, data []byte) (uint64, error) {
	return q.AppendBatch(ctx, [][]byte{data})
}

// AppendBatch adds several entries at once, in order, and returns the first one's sequence
// number once all are on disk.
func (q *Queue) AppendBatch(ctx context.Context, data [][]byte) (uint64, error) {
	var size int64
	for _, d := range data {
		if len(d) > q.cfg.MaxEntry {
			return 0, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(d), q.cfg.MaxEntry)
		}
		size += int64(len(d))
	}
	if err := q.waitRoom(ctx, len(data), size); err != nil {
		return 0, err
	}
	req := &appendReq{data: data, err: make(chan error, 1)}
	select {
	case q.reqs <- req:
	case <-q.done:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	// Once handed to the writer the entry is written whatever ctx does: wait for the fsync.
	select {
	case err := <-req.err:
		if err != nil {
			return 0, err
		}
		return req.seq, nil
	case <-q.writerExit:
		select {
		case err := <-req.err: // written just before the writer stopped
			if err != nil {
				return 0, err
			}
			return req.seq, nil
		default:
			return 0, ErrClosed
		}
	}
}

// waitRoom blocks while the pending limits are reached.
func (q *Queue) waitRoom(ctx context.Context, n int, size int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	full := func() bool {
		return len(q.pending) > 0 && (len(q.pending)+n > q.cfg.MaxPending || q.pbytes+size > q.cfg.MaxPendingBytes)
	}
	if !full() {
		return nil
	}
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	for full() && !q.closed && ctx.Err() == nil {
		q.cond.Wait()
	}
	if q.closed {
		return ErrClosed
	}
	return ctx.Err()
}

// writer owns the segment files: it gathers waiting appends, writes them and syncs once.
func (q *Queue) writer() {
	defer close(q.writerExit)
	var buf []byte
	for {
		var req *appendReq
		select {
		case req = <-q.reqs:
		case <-q.done:
			return
		}
		batch := []*appendReq{req}
	gather:
		for len(batch) < 4096 {
			select {
			case r := <-q.reqs:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		q.mu.Lock()
		seq := q.next
		q.mu.Unlock()
		buf = buf[:0]
		var added []Entry
		var size int64
		for _, r := range batch {
			r.seq = seq
			for _, d := range r.data {
				buf = appendRecord(buf, seq, d)
				added = append(added, Entry{Seq: seq, Data: slices.Clone(d)})
				size += int64(len(d))
				seq++
			}
		}
		err := q.write(buf, added[0].Seq)
		if err == nil {
			q.mu.Lock()
			q.pending = append(q.pending, added...)
			q.pbytes += size
			q.next = seq
			q.cond.Broadcast()
			q.mu.Unlock()
		}
		for _, r := range batch {
			r.err <- err
		}
	}
}

// write appends buf to the current segment (starting a new one when it is full) and syncs.
func (q *Queue) write(buf []byte, first uint64) error {
	if q.seg == nil || q.segSize >= q.cfg.SegmentSize {
		if q.seg != nil {
			if err := q.seg.Close(); err != nil {
				return fmt.Errorf("queue: closing segment: %w", err)
			}
		}
		f, err := os.OpenFile(q.segPath(first), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("queue: new segment: %w", err)
		}
		q.seg, q.segSize = f, 0
		q.mu.Lock()
		q.segs = append(q.segs, first)
		q.mu.Unlock()
		if err := q.syncDir(); err != nil {
			return err
		}
	}
	n, err := q.seg.Write(buf)
	q.segSize += int64(n)
	if err != nil {
		return fmt.Errorf("queue: writing: %w", err)
	}
	if !q.cfg.NoSync {
		if err := q.seg.Sync(); err != nil {
			return fmt.Errorf("queue: fsync: %w", err)
		}
	}
	return nil
}

func (q *Queue) syncDir() error {
	if q.cfg.NoSync {
		return nil
	}
	d, err := os.Open(q.dir)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("queue: fsync of the directory: %w", err)
	}
	return nil
}

// Next returns up to max entries (and about maxBytes, at least one entry) with sequence
// numbers above after, waiting until there is one or ctx ends. The entries' Data must not be
// modified.
func (q *Queue) Next(ctx context.Context, after uint64, max int, maxBytes int) ([]Entry, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	for {
		if q.closed {
			return nil, ErrClosed
		}
		i, _ := slices.BinarySearchFunc(q.pending, after+1, func(e Entry, s uint64) int {
			switch {
			case e.Seq < s:
				return -1
			case e.Seq > s:
				return 1
			}
			return 0
		})
		if i < len(q.pending) {
			var out []Entry
			size := 0
			for _, e := range q.pending[i:] {
				if len(out) == max || (len(out) > 0 && size+len(e.Data) > maxBytes) {
					break
				}
				out = append(out, e)
				size += len(e.Data)
			}
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		q.cond.Wait()
	}
}

// Ack acknowledges every entry up to and including seq: it records the new head durably,
// frees the entries and deletes the segments that hold only acknowledged entries.
func (q *Queue) Ack(seq uint64) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if seq <= q.head {
		q.mu.Unlock()
		return nil
	}
	if seq >= q.next {
		q.mu.Unlock()
		return fmt.Errorf("queue: ack of %d beyond the last entry %d", seq, q.next-1)
	}
	q.head = seq
	i := 0
	for i < len(q.pending) && q.pending[i].Seq <= seq {
		q.pbytes -= int64(len(q.pending[i].Data))
		i++
	}
	clear(q.pending[:i])
	q.pending = q.pending[i:]
	// Segments whose successor starts at or below head+1 hold only acknowledged entries;
	// the last segment is the writer's and stays.
	var drop []uint64
	for len(q.segs) > 1 && q.segs[1] <= seq+1 {
		drop = append(drop, q.segs[0])
		q.segs = q.segs[1:]
	}
	q.cond.Broadcast()
	q.mu.Unlock()

	if err := q.writeHead(seq); err != nil {
		return err
	}
	for _, first := range drop {
		if err := os.Remove(q.segPath(first)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("queue: removing segment: %w", err)
		}
	}
	return nil
}

// writeHead replaces the head file by atomic rename.
func (q *Queue) writeHead(seq uint64) error {
	tmp := filepath.Join(q.dir, headFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("queue: writing head: %w", err)
	}
	_, err = io.WriteString(f, strconv.FormatUint(seq, 10)+"\n")
	if err == nil && !q.cfg.NoSync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(q.dir, headFile))
	}
	if err != nil {
		return fmt.Errorf("queue: writing head: %w", err)
	}
	return q.syncDir()
}

// Len returns the number of unacknowledged entries.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// Head returns the highest acknowledged sequence number (0 for none).
func (q *Queue) Head() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.head
}

// Close stops the writer once the appends it has taken are on disk and closes the files.
// Blocked calls, and appends not yet taken, return ErrClosed.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	close(q.done)
	<-q.writerExit
	if q.seg != nil {
		return q.seg.Close()
	}
	return nil
}
