package omadm

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// Package 0, the General Package #0 notification of OMA-TS-DM_Notification-V1_2 section
// 6 (Notification Initiated Session): a server sends it to a device over a push bearer
// (SMS, WAP push, outside this package) to make the device open a management session.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                                                               |
//	+                       digest (128 bits)                       +
//	|                                                               |
//	+                                                               +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+  <- trigger
//	|     version       |ui |i|          future-use (27 bits)       ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	 ...      |          session id           |  server-id length |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  server identifier (length bytes) ...  | vendor-specific body ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// All fields are big-endian. version is 12 for DM 1.2; ui (2 bits) the UIMode; i the
// Initiator; future-use is sent as zero. The trigger is everything after the digest:
// its header (the 8 bytes above, then the server identifier) and the vendor-specific
// body, which runs to the end of the message (the bearer delimits it). The digest is
//
//	H(B64(H(server-identifier ":" password)) ":" nonce ":" B64(H(trigger)))
//
// with H MD5 and B64 base64 as for auth-md5: the name and password are the server's
// credentials with the device and the nonce the one the device last sent the server in
// a Chal (the nonce of the server's auth-md5 credentials), empty when none was sent.

// NotificationVersion is the version field of a DM 1.2 notification.
const NotificationVersion = 12

// Sizes of a notification.
const (
	NotificationDigestLen = 16 // the MD5 digest
	notifyHeaderLen       = 8  // version .. server-id length
	notifyFixedLen        = NotificationDigestLen + notifyHeaderLen
	maxNotifyVersion      = 1<<10 - 1
)

// Errors of notifications.
var (
	ErrNotifyDigest  = errors.New("omadm: notification digest does not match the server's credentials")
	ErrNotifyField   = errors.New("omadm: notification field out of range")
	ErrNotifyServer  = errors.New("omadm: notification from an unknown server")
	ErrNotifyVersion = errors.New("omadm: unsupported notification version")
)

// UIMode is the ui-mode of a notification: how the device involves its user.
type UIMode uint8

// UI modes.
const (
	UINotSpecified UIMode = iota // 00: left to the device
	UIBackground                 // 01: no user interaction
	UIInformative                // 10: the user is told a session runs
	UIInteractive                // 11: the user is asked before the session
)

var uiModeNames = [...]string{
	UINotSpecified: "not-specified",
	UIBackground:   "background",
	UIInformative:  "informative",
	UIInteractive:  "user-interaction",
}

// String returns the specification's name of the mode ("background").
func (m UIMode) String() string {
	if int(m) < len(uiModeNames) {
		return uiModeNames[m]
	}
	return "UIMode(" + itoa(int64(m)) + ")"
}

// Initiator says who asked for a notified session.
type Initiator uint8

// Initiators.
const (
	InitiatorUser   Initiator = iota // 0: the user, through the server
	InitiatorServer                  // 1: the server
)

var initiatorNames = [...]string{InitiatorUser: "user", InitiatorServer: "server"}

// String returns "user" or "server".
func (i Initiator) String() string {
	if int(i) < len(initiatorNames) {
		return initiatorNames[i]
	}
	return "Initiator(" + itoa(int64(i)) + ")"
}

// Notification is package 0, the message that asks a device to open a management
// session (see the layout above).
type Notification struct {
	// Digest authenticates the trigger; Sign computes it.
	Digest [NotificationDigestLen]byte
	// Version is NotificationVersion (12) for DM 1.2; 10 bits.
	Version   uint16
	UIMode    UIMode
	Initiator Initiator
	// SessionID is the session id the device uses in the SyncHdr of the session it
	// opens, as four upper-case hexadecimal digits (see SessionIDString).
	SessionID uint16
	// ServerID is the server identifier, 1 to 255 bytes.
	ServerID string
	// Body is the vendor-specific trigger body; nil for none.
	Body []byte
}

// SessionIDString returns SessionID as the SyncHdr SessionID of the notified session:
// four upper-case hexadecimal digits.
func (n *Notification) SessionIDString() string {
	const hexdig = "0123456789ABCDEF"
	id := n.SessionID
	return string([]byte{hexdig[id>>12], hexdig[id>>8&15], hexdig[id>>4&15], hexdig[id&15]})
}

