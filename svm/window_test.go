package svm_test

import (
	"testing"

	"github.com/phdkit/phdkit/svm"
	"github.com/phdkit/phdkit/svm/synth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stream(people, records int, seed uint64) svm.Stream {
	recs := synth.Generate(synth.Config{People: people, Records: records, Seed: seed})
	x, y := synth.XY(recs)
	s := svm.Stream{X: x, Y: y, Group: make([]int, len(recs)), Time: make([]int64, len(recs))}
	for i, r := range recs {
		s.Group[i], s.Time[i] = r.Person, r.Minute
	}
	return s
}

func TestRunWindows(t *testing.T) {
	s := stream(20, 300, 2) // 6000 records
	ws, err := svm.RunWindows(s.X, s.Y, svm.WindowConfig{Size: 1000, Step: 500, Start: 2000})
	require.NoError(t, err)
	require.Len(t, ws, 8) // records 2000..6000 in steps of 500
	for i, w := range ws {
		assert.Equal(t, 2000+500*i, w.TestStart)
		assert.Equal(t, w.TestStart+500, w.TestEnd)
		assert.Equal(t, w.TestStart-1000, w.TrainStart)
		assert.Equal(t, w.TestStart, w.TrainEnd)
		assert.True(t, w.Retrained)
		assert.NotEmpty(t, w.Support)
		for _, sv := range w.Support {
			assert.True(t, sv >= w.TrainStart && sv < w.TrainEnd)
		}
		// The accuracy is recomputed independently.
		a, err := svm.Accuracy(w.Model, s.X[w.TestStart:w.TestEnd], s.Y[w.TestStart:w.TestEnd])
		require.NoError(t, err)
		assert.InDelta(t, a, w.Accuracy, 1e-12)
	}
	sum := svm.Summarize(ws)
	assert.Equal(t, 4000, sum.Records)
	assert.Equal(t, 8, sum.Retrained)
	assert.InDelta(t, 1, sum.Accuracy+sum.ErrorRate, 1e-12)
	assert.Greater(t, sum.Accuracy, 0.8)
	assert.LessOrEqual(t, sum.MinAccuracy, sum.MaxAccuracy)
}

func TestRetrainPolicies(t *testing.T) {
	s := stream(20, 300, 3)
	base := svm.WindowConfig{Size: 1000, Step: 500}
	never := base
	never.Policy, never.Every = svm.RetrainPeriodic, 1000
	ws, err := svm.RunWindows(s.X, s.Y, never)
	require.NoError(t, err)
	assert.Equal(t, 1, svm.Summarize(ws).Retrained)
	for _, w := range ws {
		assert.Equal(t, 0, w.TrainStart, "the only model is the first window's")
	}
	every := base
	every.Policy, every.Every = svm.RetrainPeriodic, 3
	ws, err = svm.RunWindows(s.X, s.Y, every)
	require.NoError(t, err)
	for i, w := range ws {
		assert.Equal(t, i%3 == 0, w.Retrained, "window %d", i)
	}
	drift := base
	drift.Policy, drift.MinAccuracy = svm.RetrainOnDrift, 1 // anything short of perfect retrains
	ws, err = svm.RunWindows(s.X, s.Y, drift)
	require.NoError(t, err)
	for i := 1; i < len(ws); i++ {
		assert.Equal(t, ws[i-1].Accuracy < 1, ws[i].Retrained)
	}
	drift.MinAccuracy = 0.01
	ws, err = svm.RunWindows(s.X, s.Y, drift)
	require.NoError(t, err)
	assert.Equal(t, 1, svm.Summarize(ws).Retrained)
}

func TestRunWindowsKernelTrainer(t *testing.T) {
	s := stream(10, 300, 4)
	ws, err := svm.RunWindows(s.X, s.Y, svm.WindowConfig{Size: 1000, Train: func(x [][]float64, y []int) (svm.Model, error) {
		return svm.TrainKernel(x, y, svm.KernelConfig{})
	}})
	require.NoError(t, err)
	require.Len(t, ws, 2)
	assert.Greater(t, svm.Summarize(ws).Accuracy, 0.9)
}

