// Package dmtest checks implementations of omadm.Tree, in the manner of testing/fstest.
//
// Usage, in a test of a tree implementation:
//
//	func TestConformance(t *testing.T) {
//		dmtest.TestTree(t, func() omadm.Tree { return mytree.New() })
//	}
//
// TestTree runs each check on a fresh tree from newTree. A fresh tree must hold the root,
// whose ACL lets every server Add and Get, and may hold other nodes, but not ./dmtest. The
// checks cover URIs, Add, Get (plain, ?list=Struct, ?list=StructData, ?prop=), Replace of
// values and properties, Delete, ACL enforcement and inheritance, PathError values and
// their status codes, aliasing of values, concurrent use, and the optional interfaces
// CopyTree, ExecTree and AtomicTree when the tree implements them.
//
// TestTree starts goroutines for its concurrency check and waits for them.
package dmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/phdkit/phdkit/omadm"
)

// Server identities the checks use.
const (
	ServerA = "dmtest-a.example"
	ServerB = "dmtest-b.example"
)

const base = "./dmtest"

// TestTree runs the conformance checks as subtests of t.
func TestTree(t *testing.T, newTree func() omadm.Tree) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			tr := newTree()
			if tr == nil {
				t.Fatal("newTree returned nil")
			}
			c.fn(&checker{T: t, tree: tr})
		})
	}
}

type checker struct {
	*testing.T
	tree omadm.Tree
}

func leaf(s string) omadm.Value {
	return omadm.Value{Format: omadm.FormatChr, Type: "text/plain", Data: []byte(s)}
}

var interior = omadm.Value{Format: omadm.FormatNode}

// must fails the test when err is not nil.
func (c *checker) must(what string, err error) {
	c.Helper()
	if err != nil {
		c.Fatalf("%s: %v", what, err)
	}
}

// wantErr checks that err is a *PathError with op, wrapping target, with the status code
// omadm.TreeStatus gives target.
func (c *checker) wantErr(what string, err error, op string, target error) {
	c.Helper()
	if err == nil {
		c.Errorf("%s = nil error, want %v", what, target)
		return
	}
	if !errors.Is(err, target) {
		c.Errorf("%s = %v, want %v", what, err, target)
		return
	}
	var pe *omadm.PathError
	if !errors.As(err, &pe) {
		c.Errorf("%s = %T, want *omadm.PathError", what, err)
	} else if op != "" && pe.Op != op {
		c.Errorf("%s: PathError.Op = %q, want %q", what, pe.Op, op)
	}
	if got, want := omadm.TreeStatus(err), omadm.TreeStatus(target); got != want {
		c.Errorf("TreeStatus(%s) = %d, want %d", what, got, want)
	}
}

func (c *checker) get(server, uri string) omadm.Result {
	c.Helper()
	res, err := c.tree.Get(server, uri, nil)
	if err != nil {
		c.Fatalf("Get(%q, %q): %v", server, uri, err)
	}
	if len(res) != 1 {
		c.Fatalf("Get(%q, %q) = %d results, want 1", server, uri, len(res))
	}
	return res[0]
}

func (c *checker) wantValue(uri, want string) {
	c.Helper()
	if got := c.get(omadm.Local, uri); string(got.Data) != want {
		c.Errorf("Get(%q).Data = %q, want %q", uri, got.Data, want)
	}
}

func (c *checker) wantProp(uri, prop, want string) {
	c.Helper()
	r := c.get(omadm.Local, uri+"?prop="+prop)
	if string(r.Data) != want {
		c.Errorf("Get(%q?prop=%s) = %q, want %q", uri, prop, r.Data, want)
	}
}

// children returns the sorted child names of an interior node.
func (c *checker) children(uri string) []string {
	c.Helper()
	r := c.get(omadm.Local, uri)
	if r.Format != omadm.FormatNode {
		c.Fatalf("Get(%q).Format = %v, want node", uri, r.Format)
	}
	if len(r.Data) == 0 {
		return nil
	}
	names := strings.Split(string(r.Data), "/")
	slices.Sort(names)
	return names
}

