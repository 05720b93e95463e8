package tree

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phdkit/phdkit/omadm"
)

// DefaultRootACL is the root ACL of a new tree: every server may add nodes and read the
// root (OMA-TS-DM_TND §7.7.1.2).
const DefaultRootACL = "Add=*&Get=*"

// ExecFunc runs an executable node. uri is the node's URI as the server gave it. It runs
// without the tree's lock held, so it may use the tree. Returning omadm.ErrAccepted means
// the work goes on and its result will be reported with a generic alert carrying the
// correlator.
type ExecFunc func(ctx context.Context, server, uri string, data []byte, correlator string) error

// Config configures a Tree. The zero value is valid; it is read only once passed to New or
// Open.
type Config struct {
	// RootACL is the ACL of the root node of a new tree. Empty means DefaultRootACL.
	RootACL string

	// NoImplicitParents makes Add fail with omadm.ErrNotExist when the parent of the new
	// node is missing. By default Add creates the missing interior nodes.
	NoImplicitParents bool

	// MaxDepth, MaxTotLen and MaxSegLen limit URIs (segments, bytes, bytes per segment), as
	// a device announces in ./DevDetail/URI; longer URIs fail with omadm.ErrURITooLong.
	// Zero means no limit.
	MaxDepth, MaxTotLen, MaxSegLen int

	// MaxValueSize limits the size of a leaf value; larger values fail with
	// omadm.ErrValueTooLarge. Zero means no limit.
	MaxValueSize int

	// Now returns the time stamped into the TStamp property. Nil means time.Now.
	Now func() time.Time

	// WriteThrough makes every change durable before the operation returns (Open only).
	// By default changes are written back later: every FlushInterval, when SetConnected
	// reports fewer than FlushBelow devices, on Flush, and on Close.
	WriteThrough bool

	// FlushInterval is the delayed write-back period. Zero means 5 minutes; a negative
	// value disables the periodic write-back.
	FlushInterval time.Duration

	// FlushBelow triggers a write-back when SetConnected reports fewer connected devices
	// than it. Zero disables the trigger.
	FlushBelow int

	// CompactBytes is the journal size past which a write-back stores a fresh snapshot
	// and starts an empty journal. Zero means 4 MiB.
	CompactBytes int64
}

// Tree is an in-memory management tree with a hash index on node paths. It implements
// omadm.Tree, omadm.CopyTree, omadm.ExecTree and omadm.AtomicTree. It is safe for
// concurrent use.
type Tree struct {
	cfg Config

	txMu sync.Mutex   // serializes changes; held for the whole of an Atomic
	mu   sync.RWMutex // guards everything below
	root *node
	idx  map[string]*node // canonical path ("" for the root, "a/b") to node
	ddf  *Desc            // synthetic root description, nil without a DDF
	log  *store           // nil for a tree without storage
	undo *[]func()        // non-nil inside Atomic
}

// node is one node of the tree. Values and strings are never modified in place.
type node struct {
	path   string // canonical path
	name   string // last segment, escaped as in URIs
	parent *node
	kids   []*node
	leaf   bool
	format omadm.Format
	typ    string
	data   []byte
	acl    string
	title  string
	tstamp int64 // Unix seconds of the last change
	verNo  uint16
	exec   ExecFunc
	desc   *Desc
	list   atomic.Pointer[[]byte] // cached child list for Get
}

// New returns an empty in-memory tree holding only the root.
func New(cfg Config) *Tree {
	t := &Tree{cfg: cfg, idx: make(map[string]*node)}
	acl := cfg.RootACL
	if acl == "" {
		acl = DefaultRootACL
	}
	t.root = &node{format: omadm.FormatNode, acl: acl, tstamp: t.now()}
	t.idx[""] = t.root
	return t
}

func (t *Tree) now() int64 {
	if t.cfg.Now != nil {
		return t.cfg.Now().Unix()
	}
	return time.Now().Unix()
}

func pathErr(op, uri string, err error) error {
	return &omadm.PathError{Op: op, Path: uri, Err: err}
}

