package svm

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Loss selects the loss of the linear SVM.
type Loss uint8

// Losses.
const (
	// LossL2 is the squared hinge loss (liblinear -s 1, L2-regularised L2-loss dual).
	LossL2 Loss = iota
	// LossL1 is the hinge loss (liblinear -s 3, L2-regularised L1-loss dual).
	LossL1
)

var lossNames = [...]string{LossL2: "l2-loss", LossL1: "l1-loss"}

// String returns the loss's name.
func (l Loss) String() string {
	if int(l) < len(lossNames) {
		return lossNames[l]
	}
	return fmt.Sprintf("Loss(%d)", uint8(l))
}

// Multiclass selects how more than two classes are handled.
type Multiclass uint8

// Multi-class strategies.
const (
	// OneVsRest trains one machine per class against all other classes and predicts
	// the class with the largest decision value. It is the default.
	OneVsRest Multiclass = iota
	// CrammerSinger trains all classes jointly (Crammer and Singer's formulation,
	// liblinear -s 4). Linear SVM only.
	CrammerSinger
	// OneVsOne trains one machine per pair of classes and predicts by vote (libsvm's
	// strategy). Kernel SVM only.
	OneVsOne
)

var multiNames = [...]string{OneVsRest: "one-vs-rest", CrammerSinger: "crammer-singer", OneVsOne: "one-vs-one"}

// String returns the strategy's name.
func (m Multiclass) String() string {
	if int(m) < len(multiNames) {
		return multiNames[m]
	}
	return fmt.Sprintf("Multiclass(%d)", uint8(m))
}

// LinearConfig configures TrainLinear. The zero value trains an L2-loss one-vs-rest
// machine with C = 1, a bias feature of 1 and standardised features, like
// `liblinear-train -s 1 -B 1` on standardised data.
type LinearConfig struct {
	Loss       Loss       // default LossL2; ignored by CrammerSinger
	Multiclass Multiclass // OneVsRest (default) or CrammerSinger
	// C is the penalty of a margin violation. Default 1.
	C float64
	// Eps is the stopping tolerance on the projected gradient. Default 0.1 (liblinear's).
	Eps float64
	// MaxIter bounds the passes over the data per machine (for CrammerSinger, ten
	// times as many). Default 1000.
	MaxIter int
	// Bias is the value of the constant feature appended to every record, whose weight
	// is the intercept (liblinear -B). Default 1.
	Bias float64
	// NoBias drops the constant feature: the decision function passes through the origin.
	NoBias bool
	// NoStandardize trains on the features as given instead of standardising them.
	NoStandardize bool
	// Seed seeds the order in which coordinates are visited. Equal seeds and equal data
	// give identical models.
	Seed uint64
}

func (c LinearConfig) withDefaults() (LinearConfig, error) {
	if c.C == 0 {
		c.C = 1
	}
	if c.Eps == 0 {
		c.Eps = 0.1
	}
	if c.MaxIter == 0 {
		c.MaxIter = 1000
	}
	if c.Bias == 0 {
		c.Bias = 1
	}
	if c.NoBias {
		c.Bias = 0
	}
	switch {
	case !(c.C > 0) || math.IsInf(c.C, 0):
		return c, fmt.Errorf("%w: C = %v, want > 0", ErrConfig, c.C)
	case !(c.Eps > 0) || math.IsInf(c.Eps, 0):
		return c, fmt.Errorf("%w: Eps = %v, want > 0", ErrConfig, c.Eps)
	case c.MaxIter < 0:
		return c, fmt.Errorf("%w: MaxIter = %d, want >= 0", ErrConfig, c.MaxIter)
	case math.IsNaN(c.Bias) || math.IsInf(c.Bias, 0):
		return c, fmt.Errorf("%w: Bias = %v", ErrConfig, c.Bias)
	case c.Loss > LossL1:
		return c, fmt.Errorf("%w: Loss = %v", ErrConfig, c.Loss)
	case c.Multiclass != OneVsRest && c.Multiclass != CrammerSinger:
		return c, fmt.Errorf("%w: Multiclass = %v for a linear SVM", ErrConfig, c.Multiclass)
	}
	return c, nil
}

// LinearModel is a trained linear SVM. Its weights act on the features as given: the
// standardisation used in training is folded into them. A LinearModel is read-only
// after training, so any number of goroutines may call its methods at once.
type LinearModel struct {
	classes []int
	d       int
	multi   Multiclass
	// w holds one row of d weights and an intercept per machine. A two-class
	// one-vs-rest model has one machine, positive for classes[1].
	w       []float64
	support []int
}