var checks = []struct {
	name string
	fn   func(c *checker)
}{
	{"Root", checkRoot},
	{"URIs", checkURIs},
	{"AddGet", checkAddGet},
	{"ImplicitParents", checkImplicit},
	{"Struct", checkStruct},
	{"Props", checkProps},
	{"Replace", checkReplace},
	{"Rename", checkRename},
	{"Delete", checkDelete},
	{"ACL", checkACL},
	{"ACLChange", checkACLChange},
	{"Aliasing", checkAliasing},
	{"Concurrent", checkConcurrent},
	{"Copy", checkCopy},
	{"Exec", checkExec},
	{"Atomic", checkAtomic},
}

func checkRoot(c *checker) {
	r := c.get(ServerA, ".")
	if r.Format != omadm.FormatNode {
		c.Errorf("Get(.).Format = %v, want node", r.Format)
	}
	c.wantErr("Delete(.)", c.tree.Delete(ServerA, "."), "delete", omadm.ErrNotAllowed)
	c.wantErr("Delete(., Local)", c.tree.Delete(omadm.Local, "."), "delete", omadm.ErrNotAllowed)
	c.wantErr("Add(.)", c.tree.Add(ServerA, ".", interior), "add", omadm.ErrExist)
	_, err := c.tree.Get(ServerA, base, nil)
	c.wantErr("Get(./dmtest) on a fresh tree", err, "get", omadm.ErrNotExist)
	// The root ACL must keep Add for every server.
	err = c.tree.Replace(omadm.Local, ".?prop=ACL", omadm.Value{Data: []byte("Get=*")})
	if err == nil {
		c.Errorf("Replace(.?prop=ACL, %q) = nil, want an error: the root must keep Add=*", "Get=*")
	}
}

func checkURIs(c *checker) {
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/x", leaf("1")))
	for _, uri := range []string{"", "./", "/dmtest", base + "/", base + "//x", base + "/./x", base + "/../dmtest", "./dmtest/x%2", "./dmtest/x%zz", "./dmtest/a b", ".."} {
		_, err := c.tree.Get(ServerA, uri, nil)
		c.wantErr(fmt.Sprintf("Get(%q)", uri), err, "get", omadm.ErrInvalid)
		c.wantErr(fmt.Sprintf("Add(%q)", uri), c.tree.Add(ServerA, uri, leaf("v")), "add", omadm.ErrInvalid)
		if uri != "" && uri != "./" && uri != ".." {
			c.wantErr(fmt.Sprintf("Delete(%q)", uri), c.tree.Delete(ServerA, uri), "delete", omadm.ErrInvalid)
		}
	}
	// "./a" and "a" name the same node; an escape of an unreserved character is that character.
	c.wantValue("dmtest/x", "1")
	c.wantValue("./dmtest/%78", "1")
	// A name needing escapes.
	c.must("Add escaped", c.tree.Add(ServerA, base+"/a%20b", leaf("2")))
	c.wantValue(base+"/a%20b", "2")
	c.wantProp(base+"/a%20b", "Name", "a b")
	for _, uri := range []string{base, "dmtest", base + "/x"} {
		if !omadm.ValidURI(uri) {
			c.Errorf("ValidURI(%q) = false", uri)
		}
	}
}

