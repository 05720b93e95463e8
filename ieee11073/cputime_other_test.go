//go:build !(linux || darwin || freebsd)

package ieee11073

import "time"

// processCPU is not measured on this system; benchmarks then omit cpu-ns/op.
func processCPU() time.Duration { return 0 }
