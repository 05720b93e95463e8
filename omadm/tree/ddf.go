package tree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/phdkit/phdkit/omadm"
)

// OMA Device Description Framework 1.2 (OMA-TS-DM_DDF-V1_2): a MgmtTree document
// describes nodes with DFProperties (AccessType, DefaultValue, Description, DFFormat,
// Occurrence, Scope, DFTitle, DFType); a TNDS document (OMA-TS-DM_TNDS) carries nodes with
// RTProperties and Value. ParseDDF reads both; elements of other namespaces (such as
// Microsoft's MSFT:Applicability) are ignored.
//
//	<MgmtTree>
//	  <VerDTD>1.2</VerDTD>
//	  <Node>
//	    <NodeName>PHD</NodeName>          (empty: a node of any name)
//	    <Path>./Vendor</Path>              (top-level nodes only; default ".")
//	    <DFProperties>...</DFProperties>
//	    <Node>...</Node>
//	  </Node>
//	</MgmtTree>

// ErrDDF is wrapped by every error of ParseDDF.
var ErrDDF = errors.New("tree: invalid DDF")

// Access is the set of commands a DDF AccessType allows.
type Access uint8

// The commands of AccessType.
const (
	AccessAdd Access = 1 << iota
	AccessCopy
	AccessDelete
	AccessExec
	AccessGet
	AccessReplace
)

var accessNames = [...]string{"Add", "Copy", "Delete", "Exec", "Get", "Replace"}

// String returns the commands joined by "+", such as "Add+Get".
func (a Access) String() string {
	var b []string
	for i, n := range accessNames {
		if a&(1<<i) != 0 {
			b = append(b, n)
		}
	}
	return strings.Join(b, "+")
}

// Occurrence is how many instances of a node may exist: Min to Max, Max 0 meaning no
// limit (DDF One, ZeroOrOne, ZeroOrMore, OneOrMore, ZeroOrN, OneOrN).
type Occurrence struct {
	Min, Max int
}

// DDF is a parsed description document.
type DDF struct {
	VerDTD string
	Nodes  []*Desc // top-level nodes
}

// Desc describes one node.
type Desc struct {
	Name         string       // node name; empty for a node of any name
	Path         string       // URI of the parent, for top-level nodes ("." when absent)
	Access       Access       // allowed commands; zero allows all
	DefaultValue *string      // DefaultValue, if any
	Description  string       // Description text
	Format       omadm.Format // DFFormat (or RTProperties Format); FormatUnknown when absent
	Occurrence   Occurrence   // Occurrence; {1, 1} when absent
	Permanent    bool         // Scope Permanent (Dynamic otherwise)
	Title        string       // DFTitle
	MIME         string       // DFType MIME
	DDFName      string       // DFType DDFName
	ACL          string       // RTProperties ACL
	Value        *string      // TNDS Value, if any
	Children     []*Desc

	synthetic bool // stands for an ancestor of a top-level node; constrains nothing
}

func (d *Desc) allows(r right) bool {
	if d.Access == 0 {
		return true
	}
	var a Access
	switch r {
	case rightAdd:
		a = AccessAdd
	case rightDelete:
		a = AccessDelete
	case rightExec:
		a = AccessExec
	case rightGet:
		a = AccessGet
	case rightReplace:
		a = AccessReplace
	}
	return d.Access&a != 0
}

func (d *Desc) typeName() string {
	if d.MIME != "" {
		return d.MIME
	}
	return d.DDFName
}

// check checks a value for the node d describes.
func (d *Desc) check(v omadm.Value) error {
	if d.synthetic || d.Format == omadm.FormatUnknown {
		return nil
	}
	if (d.Format == omadm.FormatNode) != (v.Format == omadm.FormatNode) {
		return omadm.ErrFormat
	}
	if v.Format != omadm.FormatUnknown && v.Format != d.Format {
		return omadm.ErrFormat
	}
	if v.Format == omadm.FormatUnknown {
		v.Format = d.Format
		return checkValue(v)
	}
	return nil
}

