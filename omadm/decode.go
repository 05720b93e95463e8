package omadm

import (
	"errors"
	"strconv"
)

// Errors returned by the decoders, wrapped in a *DecodeError that names the field and
// offset.
var (
	ErrSyntax         = errors.New("omadm: malformed message")
	ErrUnexpectedEOF  = errors.New("omadm: unexpected end of message")
	ErrUnexpectedElem = errors.New("omadm: unexpected element")
	ErrBadNumber      = errors.New("omadm: not a decimal number")
	ErrTooDeep        = errors.New("omadm: elements nested too deeply")
	ErrNotSyncML      = errors.New("omadm: not a SyncML document")
	ErrUnsupported    = errors.New("omadm: unsupported encoding feature")
	ErrTooLarge       = errors.New("omadm: message too large")
)

// DecodeError is returned by the decoders: Field names the element being read ("SyncHdr.
// MsgID", "Status.Data"), Offset the byte offset in the input where the problem was found.
type DecodeError struct {
	Offset int
	Field  string
	Err    error
}

// Error describes the failure.
func (e *DecodeError) Error() string {
	s := "omadm: decoding"
	if e.Field != "" {
		s += " " + e.Field
	}
	s += " at offset " + strconv.Itoa(e.Offset)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e *DecodeError) Unwrap() error { return e.Err }

// maxDepth bounds element nesting; Atomic and Sequence nest commands.
const maxDepth = 48

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText
)

// tokenizer is the part of a decoder that differs between XML and WBXML: a stream of
// start, end and text tokens over known tags. Text may alias the input and is valid
// until the next call.
type tokenizer interface {
	next() (tokKind, tag, []byte, error)
	offset() int
	// rawInner returns the markup between the start of the innermost open Data element
	// and the current position, for Data holding embedded XML; "" when not available.
	rawInner() string
}

// parser maps a token stream to the model. It is shared by both codecs.
type parser struct {
	t     tokenizer
	depth int
	path  [maxDepth + 2]tag // open elements, for the Field of errors
	buf   []byte            // scratch for concatenated text
}

func (p *parser) fail(err error) error {
	var de *DecodeError
	if errors.As(err, &de) {
		return err
	}
	return &DecodeError{Offset: p.t.offset(), Field: p.fieldName(), Err: err}
}

// fieldName joins the names of the open elements: "SyncBody.Status.Data".
func (p *parser) fieldName() string {
	s := ""
	for i := 0; i <= p.depth && i < len(p.path); i++ {
		t := p.path[i]
		if t == tagUnknown || t == tagSyncML {
			continue
		}
		if s != "" {
			s += "."
		}
		s += t.name()
	}
	return s
}

// push records that element t is open.
func (p *parser) push(t tag) error {
	p.depth++
	if p.depth >= len(p.path) {
		p.depth--
		return p.fail(ErrTooDeep)
	}
	p.path[p.depth] = t
	return nil
}

func (p *parser) pop() { p.path[p.depth] = 0; p.depth-- }

// next returns the next start or end token, skipping text between elements.
func (p *parser) next() (tokKind, tag, error) {
	for {
		k, t, _, err := p.t.next()
		if err != nil {
			return 0, 0, p.fail(err)
		}
		switch k {
		case tokText:
			continue
		case tokEOF:
			return 0, 0, p.fail(ErrUnexpectedEOF)
		}
		return k, t, nil
	}
}

// skip consumes the rest of an element whose start token has been read.
func (p *parser) skip() error {
	depth := 1
	for depth > 0 {
		k, _, _, err := p.t.next()
		if err != nil {
			return p.fail(err)
		}
		switch k {
		case tokStart:
			depth++
		case tokEnd:
			depth--
		case tokEOF:
			return p.fail(ErrUnexpectedEOF)
		}
	}
	return nil
}

