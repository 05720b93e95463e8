package omadm

// Element tags shared by the XML and WBXML codecs. A tag is its WBXML code page in the
// high byte and its WBXML token in the low byte (OMA-TS-SyncML_RepPro-V1_2 section 8.2,
// code page 0 "SyncML"; OMA-TS-SyncML_MetaInfo-V1_2 section 7, code page 1 "MetInf").
type tag uint16

const (
	pageSyncML = 0
	pageMetInf = 1
)

const tagUnknown tag = 0

// Code page 0: SyncML.
const (
	tagAdd             tag = 0x05
	tagAlert           tag = 0x06
	tagArchive         tag = 0x07
	tagAtomic          tag = 0x08
	tagChal            tag = 0x09
	tagCmd             tag = 0x0A
	tagCmdID           tag = 0x0B
	tagCmdRef          tag = 0x0C
	tagCopy            tag = 0x0D
	tagCred            tag = 0x0E
	tagData            tag = 0x0F
	tagDelete          tag = 0x10
	tagExec            tag = 0x11
	tagFinal           tag = 0x12
	tagGet             tag = 0x13
	tagItem            tag = 0x14
	tagLang            tag = 0x15
	tagLocName         tag = 0x16
	tagLocURI          tag = 0x17
	tagMap             tag = 0x18
	tagMapItem         tag = 0x19
	tagMeta            tag = 0x1A
	tagMsgID           tag = 0x1B
	tagMsgRef          tag = 0x1C
	tagNoResp          tag = 0x1D
	tagNoResults       tag = 0x1E
	tagPut             tag = 0x1F
	tagReplace         tag = 0x20
	tagRespURI         tag = 0x21
	tagResults         tag = 0x22
	tagSearch          tag = 0x23
	tagSequence        tag = 0x24
	tagSessionID       tag = 0x25
	tagSftDel          tag = 0x26
	tagSource          tag = 0x27
	tagSourceRef       tag = 0x28
	tagStatus          tag = 0x29
	tagSync            tag = 0x2A
	tagSyncBody        tag = 0x2B
	tagSyncHdr         tag = 0x2C
	tagSyncML          tag = 0x2D
	tagTarget          tag = 0x2E
	tagTargetRef       tag = 0x2F
	tagVerDTD          tag = 0x31
	tagVerProto        tag = 0x32
	tagNumberOfChanges tag = 0x33
	tagMoreData        tag = 0x34
	tagField           tag = 0x35
	tagFilter          tag = 0x36
	tagRecord          tag = 0x37
	tagFilterType      tag = 0x38
	tagSourceParent    tag = 0x39
	tagTargetParent    tag = 0x3A
	tagMove            tag = 0x3B
	tagCorrelator      tag = 0x3C
)

// Code page 1: MetInf.
const (
	tagAnchor     tag = 0x105
	tagEMI        tag = 0x106
	tagFormat     tag = 0x107
	tagFreeID     tag = 0x108
	tagFreeMem    tag = 0x109
	tagLast       tag = 0x10A
	tagMark       tag = 0x10B
	tagMaxMsgSize tag = 0x10C
	tagMem        tag = 0x10D
	tagMetInf     tag = 0x10E
	tagNext       tag = 0x10F
	tagNextNonce  tag = 0x110
	tagSharedMem  tag = 0x111
	tagSize       tag = 0x112
	tagType       tag = 0x113
	tagVersion    tag = 0x114
	tagMaxObjSize tag = 0x115
	tagFieldLevel tag = 0x116
)

var syncMLPage = [...]string{
	0x05: "Add", 0x06: "Alert", 0x07: "Archive", 0x08: "Atomic", 0x09: "Chal", 0x0A: "Cmd",
	0x0B: "CmdID", 0x0C: "CmdRef", 0x0D: "Copy", 0x0E: "Cred", 0x0F: "Data", 0x10: "Delete",
	0x11: "Exec", 0x12: "Final", 0x13: "Get", 0x14: "Item", 0x15: "Lang", 0x16: "LocName",
	0x17: "LocURI", 0x18: "Map", 0x19: "MapItem", 0x1A: "Meta", 0x1B: "MsgID", 0x1C: "MsgRef",
	0x1D: "NoResp", 0x1E: "NoResults", 0x1F: "Put", 0x20: "Replace", 0x21: "RespURI",
	0x22: "Results", 0x23: "Search", 0x24: "Sequence", 0x25: "SessionID", 0x26: "SftDel",
	0x27: "Source", 0x28: "SourceRef", 0x29: "Status", 0x2A: "Sync", 0x2B: "SyncBody",
	0x2C: "SyncHdr", 0x2D: "SyncML", 0x2E: "Target", 0x2F: "TargetRef", 0x31: "VerDTD",
	0x32: "VerProto", 0x33: "NumberOfChanges", 0x34: "MoreData", 0x35: "Field", 0x36: "Filter",
	0x37: "Record", 0x38: "FilterType", 0x39: "SourceParent", 0x3A: "TargetParent",
	0x3B: "Move", 0x3C: "Correlator",
}

