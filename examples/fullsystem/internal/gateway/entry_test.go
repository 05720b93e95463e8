package gateway

import (
	"bytes"
	"testing"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
)

func TestEntryRoundTrip(t *testing.T) {
	e := wire.Entry{Origin: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, ConfigID: 0x02BC, Received: 1234567890123, Hops: 2, Body: []byte("sealed")}
	b := encodeEntry(nil, wire.KindDMStatus, &e)
	var got wire.Entry
	k, err := decodeEntry(b, &got)
	if err != nil || k != wire.KindDMStatus || got.Origin != e.Origin || got.ConfigID != e.ConfigID ||
		got.Received != e.Received || got.Hops != e.Hops || !bytes.Equal(got.Body, e.Body) {
		t.Fatalf("decodeEntry(encodeEntry(%+v)) = %v, %+v, %v", e, k, got, err)
	}
	for n := range entryHeader {
		if _, err := decodeEntry(b[:n], &got); err == nil {
			t.Errorf("decodeEntry of a %d-byte prefix succeeded", n)
		}
	}
}

func FuzzDecodeEntry(f *testing.F) {
	e := wire.Entry{Origin: [8]byte{'P', 'H'}, ConfigID: 0x0320, Received: 42, Hops: 1, Body: []byte{1, 2, 3}}
	f.Add(encodeEntry(nil, wire.KindMeasurements, &e))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var e wire.Entry
		k, err := decodeEntry(b, &e)
		if err != nil {
			return
		}
		if again := encodeEntry(nil, k, &e); !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x, want %x", again, b)
		}
	})
}
