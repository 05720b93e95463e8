package tree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/phdkit/phdkit/omadm"
)

const srv = "srv.example"

func chr(s string) omadm.Value { return omadm.Value{Format: omadm.FormatChr, Data: []byte(s)} }

var dir = omadm.Value{Format: omadm.FormatNode}

// dump renders the whole tree with every stored property.
func dump(t *testing.T, tr *Tree) string {
	t.Helper()
	tr.mu.RLock()
	defer tr.mu.RUnlock()
	var lines []string
	for p, n := range tr.idx {
		lines = append(lines, fmt.Sprintf("%q leaf=%v %v %q %q acl=%q title=%q v=%d ts=%d kids=%d",
			p, n.leaf, n.format, n.typ, n.data, n.acl, n.title, n.verNo, n.tstamp, len(n.kids)))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func TestGetAllocs(t *testing.T) {
	tr := New(Config{})
	if err := tr.Add(omadm.Local, "./PHD/Dev/Interval", chr("60")); err != nil {
		t.Fatal(err)
	}
	dst := make([]omadm.Result, 0, 1)
	for _, uri := range []string{"./PHD/Dev/Interval", "PHD/Dev", "./PHD?prop=ACL"} {
		if _, err := tr.Get(omadm.Local, uri, dst); err != nil {
			t.Fatal(err)
		}
		if uri == "./PHD?prop=ACL" {
			continue // properties may allocate
		}
		if n := testing.AllocsPerRun(100, func() { tr.Get(srv, uri, dst[:0]) }); n != 0 {
			t.Errorf("Get(%q) allocates %v times, want 0", uri, n)
		}
	}
}

func TestACLGrammar(t *testing.T) {
	tests := []struct {
		acl    string
		r      right
		server string
		want   bool
	}{
		{"Add=*&Get=*", rightGet, "x", true},
		{"Add=*&Get=*", rightReplace, "x", false},
		{"Get=a+b&Replace=b", rightGet, "b", true},
		{"Get=a+b&Replace=b", rightReplace, "a", false},
		{"Get=ab", rightGet, "a", false},
		{"", rightGet, "a", false},
		{"Exec=srv", rightExec, "srv", true},
	}
	for _, tt := range tests {
		if got := aclGrants(tt.acl, tt.r, tt.server); got != tt.want {
			t.Errorf("aclGrants(%q, %s, %q) = %v, want %v", tt.acl, rightNames[tt.r], tt.server, got, tt.want)
		}
	}
	for _, acl := range []string{"", "Get=*", "Add=a+b&Delete=c", "Replace=www.sonera.fi-8765+321_"} {
		if !validACL(acl) {
			t.Errorf("validACL(%q) = false", acl)
		}
	}
	for _, acl := range []string{"Get", "Get=", "Get=a b", "Run=*", "Get=a++b", "Get=*a", "&"} {
		if validACL(acl) {
			t.Errorf("validACL(%q) = true", acl)
		}
	}
}

func TestNewNodeACL(t *testing.T) {
	tr := New(Config{})
	// The root grants Add and Get but not Replace: the adding server gets full rights.
	if err := tr.Add(srv, "./A", dir); err != nil {
		t.Fatal(err)
	}
	r, _ := tr.Get(omadm.Local, "./A?prop=ACL", nil)
	if want := "Add=srv.example&Delete=srv.example&Get=srv.example&Replace=srv.example"; string(r[0].Data) != want {
		t.Errorf("ACL of a new node = %q, want %q", r[0].Data, want)
	}
	if err := tr.Add(srv, "./A/b", chr("1")); err != nil {
		t.Fatal(err)
	}
	r, _ = tr.Get(omadm.Local, "./A/b?prop=ACL", nil)
	if len(r[0].Data) != 0 {
		t.Errorf("ACL of a node whose inherited ACL grants Replace = %q, want empty", r[0].Data)
	}
}

func TestURILimits(t *testing.T) {
	tr := New(Config{MaxDepth: 2, MaxSegLen: 4, MaxTotLen: 8, MaxValueSize: 3})
	tests := []struct {
		uri  string
		v    omadm.Value
		want error
	}{
		{"./a/b", chr("1"), nil},
		{"./a/b/c", chr("1"), omadm.ErrURITooLong},
		{"./abcde", chr("1"), omadm.ErrURITooLong},
		{"./abcd/efgh", chr("1"), omadm.ErrURITooLong},
		{"./x", chr("1234"), omadm.ErrValueTooLarge},
	}
	for _, tt := range tests {
		if err := tr.Add(omadm.Local, tt.uri, tt.v); !errors.Is(err, tt.want) {
			t.Errorf("Add(%q) = %v, want %v", tt.uri, err, tt.want)
		}
	}
	if got := omadm.TreeStatus(tr.Add(omadm.Local, "./a/b/c", chr("1"))); got != 414 {
		t.Errorf("status of a too long URI = %d, want 414", got)
	}
}

func TestFormatValues(t *testing.T) {
	tr := New(Config{})
	tests := []struct {
		v    omadm.Value
		want error
	}{
		{omadm.Value{Format: omadm.FormatInt, Data: []byte("12")}, nil},
		{omadm.Value{Format: omadm.FormatInt, Data: []byte("1.5")}, omadm.ErrFormat},
		{omadm.Value{Format: omadm.FormatBool, Data: []byte("true")}, nil},
		{omadm.Value{Format: omadm.FormatBool, Data: []byte("yes")}, omadm.ErrFormat},
		{omadm.Value{Format: omadm.FormatFloat, Data: []byte("36.6")}, nil},
		{omadm.Value{Format: omadm.FormatNode, Data: []byte("x")}, omadm.ErrFormat},
	}
	for i, tt := range tests {
		uri := fmt.Sprintf("./v%d", i)
		if err := tr.Add(omadm.Local, uri, tt.v); !errors.Is(err, tt.want) {
			t.Errorf("Add(%v %q) = %v, want %v", tt.v.Format, tt.v.Data, err, tt.want)
		}
	}
}

func TestProps(t *testing.T) {
	now := time.Date(2026, 11, 22, 3, 4, 5, 0, time.UTC)
	tr := New(Config{Now: func() time.Time { return now }})
	if err := tr.Add(omadm.Local, "./a", chr("x")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := tr.Replace(omadm.Local, "./a", chr("y")); err != nil {
			t.Fatal(err)
		}
	}
	for prop, want := range map[string]string{"TStamp": "20261122T030405Z", "VerNo": "3", "Size": "1", "Format": "chr"} {
		r, err := tr.Get(omadm.Local, "./a?prop="+prop, nil)
		if err != nil || string(r[0].Data) != want {
			t.Errorf("Get(?prop=%s) = %q, %v, want %q", prop, r[0].Data, err, want)
		}
	}
	if _, err := tr.Get(omadm.Local, ".?prop=Size", nil); !errors.Is(err, omadm.ErrNotSupported) {
		t.Errorf("Size of an interior node: %v, want ErrNotSupported", err)
	}
}

func TestExec(t *testing.T) {
	tr := New(Config{})
	if err := tr.Add(omadm.Local, "./PHD/Ops/Reboot", omadm.Value{Format: omadm.FormatNull}); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := tr.SetExec("./PHD/Ops/Reboot", func(ctx context.Context, server, uri string, data []byte, corr string) error {
		got = server + " " + uri + " " + string(data) + " " + corr
		// The handler may use the tree.
		return tr.Add(omadm.Local, "./PHD/Ops/Done", chr("1"))
	}); err != nil {
		t.Fatal(err)
	}
	// The root ACL has no Exec for servers.
	if err := tr.Exec(context.Background(), srv, "./PHD/Ops/Reboot", nil, ""); !errors.Is(err, omadm.ErrPermission) {
		t.Errorf("Exec without rights = %v, want ErrPermission", err)
	}
	if err := tr.Replace(omadm.Local, "./PHD?prop=ACL", chr("Exec="+srv+"&Get=*")); err != nil {
		t.Fatal(err)
	}
	if err := tr.Exec(context.Background(), srv, "./PHD/Ops/Reboot", []byte("now"), "c1"); err != nil {
		t.Fatal(err)
	}
	if want := "srv.example ./PHD/Ops/Reboot now c1"; got != want {
		t.Errorf("handler saw %q, want %q", got, want)
	}
	if _, err := tr.Get(srv, "./PHD/Ops/Done", nil); err != nil {
		t.Errorf("the handler's Add is missing: %v", err)
	}
}

func readDDF(t *testing.T, name string) *DDF {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDDF(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestImportTNDS(t *testing.T) {
	d := readDDF(t, "oma-ddf-001-libwbxml.ddf")
	tr := New(Config{})
	if err := tr.Import(d); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"./E-Mail/POP3/POPServer": "mail.Operatorx.com",
		"./E-Mail/POP3/UserID":    "UserName",
		"./E-Mail/POP3/PWD":       "4571F7C34A9876B3",
	}
	for uri, v := range want {
		r, err := tr.Get(omadm.Local, uri, nil)
		if err != nil || string(r[0].Data) != v || r[0].Type != "text/plain" || r[0].Format != omadm.FormatChr {
			t.Errorf("Get(%s) = %+v, %v, want %q chr text/plain", uri, r, err, v)
		}
	}
	r, _ := tr.Get(omadm.Local, "./E-Mail", nil)
	if r[0].Type != "com.operatorX.dm/1.0/EMail" || r[0].Format != omadm.FormatNode {
		t.Errorf("./E-Mail = %+v, want an interior node of type com.operatorX.dm/1.0/EMail", r[0])
	}
	// Imported format holds: an int cannot replace a chr leaf.
	if err := tr.Replace(omadm.Local, "./E-Mail/POP3/UserID", omadm.Value{Format: omadm.FormatInt, Data: []byte("1")}); !errors.Is(err, omadm.ErrFormat) {
		t.Errorf("Replace with the wrong format = %v, want ErrFormat", err)
	}
}

func TestDescribeMSFT(t *testing.T) {
	d := readDDF(t, "msft-ddfv2-ADMX_CtrlAltDel-trimmed.xml")
	top := d.Nodes[0]
	if top.Path != "./User/Vendor/MSFT/Policy/Config" || top.Access != AccessGet || !top.Permanent || top.MIME != "com.microsoft/11/MDM/Policy" {
		t.Errorf("top node = %+v", top)
	}
	leafD := top.Children[0]
	if leafD.Name != "DisableChangePassword" || leafD.Access != AccessAdd|AccessDelete|AccessGet|AccessReplace ||
		leafD.Occurrence != (Occurrence{0, 1}) || leafD.Format != omadm.FormatChr || leafD.Permanent {
		t.Errorf("leaf = %+v", leafD)
	}
	tr := New(Config{})
	if err := tr.Import(d); err != nil {
		t.Fatal(err)
	}
	const base = "./User/Vendor/MSFT/Policy/Config/ADMX_CtrlAltDel"
	if _, err := tr.Get(omadm.Local, base+"/DisableChangePassword", nil); !errors.Is(err, omadm.ErrNotExist) {
		t.Errorf("Import created the optional leaf: %v", err)
	}
	if err := tr.Replace(omadm.Local, "./User?prop=ACL", chr("Add=*&Get=*&Delete=*&Replace=*")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"add wrong format", func() error {
			return tr.Add(srv, base+"/DisableChangePassword", omadm.Value{Format: omadm.FormatInt, Data: []byte("1")})
		}, omadm.ErrFormat},
		{"add", func() error { return tr.Add(srv, base+"/DisableChangePassword", chr("<enabled/>")) }, nil},
		{"add twice", func() error { return tr.Add(srv, base+"/DisableChangePassword", chr("x")) }, omadm.ErrExist},
		{"add undescribed", func() error { return tr.Add(srv, base+"/Other", chr("x")) }, omadm.ErrNotAllowed},
		{"add undescribed as device", func() error { return tr.Add(omadm.Local, base+"/Other", chr("x")) }, omadm.ErrNotAllowed},
		{"delete permanent", func() error { return tr.Delete(srv, base) }, omadm.ErrNotAllowed},
		{"replace", func() error { return tr.Replace(srv, base+"/DisableChangePassword", chr("<disabled/>")) }, nil},
		{"delete leaf", func() error { return tr.Delete(srv, base+"/DisableChangePassword") }, nil},
		{"add elsewhere", func() error { return tr.Add(srv, "./User/Other", chr("x")) }, nil},
	}
	for _, tt := range tests {
		if err := tt.op(); !errors.Is(err, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestDescribeOccurrence(t *testing.T) {
	d, err := ParseDDF([]byte(`<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>Acc</NodeName>
	<DFProperties><AccessType><Get/><Add/></AccessType><DFFormat><node/></DFFormat></DFProperties>
	<Node><NodeName/><DFProperties><AccessType><Add/><Get/><Delete/></AccessType><DFFormat><node/></DFFormat>
	<Occurrence><ZeroOrN>2</ZeroOrN></Occurrence></DFProperties>
	<Node><NodeName>Addr</NodeName><DFProperties><AccessType><Add/><Get/><Replace/></AccessType><DFFormat><chr/></DFFormat></DFProperties></Node>
	</Node></Node></MgmtTree>`))
	if err != nil {
		t.Fatal(err)
	}
	tr := New(Config{})
	if err := tr.Import(d); err != nil {
		t.Fatal(err)
	}
	for i, want := range []error{nil, nil, omadm.ErrNotAllowed} {
		if err := tr.Add(srv, fmt.Sprintf("./Acc/x%d", i), dir); !errors.Is(err, want) {
			t.Errorf("Add instance %d = %v, want %v", i, err, want)
		}
	}
	if err := tr.Add(srv, "./Acc/x0/Addr", omadm.Value{Data: []byte("h")}); err != nil {
		t.Errorf("Add described leaf: %v", err)
	}
	if r, _ := tr.Get(srv, "./Acc/x0/Addr", nil); r[0].Format != omadm.FormatChr {
		t.Errorf("format of a leaf added without one = %v, want the DDF's chr", r[0].Format)
	}
	if err := tr.Delete(srv, "./Acc/x0/Addr"); !errors.Is(err, omadm.ErrNotAllowed) {
		t.Errorf("Delete without AccessType Delete = %v, want ErrNotAllowed", err)
	}
	if err := tr.Replace(srv, "./Acc/x0?prop=Name", chr("y")); err != nil {
		t.Errorf("rename of a node of any name: %v", err)
	}
}

func TestParseDDFErrors(t *testing.T) {
	valid, err := os.ReadFile("testdata/oma-ddf-001-libwbxml.ddf")
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(valid); n++ {
		// Every prefix that cuts the document before its closing tag must fail.
		if !bytes.Contains(valid[:n], []byte("</MgmtTree>")) {
			if _, err := ParseDDF(valid[:n]); !errors.Is(err, ErrDDF) {
				t.Fatalf("ParseDDF(prefix %d) = %v, want ErrDDF", n, err)
			}
		}
	}
	for _, doc := range []string{
		`<MgmtTree><VerDTD>2.0</VerDTD></MgmtTree>`,
		`<MgmtTree><VerDTD>1.2</VerDTD><Node></Node></MgmtTree>`,
		`<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>a/b</NodeName></Node></MgmtTree>`,
		`<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>a</NodeName><DFProperties><DFFormat><blob/></DFFormat></DFProperties></Node></MgmtTree>`,
		`<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>a</NodeName><DFProperties><AccessType><Fly/></AccessType></DFProperties></Node></MgmtTree>`,
		`<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>a</NodeName><DFProperties><Occurrence><ZeroOrN>x</ZeroOrN></Occurrence></DFProperties></Node></MgmtTree>`,
		`<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>a</NodeName><Path>../x</Path></Node></MgmtTree>`,
		`<MgmtTree><VerDTD>1.2</VerDTD><Node><NodeName>a</NodeName><DFProperties><DFFormat><chr/></DFFormat></DFProperties><Node><NodeName>b</NodeName></Node></Node></MgmtTree>`,
		`<NotATree/>`,
	} {
		if _, err := ParseDDF([]byte(doc)); !errors.Is(err, ErrDDF) {
			t.Errorf("ParseDDF(%s) = %v, want ErrDDF", doc, err)
		}
	}
}

func FuzzParseDDF(f *testing.F) {
	for _, name := range []string{"oma-ddf-001-libwbxml.ddf", "msft-ddfv2-ADMX_CtrlAltDel-trimmed.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDDF(b)
		if err != nil {
			return
		}
		// A parsed document is usable: importing it never panics and leaves a tree that
		// answers ?list=StructData.
		tr := New(Config{})
		_ = tr.Import(d)
		if _, err := tr.Get(omadm.Local, ".?list=StructData", nil); err != nil {
			t.Fatal(err)
		}
	})
}
