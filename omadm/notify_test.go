package omadm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readNotification(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "notification", name))
	require.NoError(t, err)
	return b
}

// TestNotificationKnownAnswers decodes, verifies and re-encodes the notifications of
// testdata/notification (see its README for their sources and inputs).
func TestNotificationKnownAnswers(t *testing.T) {
	for _, tt := range []struct {
		file           string
		name, password string
		nonce          []byte
		want           Notification
	}{
		{
			file: "dm-informative.bin", name: "phdkit-dm", password: "srvpwd", nonce: []byte("nonce-0001"),
			want: Notification{Version: 12, UIMode: UIInformative, Initiator: InitiatorServer, SessionID: 0x1A2B,
				ServerID: "phdkit-dm", Body: []byte("\x01\x02vendor")},
		},
		{
			file: "buteo-san01.bin", name: "PC Suite Data Sync",
			want: Notification{Version: 12, UIMode: UIBackground, Initiator: InitiatorServer, SessionID: 0,
				ServerID: "PC Suite Data Sync", Body: []byte("\x10\x60\x00\x00\x00\x08Contacts")},
		},
		{
			file: "buteo-san02.bin", name: "PC Suite Data Sync",
			want: Notification{Version: 12, UIMode: UIBackground, Initiator: InitiatorServer, SessionID: 0,
				ServerID: "PC Suite Data Sync", Body: []byte("\x10\x60\x00\x00\x00\x08Calendar")},
		},
	} {
		t.Run(tt.file, func(t *testing.T) {
			msg := readNotification(t, tt.file)
			var n Notification
			used, err := n.Unmarshal(msg)
			require.NoError(t, err)
			assert.Equal(t, len(msg), used)
			want := tt.want
			copy(want.Digest[:], msg)
			assert.Equal(t, want, n)
			assert.NoError(t, VerifyNotification(msg, tt.name, tt.password, tt.nonce))

			// Signing the decoded fields reproduces the message byte for byte.
			n.Digest = [16]byte{}
			require.NoError(t, n.Sign(tt.name, tt.password, tt.nonce))
			out, err := n.AppendBinary(nil)
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(msg), hex.EncodeToString(out))
		})
	}
	// The intermediate values of the README, from Python's hashlib and base64.
	assert.Equal(t, "LNbJ0TUMZdKuZU7zXWB3Iw==", string(userDigest("phdkit-dm", "srvpwd")))
	d := NotificationDigest("phdkit-dm", "srvpwd", []byte("nonce-0001"), readNotification(t, "dm-informative.bin")[16:])
	assert.Equal(t, "ef3b25f6596e8a77578aa274024fe712", hex.EncodeToString(d[:]))
}

// TestNotificationHeaderBits pins the bit layout of the trigger header with one field
// set at a time.
func TestNotificationHeaderBits(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    Notification
		hdr  string // the 8 header bytes
	}{
		{"version 12", Notification{Version: 12, ServerID: "s"}, "0300000000000001"},
		{"version max", Notification{Version: 1023, ServerID: "s"}, "ffc0000000000001"},
		{"ui background", Notification{UIMode: UIBackground, ServerID: "s"}, "0010000000000001"},
		{"ui interactive", Notification{UIMode: UIInteractive, ServerID: "s"}, "0030000000000001"},
		{"initiator server", Notification{Initiator: InitiatorServer, ServerID: "s"}, "0008000000000001"},
		{"session id", Notification{SessionID: 0xBEEF, ServerID: "s"}, "0000000000beef01"},
		{"server id 255", Notification{ServerID: string(bytes.Repeat([]byte("x"), 255))}, "00000000000000ff"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.n.AppendBinary(nil)
			require.NoError(t, err)
			if got := hex.EncodeToString(b[16:24]); got != tt.hdr {
				t.Errorf("header = %s, want %s", got, tt.hdr)
			}
		})
	}
	n := Notification{SessionID: 0x0A0B}
	assert.Equal(t, "0A0B", n.SessionIDString())
}

func TestNotificationRoundTrip(t *testing.T) {
	for _, n := range []Notification{
		{Version: 12, ServerID: "s"},
		{Version: 12, UIMode: UIInteractive, Initiator: InitiatorUser, SessionID: 0xFFFF, ServerID: "dm.example.com", Body: []byte{0}},
		{Version: 1023, UIMode: UINotSpecified, Initiator: InitiatorServer, SessionID: 1, ServerID: string(bytes.Repeat([]byte("y"), 255)), Body: bytes.Repeat([]byte{0xAA}, 1000)},
		{Digest: [16]byte{1, 2, 3}, Version: 11, UIMode: UIBackground, ServerID: "\x00\xff"},
	} {
		b, err := n.AppendBinary([]byte("prefix"))
		require.NoError(t, err)
		require.Equal(t, "prefix", string(b[:6]))
		var got Notification
		used, err := got.Unmarshal(b[6:])
		require.NoError(t, err)
		assert.Equal(t, len(b)-6, used)
		assert.Equal(t, n, got)
	}
}