func (n *Notification) check() error {
	switch {
	case n.Version > maxNotifyVersion:
		return fmt.Errorf("%w: Version %d over 10 bits", ErrNotifyField, n.Version)
	case n.UIMode > UIInteractive:
		return fmt.Errorf("%w: UIMode %d over 2 bits", ErrNotifyField, n.UIMode)
	case n.Initiator > InitiatorServer:
		return fmt.Errorf("%w: Initiator %d over 1 bit", ErrNotifyField, n.Initiator)
	case len(n.ServerID) == 0 || len(n.ServerID) > 255:
		return fmt.Errorf("%w: ServerID of %d bytes, want 1 to 255", ErrNotifyField, len(n.ServerID))
	}
	return nil
}

// appendTrigger appends the trigger: header, server identifier and body.
func (n *Notification) appendTrigger(b []byte) []byte {
	w := uint64(n.Version)<<54 | uint64(n.UIMode)<<52 | uint64(n.Initiator)<<51 |
		uint64(n.SessionID)<<8 | uint64(len(n.ServerID))
	b = binary.BigEndian.AppendUint64(b, w)
	b = append(b, n.ServerID...)
	return append(b, n.Body...)
}

// AppendBinary appends the notification, with its Digest as it is, to b. It fails when a
// field does not fit its bits or ServerID is empty or longer than 255 bytes.
func (n *Notification) AppendBinary(b []byte) ([]byte, error) {
	if err := n.check(); err != nil {
		return b, err
	}
	b = append(b, n.Digest[:]...)
	return n.appendTrigger(b), nil
}

// MarshalBinary returns AppendBinary(nil).
func (n *Notification) MarshalBinary() ([]byte, error) { return n.AppendBinary(nil) }

// Sign sets Digest for the server credentials name and password and the nonce (the
// decoded bytes of the NextNonce the device last sent the server; nil for none).
func (n *Notification) Sign(name, password string, nonce []byte) error {
	if err := n.check(); err != nil {
		return err
	}
	var buf [notifyHeaderLen + 255 + 64]byte
	n.Digest = NotificationDigest(name, password, nonce, n.appendTrigger(buf[:0]))
	return nil
}

// Unmarshal decodes a notification from b, which holds exactly one: the body runs to
// the end of b. It returns len(b) on success. Body aliases b; ServerID is a copy. The
// future-use bits are ignored. Errors are *DecodeError naming the field and offset.
// Unmarshal does not check the digest: see VerifyNotification.
func (n *Notification) Unmarshal(b []byte) (int, error) {
	if len(b) < NotificationDigestLen {
		return 0, &DecodeError{Offset: len(b), Field: "Notification.Digest", Err: ErrUnexpectedEOF}
	}
	if len(b) < notifyFixedLen {
		return 0, &DecodeError{Offset: len(b), Field: "Notification.Header", Err: ErrUnexpectedEOF}
	}
	w := binary.BigEndian.Uint64(b[NotificationDigestLen:])
	idLen := int(w & 0xff)
	if idLen == 0 {
		return 0, &DecodeError{Offset: notifyFixedLen - 1, Field: "Notification.ServerIDLength",
			Err: fmt.Errorf("%w: empty server identifier", ErrSyntax)}
	}
	if len(b)-notifyFixedLen < idLen {
		return 0, &DecodeError{Offset: len(b), Field: "Notification.ServerID", Err: ErrUnexpectedEOF}
	}
	copy(n.Digest[:], b)
	n.Version = uint16(w >> 54)
	n.UIMode = UIMode(w >> 52 & 3)
	n.Initiator = Initiator(w >> 51 & 1)
	n.SessionID = uint16(w >> 8)
	n.ServerID = string(b[notifyFixedLen : notifyFixedLen+idLen])
	n.Body = nil
	if rest := b[notifyFixedLen+idLen:]; len(rest) > 0 {
		n.Body = rest
	}
	return len(b), nil
}

// NotificationDigest returns the digest of a notification's trigger (the message after
// its first 16 bytes) for the server credentials name and password and the nonce.
func NotificationDigest(name, password string, nonce, trigger []byte) [NotificationDigestLen]byte {
	th := md5.Sum(trigger)
	var tb [24]byte // B64 of 16 bytes
	b64.Encode(tb[:], th[:])
	h := md5.New()
	h.Write(userDigest(name, password))
	h.Write([]byte{':'})
	h.Write(nonce)
	h.Write([]byte{':'})
	h.Write(tb[:])
	var d [NotificationDigestLen]byte
	h.Sum(d[:0])
	return d
}