// TrainLinear trains a linear SVM on rows x labelled y by dual coordinate descent.
// Rows must have equal widths and finite values and y must hold at least two labels.
func TrainLinear(x [][]float64, y []int, cfg LinearConfig) (*LinearModel, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ds, err := newDataset(x, y)
	if err != nil {
		return nil, err
	}
	sc := fitScaler(ds, cfg.NoStandardize)
	sc.apply(ds)
	m := &LinearModel{classes: ds.classes, d: ds.d, multi: cfg.Multiclass}
	k := len(ds.classes)
	sup := make([]bool, ds.n)
	var wz []float64 // machines in scaled space, d+1 each
	switch {
	case cfg.Multiclass == CrammerSinger:
		wz = solveCS(ds, cfg, sup)
	default:
		nm := k
		if k == 2 {
			nm = 1
		}
		yb := make([]int8, ds.n)
		xb := withBias(ds, cfg.Bias)
		for c := 0; c < nm; c++ {
			pos := c
			if k == 2 {
				pos = 1
			}
			for i, ci := range ds.cls {
				if ci == pos {
					yb[i] = 1
				} else {
					yb[i] = -1
				}
			}
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(c)+0x9e3779b97f4a7c15))
			wz = append(wz, solveDCD(xb, ds.n, ds.d, yb, cfg, rng, sup)...)
		}
	}
	// Fold the standardisation and the bias feature into raw-space weights.
	d := ds.d
	nm := len(wz) / (d + 1)
	m.w = make([]float64, nm*(d+1))
	for c := 0; c < nm; c++ {
		src := wz[c*(d+1) : (c+1)*(d+1)]
		dst := m.w[c*(d+1) : (c+1)*(d+1)]
		b := src[d] * cfg.Bias
		for j := 0; j < d; j++ {
			dst[j] = src[j] * sc.Inv[j]
			b -= dst[j] * sc.Mean[j]
		}
		dst[d] = b
	}
	for i, s := range sup {
		if s {
			m.support = append(m.support, i)
		}
	}
	return m, nil
}

// fastRand is a small xorshift64* generator seeded from the configuration's PCG. The
// coordinate order only needs to be well mixed and reproducible.
type fastRand uint64

// intn returns a value in [0, n) by Lemire's multiply-shift reduction.
func (r *fastRand) intn(n int) int {
	x := uint64(*r)
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	*r = fastRand(x)
	hi, _ := bits.Mul64(x*2685821657736338717, uint64(n))
	return int(hi)
}

func newFastRand(rng *rand.Rand) *fastRand {
	r := fastRand(rng.Uint64() | 1)
	return &r
}

// withBias returns the rows of ds with the bias feature B appended, d+1 values each.
func withBias(ds *dataset, B float64) []float64 {
	d := ds.d
	xb := make([]float64, 0, ds.n*(d+1))
	for i := 0; i < ds.n; i++ {
		xb = append(xb, ds.row(i)...)
		xb = append(xb, B)
	}
	return xb
}

