package filestore

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/internal/tree"
)

// request is one Append or AppendBatch waiting for its group commit.
type request struct {
	entries []ledger.Hash
	indices []uint64
	one     [1]ledger.Hash
	oneIdx  [1]uint64
	done    chan error // buffered; the writer sends exactly once
}

var reqPool = sync.Pool{New: func() any { return &request{done: make(chan error, 1)} }}

func getRequest() *request { return reqPool.Get().(*request) }

func putRequest(r *request) {
	r.entries, r.indices = nil, nil
	reqPool.Put(r)
}

// maxLinger bounds how long the writer waits for the writers it has just
// answered to come back before it starts the next group.
const maxLinger = 250 * time.Microsecond

// The entry log is preallocated with zeros ahead of the appends, so that
// an append overwrites data in place and the file size stays put: then
// the fdatasync that acknowledges a group flushes only data blocks, not
// the inode. Each extension is as large as the log already is, between
// minPrealloc and maxPrealloc, so a small store stays small and a large
// one extends rarely. The zeros are written, not only allocated: an
// allocated but unwritten extent would turn each append into a metadata
// change again.
const (
	minPrealloc = 1 << 20
	maxPrealloc = 64 << 20
	zeroBuf     = 64 << 10
)

// writer is the state owned by the write loop goroutine.
type writer struct {
	alloc    int64         // size of the entry log, with its zero-filled tail
	lastReqs int           // requests in the last group
	lastSync time.Duration // duration of the last fsync
	front    tree.Frontier
	batch    []*request
	next     *request // taken from the queue but left for the next group
	ebuf     []byte
	crc      crcScratch
	nbuf     []byte
	zeros    []byte // zeroBuf zeros for grow, made on first use
}

// writeLoop owns the tail of the files. It takes every request queued
// while the previous fsync ran, writes them as one group, syncs the entry
// log once, publishes the new size and answers them all.
func (s *Store) writeLoop(w *writer) {
	defer close(s.exited)
	for {
		s.linger(w)
		var first *request
		if w.next != nil {
			first, w.next = w.next, nil
		} else {
			select {
			case first = <-s.reqs:
			case <-s.quit:
				s.drain()
				return
			}
		}
		w.batch = append(w.batch[:0], first)
		n := len(first.entries)
	more:
		for n < s.maxBatch {
			select {
			case r := <-s.reqs:
				if n+len(r.entries) > s.maxBatch {
					w.next = r
					break more
				}
				w.batch = append(w.batch, r)
				n += len(r.entries)
			default:
				break more
			}
		}
		w.lastReqs = len(w.batch)
		s.commit(w)
		clear(w.batch)
	}
}

// linger lets the callers answered by the last group queue their next
// appends before the next group starts, so that a steady set of writers
// shares one fsync instead of splitting into cohorts that alternate. It
// waits until as many requests are queued as the last group held, for at
// most a quarter of the last fsync's duration (and maxLinger), yielding the
// processor to those callers meanwhile. A lone writer pays nothing: its
// next request arrives as soon as it runs.
func (s *Store) linger(w *writer) {
	if w.lastReqs <= 1 {
		return
	}
	want := min(w.lastReqs, cap(s.reqs))
	var deadline time.Time
	for len(s.reqs) < want {
		if deadline.IsZero() {
			deadline = time.Now().Add(min(w.lastSync/4, maxLinger))
		} else if time.Now().After(deadline) {
			return
		}
		runtime.Gosched()
	}
}

// drain fails every request still queued at Close.
func (s *Store) drain() {
	for {
		select {
		case r := <-s.reqs:
			r.done <- ledger.ErrClosed
		default:
			return
		}
	}
}

func (s *Store) commit(w *writer) {
	if p := s.fail.Load(); p != nil {
		for _, r := range w.batch {
			r.done <- *p
		}
		return
	}
	size := s.size.Load() // only this goroutine changes it
	w.ebuf, w.nbuf = w.ebuf[:0], w.nbuf[:0]
	idx := size
	var out [tree.MaxNew]ledger.Hash
	for _, r := range w.batch {
		for i := range r.entries {
			e := &r.entries[i]
			var flags uint32
			if idx == size {
				flags = flagGroupStart
			}
			w.ebuf = appendEntryRecord(w.ebuf, &w.crc, idx, e, flags)
			k := w.front.Append(ledger.EntryLeafHash(*e), &out)
			for j := 0; j < k; j++ {
				w.nbuf = append(w.nbuf, out[j][:]...)
			}
			idx++
		}
	}
	var err error
	if end := headerLen + int64(idx)*entryRecLen; end > w.alloc {
		err = s.grow(w, end)
	}
	if err != nil {
		// Reported below.
	} else if _, err = s.entries.WriteAt(w.ebuf, headerLen+int64(size)*entryRecLen); err != nil {
		err = fmt.Errorf("ledger: writing %s: %w", EntriesFile, err)
	} else if _, err = s.nodes.WriteAt(w.nbuf, headerLen+int64(tree.NodesFor(size))*ledger.HashSize); err != nil {
		err = fmt.Errorf("ledger: writing %s: %w", NodesFile, err)
	} else {
		t := time.Now()
		if err = datasync(s.entries); err != nil {
			err = fmt.Errorf("ledger: syncing %s: %w", EntriesFile, err)
		}
		w.lastSync = time.Since(t)
		s.syncNanos.Add(uint64(w.lastSync))
	}
	if err != nil {
		err = s.failed(err)
		for _, r := range w.batch {
			r.done <- err
		}
		return
	}
	s.size.Store(idx)
	s.groups.Add(1)
	next := size
	for _, r := range w.batch {
		for i := range r.indices {
			r.indices[i] = next
			next++
		}
		r.done <- nil
	}
}

// grow extends the entry log's zero-filled tail past end. The new size
// becomes durable with the group's fdatasync.
func (s *Store) grow(w *writer, end int64) error {
	newAlloc := end + min(max(w.alloc, minPrealloc), maxPrealloc)
	reserve(s.entries, w.alloc, newAlloc-w.alloc)
	if w.zeros == nil {
		w.zeros = make([]byte, zeroBuf)
	}
	if err := writeZeros(s.entries, w.alloc, newAlloc, w.zeros); err != nil {
		return fmt.Errorf("ledger: preallocating %s: %w", EntriesFile, err)
	}
	w.alloc = newAlloc
	return nil
}