// VerifyNotification reports whether msg, a whole notification as received, carries
// the digest of its trigger for the server credentials name and password and the
// nonce. It returns nil when it does, ErrNotifyDigest when it does not, or a
// *DecodeError when msg is too short to hold a digest and header. The comparison takes
// constant time.
func VerifyNotification(msg []byte, name, password string, nonce []byte) error {
	if len(msg) < notifyFixedLen {
		var n Notification
		_, err := n.Unmarshal(msg)
		return err
	}
	d := NotificationDigest(name, password, nonce, msg[NotificationDigestLen:])
	if subtle.ConstantTimeCompare(d[:], msg[:NotificationDigestLen]) != 1 {
		return ErrNotifyDigest
	}
	return nil
}

// Notify returns package 0 for device, signed with the server's credentials with the
// device (ServerCredentials, which must be set and know the device) and the nonce the
// device last sent the server in a Chal (none before its first). A zero Version
// becomes NotificationVersion and an empty ServerID the name ServerCredentials
// returns. Delivering the bytes to the device (SMS, WAP push) is up to the caller; the
// device answers by opening a session with Alert 1200 and n.SessionID. Notify records
// n.SessionID as outstanding for device for Server.NotifyLifetime: the server accepts a
// session opened with Alert 1200 only when, once the device is authenticated, its
// SyncHdr SessionID (hexadecimal) names an outstanding, unexpired notification of that
// device, which it consumes; any other gets status 403 (Forbidden) on its Alert and 215
// (Not executed) on the rest of the package, a final reply with no commands, and a
// Report whose Err is ErrNotNotified, and the device's queued commands stay queued. Notifying a device again with the same
// session id renews its lifetime.
func (s *Server) Notify(device string, n Notification) ([]byte, error) {
	if s.ServerCredentials == nil {
		return nil, fmt.Errorf("%w: Server.ServerCredentials is not set", ErrNoCredentials)
	}
	name, password, _, ok := s.ServerCredentials(device)
	if !ok {
		return nil, fmt.Errorf("%w: no server credentials for device %q", ErrNoCredentials, device)
	}
	s.mu.Lock()
	s.init()
	s.mu.Unlock()
	nonce := s.nonce(device, true)
	if n.Version == 0 {
		n.Version = NotificationVersion
	}
	if n.ServerID == "" {
		n.ServerID = name
	}
	if err := n.Sign(name, password, nonce); err != nil {
		return nil, err
	}
	b, err := n.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	s.recordNotification(device, n.SessionID)
	return b, nil
}

// Notified handles package 0 received from a server: it decodes msg, checks its
// version (NotificationVersion), its server (Client.ServerID, when set, must equal the
// notification's ServerID) and its digest against the server's credentials
// (ServerUserName, or the notification's ServerID when it is empty, and
// ServerPassword, which must be set) and the nonce the device last sent the server
// (which changes whenever the device challenges the server again, so that a replayed
// notification fails once a later session has rotated it), then runs a session
// like Run with AlertServerInitiated (1200) and the notification's session id. A
// notification that fails a check opens no session; a wrong digest gives
// ErrNotifyDigest. It returns the decoded notification (its Body aliases msg), so that
// the caller can read the UI mode and the vendor body, and the session's report.
func (c *Client) Notified(ctx context.Context, msg []byte, extra ...Command) (Notification, ClientReport, error) {
	var n Notification
	if _, err := n.Unmarshal(msg); err != nil {
		return n, ClientReport{}, err
	}
	if n.Version != NotificationVersion {
		return n, ClientReport{}, fmt.Errorf("%w: version %d, want %d", ErrNotifyVersion, n.Version, NotificationVersion)
	}
	if c.ServerID != "" && n.ServerID != c.ServerID {
		return n, ClientReport{}, fmt.Errorf("%w: %q", ErrNotifyServer, n.ServerID)
	}
	if c.ServerPassword == "" {
		return n, ClientReport{}, fmt.Errorf("%w: Client.ServerPassword is not set, so a notification cannot be authenticated", ErrNoCredentials)
	}
	name := c.ServerUserName
	if name == "" {
		name = n.ServerID
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := VerifyNotification(msg, name, c.ServerPassword, c.serverNonce); err != nil {
		return n, ClientReport{}, err
	}
	rep, err := c.run(ctx, AlertServerInitiated, n.SessionIDString(), extra)
	return n, rep, err
}