// uriOf returns the URI of a canonical path.
func uriOf(path string) string {
	if path == "" {
		return "."
	}
	return "./" + path
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// checkURI validates uri (without query) and returns its canonical path.
func (t *Tree) checkURI(uri string) (string, error) {
	if !omadm.ValidURI(uri) {
		return "", omadm.ErrInvalid
	}
	p := omadm.CleanURI(uri)
	if t.cfg.MaxTotLen > 0 && len(p) > t.cfg.MaxTotLen {
		return "", omadm.ErrURITooLong
	}
	if t.cfg.MaxDepth > 0 || t.cfg.MaxSegLen > 0 {
		depth := 0
		for rest := p; rest != ""; depth++ {
			seg := rest
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				seg, rest = rest[:i], rest[i+1:]
			} else {
				rest = ""
			}
			if t.cfg.MaxSegLen > 0 && len(seg) > t.cfg.MaxSegLen {
				return "", omadm.ErrURITooLong
			}
		}
		if t.cfg.MaxDepth > 0 && depth > t.cfg.MaxDepth {
			return "", omadm.ErrURITooLong
		}
	}
	return p, nil
}

// effectiveACL returns the ACL that governs n: its own, or its nearest ancestor's.
func effectiveACL(n *node) string {
	for ; n != nil; n = n.parent {
		if n.acl != "" {
			return n.acl
		}
	}
	return ""
}

func allowed(n *node, r right, server string) bool {
	return server == omadm.Local || aclGrants(effectiveACL(n), r, server)
}

// access reports whether the DDF lets server run r on n.
func access(n *node, r right, server string) bool {
	return server == omadm.Local || n.desc == nil || n.desc.allows(r)
}

