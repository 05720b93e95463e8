//go:build !unix

package filestore

import "os"

func lock(*os.File) error { return nil }
