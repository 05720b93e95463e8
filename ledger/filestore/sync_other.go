//go:build !linux

package filestore

import "os"

func datasync(f *os.File) error { return f.Sync() }

// reserve does nothing here: the zeros written next allocate the space.
func reserve(f *os.File, off, n int64) {}