// Get implements omadm.Tree. Get of a single node allocates nothing when dst has room;
// property values other than ACL, Name, Title and Type are formatted on demand.
func (t *Tree) Get(server, uri string, dst []omadm.Result) ([]omadm.Result, error) {
	path, query := omadm.SplitURI(uri)
	p, err := t.checkURI(path)
	if err != nil {
		return dst, pathErr("get", uri, err)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := t.idx[p]
	if n == nil {
		return dst, pathErr("get", uri, omadm.ErrNotExist)
	}
	if !allowed(n, rightGet, server) {
		return dst, pathErr("get", uri, omadm.ErrPermission)
	}
	if !access(n, rightGet, server) {
		return dst, pathErr("get", uri, omadm.ErrNotAllowed)
	}
	switch {
	case query == "":
		return append(dst, omadm.Result{URI: path, Format: n.format, Type: n.typ, Data: n.value()}), nil
	case query == "list=Struct" || query == "list=StructData":
		return t.appendStruct(dst, server, n, path, query == "list=StructData"), nil
	case strings.HasPrefix(query, "prop="):
		v, ok, err := n.prop(query[len("prop="):])
		if err != nil {
			return dst, pathErr("get", uri, err)
		}
		if !ok {
			return dst, pathErr("get", uri, omadm.ErrNotSupported)
		}
		return append(dst, omadm.Result{URI: uri, Format: omadm.FormatChr, Type: "text/plain", Data: v}), nil
	}
	return dst, pathErr("get", uri, omadm.ErrNotSupported)
}

// value returns a leaf's value or an interior node's child list.
func (n *node) value() []byte {
	if n.leaf {
		return n.data
	}
	if l := n.list.Load(); l != nil {
		return *l
	}
	var b []byte
	for i, k := range n.kids {
		if i > 0 {
			b = append(b, '/')
		}
		b = append(b, k.name...)
	}
	if b == nil {
		b = []byte{}
	}
	n.list.Store(&b)
	return b
}

// appendStruct appends the subtree of n in preorder, skipping subtrees server cannot Get.
func (t *Tree) appendStruct(dst []omadm.Result, server string, n *node, uri string, data bool) []omadm.Result {
	r := omadm.Result{URI: uri, Format: n.format, Type: n.typ}
	if data && n.leaf {
		r.Data = n.data
	}
	dst = append(dst, r)
	for _, k := range n.kids {
		if !allowed(k, rightGet, server) || !access(k, rightGet, server) {
			continue
		}
		dst = t.appendStruct(dst, server, k, uri+"/"+k.name, data)
	}
	return dst
}

// propNames lists the properties of OMA-TS-DM_TND §7.7.
var propNames = [...]string{"ACL", "Format", "Name", "Size", "Title", "TStamp", "Type", "VerNo"}

func knownProp(p string) bool {
	for _, n := range propNames {
		if n == p {
			return true
		}
	}
	return false
}

// prop returns property p of n; ok is false for an unknown property.
func (n *node) prop(p string) (v []byte, ok bool, err error) {
	switch p {
	case "ACL":
		return []byte(n.acl), true, nil
	case "Format":
		return []byte(n.format.String()), true, nil
	case "Name":
		return []byte(omadm.UnescapeName(n.name)), true, nil
	case "Size":
		if !n.leaf {
			return nil, true, omadm.ErrNotSupported // interior nodes have no Size
		}
		return strconv.AppendInt(nil, int64(len(n.data)), 10), true, nil
	case "Title":
		return []byte(n.title), true, nil
	case "TStamp":
		return time.Unix(n.tstamp, 0).UTC().AppendFormat(nil, "20060102T150405Z"), true, nil
	case "Type":
		return []byte(n.typ), true, nil
	case "VerNo":
		return strconv.AppendUint(nil, uint64(n.verNo), 10), true, nil
	}
	return nil, false, nil
}

// Add implements omadm.Tree.
func (t *Tree) Add(server, uri string, v omadm.Value) error {
	t.txMu.Lock()
	defer t.txMu.Unlock()
	return t.add(server, uri, v)
}

func (t *Tree) add(server, uri string, v omadm.Value) error {
	if _, q := omadm.SplitURI(uri); q != "" {
		return pathErr("add", uri, omadm.ErrInvalid)
	}
	p, err := t.checkURI(uri)
	if err != nil {
		return pathErr("add", uri, err)
	}
	if p == "" {
		return pathErr("add", uri, omadm.ErrExist)
	}
	if t.cfg.MaxValueSize > 0 && len(v.Data) > t.cfg.MaxValueSize {
		return pathErr("add", uri, omadm.ErrValueTooLarge)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idx[p] != nil {
		return pathErr("add", uri, omadm.ErrExist)
	}
	// Find the nearest existing ancestor.
	anc, missing := t.root, p
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			if a := t.idx[p[:i]]; a != nil {
				anc, missing = a, p[i+1:]
				break
			}
		}
	}
	if strings.IndexByte(missing, '/') >= 0 && t.cfg.NoImplicitParents {
		return pathErr("add", uri, omadm.ErrNotExist)
	}
	if anc.leaf {
		return pathErr("add", uri, omadm.ErrNotAllowed)
	}
	if !allowed(anc, rightAdd, server) {
		return pathErr("add", uri, omadm.ErrPermission)
	}
	// Check every node to be created against the DDF before changing anything.
	parentDesc := anc.desc
	rest := missing
	for rest != "" {
		name := rest
		last := true
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			name, rest, last = rest[:i], rest[i+1:], false
		} else {
			rest = ""
		}
		d, err := childDesc(parentDesc, name)
		if err != nil {
			return pathErr("add", uri, err)
		}
		if d != nil {
			if server != omadm.Local && !d.allows(rightAdd) {
				return pathErr("add", uri, omadm.ErrNotAllowed)
			}
			if parentDesc == anc.desc && d.Occurrence.Max > 0 && countDesc(anc, d) >= d.Occurrence.Max {
				return pathErr("add", uri, omadm.ErrNotAllowed)
			}
			if last {
				if err := d.check(v); err != nil {
					return pathErr("add", uri, err)
				}
			} else if d.Format != omadm.FormatUnknown && d.Format != omadm.FormatNode {
				return pathErr("add", uri, omadm.ErrFormat)
			}
		}
		parentDesc = d
	}
	if err := checkValue(v); err != nil {
		return pathErr("add", uri, err)
	}
	// Create.
	now := t.now()
	par := anc
	rest = missing
	for rest != "" {
		name := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			name, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		n := &node{path: joinPath(par.path, name), name: name, parent: par, format: omadm.FormatNode, tstamp: now}
		n.desc, _ = childDesc(par.desc, name)
		if rest == "" && v.Format != omadm.FormatNode {
			n.leaf = true
			n.format = v.Format
			if n.format == omadm.FormatUnknown {
				n.format = omadm.FormatChr
				if n.desc != nil && n.desc.Format != omadm.FormatUnknown {
					n.format = n.desc.Format
				}
			}
			n.data = append([]byte{}, v.Data...)
		}
		n.typ = v.Type
		if rest != "" {
			n.typ = ""
		}
		if n.typ == "" && n.desc != nil {
			n.typ = n.desc.typeName()
		}
		if server != omadm.Local && !aclGrants(effectiveACL(par), rightReplace, server) {
			// The adding server gets full rights on the node it created (§7.7.1.4).
			n.acl = "Add=" + server + "&Delete=" + server + "&Get=" + server + "&Replace=" + server
		}
		t.link(n)
		t.pushUndo(func() { t.unlink(n) })
		par = n
	}
	return t.commit()
}

