// Package keys is the demo key directory of the full system: every user's password salt and
// derived bmsig Key, and the BM-signature every layer uses for that user.
//
// In the demo the directory is generated on first run into the data directory (keys.json)
// and read by every role; in a deployment it comes from provisioning. Each Key is derived
// once when the directory is loaded (Argon2id is slow by design). The BM-signature of a user
// is computed from a fixed seed history of that user, so every layer derives the same one.
//
// A Dir is immutable once loaded and safe for concurrent use.
package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/phdkit/phdkit/bmsig"
)

// FileName is the key directory's file in the data directory.
const FileName = "keys.json"

// ErrUnknownUser means the directory holds no key for a user.
var ErrUnknownUser = errors.New("keys: unknown user")

// KDF are the Argon2id parameters of the demo: the package floor, so that a few hundred
// users are derived in seconds.
var KDF = bmsig.KDFParams{Time: 2, MemoryKiB: 19456, Threads: 1}

// history is the epoch of every user's seed history.
var history = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type fileUser struct {
	ID       uint64 `json:"id"`
	Salt     string `json:"salt"`
	Password string `json:"password"`
}

type file struct {
	DMSecret string     `json:"dm_secret"` // hex: the demo's OMA DM device credentials derive from it
	Users    []fileUser `json:"users"`
}

// User is one user's keys.
type User struct {
	ID  uint64
	Key *bmsig.Key
	Sig bmsig.Signature
}

// Dir maps users to their keys.
type Dir struct {
	users map[uint64]*User
	// DMSecret is the secret the demo's OMA DM device passwords derive from.
	DMSecret []byte
}

// Load reads the directory in dataDir, creating it with users 1..n when it does not exist
// (n is then required to be positive), and derives every user's key.
func Load(dataDir string, n int) (*Dir, error) {
	path := filepath.Join(dataDir, FileName)
	var f file
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("keys: %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		if n <= 0 {
			return nil, fmt.Errorf("keys: %s does not exist", path)
		}
		sec := make([]byte, 32)
		if _, err := rand.Read(sec); err != nil {
			return nil, err
		}
		f.DMSecret = hex.EncodeToString(sec)
		for i := 1; i <= n; i++ {
			salt, err := bmsig.NewSalt()
			if err != nil {
				return nil, err
			}
			pw := make([]byte, 16)
			if _, err := rand.Read(pw); err != nil {
				return nil, err
			}
			f.Users = append(f.Users, fileUser{ID: uint64(i), Salt: hex.EncodeToString(salt), Password: hex.EncodeToString(pw)})
		}
		b, err := json.MarshalIndent(&f, "", " ")
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, err
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	d, err := derive(f.Users)
	if err != nil {
		return nil, err
	}
	if d.DMSecret, err = hex.DecodeString(f.DMSecret); err != nil || len(d.DMSecret) < 16 {
		return nil, fmt.Errorf("keys: %s: dm_secret missing or malformed", path)
	}
	return d, nil
}

func derive(fu []fileUser) (*Dir, error) {
	d := &Dir{users: make(map[uint64]*User, len(fu))}
	users := make([]*User, len(fu))
	errs := make([]error, len(fu))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range fu {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			salt, err1 := hex.DecodeString(fu[i].Salt)
			pw, err2 := hex.DecodeString(fu[i].Password)
			if err := errors.Join(err1, err2); err != nil {
				errs[i] = fmt.Errorf("keys: user %d: %w", fu[i].ID, err)
				return
			}
			k, err := bmsig.DeriveKey(pw, salt, KDF)
			if err != nil {
				errs[i] = fmt.Errorf("keys: user %d: %w", fu[i].ID, err)
				return
			}
			users[i] = &User{ID: fu[i].ID, Key: k, Sig: Signature(fu[i].ID)}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, u := range users {
		d.users[u.ID] = u
	}
	return d, nil
}

// Lookup returns the keys of user id.
func (d *Dir) Lookup(id uint64) (*User, error) {
	u, ok := d.users[id]
	if !ok {
		return nil, fmt.Errorf("%w %d", ErrUnknownUser, id)
	}
	return u, nil
}

// Len returns the number of users.
func (d *Dir) Len() int { return len(d.users) }

// Signature returns the BM-signature of user id: the one of its seed history, thirty days of
// blood pressure, pulse, glucose and body temperature derived from the user id.
func Signature(id uint64) bmsig.Signature {
	tr := bmsig.NewTracker(bmsig.TrackerConfig{Months: 6})
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("phdkit-fullsystem-history"), id))
	for day := range 30 {
		at := history.Add(time.Duration(day) * 24 * time.Hour)
		r := int64(seed[day%32])
		tr.Add(18949, at, bmsig.Decimal{Mant: 110 + r%30})          // systolic
		tr.Add(18950, at, bmsig.Decimal{Mant: 70 + r%20})           // diastolic
		tr.Add(18474, at, bmsig.Decimal{Mant: 55 + r%40})           // pulse
		tr.Add(29112, at, bmsig.Decimal{Mant: 80 + r%50})           // glucose
		tr.Add(19292, at, bmsig.Decimal{Mant: 360 + r%15, Exp: -1}) // temperature
	}
	return tr.Signature(history.Add(31 * 24 * time.Hour))
}
