//go:build unix

package svm_test

import (
	"syscall"
	"time"
)

// cpuTime returns the user and system CPU time the process has used. Benchmarks
// report it per operation next to wall time, which a loaded machine inflates.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
