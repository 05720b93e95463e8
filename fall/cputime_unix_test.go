//go:build unix

package fall_test

import (
	"syscall"
	"time"
)

// cpuTime returns the process's user plus system CPU time, so that benchmarks on a shared,
// loaded machine can report throughput per CPU second as well as per wall-clock second.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