func checkAddGet(c *checker) {
	c.must("Add interior", c.tree.Add(ServerA, base, interior))
	c.must("Add leaf", c.tree.Add(ServerA, base+"/leaf", omadm.Value{Format: omadm.FormatInt, Type: "text/plain", Data: []byte("42")}))
	r := c.get(ServerA, base+"/leaf")
	if string(r.Data) != "42" || r.Format != omadm.FormatInt || r.Type != "text/plain" {
		c.Errorf("Get(leaf) = {%q %v %q}, want {42 int text/plain}", r.Data, r.Format, r.Type)
	}
	c.wantErr("Add existing leaf", c.tree.Add(ServerA, base+"/leaf", leaf("1")), "add", omadm.ErrExist)
	c.wantErr("Add existing interior", c.tree.Add(ServerA, base, interior), "add", omadm.ErrExist)
	_, err := c.tree.Get(ServerA, base+"/none", nil)
	c.wantErr("Get missing", err, "get", omadm.ErrNotExist)
	c.wantErr("Add under a leaf", c.tree.Add(ServerA, base+"/leaf/x", leaf("1")), "add", omadm.ErrNotAllowed)
	c.must("Add empty leaf", c.tree.Add(ServerA, base+"/empty", omadm.Value{Format: omadm.FormatChr}))
	c.wantValue(base+"/empty", "")
	c.must("Add sub", c.tree.Add(ServerA, base+"/sub", interior))
	if got, want := c.children(base), []string{"empty", "leaf", "sub"}; !slices.Equal(got, want) {
		c.Errorf("children(%s) = %q, want %q", base, got, want)
	}
	if got := c.children(base + "/sub"); got != nil {
		c.Errorf("children of an empty interior node = %q, want none", got)
	}
	// Get appends to dst.
	dst := make([]omadm.Result, 1, 4)
	res, err := c.tree.Get(ServerA, base+"/leaf", dst)
	c.must("Get into dst", err)
	if len(res) != 2 || string(res[1].Data) != "42" {
		c.Errorf("Get(dst of 1) = %d results, want 2 with the value last", len(res))
	}
	// A query Get does not understand.
	_, err = c.tree.Get(ServerA, base+"?list=Nonsense", nil)
	c.wantErr("Get(?list=Nonsense)", err, "get", omadm.ErrNotSupported)
}

func checkImplicit(c *checker) {
	err := c.tree.Add(ServerA, base+"/a/b/c", leaf("deep"))
	if err != nil {
		// A tree may refuse to create missing parents, with ErrNotExist.
		c.wantErr("Add with missing parents", err, "add", omadm.ErrNotExist)
		if _, err := c.tree.Get(ServerA, base, nil); !errors.Is(err, omadm.ErrNotExist) {
			c.Errorf("a refused Add left %s behind", base)
		}
		return
	}
	for _, uri := range []string{base, base + "/a", base + "/a/b"} {
		if r := c.get(ServerA, uri); r.Format != omadm.FormatNode {
			c.Errorf("implicit parent %s has format %v, want node", uri, r.Format)
		}
	}
	c.wantValue(base+"/a/b/c", "deep")
}

func checkStruct(c *checker) {
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/i", interior))
	c.must("Add", c.tree.Add(ServerA, base+"/i/l1", leaf("v1")))
	c.must("Add", c.tree.Add(ServerA, base+"/l2", leaf("v2")))
	for _, q := range []string{"Struct", "StructData"} {
		res, err := c.tree.Get(ServerA, base+"?list="+q, nil)
		c.must("Get ?list="+q, err)
		got := map[string]string{}
		pos := map[string]int{}
		for i, r := range res {
			got[r.URI] = r.Format.String() + ":" + string(r.Data)
			pos[r.URI] = i
		}
		want := map[string]string{base: "node:", base + "/i": "node:", base + "/i/l1": "chr:", base + "/l2": "chr:"}
		if q == "StructData" {
			want[base+"/i/l1"], want[base+"/l2"] = "chr:v1", "chr:v2"
		}
		if len(res) != len(want) {
			c.Errorf("Get(?list=%s) = %d results, want %d: %v", q, len(res), len(want), got)
		}
		for k, v := range want {
			if got[k] != v {
				c.Errorf("Get(?list=%s)[%s] = %q, want %q", q, k, got[k], v)
			}
		}
		if pos[base] != 0 || pos[base+"/i"] > pos[base+"/i/l1"] {
			c.Errorf("Get(?list=%s) is not in preorder: %v", q, pos)
		}
	}
}

