package omadm

import (
	"bytes"
	"unicode/utf8"
)

// WBXML 1.2 (WAP-192-WBXML-20010725) as used for SyncML DM 1.2:
//
//	start     = version publicid charset strtbl body
//	version   = u_int8              0x02 for WBXML 1.2
//	publicid  = mb_u_int32          0x1201 "-//SYNCML//DTD SyncML 1.2//EN",
//	          | 0x00 index          or an index of the public id in strtbl
//	charset   = mb_u_int32          106 = UTF-8
//	strtbl    = length *byte        NUL-terminated strings referenced by offset
//	body      = element
//	element   = [SWITCH_PAGE page] tag [content* END]
//	tag       = u_int8              bits 0-5 token, bit 6 has content, bit 7 has attributes
//	content   = element | STR_I string 0x00 | STR_T index | OPAQUE length bytes | ENTITY code
//
// mb_u_int32 is a big-endian base-128 number, bit 7 set on every byte but the last.
// Code page 0 holds the SyncML elements and code page 1 the MetInf elements (tags.go).

// WBXML global tokens.
const (
	wbxSwitchPage = 0x00
	wbxEnd        = 0x01
	wbxEntity     = 0x02
	wbxStrI       = 0x03
	wbxLiteral    = 0x04
	wbxExtI0      = 0x40
	wbxExtI2      = 0x42
	wbxPI         = 0x43
	wbxLiteralC   = 0x44
	wbxExtT0      = 0x80
	wbxExtT2      = 0x82
	wbxStrT       = 0x83
	wbxLiteralA   = 0x84
	wbxExt0       = 0xC0
	wbxExt2       = 0xC2
	wbxOpaque     = 0xC3
	wbxLiteralAC  = 0xC4
)

// WBXML header values.
const (
	wbxmlVersion     = 0x02   // WBXML 1.2
	PublicIDSyncML12 = 0x1201 // "-//SYNCML//DTD SyncML 1.2//EN"
	publicIDSyncML11 = 0x0FD3
	publicIDSyncML10 = 0x0FD1
	publicIDUnknown  = 0x01
	charsetUTF8      = 106
)

// ParseWBXML decodes a SyncML message in WBXML from b, overwriting m and reusing the
// capacity of m.Body.Commands. It returns the number of bytes consumed. Strings in m are
// copies; m does not alias b.
//
// It accepts WBXML 1.1 to 1.3, the public ids of SyncML 1.0 to 1.2 (numeric, as a
// string-table reference, or "unknown"), the UTF-8 and US-ASCII character sets, inline
// strings, string-table references, opaque data and character entities. Attributes,
// extension tokens and elements of other code pages are skipped.
func (m *SyncML) ParseWBXML(b []byte) (int, error) {
	t := wbxmlTokenizer{b: b}
	if err := t.header(); err != nil {
		return 0, &DecodeError{Offset: t.pos, Field: t.field, Err: err}
	}
	p := parser{t: &t}
	if err := p.message(m); err != nil {
		return 0, err
	}
	return t.pos, nil
}

// Unmarshal decodes a SyncML message in XML or WBXML, choosing by the first byte (a
// WBXML version byte is 0x01 to 0x03, which XML never starts with). See ParseXML and
// ParseWBXML.
func (m *SyncML) Unmarshal(b []byte) (int, error) {
	if len(b) > 0 && b[0] >= 0x01 && b[0] <= 0x03 {
		return m.ParseWBXML(b)
	}
	return m.ParseXML(b)
}

type wbxmlTokenizer struct {
	b          []byte
	pos        int
	strtbl     []byte
	page       byte
	depth      int
	pendingEnd bool
	done       bool
	field      string
	ent        [utf8.UTFMax]byte
}

func (t *wbxmlTokenizer) offset() int      { return t.pos }
func (t *wbxmlTokenizer) rawInner() string { return "" }

