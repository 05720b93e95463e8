package tree

import (
	"errors"
	"fmt"
	"testing"

	"github.com/phdkit/phdkit/omadm"
)

func TestValidURI(t *testing.T) {
	tests := []struct {
		uri  string
		want bool
	}{
		{".", true},
		{"./a", true},
		{"a", true},
		{"./a/b/c", true},
		{"./Vendor/MSFT/Policy", true},
		{"./a%20b", true},
		{"./a%2Fb", true},
		{"./a...", true},
		{"./x=1&y;z:@$,+", true},
		{"", false},
		{"./", false},
		{"/a", false},
		{"./a/", false},
		{"./a//b", false},
		{"./a/./b", false},
		{"./a/../b", false},
		{"./.", false},
		{"..", false},
		{"./a%2", false},
		{"./a%g0", false},
		{"./a b", false},
		{"./a?prop=ACL", false},
		{"./a/\xff", false},
		{"././a", false},
	}
	for _, tt := range tests {
		if got := omadm.ValidURI(tt.uri); got != tt.want {
			t.Errorf("ValidURI(%q) = %v, want %v", tt.uri, got, tt.want)
		}
	}
}

func TestCleanURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{".", ""},
		{"./a/b", "a/b"},
		{"a/b", "a/b"},
		{"./a%41", "aA"},
		{"./a%2f", "a%2F"},
		{"./a%20b", "a%20b"},
		{"./%7e", "~"},
	}
	for _, tt := range tests {
		if got := omadm.CleanURI(tt.in); got != tt.want {
			t.Errorf("CleanURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(10, func() { omadm.CleanURI("./PHD/a%20b/c") }); n != 0 {
		t.Errorf("CleanURI of a canonical URI allocates %v times", n)
	}
}

func TestEscapeName(t *testing.T) {
	for _, name := range []string{"plain", "a b", "a/b", "100%", "é", ""} {
		seg := omadm.EscapeName(name)
		if name != "" && !omadm.ValidURI("./"+seg) {
			t.Errorf("EscapeName(%q) = %q, not a valid segment", name, seg)
		}
		if got := omadm.UnescapeName(seg); got != name {
			t.Errorf("UnescapeName(EscapeName(%q)) = %q", name, got)
		}
	}
}

func TestFormat(t *testing.T) {
	for f := omadm.FormatB64; f <= omadm.FormatFloat; f++ {
		got, err := omadm.ParseFormat(" " + f.String() + "\n")
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), got, err)
		}
	}
	if _, err := omadm.ParseFormat("blob"); !errors.Is(err, omadm.ErrFormat) {
		t.Errorf("ParseFormat(blob) = %v, want ErrFormat", err)
	}
	if s := omadm.Format(200).String(); s != "Format(200)" {
		t.Errorf("Format(200).String() = %q", s)
	}
}

func TestTreeStatus(t *testing.T) {
	tests := []struct {
		err  error
		want omadm.StatusCode
	}{
		{nil, 200},
		{omadm.ErrAccepted, 202},
		{omadm.ErrInvalid, 400},
		{omadm.ErrNotExist, 404},
		{omadm.ErrNotAllowed, 405},
		{omadm.ErrNotSupported, 406},
		{omadm.ErrValueTooLarge, 413},
		{omadm.ErrURITooLong, 414},
		{omadm.ErrFormat, 415},
		{omadm.ErrExist, 418},
		{omadm.ErrDeviceFull, 420},
		{omadm.ErrPermission, 425},
		{omadm.ErrFailed, 500},
		{omadm.ErrAtomicFailed, 507},
		{errors.New("other"), 500},
		{&omadm.PathError{Op: "get", Path: "./x", Err: omadm.ErrNotExist}, 404},
		{&omadm.StatusError{Code: omadm.StatusSizeMismatch}, 424},
		{fmt.Errorf("wrapped: %w", &omadm.PathError{Op: "add", Path: "./x", Err: omadm.ErrExist}), 418},
	}
	for _, tt := range tests {
		if got := omadm.TreeStatus(tt.err); got != tt.want {
			t.Errorf("TreeStatus(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func FuzzURI(f *testing.F) {
	for _, s := range []string{".", "./a/b", "a%41/%2f", "./a b", "./a/../b", "./PHD/Alarms/Body%20Temp?prop=ACL"} {
		f.Add(s)
	}
	tr := New(Config{})
	f.Fuzz(func(t *testing.T, uri string) {
		path, _ := omadm.SplitURI(uri)
		valid := omadm.ValidURI(path)
		if valid {
			c := omadm.CleanURI(path)
			if c != "" && !omadm.ValidURI(c) {
				t.Fatalf("CleanURI(%q) = %q is not valid", path, c)
			}
			if c2 := omadm.CleanURI(c); c != "" && c2 != c {
				t.Fatalf("CleanURI not idempotent: %q -> %q -> %q", path, c, c2)
			}
		}
		// The tree never panics and classifies the URI the same way.
		_, err := tr.Get(omadm.Local, uri, nil)
		if !valid && !errors.Is(err, omadm.ErrInvalid) {
			t.Fatalf("Get(%q) = %v for an invalid URI", uri, err)
		}
		err = tr.Add(omadm.Local, path, omadm.Value{Data: []byte("x")})
		if valid && path != "." && err != nil && !errors.Is(err, omadm.ErrExist) && !errors.Is(err, omadm.ErrNotAllowed) {
			t.Fatalf("Add(%q) = %v", path, err)
		}
	})
}