func checkProps(c *checker) {
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/l", omadm.Value{Format: omadm.FormatChr, Type: "text/plain", Data: []byte("hello")}))
	c.wantProp(base+"/l", "Format", "chr")
	c.wantProp(base+"/l", "Type", "text/plain")
	c.wantProp(base+"/l", "Size", "5")
	c.wantProp(base+"/l", "Name", "l")
	c.wantProp(base, "Format", "node")
	c.wantProp(base, "Name", "dmtest")
	r := c.get(omadm.Local, base+"/l?prop=Name")
	if r.URI != base+"/l?prop=Name" {
		c.Errorf("Get(?prop=Name).URI = %q, want the URI with its query", r.URI)
	}
	_, err := c.tree.Get(omadm.Local, base+"/l?prop=Colour", nil)
	c.wantErr("Get(?prop=Colour)", err, "get", omadm.ErrNotSupported)
	_, err = c.tree.Get(omadm.Local, base+"/none?prop=ACL", nil)
	c.wantErr("Get(missing?prop=ACL)", err, "get", omadm.ErrNotExist)
	c.must("Replace Title", c.tree.Replace(ServerA, base+"/l?prop=Title", omadm.Value{Data: []byte("A leaf")}))
	c.wantProp(base+"/l", "Title", "A leaf")
	for _, p := range []string{"Format", "Size", "Type", "TStamp", "VerNo"} {
		c.wantErr("Replace ?prop="+p, c.tree.Replace(ServerA, base+"/l?prop="+p, omadm.Value{Data: []byte("1")}), "replace", omadm.ErrNotAllowed)
	}
	c.wantErr("Replace ?prop=Colour", c.tree.Replace(ServerA, base+"/l?prop=Colour", omadm.Value{Data: []byte("1")}), "replace", omadm.ErrNotSupported)
	// VerNo, when supported, changes with the value.
	if v1, err := c.tree.Get(omadm.Local, base+"/l?prop=VerNo", nil); err == nil {
		before := string(v1[0].Data)
		c.must("Replace", c.tree.Replace(ServerA, base+"/l", leaf("x")))
		if after := string(c.get(omadm.Local, base+"/l?prop=VerNo").Data); after == before {
			c.Errorf("VerNo stayed %s after Replace", after)
		}
	}
}

func checkReplace(c *checker) {
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/l", leaf("one")))
	c.must("Replace", c.tree.Replace(ServerA, base+"/l", omadm.Value{Format: omadm.FormatInt, Data: []byte("2")}))
	r := c.get(ServerA, base+"/l")
	if string(r.Data) != "2" || r.Format != omadm.FormatInt {
		c.Errorf("after Replace: {%q %v}, want {2 int}", r.Data, r.Format)
	}
	c.wantProp(base+"/l", "Size", "1")
	c.wantErr("Replace interior", c.tree.Replace(ServerA, base, leaf("x")), "replace", omadm.ErrNotAllowed)
	c.wantErr("Replace missing", c.tree.Replace(ServerA, base+"/none", leaf("x")), "replace", omadm.ErrNotExist)
	c.wantErr("Replace invalid", c.tree.Replace(ServerA, base+"/", leaf("x")), "replace", omadm.ErrInvalid)
}

func checkRename(c *checker) {
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/old", interior))
	c.must("Add", c.tree.Add(ServerA, base+"/old/l", leaf("kept")))
	c.must("Add", c.tree.Add(ServerA, base+"/other", leaf("o")))
	c.wantErr("rename onto a sibling", c.tree.Replace(ServerA, base+"/old?prop=Name", omadm.Value{Data: []byte("other")}), "replace", omadm.ErrExist)
	c.must("rename", c.tree.Replace(ServerA, base+"/old?prop=Name", omadm.Value{Data: []byte("new")}))
	_, err := c.tree.Get(ServerA, base+"/old", nil)
	c.wantErr("Get old name", err, "get", omadm.ErrNotExist)
	c.wantValue(base+"/new/l", "kept")
	c.wantProp(base+"/new", "Name", "new")
	if got, want := c.children(base), []string{"new", "other"}; !slices.Equal(got, want) {
		c.Errorf("children after rename = %q, want %q", got, want)
	}
	c.wantErr("rename the root", c.tree.Replace(omadm.Local, ".?prop=Name", omadm.Value{Data: []byte("x")}), "replace", omadm.ErrNotAllowed)
}