// childDesc returns the description of the child name of the node described by parent;
// nil when the child is not described. A parent with described children admits only
// those.
func childDesc(parent *Desc, name string) (*Desc, error) {
	if parent == nil {
		return nil, nil
	}
	plain := omadm.UnescapeName(name)
	var anyName *Desc
	for _, c := range parent.Children {
		if c.Name == plain {
			return c, nil
		}
		if c.Name == "" && anyName == nil {
			anyName = c
		}
	}
	if anyName != nil || parent.synthetic || len(parent.Children) == 0 {
		return anyName, nil
	}
	return nil, omadm.ErrNotAllowed
}

type xmlDDF struct {
	XMLName xml.Name  `xml:"MgmtTree"`
	VerDTD  string    `xml:"VerDTD"`
	Nodes   []xmlNode `xml:"Node"`
}

type xmlNode struct {
	NodeName *string   `xml:"NodeName"`
	Path     string    `xml:"Path"`
	DF       *xmlProps `xml:"DFProperties"`
	RT       *xmlProps `xml:"RTProperties"`
	Value    *string   `xml:"Value"`
	Nodes    []xmlNode `xml:"Node"`
}

type xmlProps struct {
	AccessType   *xmlAny  `xml:"AccessType"`
	DefaultValue *string  `xml:"DefaultValue"`
	Description  string   `xml:"Description"`
	DFFormat     *xmlAny  `xml:"DFFormat"`
	Format       *xmlAny  `xml:"Format"`
	Occurrence   *xmlAny  `xml:"Occurrence"`
	Scope        *xmlAny  `xml:"Scope"`
	DFTitle      string   `xml:"DFTitle"`
	Title        string   `xml:"Title"`
	DFType       *xmlType `xml:"DFType"`
	Type         *xmlType `xml:"Type"`
	ACL          string   `xml:"ACL"`
}

type xmlAny struct {
	Elems []struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	} `xml:",any"`
}

type xmlType struct {
	MIME    string `xml:"MIME"`
	DDFName string `xml:"DDFName"`
}

// ParseDDF parses a DDF 1.2 or TNDS document.
func ParseDDF(b []byte) (*DDF, error) {
	var x xmlDDF
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDDF, err)
	}
	if v := strings.TrimSpace(x.VerDTD); v != "1.2" && v != "1.1" {
		return nil, fmt.Errorf("%w: VerDTD %q, want 1.2", ErrDDF, x.VerDTD)
	}
	d := &DDF{VerDTD: strings.TrimSpace(x.VerDTD)}
	for i := range x.Nodes {
		n, err := convertNode(&x.Nodes[i], "MgmtTree/Node["+strconv.Itoa(i)+"]", true)
		if err != nil {
			return nil, err
		}
		d.Nodes = append(d.Nodes, n)
	}
	return d, nil
}

func convertNode(x *xmlNode, field string, top bool) (*Desc, error) {
	if x.NodeName == nil {
		return nil, fmt.Errorf("%w: %s: NodeName missing", ErrDDF, field)
	}
	d := &Desc{Name: strings.TrimSpace(*x.NodeName), Occurrence: Occurrence{1, 1}}
	if strings.ContainsRune(d.Name, '/') {
		return nil, fmt.Errorf("%w: %s.NodeName %q has a /", ErrDDF, field, d.Name)
	}
	if top {
		d.Path = strings.TrimSpace(x.Path)
		if d.Path == "" {
			d.Path = "."
		}
		if !omadm.ValidURI(d.Path) {
			return nil, fmt.Errorf("%w: %s.Path %q", ErrDDF, field, d.Path)
		}
	} else if strings.TrimSpace(x.Path) != "" {
		return nil, fmt.Errorf("%w: %s.Path only allowed on top-level nodes", ErrDDF, field)
	}
	for _, p := range []*xmlProps{x.DF, x.RT} {
		if p != nil {
			if err := d.setProps(p, field); err != nil {
				return nil, err
			}
		}
	}
	if x.Value != nil {
		v := *x.Value
		d.Value = &v
	}
	if len(x.Nodes) > 0 && d.Format != omadm.FormatUnknown && d.Format != omadm.FormatNode {
		return nil, fmt.Errorf("%w: %s: leaf of format %s has children", ErrDDF, field, d.Format)
	}
	for i := range x.Nodes {
		c, err := convertNode(&x.Nodes[i], field+".Node["+strconv.Itoa(i)+"]", false)
		if err != nil {
			return nil, err
		}
		d.Children = append(d.Children, c)
	}
	if len(d.Children) > 0 {
		d.Format = omadm.FormatNode
	}
	return d, nil
}