// elems calls f for each child element of the element whose start has been read, and
// consumes its end token. f must consume the child's end token.
func (p *parser) elems(self tag, f func(t tag) error) error {
	if err := p.push(self); err != nil {
		return err
	}
	for {
		k, t, err := p.next()
		if err != nil {
			return err
		}
		if k == tokEnd {
			p.pop()
			return nil
		}
		if err := f(t); err != nil {
			return err
		}
	}
}

// textBytes reads the text content of an element whose start has been read, through its
// end token. Child elements are skipped, and raw reports whether there were any.
func (p *parser) textBytes() (b []byte, raw bool, err error) {
	p.buf = p.buf[:0]
	for {
		k, _, txt, err := p.t.next()
		if err != nil {
			return nil, false, p.fail(err)
		}
		switch k {
		case tokText:
			p.buf = append(p.buf, txt...)
		case tokStart:
			raw = true
			if err := p.skip(); err != nil {
				return nil, false, err
			}
		case tokEnd:
			return p.buf, raw, nil
		case tokEOF:
			return nil, false, p.fail(ErrUnexpectedEOF)
		}
	}
}

// text reads an identifier-like element and trims surrounding white space, as found in
// pretty-printed LocURI and CmdID elements.
func (p *parser) text(self tag) (string, error) {
	if err := p.push(self); err != nil {
		return "", err
	}
	b, _, err := p.textBytes()
	if err != nil {
		return "", err
	}
	p.pop()
	return intern(trimSpaceBytes(b)), nil
}

// data reads a Data element verbatim. When it holds embedded XML markup, the markup is
// kept as text.
func (p *parser) data() (string, error) {
	if err := p.push(tagData); err != nil {
		return "", err
	}
	b, raw, err := p.textBytes()
	if err != nil {
		return "", err
	}
	p.pop()
	if raw {
		if s := p.t.rawInner(); s != "" {
			return trimSpace(s), nil
		}
		return intern(trimSpaceBytes(b)), nil
	}
	if len(trimSpaceBytes(b)) == 0 {
		return "", nil
	}
	return intern(b), nil
}

func (p *parser) number(self tag) (int64, error) {
	s, err := p.text(self)
	if err != nil {
		return 0, err
	}
	if s == "" {
		return 0, nil
	}
	n, ok := atoi(s)
	if !ok {
		p.push(self)
		err := p.fail(ErrBadNumber)
		p.pop()
		return 0, err
	}
	return n, nil
}

// flag reads an empty element such as <Final/>; content is ignored.
func (p *parser) flag() error { return p.skip() }

func trimSpaceBytes(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

// intern returns common protocol strings without allocating.
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "1.2":
		return "1.2"
	case "DM/1.2":
		return "DM/1.2"
	case "200":
		return "200"
	case "0":
		return "0"
	case "1":
		return "1"
	case "2":
		return "2"
	case "3":
		return "3"
	case "chr":
		return "chr"
	case "int":
		return "int"
	case "b64":
		return "b64"
	case "bin":
		return "bin"
	case "bool":
		return "bool"
	case "node":
		return "node"
	case "xml":
		return "xml"
	case "text/plain":
		return "text/plain"
	case "SyncHdr":
		return "SyncHdr"
	case "Add":
		return "Add"
	case "Replace":
		return "Replace"
	case "Get":
		return "Get"
	case "Delete":
		return "Delete"
	case "Exec":
		return "Exec"
	case "Alert":
		return "Alert"
	case "Results":
		return "Results"
	case "syncml:auth-md5":
		return "syncml:auth-md5"
	case "syncml:auth-basic":
		return "syncml:auth-basic"
	}
	return string(b)
}

