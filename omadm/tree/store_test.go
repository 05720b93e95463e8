package tree

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/phdkit/phdkit/omadm"
)

var fixed = func() time.Time { return time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC) }

func open(t *testing.T, dir string, cfg Config) *Tree {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixed
	}
	tr, err := Open(dir, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return tr
}

// copyDir copies the files of src into a new directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// reopened returns the state recovered from a copy of dir, as after a crash.
func reopened(t *testing.T, dir string) string {
	t.Helper()
	tr := open(t, copyDir(t, dir), Config{FlushInterval: -1})
	defer tr.Close()
	return dump(t, tr)
}

// workload changes the tree in every way storage must record.
func workload(t *testing.T, tr *Tree, round int) {
	t.Helper()
	p := fmt.Sprintf("./r%d", round)
	steps := []error{
		tr.Add(srv, p+"/a/b", chr("v1")),
		tr.Add(srv, p+"/a/c", omadm.Value{Format: omadm.FormatInt, Type: "text/plain", Data: []byte("7")}),
		tr.Replace(srv, p+"/a/b", chr("v2")),
		tr.Replace(srv, p+"/a?prop=ACL", chr("Get=*&Replace=*&Add=*&Delete=*")),
		tr.Replace(srv, p+"/a/c?prop=Title", chr("seven")),
		tr.Add(srv, p+"/gone", chr("x")),
		tr.Delete(srv, p+"/gone"),
		tr.Copy(srv, p+"/copy", p+"/a"),
		tr.Replace(srv, p+"/copy?prop=Name", chr("renamed")),
		tr.Atomic(func(v omadm.Tree) error {
			v.Replace(srv, p+"/a/b", chr("rolled back"))
			v.Delete(srv, p+"/renamed")
			return errors.New("abort")
		}),
	}
	for i, err := range steps {
		if err != nil && i != len(steps)-1 {
			t.Fatalf("workload step %d: %v", i, err)
		}
	}
}

