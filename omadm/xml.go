package omadm

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ErrInvalidText is returned by AppendXML for text that XML 1.0 cannot carry (invalid
// UTF-8 or control characters); such values travel in WBXML, or base64-encoded.
var ErrInvalidText = errors.New("omadm: text not representable in XML")

// xmlNS is the namespace of the SyncML 1.2 root element; metInfNS that of MetInf
// elements inside Meta.
const (
	xmlNS    = "SYNCML:SYNCML1.2"
	metInfNS = "syncml:metinf"
)

// ParseXML decodes a SyncML message in XML from b, overwriting m and reusing the
// capacity of m.Body.Commands. It returns the number of bytes consumed. Strings in m are
// copies; m does not alias b.
//
// The reader is lenient where real devices and servers are sloppy: white space or a
// byte-order mark before the XML declaration, an encoding="utf-16" declaration on UTF-8
// bytes, CDATA sections, comments, a DOCTYPE, MetInf elements with or without the
// syncml:metinf namespace or a MetInf wrapper, white space around LocURI and other
// identifiers, any SessionID and CmdID text, unknown elements (skipped). Embedded XML in
// an Item's Data (a DDF tree, for instance) is kept as markup text.
func (m *SyncML) ParseXML(b []byte) (int, error) {
	in := b
	base := 0
	for len(in) > 0 && (isSpace(in[0])) {
		in, base = in[1:], base+1
	}
	if bytes.HasPrefix(in, []byte("\xef\xbb\xbf")) {
		in, base = in[3:], base+3
	}
	for len(in) > 0 && (isSpace(in[0])) {
		in, base = in[1:], base+1
	}
	t := &xmlTokenizer{in: in, base: base}
	t.d = xml.NewDecoder(bytes.NewReader(in))
	t.d.CharsetReader = charsetReader
	p := parser{t: t}
	if err := p.message(m); err != nil {
		return 0, err
	}
	return base + int(t.d.InputOffset()), nil
}

// charsetReader accepts the declarations seen on UTF-8 SyncML (utf-16 included, since
// the bytes are what count) and converts ISO-8859-1.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "latin1", "iso8859-1":
		return latin1Reader{r: r}, nil
	}
	return nil, ErrUnsupported
}

type latin1Reader struct {
	r io.Reader
}

// Read converts ISO-8859-1 bytes to UTF-8; each input byte becomes at most two output
// bytes.
func (l latin1Reader) Read(p []byte) (int, error) {
	n := len(p) / 2
	if n == 0 {
		return 0, io.ErrShortBuffer
	}
	var tmp [512]byte
	if n > len(tmp) {
		n = len(tmp)
	}
	k, err := l.r.Read(tmp[:n])
	out := p[:0]
	for _, c := range tmp[:k] {
		out = utf8.AppendRune(out, rune(c))
	}
	return len(out), err
}

type xmlTokenizer struct {
	d         *xml.Decoder
	in        []byte
	base      int
	prevOff   int
	dataStart int
}

func (t *xmlTokenizer) offset() int { return t.base + t.prevOff }

func (t *xmlTokenizer) rawInner() string {
	if t.dataStart <= t.prevOff && t.prevOff <= len(t.in) {
		return string(t.in[t.dataStart:t.prevOff])
	}
	return ""
}

func (t *xmlTokenizer) next() (tokKind, tag, []byte, error) {
	for {
		t.prevOff = int(t.d.InputOffset())
		tok, err := t.d.Token()
		if err == io.EOF {
			return tokEOF, 0, nil, nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) && strings.Contains(se.Msg, "unexpected EOF") {
				return 0, 0, nil, ErrUnexpectedEOF
			}
			return 0, 0, nil, errors.Join(ErrSyntax, err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			tg := tagByName([]byte(v.Name.Local))
			if tg == tagData {
				t.dataStart = int(t.d.InputOffset())
			}
			return tokStart, tg, nil, nil
		case xml.EndElement:
			return tokEnd, tagByName([]byte(v.Name.Local)), nil, nil
		case xml.CharData:
			return tokText, 0, v, nil
		}
		// Comments, processing instructions and directives carry nothing.
	}
}

// AppendXML appends m in XML to b: an XML declaration, then compact markup with the
// SyncML 1.2 namespace on the root, the syncml:metinf namespace on each MetInf element,
// and empty elements written as <Final/>. It fails with ErrInvalidText when a value
// cannot be carried by XML.
func (m *SyncML) AppendXML(b []byte) ([]byte, error) {
	e := encoder{mode: modeXML}
	e.x.b = append(b, `<?xml version="1.0" encoding="UTF-8"?>`...)
	emit(&e, m)
	if e.x.err != nil {
		return b, e.x.err
	}
	return e.x.b, nil
}

// MarshalText returns m in XML.
func (m *SyncML) MarshalText() ([]byte, error) { return m.AppendXML(nil) }

type xmlEmitter struct {
	b   []byte
	err error
}

func (e *xmlEmitter) open(t tag) {
	e.b = append(e.b, '<')
	e.b = append(e.b, t.name()...)
	switch {
	case t == tagSyncML:
		e.b = append(e.b, ` xmlns="`+xmlNS+`"`...)
	case t.page() == pageMetInf:
		e.b = append(e.b, ` xmlns="`+metInfNS+`"`...)
	}
}

func (e *xmlEmitter) start(t tag) {
	e.open(t)
	e.b = append(e.b, '>')
}

func (e *xmlEmitter) end(t tag) {
	e.b = append(e.b, "</"...)
	e.b = append(e.b, t.name()...)
	e.b = append(e.b, '>')
}

func (e *xmlEmitter) empty(t tag) {
	e.open(t)
	e.b = append(e.b, "/>"...)
}

func (e *xmlEmitter) str(t tag, s string) {
	if s == "" {
		e.empty(t)
		return
	}
	e.start(t)
	e.escape(t, s)
	e.end(t)
}

func (e *xmlEmitter) escape(t tag, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '\r':
				esc = "&#13;"
			case c < 0x20 && c != '\t' && c != '\n':
				e.fail(t)
				return
			default:
				i++
				continue
			}
			e.b = append(e.b, s[last:i]...)
			e.b = append(e.b, esc...)
			i++
			last = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			e.fail(t)
			return
		}
		i += n
	}
	e.b = append(e.b, s[last:]...)
}

func (e *xmlEmitter) fail(t tag) {
	if e.err == nil {
		e.err = fmt.Errorf("omadm: encoding %s: %w", t.name(), ErrInvalidText)
	}
}
