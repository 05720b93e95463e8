package tree

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/phdkit/phdkit/omadm"
)

// Durable storage.
//
// A tree opened with Open lives in a directory holding two files:
//
//	tree.snap     header, then one put record per node in preorder, then an end record
//	tree.journal  header, then put and delete records of the changes since the snapshot
//
//	header  = magic(4) "PHDS" or "PHDJ" | version(1) = 1 | generation(8) | crc32c(4) of the 13 bytes before
//	record  = length(4) | crc32c(4) of payload | payload            (big endian)
//	payload = 'P' path flags(1) format(1) type data acl title tstamp(varint) verno(uvarint)
//	        | 'D' path
//	        | 'C'                                                 (journal: end of one commit)
//	        | 'E' count(uvarint)                                  (snapshot: end)
//	string  = uvarint length, bytes
//
// A snapshot is written to tree.snap.tmp, synced and renamed over tree.snap, so a crash
// leaves the old snapshot or the new one. A new snapshot has the next generation; a journal
// whose generation differs from the snapshot's is stale (its changes are in the snapshot)
// and is ignored. Each change (or Atomic group, or delayed write-back) is appended to the
// journal as records closed by a 'C' record, then synced. On Open the journal is replayed
// commit by commit; a record cut short by a crash, or one whose checksum fails, ends it,
// the records after the last 'C' are dropped, and the file is truncated there.

// ErrCorrupt is wrapped by errors about damaged storage that recovery cannot repair.
var ErrCorrupt = errors.New("tree: corrupt storage")