func checkDelete(c *checker) {
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/i", interior))
	c.must("Add", c.tree.Add(ServerA, base+"/i/l", leaf("x")))
	c.must("Add", c.tree.Add(ServerA, base+"/k", leaf("y")))
	c.must("Delete interior", c.tree.Delete(ServerA, base+"/i"))
	for _, uri := range []string{base + "/i", base + "/i/l"} {
		_, err := c.tree.Get(ServerA, uri, nil)
		c.wantErr("Get deleted "+uri, err, "get", omadm.ErrNotExist)
	}
	if got, want := c.children(base), []string{"k"}; !slices.Equal(got, want) {
		c.Errorf("children after Delete = %q, want %q", got, want)
	}
	c.wantErr("Delete again", c.tree.Delete(ServerA, base+"/i"), "delete", omadm.ErrNotExist)
	// A deleted name can be added again, and starts empty.
	c.must("re-Add", c.tree.Add(ServerA, base+"/i", interior))
	if got := c.children(base + "/i"); got != nil {
		c.Errorf("re-added node has children %q", got)
	}
}

func checkACL(c *checker) {
	c.must("Add", c.tree.Add(omadm.Local, base, interior))
	acl := "Add=" + ServerA + "&Delete=" + ServerA + "&Get=" + ServerA + "&Replace=" + ServerA
	c.must("Replace ACL", c.tree.Replace(omadm.Local, base+"?prop=ACL", omadm.Value{Data: []byte(acl)}))
	c.wantProp(base, "ACL", acl)
	c.must("Add by A", c.tree.Add(ServerA, base+"/l", leaf("secret")))
	c.must("Add by A", c.tree.Add(ServerA, base+"/i", interior))
	// B has no rights anywhere below ./dmtest: inherited ACL.
	for _, uri := range []string{base, base + "/l", base + "/i"} {
		_, err := c.tree.Get(ServerB, uri, nil)
		c.wantErr("Get by B "+uri, err, "get", omadm.ErrPermission)
	}
	_, err := c.tree.Get(ServerB, base+"?list=StructData", nil)
	c.wantErr("Get ?list by B", err, "get", omadm.ErrPermission)
	c.wantErr("Replace by B", c.tree.Replace(ServerB, base+"/l", leaf("x")), "replace", omadm.ErrPermission)
	c.wantErr("Add by B", c.tree.Add(ServerB, base+"/i/x", leaf("x")), "add", omadm.ErrPermission)
	c.wantErr("Delete by B", c.tree.Delete(ServerB, base+"/l"), "delete", omadm.ErrPermission)
	c.wantErr("Replace ACL by B", c.tree.Replace(ServerB, base+"/i?prop=ACL", omadm.Value{Data: []byte("Get=*")}), "replace", omadm.ErrPermission)
	c.wantValue(base+"/l", "secret")
	// A node's own ACL overrides the inherited one.
	c.must("Replace ACL by A", c.tree.Replace(ServerA, base+"/i?prop=ACL", omadm.Value{Data: []byte("Get=*&Add=" + ServerB)}))
	c.get(ServerB, base+"/i")
	c.must("Add by B where its ACL lets it", c.tree.Add(ServerB, base+"/i/b", leaf("b")))
	if _, err := c.tree.Get(ServerB, base+"/i/b", nil); err != nil {
		c.Errorf("B cannot Get the node it added: %v", err)
	}
	// Struct lists skip what the server may not Get.
	c.must("Replace ACL", c.tree.Replace(ServerA, base+"/i?prop=ACL", omadm.Value{Data: []byte("Get=" + ServerA)}))
	res, err := c.tree.Get(ServerA, base+"?list=Struct", nil)
	c.must("Get ?list=Struct", err)
	if len(res) < 3 {
		c.Errorf("Get(?list=Struct) by A = %d results, want at least 3", len(res))
	}
	// A malformed ACL is refused.
	c.wantErr("Replace bad ACL", c.tree.Replace(ServerA, base+"/i?prop=ACL", omadm.Value{Data: []byte("Fly=*")}), "replace", omadm.ErrInvalid)
}