func (d *Desc) setProps(p *xmlProps, field string) error {
	if p.AccessType != nil {
		for _, e := range p.AccessType.Elems {
			i := indexOf(accessNames[:], e.XMLName.Local)
			if i < 0 {
				return fmt.Errorf("%w: %s.AccessType: unknown %s", ErrDDF, field, e.XMLName.Local)
			}
			d.Access |= 1 << i
		}
	}
	if p.DefaultValue != nil {
		v := *p.DefaultValue
		d.DefaultValue = &v
	}
	d.Description = strings.TrimSpace(p.Description)
	for _, f := range []*xmlAny{p.DFFormat, p.Format} {
		if f == nil {
			continue
		}
		if len(f.Elems) != 1 {
			return fmt.Errorf("%w: %s.DFFormat needs one format", ErrDDF, field)
		}
		fm, err := omadm.ParseFormat(f.Elems[0].XMLName.Local)
		if err != nil || fm == omadm.FormatUnknown {
			return fmt.Errorf("%w: %s.DFFormat: unknown %s", ErrDDF, field, f.Elems[0].XMLName.Local)
		}
		d.Format = fm
	}
	if p.Occurrence != nil {
		if len(p.Occurrence.Elems) != 1 {
			return fmt.Errorf("%w: %s.Occurrence needs one value", ErrDDF, field)
		}
		e := p.Occurrence.Elems[0]
		switch e.XMLName.Local {
		case "One":
			d.Occurrence = Occurrence{1, 1}
		case "ZeroOrOne":
			d.Occurrence = Occurrence{0, 1}
		case "ZeroOrMore":
			d.Occurrence = Occurrence{0, 0}
		case "OneOrMore":
			d.Occurrence = Occurrence{1, 0}
		case "ZeroOrN", "OneOrN":
			n, err := strconv.Atoi(strings.TrimSpace(e.Text))
			if err != nil || n < 1 {
				return fmt.Errorf("%w: %s.Occurrence.%s: bad count %q", ErrDDF, field, e.XMLName.Local, e.Text)
			}
			d.Occurrence = Occurrence{0, n}
			if e.XMLName.Local == "OneOrN" {
				d.Occurrence.Min = 1
			}
		default:
			return fmt.Errorf("%w: %s.Occurrence: unknown %s", ErrDDF, field, e.XMLName.Local)
		}
	}
	if p.Scope != nil && len(p.Scope.Elems) == 1 {
		switch p.Scope.Elems[0].XMLName.Local {
		case "Permanent":
			d.Permanent = true
		case "Dynamic":
		default:
			return fmt.Errorf("%w: %s.Scope: unknown %s", ErrDDF, field, p.Scope.Elems[0].XMLName.Local)
		}
	}
	if t := strings.TrimSpace(p.DFTitle + p.Title); t != "" {
		d.Title = t
	}
	for _, ty := range []*xmlType{p.DFType, p.Type} {
		if ty != nil {
			d.MIME = strings.TrimSpace(ty.MIME)
			d.DDFName = strings.TrimSpace(ty.DDFName)
		}
	}
	if acl := strings.TrimSpace(p.ACL); acl != "" {
		if !validACL(acl) {
			return fmt.Errorf("%w: %s.ACL %q", ErrDDF, field, acl)
		}
		d.ACL = acl
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, n := range list {
		if n == s {
			return i
		}
	}
	return -1
}

// Describe attaches the descriptions of d to the tree. Later Add, Replace, Delete, Get and
// Exec commands of servers are checked against them: AccessType, Format, Occurrence,
// Scope, and, below a node whose children are described, the names of new nodes.
// Descriptions are not stored; attach them again after Open.
func (t *Tree) Describe(d *DDF) error {
	t.txMu.Lock()
	defer t.txMu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	root := t.ddf
	if root == nil {
		root = &Desc{synthetic: true}
	}
	for _, top := range d.Nodes {
		par := root
		if p := omadm.CleanURI(top.Path); p != "" {
			for _, seg := range strings.Split(p, "/") {
				name := omadm.UnescapeName(seg)
				var next *Desc
				for _, c := range par.Children {
					if c.Name == name {
						next = c
					}
				}
				if next == nil {
					if !par.synthetic {
						return fmt.Errorf("%w: Path %s crosses a described node", ErrDDF, top.Path)
					}
					next = &Desc{Name: name, synthetic: true}
					par.Children = append(par.Children, next)
				}
				par = next
			}
		}
		if !par.synthetic {
			return fmt.Errorf("%w: Path %s is a described node", ErrDDF, top.Path)
		}
		par.Children = append(par.Children, top)
	}
	t.ddf = root
	var resolve func(n *node, d *Desc)
	resolve = func(n *node, d *Desc) {
		n.desc = d
		for _, k := range n.kids {
			cd, _ := childDesc(d, k.name)
			resolve(k, cd)
		}
	}
	resolve(t.root, root)
	return nil
}

// Import describes the tree with d (as Describe) and then creates, as the device itself,
// every named node of d that does not exist yet and is required (Occurrence at least one)
// or has a value: interior nodes, and leaves holding their Value, else their DefaultValue,
// else nothing. RTProperties ACL and Title are applied to
// the nodes created.
func (t *Tree) Import(d *DDF) error {
	if err := t.Describe(d); err != nil {
		return err
	}
	var create func(parent string, ds []*Desc) error
	create = func(parent string, ds []*Desc) error {
		for _, c := range ds {
			if c.Name == "" || (c.Occurrence.Min == 0 && c.Value == nil && c.DefaultValue == nil) {
				continue // a node of any name, or an optional node with no value
			}
			uri := parent + "/" + omadm.EscapeName(c.Name)
			v := omadm.Value{Format: c.Format, Type: c.typeName()}
			if v.Format == omadm.FormatUnknown && len(c.Children) > 0 {
				v.Format = omadm.FormatNode
			}
			if c.Value != nil {
				v.Data = []byte(*c.Value)
			} else if c.DefaultValue != nil {
				v.Data = []byte(*c.DefaultValue)
			}
			if v.Format == omadm.FormatNode {
				v.Data = nil
			}
			err := t.Add(omadm.Local, uri, v)
			if err == nil {
				if c.ACL != "" {
					err = t.Replace(omadm.Local, uri+"?prop=ACL", omadm.Value{Data: []byte(c.ACL)})
				}
				if err == nil && c.Title != "" {
					err = t.Replace(omadm.Local, uri+"?prop=Title", omadm.Value{Data: []byte(c.Title)})
				}
			} else if errors.Is(err, omadm.ErrExist) {
				err = nil
			}
			if err != nil {
				return err
			}
			if err := create(uri, c.Children); err != nil {
				return err
			}
		}
		return nil
	}
	for _, top := range d.Nodes {
		if err := create(strings.TrimSuffix(top.Path, "/"), []*Desc{top}); err != nil {
			return err
		}
	}
	return nil
}
