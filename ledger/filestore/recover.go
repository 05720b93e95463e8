package filestore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/internal/tree"
)

const scanBuf = 1 << 20

func fileSize(f *os.File, name string) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("ledger: reading %s: %w", name, err)
	}
	return st.Size(), nil
}

func truncate(f *os.File, name string, size int64) error {
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("ledger: truncating %s: %w", name, err)
	}
	if err := datasync(f); err != nil {
		return fmt.Errorf("ledger: syncing %s: %w", name, err)
	}
	return nil
}

// writeZeros overwrites [off, end) of f with zeros, len(zeros) at a time.
func writeZeros(f *os.File, off, end int64, zeros []byte) error {
	for off < end {
		n, err := f.WriteAt(zeros[:min(int64(len(zeros)), end-off)], off)
		if err != nil {
			return err
		}
		off += int64(n)
	}
	return nil
}

// recover brings the three files to the last durable state and returns the
// writer state for it.
func (s *Store) recover(fast bool) (*writer, error) {
	n, alloc, err := s.recoverEntries()
	if err != nil {
		return nil, err
	}
	blocks, err := s.recoverBlocks(n)
	if err != nil {
		return nil, err
	}
	var lastSize uint64
	var lastRoot ledger.Hash
	if len(blocks) > 0 {
		lastSize, lastRoot = blocks[len(blocks)-1].size, blocks[len(blocks)-1].root
	}
	w := &writer{alloc: alloc}
	if err := s.recoverNodes(w, n, lastSize, lastRoot, fast); err != nil {
		return nil, err
	}
	check := blocks
	if fast && len(blocks) > 0 {
		check = blocks[len(blocks)-1:]
	}
	for _, b := range check {
		root, err := tree.Root(nodeReader{s.nodes}, b.size)
		if err != nil {
			return nil, err
		}
		if root != b.root {
			return nil, &CorruptError{File: BlocksFile, Offset: b.off, Field: fmt.Sprintf("block %d root", b.height),
				Err: fmt.Errorf("checkpoint root %s, tree of size %d has root %s", b.root, b.size, root)}
		}
	}
	s.size.Store(n)
	s.recovery.Entries = n
	s.recovery.Blocks = uint64(len(blocks))
	return w, nil
}

// recoverEntries checks every entry record and finds the end of the log:
// the first record that is not valid. Zeros from there on are the
// preallocated tail and are kept. Anything else there is a torn tail when
// it can only be part of the last group commit (no valid record after the
// end starts a group): it is overwritten with zeros and reported.
// Anything else is reported as corruption. It returns the number of
// entries and the file size.
func (s *Store) recoverEntries() (n uint64, alloc int64, err error) {
	size, err := fileSize(s.entries, EntriesFile)
	if err != nil {
		return 0, 0, err
	}
	nrec := uint64(size-headerLen) / entryRecLen
	r := bufio.NewReaderSize(io.NewSectionReader(s.entries, headerLen, size-headerLen), scanBuf)
	var rec [entryRecLen]byte
	var scratch crcScratch
	good := nrec
	var later uint64 // group starts after the first bad record
	tornEnd := int64(0)
	for i := uint64(0); i < nrec; i++ {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return 0, 0, fmt.Errorf("ledger: reading %s: %w", EntriesFile, err)
		}
		zero := rec == [entryRecLen]byte{}
		if good < nrec && zero {
			continue
		}
		_, flags, ok := decodeEntryRecord(&scratch, i, rec[:])
		switch {
		case good == nrec && !ok:
			good = i
		case good < nrec && ok && flags&flagGroupStart != 0:
			later++
		}
		if good < nrec && !zero {
			tornEnd = headerLen + int64(i+1)*entryRecLen
		}
	}
	// A partial record at the end.
	part := make([]byte, size-headerLen-int64(nrec)*entryRecLen)
	if _, err := io.ReadFull(r, part); err != nil {
		return 0, 0, fmt.Errorf("ledger: reading %s: %w", EntriesFile, err)
	}
	if !zeroRecord(part) {
		tornEnd = size
	}
	if later > 0 {
		return 0, 0, &CorruptError{File: EntriesFile, Offset: headerLen + int64(good)*entryRecLen, Field: fmt.Sprintf("entry record %d", good),
			Err: fmt.Errorf("checksum mismatch, and %d later group commits follow it", later)}
	}
	end := headerLen + int64(good)*entryRecLen
	if tornEnd > end {
		if err := writeZeros(s.entries, end, tornEnd, make([]byte, min(zeroBuf, tornEnd-end))); err != nil {
			return 0, 0, fmt.Errorf("ledger: clearing %s: %w", EntriesFile, err)
		}
		if err := datasync(s.entries); err != nil {
			return 0, 0, fmt.Errorf("ledger: syncing %s: %w", EntriesFile, err)
		}
		s.recovery.TornEntries = tornEnd - end
	}
	return good, size, nil
}

type blockInfo struct {
	height, size uint64
	root         ledger.Hash
	off          int64
}

