//go:build unix

package ledger_test

import (
	"syscall"
	"time"
)

// cpuTime returns the user plus system CPU time of this process. On a
// shared machine it tracks the work a benchmark does better than the wall
// clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
