package svm

import (
	"fmt"
	"math"
	"slices"
)

// dataset is a validated, dense, row-major copy of the training data.
type dataset struct {
	n, d    int
	x       []float64 // n*d values
	y       []int     // original labels
	classes []int     // sorted distinct labels
	cls     []int     // index into classes per row
}

// checkRow reports whether row has width d and only finite values.
func checkRow(i int, row []float64, d int) error {
	if len(row) != d {
		return &InputError{Row: i, Col: -1, Err: fmt.Errorf("%w: %d features, want %d", ErrDimension, len(row), d)}
	}
	for j, v := range row {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &InputError{Row: i, Col: j, Err: fmt.Errorf("%w: %v", ErrNonFinite, v)}
		}
	}
	return nil
}

// newDataset validates x and y and copies them into a dataset. It needs at least one
// record, equal widths, finite values and at least two classes.
func newDataset(x [][]float64, y []int) (*dataset, error) {
	if len(x) == 0 {
		return nil, ErrEmpty
	}
	if len(y) != len(x) {
		return nil, fmt.Errorf("%w: %d labels for %d rows", ErrDimension, len(y), len(x))
	}
	d := len(x[0])
	if d == 0 {
		return nil, &InputError{Row: 0, Col: -1, Err: fmt.Errorf("%w: row has no features", ErrDimension)}
	}
	ds := &dataset{n: len(x), d: d, x: make([]float64, 0, len(x)*d), y: y}
	for i, row := range x {
		if err := checkRow(i, row, d); err != nil {
			return nil, err
		}
		ds.x = append(ds.x, row...)
	}
	ds.classes = slices.Clone(y)
	slices.Sort(ds.classes)
	ds.classes = slices.Compact(ds.classes)
	if len(ds.classes) < 2 {
		return nil, fmt.Errorf("%w: every record is labelled %d", ErrSingleClass, ds.classes[0])
	}
	ds.cls = make([]int, len(y))
	for i, v := range y {
		ds.cls[i], _ = slices.BinarySearch(ds.classes, v)
	}
	return ds, nil
}

func (ds *dataset) row(i int) []float64 { return ds.x[i*ds.d : (i+1)*ds.d : (i+1)*ds.d] }

// scaler standardises features: each feature has its training mean subtracted and is
// divided by its training standard deviation (1 when the deviation is zero).
type scaler struct {
	Mean []float64 // per-feature mean
	Inv  []float64 // per-feature reciprocal of the standard deviation
}

// fitScaler computes the scaler of ds. When off, it returns the identity scaler.
func fitScaler(ds *dataset, off bool) scaler {
	s := scaler{Mean: make([]float64, ds.d), Inv: make([]float64, ds.d)}
	for j := range s.Inv {
		s.Inv[j] = 1
	}
	if off {
		return s
	}
	for i := 0; i < ds.n; i++ {
		for j, v := range ds.row(i) {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(ds.n)
	}
	vr := make([]float64, ds.d)
	for i := 0; i < ds.n; i++ {
		for j, v := range ds.row(i) {
			dv := v - s.Mean[j]
			vr[j] += dv * dv
		}
	}
	for j := range vr {
		sd := math.Sqrt(vr[j] / float64(ds.n))
		if sd > 1e-12 && !math.IsInf(1/sd, 0) {
			s.Inv[j] = 1 / sd
		}
	}
	return s
}

// apply standardises every row of ds in place.
func (s scaler) apply(ds *dataset) {
	for i := 0; i < ds.n; i++ {
		r := ds.row(i)
		for j := range r {
			r[j] = (r[j] - s.Mean[j]) * s.Inv[j]
		}
	}
}

// Transform writes the standardised x into dst (grown as needed) and returns it.
func (s scaler) Transform(dst, x []float64) []float64 {
	dst = dst[:0]
	for j, v := range x {
		dst = append(dst, (v-s.Mean[j])*s.Inv[j])
	}
	return dst
}

// classIndex returns the index of label in classes, or -1.
func classIndex(classes []int, label int) int {
	if i, ok := slices.BinarySearch(classes, label); ok {
		return i
	}
	return -1
}
