package svm_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/phdkit/phdkit/svm"
	"github.com/phdkit/phdkit/svm/synth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// small returns n training and n/4 test records of the benchmark distribution.
func small(n int) (tx [][]float64, ty []int, sx [][]float64, sy []int) {
	trX, trY, teX, teY := synth.Bench()
	return trX[:n], trY[:n], teX[:n/4], teY[:n/4]
}

// blobs returns k well separated Gaussian clusters in d dimensions.
func blobs(n, d, k int, seed uint64) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([][]float64, n)
	y := make([]int, n)
	for i := range x {
		c := i % k
		x[i] = make([]float64, d)
		for j := range x[i] {
			x[i][j] = 0.5*rng.NormFloat64() + 4*float64((c>>(j%3))&1) + 100*float64(j)
		}
		y[i] = 10 * c // labels need not be 0..k-1
	}
	return x, y
}

// xor returns the XOR problem, which no linear machine separates.
func xor(n int, seed uint64) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 9))
	x := make([][]float64, n)
	y := make([]int, n)
	for i := range x {
		a, b := rng.Float64()*2-1, rng.Float64()*2-1
		x[i] = []float64{a, b}
		if (a > 0) != (b > 0) {
			y[i] = 1
		}
	}
	return x, y
}

func acc(t *testing.T, m svm.Model, x [][]float64, y []int) float64 {
	t.Helper()
	a, err := svm.Accuracy(m, x, y)
	require.NoError(t, err)
	return a
}

func TestLinearSeparable(t *testing.T) {
	x, y := blobs(600, 3, 2, 1)
	for _, cfg := range []svm.LinearConfig{
		{}, {Loss: svm.LossL1}, {Multiclass: svm.CrammerSinger}, {NoStandardize: true, C: 0.1}, {NoBias: true},
	} {
		m, err := svm.TrainLinear(x, y, cfg)
		require.NoError(t, err)
		if a := acc(t, m, x, y); a < 0.99 {
			t.Errorf("TrainLinear(%+v) accuracy = %v, want >= 0.99", cfg, a)
		}
		assert.Equal(t, []int{0, 10}, m.Classes())
		assert.Equal(t, 3, m.NumFeatures())
	}
}

func TestLinearMulticlass(t *testing.T) {
	x, y := blobs(800, 3, 4, 2)
	for _, mc := range []svm.Multiclass{svm.OneVsRest, svm.CrammerSinger} {
		for _, loss := range []svm.Loss{svm.LossL2, svm.LossL1} {
			m, err := svm.TrainLinear(x, y, svm.LinearConfig{Multiclass: mc, Loss: loss})
			require.NoError(t, err)
			if a := acc(t, m, x, y); a < 0.98 {
				t.Errorf("%v/%v accuracy = %v, want >= 0.98", mc, loss, a)
			}
			dv, err := m.Decision(nil, x[0])
			require.NoError(t, err)
			assert.Len(t, dv, 4)
		}
	}
}

func TestLinearHealthData(t *testing.T) {
	tx, ty, sx, sy := small(4000)
	m, err := svm.TrainLinear(tx, ty, svm.LinearConfig{})
	require.NoError(t, err)
	if a := acc(t, m, sx, sy); a < 0.8 {
		t.Errorf("linear accuracy on health data = %v, want >= 0.8", a)
	}
	assert.NotEmpty(t, m.SupportIndices())
}

func TestDeterministic(t *testing.T) {
	tx, ty, _, _ := small(2000)
	enc := func(m svm.Model, err error) []byte {
		require.NoError(t, err)
		b, err := m.AppendBinary(nil)
		require.NoError(t, err)
		return b
	}
	lin := func(seed uint64) []byte {
		m, err := svm.TrainLinear(tx, ty, svm.LinearConfig{Seed: seed})
		return enc(m, err)
	}
	assert.Equal(t, lin(5), lin(5), "same seed, same model")
	assert.NotEqual(t, lin(5), lin(6), "different seeds visit coordinates in different orders")
	cs := func() []byte {
		m, err := svm.TrainLinear(tx, ty, svm.LinearConfig{Multiclass: svm.CrammerSinger, Seed: 3})
		return enc(m, err)
	}
	assert.Equal(t, cs(), cs())
	ker := func() []byte {
		m, err := svm.TrainKernel(tx[:800], ty[:800], svm.KernelConfig{})
		return enc(m, err)
	}
	assert.Equal(t, ker(), ker())
}

