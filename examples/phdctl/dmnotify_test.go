package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phdkit/phdkit/omadm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// knownNotification is omadm/testdata/notification/dm-informative.bin: version 12,
// informative, server-initiated, session 1A2B, server phdkit-dm, body 01 02 "vendor",
// digest for phdkit-dm / srvpwd and the nonce "nonce-0001" (its README gives the
// independent computation).
const knownNotification = "ef3b25f6596e8a77578aa274024fe71203280000001a2b097068646b69742d646d010276656e646f72"

func runNotify(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runDMTo(context.Background(), append([]string{"notify"}, args...), strings.NewReader(stdin), &out)
	return out.String(), err
}

func decodeNotifyJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), s)
	return m
}

func TestDMNotifyKnownAnswer(t *testing.T) {
	// Building the known notification gives its bytes exactly.
	out, err := runNotify(t, "", "--server-id", "phdkit-dm", "--password", "srvpwd", "--nonce", "bm9uY2UtMDAwMQ==",
		"--session", "1a2b", "--ui", "informative", "--initiator", "server", "--body", "0102"+hex.EncodeToString([]byte("vendor")))
	require.NoError(t, err)
	assert.Equal(t, knownNotification+"\n", out)

	// Decoding it prints the fields and verifies the digest.
	out, err = runNotify(t, "", "--decode", knownNotification, "--password", "srvpwd", "--nonce", "bm9uY2UtMDAwMQ==")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"Digest": "ef3b25f6596e8a77578aa274024fe712", "Version": 12.0, "UIMode": "informative",
		"Initiator": "server", "SessionID": "1A2B", "ServerID": "phdkit-dm",
		"Body": "010276656e646f72", "Verified": true,
	}, decodeNotifyJSON(t, out))

	// A wrong password, a wrong nonce or a wrong name do not verify.
	for _, args := range [][]string{
		{"--password", "guess", "--nonce", "bm9uY2UtMDAwMQ=="},
		{"--password", "srvpwd"},
		{"--password", "srvpwd", "--nonce", "bm9uY2UtMDAwMg=="},
		{"--password", "srvpwd", "--nonce", "bm9uY2UtMDAwMQ==", "--name", "other"},
	} {
		out, err = runNotify(t, "", append([]string{"--decode", knownNotification}, args...)...)
		require.NoError(t, err)
		assert.Equal(t, false, decodeNotifyJSON(t, out)["Verified"], args)
	}
	// Without a password nothing is verified, and the field is absent.
	out, err = runNotify(t, "", "--decode", knownNotification)
	require.NoError(t, err)
	assert.NotContains(t, decodeNotifyJSON(t, out), "Verified")

	// Stdin, with white space as in a pasted dump.
	out, err = runNotify(t, knownNotification[:20]+"\n "+knownNotification[20:]+"\n", "--decode", "-", "--password", "srvpwd", "--nonce", "bm9uY2UtMDAwMQ==")
	require.NoError(t, err)
	assert.Equal(t, true, decodeNotifyJSON(t, out)["Verified"])
}

// TestDMNotifyRoundTrip: what "dm notify" builds is accepted by omadm.VerifyNotification
// with the same credentials, and decodes to the flags given.
func TestDMNotifyRoundTrip(t *testing.T) {
	out, err := runNotify(t, "", "--server-id", "phd-server.example", "--name", "srvuser", "--password", "srvpass",
		"--session", "BEEF", "--ui", "background", "--initiator", "user")
	require.NoError(t, err)
	msg, err := hex.DecodeString(strings.TrimSpace(out))
	require.NoError(t, err)
	require.NoError(t, omadm.VerifyNotification(msg, "srvuser", "srvpass", nil))
	var n omadm.Notification
	_, err = n.Unmarshal(msg)
	require.NoError(t, err)
	assert.Equal(t, uint16(0xBEEF), n.SessionID)
	assert.Equal(t, omadm.UIBackground, n.UIMode)
	assert.Equal(t, omadm.InitiatorUser, n.Initiator)
	assert.Equal(t, "phd-server.example", n.ServerID)
	assert.Nil(t, n.Body)

	out, err = runNotify(t, "", "--decode", strings.TrimSpace(out), "--name", "srvuser", "--password", "srvpass")
	require.NoError(t, err)
	m := decodeNotifyJSON(t, out)
	assert.Equal(t, "BEEF", m["SessionID"])
	assert.Equal(t, "", m["Body"])
	assert.Equal(t, true, m["Verified"])
}

func TestDMNotifyBadInput(t *testing.T) {
	base := []string{"--server-id", "s", "--password", "p"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no server id", []string{"--password", "p"}},
		{"no password", []string{"--server-id", "s"}},
		{"session not hex", append(base, "--session", "xyz")},
		{"session over 16 bits", append(base, "--session", "10000")},
		{"bad ui", append(base, "--ui", "loud")},
		{"bad initiator", append(base, "--initiator", "nobody")},
		{"bad body", append(base, "--body", "0g")},
		{"bad nonce", append(base, "--nonce", "!!")},
		{"server id too long", []string{"--server-id", strings.Repeat("x", 256), "--password", "p"}},
		{"version over 10 bits", append(base, "--version", "1024")},
		{"stray argument", append(base, "extra")},
		{"decode not hex", []string{"--decode", "zz"}},
	} {
		_, err := runNotify(t, "", tc.args...)
		assert.Error(t, err, tc.name)
	}
	// Every prefix shorter than the digest, header and server identifier (33 bytes)
	// fails with a DecodeError; longer ones hold part of the body, which runs to the end.
	for i := 1; i < 33; i++ {
		_, err := runNotify(t, "", "--decode", knownNotification[:2*i])
		var de *omadm.DecodeError
		assert.True(t, errors.As(err, &de), "prefix of %d bytes: %v", i, err)
	}
	_, err := runNotify(t, "", "--decode", "-")
	var de *omadm.DecodeError
	assert.True(t, errors.As(err, &de), "empty stdin: %v", err)
}