func countDesc(parent *node, d *Desc) int {
	c := 0
	for _, k := range parent.kids {
		if k.desc == d {
			c++
		}
	}
	return c
}

// checkValue checks that v.Data fits v.Format.
func checkValue(v omadm.Value) error {
	switch v.Format {
	case omadm.FormatInt:
		if _, err := strconv.ParseInt(strings.TrimSpace(string(v.Data)), 10, 64); err != nil {
			return omadm.ErrFormat
		}
	case omadm.FormatBool:
		switch strings.TrimSpace(string(v.Data)) {
		case "true", "false", "True", "False", "TRUE", "FALSE":
		default:
			return omadm.ErrFormat
		}
	case omadm.FormatFloat:
		if _, err := strconv.ParseFloat(strings.TrimSpace(string(v.Data)), 64); err != nil {
			return omadm.ErrFormat
		}
	case omadm.FormatNode, omadm.FormatNull:
		if len(v.Data) != 0 {
			return omadm.ErrFormat
		}
	}
	return nil
}

// link inserts n (with its subtree) under n.parent and records it for storage.
func (t *Tree) link(n *node) {
	n.parent.kids = append(n.parent.kids, n)
	n.parent.list.Store(nil)
	t.index(n)
}

func (t *Tree) index(n *node) {
	t.idx[n.path] = n
	t.log.put(n)
	for _, k := range n.kids {
		t.index(k)
	}
}

// unlink removes n and its subtree from the tree.
func (t *Tree) unlink(n *node) {
	kids := n.parent.kids
	for i, k := range kids {
		if k == n {
			n.parent.kids = append(kids[:i:i], kids[i+1:]...)
			break
		}
	}
	n.parent.list.Store(nil)
	t.unindex(n)
	t.log.del(n.path)
}

func (t *Tree) unindex(n *node) {
	delete(t.idx, n.path)
	for _, k := range n.kids {
		t.unindex(k)
	}
}

// repath sets the paths of n's subtree after n.path changed.
func repath(n *node) {
	for _, k := range n.kids {
		k.path = joinPath(n.path, k.name)
		repath(k)
	}
}

func (t *Tree) pushUndo(f func()) {
	if t.undo != nil {
		*t.undo = append(*t.undo, f)
	}
}

// commit makes the changes of the current operation durable as the configuration asks.
// It is called with t.mu held.
func (t *Tree) commit() error {
	if t.log == nil || t.undo != nil {
		return nil
	}
	return t.log.commit(t)
}

// Replace implements omadm.Tree.
func (t *Tree) Replace(server, uri string, v omadm.Value) error {
	t.txMu.Lock()
	defer t.txMu.Unlock()
	return t.replace(server, uri, v)
}

