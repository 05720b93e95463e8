//go:build unix

package filestore

import (
	"fmt"
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on f, failing at once if another
// process (or another Store in this one) holds it. The kernel drops the
// lock when the holder dies, even by SIGKILL.
func lock(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("%w: %v", ErrLocked, err)
	}
	return nil
}
