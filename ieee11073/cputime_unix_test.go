//go:build linux || darwin || freebsd

package ieee11073

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time the process has used. Benchmarks report it per operation
// as cpu-ns/op beside the wall-clock ns/op, which on a loaded machine also counts the time
// other processes held the CPU.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
