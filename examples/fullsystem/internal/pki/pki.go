// Package pki gives the layers of the full system their TLS identities: a demonstration
// certificate authority and one certificate per node, generated on first run into a
// directory and loaded from it afterwards, and TLS 1.3 configurations with mutual
// authentication (each side verifies the other's certificate against the authority).
//
// The authority's private key stays in the directory (ca.key, mode 0600): whoever can read it
// can mint identities, so a deployment keeps it offline and issues node certificates with its
// own tooling; this package then only loads them (ca.pem, <name>.pem, <name>.key).
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ServerName is the name every node certificate carries and clients verify.
const ServerName = "phdkit.fullsystem"

// Authority is a certificate authority kept in a directory.
type Authority struct {
	dir  string
	cert *x509.Certificate
	key  crypto.Signer
	pool *x509.CertPool
	mu   sync.Mutex // serialises issuing into the directory
}

// Open loads the authority in dir, creating it (and dir) on first use.
func Open(dir string) (*Authority, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	a := &Authority{dir: dir}
	certPath, keyPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.key")
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(), Subject: pkix.Name{CommonName: "phdkit demo CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		if err := writePair(certPath, keyPath, der, key); err != nil {
			return nil, err
		}
	}
	cert, key, err := readPair(certPath, keyPath)
	if err != nil {
		return nil, err
	}
	a.cert, a.key = cert, key
	a.pool = x509.NewCertPool()
	a.pool.AddCert(cert)
	return a, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func writePair(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	return nil
}

func readPair(certPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %w", err)
	}
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %w", err)
	}
	cblk, _ := pem.Decode(cb)
	kblk, _ := pem.Decode(kb)
	if cblk == nil || kblk == nil {
		return nil, nil, fmt.Errorf("pki: %s or %s is not PEM", filepath.Base(certPath), filepath.Base(keyPath))
	}
	cert, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %s: %w", filepath.Base(certPath), err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kblk.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %s: %w", filepath.Base(keyPath), err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("pki: %s: not a signing key", filepath.Base(keyPath))
	}
	return cert, signer, nil
}

// Identity returns node name's certificate, issuing it on first use. name is the node's
// identity (its certificate's common name, e.g. "gateway-1-0"); the certificate is valid for
// ServerName, localhost and the loopback addresses, for both server and client use.
func (a *Authority) Identity(name string) (tls.Certificate, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	certPath, keyPath := filepath.Join(a.dir, name+".pem"), filepath.Join(a.dir, name+".key")
	if _, err := os.Stat(certPath); errors.Is(err, os.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("pki: %w", err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: serial(), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			DNSNames:    []string{ServerName, "localhost"},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("pki: %w", err)
		}
		if err := writePair(certPath, keyPath, der, key); err != nil {
			return tls.Certificate{}, err
		}
	}
	c, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("pki: %s: %w", name, err)
	}
	return c, nil
}

// ServerConfig returns the TLS configuration of a node that accepts links: TLS 1.3 only, its
// own certificate, and a client certificate from the authority required.
func (a *Authority) ServerConfig(name string) (*tls.Config, error) {
	c, err := a.Identity(name)
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{c},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: a.pool}, nil
}

// ClientConfig returns the TLS configuration of a node that opens links: TLS 1.3 only, its own
// certificate, and the server's verified against the authority and ServerName.
func (a *Authority) ClientConfig(name string) (*tls.Config, error) {
	c, err := a.Identity(name)
	if err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{c},
		RootCAs: a.pool, ServerName: ServerName}, nil
}
