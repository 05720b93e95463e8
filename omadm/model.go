package omadm

// This file holds the SyncML DM 1.2 representation (OMA-TS-SyncML_RepPro-V1_2 and
// OMA-TS-DM_RepPro-V1_2). The model is encoding-neutral: the XML and WBXML codecs read
// and write the same values.
//
//	SyncML
//	├── SyncHdr  VerDTD VerProto SessionID MsgID Target Source RespURI? NoResp? Cred? Meta?
//	└── SyncBody (Add|Alert|Atomic|Copy|Delete|Exec|Get|Replace|Sequence|Results|Status)* Final?
//
// Identifiers that the specification types as PCDATA (SessionID, MsgID, CmdID, MsgRef,
// CmdRef) are kept as strings, so that a message with a hexadecimal SessionID or a
// non-numeric CmdID survives a round trip unchanged.

// Protocol version strings written by the codecs.
const (
	VerDTD   = "1.2"
	VerProto = "DM/1.2"
)

// Content types of SyncML DM messages over HTTP.
const (
	ContentTypeXML       = "application/vnd.syncml.dm+xml"
	ContentTypeWBXML     = "application/vnd.syncml.dm+wbxml"
	ContentTypeSyncMLXML = "application/vnd.syncml+xml"
)

// SyncML is one SyncML message: a header and a body. The zero value is an empty
// message; the writers fill in VerDTD and VerProto when they are empty.
type SyncML struct {
	Hdr  SyncHdr
	Body SyncBody
}

// SyncHdr is the SyncML header (RepPro 5.1.23).
type SyncHdr struct {
	VerDTD    string // "1.2"; written as VerDTD when empty
	VerProto  string // "DM/1.2"; written as VerProto when empty
	SessionID string // decimal or hexadecimal session identifier, kept verbatim
	MsgID     string // message number within the session
	Target    Loc    // recipient
	Source    Loc    // sender; Source.Name carries the user name for auth-md5
	RespURI   string // where to send the response, when not the request URI
	NoResp    bool   // the sender wants no Status for the header
	Cred      *Cred  // credentials, nil when absent
	Meta      Meta   // header meta information (MaxMsgSize, MaxObjSize, EMI)
}

// SyncBody is the SyncML body: commands in order and the Final flag that closes a
// package.
type SyncBody struct {
	Commands []Command
	Final    bool
}

// Loc is a Target or Source: a LocURI and an optional LocName. A Loc whose URI and Name
// are both empty is absent.
type Loc struct {
	URI  string
	Name string
}

// IsZero reports whether l is absent.
func (l Loc) IsZero() bool { return l.URI == "" && l.Name == "" }

// Meta is the meta information of a header, command or item (OMA SyncML MetInf 1.2).
// Empty strings and zero numbers are absent.
type Meta struct {
	Format     string   // "chr", "int", "b64", "bin", "bool", "node", "xml", ...
	Type       string   // MIME type, or "syncml:auth-md5" etc. inside Cred and Chal
	Mark       string   // DS mark, kept when present
	Size       int64    // object size in bytes (large objects); 0 = absent
	NextNonce  string   // base64 text of the next nonce
	Version    string   // object version
	MaxMsgSize int64    // largest message the sender accepts; 0 = absent
	MaxObjSize int64    // largest object the sender accepts; 0 = absent
	EMI        []string // experimental meta information
}

// IsZero reports whether m carries no meta information.
func (m *Meta) IsZero() bool {
	return m.Format == "" && m.Type == "" && m.Mark == "" && m.Size == 0 && m.NextNonce == "" &&
		m.Version == "" && m.MaxMsgSize == 0 && m.MaxObjSize == 0 && len(m.EMI) == 0
}

// Cred holds credentials: Meta.Type names the scheme ("syncml:auth-basic",
// "syncml:auth-md5"), Meta.Format the encoding ("b64"), and Data the credential itself.
type Cred struct {
	Meta Meta
	Data string
}

// Chal is an authentication challenge: Meta.Type names the scheme, Meta.Format the
// encoding and Meta.NextNonce the nonce the challenged party must use.
type Chal struct {
	Meta Meta
}

// Item is one item of a command (RepPro 5.1.11).
type Item struct {
	Target   Loc
	Source   Loc
	Meta     Meta
	Data     string // node value, alert data or status data; any bytes
	MoreData bool   // this item is a chunk of a large object and more chunks follow
}

