package omadm

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// knownAnswer is one line of testdata/known-answers.txt.
type knownAnswer map[string]string

func readKnownAnswers(t *testing.T) []knownAnswer {
	f, err := os.Open("testdata/known-answers.txt")
	require.NoError(t, err)
	defer f.Close()
	var out []knownAnswer
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		ka := knownAnswer{}
		for len(line) > 0 {
			line = strings.TrimLeft(line, " ")
			if line == "" || strings.HasPrefix(line, "(") {
				break
			}
			name, rest, ok := strings.Cut(line, "=")
			require.True(t, ok, line)
			var val string
			if strings.HasPrefix(rest, `"`) {
				end := strings.Index(rest[1:], `"`)
				require.GreaterOrEqual(t, end, 0)
				val, line = rest[1:1+end], rest[2+end:]
				if strings.HasPrefix(line, " (empty)") {
					line = line[len(" (empty)"):]
				}
			} else {
				val, line, _ = strings.Cut(rest, " ")
			}
			ka[name] = val
		}
		out = append(out, ka)
	}
	require.NoError(t, sc.Err())
	return out
}

func TestAuthKnownAnswers(t *testing.T) {
	body, err := os.ReadFile("testdata/hmac-body.xml")
	require.NoError(t, err)
	require.Len(t, body, 42)
	kas := readKnownAnswers(t)
	require.Len(t, kas, 8)
	checked := 0
	for _, ka := range kas {
		user, pass, nonce := ka["user"], ka["pass"], []byte(ka["nonce"])
		require.NotEmpty(t, user)
		if want, ok := ka["basic"]; ok {
			assert.Equal(t, want, BasicCredential(user, pass))
			assert.True(t, VerifyBasic(want, user, pass))
			u, p, ok := ParseBasicCredential(want)
			assert.True(t, ok)
			assert.Equal(t, user, u)
			assert.Equal(t, pass, p)
			checked++
		}
		if want, ok := ka["B64(H(u:p))"]; ok {
			assert.Equal(t, want, string(userDigest(user, pass)))
			checked++
		}
		if want, ok := ka["auth-md5"]; ok {
			assert.Equal(t, want, MD5Credential(user, pass, nonce), "%v", ka)
			assert.True(t, VerifyMD5(want, user, pass, nonce))
			assert.False(t, VerifyMD5(want, user, pass+"x", nonce))
			checked++
		}
		if want, ok := ka["mac"]; ok {
			assert.Equal(t, want, HMACDigest(user, pass, nonce, body), "%v", ka)
			assert.True(t, VerifyHMAC(want, user, pass, nonce, body))
			assert.False(t, VerifyHMAC(want, user, pass, nonce, append(body, ' ')))
			checked++
		}
	}
	assert.Equal(t, 14, checked)
	// The live libdmclient answer: the nonce is the decoded NextNonce.
	assert.Equal(t, "guSoGFbAp0y5VRsyYZz+3w==", MD5Credential("funambol", "funambol", DecodeNonce("U2VydmVyTm9uY2Ux")))
}

func TestAuthSpecMessage(t *testing.T) {
	var m SyncML
	_, err := m.ParseXML(readVectors(t)["oma-dm-protocol-9.4.2-md5-cred-Bruce2.xml"])
	require.NoError(t, err)
	require.NotNil(t, m.Hdr.Cred)
	assert.Equal(t, AuthMD5, ParseAuthType(m.Hdr.Cred.Meta.Type))
	assert.True(t, VerifyMD5(m.Hdr.Cred.Data, m.Hdr.Source.Name, "OhBehave", []byte("Nonce")))
}

func TestHMACHeader(t *testing.T) {
	h, err := ParseHMACHeader(`algorithm=MD5, username="Robert Jordan", mac=NTI2OTJhMDAwNjYxODkwYmQ3NWUxN2RhN2ZmYmJlMzk`)
	require.NoError(t, err)
	assert.Equal(t, "Robert Jordan", h.Username)
	assert.Equal(t, "NTI2OTJhMDAwNjYxODkwYmQ3NWUxN2RhN2ZmYmJlMzk", h.MAC)
	h2, err := ParseHMACHeader(h.String())
	require.NoError(t, err)
	assert.Equal(t, h, h2)
	h3, err := ParseHMACHeader(`username=u,mac=m`)
	require.NoError(t, err)
	assert.Equal(t, "MD5", h3.Algorithm)
	for _, bad := range []string{"", "username=u", "mac=m", "algorithm=SHA1, username=u, mac=m", "junk"} {
		_, err := ParseHMACHeader(bad)
		assert.ErrorIs(t, err, ErrBadHMACHeader, bad)
	}
}

func TestNonce(t *testing.T) {
	raw, text, err := NewNonce()
	require.NoError(t, err)
	assert.Len(t, raw, 16)
	assert.Equal(t, raw, DecodeNonce(text))
	assert.Equal(t, []byte("not base64!"), DecodeNonce("not base64!"))
	assert.Equal(t, AuthMD5, ParseAuthType("SYNCML:AUTH-MD5"))
	assert.Equal(t, AuthNone, ParseAuthType("x"))
}