func (p *parser) message(m *SyncML) error {
	k, t, err := p.next()
	if err != nil {
		return err
	}
	if k != tokStart || t != tagSyncML {
		return p.fail(ErrNotSyncML)
	}
	cmds := m.Body.Commands[:0]
	*m = SyncML{}
	m.Body.Commands = cmds
	var sawHdr, sawBody bool
	err = p.elems(tagSyncML, func(t tag) error {
		switch t {
		case tagSyncHdr:
			sawHdr = true
			return p.hdr(&m.Hdr)
		case tagSyncBody:
			sawBody = true
			return p.body(&m.Body)
		}
		return p.skip()
	})
	if err != nil {
		return err
	}
	if !sawHdr || !sawBody {
		missing := tagSyncHdr
		if sawHdr {
			missing = tagSyncBody
		}
		p.push(missing)
		return p.fail(ErrUnexpectedEOF)
	}
	return nil
}

func (p *parser) hdr(h *SyncHdr) error {
	return p.elems(tagSyncHdr, func(t tag) error {
		var err error
		switch t {
		case tagVerDTD:
			h.VerDTD, err = p.text(tagVerDTD)
		case tagVerProto:
			h.VerProto, err = p.text(tagVerProto)
		case tagSessionID:
			h.SessionID, err = p.text(tagSessionID)
		case tagMsgID:
			h.MsgID, err = p.text(tagMsgID)
		case tagTarget:
			err = p.loc(&h.Target, tagTarget)
		case tagSource:
			err = p.loc(&h.Source, tagSource)
		case tagRespURI:
			h.RespURI, err = p.text(tagRespURI)
		case tagNoResp:
			h.NoResp = true
			err = p.flag()
		case tagCred:
			h.Cred = new(Cred)
			err = p.cred(h.Cred)
		case tagMeta:
			err = p.meta(&h.Meta)
		default:
			err = p.skip()
		}
		return err
	})
}

func (p *parser) loc(l *Loc, self tag) error {
	return p.elems(self, func(t tag) error {
		var err error
		switch t {
		case tagLocURI:
			l.URI, err = p.text(tagLocURI)
		case tagLocName:
			l.Name, err = p.text(tagLocName)
		default:
			err = p.skip()
		}
		return err
	})
}

func (p *parser) cred(c *Cred) error {
	return p.elems(tagCred, func(t tag) error {
		var err error
		switch t {
		case tagMeta:
			err = p.meta(&c.Meta)
		case tagData:
			c.Data, err = p.text(tagData)
		default:
			err = p.skip()
		}
		return err
	})
}

// meta reads a Meta element. MetInf children may come with or without the metinf
// namespace and with or without a MetInf wrapper.
func (p *parser) meta(m *Meta) error {
	var f func(t tag) error
	f = func(t tag) error {
		var err error
		switch t {
		case tagMetInf:
			err = p.elems(tagMetInf, f)
		case tagFormat:
			m.Format, err = p.text(tagFormat)
		case tagType:
			m.Type, err = p.text(tagType)
		case tagMark:
			m.Mark, err = p.text(tagMark)
		case tagSize:
			m.Size, err = p.number(tagSize)
		case tagNextNonce:
			m.NextNonce, err = p.text(tagNextNonce)
		case tagVersion:
			m.Version, err = p.text(tagVersion)
		case tagMaxMsgSize:
			m.MaxMsgSize, err = p.number(tagMaxMsgSize)
		case tagMaxObjSize:
			m.MaxObjSize, err = p.number(tagMaxObjSize)
		case tagEMI:
			var s string
			s, err = p.text(tagEMI)
			m.EMI = append(m.EMI, s)
		default:
			err = p.skip()
		}
		return err
	}
	return p.elems(tagMeta, f)
}

func (p *parser) body(b *SyncBody) error {
	return p.elems(tagSyncBody, func(t tag) error {
		if t == tagFinal {
			b.Final = true
			return p.flag()
		}
		k := tagCmdKind(t)
		if k == CmdUnknown {
			return p.skip()
		}
		b.Commands = appendCmd(b.Commands)
		return p.command(&b.Commands[len(b.Commands)-1], k)
	})
}