// mbUint32 reads a multi-byte integer.
func (t *wbxmlTokenizer) mbUint32() (uint32, error) {
	var v uint32
	for i := 0; i < 5; i++ {
		if t.pos >= len(t.b) {
			return 0, ErrUnexpectedEOF
		}
		c := t.b[t.pos]
		t.pos++
		if v > 0x01FFFFFF {
			return 0, ErrSyntax
		}
		v = v<<7 | uint32(c&0x7F)
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, ErrSyntax
}

func (t *wbxmlTokenizer) header() error {
	t.field = "version"
	if t.pos >= len(t.b) {
		return ErrUnexpectedEOF
	}
	if v := t.b[0]; v < 0x01 || v > 0x03 {
		return ErrNotSyncML
	}
	t.pos++
	t.field = "publicid"
	pid, err := t.mbUint32()
	if err != nil {
		return err
	}
	var pidIndex uint32
	literal := pid == 0
	if literal {
		if pidIndex, err = t.mbUint32(); err != nil {
			return err
		}
	} else if pid != PublicIDSyncML12 && pid != publicIDSyncML11 && pid != publicIDSyncML10 && pid != publicIDUnknown {
		return ErrNotSyncML
	}
	t.field = "charset"
	cs, err := t.mbUint32()
	if err != nil {
		return err
	}
	if cs != charsetUTF8 && cs != 0 && cs != 3 {
		return ErrUnsupported
	}
	t.field = "strtbl"
	n, err := t.mbUint32()
	if err != nil {
		return err
	}
	if uint64(n) > uint64(len(t.b)-t.pos) {
		return ErrUnexpectedEOF
	}
	t.strtbl = t.b[t.pos : t.pos+int(n)]
	t.pos += int(n)
	if literal {
		s, ok := t.tableString(pidIndex)
		if !ok {
			return ErrSyntax
		}
		if !bytes.Contains(bytes.ToUpper(s), []byte("SYNCML")) {
			return ErrNotSyncML
		}
	}
	t.field = ""
	return nil
}

// tableString returns the NUL-terminated string at offset i of the string table.
func (t *wbxmlTokenizer) tableString(i uint32) ([]byte, bool) {
	if uint64(i) >= uint64(len(t.strtbl)) {
		return nil, false
	}
	s := t.strtbl[i:]
	j := bytes.IndexByte(s, 0)
	if j < 0 {
		return nil, false
	}
	return s[:j], true
}

// inline reads a NUL-terminated inline string.
func (t *wbxmlTokenizer) inline() ([]byte, error) {
	j := bytes.IndexByte(t.b[t.pos:], 0)
	if j < 0 {
		t.pos = len(t.b)
		return nil, ErrUnexpectedEOF
	}
	s := t.b[t.pos : t.pos+j]
	t.pos += j + 1
	return s, nil
}

func (t *wbxmlTokenizer) next() (tokKind, tag, []byte, error) {
	if t.pendingEnd {
		t.pendingEnd = false
		t.depth--
		if t.depth == 0 {
			t.done = true
		}
		return tokEnd, 0, nil, nil
	}
	for {
		if t.done {
			return tokEOF, 0, nil, nil
		}
		if t.pos >= len(t.b) {
			return 0, 0, nil, ErrUnexpectedEOF
		}
		c := t.b[t.pos]
		t.pos++
		switch c {
		case wbxSwitchPage:
			if t.pos >= len(t.b) {
				return 0, 0, nil, ErrUnexpectedEOF
			}
			t.page = t.b[t.pos]
			t.pos++
			continue
		case wbxEnd:
			if t.depth == 0 {
				return 0, 0, nil, ErrSyntax
			}
			t.depth--
			if t.depth == 0 {
				t.done = true
			}
			return tokEnd, 0, nil, nil
		case wbxEntity:
			code, err := t.mbUint32()
			if err != nil {
				return 0, 0, nil, err
			}
			if code > utf8.MaxRune || !utf8.ValidRune(rune(code)) {
				return 0, 0, nil, ErrSyntax
			}
			n := utf8.EncodeRune(t.ent[:], rune(code))
			return t.content(t.ent[:n])
		case wbxStrI:
			s, err := t.inline()
			if err != nil {
				return 0, 0, nil, err
			}
			return t.content(s)
		case wbxStrT:
			i, err := t.mbUint32()
			if err != nil {
				return 0, 0, nil, err
			}
			s, ok := t.tableString(i)
			if !ok {
				return 0, 0, nil, ErrSyntax
			}
			return t.content(s)
		case wbxOpaque:
			n, err := t.mbUint32()
			if err != nil {
				return 0, 0, nil, err
			}
			if uint64(n) > uint64(len(t.b)-t.pos) {
				t.pos = len(t.b)
				return 0, 0, nil, ErrUnexpectedEOF
			}
			s := t.b[t.pos : t.pos+int(n)]
			t.pos += int(n)
			return t.content(s)
		case wbxExtI0, wbxExtI0 + 1, wbxExtI2:
			if _, err := t.inline(); err != nil {
				return 0, 0, nil, err
			}
			continue
		case wbxExtT0, wbxExtT0 + 1, wbxExtT2:
			if _, err := t.mbUint32(); err != nil {
				return 0, 0, nil, err
			}
			continue
		case wbxExt0, wbxExt0 + 1, wbxExt2:
			continue
		case wbxPI:
			return 0, 0, nil, ErrUnsupported
		}
		// A tag.
		var tg tag
		if c&0x3F == wbxLiteral {
			i, err := t.mbUint32()
			if err != nil {
				return 0, 0, nil, err
			}
			name, ok := t.tableString(i)
			if !ok {
				return 0, 0, nil, ErrSyntax
			}
			tg = tagByName(name)
		} else {
			tg = tag(t.page)<<8 | tag(c&0x3F)
		}
		if c&0x80 != 0 {
			if err := t.skipAttrs(); err != nil {
				return 0, 0, nil, err
			}
		}
		if t.depth >= maxDepth*2 {
			return 0, 0, nil, ErrTooDeep
		}
		t.depth++
		if c&0x40 == 0 {
			t.pendingEnd = true
		}
		return tokStart, tg, nil, nil
	}
}

// content returns a text token; text is only legal inside an element.
func (t *wbxmlTokenizer) content(s []byte) (tokKind, tag, []byte, error) {
	if t.depth == 0 {
		return 0, 0, nil, ErrSyntax
	}
	return tokText, 0, s, nil
}

// skipAttrs skips an attribute list through its END token.
func (t *wbxmlTokenizer) skipAttrs() error {
	for {
		if t.pos >= len(t.b) {
			return ErrUnexpectedEOF
		}
		c := t.b[t.pos]
		t.pos++
		var err error
		switch c {
		case wbxEnd:
			return nil
		case wbxSwitchPage:
			if t.pos >= len(t.b) {
				return ErrUnexpectedEOF
			}
			t.pos++
		case wbxStrI, wbxExtI0, wbxExtI0 + 1, wbxExtI2:
			_, err = t.inline()
		case wbxEntity, wbxStrT, wbxLiteral, wbxExtT0, wbxExtT0 + 1, wbxExtT2:
			_, err = t.mbUint32()
		case wbxOpaque:
			var n uint32
			if n, err = t.mbUint32(); err == nil {
				if uint64(n) > uint64(len(t.b)-t.pos) {
					return ErrUnexpectedEOF
				}
				t.pos += int(n)
			}
		}
		if err != nil {
			return err
		}
	}
}

// AppendWBXML appends m in WBXML 1.2 to b: public id 0x1201, UTF-8, Meta Format and Type
// values used more than once in the string table, other text inline (as opaque data
// when it holds a NUL byte), and Item Data as opaque data.
func (m *SyncML) AppendWBXML(b []byte) ([]byte, error) {
	e := encoder{mode: modeTable}
	emit(&e, m)
	st := &e.st
	b = append(b, wbxmlVersion)
	b = appendMbUint32(b, PublicIDSyncML12)
	b = appendMbUint32(b, charsetUTF8)
	n := 0
	for _, e := range st.entries[:st.n] {
		if e.count > 1 {
			n += len(e.s) + 1
		}
	}
	b = appendMbUint32(b, uint32(n))
	off := 0
	for i := range st.entries[:st.n] {
		e := &st.entries[i]
		if e.count > 1 {
			e.off = off
			off += len(e.s) + 1
			b = append(b, e.s...)
			b = append(b, 0)
		} else {
			e.off = -1
		}
	}
	e.mode = modeWBXML
	e.w.b = b
	emit(&e, m)
	return e.w.b, nil
}

// AppendBinary appends m in WBXML to b; it implements encoding.BinaryAppender.
func (m *SyncML) AppendBinary(b []byte) ([]byte, error) { return m.AppendWBXML(b) }

// MarshalBinary returns m in WBXML.
func (m *SyncML) MarshalBinary() ([]byte, error) { return m.AppendWBXML(nil) }

func appendMbUint32(b []byte, v uint32) []byte {
	var tmp [5]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7F)
	for v >>= 7; v != 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7F) | 0x80
	}
	return append(b, tmp[i:]...)
}

