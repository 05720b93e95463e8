package ieee11073

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

type vector struct {
	Name   string `json:"name"`
	Hex    string `json:"hex"`
	Len    int    `json:"len"`
	Source string `json:"source"`
	Check  string `json:"structure_check"`
	bytes  []byte
}

func loadVectors(tb testing.TB) []vector {
	tb.Helper()
	data, err := os.ReadFile("testdata/published_apdus.json")
	if err != nil {
		tb.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(data, &vs); err != nil {
		tb.Fatal(err)
	}
	for i := range vs {
		b, err := hex.DecodeString(vs[i].Hex)
		if err != nil || len(b) != vs[i].Len {
			tb.Fatalf("%s: bad hex (%d bytes, want %d): %v", vs[i].Name, len(b), vs[i].Len, err)
		}
		vs[i].bytes = b
	}
	return vs
}

func vectorBytes(tb testing.TB, name string) []byte {
	tb.Helper()
	for _, v := range loadVectors(tb) {
		if v.Name == name {
			return v.bytes
		}
	}
	tb.Fatalf("no vector %s", name)
	return nil
}

func TestVectorsRoundTrip(t *testing.T) {
	for _, v := range loadVectors(t) {
		if strings.HasPrefix(v.Name, "BAD_") {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			var a APDU
			n, err := a.Unmarshal(v.bytes)
			if err != nil {
				t.Fatalf("Unmarshal = %v", err)
			}
			if n != len(v.bytes) {
				t.Fatalf("Unmarshal = %d bytes, want %d", n, len(v.bytes))
			}
			out, err := a.AppendBinary(nil)
			if err != nil {
				t.Fatalf("AppendBinary = %v", err)
			}
			if !bytes.Equal(out, v.bytes) {
				t.Fatalf("re-encoded\n got %X\nwant %X", out, v.bytes)
			}
			// Decoding into a used APDU gives the same value.
			b := a
			if _, err := b.Unmarshal(v.bytes); err != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("reused Unmarshal differs: %v", err)
			}
			for i := 0; i < len(v.bytes); i++ {
				var p APDU
				if _, err := p.Unmarshal(v.bytes[:i]); err == nil {
					t.Fatalf("prefix of %d bytes decoded", i)
				} else {
					var de *DecodeError
					if !errors.As(err, &de) {
						t.Fatalf("prefix %d: error %T is not *DecodeError", i, err)
					}
				}
			}
		})
	}
}

func TestVectorsBad(t *testing.T) {
	want := map[string]struct {
		field string
		err   error
	}{
		"BAD_er_scan_report_var_antidote": {"EventReportArgumentSimple.event-info", ErrLength},
		"BAD_er_thermo_count_mismatch":    {"ScanReportInfoFixed.obs-scan-fixed", ErrCount},
	}
	seen := 0
	for _, v := range loadVectors(t) {
		if !strings.HasPrefix(v.Name, "BAD_") {
			continue
		}
		seen++
		t.Run(v.Name, func(t *testing.T) {
			var a APDU
			_, err := a.Unmarshal(v.bytes)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Unmarshal = %v, want *DecodeError", err)
			}
			w, ok := want[v.Name]
			if !ok {
				t.Fatalf("no expectation for %s: %v", v.Name, err)
			}
			if de.Field != w.field || !errors.Is(err, w.err) {
				t.Fatalf("Unmarshal = %v (field %q), want field %q and %v", err, de.Field, w.field, w.err)
			}
			if de.Offset <= 0 || de.Offset > len(v.bytes) {
				t.Fatalf("offset %d out of range", de.Offset)
			}
			t.Logf("%s: %v", v.Name, err)
		})
	}
	if seen != len(want) {
		t.Fatalf("saw %d BAD_ vectors, want %d", seen, len(want))
	}
}

// TestMessageChoiceOutOfTable checks choices whose index lies past the name table (a rorj
// high byte with a low byte above 0), which a fuzzer found panicking in Known and String.
func TestMessageChoiceOutOfTable(t *testing.T) {
	for _, m := range []MessageChoice{0x0401, 0x0407, 0x0308, 0x0500, 0xFFFF} {
		if m.Known() || m.IsInvoke() {
			t.Errorf("MessageChoice(%#04x).Known() = true", uint16(m))
		}
		if s := m.String(); s == "" {
			t.Errorf("MessageChoice(%#04x).String() is empty", uint16(m))
		}
	}
	if !MessageRORJ.Known() {
		t.Error("MessageRORJ is not known")
	}
}
