package filestore

import (
	"bytes"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ledger"
)

// FuzzBlockRecord round-trips block records: decode, encode, decode.
func FuzzBlockRecord(f *testing.F) {
	b := ledger.Block{Height: 3, Size: 99, Root: ledger.EmptyRoot, Time: time.Unix(0, 12345).UTC(),
		Note: []byte("phdkit.local/ledger\n99\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— phdkit.local/ledger AAAA\n")}
	rec, _ := appendBlockRecord(nil, &b)
	f.Add(rec)
	f.Add(append(rec, rec...))
	f.Add(rec[:len(rec)-1])
	f.Fuzz(func(t *testing.T, data []byte) {
		b, n, err := decodeBlockRecord(data)
		if err != nil {
			return
		}
		out, err := appendBlockRecord(nil, &b)
		if err != nil || !bytes.Equal(out, data[:n]) {
			t.Fatalf("re-encoding differs: %v", err)
		}
		b2, m, err := decodeBlockRecord(out)
		if err != nil || m != n || b2.Height != b.Height || b2.Size != b.Size || b2.Root != b.Root ||
			!b2.Time.Equal(b.Time) || !bytes.Equal(b2.Note, b.Note) {
			t.Fatalf("second decoding differs: %v", err)
		}
	})
}

func TestBlockRecordPrefixes(t *testing.T) {
	b := ledger.Block{Height: 1, Size: 2, Time: time.Unix(5, 0), Note: []byte("note")}
	rec, err := appendBlockRecord(nil, &b)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rec); i++ {
		if _, _, err := decodeBlockRecord(rec[:i]); err == nil {
			t.Fatalf("prefix of %d bytes decoded", i)
		}
	}
	big := ledger.Block{Note: make([]byte, maxBlockNote+1)}
	if _, err := appendBlockRecord(nil, &big); err == nil {
		t.Fatal("oversized note encoded")
	}
}