const (
	snapName    = "tree.snap"
	journalName = "tree.journal"
	headerLen   = 17
	maxRecord   = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type store struct {
	dir     string
	cfg     *Config
	pending []byte // records not yet written (guarded by Tree.mu)
	mark    int    // len(pending) at the last commit record
	resnap  bool   // a snapshot failed: the next write-back must store one

	ioMu  sync.Mutex // guards the files; taken while holding Tree.mu, then Tree.mu released
	f     *os.File   // the journal
	jsize int64      // bytes of valid journal
	gen   uint64
	err   error // last background write-back error

	kick chan struct{}
	quit chan struct{}
	done chan struct{}
}

// put records the state of n; a nil store records nothing.
func (s *store) put(n *node) {
	if s == nil {
		return
	}
	start := len(s.pending)
	s.pending = putPayload(append(s.pending, 0, 0, 0, 0, 0, 0, 0, 0), n)
	frame(s.pending, start)
}

func (s *store) del(path string) {
	if s == nil {
		return
	}
	start := len(s.pending)
	s.pending = appendString(append(s.pending, 0, 0, 0, 0, 0, 0, 0, 0, 'D'), path)
	frame(s.pending, start)
}

// frame fills in the length and checksum of the record that starts at b[start:], whose
// payload follows 8 bytes of room for them.
func frame(b []byte, start int) {
	p := b[start+8:]
	binary.BigEndian.PutUint32(b[start:], uint32(len(p)))
	binary.BigEndian.PutUint32(b[start+4:], crc32.Checksum(p, castagnoli))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putPayload(b []byte, n *node) []byte {
	b = append(b, 'P')
	b = appendString(b, n.path)
	var flags byte
	if n.leaf {
		flags = 1
	}
	b = append(b, flags, byte(n.format))
	b = appendString(b, n.typ)
	b = binary.AppendUvarint(b, uint64(len(n.data)))
	b = append(b, n.data...)
	b = appendString(b, n.acl)
	b = appendString(b, n.title)
	b = binary.AppendVarint(b, n.tstamp)
	b = binary.AppendUvarint(b, uint64(n.verNo))
	return b
}

// appendRecord frames a payload: length, checksum, payload.
func appendRecord(b, payload []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
	return append(b, payload...)
}

// Record is one decoded storage record.
type Record struct {
	Op     byte   // 'P' put, 'D' delete, 'E' end of snapshot
	Path   string // canonical path ("" for the root)
	Leaf   bool
	Format omadm.Format
	Type   string
	Data   []byte // aliases the input
	ACL    string
	Title  string
	TStamp int64
	VerNo  uint16
	Count  uint64 // 'E' only
}

// AppendBinary appends the framed record to b.
func (r *Record) AppendBinary(b []byte) ([]byte, error) {
	var p []byte
	switch r.Op {
	case 'P':
		n := &node{path: r.Path, leaf: r.Leaf, format: r.Format, typ: r.Type, data: r.Data, acl: r.ACL, title: r.Title, tstamp: r.TStamp, verNo: r.VerNo}
		p = putPayload(nil, n)
	case 'D':
		p = appendString([]byte{'D'}, r.Path)
	case 'E':
		p = binary.AppendUvarint([]byte{'E'}, r.Count)
	case 'C':
		p = []byte{'C'}
	default:
		return b, fmt.Errorf("%w: record op %q", ErrCorrupt, r.Op)
	}
	return appendRecord(b, p), nil
}

// RecordError reports a record that cannot be decoded.
type RecordError struct {
	Offset int    // offset of the record in its input
	Field  string // the field that failed
	Err    error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("tree: record at offset %d: %s: %v", e.Offset, e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *RecordError) Unwrap() error { return e.Err }

var errShort = fmt.Errorf("%w: truncated", ErrCorrupt)

// Unmarshal decodes one framed record from b and returns the bytes consumed. Data aliases b.
func (r *Record) Unmarshal(b []byte) (int, error) {
	fail := func(field string, err error) (int, error) { return 0, &RecordError{Field: field, Err: err} }
	if len(b) < 8 {
		return fail("length", errShort)
	}
	n := binary.BigEndian.Uint32(b)
	if n > maxRecord || int64(n) > int64(len(b)-8) {
		return fail("length", errShort)
	}
	p := b[8 : 8+n]
	if crc32.Checksum(p, castagnoli) != binary.BigEndian.Uint32(b[4:]) {
		return fail("checksum", fmt.Errorf("%w: checksum mismatch", ErrCorrupt))
	}
	*r = Record{}
	if len(p) == 0 {
		return fail("op", errShort)
	}
	r.Op = p[0]
	c := cursor{b: p[1:]}
	switch r.Op {
	case 'P':
		r.Path = c.str()
		flags, format := c.byte(), c.byte()
		r.Leaf = flags&1 != 0
		r.Format = omadm.Format(format)
		r.Type = c.str()
		r.Data = c.bytes()
		r.ACL = c.str()
		r.Title = c.str()
		r.TStamp = c.varint()
		v := c.uvarint()
		if v > 0xffff {
			c.bad = true
		}
		r.VerNo = uint16(v)
		if flags > 1 || int(format) >= len(formatNamesLen) {
			return fail("flags", fmt.Errorf("%w: bad flags or format", ErrCorrupt))
		}
	case 'D':
		r.Path = c.str()
	case 'E':
		r.Count = c.uvarint()
	case 'C':
	default:
		return fail("op", fmt.Errorf("%w: unknown op %q", ErrCorrupt, r.Op))
	}
	if c.bad || len(c.b) != 0 {
		return fail("payload", fmt.Errorf("%w: payload of %c record malformed", ErrCorrupt, r.Op))
	}
	if (r.Op == 'P' || r.Op == 'D') && r.Path != "" && !omadm.ValidURI(r.Path) {
		return fail("path", fmt.Errorf("%w: path %q", ErrCorrupt, r.Path))
	}
	return 8 + int(n), nil
}

// formatNamesLen bounds valid formats.
var formatNamesLen [omadm.FormatFloat + 1]struct{}

type cursor struct {
	b   []byte
	bad bool
}

func (c *cursor) byte() byte {
	if len(c.b) < 1 {
		c.bad = true
		return 0
	}
	v := c.b[0]
	c.b = c.b[1:]
	return v
}

func (c *cursor) uvarint() uint64 {
	v, n := binary.Uvarint(c.b)
	if n <= 0 {
		c.bad = true
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *cursor) varint() int64 {
	v, n := binary.Varint(c.b)
	if n <= 0 {
		c.bad = true
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *cursor) bytes() []byte {
	n := c.uvarint()
	if c.bad || n > uint64(len(c.b)) {
		c.bad = true
		return nil
	}
	v := c.b[:n:n]
	c.b = c.b[n:]
	return v
}

func (c *cursor) str() string { return string(c.bytes()) }

func header(magic string, gen uint64) []byte {
	b := append([]byte(magic), 1)
	b = binary.BigEndian.AppendUint64(b, gen)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func parseHeader(b []byte, magic string) (gen uint64, ok bool) {
	if len(b) < headerLen || string(b[:4]) != magic || b[4] != 1 ||
		crc32.Checksum(b[:13], castagnoli) != binary.BigEndian.Uint32(b[13:]) {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[5:]), true
}

// Open opens (creating if needed) a tree stored in dir and recovers it: the last snapshot,
// then the journal up to its last whole record. In the default delayed mode a goroutine
// writes changes back; Close stops it. cfg.RootACL applies only to a new tree.
func Open(dir string, cfg Config) (*Tree, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	t := New(cfg)
	s := &store{dir: dir, cfg: &t.cfg}
	if err := s.load(t); err != nil {
		return nil, err
	}
	s.pending = nil
	t.log = s
	if !cfg.WriteThrough {
		s.kick = make(chan struct{}, 1)
		s.quit = make(chan struct{})
		s.done = make(chan struct{})
		go t.writeBack()
	}
	return t, nil
}

// load reads the snapshot and the journal into t, and leaves s.f open for appending.
func (s *store) load(t *Tree) error {
	snap, err := os.ReadFile(filepath.Join(s.dir, snapName))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	default:
		gen, ok := parseHeader(snap, "PHDS")
		if !ok {
			return fmt.Errorf("%w: %s header", ErrCorrupt, snapName)
		}
		s.gen = gen
		off, count, ended := headerLen, uint64(0), false
		for off < len(snap) && !ended {
			var r Record
			n, err := r.Unmarshal(snap[off:])
			if err != nil {
				return fmt.Errorf("%s: %w", snapName, withOffset(err, off))
			}
			switch r.Op {
			case 'P':
				if err := t.apply(&r); err != nil {
					return fmt.Errorf("%s at offset %d: %w", snapName, off, err)
				}
				count++
			case 'E':
				if r.Count != count {
					return fmt.Errorf("%w: %s has %d nodes, end record says %d", ErrCorrupt, snapName, count, r.Count)
				}
				ended = true
			default:
				return fmt.Errorf("%w: %s: %c record at offset %d", ErrCorrupt, snapName, r.Op, off)
			}
			off += n
		}
		if !ended || off != len(snap) {
			return fmt.Errorf("%w: %s has no end record", ErrCorrupt, snapName)
		}
	}
	jpath := filepath.Join(s.dir, journalName)
	j, err := os.ReadFile(jpath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if gen, ok := parseHeader(j, "PHDJ"); !ok || gen != s.gen {
		// Missing, torn in its header, or stale: start an empty journal.
		return s.newJournal()
	}
	off, pos := headerLen, headerLen
	var group []Record
	for pos < len(j) {
		var r Record
		n, err := r.Unmarshal(j[pos:])
		if err != nil || r.Op == 'E' {
			break // a torn or damaged tail: the journal ends here
		}
		pos += n
		if r.Op != 'C' {
			group = append(group, r)
			continue
		}
		for i := range group {
			if err := t.apply(&group[i]); err != nil {
				return fmt.Errorf("%s before offset %d: %w", journalName, pos, err)
			}
		}
		group, off = group[:0], pos
	}
	f, err := os.OpenFile(jpath, os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if off < len(j) {
		if err := f.Truncate(int64(off)); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if _, err := f.Seek(int64(off), io.SeekStart); err != nil {
		f.Close()
		return err
	}
	s.f, s.jsize = f, int64(off)
	return nil
}

func withOffset(err error, off int) error {
	var re *RecordError
	if errors.As(err, &re) {
		re.Offset += off
	}
	return err
}

// apply replays one record onto t.
func (t *Tree) apply(r *Record) error {
	switch r.Op {
	case 'D':
		n := t.idx[r.Path]
		if n == nil || n.parent == nil {
			return fmt.Errorf("%w: delete of %q", ErrCorrupt, r.Path)
		}
		t.unlink(n)
		return nil
	case 'P':
	default:
		return fmt.Errorf("%w: op %q", ErrCorrupt, r.Op)
	}
	n := t.idx[r.Path]
	if n == nil {
		parent, name := "", r.Path
		for i := len(r.Path) - 1; i >= 0; i-- {
			if r.Path[i] == '/' {
				parent, name = r.Path[:i], r.Path[i+1:]
				break
			}
		}
		par := t.idx[parent]
		if par == nil || par.leaf {
			return fmt.Errorf("%w: put of %q without its parent", ErrCorrupt, r.Path)
		}
		n = &node{path: r.Path, name: name, parent: par}
		t.link(n)
	}
	if n.parent == nil && r.Leaf {
		return fmt.Errorf("%w: root stored as a leaf", ErrCorrupt)
	}
	if len(n.kids) > 0 && r.Leaf {
		return fmt.Errorf("%w: %q stored as a leaf with children", ErrCorrupt, r.Path)
	}
	n.leaf, n.format, n.typ, n.acl, n.title, n.tstamp, n.verNo = r.Leaf, r.Format, r.Type, r.ACL, r.Title, r.TStamp, r.VerNo
	n.data = nil
	if r.Leaf {
		n.data = append([]byte{}, r.Data...)
	}
	n.list.Store(nil)
	return nil
}

// newJournal atomically replaces the journal with an empty one of generation s.gen.
func (s *store) newJournal() error {
	jpath := filepath.Join(s.dir, journalName)
	if err := writeFileSync(jpath, header("PHDJ", s.gen)); err != nil {
		return err
	}
	f, err := os.OpenFile(jpath, os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Seek(headerLen, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	if s.f != nil {
		s.f.Close()
	}
	s.f, s.jsize = f, headerLen
	return nil
}

// writeFileSync writes b to name through a synced temporary file and a rename, then syncs
// the directory.
func writeFileSync(name string, b []byte) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(name)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// appendJournal writes records to the journal and syncs it. On failure the journal is cut
// back to its last good size. It is called with ioMu held.
func (s *store) appendJournal(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := s.f.WriteAt(b, s.jsize)
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		s.f.Truncate(s.jsize)
		return err
	}
	s.jsize += int64(len(b))
	return nil
}

// snapshot encodes the whole tree. It is called with Tree.mu held.
func (t *Tree) snapshot(gen uint64) []byte {
	b := header("PHDS", gen)
	var count uint64
	var p []byte
	var walk func(n *node)
	walk = func(n *node) {
		p = putPayload(p[:0], n)
		b = appendRecord(b, p)
		count++
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(t.root)
	return appendRecord(b, binary.AppendUvarint([]byte{'E'}, count))
}

func (s *store) compactBytes() int64 {
	if s.cfg.CompactBytes > 0 {
		return s.cfg.CompactBytes
	}
	return 4 << 20
}

// commit is called with Tree.mu held at the end of each change.
func (s *store) commit(t *Tree) error {
	if len(s.pending) > s.mark {
		start := len(s.pending)
		s.pending = append(s.pending, 0, 0, 0, 0, 0, 0, 0, 0, 'C')
		frame(s.pending, start)
		s.mark = len(s.pending)
	}
	if !s.cfg.WriteThrough {
		if int64(len(s.pending)) > s.compactBytes() {
			select {
			case s.kick <- struct{}{}:
			default:
			}
		}
		return nil
	}
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	var err error
	if s.resnap || s.jsize+int64(len(s.pending)) > s.compactBytes() {
		err = s.writeSnapshot(t.snapshot(s.gen + 1))
		s.resnap = err != nil
	} else {
		err = s.appendJournal(s.pending)
	}
	if err != nil {
		// The change is in memory but not stored: store everything with the next
		// change or write-back.
		s.resnap = true
	}
	s.pending, s.mark = s.pending[:0], 0
	return wrapStore(err)
}

func wrapStore(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: storage: %v", omadm.ErrFailed, err)
}

// writeSnapshot stores snap (of generation s.gen+1) and starts an empty journal. It is
// called with ioMu held.
func (s *store) writeSnapshot(snap []byte) error {
	if err := writeFileSync(filepath.Join(s.dir, snapName), snap); err != nil {
		return err
	}
	s.gen++
	return s.newJournal()
}

// Flush writes every change made so far to storage.
func (t *Tree) Flush() error {
	s := t.log
	if s == nil {
		return nil
	}
	t.txMu.Lock() // no change, and no Atomic, is under way
	defer t.txMu.Unlock()
	t.mu.Lock()
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	if len(s.pending) == 0 && !s.resnap {
		t.mu.Unlock()
		err := s.err
		s.err = nil
		return err
	}
	var err error
	if s.resnap || s.jsize+int64(len(s.pending)) > s.compactBytes() {
		snap := t.snapshot(s.gen + 1)
		s.pending, s.mark = nil, 0
		t.mu.Unlock()
		err = s.writeSnapshot(snap)
		s.resnap = err != nil
	} else {
		p := s.pending
		s.pending, s.mark = nil, 0
		t.mu.Unlock()
		err = s.appendJournal(p)
		s.resnap = err != nil
	}
	return wrapStore(err)
}

// SetConnected tells the tree how many devices are connected; below Config.FlushBelow it
// starts a write-back.
func (t *Tree) SetConnected(n int) {
	if s := t.log; s != nil && s.kick != nil && n < s.cfg.FlushBelow {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
}

// writeBack is the delayed write-back goroutine.
func (t *Tree) writeBack() {
	s := t.log
	defer close(s.done)
	var tick <-chan time.Time
	iv := s.cfg.FlushInterval
	if iv == 0 {
		iv = 5 * time.Minute
	}
	if iv > 0 {
		tk := time.NewTicker(iv)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		select {
		case <-tick:
		case <-s.kick:
		case <-s.quit:
			return
		}
		if err := t.Flush(); err != nil {
			s.ioMu.Lock()
			s.err = err
			s.ioMu.Unlock()
		}
	}
}

// Close writes back every change, stops the write-back goroutine and closes the storage.
// A tree without storage has nothing to close.
func (t *Tree) Close() error {
	s := t.log
	if s == nil {
		return nil
	}
	if s.quit != nil {
		select {
		case <-s.quit:
		default:
			close(s.quit)
		}
		<-s.done
	}
	err := t.Flush()
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	if s.f != nil {
		if cerr := s.f.Close(); err == nil {
			err = cerr
		}
		s.f = nil
	}
	return err
}
