// Package metrics holds the counters and the latency histogram the roles of the full system
// share, and the summary they print.
//
// Every method is safe for concurrent use.
package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Counters are the system-wide counters of one run.
type Counters struct {
	Sent       atomic.Int64 // measurements whose confirmation agents received
	Resent     atomic.Int64 // sealed messages agents sent again after a failure
	Stored     atomic.Int64 // measurements the server stored (new)
	Duplicates atomic.Int64 // entries the server already held
	Rejected   atomic.Int64 // entries that failed verification anywhere
	Batches    atomic.Int64 // integrated messages acknowledged
	Alarms     atomic.Int64 // alarms raised
	Falls      atomic.Int64 // falls detected
	BLE        atomic.Int64 // measurements from bridged BLE devices (included in Sent)

	Latency Histogram // seal at the agent to store at the server

	// Execution time per module (PHD: taking measurements; DM: management) and layer.
	SubPHD, MainPHD, ServerPHD Timer
	SubDM, MainDM, ServerDM    Timer
}

// Timer accumulates the execution time of a module: how many items it handled and the
// time it spent on them.
type Timer struct {
	n, ns atomic.Int64
}

// Add records that n items took d.
func (t *Timer) Add(n int, d time.Duration) {
	t.n.Add(int64(n))
	t.ns.Add(int64(d))
}

// Since records that n items took the time since start.
func (t *Timer) Since(n int, start time.Time) { t.Add(n, time.Since(start)) }

// Count returns the items handled.
func (t *Timer) Count() int64 { return t.n.Load() }

// PerItem returns the mean time per item (0 when none).
func (t *Timer) PerItem() time.Duration {
	n := t.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(t.ns.Load() / n)
}

// Total returns the time spent.
func (t *Timer) Total() time.Duration { return time.Duration(t.ns.Load()) }

// Histogram records durations in logarithmic buckets (about 2% wide) from 10 µs to ~100 s.
type Histogram struct {
	mu      sync.Mutex
	buckets [bucketCount]int64
	n       int64
}

const (
	bucketCount = 800
	histMin     = 10e-6 // seconds
	growth      = 1.02
)

var logGrowth = math.Log(growth)

// Observe records d.
func (h *Histogram) Observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	if s > histMin {
		i = int(math.Log(s/histMin)/logGrowth) + 1
	}
	if i >= bucketCount {
		i = bucketCount - 1
	}
	h.mu.Lock()
	h.buckets[i]++
	h.n++
	h.mu.Unlock()
}

// Quantile returns the q-quantile (0 < q <= 1), as the upper edge of its bucket; 0 when
// nothing was observed.
func (h *Histogram) Quantile(q float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return 0
	}
	want := int64(math.Ceil(q * float64(h.n)))
	var c int64
	for i, b := range h.buckets {
		c += b
		if c >= want {
			return time.Duration(histMin * math.Pow(growth, float64(i)) * float64(time.Second))
		}
	}
	return 0
}

// Count returns the number of observations.
func (h *Histogram) Count() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// Summary is the result line of a run.
type Summary struct {
	Sent       int64   `json:"sent"`
	Stored     int64   `json:"stored"`
	Duplicates int64   `json:"duplicates"`
	Lost       int64   `json:"lost"`
	Alarms     int64   `json:"alarms"`
	Throughput float64 `json:"throughput"` // stored measurements per second
	P50        float64 `json:"p50"`        // ms
	P99        float64 `json:"p99"`        // ms
}

// Summarize computes the summary of c over elapsed; stored is the number of measurements in
// the server's store.
func (c *Counters) Summarize(stored int64, elapsed time.Duration) Summary {
	s := Summary{
		Sent:       c.Sent.Load(),
		Stored:     stored,
		Duplicates: c.Duplicates.Load(),
		Alarms:     c.Alarms.Load(),
		P50:        ms(c.Latency.Quantile(0.50)),
		P99:        ms(c.Latency.Quantile(0.99)),
	}
	if s.Sent > s.Stored {
		s.Lost = s.Sent - s.Stored
	}
	if elapsed > 0 {
		s.Throughput = math.Round(float64(stored)/elapsed.Seconds()*10) / 10
	}
	return s
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// JSON writes s as one line of JSON.
func (s Summary) JSON(w io.Writer) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
