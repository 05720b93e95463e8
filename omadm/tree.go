package omadm

import (
	"context"
	"errors"
	"strings"
)

// The management tree (OMA-TS-DM_TND-V1_2 §6–7).
//
// A management tree is addressed by relative URIs: "." is the root, "./Vendor/PHD" and
// "Vendor/PHD" name the same node, segments are separated by "/", a URI never ends in "/",
// and characters outside the URI segment set are %-escaped. Get and Replace also accept a
// query: "?list=Struct", "?list=StructData" or "?prop=Name".
//
// Tree is the interface a device's DM client engine drives, in the manner of io/fs.FS: it
// holds the operations every tree has, and optional interfaces (CopyTree, ExecTree,
// AtomicTree) add the ones a tree may implement natively. Package omadm/tree is an
// in-memory implementation with durable storage; omadm/dmtest checks any implementation.

// Local is the server identity under which the device itself acts. It passes every ACL
// and AccessType check. It contains a NUL byte, which XML cannot carry, so no server on the
// wire can claim it.
const Local = "\x00local"

// Tree is a management tree. Every method takes the identity of the server on whose
// behalf it runs (its Server Identifier, or Local) and checks the node's ACL for it.
// Errors are *PathError values wrapping one of the sentinel errors below; TreeStatus maps
// them to SyncML status codes.
//
// A Tree must be safe for concurrent use.
type Tree interface {
	// Get appends to dst what uri selects and returns the extended slice:
	//   - a leaf: one Result with its value, Format and Type;
	//   - an interior node: one Result of format node whose Data is the names of its
	//     children separated by "/";
	//   - "?list=Struct": one Result per node of the subtree, the subtree's root first,
	//     parents before children, without data;
	//   - "?list=StructData": the same with the values of the leaves;
	//   - "?prop=P": one Result of format chr holding property P.
	// Result.Data aliases the tree's storage, which is never modified in place: the caller
	// must not write to it, and it stays valid. Get of a single node needs no allocation
	// when dst has room.
	Get(server, uri string, dst []Result) ([]Result, error)

	// Add creates the node uri: an interior node if v.Format is FormatNode, else a leaf
	// holding a copy of v.Data. Adding an existing node fails with ErrExist. A tree may
	// create missing interior ancestors (DM 1.2 allows it) or fail with ErrNotExist.
	Add(server, uri string, v Value) error

	// Replace sets the value of the leaf uri (a copy of v.Data, with v.Format and v.Type
	// when set), or, with "?prop=P", property P (ACL, Name or Title) to string(v.Data).
	// Replacing the value of an interior node fails with ErrNotAllowed.
	Replace(server, uri string, v Value) error

	// Delete removes the node uri and all its descendants. The root cannot be deleted.
	Delete(server, uri string) error
}

// CopyTree is a Tree with a native Copy. Copy (the package function) uses it when present.
type CopyTree interface {
	Tree
	// Copy copies the node src, with its descendants, to dst. The server needs Get rights
	// on src and Add rights on the parent of dst (or Replace rights on dst if it exists).
	Copy(server, dst, src string) error
}

// ExecTree is a Tree whose nodes may be executable.
type ExecTree interface {
	Tree
	// Exec runs the executable node uri with the given data and correlator. A node with no
	// handler fails with ErrNotAllowed. A handler that finishes later returns ErrAccepted;
	// it then reports its result with a generic alert carrying the correlator.
	Exec(ctx context.Context, server, uri string, data []byte, correlator string) error
}

// AtomicTree is a Tree that can apply a group of changes all or nothing, as the Atomic
// command needs. Atomic (the package function) uses it when present.
type AtomicTree interface {
	Tree
	// Atomic calls fn with a view of the tree. If fn returns a non-nil error, every change
	// made through the view is undone and Atomic returns that error. Other changes to the
	// tree wait until fn returns. The view must not be used after fn returns.
	Atomic(fn func(t Tree) error) error
}

// Result is one node's answer to Get.
type Result struct {
	URI    string // the node's URI, with the query for ?prop= answers
	Format Format // the node's format; FormatNode for interior nodes
	Type   string // MIME type or DDF name; may be empty
	Data   []byte // the value; aliases the tree's storage; read only
}

// Value is the content Add and Replace carry.
type Value struct {
	Format Format // FormatNode for an interior node; zero means FormatChr for a leaf
	Type   string // MIME type; may be empty
	Data   []byte // the value; the tree copies it
}