func checkACLChange(c *checker) {
	c.must("Add", c.tree.Add(omadm.Local, base, interior))
	c.must("ACL", c.tree.Replace(omadm.Local, base+"?prop=ACL", omadm.Value{Data: []byte("Get=*&Add=*&Replace=" + ServerA)}))
	c.must("Add", c.tree.Add(omadm.Local, base+"/l", leaf("v")))
	c.must("ACL", c.tree.Replace(omadm.Local, base+"/l?prop=ACL", omadm.Value{Data: []byte("Get=*&Replace=" + ServerB)}))
	// B may Replace the leaf's value but not its ACL: that takes Replace on the parent.
	c.must("Replace by B", c.tree.Replace(ServerB, base+"/l", leaf("w")))
	c.wantErr("leaf ACL by B", c.tree.Replace(ServerB, base+"/l?prop=ACL", omadm.Value{Data: []byte("Get=*")}), "replace", omadm.ErrPermission)
	// A, with Replace on the parent, may take the leaf over.
	c.must("leaf ACL by A", c.tree.Replace(ServerA, base+"/l?prop=ACL", omadm.Value{Data: []byte("Get=*&Replace=" + ServerA)}))
	c.wantErr("Replace by B after takeover", c.tree.Replace(ServerB, base+"/l", leaf("z")), "replace", omadm.ErrPermission)
	c.must("Replace by A", c.tree.Replace(ServerA, base+"/l", leaf("a")))
	c.wantValue(base+"/l", "a")
}

func checkAliasing(c *checker) {
	c.must("Add", c.tree.Add(ServerA, base, interior))
	buf := []byte("original")
	c.must("Add", c.tree.Add(ServerA, base+"/l", omadm.Value{Data: buf}))
	copy(buf, "XXXXXXXX")
	c.wantValue(base+"/l", "original")
	old := c.get(ServerA, base+"/l").Data
	c.must("Replace", c.tree.Replace(ServerA, base+"/l", leaf("changed")))
	if string(old) != "original" {
		c.Errorf("Data from an earlier Get changed to %q after Replace", old)
	}
	r := c.get(ServerA, base+"/l")
	if r.Format != omadm.FormatChr {
		c.Errorf("a leaf added with no format has format %v, want chr", r.Format)
	}
}

