package filestore

import (
	"os"
	"syscall"
)

// datasync flushes f's data and the metadata needed to read it back.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// reserve asks the file system for n contiguous bytes at off, so that the
// zeros written there next do not fragment and a full disk shows up
// before any append is written. It is a hint: errors are ignored, and the
// zeros written afterwards allocate the space anyway.
func reserve(f *os.File, off, n int64) {
	for syscall.Fallocate(int(f.Fd()), 0, off, n) == syscall.EINTR {
	}
}
