package svm

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Storage accounting. Bytes are measured by encoding what is stored in these layouts
// (big-endian), not estimated:
//
//	raw record    int64 time | uint32 group | uint8 label | d × float64 features
//	              = 13 + 8d bytes
//	run summary   int64 first time | int64 last time | uint32 group | uint32 count |
//	              uint8 label | d × float64 mean | d × float64 min | d × float64 max
//	              = 25 + 24d bytes
//	model         the model format (see FormatVersion)

// AppendRecord appends the storage encoding of one raw record to b.
func AppendRecord(b []byte, time int64, group, label int, x []float64) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(time))
	b = binary.BigEndian.AppendUint32(b, uint32(group))
	b = append(b, byte(label))
	return appendFloats(b, x)
}

// Run summarises a run of consecutive records of one group that share a label.
type Run struct {
	Group          int
	Label          int
	First, Last    int64 // times of the first and last record
	FirstRow       int   // stream index of the first record
	Count          int
	Mean, Min, Max []float64
}

// AppendBinary appends the storage encoding of the run summary to b.
func (r *Run) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint64(b, uint64(r.First))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Last))
	b = binary.BigEndian.AppendUint32(b, uint32(r.Group))
	b = binary.BigEndian.AppendUint32(b, uint32(r.Count))
	b = append(b, byte(r.Label))
	b = appendFloats(b, r.Mean)
	b = appendFloats(b, r.Min)
	return appendFloats(b, r.Max), nil
}

// Stream is a sequence of records in arrival order.
type Stream struct {
	X     [][]float64 // features per record
	Y     []int       // label per record
	Group []int       // person (or device) per record; nil means one group
	Time  []int64     // time per record in any unit; nil means the record index
}

func (s Stream) check() error {
	if len(s.X) == 0 {
		return ErrEmpty
	}
	if len(s.Y) != len(s.X) {
		return errDim(len(s.Y), len(s.X))
	}
	if s.Group != nil && len(s.Group) != len(s.X) {
		return fmt.Errorf("%w: %d groups for %d rows", ErrDimension, len(s.Group), len(s.X))
	}
	if s.Time != nil && len(s.Time) != len(s.X) {
		return fmt.Errorf("%w: %d times for %d rows", ErrDimension, len(s.Time), len(s.X))
	}
	d := len(s.X[0])
	for i, r := range s.X {
		if err := checkRow(i, r, d); err != nil {
			return err
		}
	}
	return nil
}

func (s Stream) group(i int) int {
	if s.Group == nil {
		return 0
	}
	return s.Group[i]
}

func (s Stream) time(i int) int64 {
	if s.Time == nil {
		return int64(i)
	}
	return s.Time[i]
}

func (s Stream) rawBytes(rows []int) int {
	var buf []byte
	n := 0
	for _, i := range rows {
		buf = AppendRecord(buf[:0], s.time(i), s.group(i), s.Y[i], s.X[i])
		n += len(buf)
	}
	return n
}

// Reduction is a measured storage reduction: what a stream costs raw and what is kept.
type Reduction struct {
	RowsBefore, RowsAfter   int
	BytesBefore, BytesAfter int
	// Kept lists the stream indices of the records kept raw, in increasing order.
	Kept []int
	// Runs holds the run summaries kept (SummarizeRuns only).
	Runs []Run
	// ModelBytes is the encoded size of the models kept (ReduceSupport only), included
	// in BytesAfter.
	ModelBytes int
}

// RowReduction returns 1 − RowsAfter/RowsBefore.
func (r Reduction) RowReduction() float64 {
	if r.RowsBefore == 0 {
		return 0
	}
	return 1 - float64(r.RowsAfter)/float64(r.RowsBefore)
}

// ByteReduction returns 1 − BytesAfter/BytesBefore.
func (r Reduction) ByteReduction() float64 {
	if r.BytesBefore == 0 {
		return 0
	}
	return 1 - float64(r.BytesAfter)/float64(r.BytesBefore)
}

// TrainingSet returns what was kept as training data: the raw records kept, then each
// run summary's mean labelled with the run's label.
func (r Reduction) TrainingSet(s Stream) ([][]float64, []int) {
	x := make([][]float64, 0, len(r.Kept)+len(r.Runs))
	y := make([]int, 0, len(r.Kept)+len(r.Runs))
	for _, i := range r.Kept {
		x = append(x, s.X[i])
		y = append(y, s.Y[i])
	}
	for i := range r.Runs {
		x = append(x, r.Runs[i].Mean)
		y = append(y, r.Runs[i].Label)
	}
	return x, y
}