func checkConcurrent(c *checker) {
	c.must("Add", c.tree.Add(ServerA, base, interior))
	const n = 8
	for i := range n {
		c.must("Add", c.tree.Add(ServerA, fmt.Sprintf("%s/n%d", base, i), leaf("0")))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			uri := fmt.Sprintf("%s/n%d", base, i)
			for j := range 50 {
				if err := c.tree.Replace(ServerA, uri, leaf(fmt.Sprint(j))); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			var dst []omadm.Result
			for range 50 {
				var err error
				if dst, err = c.tree.Get(ServerA, base+"?list=StructData", dst[:0]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		c.Errorf("concurrent use: %v", err)
	}
	for i := range n {
		c.wantValue(fmt.Sprintf("%s/n%d", base, i), "49")
	}
}

func checkCopy(c *checker) {
	ct, ok := c.tree.(omadm.CopyTree)
	if !ok {
		c.Skip("tree does not implement omadm.CopyTree")
	}
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/src", interior))
	c.must("Add", c.tree.Add(ServerA, base+"/src/l", leaf("v")))
	c.must("Copy", ct.Copy(ServerA, base+"/dst", base+"/src"))
	c.wantValue(base+"/dst/l", "v")
	c.must("Replace copy", c.tree.Replace(ServerA, base+"/dst/l", leaf("w")))
	c.wantValue(base+"/src/l", "v")
	c.wantErr("Copy missing", ct.Copy(ServerA, base+"/x", base+"/none"), "copy", omadm.ErrNotExist)
	c.wantErr("Copy into itself", ct.Copy(ServerA, base+"/src/in", base+"/src"), "copy", omadm.ErrInvalid)
	c.must("Copy leaf over leaf", ct.Copy(ServerA, base+"/src/l", base+"/dst/l"))
	c.wantValue(base+"/src/l", "w")
}

func checkExec(c *checker) {
	et, ok := c.tree.(omadm.ExecTree)
	if !ok {
		c.Skip("tree does not implement omadm.ExecTree")
	}
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/l", leaf("v")))
	c.wantErr("Exec without a handler", et.Exec(context.Background(), omadm.Local, base+"/l", nil, ""), "exec", omadm.ErrNotAllowed)
	c.wantErr("Exec missing", et.Exec(context.Background(), omadm.Local, base+"/none", nil, ""), "exec", omadm.ErrNotExist)
}

func checkAtomic(c *checker) {
	at, ok := c.tree.(omadm.AtomicTree)
	if !ok {
		c.Skip("tree does not implement omadm.AtomicTree")
	}
	c.must("Add", c.tree.Add(ServerA, base, interior))
	c.must("Add", c.tree.Add(ServerA, base+"/keep", leaf("k")))
	c.must("Add", c.tree.Add(ServerA, base+"/gone", interior))
	c.must("Add", c.tree.Add(ServerA, base+"/gone/l", leaf("g")))
	before := c.snapshot()
	errStop := errors.New("dmtest: stop")
	err := at.Atomic(func(t omadm.Tree) error {
		c.must("Add in Atomic", t.Add(ServerA, base+"/new", interior))
		c.must("Add in Atomic", t.Add(ServerA, base+"/new/deep", leaf("n")))
		c.must("Replace in Atomic", t.Replace(ServerA, base+"/keep", leaf("changed")))
		c.must("Replace Title in Atomic", t.Replace(ServerA, base+"/keep?prop=Title", omadm.Value{Data: []byte("t")}))
		c.must("Delete in Atomic", t.Delete(ServerA, base+"/gone"))
		c.must("rename in Atomic", t.Replace(ServerA, base+"/keep?prop=Name", omadm.Value{Data: []byte("kept")}))
		if r, err := t.Get(ServerA, base+"/kept", nil); err != nil || string(r[0].Data) != "changed" {
			c.Errorf("Get inside Atomic does not see its changes: %v", err)
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		c.Errorf("Atomic = %v, want fn's error", err)
	}
	if after := c.snapshot(); after != before {
		c.Errorf("Atomic did not roll back:\nbefore %s\nafter  %s", before, after)
	}
	c.must("Atomic commit", at.Atomic(func(t omadm.Tree) error {
		return t.Replace(ServerA, base+"/keep", leaf("committed"))
	}))
	c.wantValue(base+"/keep", "committed")
}

// snapshot renders the ./dmtest subtree with values and titles.
func (c *checker) snapshot() string {
	c.Helper()
	res, err := c.tree.Get(omadm.Local, base+"?list=StructData", nil)
	c.must("Get ?list=StructData", err)
	var lines []string
	for _, r := range res {
		title := c.get(omadm.Local, r.URI+"?prop=Title").Data
		lines = append(lines, fmt.Sprintf("%s %v %q %q", r.URI, r.Format, r.Data, title))
	}
	slices.Sort(lines)
	return string(bytes.Join(func() [][]byte {
		var b [][]byte
		for _, l := range lines {
			b = append(b, []byte(l))
		}
		return b
	}(), []byte("; ")))
}
