package omadm

// emitter is the part of an encoder that differs between XML and WBXML.
type emitter interface {
	start(t tag)
	end(t tag)
	empty(t tag)
	str(t tag, s string)  // an element holding text
	data(t tag, s string) // an element holding data of any bytes (Data)
}

// emit walks m in the element order of the SyncML 1.2 DTD.
func emit(e emitter, m *SyncML) {
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

func emitLoc(e emitter, t tag, l Loc, always bool) {
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

func emitCred(e emitter, c *Cred) {
	e.start(tagCred)
	emitMeta(e, &c.Meta)
	e.str(tagData, c.Data)
	e.end(tagCred)
}

func emitMeta(e emitter, m *Meta) {
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
		e.str(tagSize, itoa(m.Size))
	}
	if m.NextNonce != "" {
		e.str(tagNextNonce, m.NextNonce)
	}
	if m.Version != "" {
		e.str(tagVersion, m.Version)
	}
	if m.MaxMsgSize != 0 {
		e.str(tagMaxMsgSize, itoa(m.MaxMsgSize))
	}
	if m.MaxObjSize != 0 {
		e.str(tagMaxObjSize, itoa(m.MaxObjSize))
	}
	for _, s := range m.EMI {
		e.str(tagEMI, s)
	}
	e.end(tagMeta)
}

func emitCmd(e emitter, c *Command) {
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

func emitItem(e emitter, it *Item) {
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