// Format is the format of a node's value (OMA-TS-DM_TND §7.7.2, META Format).
type Format uint8

// The formats of DM 1.2. FormatUnknown is the zero value: "chr" when a value is added.
const (
	FormatUnknown Format = iota
	FormatB64
	FormatBin
	FormatBool
	FormatChr
	FormatInt
	FormatNode
	FormatNull
	FormatXML
	FormatDate
	FormatTime
	FormatFloat
)

var formatNames = [...]string{
	FormatUnknown: "",
	FormatB64:     "b64",
	FormatBin:     "bin",
	FormatBool:    "bool",
	FormatChr:     "chr",
	FormatInt:     "int",
	FormatNode:    "node",
	FormatNull:    "null",
	FormatXML:     "xml",
	FormatDate:    "date",
	FormatTime:    "time",
	FormatFloat:   "float",
}

// String returns the format's name on the wire, such as "chr" or "node".
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "Format(" + itoa(int64(f)) + ")"
}

// ParseFormat returns the format named s ("chr", "int", "node", ...), ignoring case and
// surrounding white space. An empty s gives FormatUnknown; an unknown name gives ErrFormat.
func ParseFormat(s string) (Format, error) {
	s = strings.TrimSpace(s)
	for i, n := range formatNames {
		if strings.EqualFold(s, n) {
			return Format(i), nil
		}
	}
	return FormatUnknown, ErrFormat
}

// Sentinel errors of tree operations. TreeStatus gives the status code of each.
var (
	ErrNotExist      = errors.New("omadm: node does not exist")                // 404
	ErrExist         = errors.New("omadm: node already exists")                // 418
	ErrPermission    = errors.New("omadm: permission denied")                  // 425
	ErrNotAllowed    = errors.New("omadm: command not allowed")                // 405
	ErrInvalid       = errors.New("omadm: invalid URI or argument")            // 400
	ErrNotSupported  = errors.New("omadm: optional feature not supported")     // 406
	ErrFormat        = errors.New("omadm: unsupported format or type")         // 415
	ErrValueTooLarge = errors.New("omadm: value too large")                    // 413
	ErrURITooLong    = errors.New("omadm: URI too long")                       // 414
	ErrDeviceFull    = errors.New("omadm: device full")                        // 420
	ErrAccepted      = errors.New("omadm: accepted for processing")            // 202
	ErrFailed        = errors.New("omadm: command failed")                     // 500
	ErrAtomicFailed  = errors.New("omadm: atomic failed, changes rolled back") // 507
)

// PathError records an error and the operation and URI that caused it.
type PathError struct {
	Op   string // "get", "add", "replace", "delete", "copy", "exec"
	Path string // the URI as given
	Err  error
}

func (e *PathError) Error() string { return "omadm: " + e.Op + " " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PathError) Unwrap() error { return e.Err }

// TreeStatus returns the SyncML status code (OMA-TS-DM_Protocol §10) that answers a
// command whose tree operation ended with err: StatusOK for nil, the Code of a
// *StatusError, the code listed beside each sentinel error for errors wrapping one, and
// StatusCommandFailed for any other error.
func TreeStatus(err error) StatusCode {
	var se *StatusError
	switch {
	case err == nil:
		return StatusOK
	case errors.As(err, &se):
		return se.Code
	case errors.Is(err, ErrAccepted):
		return StatusAccepted
	case errors.Is(err, ErrInvalid):
		return StatusBadRequest
	case errors.Is(err, ErrNotExist):
		return StatusNotFound
	case errors.Is(err, ErrNotAllowed):
		return StatusCommandNotAllowed
	case errors.Is(err, ErrNotSupported):
		return StatusOptionalNotSupported
	case errors.Is(err, ErrValueTooLarge):
		return StatusRequestEntityTooLarge
	case errors.Is(err, ErrURITooLong):
		return StatusURITooLong
	case errors.Is(err, ErrFormat):
		return StatusUnsupportedMediaType
	case errors.Is(err, ErrExist):
		return StatusAlreadyExists
	case errors.Is(err, ErrDeviceFull):
		return StatusDeviceFull
	case errors.Is(err, ErrPermission):
		return StatusPermissionDenied
	case errors.Is(err, ErrAtomicFailed):
		return StatusAtomicFailed
	}
	return StatusCommandFailed
}