// Command is one SyncML command. Kind says which; the fields that do not apply to a
// kind are empty, and the writers ignore them.
//
//	Kind      fields used
//	Add, Copy, Delete, Replace, Get
//	          CmdID NoResp Cred Meta Items
//	Alert     CmdID NoResp Cred Data(alert code) Correlator Items
//	Exec      CmdID NoResp Cred Meta Correlator Items
//	Atomic, Sequence
//	          CmdID NoResp Meta Commands
//	Results   CmdID MsgRef CmdRef Meta TargetRef SourceRef Items
//	Status    CmdID MsgRef CmdRef Cmd TargetRef SourceRef Cred Chal Data(status code) Items
type Command struct {
	Kind       CmdKind
	CmdID      string
	NoResp     bool
	Cred       *Cred
	Meta       Meta
	Data       string    // alert code for Alert, status code for Status
	Correlator string    // Exec and Alert 1226 correlation
	Items      []Item    //
	Commands   []Command // nested commands of Atomic and Sequence
	MsgRef     string    // Status, Results: the MsgID of the referenced command
	CmdRef     string    // Status, Results: the CmdID of the referenced command ("0" = SyncHdr)
	Cmd        string    // Status: the name of the referenced command ("SyncHdr", "Add", ...)
	TargetRef  []string  // Status, Results
	SourceRef  []string  // Status, Results
	Chal       *Chal     // Status: challenge
}

// CmdKind says which SyncML command a Command is.
//
// The zero value CmdUnknown is not a command; decoders skip elements they do not know.
type CmdKind uint8

// Command kinds.
const (
	CmdUnknown CmdKind = iota
	CmdAdd
	CmdAlert
	CmdAtomic
	CmdCopy
	CmdDelete
	CmdExec
	CmdGet
	CmdReplace
	CmdSequence
	CmdResults
	CmdStatus
	numCmdKinds
)

var cmdKindNames = [...]string{
	CmdUnknown:  "Unknown",
	CmdAdd:      "Add",
	CmdAlert:    "Alert",
	CmdAtomic:   "Atomic",
	CmdCopy:     "Copy",
	CmdDelete:   "Delete",
	CmdExec:     "Exec",
	CmdGet:      "Get",
	CmdReplace:  "Replace",
	CmdSequence: "Sequence",
	CmdResults:  "Results",
	CmdStatus:   "Status",
}

// String returns the element name of the command ("Add", "Status", ...).
func (k CmdKind) String() string {
	if int(k) < len(cmdKindNames) {
		return cmdKindNames[k]
	}
	return "CmdKind(" + itoa(int64(k)) + ")"
}

// ParseCmdKind returns the kind named by an element name, or CmdUnknown.
func ParseCmdKind(name string) CmdKind {
	for k := CmdAdd; k < numCmdKinds; k++ {
		if cmdKindNames[k] == name {
			return k
		}
	}
	return CmdUnknown
}

// StatusCode returns the status code of a Status command (its Data) or the alert code of
// an Alert command, and whether Data holds a number.
func (c *Command) StatusCode() (StatusCode, bool) {
	n, ok := atoi(c.Data)
	return StatusCode(n), ok
}

// NewStatus returns a Status command answering cmd of message msgID with code. CmdID is
// left for the sender to number. The Status of the header is built with cmd == nil.
func NewStatus(msgID string, cmd *Command, code StatusCode) Command {
	s := Command{Kind: CmdStatus, MsgRef: msgID, CmdRef: "0", Cmd: "SyncHdr", Data: code.Code()}
	if cmd != nil {
		s.CmdRef = cmd.CmdID
		s.Cmd = cmd.Kind.String()
		for _, it := range cmd.Items {
			if it.Target.URI != "" {
				s.TargetRef = append(s.TargetRef, it.Target.URI)
			}
			if it.Source.URI != "" {
				s.SourceRef = append(s.SourceRef, it.Source.URI)
			}
		}
	}
	return s
}

// itoa formats n in decimal without the strconv allocation of a larger buffer.
func itoa(n int64) string {
	var b [20]byte
	return string(appendInt(b[:0], n))
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// atoi parses a non-negative decimal number of at most 18 digits, ignoring surrounding
// white space.
func atoi(s string) (int64, bool) {
	s = trimSpace(s)
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}