// recoverBlocks reads the block log, cuts a torn last record and checks
// that the history is ordered and within the n durable entries.
func (s *Store) recoverBlocks(n uint64) ([]blockInfo, error) {
	size, err := fileSize(s.blocks, BlocksFile)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReaderSize(io.NewSectionReader(s.blocks, headerLen, size-headerLen), scanBuf)
	var out []blockInfo
	off := int64(headerLen)
	var prev uint64
	buf := make([]byte, 0, 4096)
	for off < size {
		torn := func() error {
			if err := truncate(s.blocks, BlocksFile, off); err != nil {
				return err
			}
			s.recovery.TornBlocks = size - off
			return nil
		}
		hdr, err := r.Peek(blockRecHeader)
		if err != nil { // fewer than 8 bytes left
			if err := torn(); err != nil {
				return nil, err
			}
			break
		}
		recLen := blockRecHeader + int64(uint32(hdr[0])<<24|uint32(hdr[1])<<16|uint32(hdr[2])<<8|uint32(hdr[3]))
		if off+recLen > size {
			if err := torn(); err != nil {
				return nil, err
			}
			break
		}
		if recLen > blockRecHeader+blockFixed+maxBlockNote {
			return nil, &CorruptError{File: BlocksFile, Offset: off, Field: "block record length", Err: ledger.ErrMalformed}
		}
		buf = buf[:recLen]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("ledger: reading %s: %w", BlocksFile, err)
		}
		b, _, err := decodeBlockRecord(buf)
		if err != nil {
			if off+recLen == size && errors.Is(err, ledger.ErrCorrupt) {
				if err := torn(); err != nil {
					return nil, err
				}
				break
			}
			return nil, &CorruptError{File: BlocksFile, Offset: off, Field: fmt.Sprintf("block record %d", len(out)), Err: err}
		}
		switch {
		case b.Height != uint64(len(out)):
			err = fmt.Errorf("height %d, want %d", b.Height, len(out))
		case b.Size < prev:
			err = fmt.Errorf("size %d shrinks from %d", b.Size, prev)
		case b.Size > n:
			err = fmt.Errorf("checkpoint of size %d but the entry log holds %d durable entries", b.Size, n)
		}
		if err != nil {
			return nil, &CorruptError{File: BlocksFile, Offset: off, Field: fmt.Sprintf("block %d", len(out)), Err: err}
		}
		out = append(out, blockInfo{height: b.Height, size: b.Size, root: b.Root, off: off})
		s.blockOffs = append(s.blockOffs, off)
		last := b
		s.last = &last
		prev = b.Size
		off += recLen
	}
	s.blockEnd = off
	return out, nil
}

// recoverNodes makes the node file match the n entries. Nodes below the
// last checkpoint (size lastSize) were synced before it was written: they
// are recomputed and compared (or, when fast, only their root is checked).
// Nodes above it are rebuilt from the entry log.
func (s *Store) recoverNodes(w *writer, n, lastSize uint64, lastRoot ledger.Hash, fast bool) error {
	fsize, err := fileSize(s.nodes, NodesFile)
	if err != nil {
		return err
	}
	stored := uint64(fsize-headerLen) / ledger.HashSize
	if stored < tree.NodesFor(lastSize) {
		return &CorruptError{File: NodesFile, Offset: fsize, Field: "node file length",
			Err: fmt.Errorf("%d nodes, the checkpoint of size %d needs %d", stored, lastSize, tree.NodesFor(lastSize))}
	}
	start := uint64(0)
	if fast && lastSize > 0 {
		if err := w.front.Restore(nodeReader{s.nodes}, lastSize); err != nil {
			return err
		}
		if got := w.front.Root(); got != lastRoot {
			return &CorruptError{File: NodesFile, Offset: headerLen, Field: "nodes of the last checkpoint",
				Err: fmt.Errorf("root %s, checkpoint says %s", got, lastRoot)}
		}
		start = lastSize
	}
	er := bufio.NewReaderSize(io.NewSectionReader(s.entries, headerLen+int64(start)*entryRecLen, int64(n-start)*entryRecLen), scanBuf)
	nodeStart := int64(tree.NodesFor(start))
	nr := bufio.NewReaderSize(io.NewSectionReader(s.nodes, headerLen+nodeStart*ledger.HashSize,
		int64(tree.NodesFor(lastSize))*ledger.HashSize-nodeStart*ledger.HashSize), scanBuf)
	var rec [entryRecLen]byte
	var out [tree.MaxNew]ledger.Hash
	var have ledger.Hash
	pos := nodeStart // post-order position of the next node
	writeFrom := int64(tree.NodesFor(max(start, lastSize)))
	buf := make([]byte, 0, scanBuf)
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		off := headerLen + (pos-int64(len(buf)/ledger.HashSize))*ledger.HashSize
		if _, err := s.nodes.WriteAt(buf, off); err != nil {
			return fmt.Errorf("ledger: writing %s: %w", NodesFile, err)
		}
		buf = buf[:0]
		return nil
	}
	for i := start; i < n; i++ {
		if _, err := io.ReadFull(er, rec[:]); err != nil {
			return fmt.Errorf("ledger: reading %s: %w", EntriesFile, err)
		}
		e := ledger.Hash(rec[:ledger.HashSize])
		k := w.front.Append(ledger.EntryLeafHash(e), &out)
		for j := 0; j < k; j++ {
			if pos < writeFrom {
				if _, err := io.ReadFull(nr, have[:]); err != nil {
					return fmt.Errorf("ledger: reading %s: %w", NodesFile, err)
				}
				if have != out[j] {
					return &CorruptError{File: NodesFile, Offset: headerLen + pos*ledger.HashSize, Field: fmt.Sprintf("node %d", pos),
						Err: fmt.Errorf("stored %s, entries give %s", have, out[j])}
				}
			} else {
				buf = append(buf, out[j][:]...)
				if len(buf) == cap(buf) {
					pos++
					if err := flush(); err != nil {
						return err
					}
					continue
				}
			}
			pos++
		}
		if i < lastSize {
			s.recovery.VerifiedLeaves++
		} else {
			s.recovery.RebuiltNodes++
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := truncate(s.nodes, NodesFile, headerLen+int64(tree.NodesFor(n))*ledger.HashSize); err != nil {
		return err
	}
	return nil
}
