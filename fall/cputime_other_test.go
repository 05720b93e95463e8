//go:build !unix

package fall_test

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
