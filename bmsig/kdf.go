package bmsig

import (
	"crypto/cipher"
	"crypto/des"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"fmt"
	"hash"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// KDFParams are the Argon2id parameters (RFC 9106) that turn a password into a key. The
// zero value selects the defaults; any field left zero takes its default.
type KDFParams struct {
	// Time is the number of passes over memory. Zero means 3; the floor is 2.
	Time uint32
	// MemoryKiB is the memory size in KiB. Zero means 65536 (64 MiB); the floor is 19456
	// (19 MiB) and the ceiling 4194304 (4 GiB).
	MemoryKiB uint32
	// Threads is the degree of parallelism. Zero means 4.
	Threads uint8
}

// Defaults and floors of KDFParams and salts.
const (
	DefaultTime      = 3
	DefaultMemoryKiB = 64 * 1024
	DefaultThreads   = 4
	MinTime          = 2
	MinMemoryKiB     = 19 * 1024
	MaxMemoryKiB     = 4 * 1024 * 1024
	MinSaltSize      = 16
)

func (p KDFParams) withDefaults() KDFParams {
	if p.Time == 0 {
		p.Time = DefaultTime
	}
	if p.MemoryKiB == 0 {
		p.MemoryKiB = DefaultMemoryKiB
	}
	if p.Threads == 0 {
		p.Threads = DefaultThreads
	}
	return p
}

// HKDF info strings: each derived key has its own, so no two uses share key material.
const (
	infoAEAD  = "phdkit bmsig v1 xchacha20poly1305 key"
	infoMAC   = "phdkit bmsig v1 hmac-sha512 key"
	infoKeyID = "phdkit bmsig v1 key identifier"
)

// KeyIDSize is the length of the key identifier carried in every modern message header.
const KeyIDSize = 8

// Key holds the keys one user's messages are sealed and opened with. A Key is immutable
// after creation and safe for concurrent use. Derive it once per user and password; the
// KDF is deliberately slow.
//
// A modern Key (DeriveKey) serves SuiteAEAD and SuiteMAC; a legacy Key (LegacyKey) serves
// SuiteLegacy only.
type Key struct {
	legacy bool
	id     [KeyIDSize]byte
	aead   cipher.AEAD
	macKey []byte
	macs   sync.Pool // of hash.Hash: HMAC-SHA512 keyed with macKey
	des    cipher.Block
}

// NewSalt returns a fresh random 16-byte salt. Store it with the user's record; the sender
// and the receiver derive the same Key only from the same password, salt and KDFParams.
func NewSalt() ([]byte, error) {
	s := make([]byte, MinSaltSize)
	if _, err := rand.Read(s); err != nil {
		return nil, err
	}
	return s, nil
}

// DeriveKey derives a modern Key: Argon2id(password, salt, params) gives a 32-byte master
// secret, and HKDF-SHA512 (RFC 5869, no salt) expands it into a 32-byte XChaCha20-Poly1305
// key, a 64-byte HMAC-SHA512 key and an 8-byte key identifier, each with its own info
// string. The salt must be unique per user and at least MinSaltSize bytes; params below the
// floor return ErrWeakParams.
func DeriveKey(password, salt []byte, params KDFParams) (*Key, error) {
	p := params.withDefaults()
	if len(salt) < MinSaltSize {
		return nil, fmt.Errorf("%w: salt of %d bytes, want at least %d", ErrWeakParams, len(salt), MinSaltSize)
	}
	if p.Time < MinTime || p.MemoryKiB < MinMemoryKiB || p.MemoryKiB > MaxMemoryKiB {
		return nil, fmt.Errorf("%w: time %d (min %d), memory %d KiB (min %d, max %d)",
			ErrWeakParams, p.Time, MinTime, p.MemoryKiB, MinMemoryKiB, MaxMemoryKiB)
	}
	master := argon2Master(password, salt, p)
	defer clear(master)
	return keyFromMaster(master)
}

// argon2Master is the Argon2id step of DeriveKey: a 32-byte master secret.
func argon2Master(password, salt []byte, p KDFParams) []byte {
	return argon2.IDKey(password, salt, p.Time, p.MemoryKiB, p.Threads, 32)
}

func keyFromMaster(master []byte) (*Key, error) {
	aeadKey, err := hkdf.Expand(sha512.New, master, infoAEAD, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	defer clear(aeadKey)
	macKey, err := hkdf.Expand(sha512.New, master, infoMAC, 64)
	if err != nil {
		return nil, err
	}
	id, err := hkdf.Expand(sha512.New, master, infoKeyID, KeyIDSize)
	if err != nil {
		return nil, err
	}
	a, err := chacha20poly1305.NewX(aeadKey)
	if err != nil {
		return nil, err
	}
	k := &Key{aead: a, macKey: macKey}
	copy(k.id[:], id)
	k.macs.New = func() any { return hmac.New(sha512.New, k.macKey) }
	return k, nil
}

// LegacyKey returns the key of the published scheme (SuiteLegacy). INSECURE: it exists
// only to read and write messages of systems built on that scheme.
//
// The DES key is the first 8 bytes of SHA-512(password); DES ignores the low bit of each
// byte (its parity bit), so the effective key has 56 bits, and there is no salt and no
// work factor: anyone holding a message can search the password space quickly.
func LegacyKey(password []byte) *Key {
	d := sha512.Sum512(password)
	defer clear(d[:])
	b, err := des.NewCipher(d[:8])
	if err != nil {
		panic("bmsig: des.NewCipher rejected an 8-byte key: " + err.Error())
	}
	return &Key{legacy: true, des: b}
}

// ID returns the key identifier that modern messages carry in their header (zero for a
// legacy key). It reveals nothing a sealed message does not: testing a password guess
// against it costs one Argon2id run, as testing it against a message does.
func (k *Key) ID() [KeyIDSize]byte { return k.id }

// Legacy reports whether k is a legacy key.
func (k *Key) Legacy() bool { return k.legacy }

func (k *Key) getMAC() hash.Hash {
	h := k.macs.Get().(hash.Hash)
	h.Reset()
	return h
}

func (k *Key) putMAC(h hash.Hash) { k.macs.Put(h) }
