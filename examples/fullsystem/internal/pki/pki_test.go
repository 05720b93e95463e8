package pki

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuthorityPersistsAndIssues(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir)
	require.NoError(t, err)
	c1, err := a.Identity("gateway-1")
	require.NoError(t, err)

	b, err := Open(dir) // a restart loads the same authority and identity
	require.NoError(t, err)
	c2, err := b.Identity("gateway-1")
	require.NoError(t, err)
	assert.Equal(t, c1.Certificate[0], c2.Certificate[0])

	leaf, err := x509.ParseCertificate(c2.Certificate[0])
	require.NoError(t, err)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: b.pool, DNSName: ServerName,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	assert.NoError(t, err)
	st, err := os.Stat(filepath.Join(dir, "ca.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the authority's key is private")

	srv, err := b.ServerConfig("server")
	require.NoError(t, err)
	assert.EqualValues(t, 0x0304, srv.MinVersion, "TLS 1.3 only")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("junk"), 0o644))
	_, err = Open(dir)
	assert.Error(t, err)
}