func TestKernelXOR(t *testing.T) {
	x, y := xor(600, 1)
	tx, ty := xor(300, 2)
	lin, err := svm.TrainLinear(x, y, svm.LinearConfig{})
	require.NoError(t, err)
	rbf, err := svm.TrainKernel(x, y, svm.KernelConfig{C: 10})
	require.NoError(t, err)
	poly, err := svm.TrainKernel(x, y, svm.KernelConfig{Kernel: svm.KernelPoly, Degree: 2, Coef0: 0, C: 10})
	require.NoError(t, err)
	if a := acc(t, lin, tx, ty); a > 0.75 {
		t.Errorf("linear machine on XOR accuracy = %v; XOR is not linearly separable", a)
	}
	for name, m := range map[string]*svm.KernelModel{"rbf": rbf, "poly": poly} {
		if a := acc(t, m, tx, ty); a < 0.95 {
			t.Errorf("%s on XOR accuracy = %v, want >= 0.95", name, a)
		}
		assert.Greater(t, m.NumSupport(), 0)
		assert.Len(t, m.SupportIndices(), m.NumSupport())
	}
}

func TestKernelMulticlass(t *testing.T) {
	tx, ty, sx, sy := small(2000)
	for _, cfg := range []svm.KernelConfig{
		{}, {Multiclass: svm.OneVsOne},
		{Kernel: svm.KernelLinear}, {Kernel: svm.KernelPoly, Gamma: 0.5, Coef0: 1},
	} {
		m, err := svm.TrainKernel(tx, ty, cfg)
		require.NoError(t, err)
		want := 0.93
		if cfg.Kernel == svm.KernelLinear {
			want = 0.8
		}
		if a := acc(t, m, sx, sy); a < want {
			t.Errorf("TrainKernel(%+v) accuracy = %v, want >= %v", cfg, a, want)
		}
	}
}

func TestShrinkingAndCacheAgree(t *testing.T) {
	tx, ty, sx, _ := small(1500)
	ref, err := svm.TrainKernel(tx, ty, svm.KernelConfig{NoShrinking: true})
	require.NoError(t, err)
	for _, cfg := range []svm.KernelConfig{{}, {CacheMB: 1}} {
		m, err := svm.TrainKernel(tx, ty, cfg)
		require.NoError(t, err)
		diff := 0
		for _, r := range sx {
			a, _ := ref.Predict(r)
			b, _ := m.Predict(r)
			if a != b {
				diff++
			}
		}
		if diff > len(sx)/100 {
			t.Errorf("%+v disagrees with the unshrunk solver on %d of %d records", cfg, diff, len(sx))
		}
	}
}