func TestRunWindowsErrors(t *testing.T) {
	s := stream(5, 100, 5)
	_, err := svm.RunWindows(nil, nil, svm.WindowConfig{Size: 10})
	assert.ErrorIs(t, err, svm.ErrEmpty)
	_, err = svm.RunWindows(s.X, s.Y[:3], svm.WindowConfig{Size: 10})
	assert.ErrorIs(t, err, svm.ErrDimension)
	for _, cfg := range []svm.WindowConfig{
		{}, {Size: 1}, {Size: 10, Step: -1}, {Size: 100, Start: 50}, {Size: 100, Start: 500},
		{Size: 10, Policy: 9}, {Size: 10, MinAccuracy: 2}, {Size: 10, Every: -2},
	} {
		_, err := svm.RunWindows(s.X, s.Y, cfg)
		assert.ErrorIs(t, err, svm.ErrConfig, "%+v", cfg)
	}
	// A window whose records are all good cannot train a classifier.
	y := make([]int, len(s.Y))
	copy(y, s.Y)
	for i := 100; i < 200; i++ {
		y[i] = 0
	}
	_, err = svm.RunWindows(s.X, y, svm.WindowConfig{Size: 100})
	var we *svm.WindowError
	require.ErrorAs(t, err, &we)
	assert.ErrorIs(t, err, svm.ErrSingleClass)
	assert.Equal(t, 100, we.Start)
	assert.Equal(t, 200, we.End)
	// A NaN feature in a classified record is reported with its stream index.
	x := make([][]float64, len(s.X))
	copy(x, s.X)
	x[450] = []float64{1, 2, 3, 4}
	x[450][1] = x[450][1] / 0 * 0
	_, err = svm.RunWindows(x, s.Y, svm.WindowConfig{Size: 200})
	var ie *svm.InputError
	require.ErrorAs(t, err, &ie)
	assert.ErrorIs(t, err, svm.ErrNonFinite)
	assert.Equal(t, 450, ie.Row)
}

func TestReduceSupport(t *testing.T) {
	s := stream(20, 300, 6)
	ws, err := svm.RunWindows(s.X, s.Y, svm.WindowConfig{Size: 1000})
	require.NoError(t, err)
	r, err := svm.ReduceSupport(s, ws)
	require.NoError(t, err)
	d := len(s.X[0])
	assert.Equal(t, len(s.X), r.RowsBefore)
	assert.Equal(t, len(s.X)*(13+8*d), r.BytesBefore)
	assert.Equal(t, len(r.Kept), r.RowsAfter)
	assert.Equal(t, len(r.Kept)*(13+8*d)+r.ModelBytes, r.BytesAfter)
	// The last 1000 records fell in no training window and are kept raw.
	for i := 5000; i < 6000; i++ {
		assert.Contains(t, r.Kept, i)
	}
	want := map[int]bool{}
	for _, w := range ws {
		for _, sv := range w.Support {
			want[sv] = true
		}
	}
	assert.Equal(t, len(want)+1000, r.RowsAfter)
	x, y := r.TrainingSet(s)
	assert.Len(t, x, r.RowsAfter)
	assert.Len(t, y, r.RowsAfter)
	assert.InDelta(t, 1-float64(r.RowsAfter)/6000, r.RowReduction(), 1e-12)
}

func TestSummarizeRuns(t *testing.T) {
	s := svm.Stream{
		X:     [][]float64{{1, 10}, {2, 20}, {3, 30}, {9, 90}, {4, 40}, {5, 50}, {6, 60}, {7, 70}, {0, 0}},
		Y:     []int{0, 0, 0, 2, 0, 0, 0, 0, 0},
		Group: []int{1, 1, 1, 1, 1, 1, 1, 1, 2},
	}
	r, err := svm.SummarizeRuns(s, 0, 3)
	require.NoError(t, err)
	assert.Equal(t, []int{3, 8}, r.Kept, "the abnormal record and the short run of group 2")
	require.Len(t, r.Runs, 2)
	assert.Equal(t, svm.Run{Group: 1, Label: 0, First: 0, Last: 2, FirstRow: 0, Count: 3,
		Mean: []float64{2, 20}, Min: []float64{1, 10}, Max: []float64{3, 30}}, r.Runs[0])
	assert.Equal(t, 4, r.Runs[1].Count)
	assert.Equal(t, []float64{5.5, 55}, r.Runs[1].Mean)
	assert.Equal(t, 9, r.RowsBefore)
	assert.Equal(t, 4, r.RowsAfter)
	assert.Equal(t, 9*(13+16), r.BytesBefore)
	assert.Equal(t, 2*(13+16)+2*(25+48), r.BytesAfter)
	x, y := r.TrainingSet(s)
	assert.Equal(t, [][]float64{{9, 90}, {0, 0}, {2, 20}, {5.5, 55}}, x)
	assert.Equal(t, []int{2, 0, 0, 0}, y)

	// minRun 0 summarises only runs whose summary is smaller than the raw records.
	r, err = svm.SummarizeRuns(s, 0, 0)
	require.NoError(t, err)
	for _, run := range r.Runs {
		assert.Greater(t, run.Count*(13+16), 25+48)
	}
	assert.Less(t, r.BytesAfter, r.BytesBefore)

	_, err = svm.SummarizeRuns(svm.Stream{X: s.X, Y: s.Y, Group: []int{1}}, 0, 0)
	assert.ErrorIs(t, err, svm.ErrDimension)
	_, err = svm.SummarizeRuns(svm.Stream{}, 0, 0)
	assert.ErrorIs(t, err, svm.ErrEmpty)
	_, err = svm.SummarizeRuns(s, 0, -1)
	assert.ErrorIs(t, err, svm.ErrConfig)
}
