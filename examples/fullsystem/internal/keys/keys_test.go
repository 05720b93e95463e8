package keys

import (
	"errors"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	d1, err := Load(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Load(dir, 0) // reads the file written by the first
	if err != nil {
		t.Fatal(err)
	}
	if d1.Len() != 2 || d2.Len() != 2 || string(d1.DMSecret) != string(d2.DMSecret) {
		t.Fatalf("directories differ: %d and %d users", d1.Len(), d2.Len())
	}
	for id := uint64(1); id <= 2; id++ {
		u1, err1 := d1.Lookup(id)
		u2, err2 := d2.Lookup(id)
		if err1 != nil || err2 != nil || u1.Key.ID() != u2.Key.ID() || u1.Sig != u2.Sig {
			t.Errorf("user %d: keys or signatures differ after reloading (%v, %v)", id, err1, err2)
		}
	}
	if u1, _ := d1.Lookup(1); u1.Sig == Signature(2) {
		t.Error("users 1 and 2 share a BM-signature")
	}
	if _, err := d1.Lookup(3); !errors.Is(err, ErrUnknownUser) {
		t.Errorf("Lookup(3) = %v, want ErrUnknownUser", err)
	}
	if _, err := Load(t.TempDir(), 0); err == nil {
		t.Error("Load of an empty directory without users succeeded")
	}
}