func TestBadInput(t *testing.T) {
	good := [][]float64{{1, 2}, {3, 4}, {5, 6}}
	labels := []int{0, 1, 0}
	tests := []struct {
		name string
		x    [][]float64
		y    []int
		want error
		row  int
		col  int
	}{
		{"empty", nil, nil, svm.ErrEmpty, -1, -1},
		{"labels", good, []int{0, 1}, svm.ErrDimension, -1, -1},
		{"width", [][]float64{{1, 2}, {3}, {5, 6}}, labels, svm.ErrDimension, 1, -1},
		{"no features", [][]float64{{}, {}, {}}, labels, svm.ErrDimension, 0, -1},
		{"nan", [][]float64{{1, 2}, {3, 4}, {5, math.NaN()}}, labels, svm.ErrNonFinite, 2, 1},
		{"inf", [][]float64{{math.Inf(-1), 2}, {3, 4}, {5, 6}}, labels, svm.ErrNonFinite, 0, 0},
		{"single class", good, []int{4, 4, 4}, svm.ErrSingleClass, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errL := svm.TrainLinear(tt.x, tt.y, svm.LinearConfig{})
			_, errK := svm.TrainKernel(tt.x, tt.y, svm.KernelConfig{})
			for _, err := range []error{errL, errK} {
				assert.ErrorIs(t, err, tt.want)
				var ie *svm.InputError
				if tt.row >= 0 {
					require.ErrorAs(t, err, &ie)
					assert.Equal(t, tt.row, ie.Row)
					assert.Equal(t, tt.col, ie.Col)
				}
			}
		})
	}
	lm, err := svm.TrainLinear(good, labels, svm.LinearConfig{})
	require.NoError(t, err)
	km, err := svm.TrainKernel(good, labels, svm.KernelConfig{})
	require.NoError(t, err)
	for _, m := range []svm.Model{lm, km} {
		_, err := m.Predict([]float64{1})
		assert.ErrorIs(t, err, svm.ErrDimension)
		_, err = m.Predict([]float64{1, math.NaN()})
		assert.ErrorIs(t, err, svm.ErrNonFinite)
		_, err = svm.Accuracy(m, [][]float64{{1, 2}, {1, math.Inf(1)}}, []int{0, 0})
		var ie *svm.InputError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, 1, ie.Row)
	}
}

func TestConfigErrors(t *testing.T) {
	x, y := blobs(20, 2, 2, 1)
	for _, cfg := range []svm.LinearConfig{
		{C: -1}, {C: math.NaN()}, {Eps: -1}, {MaxIter: -1}, {Bias: math.Inf(1)}, {Loss: 9},
		{Multiclass: svm.OneVsOne},
	} {
		_, err := svm.TrainLinear(x, y, cfg)
		assert.ErrorIs(t, err, svm.ErrConfig, "%+v", cfg)
	}
	for _, cfg := range []svm.KernelConfig{
		{C: -1}, {Gamma: -1}, {Degree: 40}, {Eps: math.Inf(1)}, {CacheMB: -1},
		{Kernel: 7}, {Multiclass: svm.CrammerSinger}, {Coef0: math.NaN()},
	} {
		_, err := svm.TrainKernel(x, y, cfg)
		assert.ErrorIs(t, err, svm.ErrConfig, "%+v", cfg)
	}
}

func TestPredictAllocs(t *testing.T) {
	tx, ty, sx, _ := small(1000)
	lm, err := svm.TrainLinear(tx, ty, svm.LinearConfig{})
	require.NoError(t, err)
	cs, err := svm.TrainLinear(tx, ty, svm.LinearConfig{Multiclass: svm.CrammerSinger})
	require.NoError(t, err)
	km, err := svm.TrainKernel(tx, ty, svm.KernelConfig{})
	require.NoError(t, err)
	ovo, err := svm.TrainKernel(tx, ty, svm.KernelConfig{Multiclass: svm.OneVsOne})
	require.NoError(t, err)
	for name, m := range map[string]svm.Model{"linear": lm, "crammer-singer": cs, "rbf": km, "rbf-ovo": ovo} {
		i := 0
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := m.Predict(sx[i%len(sx)]); err != nil {
				t.Fatal(err)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("%s Predict allocs = %v, want 0", name, allocs)
		}
	}
}

func TestDecisionMatchesPredict(t *testing.T) {
	tx, ty, sx, _ := small(1000)
	km, err := svm.TrainKernel(tx, ty, svm.KernelConfig{})
	require.NoError(t, err)
	for _, r := range sx[:50] {
		dv, err := km.Decision(nil, r)
		require.NoError(t, err)
		best := 0
		for c, v := range dv {
			if v > dv[best] {
				best = c
			}
		}
		p, _ := km.Predict(r)
		assert.Equal(t, km.Classes()[best], p)
	}
	// Binary: one machine, positive means Classes()[1].
	x, y := blobs(200, 2, 2, 3)
	bm, err := svm.TrainKernel(x, y, svm.KernelConfig{})
	require.NoError(t, err)
	dv, err := bm.Decision(nil, x[1])
	require.NoError(t, err)
	require.Len(t, dv, 1)
	assert.Greater(t, dv[0], 0.0)
	_ = bytes.Equal
	_ = errors.Is
}
