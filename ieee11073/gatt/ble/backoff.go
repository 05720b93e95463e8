package ble

import (
	"context"
	"time"
)

// backoff is the wait between connection attempts: it starts at min and doubles up to max.
type backoff struct {
	cur, min, max time.Duration
}

// newBackoff applies the defaults of the ReconnectMin and ReconnectMax configuration fields
// (200 ms and 5 s) and returns the back-off they describe.
func newBackoff(lo, hi *time.Duration) backoff {
	if *lo <= 0 {
		*lo = 200 * time.Millisecond
	}
	if *hi < *lo {
		*hi = max(5*time.Second, *lo)
	}
	return backoff{cur: *lo, min: *lo, max: *hi}
}

// reset starts again from the minimum.
func (b *backoff) reset() { b.cur = b.min }

// wait sleeps for the current delay, then doubles it; it returns ctx's error when ctx ends
// first.
func (b *backoff) wait(ctx context.Context) error {
	t := time.NewTimer(b.cur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	b.cur = min(2*b.cur, b.max)
	return nil
}