// ValidURI reports whether uri is a valid management tree URI without a query:
// "." or an optional "./" followed by one or more non-empty segments separated by "/",
// none of them "." or "..", no trailing "/", only URI segment characters
// (unreserved, ";:@&=+$," and %-escapes of two hex digits).
func ValidURI(uri string) bool {
	if uri == "." {
		return true
	}
	uri = strings.TrimPrefix(uri, "./")
	if uri == "" {
		return false
	}
	seg := 0 // length of the current segment
	dots := 0
	for i := 0; i < len(uri); i++ {
		c := uri[i]
		switch {
		case c == '/':
			if seg == 0 || (seg == dots && dots <= 2) {
				return false
			}
			seg, dots = 0, 0
			continue
		case c == '%':
			if i+2 >= len(uri) || !isHex(uri[i+1]) || !isHex(uri[i+2]) {
				return false
			}
			i += 2
		case c == '.':
			dots++
		case !segmentChar(c):
			return false
		}
		seg++
	}
	return seg > 0 && !(seg == dots && dots <= 2)
}

// SplitURI splits uri into its path and query ("list=Struct", "prop=ACL"); query is empty
// when uri has no "?".
func SplitURI(uri string) (path, query string) {
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		return uri[:i], uri[i+1:]
	}
	return uri, ""
}

// CleanURI returns the canonical form of a valid uri: without the "./" prefix ("" for the
// root), with %-escapes of unreserved characters other than "." decoded and hex digits in
// upper case. It
// allocates only when uri has an escape to rewrite.
func CleanURI(uri string) string {
	if uri == "." {
		return ""
	}
	uri = strings.TrimPrefix(uri, "./")
	for i := strings.IndexByte(uri, '%'); i >= 0 && i+2 < len(uri); {
		a, b := uri[i+1], uri[i+2]
		if decodable(unhex(a)<<4|unhex(b)) || 'a' <= a && a <= 'f' || 'a' <= b && b <= 'f' {
			return cleanSlow(uri)
		}
		j := strings.IndexByte(uri[i+3:], '%')
		if j < 0 {
			break
		}
		i += 3 + j
	}
	return uri
}

func cleanSlow(uri string) string {
	b := make([]byte, 0, len(uri))
	for i := 0; i < len(uri); i++ {
		if uri[i] == '%' && i+2 < len(uri) {
			c := unhex(uri[i+1])<<4 | unhex(uri[i+2])
			if decodable(c) {
				b = append(b, c)
			} else {
				b = append(b, '%', upperHex(uri[i+1]), upperHex(uri[i+2]))
			}
			i += 2
			continue
		}
		b = append(b, uri[i])
	}
	return string(b)
}

// EscapeName returns name as a URI segment, %-escaping every character outside the
// segment set (and "/").
func EscapeName(name string) string {
	n := 0
	for i := 0; i < len(name); i++ {
		if !segmentChar(name[i]) {
			n++
		}
	}
	if n == 0 {
		return name
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(name)+2*n)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if segmentChar(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

// UnescapeName returns the node name of a URI segment, decoding %-escapes. It allocates
// only when seg has an escape.
func UnescapeName(seg string) string {
	if strings.IndexByte(seg, '%') < 0 {
		return seg
	}
	b := make([]byte, 0, len(seg))
	for i := 0; i < len(seg); i++ {
		if seg[i] == '%' && i+2 < len(seg) && isHex(seg[i+1]) && isHex(seg[i+2]) {
			b = append(b, unhex(seg[i+1])<<4|unhex(seg[i+2]))
			i += 2
			continue
		}
		b = append(b, seg[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

// decodable reports whether CleanURI decodes an escape of c: an unreserved character
// other than '.', which could turn a segment into "." or "..".
func decodable(c byte) bool { return c != '.' && unreserved(c) }

// unreserved reports whether c is an RFC 2396 unreserved character.
func unreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '_', '.', '!', '~', '*', '\'', '(', ')':
		return true
	}
	return false
}

// segmentChar reports whether c may appear unescaped in a URI segment.
func segmentChar(c byte) bool {
	if unreserved(c) {
		return true
	}
	switch c {
	case ';', ':', '@', '&', '=', '+', '$', ',':
		return true
	}
	return false
}