// TestNotificationPrefixes: every strict prefix of a notification without a body fails
// to decode; with a body (which runs to the end of the message) every strict prefix
// fails the digest.
func TestNotificationPrefixes(t *testing.T) {
	n := Notification{Version: 12, UIMode: UIBackground, Initiator: InitiatorServer, SessionID: 7, ServerID: "dm.example"}
	require.NoError(t, n.Sign("srv", "pw", []byte("nonce")))
	b, err := n.AppendBinary(nil)
	require.NoError(t, err)
	for i := range len(b) {
		var m Notification
		if _, err := m.Unmarshal(b[:i]); err == nil {
			t.Errorf("Unmarshal of a %d-byte prefix of %d succeeded", i, len(b))
		} else {
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrUnexpectedEOF) {
				t.Errorf("Unmarshal of a %d-byte prefix = %v, want a *DecodeError with ErrUnexpectedEOF", i, err)
			}
		}
	}
	msg := readNotification(t, "dm-informative.bin")
	for i := range len(msg) {
		if err := VerifyNotification(msg[:i], "phdkit-dm", "srvpwd", []byte("nonce-0001")); err == nil {
			t.Errorf("VerifyNotification of a %d-byte prefix of %d succeeded", i, len(msg))
		}
	}
}

func TestNotificationDecodeErrors(t *testing.T) {
	valid := readNotification(t, "dm-informative.bin")
	zeroLen := bytes.Clone(valid[:24])
	zeroLen[23] = 0
	for _, tt := range []struct {
		name   string
		in     []byte
		field  string
		offset int
		err    error
	}{
		{"empty", nil, "Notification.Digest", 0, ErrUnexpectedEOF},
		{"short digest", valid[:15], "Notification.Digest", 15, ErrUnexpectedEOF},
		{"short header", valid[:23], "Notification.Header", 23, ErrUnexpectedEOF},
		{"empty server id", zeroLen, "Notification.ServerIDLength", 23, ErrSyntax},
		{"short server id", valid[:30], "Notification.ServerID", 30, ErrUnexpectedEOF},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var n Notification
			_, err := n.Unmarshal(tt.in)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.field, de.Field)
			assert.Equal(t, tt.offset, de.Offset)
			assert.ErrorIs(t, err, tt.err)
		})
	}
}

func TestNotificationEncodeErrors(t *testing.T) {
	for _, n := range []Notification{
		{Version: 1024, ServerID: "s"},
		{UIMode: 4, ServerID: "s"},
		{Initiator: 2, ServerID: "s"},
		{},
		{ServerID: string(make([]byte, 256))},
	} {
		if _, err := n.AppendBinary(nil); !errors.Is(err, ErrNotifyField) {
			t.Errorf("AppendBinary(%+v) = %v, want ErrNotifyField", n, err)
		}
		if err := n.Sign("a", "b", nil); !errors.Is(err, ErrNotifyField) {
			t.Errorf("Sign(%+v) = %v, want ErrNotifyField", n, err)
		}
	}
}

// TestNotificationRefused: a wrong name, password or nonce, a changed digest and any
// changed bit of the trigger make the verification fail.
func TestNotificationRefused(t *testing.T) {
	msg := readNotification(t, "dm-informative.bin")
	name, password, nonce := "phdkit-dm", "srvpwd", []byte("nonce-0001")
	require.NoError(t, VerifyNotification(msg, name, password, nonce))
	assert.ErrorIs(t, VerifyNotification(msg, name, "srvpwd2", nonce), ErrNotifyDigest)
	assert.ErrorIs(t, VerifyNotification(msg, "phdkit-dn", password, nonce), ErrNotifyDigest)
	assert.ErrorIs(t, VerifyNotification(msg, name, password, []byte("nonce-0002")), ErrNotifyDigest)
	assert.ErrorIs(t, VerifyNotification(msg, name, password, nil), ErrNotifyDigest)
	for i := range len(msg) * 8 {
		m := bytes.Clone(msg)
		m[i/8] ^= 0x80 >> (i % 8)
		if err := VerifyNotification(m, name, password, nonce); !errors.Is(err, ErrNotifyDigest) {
			t.Fatalf("bit %d flipped: VerifyNotification = %v, want ErrNotifyDigest", i, err)
		}
	}
	longer := append(bytes.Clone(msg), 0)
	assert.ErrorIs(t, VerifyNotification(longer, name, password, nonce), ErrNotifyDigest)
}

func TestNotificationEnumStrings(t *testing.T) {
	assert.Equal(t, "not-specified", UINotSpecified.String())
	assert.Equal(t, "user-interaction", UIInteractive.String())
	assert.Equal(t, "UIMode(4)", UIMode(4).String())
	assert.Equal(t, "server", InitiatorServer.String())
	assert.Equal(t, "Initiator(2)", Initiator(2).String())
}

// FuzzNotification decodes, encodes and decodes again, and checks both decodes agree
// and that the encoding of a decoded message equals it up to the future-use bits.
func FuzzNotification(f *testing.F) {
	for _, name := range []string{"dm-informative.bin", "buteo-san01.bin", "buteo-san02.bin"} {
		f.Add(readNotification(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var n Notification
		used, err := n.Unmarshal(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *DecodeError: %v", err)
			}
			if VerifyNotification(b, "a", "b", nil) == nil {
				t.Fatal("an undecodable message verified")
			}
			return
		}
		if used != len(b) {
			t.Fatalf("Unmarshal used %d of %d bytes", used, len(b))
		}
		out, err := n.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary of a decoded notification: %v", err)
		}
		want := bytes.Clone(b)
		want[17] &= 0xf8 // future-use bits of the second byte
		want[18], want[19], want[20] = 0, 0, 0
		if !bytes.Equal(out, want) {
			t.Fatalf("re-encoded\n%x\nwant\n%x", out, want)
		}
		var m Notification
		if _, err := m.Unmarshal(out); err != nil {
			t.Fatalf("decoding the re-encoded notification: %v", err)
		}
		if !reflect.DeepEqual(n, m) {
			t.Fatalf("round trip:\n%+v\n%+v", n, m)
		}
	})
}
