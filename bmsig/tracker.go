package bmsig

import (
	"cmp"
	"crypto/sha512"
	"slices"
	"time"
)

// TrackerConfig configures a Tracker. The zero value is valid.
type TrackerConfig struct {
	// Months is the window length t in calendar months: a measurement taken at time m
	// counts at time now while m is not before the same day and time of day Months
	// months before now, in UTC (or, when that day does not exist, the first instant of
	// the month after it). Zero means 6.
	Months int
}

// Tracker maintains one user's BM-signature incrementally over a sliding window of t
// months. For each biosignal type it keeps two monotonic deques (the candidates for the
// maximum and for the minimum), so folding in a measurement and expiring old ones costs
// O(1) amortised, and the current extremes are the deques' fronts.
//
// A Tracker is not safe for concurrent use; one goroutine owns it.
type Tracker struct {
	months  int
	series  []*series // sorted by code
	scratch []byte
	ex      []Extremes
}

type sample struct {
	at int64 // Unix nanoseconds
	v  Decimal
}

// deque is a growable ring buffer of samples.
type deque struct {
	buf  []sample
	head int
	n    int
}

func (d *deque) front() *sample { return &d.buf[d.head] }
func (d *deque) back() *sample  { return &d.buf[(d.head+d.n-1)%len(d.buf)] }
func (d *deque) popFront()      { d.head = (d.head + 1) % len(d.buf); d.n-- }
func (d *deque) popBack()       { d.n-- }

func (d *deque) pushBack(s sample) {
	if d.n == len(d.buf) {
		nb := make([]sample, max(8, 2*len(d.buf)))
		for i := range d.n {
			nb[i] = d.buf[(d.head+i)%len(d.buf)]
		}
		d.buf, d.head = nb, 0
	}
	d.buf[(d.head+d.n)%len(d.buf)] = s
	d.n++
}

type series struct {
	code     uint32
	newest   int64
	max, min deque // max: values strictly decreasing front to back; min: strictly increasing
}

func (s *series) expire(cutoff int64) {
	for s.max.n > 0 && s.max.front().at < cutoff {
		s.max.popFront()
	}
	for s.min.n > 0 && s.min.front().at < cutoff {
		s.min.popFront()
	}
}

// NewTracker returns an empty Tracker.
func NewTracker(cfg TrackerConfig) *Tracker {
	m := cfg.Months
	if m <= 0 {
		m = 6
	}
	return &Tracker{months: m}
}

// cutoff returns the start of the window ending at now: the same day of the month and
// time of day, t.months months earlier, in UTC; when that day does not exist (31 March
// minus one month), the start of the month after (1 March, 00:00). Unlike
// time.AddDate, which would give 3 March, this never decreases as now increases.
func (t *Tracker) cutoff(now time.Time) int64 {
	now = now.UTC()
	y, m, d := now.Date()
	first := time.Date(y, m-time.Month(t.months), 1, 0, 0, 0, 0, time.UTC)
	next := first.AddDate(0, 1, 0)
	c := first.AddDate(0, 0, d-1).Add(now.Sub(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
	if !c.Before(next) {
		c = next
	}
	return c.UnixNano()
}

// Add folds in a measurement v of biosignal type code taken at time at, and expires the
// measurements of that type that fell out of the window ending at at. Measurements of one
// type must arrive in time order; an older one returns ErrOutOfOrder and changes nothing.
// After the first measurement of each type, Add allocates nothing in the steady state.
func (t *Tracker) Add(code uint32, at time.Time, v Decimal) error {
	i, found := slices.BinarySearchFunc(t.series, code, func(s *series, c uint32) int { return cmp.Compare(s.code, c) })
	if !found {
		t.series = slices.Insert(t.series, i, &series{code: code, newest: at.UnixNano()})
	}
	s := t.series[i]
	ns := at.UnixNano()
	if ns < s.newest {
		return ErrOutOfOrder
	}
	s.newest = ns
	s.expire(t.cutoff(at))
	for s.max.n > 0 && s.max.back().v.Cmp(v) <= 0 {
		s.max.popBack()
	}
	s.max.pushBack(sample{ns, v})
	for s.min.n > 0 && s.min.back().v.Cmp(v) >= 0 {
		s.min.popBack()
	}
	s.min.pushBack(sample{ns, v})
	return nil
}

// AppendExtremes expires every measurement that fell out of the window ending at now and
// appends the current extremes, sorted by code, to dst. Types with no measurement in the
// window are left out.
func (t *Tracker) AppendExtremes(dst []Extremes, now time.Time) []Extremes {
	c := t.cutoff(now)
	for _, s := range t.series {
		s.expire(c)
		if s.max.n == 0 {
			continue
		}
		dst = append(dst, Extremes{Code: s.code, High: s.max.front().v, Low: s.min.front().v})
	}
	return dst
}

// Signature expires old measurements as AppendExtremes does and returns the BM-signature of
// the extremes in the window ending at now (see Compute). It allocates nothing in the
// steady state.
func (t *Tracker) Signature(now time.Time) Signature {
	t.ex = t.AppendExtremes(t.ex[:0], now)
	// The extremes are sorted, unique and High >= Low by construction.
	t.scratch, _ = AppendCanonical(t.scratch[:0], t.ex)
	return sha512.Sum512(t.scratch)
}

// PaperSignature is Signature with the published example's encoding (ComputePaper), the
// types in ascending code order.
func (t *Tracker) PaperSignature(now time.Time) Signature {
	t.ex = t.AppendExtremes(t.ex[:0], now)
	t.scratch = AppendPaperText(t.scratch[:0], t.ex)
	return sha512.Sum512(t.scratch)
}
