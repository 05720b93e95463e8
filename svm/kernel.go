package svm

import (
	"fmt"
	"math"
	"slices"
)

// KernelType selects the kernel of a KernelModel.
type KernelType uint8

// Kernels. Features are standardised first unless KernelConfig.NoStandardize is set.
const (
	// KernelRBF is exp(−γ‖a−b‖²). It is the default.
	KernelRBF KernelType = iota
	// KernelLinear is a·b.
	KernelLinear
	// KernelPoly is (γ a·b + coef0)^degree.
	KernelPoly
)

var kernelNames = [...]string{KernelRBF: "rbf", KernelLinear: "linear", KernelPoly: "polynomial"}

// String returns the kernel's name.
func (k KernelType) String() string {
	if int(k) < len(kernelNames) {
		return kernelNames[k]
	}
	return fmt.Sprintf("KernelType(%d)", uint8(k))
}

// KernelConfig configures TrainKernel. The zero value trains an RBF machine with C = 1,
// γ = 1/features, tolerance 0.001, a 100 MB kernel cache, shrinking, standardised
// features and one-vs-rest classes: `svm-train -t 2` on standardised data, except for
// the multi-class strategy. Multiclass: OneVsOne trains as libsvm does, and on the
// benchmark set of this package about twice as fast as one-vs-rest (see the package
// documentation for why one-vs-rest is nevertheless the default).
//
// Training by SMO is deterministic: it has no random choices, so equal data and equal
// configurations give identical models.
type KernelConfig struct {
	Kernel KernelType // default KernelRBF
	// C is the penalty of a margin violation. Default 1.
	C float64
	// Gamma is γ of the RBF and polynomial kernels. Default 1/number of features.
	Gamma float64
	// Degree is the degree of the polynomial kernel. Default 3.
	Degree int
	// Coef0 is the constant of the polynomial kernel. Default 0.
	Coef0 float64
	// Eps is the stopping tolerance on the maximal KKT violation. Default 0.001.
	Eps float64
	// CacheMB bounds the kernel cache in megabytes. Default 100. Machines are trained
	// one after another; one-vs-one and two-class machines each have a cache of this
	// size, and one-vs-rest machines, which all train on every record, share 7/8 of it
	// as rows of the kernel matrix and keep 1/8 each for their own columns.
	CacheMB int
	// NoShrinking turns off the shrinking heuristic.
	NoShrinking bool
	// NoStandardize trains on the features as given instead of standardising them.
	NoStandardize bool
	// Multiclass is OneVsRest (default: one machine and one decision value per class)
	// or OneVsOne (libsvm's strategy: one machine per pair of classes, faster to train
	// when the classes are many or unbalanced).
	Multiclass Multiclass
	// MaxIter bounds the SMO iterations per machine. Default max(10⁷, 100·records).
	MaxIter int
}

func (c KernelConfig) withDefaults(d int) (KernelConfig, error) {
	if c.C == 0 {
		c.C = 1
	}
	if c.Gamma == 0 {
		c.Gamma = 1 / float64(d)
	}
	if c.Degree == 0 {
		c.Degree = 3
	}
	if c.Eps == 0 {
		c.Eps = 0.001
	}
	if c.CacheMB == 0 {
		c.CacheMB = 100
	}
	switch {
	case c.Kernel > KernelPoly:
		return c, fmt.Errorf("%w: Kernel = %v", ErrConfig, c.Kernel)
	case !(c.C > 0) || math.IsInf(c.C, 0):
		return c, fmt.Errorf("%w: C = %v, want > 0", ErrConfig, c.C)
	case !(c.Gamma > 0) || math.IsInf(c.Gamma, 0):
		return c, fmt.Errorf("%w: Gamma = %v, want > 0", ErrConfig, c.Gamma)
	case c.Degree < 1 || c.Degree > 32:
		return c, fmt.Errorf("%w: Degree = %d, want 1 to 32", ErrConfig, c.Degree)
	case math.IsNaN(c.Coef0) || math.IsInf(c.Coef0, 0):
		return c, fmt.Errorf("%w: Coef0 = %v", ErrConfig, c.Coef0)
	case !(c.Eps > 0) || math.IsInf(c.Eps, 0):
		return c, fmt.Errorf("%w: Eps = %v, want > 0", ErrConfig, c.Eps)
	case c.CacheMB < 0:
		return c, fmt.Errorf("%w: CacheMB = %d", ErrConfig, c.CacheMB)
	case c.MaxIter < 0:
		return c, fmt.Errorf("%w: MaxIter = %d", ErrConfig, c.MaxIter)
	case c.Multiclass != OneVsRest && c.Multiclass != OneVsOne:
		return c, fmt.Errorf("%w: Multiclass = %v for a kernel SVM", ErrConfig, c.Multiclass)
	}
	return c, nil
}