// appendCmd grows cmds by one zeroed command, keeping the capacity of the slot's Items.
func appendCmd(cmds []Command) []Command {
	if len(cmds) < cap(cmds) {
		cmds = cmds[:len(cmds)+1]
		c := &cmds[len(cmds)-1]
		items, sub := c.Items[:0], c.Commands[:0]
		*c = Command{Items: items, Commands: sub}
		return cmds
	}
	return append(cmds, Command{})
}

func (p *parser) command(c *Command, k CmdKind) error {
	c.Kind = k
	return p.elems(cmdTag[k], func(t tag) error {
		if !cmdAllows(k, t) {
			return p.skip()
		}
		var err error
		switch t {
		case tagCmdID:
			c.CmdID, err = p.text(tagCmdID)
		case tagNoResp:
			c.NoResp = true
			err = p.flag()
		case tagCred:
			c.Cred = new(Cred)
			err = p.cred(c.Cred)
		case tagMeta:
			err = p.meta(&c.Meta)
		case tagData:
			c.Data, err = p.text(tagData)
		case tagCorrelator:
			c.Correlator, err = p.text(tagCorrelator)
		case tagItem:
			if len(c.Items) < cap(c.Items) {
				c.Items = c.Items[:len(c.Items)+1]
				c.Items[len(c.Items)-1] = Item{}
			} else {
				c.Items = append(c.Items, Item{})
			}
			err = p.item(&c.Items[len(c.Items)-1])
		case tagMsgRef:
			c.MsgRef, err = p.text(tagMsgRef)
		case tagCmdRef:
			c.CmdRef, err = p.text(tagCmdRef)
		case tagCmd:
			c.Cmd, err = p.text(tagCmd)
		case tagTargetRef:
			var s string
			s, err = p.text(tagTargetRef)
			c.TargetRef = append(c.TargetRef, s)
		case tagSourceRef:
			var s string
			s, err = p.text(tagSourceRef)
			c.SourceRef = append(c.SourceRef, s)
		case tagChal:
			c.Chal = new(Chal)
			err = p.elems(tagChal, func(t tag) error {
				if t == tagMeta {
					return p.meta(&c.Chal.Meta)
				}
				return p.skip()
			})
		default:
			if (k == CmdAtomic || k == CmdSequence) && tagCmdKind(t) != CmdUnknown {
				c.Commands = appendCmd(c.Commands)
				return p.command(&c.Commands[len(c.Commands)-1], tagCmdKind(t))
			}
			err = p.skip()
		}
		return err
	})
}

func (p *parser) item(it *Item) error {
	return p.elems(tagItem, func(t tag) error {
		var err error
		switch t {
		case tagTarget:
			err = p.loc(&it.Target, tagTarget)
		case tagSource:
			err = p.loc(&it.Source, tagSource)
		case tagMeta:
			err = p.meta(&it.Meta)
		case tagData:
			it.Data, err = p.data()
		case tagMoreData:
			it.MoreData = true
			err = p.flag()
		default:
			err = p.skip()
		}
		return err
	})
}

// cmdAllows reports whether the writers emit child t for commands of kind k; the reader
// skips the others so that a decoded message survives a round trip.
func cmdAllows(k CmdKind, t tag) bool {
	switch t {
	case tagCmdID:
		return true
	case tagNoResp:
		return k != CmdStatus && k != CmdResults
	case tagCred:
		return k != CmdResults && k != CmdAtomic && k != CmdSequence
	case tagMeta:
		return k != CmdStatus && k != CmdAlert
	case tagData:
		return k == CmdStatus || k == CmdAlert
	case tagCorrelator:
		return k == CmdAlert || k == CmdExec
	case tagItem:
		return k != CmdAtomic && k != CmdSequence
	case tagMsgRef, tagCmdRef, tagTargetRef, tagSourceRef:
		return k == CmdStatus || k == CmdResults
	case tagCmd, tagChal:
		return k == CmdStatus
	}
	return k == CmdAtomic || k == CmdSequence
}
