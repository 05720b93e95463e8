package omadm

// encoder walks a message for one of three writers: XML, WBXML, or the collection of
// the WBXML string table. It is a concrete type, not an interface, so that an encoder on
// the stack stays there and encoding into a reused buffer allocates nothing.
type encoder struct {
	mode encMode
	x    xmlEmitter
	w    wbxmlEmitter
	st   stringTable
}

type encMode uint8

const (
	modeXML encMode = iota
	modeWBXML
	modeTable
)

func (e *encoder) start(t tag) {
	switch e.mode {
	case modeXML:
		e.x.start(t)
	case modeWBXML:
		e.w.start(t)
	}
}

func (e *encoder) end(t tag) {
	switch e.mode {
	case modeXML:
		e.x.end(t)
	case modeWBXML:
		e.w.end(t)
	}
}

func (e *encoder) empty(t tag) {
	switch e.mode {
	case modeXML:
		e.x.empty(t)
	case modeWBXML:
		e.w.empty(t)
	}
}

// str writes an element holding text.
func (e *encoder) str(t tag, s string) {
	switch e.mode {
	case modeXML:
		e.x.str(t, s)
	case modeWBXML:
		e.w.str(t, s, &e.st)
	case modeTable:
		e.st.add(t, s)
	}
}

// data writes an element holding data of any bytes (Data).
func (e *encoder) data(t tag, s string) {
	switch e.mode {
	case modeXML:
		e.x.str(t, s)
	case modeWBXML:
		e.w.data(t, s)
	}
}

// num writes an element holding a decimal number.
func (e *encoder) num(t tag, n int64) {
	var buf [20]byte
	d := appendInt(buf[:0], n)
	switch e.mode {
	case modeXML:
		e.x.start(t)
		e.x.b = append(e.x.b, d...)
		e.x.end(t)
	case modeWBXML:
		e.w.tag(t, true)
		e.w.b = append(e.w.b, wbxStrI)
		e.w.b = append(e.w.b, d...)
		e.w.b = append(e.w.b, 0, wbxEnd)
	}
}

// emit walks m in the element order of the SyncML 1.2 DTD.
func emit(e *encoder, m *SyncML) {
	h := &m.Hdr
	e.start(tagSyncML)
	e.start(tagSyncHdr)
	verDTD, verProto := h.VerDTD, h.VerProto
	if verDTD == "" {
		verDTD = VerDTD
	}
	if verProto == "" {
		verProto = VerProto
	}
	e.str(tagVerDTD, verDTD)
	e.str(tagVerProto, verProto)
	e.str(tagSessionID, h.SessionID)
	e.str(tagMsgID, h.MsgID)
	emitLoc(e, tagTarget, h.Target, true)
	emitLoc(e, tagSource, h.Source, true)
	if h.RespURI != "" {
		e.str(tagRespURI, h.RespURI)
	}
	if h.NoResp {
		e.empty(tagNoResp)
	}
	if h.Cred != nil {
		emitCred(e, h.Cred)
	}
	emitMeta(e, &h.Meta)
	e.end(tagSyncHdr)
	e.start(tagSyncBody)
	for i := range m.Body.Commands {
		emitCmd(e, &m.Body.Commands[i])
	}
	if m.Body.Final {
		e.empty(tagFinal)
	}
	e.end(tagSyncBody)
	e.end(tagSyncML)
}

func emitLoc(e *encoder, t tag, l Loc, always bool) {
	if l.IsZero() && !always {
		return
	}
	e.start(t)
	e.str(tagLocURI, l.URI)
	if l.Name != "" {
		e.str(tagLocName, l.Name)
	}
	e.end(t)
}

func emitCred(e *encoder, c *Cred) {
	e.start(tagCred)
	emitMeta(e, &c.Meta)
	e.str(tagData, c.Data)
	e.end(tagCred)
}

func emitMeta(e *encoder, m *Meta) {
	if m.IsZero() {
		return
	}
	e.start(tagMeta)
	if m.Format != "" {
		e.str(tagFormat, m.Format)
	}
	if m.Type != "" {
		e.str(tagType, m.Type)
	}
	if m.Mark != "" {
		e.str(tagMark, m.Mark)
	}
	if m.Size != 0 {
		e.num(tagSize, m.Size)
	}
	if m.NextNonce != "" {
		e.str(tagNextNonce, m.NextNonce)
	}
	if m.Version != "" {
		e.str(tagVersion, m.Version)
	}
	if m.MaxMsgSize != 0 {
		e.num(tagMaxMsgSize, m.MaxMsgSize)
	}
	if m.MaxObjSize != 0 {
		e.num(tagMaxObjSize, m.MaxObjSize)
	}
	for _, s := range m.EMI {
		e.str(tagEMI, s)
	}
	e.end(tagMeta)
}

func emitCmd(e *encoder, c *Command) {
	if c.Kind == CmdUnknown || c.Kind >= numCmdKinds {
		return
	}
	t := cmdTag[c.Kind]
	e.start(t)
	e.str(tagCmdID, c.CmdID)
	switch c.Kind {
	case CmdStatus:
		e.str(tagMsgRef, c.MsgRef)
		e.str(tagCmdRef, c.CmdRef)
		e.str(tagCmd, c.Cmd)
		for _, s := range c.TargetRef {
			e.str(tagTargetRef, s)
		}
		for _, s := range c.SourceRef {
			e.str(tagSourceRef, s)
		}
		if c.Cred != nil {
			emitCred(e, c.Cred)
		}
		if c.Chal != nil {
			e.start(tagChal)
			emitMeta(e, &c.Chal.Meta)
			e.end(tagChal)
		}
		e.str(tagData, c.Data)
	case CmdResults:
		if c.MsgRef != "" {
			e.str(tagMsgRef, c.MsgRef)
		}
		e.str(tagCmdRef, c.CmdRef)
		emitMeta(e, &c.Meta)
		for _, s := range c.TargetRef {
			e.str(tagTargetRef, s)
		}
		for _, s := range c.SourceRef {
			e.str(tagSourceRef, s)
		}
	case CmdAtomic, CmdSequence:
		if c.NoResp {
			e.empty(tagNoResp)
		}
		emitMeta(e, &c.Meta)
		for i := range c.Commands {
			emitCmd(e, &c.Commands[i])
		}
	case CmdAlert:
		if c.NoResp {
			e.empty(tagNoResp)
		}
		if c.Cred != nil {
			emitCred(e, c.Cred)
		}
		if c.Data != "" {
			e.str(tagData, c.Data)
		}
		if c.Correlator != "" {
			e.str(tagCorrelator, c.Correlator)
		}
	default: // Add, Copy, Delete, Exec, Get, Replace
		if c.NoResp {
			e.empty(tagNoResp)
		}
		if c.Cred != nil {
			emitCred(e, c.Cred)
		}
		emitMeta(e, &c.Meta)
		if c.Kind == CmdExec && c.Correlator != "" {
			e.str(tagCorrelator, c.Correlator)
		}
	}
	if c.Kind != CmdAtomic && c.Kind != CmdSequence {
		for i := range c.Items {
			emitItem(e, &c.Items[i])
		}
	}
	e.end(t)
}

func emitItem(e *encoder, it *Item) {
	e.start(tagItem)
	emitLoc(e, tagTarget, it.Target, false)
	emitLoc(e, tagSource, it.Source, false)
	emitMeta(e, &it.Meta)
	if it.Data != "" {
		e.data(tagData, it.Data)
	}
	if it.MoreData {
		e.empty(tagMoreData)
	}
	e.end(tagItem)
}