var metInfPage = [...]string{
	0x05: "Anchor", 0x06: "EMI", 0x07: "Format", 0x08: "FreeID", 0x09: "FreeMem", 0x0A: "Last",
	0x0B: "Mark", 0x0C: "MaxMsgSize", 0x0D: "Mem", 0x0E: "MetInf", 0x0F: "Next",
	0x10: "NextNonce", 0x11: "SharedMem", 0x12: "Size", 0x13: "Type", 0x14: "Version",
	0x15: "MaxObjSize", 0x16: "FieldLevel",
}

// name returns the element name of t, or "" for an unknown tag.
func (t tag) name() string {
	tok := int(t & 0xFF)
	switch t >> 8 {
	case pageSyncML:
		if tok < len(syncMLPage) {
			return syncMLPage[tok]
		}
	case pageMetInf:
		if tok < len(metInfPage) {
			return metInfPage[tok]
		}
	}
	return ""
}

// page returns the WBXML code page of t.
func (t tag) page() byte { return byte(t >> 8) }

// token returns the WBXML token of t.
func (t tag) token() byte { return byte(t) }

// tagByName returns the tag of an element name of either code page. The names of the
// two pages are disjoint, so the local name alone identifies the tag; tagUnknown
// otherwise.
func tagByName(name []byte) tag {
	// A switch on string(name) compiles to comparisons without allocating.
	switch string(name) {
	case "Add":
		return tagAdd
	case "Alert":
		return tagAlert
	case "Archive":
		return tagArchive
	case "Atomic":
		return tagAtomic
	case "Chal":
		return tagChal
	case "Cmd":
		return tagCmd
	case "CmdID":
		return tagCmdID
	case "CmdRef":
		return tagCmdRef
	case "Copy":
		return tagCopy
	case "Cred":
		return tagCred
	case "Data":
		return tagData
	case "Delete":
		return tagDelete
	case "Exec":
		return tagExec
	case "Final":
		return tagFinal
	case "Get":
		return tagGet
	case "Item":
		return tagItem
	case "Lang":
		return tagLang
	case "LocName":
		return tagLocName
	case "LocURI":
		return tagLocURI
	case "Map":
		return tagMap
	case "MapItem":
		return tagMapItem
	case "Meta":
		return tagMeta
	case "MsgID":
		return tagMsgID
	case "MsgRef":
		return tagMsgRef
	case "NoResp":
		return tagNoResp
	case "NoResults":
		return tagNoResults
	case "Put":
		return tagPut
	case "Replace":
		return tagReplace
	case "RespURI":
		return tagRespURI
	case "Results":
		return tagResults
	case "Search":
		return tagSearch
	case "Sequence":
		return tagSequence
	case "SessionID":
		return tagSessionID
	case "SftDel":
		return tagSftDel
	case "Source":
		return tagSource
	case "SourceRef":
		return tagSourceRef
	case "Status":
		return tagStatus
	case "Sync":
		return tagSync
	case "SyncBody":
		return tagSyncBody
	case "SyncHdr":
		return tagSyncHdr
	case "SyncML":
		return tagSyncML
	case "Target":
		return tagTarget
	case "TargetRef":
		return tagTargetRef
	case "VerDTD":
		return tagVerDTD
	case "VerProto":
		return tagVerProto
	case "NumberOfChanges":
		return tagNumberOfChanges
	case "MoreData":
		return tagMoreData
	case "Field":
		return tagField
	case "Filter":
		return tagFilter
	case "Record":
		return tagRecord
	case "FilterType":
		return tagFilterType
	case "SourceParent":
		return tagSourceParent
	case "TargetParent":
		return tagTargetParent
	case "Move":
		return tagMove
	case "Correlator":
		return tagCorrelator
	case "Anchor":
		return tagAnchor
	case "EMI":
		return tagEMI
	case "Format":
		return tagFormat
	case "FreeID":
		return tagFreeID
	case "FreeMem":
		return tagFreeMem
	case "Last":
		return tagLast
	case "Mark":
		return tagMark
	case "MaxMsgSize":
		return tagMaxMsgSize
	case "Mem":
		return tagMem
	case "MetInf":
		return tagMetInf
	case "Next":
		return tagNext
	case "NextNonce":
		return tagNextNonce
	case "SharedMem":
		return tagSharedMem
	case "Size":
		return tagSize
	case "Type":
		return tagType
	case "Version":
		return tagVersion
	case "MaxObjSize":
		return tagMaxObjSize
	case "FieldLevel":
		return tagFieldLevel
	}
	return tagUnknown
}

// cmdTag maps command kinds to their element tags.
var cmdTag = [...]tag{
	CmdAdd:      tagAdd,
	CmdAlert:    tagAlert,
	CmdAtomic:   tagAtomic,
	CmdCopy:     tagCopy,
	CmdDelete:   tagDelete,
	CmdExec:     tagExec,
	CmdGet:      tagGet,
	CmdReplace:  tagReplace,
	CmdSequence: tagSequence,
	CmdResults:  tagResults,
	CmdStatus:   tagStatus,
}

// tagCmd returns the command kind of an element tag, or CmdUnknown.
func tagCmdKind(t tag) CmdKind {
	for k := CmdAdd; k < numCmdKinds; k++ {
		if cmdTag[k] == t {
			return k
		}
	}
	return CmdUnknown
}