// stringTable collects the Meta Format and Type values of a message.
type stringTable struct {
	n       int
	entries [16]stEntry // a fixed array, so that an encoder on the stack stays there
}

type stEntry struct {
	s     string
	count int
	off   int
}

func (st *stringTable) add(t tag, s string) {
	if (t != tagFormat && t != tagType) || len(s) < 3 || containsNUL(s) {
		return
	}
	for i := range st.entries[:st.n] {
		if st.entries[i].s == s {
			st.entries[i].count++
			return
		}
	}
	if st.n < len(st.entries) {
		st.entries[st.n] = stEntry{s: s, count: 1}
		st.n++
	}
}

func (st *stringTable) lookup(s string) int {
	for i := range st.entries[:st.n] {
		if st.entries[i].s == s {
			return st.entries[i].off
		}
	}
	return -1
}

type wbxmlEmitter struct {
	b    []byte
	page byte
}

func (e *wbxmlEmitter) tag(t tag, content bool) {
	if p := t.page(); p != e.page {
		e.b = append(e.b, wbxSwitchPage, p)
		e.page = p
	}
	c := t.token()
	if content {
		c |= 0x40
	}
	e.b = append(e.b, c)
}

func (e *wbxmlEmitter) start(t tag) { e.tag(t, true) }
func (e *wbxmlEmitter) end(tag)     { e.b = append(e.b, wbxEnd) }
func (e *wbxmlEmitter) empty(t tag) { e.tag(t, false) }

func (e *wbxmlEmitter) str(t tag, s string, st *stringTable) {
	if s == "" {
		e.tag(t, false)
		return
	}
	e.tag(t, true)
	off := -1
	if t == tagFormat || t == tagType { // only Meta values are in the table
		off = st.lookup(s)
	}
	switch {
	case off >= 0:
		e.b = append(e.b, wbxStrT)
		e.b = appendMbUint32(e.b, uint32(off))
	case containsNUL(s):
		e.opaque(s)
	default:
		e.b = append(e.b, wbxStrI)
		e.b = append(e.b, s...)
		e.b = append(e.b, 0)
	}
	e.b = append(e.b, wbxEnd)
}

func (e *wbxmlEmitter) data(t tag, s string) {
	e.tag(t, true)
	e.opaque(s)
	e.b = append(e.b, wbxEnd)
}

func (e *wbxmlEmitter) opaque(s string) {
	e.b = append(e.b, wbxOpaque)
	e.b = appendMbUint32(e.b, uint32(len(s)))
	e.b = append(e.b, s...)
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}
