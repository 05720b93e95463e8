package filestore

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/phdkit/phdkit/ledger"
)

// File names inside the store directory.
const (
	EntriesFile = "entries.log"
	NodesFile   = "nodes.dat"
	BlocksFile  = "blocks.log"
)

// Every file starts with a 16-byte header:
//
//	+----------------+-----------+-----------+
//	| magic (8)      | version   | reserved  |
//	| "phdkitLE" etc | u32 BE =1 | u32 = 0   |
//	+----------------+-----------+-----------+
const (
	headerLen   = 16
	fileVersion = 1
)

var (
	magicEntries = [8]byte{'p', 'h', 'd', 'k', 'i', 't', 'L', 'E'}
	magicNodes   = [8]byte{'p', 'h', 'd', 'k', 'i', 't', 'L', 'N'}
	magicBlocks  = [8]byte{'p', 'h', 'd', 'k', 'i', 't', 'L', 'B'}
)

func header(magic [8]byte) []byte {
	b := append([]byte(nil), magic[:]...)
	b = binary.BigEndian.AppendUint32(b, fileVersion)
	return binary.BigEndian.AppendUint32(b, 0)
}

func checkHeader(file string, b []byte, magic [8]byte) error {
	if len(b) < headerLen {
		return &CorruptError{File: file, Offset: int64(len(b)), Field: "header", Err: ledger.ErrTruncated}
	}
	if [8]byte(b[:8]) != magic {
		return &CorruptError{File: file, Offset: 0, Field: "magic", Err: fmt.Errorf("%w: %q is not a %s file", ledger.ErrMalformed, b[:8], file)}
	}
	if v := binary.BigEndian.Uint32(b[8:]); v != fileVersion {
		return &CorruptError{File: file, Offset: 8, Field: "version", Err: fmt.Errorf("%w: %d", ledger.ErrVersion, v)}
	}
	if r := binary.BigEndian.Uint32(b[12:]); r != 0 {
		return &CorruptError{File: file, Offset: 12, Field: "reserved", Err: fmt.Errorf("%w: %#x", ledger.ErrMalformed, r)}
	}
	return nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Entry records are fixed-size, so entry i lives at
// headerLen + i·entryRecLen:
//
//	+------------------+-----------+--------------------------------------+
//	| entry (32 bytes) | flags     | CRC-32C(index u64 BE || entry ||     |
//	|                  | u32 BE    |         flags u32 BE)                |
//	+------------------+-----------+--------------------------------------+
//
// Flag bit 0 marks the first record of a group commit. Only the last
// group can be torn by a crash, so a bad record followed by the start of
// another group is corruption, not a torn tail. The index in the
// CRC makes a record copied to the wrong place fail.
//
// The log is preallocated with zeros, so an all-zero record is never an
// entry: it is free space. A record that would come out all zero (a zero
// entry whose checksum happens to be 0, about one index in 2^32) is
// written with the group-start flag instead; the flag then only makes
// recovery stricter.
const (
	entryRecLen    = ledger.HashSize + 8
	flagGroupStart = 1
)

// crcScratch holds the bytes an entry checksum covers. crc32 makes any
// slice it is given escape, so callers on hot paths keep one to reuse.
type crcScratch [8 + ledger.HashSize + 4]byte

func entryCRC(buf *crcScratch, index uint64, e *ledger.Hash, flags uint32) uint32 {
	binary.BigEndian.PutUint64(buf[:], index)
	copy(buf[8:], e[:])
	binary.BigEndian.PutUint32(buf[8+ledger.HashSize:], flags)
	return crc32.Checksum(buf[:], castagnoli)
}

func appendEntryRecord(b []byte, scratch *crcScratch, index uint64, e *ledger.Hash, flags uint32) []byte {
	crc := entryCRC(scratch, index, e, flags)
	if crc == 0 && flags == 0 && *e == (ledger.Hash{}) {
		flags = flagGroupStart
		crc = entryCRC(scratch, index, e, flags)
	}
	b = append(b, e[:]...)
	b = binary.BigEndian.AppendUint32(b, flags)
	return binary.BigEndian.AppendUint32(b, crc)
}

// zeroRecord reports whether rec is free space: all zero.
func zeroRecord(rec []byte) bool {
	for _, c := range rec {
		if c != 0 {
			return false
		}
	}
	return true
}

// decodeEntryRecord checks one record; ok is false on a CRC mismatch,
// unknown flags or an all-zero record.
func decodeEntryRecord(scratch *crcScratch, index uint64, rec []byte) (e ledger.Hash, flags uint32, ok bool) {
	e = ledger.Hash(rec[:ledger.HashSize])
	flags = binary.BigEndian.Uint32(rec[ledger.HashSize:])
	crc := binary.BigEndian.Uint32(rec[ledger.HashSize+4:])
	ok = flags&^flagGroupStart == 0 && crc == entryCRC(scratch, index, &e, flags) &&
		(crc != 0 || flags != 0 || e != ledger.Hash{})
	return e, flags, ok
}

// Nodes are 32-byte hashes in post-order (each leaf hash followed by the
// parents it completes), so node (level, index) sits at
// headerLen + 32·tree.PostOrder(level, index).

// Block records are variable-length:
//
//	+--------+----------+-------------------------------------------------+
//	| len    | CRC-32C  | payload (len bytes)                             |
//	| u32 BE | of       | height u64 | size u64 | root 32 | time i64 ns | |
//	|        | payload  | signed checkpoint note (len − 56 bytes)         |
//	+--------+----------+-------------------------------------------------+
const (
	blockFixed     = 8 + 8 + ledger.HashSize + 8
	maxBlockNote   = 64 << 10
	blockRecHeader = 8
)

// AppendBlockRecord appends the record of b.
func appendBlockRecord(dst []byte, b *ledger.Block) ([]byte, error) {
	if len(b.Note) > maxBlockNote {
		return dst, fmt.Errorf("%w: checkpoint note of %d bytes, limit %d", ledger.ErrMalformed, len(b.Note), maxBlockNote)
	}
	start := len(dst)
	dst = append(dst, make([]byte, blockRecHeader)...)
	dst = binary.BigEndian.AppendUint64(dst, b.Height)
	dst = binary.BigEndian.AppendUint64(dst, b.Size)
	dst = append(dst, b.Root[:]...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.Time.UnixNano()))
	dst = append(dst, b.Note...)
	payload := dst[start+blockRecHeader:]
	binary.BigEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, castagnoli))
	return dst, nil
}

