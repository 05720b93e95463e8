package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/phdkit/phdkit/omadm"
)

const dmNotifyUsage = `usage:
  phdctl dm notify --server-id ID --password P [--name NAME] [--session HEX]
                   [--ui not-specified|background|informative|user-interaction]
                   [--initiator user|server] [--nonce B64] [--body HEX] [--version N]
  phdctl dm notify --decode HEX|- [--password P [--name NAME] [--nonce B64]]`

// notifyJSON is what "dm notify --decode" prints.
type notifyJSON struct {
	Digest    string // hexadecimal
	Version   uint16
	UIMode    string
	Initiator string
	SessionID string // four hexadecimal digits, as in the SyncHdr
	ServerID  string
	Body      string // hexadecimal; empty for none
	// Verified is whether the digest matches the credentials and nonce given; absent
	// when no --password was given.
	Verified *bool `json:",omitempty"`
}

// dmNotify builds a package 0 notification and prints it as hexadecimal, or decodes one
// and prints its fields as JSON.
func dmNotify(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("dm notify", flag.ContinueOnError)
	decode := fs.String("decode", "", "decode this notification (hexadecimal; - reads stdin) instead of building one")
	serverID := fs.String("server-id", "", "server identifier in the notification")
	user := fs.String("name", "", "server name for the digest (default: the server identifier)")
	password := fs.String("password", "", "server password with the device, for the digest")
	nonce := fs.String("nonce", "", "the nonce the device last sent the server (base64; default none)")
	session := fs.String("session", "0", "session id, hexadecimal (up to FFFF)")
	ui := fs.String("ui", "not-specified", "ui mode: not-specified, background, informative, user-interaction")
	initiator := fs.String("initiator", "server", "initiator: user or server")
	body := fs.String("body", "", "vendor-specific body, hexadecimal")
	version := fs.Uint("version", omadm.NotificationVersion, "version field (12 for DM 1.2)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(dmNotifyUsage)
	}
	rawNonce, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*nonce))
	if err != nil {
		return fmt.Errorf("phdctl dm notify: --nonce: %w", err)
	}
	if *decode != "" {
		return notifyDecode(*decode, stdin, stdout, *user, *password, rawNonce)
	}
	if *serverID == "" || *password == "" {
		return fmt.Errorf("phdctl dm notify: --server-id and --password are required\n%s", dmNotifyUsage)
	}
	var n omadm.Notification
	if *version > 1<<10-1 {
		return fmt.Errorf("phdctl dm notify: --version %d over 10 bits", *version)
	}
	n.Version = uint16(*version)
	sid, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(*session), "0x"), 16, 16)
	if err != nil {
		return fmt.Errorf("phdctl dm notify: --session %q: want 1 to 4 hexadecimal digits", *session)
	}
	n.SessionID = uint16(sid)
	if n.UIMode, err = parseUIMode(*ui); err != nil {
		return err
	}
	switch strings.ToLower(*initiator) {
	case "user", "0":
		n.Initiator = omadm.InitiatorUser
	case "server", "1":
		n.Initiator = omadm.InitiatorServer
	default:
		return fmt.Errorf("phdctl dm notify: --initiator %q: want user or server", *initiator)
	}
	n.ServerID = *serverID
	if *body != "" {
		if n.Body, err = hex.DecodeString(cleanHex(*body)); err != nil {
			return fmt.Errorf("phdctl dm notify: --body: %w", err)
		}
	}
	name := *user
	if name == "" {
		name = n.ServerID
	}
	if err := n.Sign(name, *password, rawNonce); err != nil {
		return err
	}
	b, err := n.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, hex.EncodeToString(b))
	return err
}

func parseUIMode(s string) (omadm.UIMode, error) {
	for m := omadm.UINotSpecified; m <= omadm.UIInteractive; m++ {
		if strings.EqualFold(s, m.String()) || s == strconv.Itoa(int(m)) {
			return m, nil
		}
	}
	return 0, fmt.Errorf("phdctl dm notify: --ui %q: want not-specified, background, informative or user-interaction", s)
}

// cleanHex drops white space, so that hex dumps can be pasted.
func cleanHex(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ':' {
			return -1
		}
		return r
	}, s)
}

func notifyDecode(arg string, stdin io.Reader, stdout io.Writer, user, password string, nonce []byte) error {
	text := arg
	if arg == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		text = string(b)
	}
	msg, err := hex.DecodeString(cleanHex(text))
	if err != nil {
		return fmt.Errorf("phdctl dm notify: --decode: %w", err)
	}
	var n omadm.Notification
	if _, err := n.Unmarshal(msg); err != nil {
		return err
	}
	out := notifyJSON{
		Digest:    hex.EncodeToString(n.Digest[:]),
		Version:   n.Version,
		UIMode:    n.UIMode.String(),
		Initiator: n.Initiator.String(),
		SessionID: n.SessionIDString(),
		ServerID:  n.ServerID,
		Body:      hex.EncodeToString(n.Body),
	}
	if password != "" {
		name := user
		if name == "" {
			name = n.ServerID
		}
		ok := omadm.VerifyNotification(msg, name, password, nonce) == nil
		out.Verified = &ok
	}
	j, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(j))
	return err
}
