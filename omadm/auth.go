package omadm

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
)

// Authentication of OMA-TS-DM_Security-V1_2 and OMA-TS-DM_Protocol-V1_2 section 9:
//
//	syncml:auth-basic  Cred/Data = B64(user ":" password)
//	syncml:auth-md5    Cred/Data = B64(H(B64(H(user ":" password)) ":" nonce))
//	syncml:auth-MAC    x-syncml-hmac: algorithm=MD5, username="user", mac=M
//	                   M = B64(H(B64(H(user ":" password)) ":" nonce ":" B64(H(body))))
//
// H is MD5 (16 raw bytes) and B64 standard base64 with padding. The nonce is the decoded
// bytes of the NextNonce the other party sent in its Chal (base64 on the wire).

// AuthType is an authentication scheme.
type AuthType uint8

// Authentication schemes.
const (
	AuthNone  AuthType = iota // no application-layer authentication
	AuthBasic                 // syncml:auth-basic
	AuthMD5                   // syncml:auth-md5
	AuthHMAC                  // syncml:auth-MAC, the x-syncml-hmac HTTP header
)

var authNames = [...]string{
	AuthNone:  "none",
	AuthBasic: "syncml:auth-basic",
	AuthMD5:   "syncml:auth-md5",
	AuthHMAC:  "syncml:auth-MAC",
}

// String returns the Meta Type of the scheme ("syncml:auth-md5"), or "none".
func (a AuthType) String() string {
	if int(a) < len(authNames) {
		return authNames[a]
	}
	return "AuthType(" + itoa(int64(a)) + ")"
}

// ParseAuthType returns the scheme named by a Meta Type, ignoring case; AuthNone when
// the name is unknown.
func ParseAuthType(s string) AuthType {
	for a := AuthBasic; int(a) < len(authNames); a++ {
		if strings.EqualFold(authNames[a], trimSpace(s)) {
			return a
		}
	}
	return AuthNone
}

// Errors of authentication.
var (
	ErrBadCredentials = errors.New("omadm: invalid credentials")
	ErrNoCredentials  = errors.New("omadm: missing credentials")
	ErrBadHMACHeader  = errors.New("omadm: malformed x-syncml-hmac header")
)

// HMACHeaderName is the HTTP header carrying the transport MAC.
const HMACHeaderName = "x-syncml-hmac"

var b64 = base64.StdEncoding

// BasicCredential returns the auth-basic Cred Data for user and password.
func BasicCredential(user, password string) string {
	return b64.EncodeToString([]byte(user + ":" + password))
}

// ParseBasicCredential splits auth-basic Cred Data into user and password.
func ParseBasicCredential(data string) (user, password string, ok bool) {
	raw, err := b64.DecodeString(trimSpace(data))
	if err != nil {
		return "", "", false
	}
	user, password, ok = strings.Cut(string(raw), ":")
	return user, password, ok
}

// userDigest returns B64(H(user ":" password)).
func userDigest(user, password string) []byte {
	h := md5.Sum([]byte(user + ":" + password))
	out := make([]byte, b64.EncodedLen(len(h)))
	b64.Encode(out, h[:])
	return out
}

// MD5Credential returns the auth-md5 Cred Data for user and password with nonce, the
// decoded bytes of the NextNonce the verifier sent.
func MD5Credential(user, password string, nonce []byte) string {
	d := userDigest(user, password)
	h := md5.New()
	h.Write(d)
	h.Write([]byte{':'})
	h.Write(nonce)
	return b64.EncodeToString(h.Sum(nil))
}

// HMACDigest returns the mac of the x-syncml-hmac header for a message body.
func HMACDigest(user, password string, nonce, body []byte) string {
	bh := md5.Sum(body)
	d := userDigest(user, password)
	h := md5.New()
	h.Write(d)
	h.Write([]byte{':'})
	h.Write(nonce)
	h.Write([]byte{':'})
	h.Write([]byte(b64.EncodeToString(bh[:])))
	return b64.EncodeToString(h.Sum(nil))
}

// equal compares two credentials in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// VerifyBasic reports whether auth-basic Cred Data carries user and password. The
// comparison takes constant time.
func VerifyBasic(data, user, password string) bool {
	return equal(trimSpace(data), BasicCredential(user, password))
}

// VerifyMD5 reports whether auth-md5 Cred Data matches user, password and nonce. The
// comparison takes constant time.
func VerifyMD5(data, user, password string, nonce []byte) bool {
	return equal(trimSpace(data), MD5Credential(user, password, nonce))
}

// VerifyHMAC reports whether mac is the transport MAC of body. The comparison takes
// constant time.
func VerifyHMAC(mac, user, password string, nonce, body []byte) bool {
	return equal(trimSpace(mac), HMACDigest(user, password, nonce, body))
}

// NewBasicCred returns a Cred for auth-basic.
func NewBasicCred(user, password string) *Cred {
	return &Cred{Meta: Meta{Type: AuthBasic.String(), Format: "b64"}, Data: BasicCredential(user, password)}
}

// NewMD5Cred returns a Cred for auth-md5 with nonce.
func NewMD5Cred(user, password string, nonce []byte) *Cred {
	return &Cred{Meta: Meta{Type: AuthMD5.String(), Format: "b64"}, Data: MD5Credential(user, password, nonce)}
}

// NewNonce returns 16 random bytes and their base64 text for a NextNonce.
func NewNonce() (raw []byte, text string, err error) {
	raw = make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	return raw, b64.EncodeToString(raw), nil
}

// DecodeNonce returns the bytes of a NextNonce: its base64 decoding, or the text itself
// when it is not base64 (as some devices send).
func DecodeNonce(next string) []byte {
	s := trimSpace(next)
	if raw, err := b64.DecodeString(s); err == nil {
		return raw
	}
	return []byte(s)
}

// HMACHeader is the value of an x-syncml-hmac header.
type HMACHeader struct {
	Algorithm string // "MD5" (the default when absent)
	Username  string
	MAC       string // base64
}

// String formats the header value: algorithm=MD5, username="u", mac=m.
func (h HMACHeader) String() string {
	alg := h.Algorithm
	if alg == "" {
		alg = "MD5"
	}
	return "algorithm=" + alg + `, username="` + h.Username + `", mac=` + h.MAC
}

// ParseHMACHeader parses an x-syncml-hmac header value. Parameters are separated by
// commas; values may be quoted; names are case-insensitive; algorithm defaults to MD5.
func ParseHMACHeader(v string) (HMACHeader, error) {
	h := HMACHeader{Algorithm: "MD5"}
	var sawUser, sawMAC bool
	for part := range strings.SplitSeq(v, ",") {
		part = trimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return HMACHeader{}, ErrBadHMACHeader
		}
		val = trimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		switch strings.ToLower(trimSpace(name)) {
		case "algorithm":
			h.Algorithm = val
		case "username":
			h.Username, sawUser = val, true
		case "mac":
			h.MAC, sawMAC = val, true
		}
	}
	if !sawUser || !sawMAC {
		return HMACHeader{}, ErrBadHMACHeader
	}
	if !strings.EqualFold(h.Algorithm, "MD5") {
		return HMACHeader{}, ErrBadHMACHeader
	}
	return h, nil
}