// decodeBlockRecord decodes one block record from the start of rec and
// returns its length. The note is copied.
func decodeBlockRecord(rec []byte) (ledger.Block, int, error) {
	var b ledger.Block
	fail := func(off int, field string, err error) (ledger.Block, int, error) {
		return ledger.Block{}, 0, &ledger.DecodeError{Offset: off, Field: "BlockRecord." + field, Err: err}
	}
	if len(rec) < blockRecHeader {
		return fail(0, "Length", ledger.ErrTruncated)
	}
	n := int(binary.BigEndian.Uint32(rec))
	if n < blockFixed || n > blockFixed+maxBlockNote {
		return fail(0, "Length", fmt.Errorf("%w: %d bytes", ledger.ErrMalformed, n))
	}
	if len(rec)-blockRecHeader < n {
		return fail(blockRecHeader, "Payload", ledger.ErrTruncated)
	}
	p := rec[blockRecHeader : blockRecHeader+n]
	if crc32.Checksum(p, castagnoli) != binary.BigEndian.Uint32(rec[4:]) {
		return fail(4, "CRC", fmt.Errorf("%w: checksum mismatch", ledger.ErrCorrupt))
	}
	b.Height = binary.BigEndian.Uint64(p)
	b.Size = binary.BigEndian.Uint64(p[8:])
	b.Root = ledger.Hash(p[16:48])
	b.Time = time.Unix(0, int64(binary.BigEndian.Uint64(p[48:]))).UTC()
	b.Note = append([]byte(nil), p[blockFixed:]...)
	return b, blockRecHeader + n, nil
}

// CorruptError reports a store file that failed an integrity check. It
// matches ledger.ErrCorrupt under errors.Is, as well as its Err.
type CorruptError struct {
	File   string // file name inside the store directory
	Offset int64  // byte offset of the failing record or field
	Field  string // what was being read
	Err    error
}

// Error names the file, offset, field and cause.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("ledger: store corrupt: %s at offset %d (%s): %v", e.File, e.Offset, e.Field, e.Err)
}

// Unwrap returns e.Err.
func (e *CorruptError) Unwrap() error { return e.Err }

// Is reports whether target is ledger.ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ledger.ErrCorrupt }