func (t *Tree) replace(server, uri string, v omadm.Value) error {
	path, query := omadm.SplitURI(uri)
	p, err := t.checkURI(path)
	if err != nil {
		return pathErr("replace", uri, err)
	}
	if t.cfg.MaxValueSize > 0 && len(v.Data) > t.cfg.MaxValueSize {
		return pathErr("replace", uri, omadm.ErrValueTooLarge)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.idx[p]
	if n == nil {
		return pathErr("replace", uri, omadm.ErrNotExist)
	}
	if query != "" {
		prop, ok := strings.CutPrefix(query, "prop=")
		if !ok {
			return pathErr("replace", uri, omadm.ErrNotSupported)
		}
		if err := t.replaceProp(server, n, prop, string(v.Data)); err != nil {
			return pathErr("replace", uri, err)
		}
		return t.commit()
	}
	if !allowed(n, rightReplace, server) {
		return pathErr("replace", uri, omadm.ErrPermission)
	}
	if !n.leaf {
		return pathErr("replace", uri, omadm.ErrNotAllowed)
	}
	if !access(n, rightReplace, server) {
		return pathErr("replace", uri, omadm.ErrNotAllowed)
	}
	if v.Format == omadm.FormatNode {
		return pathErr("replace", uri, omadm.ErrFormat)
	}
	if v.Format == omadm.FormatUnknown {
		v.Format = n.format
	}
	if n.desc != nil {
		if err := n.desc.check(v); err != nil {
			return pathErr("replace", uri, err)
		}
	}
	if err := checkValue(v); err != nil {
		return pathErr("replace", uri, err)
	}
	t.saveUndo(n)
	n.data = append([]byte{}, v.Data...)
	n.format = v.Format
	if v.Type != "" {
		n.typ = v.Type
	}
	n.touch(t.now())
	t.log.put(n)
	return t.commit()
}

// fields are the values of a node that Replace changes.
type fields struct {
	format omadm.Format
	typ    string
	data   []byte
	acl    string
	title  string
	tstamp int64
	verNo  uint16
}

// saveUndo records, inside an Atomic, how to restore the fields of n.
func (t *Tree) saveUndo(n *node) {
	if t.undo == nil {
		return
	}
	old := fields{n.format, n.typ, n.data, n.acl, n.title, n.tstamp, n.verNo}
	t.pushUndo(func() { n.restoreFields(&old); t.log.put(n) })
}

func (n *node) restoreFields(f *fields) {
	n.format, n.typ, n.data, n.acl, n.title, n.tstamp, n.verNo = f.format, f.typ, f.data, f.acl, f.title, f.tstamp, f.verNo
}

func (n *node) touch(now int64) {
	n.tstamp = now
	n.verNo++
}

func (t *Tree) replaceProp(server string, n *node, prop, val string) error {
	switch prop {
	case "ACL":
		// An interior node's ACL may be changed by Replace rights on the node itself; any
		// node's by Replace rights on its parent (§7.7.1.3).
		ok := server == omadm.Local ||
			(!n.leaf && allowed(n, rightReplace, server)) ||
			(n.parent != nil && allowed(n.parent, rightReplace, server))
		if !ok {
			return omadm.ErrPermission
		}
		if !validACL(val) {
			return omadm.ErrInvalid
		}
		if n.parent == nil && (val == "" || !aclKeepsRootAdd(val)) {
			return omadm.ErrNotAllowed
		}
		t.saveUndo(n)
		n.acl = val
		n.tstamp = t.now()
		t.log.put(n)
		return nil
	case "Title":
		if !allowed(n, rightReplace, server) {
			return omadm.ErrPermission
		}
		t.saveUndo(n)
		n.title = val
		n.touch(t.now())
		t.log.put(n)
		return nil
	case "Name":
		if !allowed(n, rightReplace, server) {
			return omadm.ErrPermission
		}
		if n.parent == nil || (server != omadm.Local && n.desc != nil && (n.desc.Name != "" || n.desc.Permanent)) {
			return omadm.ErrNotAllowed
		}
		name := omadm.EscapeName(val)
		if val == "" || val == "." || val == ".." {
			return omadm.ErrInvalid
		}
		if t.idx[joinPath(n.parent.path, name)] != nil {
			return omadm.ErrExist
		}
		oldName := n.name
		t.rename(n, name)
		t.pushUndo(func() { t.rename(n, oldName) })
		return nil
	}
	if knownProp(prop) {
		return omadm.ErrNotAllowed
	}
	return omadm.ErrNotSupported
}

// rename gives n a new name, moving it to the end of its parent's children.
func (t *Tree) rename(n *node, name string) {
	t.unlink(n)
	n.name = name
	n.path = joinPath(n.parent.path, name)
	repath(n)
	n.touch(t.now())
	t.link(n)
}

// Delete implements omadm.Tree.
func (t *Tree) Delete(server, uri string) error {
	t.txMu.Lock()
	defer t.txMu.Unlock()
	return t.delete(server, uri)
}

func (t *Tree) delete(server, uri string) error {
	if _, q := omadm.SplitURI(uri); q != "" {
		return pathErr("delete", uri, omadm.ErrInvalid)
	}
	p, err := t.checkURI(uri)
	if err != nil {
		return pathErr("delete", uri, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.idx[p]
	if n == nil {
		return pathErr("delete", uri, omadm.ErrNotExist)
	}
	if n.parent == nil {
		return pathErr("delete", uri, omadm.ErrNotAllowed)
	}
	if !allowed(n, rightDelete, server) {
		return pathErr("delete", uri, omadm.ErrPermission)
	}
	if server != omadm.Local && n.desc != nil && (n.desc.Permanent || !n.desc.allows(rightDelete)) {
		return pathErr("delete", uri, omadm.ErrNotAllowed)
	}
	par := n.parent
	pos := 0
	for i, k := range par.kids {
		if k == n {
			pos = i
		}
	}
	t.unlink(n)
	t.pushUndo(func() {
		// Put n back where it was.
		par.kids = append(par.kids, nil)
		copy(par.kids[pos+1:], par.kids[pos:])
		par.kids[pos] = n
		par.list.Store(nil)
		t.index(n)
	})
	return t.commit()
}

// Copy implements omadm.CopyTree. If dst exists and both are leaves, dst's value is
// replaced; otherwise an existing dst fails with omadm.ErrExist.
func (t *Tree) Copy(server, dst, src string) error {
	t.txMu.Lock()
	defer t.txMu.Unlock()
	return t.copyNode(server, dst, src)
}

func (t *Tree) copyNode(server, dst, src string) error {
	sp, err := t.checkURI(src)
	if err != nil {
		return pathErr("copy", src, err)
	}
	dp, err := t.checkURI(dst)
	if err != nil {
		return pathErr("copy", dst, err)
	}
	if dp == "" || dp == sp || sp == "" || strings.HasPrefix(dp, sp+"/") {
		return pathErr("copy", dst, omadm.ErrInvalid)
	}
	t.mu.Lock()
	s := t.idx[sp]
	if s == nil {
		t.mu.Unlock()
		return pathErr("copy", src, omadm.ErrNotExist)
	}
	if !allowed(s, rightGet, server) {
		t.mu.Unlock()
		return pathErr("copy", src, omadm.ErrPermission)
	}
	d := t.idx[dp]
	if d != nil {
		if !s.leaf || !d.leaf {
			t.mu.Unlock()
			return pathErr("copy", dst, omadm.ErrExist)
		}
		v := omadm.Value{Format: s.format, Type: s.typ, Data: s.data}
		t.mu.Unlock()
		return t.replace(server, dst, v)
	}
	// Gather the source subtree, then add it node by node.
	var items []copyItem
	var walk func(n *node, rel string)
	walk = func(n *node, rel string) {
		v := omadm.Value{Format: omadm.FormatNode, Type: n.typ}
		if n.leaf {
			v = omadm.Value{Format: n.format, Type: n.typ, Data: n.data}
		}
		items = append(items, copyItem{rel, v})
		for _, k := range n.kids {
			walk(k, rel+"/"+k.name)
		}
	}
	walk(s, "")
	t.mu.Unlock()
	return t.atomic(func() error {
		for _, it := range items {
			if err := t.add(server, dst+it.rel, it.v); err != nil {
				var pe *omadm.PathError
				if errors.As(err, &pe) {
					pe.Op = "copy"
				}
				return err
			}
		}
		return nil
	})
}

type copyItem struct {
	rel string
	v   omadm.Value
}

// atomic runs fn with an undo log, undoing its changes if it fails. It is called with
// t.txMu held; nested calls join the outer log.
func (t *Tree) atomic(fn func() error) error {
	if t.undo != nil {
		return fn()
	}
	var undo []func()
	t.mu.Lock()
	t.undo = &undo
	t.mu.Unlock()
	err := fn()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.undo = nil
	if err != nil {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if cerr := t.commit(); err == nil {
		err = cerr
	}
	return err
}

// Atomic implements omadm.AtomicTree.
func (t *Tree) Atomic(fn func(omadm.Tree) error) error {
	t.txMu.Lock()
	defer t.txMu.Unlock()
	v := &view{t: t}
	defer func() { v.done = true }()
	return t.atomic(func() error { return fn(v) })
}

// view is the tree as seen inside Atomic: its changes join the transaction.
type view struct {
	t    *Tree
	done bool
}

func (v *view) Get(server, uri string, dst []omadm.Result) ([]omadm.Result, error) {
	return v.t.Get(server, uri, dst)
}

func (v *view) Add(server, uri string, val omadm.Value) error {
	if v.done {
		return pathErr("add", uri, errViewClosed)
	}
	return v.t.add(server, uri, val)
}

func (v *view) Replace(server, uri string, val omadm.Value) error {
	if v.done {
		return pathErr("replace", uri, errViewClosed)
	}
	return v.t.replace(server, uri, val)
}

func (v *view) Delete(server, uri string) error {
	if v.done {
		return pathErr("delete", uri, errViewClosed)
	}
	return v.t.delete(server, uri)
}

func (v *view) Copy(server, dst, src string) error {
	if v.done {
		return pathErr("copy", dst, errViewClosed)
	}
	return v.t.copyNode(server, dst, src)
}

func (v *view) Exec(ctx context.Context, server, uri string, data []byte, correlator string) error {
	return v.t.Exec(ctx, server, uri, data, correlator)
}

var errViewClosed = fmt.Errorf("%w: atomic view used after Atomic returned", omadm.ErrFailed)

// Exec implements omadm.ExecTree. The handler runs without the tree's locks held.
func (t *Tree) Exec(ctx context.Context, server, uri string, data []byte, correlator string) error {
	if _, q := omadm.SplitURI(uri); q != "" {
		return pathErr("exec", uri, omadm.ErrInvalid)
	}
	p, err := t.checkURI(uri)
	if err != nil {
		return pathErr("exec", uri, err)
	}
	t.mu.RLock()
	n := t.idx[p]
	var fn ExecFunc
	switch {
	case n == nil:
		err = omadm.ErrNotExist
	case !allowed(n, rightExec, server):
		err = omadm.ErrPermission
	case !access(n, rightExec, server) || n.exec == nil:
		err = omadm.ErrNotAllowed
	default:
		fn = n.exec
	}
	t.mu.RUnlock()
	if err != nil {
		return pathErr("exec", uri, err)
	}
	if err := fn(ctx, server, uri, data, correlator); err != nil {
		return pathErr("exec", uri, err)
	}
	return nil
}

// SetExec makes the node uri executable with fn, or not executable when fn is nil.
// Handlers are not stored; register them again after Open. A handler may change the tree
// through its methods, except when the Exec runs inside Atomic: the Atomic holds off every
// other change until it returns, so such a handler must leave the tree alone.
func (t *Tree) SetExec(uri string, fn ExecFunc) error {
	p, err := t.checkURI(uri)
	if err != nil {
		return pathErr("setexec", uri, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.idx[p]
	if n == nil {
		return pathErr("setexec", uri, omadm.ErrNotExist)
	}
	n.exec = fn
	return nil
}

// Len returns the number of nodes, the root included.
func (t *Tree) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.idx)
}