func TestStoreReopen(t *testing.T) {
	for _, wt := range []bool{false, true} {
		t.Run(fmt.Sprintf("WriteThrough=%v", wt), func(t *testing.T) {
			dir := t.TempDir()
			tr := open(t, dir, Config{WriteThrough: wt})
			for r := range 3 {
				workload(t, tr, r)
			}
			if err := tr.Replace(omadm.Local, ".?prop=ACL", chr("Add=*&Get=*&Exec=*")); err != nil {
				t.Fatal(err)
			}
			want := dump(t, tr)
			if err := tr.Close(); err != nil {
				t.Fatal(err)
			}
			got := dump(t, open(t, dir, Config{}))
			if got != want {
				t.Errorf("reopened tree differs:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

func TestStoreDelayed(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, Config{FlushInterval: -1})
	defer tr.Close()
	empty := dump(t, tr)
	workload(t, tr, 0)
	if got := reopened(t, dir); got != empty {
		t.Errorf("delayed write stored changes before any write-back:\n%s", got)
	}
	if err := tr.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := reopened(t, dir), dump(t, tr); got != want {
		t.Errorf("after Flush:\ngot  %s\nwant %s", got, want)
	}
}

func TestStoreFlushBelow(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, Config{FlushInterval: -1, FlushBelow: 10})
	defer tr.Close()
	workload(t, tr, 0)
	want := dump(t, tr)
	tr.SetConnected(50) // above the threshold: nothing happens
	tr.SetConnected(9)
	// Wait for the write-back goroutine (bounded).
	for i := 0; ; i++ {
		tr.mu.RLock()
		done := len(tr.log.pending) == 0
		tr.mu.RUnlock()
		if done {
			tr.log.ioMu.Lock() // the write is complete once ioMu is free
			tr.log.ioMu.Unlock()
			break
		}
		if i == 1000 {
			t.Fatal("no write-back after SetConnected below FlushBelow")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := reopened(t, dir); got != want {
		t.Errorf("after SetConnected write-back:\ngot  %s\nwant %s", got, want)
	}
}

func TestStoreFlushInterval(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, Config{FlushInterval: time.Millisecond})
	defer tr.Close()
	workload(t, tr, 0)
	for i := 0; ; i++ {
		tr.mu.RLock()
		done := len(tr.log.pending) == 0
		tr.mu.RUnlock()
		if done {
			break
		}
		if i == 1000 {
			t.Fatal("no periodic write-back")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCrashTornJournal cuts the journal at every byte of its last commit, as a crash in
// the middle of the write would, and flips each byte of it: recovery must give the state
// before that commit, and the recovered journal must take further commits.
func TestCrashTornJournal(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, Config{WriteThrough: true})
	workload(t, tr, 0)
	before := dump(t, tr)
	size0 := tr.log.jsize
	// One commit of many records: a Copy of a subtree.
	if err := tr.Copy(srv, "./big", "./r0"); err != nil {
		t.Fatal(err)
	}
	after := dump(t, tr)
	size1 := tr.log.jsize
	if size1-size0 < 100 {
		t.Fatalf("last commit is only %d bytes", size1-size0)
	}
	j, err := os.ReadFile(filepath.Join(dir, journalName))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, journal []byte, want string) {
		t.Helper()
		d := copyDir(t, dir)
		if err := os.WriteFile(filepath.Join(d, journalName), journal, 0o600); err != nil {
			t.Fatal(err)
		}
		tr2 := open(t, d, Config{WriteThrough: true})
		if got := dump(t, tr2); got != want {
			t.Fatalf("%s: recovered\n%s\nwant\n%s", name, got, want)
		}
		// The torn tail is gone and new commits survive the next reopen.
		if err := tr2.Add(srv, "./later", chr("l")); err != nil {
			t.Fatal(err)
		}
		want2 := dump(t, tr2)
		tr2.Close()
		tr3 := open(t, d, Config{})
		if got := dump(t, tr3); got != want2 {
			t.Fatalf("%s: commit after recovery lost:\n%s\nwant\n%s", name, got, want2)
		}
		tr3.Close()
	}
	for cut := size0; cut < size1; cut += 7 {
		check(fmt.Sprintf("cut at %d", cut), j[:cut], before)
	}
	check("cut before the commit record", j[:size1-1], before)
	check("whole", j, after)
	for i := size0; i < size1; i += 13 {
		bad := append([]byte{}, j...)
		bad[i] ^= 0x40
		check(fmt.Sprintf("byte %d flipped", i), bad, before)
	}
	// A journal torn in its header is replaced by an empty one.
	d := copyDir(t, dir)
	os.WriteFile(filepath.Join(d, journalName), j[:5], 0o600)
	tr4 := open(t, d, Config{})
	if tr4.Len() != 1 {
		t.Errorf("journal with a torn header: %d nodes recovered, want the root only", tr4.Len())
	}
	tr4.Close()
	tr.Close()
}

// TestCrashSnapshot forces snapshots and checks a crash between storing a snapshot and
// replacing the journal, and leftovers of a snapshot write.
func TestCrashSnapshot(t *testing.T) {
	dir := t.TempDir()
	tr := open(t, dir, Config{WriteThrough: true, CompactBytes: 2000})
	defer tr.Close()
	compacted := false
	for r := 0; r < 20 && !compacted; r++ {
		old := copyDir(t, dir)
		gen := tr.log.gen
		workload(t, tr, r)
		if tr.log.gen == gen {
			continue
		}
		compacted = true
		// The snapshot is new, the journal still the old generation's.
		d := copyDir(t, old)
		snap, err := os.ReadFile(filepath.Join(dir, snapName))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, snapName), snap, 0o600)
		os.WriteFile(filepath.Join(d, snapName+".tmp"), []byte("half a snapshot"), 0o600)
		tr2 := open(t, d, Config{})
		// The snapshot alone holds everything up to the commit that took it.
		only := copyDir(t, d)
		os.Remove(filepath.Join(only, journalName))
		if got, want := dump(t, tr2), reopened(t, only); got != want {
			t.Errorf("stale journal was replayed:\ngot  %s\nwant %s", got, want)
		}
		tr2.Close()
	}
	if !compacted {
		t.Fatal("no snapshot was taken")
	}
	want := dump(t, tr)
	if got := reopened(t, dir); got != want {
		t.Errorf("after snapshots:\ngot  %s\nwant %s", got, want)
	}
	// A damaged snapshot is reported, not silently dropped.
	d := copyDir(t, dir)
	snap, _ := os.ReadFile(filepath.Join(d, snapName))
	snap[len(snap)/2] ^= 1
	os.WriteFile(filepath.Join(d, snapName), snap, 0o600)
	if _, err := Open(d, Config{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with a damaged snapshot = %v, want ErrCorrupt", err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	recs := []Record{
		{Op: 'P', Path: "a/b", Leaf: true, Format: omadm.FormatInt, Type: "text/plain", Data: []byte("12"), ACL: "Get=*", Title: "t", TStamp: -5, VerNo: 65535},
		{Op: 'P', Path: "", Format: omadm.FormatNode},
		{Op: 'D', Path: "x"},
		{Op: 'C'},
		{Op: 'E', Count: 1 << 40},
	}
	for _, r := range recs {
		b, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var got Record
		n, err := got.Unmarshal(b)
		if err != nil || n != len(b) {
			t.Fatalf("Unmarshal(%c) = %d, %v", r.Op, n, err)
		}
		if r.Data == nil && got.Data != nil && len(got.Data) == 0 {
			got.Data = nil
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("round trip = %+v, want %+v", got, r)
		}
		for i := range len(b) {
			if _, err := got.Unmarshal(b[:i]); err == nil {
				t.Errorf("Unmarshal of a %d-byte prefix of %c succeeded", i, r.Op)
			}
		}
	}
	var re *RecordError
	var r Record
	if _, err := r.Unmarshal([]byte{0, 0, 0, 1, 0, 0, 0, 0, 'Z'}); !errors.As(err, &re) || re.Field != "checksum" {
		t.Errorf("bad checksum: %v", err)
	}
}

func FuzzRecord(f *testing.F) {
	// Seed with the records a real workload writes.
	dir := f.TempDir()
	tr, err := Open(dir, Config{WriteThrough: true, Now: fixed})
	if err != nil {
		f.Fatal(err)
	}
	tr.Add(srv, "./PHD/Dev/Interval", omadm.Value{Format: omadm.FormatInt, Data: []byte("60")})
	tr.Replace(srv, "./PHD?prop=Title", chr("PHD"))
	tr.Delete(srv, "./PHD/Dev")
	tr.Close()
	j, _ := os.ReadFile(filepath.Join(dir, journalName))
	for off := headerLen; off < len(j); {
		var r Record
		n, err := r.Unmarshal(j[off:])
		if err != nil {
			break
		}
		f.Add(j[off : off+n])
		off += n
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		n, err := r.Unmarshal(b)
		if err != nil {
			return
		}
		if n > len(b) {
			t.Fatalf("consumed %d of %d bytes", n, len(b))
		}
		enc, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var r2 Record
		if _, err := r2.Unmarshal(enc); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if len(r.Data) == 0 && len(r2.Data) == 0 {
			r.Data, r2.Data = nil, nil
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip: %+v != %+v", r2, r)
		}
	})
}

var _ = io.EOF