// ReduceSupport measures reading (a) of storage reduction: of the records that fell in
// a training window of ws (from RunWindows on s), keep only each retrained window's
// support vectors (each record once) and its model; records outside every training
// window are kept raw.
func ReduceSupport(s Stream, ws []Window) (Reduction, error) {
	if err := s.check(); err != nil {
		return Reduction{}, err
	}
	covered := make([]bool, len(s.X))
	kept := make([]bool, len(s.X))
	var r Reduction
	var mb []byte
	for wi, w := range ws {
		if !w.Retrained {
			continue
		}
		if w.TrainStart < 0 || w.TrainEnd > len(s.X) || w.TrainStart > w.TrainEnd {
			return r, fmt.Errorf("%w: window %d trains on records %d to %d of %d", ErrDimension, wi, w.TrainStart, w.TrainEnd, len(s.X))
		}
		for i := w.TrainStart; i < w.TrainEnd; i++ {
			covered[i] = true
		}
		for _, i := range w.Support {
			if i < 0 || i >= len(s.X) {
				return r, fmt.Errorf("%w: window %d support vector %d outside %d records", ErrDimension, wi, i, len(s.X))
			}
			kept[i] = true
		}
		var err error
		if mb, err = w.Model.AppendBinary(mb[:0]); err != nil {
			return r, err
		}
		r.ModelBytes += len(mb)
	}
	all := make([]int, len(s.X))
	for i := range all {
		all[i] = i
		if kept[i] || !covered[i] {
			r.Kept = append(r.Kept, i)
		}
	}
	r.RowsBefore = len(s.X)
	r.BytesBefore = s.rawBytes(all)
	r.RowsAfter = len(r.Kept)
	r.BytesAfter = s.rawBytes(r.Kept) + r.ModelBytes
	return r, nil
}

// SummarizeRuns measures reading (b) of storage reduction: records whose label is not
// good are kept raw; each group's runs of consecutive good records are replaced by a
// summary (count, mean, min, max) when the run has at least minRun records. When
// minRun is 0 it is the shortest run whose summary is smaller than its raw records.
func SummarizeRuns(s Stream, good, minRun int) (Reduction, error) {
	if err := s.check(); err != nil {
		return Reduction{}, err
	}
	if minRun < 0 {
		return Reduction{}, fmt.Errorf("%w: minRun = %d", ErrConfig, minRun)
	}
	d := len(s.X[0])
	if minRun == 0 {
		raw, sum := 13+8*d, 25+24*d
		minRun = sum/raw + 1
	}
	var r Reduction
	// Stream indices of each group's records, in order.
	byGroup := map[int][]int{}
	var order []int
	for i := range s.X {
		g := s.group(i)
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], i)
	}
	for _, g := range order {
		rows := byGroup[g]
		for a := 0; a < len(rows); {
			if s.Y[rows[a]] != good {
				r.Kept = append(r.Kept, rows[a])
				a++
				continue
			}
			b := a
			for b < len(rows) && s.Y[rows[b]] == good {
				b++
			}
			if b-a < minRun {
				r.Kept = append(r.Kept, rows[a:b]...)
			} else {
				r.Runs = append(r.Runs, summarize(s, g, good, rows[a:b]))
			}
			a = b
		}
	}
	slices.Sort(r.Kept)
	all := make([]int, len(s.X))
	for i := range all {
		all[i] = i
	}
	r.RowsBefore = len(s.X)
	r.BytesBefore = s.rawBytes(all)
	r.RowsAfter = len(r.Kept) + len(r.Runs)
	r.BytesAfter = s.rawBytes(r.Kept)
	var buf []byte
	for i := range r.Runs {
		buf, _ = r.Runs[i].AppendBinary(buf[:0])
		r.BytesAfter += len(buf)
	}
	return r, nil
}

func summarize(s Stream, g, label int, rows []int) Run {
	d := len(s.X[0])
	run := Run{
		Group: g, Label: label, FirstRow: rows[0], Count: len(rows),
		First: s.time(rows[0]), Last: s.time(rows[len(rows)-1]),
		Mean: make([]float64, d), Min: make([]float64, d), Max: make([]float64, d),
	}
	for j := range run.Min {
		run.Min[j], run.Max[j] = math.Inf(1), math.Inf(-1)
	}
	for _, i := range rows {
		for j, v := range s.X[i] {
			run.Mean[j] += v
			run.Min[j] = min(run.Min[j], v)
			run.Max[j] = max(run.Max[j], v)
		}
	}
	for j := range run.Mean {
		run.Mean[j] /= float64(len(rows))
	}
	return run
}