// solveDCD solves the dual of one binary L1- or L2-loss SVM by coordinate descent with
// shrinking (Hsieh et al., ICML 2008). xb holds the rows with the bias feature
// appended. It returns d weights and the weight of the bias feature, and marks rows
// with a nonzero dual variable in sup.
func solveDCD(xb []float64, n, d int, yb []int8, cfg LinearConfig, rng *rand.Rand, sup []bool) []float64 {
	dw := d + 1
	w := make([]float64, dw)
	alpha := make([]float64, n)
	qd := make([]float64, n)
	index := make([]int, n)
	diag, upper := 0.0, cfg.C
	if cfg.Loss == LossL2 {
		diag, upper = 0.5/cfg.C, math.Inf(1)
	}
	for i := 0; i < n; i++ {
		s := diag
		for _, v := range xb[i*dw : (i+1)*dw] {
			s += v * v
		}
		qd[i] = s
		index[i] = i
	}
	fr := newFastRand(rng)
	active := n
	pgMaxOld, pgMinOld := math.Inf(1), math.Inf(-1)
	for iter := 0; iter < cfg.MaxIter; iter++ {
		pgMaxNew, pgMinNew := math.Inf(-1), math.Inf(1)
		for i := 0; i < active; i++ {
			j := i + fr.intn(active-i)
			index[i], index[j] = index[j], index[i]
		}
		for s := 0; s < active; s++ {
			i := index[s]
			r := xb[i*dw : (i+1)*dw : (i+1)*dw]
			w := w[:len(r)]
			yi := float64(yb[i])
			g := 0.0
			for j, v := range r {
				g += w[j] * v
			}
			ai := alpha[i]
			g = g*yi - 1 + diag*ai
			pg := 0.0
			switch {
			case ai == 0:
				if g > pgMaxOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
				if g < 0 {
					pg = g
				}
			case ai == upper:
				if g < pgMinOld {
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
				if g > 0 {
					pg = g
				}
			default:
				pg = g
			}
			if pg > pgMaxNew {
				pgMaxNew = pg
			}
			if pg < pgMinNew {
				pgMinNew = pg
			}
			if pg > 1e-12 || pg < -1e-12 {
				na := ai - g/qd[i]
				if na < 0 {
					na = 0
				} else if na > upper {
					na = upper
				}
				alpha[i] = na
				step := (na - ai) * yi
				for j, v := range r {
					w[j] += step * v
				}
			}
		}
		if pgMaxNew-pgMinNew <= cfg.Eps {
			if active == n {
				break
			}
			active = n
			pgMaxOld, pgMinOld = math.Inf(1), math.Inf(-1)
			continue
		}
		pgMaxOld, pgMinOld = pgMaxNew, pgMinNew
		if pgMaxOld <= 0 {
			pgMaxOld = math.Inf(1)
		}
		if pgMinOld >= 0 {
			pgMinOld = math.Inf(-1)
		}
	}
	for i, a := range alpha {
		if a > 0 {
			sup[i] = true
		}
	}
	return w
}

// solveCS solves the Crammer-Singer multi-class dual by the sequential dual method of
// Keerthi et al. (KDD 2008), with shrinking. It returns k rows of d weights and a bias
// weight, and marks rows with a nonzero dual variable in sup.
func solveCS(ds *dataset, cfg LinearConfig, sup []bool) []float64 {
	n, d, k := ds.n, ds.d, len(ds.classes)
	B := cfg.Bias
	C := cfg.C
	dw := d + 1
	w := make([]float64, k*dw)
	alpha := make([]float64, n*k)
	alphaIdx := make([]int, n*k)
	activeI := make([]int, n)
	yIdx := make([]int, n)
	qd := make([]float64, n)
	index := make([]int, n)
	g := make([]float64, k)
	bb := make([]float64, k)
	dd := make([]float64, k)
	alphaNew := make([]float64, k)
	dInd := make([]int, k)
	dVal := make([]float64, k)
	for i := 0; i < n; i++ {
		s := B * B
		for _, v := range ds.row(i) {
			s += v * v
		}
		qd[i] = s
		index[i] = i
		activeI[i] = k
		yIdx[i] = ds.cls[i]
		for m := 0; m < k; m++ {
			alphaIdx[i*k+m] = m
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5cc5))
	active := n
	epsShrink := max(10*cfg.Eps, 1.0)
	startFromAll := true
	shrunk := func(m, yi int, a, minG float64) bool {
		bound := 0.0
		if m == yi {
			bound = C
		}
		return a == bound && g[m] < minG
	}
	for iter := 0; iter < cfg.MaxIter*10; iter++ {
		stopping := math.Inf(-1)
		for i := 0; i < active; i++ {
			j := i + rng.IntN(active-i)
			index[i], index[j] = index[j], index[i]
		}
		for s := 0; s < active; s++ {
			i := index[s]
			ai := qd[i]
			al := alpha[i*k : (i+1)*k]
			ax := alphaIdx[i*k : (i+1)*k]
			r := ds.row(i)
			if ai <= 0 {
				continue
			}
			na := activeI[i]
			for m := 0; m < na; m++ {
				g[m] = 1
			}
			if yIdx[i] < na {
				g[yIdx[i]] = 0
			}
			for m := 0; m < na; m++ {
				wm := w[ax[m]*dw : (ax[m]+1)*dw]
				s := wm[d] * B
				for j, v := range r {
					s += wm[j] * v
				}
				g[m] += s
			}
			minG, maxG := math.Inf(1), math.Inf(-1)
			for m := 0; m < na; m++ {
				if al[ax[m]] < 0 && g[m] < minG {
					minG = g[m]
				}
				maxG = max(maxG, g[m])
			}
			if yIdx[i] < na && al[ds.cls[i]] < C && g[yIdx[i]] < minG {
				minG = g[yIdx[i]]
			}
			for m := 0; m < activeI[i]; m++ {
				if !shrunk(m, yIdx[i], al[ax[m]], minG) {
					continue
				}
				activeI[i]--
				for activeI[i] > m {
					t := activeI[i]
					if !shrunk(t, yIdx[i], al[ax[t]], minG) {
						ax[m], ax[t] = ax[t], ax[m]
						g[m], g[t] = g[t], g[m]
						if yIdx[i] == m {
							yIdx[i] = t
						} else if yIdx[i] == t {
							yIdx[i] = m
						}
						break
					}
					activeI[i]--
				}
			}
			na = activeI[i]
			if na <= 1 {
				active--
				index[s], index[active] = index[active], index[s]
				s--
				continue
			}
			if maxG-minG <= 1e-12 {
				continue
			}
			stopping = max(stopping, maxG-minG)
			for m := 0; m < na; m++ {
				bb[m] = g[m] - ai*al[ax[m]]
			}
			csSubproblem(ai, yIdx[i], C, na, bb, dd, alphaNew)
			nz := 0
			for m := 0; m < na; m++ {
				delta := alphaNew[m] - al[ax[m]]
				al[ax[m]] = alphaNew[m]
				if math.Abs(delta) >= 1e-12 {
					dInd[nz] = ax[m]
					dVal[nz] = delta
					nz++
				}
			}
			for z := 0; z < nz; z++ {
				wm := w[dInd[z]*dw : (dInd[z]+1)*dw]
				for j, v := range r {
					wm[j] += dVal[z] * v
				}
				wm[d] += dVal[z] * B
			}
		}
		if stopping < epsShrink {
			if stopping < cfg.Eps && startFromAll {
				break
			}
			active = n
			for i := range activeI {
				activeI[i] = k
			}
			epsShrink = max(epsShrink/2, cfg.Eps)
			startFromAll = true
		} else {
			startFromAll = false
		}
	}
	for i := 0; i < n; i++ {
		for m := 0; m < k; m++ {
			if alpha[i*k+m] != 0 {
				sup[i] = true
			}
		}
	}
	return w
}

// csSubproblem solves the Crammer-Singer sub-problem of one record over its na active
// classes (yi is the position of the record's own class, or >= na when it is inactive).
func csSubproblem(ai float64, yi int, c float64, na int, bb, dd, out []float64) {
	copy(dd, bb[:na])
	if yi < na {
		dd[yi] += ai * c
	}
	slices.SortFunc(dd[:na], func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	beta := dd[0] - ai*c
	r := 1
	for ; r < na && beta < float64(r)*dd[r]; r++ {
		beta += dd[r]
	}
	beta /= float64(r)
	for m := 0; m < na; m++ {
		v := (beta - bb[m]) / ai
		if m == yi {
			out[m] = min(c, v)
		} else {
			out[m] = min(0, v)
		}
	}
}

// NumFeatures returns the width of the records the model expects.
func (m *LinearModel) NumFeatures() int { return m.d }

// Classes returns the labels the model predicts, in increasing order. The slice is
// shared: do not modify it.
func (m *LinearModel) Classes() []int { return m.classes }

// SupportIndices returns the indices of the training rows with a nonzero dual variable
// in any machine, in increasing order. It is empty for a loaded model. The slice is
// shared: do not modify it.
func (m *LinearModel) SupportIndices() []int { return m.support }

// Multiclass returns the multi-class strategy the model was trained with.
func (m *LinearModel) Multiclass() Multiclass { return m.multi }

// Decision appends the model's decision values for x to dst: one value for a
// two-class one-vs-rest model (positive means Classes()[1]), else one per class.
func (m *LinearModel) Decision(dst, x []float64) ([]float64, error) {
	if err := checkRow(0, x, m.d); err != nil {
		return dst, err
	}
	dw := m.d + 1
	for c := 0; c < len(m.w)/dw; c++ {
		dst = append(dst, dot1(m.w[c*dw:(c+1)*dw], x))
	}
	return dst, nil
}

func dot1(w, x []float64) float64 {
	s := w[len(x)]
	for j, v := range x {
		s += w[j] * v
	}
	return s
}

// Predict returns the predicted label of x. It does not allocate.
func (m *LinearModel) Predict(x []float64) (int, error) {
	if err := checkRow(0, x, m.d); err != nil {
		return 0, err
	}
	dw := m.d + 1
	nm := len(m.w) / dw
	if nm == 1 {
		if dot1(m.w, x) > 0 {
			return m.classes[1], nil
		}
		return m.classes[0], nil
	}
	best, bestV := 0, math.Inf(-1)
	for c := 0; c < nm; c++ {
		if v := dot1(m.w[c*dw:(c+1)*dw], x); v > bestV {
			best, bestV = c, v
		}
	}
	return m.classes[best], nil
}

func (*LinearModel) sealed() {}
