//go:build !unix

package ieee11073

import "time"

// processCPU is not measured on this platform.
func processCPU() time.Duration { return 0 }
