package tree

import (
	"errors"
	"testing"

	"github.com/phdkit/phdkit/omadm"
)

// opsURI turns two bytes into one of a small set of URIs, so that operations collide.
func opsURI(a, b byte) string {
	names := [...]string{"a", "b", "c%20d"}
	uri := "."
	for i := 0; i < int(a%4); i++ {
		uri += "/" + names[(int(b)>>(2*i))%3]
	}
	return uri
}

// applyOps interprets b as tree operations, 4 bytes each.
func applyOps(tr *Tree, b []byte) {
	var view omadm.Tree = tr
	servers := [...]string{omadm.Local, srv, "other"}
	errAbort := errors.New("abort")
	for len(b) >= 4 {
		op, x, y, z := b[0], b[1], b[2], b[3]
		b = b[4:]
		server := servers[int(z)%3]
		uri := opsURI(x, y)
		switch op % 9 {
		case 0:
			view.Add(server, uri, omadm.Value{Format: omadm.FormatNode})
		case 1:
			view.Add(server, uri, omadm.Value{Data: []byte{z}})
		case 2:
			view.Replace(server, uri, omadm.Value{Format: omadm.FormatInt, Data: []byte("7")})
		case 3:
			view.Delete(server, uri)
		case 4:
			acls := [...]string{"", "Get=*", "Add=*&Get=*&Replace=" + srv, "Delete=*&Replace=*&Add=*&Get=*"}
			view.Replace(server, uri+"?prop=ACL", omadm.Value{Data: []byte(acls[int(z)%4])})
		case 5:
			view.Replace(server, uri+"?prop=Name", omadm.Value{Data: []byte{'n', 'a' + z%3}})
		case 6:
			view.Replace(server, uri+"?prop=Title", omadm.Value{Data: []byte{z}})
		case 7:
			if ct, ok := view.(omadm.CopyTree); ok {
				ct.Copy(server, opsURI(z, x), uri)
			}
		case 8:
			if len(b) >= 8 {
				sub := b[:8]
				b = b[8:]
				tr.Atomic(func(v omadm.Tree) error {
					for ; len(sub) >= 4; sub = sub[4:] {
						applyOne(v, sub[:4])
					}
					if z%2 == 0 {
						return errAbort
					}
					return nil
				})
			}
		}
	}
}

func applyOne(v omadm.Tree, b []byte) {
	server := [...]string{omadm.Local, srv, "other"}[int(b[3])%3]
	uri := opsURI(b[1], b[2])
	switch b[0] % 3 {
	case 0:
		v.Add(server, uri, omadm.Value{Data: []byte{b[3]}})
	case 1:
		v.Delete(server, uri)
	case 2:
		v.Replace(server, uri, omadm.Value{Data: []byte("r")})
	}
}

// FuzzStoreOps applies arbitrary operations to a stored tree, in both write modes, and
// checks that reopening gives back exactly the tree in memory.
func FuzzStoreOps(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 1, 2, 1, 0, 4, 1, 0, 3, 8, 0, 0, 1, 0, 2, 1, 1, 3, 1, 0, 0, 5, 1, 0, 0})
	f.Add([]byte{1, 3, 5, 0, 7, 1, 0, 0, 3, 3, 5, 1, 6, 2, 1, 0, 2, 3, 5, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 400 {
			return
		}
		for _, wt := range []bool{false, true} {
			dir := t.TempDir()
			tr, err := Open(dir, Config{WriteThrough: wt, FlushInterval: -1, CompactBytes: 300, Now: fixed})
			if err != nil {
				t.Fatal(err)
			}
			applyOps(tr, b)
			want := dump(t, tr)
			if err := tr.Close(); err != nil {
				t.Fatal(err)
			}
			tr2, err := Open(dir, Config{Now: fixed})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			if got := dump(t, tr2); got != want {
				t.Fatalf("WriteThrough=%v: reopened\n%s\nwant\n%s", wt, got, want)
			}
			tr2.Close()
		}
	})
}