// stackMachines is the number of machines whose decision values Predict keeps on the
// stack; models with more allocate one scratch slice per call.
const stackMachines = 64

// KernelModel is a trained kernel SVM. It is read-only after training, so any number
// of goroutines may call its methods at once.
type KernelModel struct {
	classes []int
	d       int
	multi   Multiclass
	kern    kernelFunc
	scale   scaler
	sv      []float64 // support vectors, standardised, d per row
	coef    []float64 // y·α per support vector and machine, machines per row
	rho     []float64 // threshold per machine
	support []int
	evals   int64 // kernel evaluations during training; 0 for a loaded model
}

// machines returns the number of binary machines of a model with k classes.
func machines(multi Multiclass, k int) int {
	switch {
	case k == 2:
		return 1
	case multi == OneVsOne:
		return k * (k - 1) / 2
	}
	return k
}

// TrainKernel trains a kernel SVM on rows x labelled y by SMO. Rows must have equal
// widths and finite values and y must hold at least two labels.
func TrainKernel(x [][]float64, y []int, cfg KernelConfig) (*KernelModel, error) {
	ds, err := newDataset(x, y)
	if err != nil {
		return nil, err
	}
	cfg, err = cfg.withDefaults(ds.d)
	if err != nil {
		return nil, err
	}
	sc := fitScaler(ds, cfg.NoStandardize)
	sc.apply(ds)
	k := len(ds.classes)
	m := &KernelModel{
		classes: ds.classes, d: ds.d, multi: cfg.Multiclass, scale: sc,
		kern: kernelFunc{kind: cfg.Kernel, gamma: cfg.Gamma, coef0: cfg.Coef0, degree: cfg.Degree},
	}
	nm := machines(cfg.Multiclass, k)
	alphas := make([][]float64, nm) // per machine, per dataset row (0 when unused)
	m.rho = make([]float64, nm)
	cacheBytes := cfg.CacheMB << 20
	var shared *kernelRows
	if nm > 1 && cfg.Multiclass == OneVsRest {
		sb, qb := splitBudget(cacheBytes)
		shared = newKernelRows(ds, &m.kern, sb)
		cacheBytes = qb
	}
	train := func(mi int, rows []int, y []int8) {
		a, rho, ev := solveSMO(ds, &m.kern, rows, y, cfg.C, cfg.Eps, cacheBytes, !cfg.NoShrinking, cfg.MaxIter, shared)
		m.evals += ev
		full := make([]float64, ds.n)
		for p, r := range rows {
			full[r] = a[p] * float64(y[p])
		}
		alphas[mi] = full
		m.rho[mi] = rho
	}
	if nm == 1 || cfg.Multiclass == OneVsRest {
		rows := make([]int, ds.n)
		for i := range rows {
			rows[i] = i
		}
		for c := 0; c < nm; c++ {
			pos := c
			if nm == 1 {
				pos = 1
			}
			y := make([]int8, ds.n)
			for i, ci := range ds.cls {
				y[i] = -1
				if ci == pos {
					y[i] = 1
				}
			}
			train(c, rows, y)
		}
	} else {
		mi := 0
		for a := 0; a < k; a++ {
			for b := a + 1; b < k; b++ {
				var rows []int
				var y []int8
				for i, ci := range ds.cls {
					if ci == a || ci == b {
						rows = append(rows, i)
						if ci == b {
							y = append(y, 1)
						} else {
							y = append(y, -1)
						}
					}
				}
				train(mi, rows, y)
				mi++
			}
		}
	}
	if shared != nil {
		m.evals += shared.evals
	}
	for i := 0; i < ds.n; i++ {
		used := false
		for c := 0; c < nm; c++ {
			if alphas[c][i] != 0 {
				used = true
			}
		}
		if !used {
			continue
		}
		m.support = append(m.support, i)
		m.sv = append(m.sv, ds.row(i)...)
		for c := 0; c < nm; c++ {
			m.coef = append(m.coef, alphas[c][i])
		}
	}
	return m, nil
}

