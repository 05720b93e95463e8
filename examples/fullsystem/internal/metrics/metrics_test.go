package metrics

import (
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 {
		t.Fatal("quantile of nothing is not 0")
	}
	for i := 1; i <= 100; i++ {
		h.Observe(time.Duration(i) * time.Millisecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		got := h.Quantile(tt.q)
		if got < tt.want || got > tt.want*103/100 {
			t.Errorf("Quantile(%v) = %v, want %v within 3%%", tt.q, got, tt.want)
		}
	}
	var c Counters
	c.Sent.Store(10)
	s := c.Summarize(8, 2*time.Second)
	if s.Lost != 2 || s.Throughput != 4 {
		t.Errorf("Summarize = %+v, want 2 lost, 4/s", s)
	}
}