// NumFeatures returns the width of the records the model expects.
func (m *KernelModel) NumFeatures() int { return m.d }

// Classes returns the labels the model predicts, in increasing order. The slice is
// shared: do not modify it.
func (m *KernelModel) Classes() []int { return m.classes }

// NumSupport returns the number of support vectors.
func (m *KernelModel) NumSupport() int { return len(m.sv) / max(m.d, 1) }

// SupportIndices returns the indices of the training rows that are support vectors of
// any machine, in increasing order. It is empty for a loaded model. The slice is
// shared: do not modify it.
func (m *KernelModel) SupportIndices() []int { return m.support }

// Multiclass returns the multi-class strategy the model was trained with.
func (m *KernelModel) Multiclass() Multiclass { return m.multi }

// Kernel returns the model's kernel.
func (m *KernelModel) Kernel() KernelType { return m.kern.kind }

// decide writes each machine's decision value for the standardised row xs into acc.
func (m *KernelModel) decide(acc, xs []float64) {
	nm := len(m.rho)
	for c := range acc {
		acc[c] = -m.rho[c]
	}
	d := m.d
	for s := 0; s < len(m.coef)/nm; s++ {
		kv := m.kern.eval(m.sv[s*d:(s+1)*d], xs)
		co := m.coef[s*nm : (s+1)*nm]
		for c, a := range co {
			acc[c] += a * kv
		}
	}
}

// Decision appends the decision value of each binary machine for x to dst. A
// two-class model has one machine, positive for Classes()[1]; a one-vs-rest model has
// one per class; a one-vs-one model has one per pair (a, b), a < b, in order
// (0,1), (0,2), …, (1,2), …, positive for b.
func (m *KernelModel) Decision(dst, x []float64) ([]float64, error) {
	if err := checkRow(0, x, m.d); err != nil {
		return dst, err
	}
	xs := m.scale.Transform(nil, x)
	n := len(dst)
	dst = slices.Grow(dst, len(m.rho))[:n+len(m.rho)]
	m.decide(dst[n:], xs)
	return dst, nil
}

// Predict returns the predicted label of x. It does not allocate when the model has
// at most 64 features and 64 machines.
func (m *KernelModel) Predict(x []float64) (int, error) {
	if err := checkRow(0, x, m.d); err != nil {
		return 0, err
	}
	var xbuf [64]float64
	var xs []float64
	if m.d <= len(xbuf) {
		xs = m.scale.Transform(xbuf[:0], x)
	} else {
		xs = m.scale.Transform(nil, x)
	}
	nm := len(m.rho)
	var abuf [stackMachines]float64
	var acc []float64
	if nm <= stackMachines {
		acc = abuf[:nm]
	} else {
		acc = make([]float64, nm)
	}
	m.decide(acc, xs)
	return m.vote(acc), nil
}

// vote turns decision values into a label.
func (m *KernelModel) vote(acc []float64) int {
	k := len(m.classes)
	if len(acc) == 1 {
		if acc[0] > 0 {
			return m.classes[1]
		}
		return m.classes[0]
	}
	if m.multi != OneVsOne {
		best := 0
		for c, v := range acc {
			if v > acc[best] {
				best = c
			}
		}
		return m.classes[best]
	}
	var vbuf [stackMachines]int
	var votes []int
	if k <= len(vbuf) {
		votes = vbuf[:k]
	} else {
		votes = make([]int, k)
	}
	mi := 0
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			if acc[mi] > 0 {
				votes[b]++
			} else {
				votes[a]++
			}
			mi++
		}
	}
	best := 0
	for c, v := range votes {
		if v > votes[best] {
			best = c
		}
	}
	return m.classes[best]
}

func (*KernelModel) sealed() {}

// splitBudget divides the kernel cache budget of one-vs-rest training: 7/8 for the
// kernel rows the machines share and 1/8 for each machine's own cache of Q columns
// (in its working order, so hits cost nothing). On the benchmark set this split gave
// the fewest kernel evaluations short of giving everything to the shared rows, which
// costs more in copying shared rows into working order than it saves.
func splitBudget(b int) (shared, own int) {
	return b - b/8, b / 8
}
