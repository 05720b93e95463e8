package svm

import (
	"math"
)

// Alpha bounds of the SMO solver.
const (
	atLower uint8 = iota
	atUpper
	isFree
)

// tau replaces a non-positive curvature in the working-set update (libsvm's TAU).
const tau = 1e-12

// kernelFunc evaluates the kernel on two rows of the (standardised) dataset.
type kernelFunc struct {
	kind   KernelType
	gamma  float64
	coef0  float64
	degree int
}

func (k *kernelFunc) eval(a, b []float64) float64 {
	switch k.kind {
	case KernelLinear:
		return dot(a, b)
	case KernelPoly:
		return powi(k.gamma*dot(a, b)+k.coef0, k.degree)
	default:
		s := 0.0
		for j, v := range a {
			d := v - b[j]
			s += d * d
		}
		return expNeg(-k.gamma * s)
	}
}

// Constants of expNeg: log2(e) and ln(2) split into a high part exact in a few bits
// and the low remainder.
const (
	log2e = 1.44269504088896340735992468100189214
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
)

// expNeg returns e^x for x <= 0 with a relative error below 1e-8, well inside the
// float32 precision of the kernel cache, and faster than math.Exp. It splits x into
// k·ln2 + r, |r| <= ln2/2, and evaluates a degree-8 Taylor polynomial for e^r.
func expNeg(x float64) float64 {
	if !(x > -708) {
		return 0
	}
	if x > 0 {
		return math.Exp(x)
	}
	k := float64(int64(x*log2e - 0.5)) // round to nearest for x <= 0
	r := x - k*ln2Hi - k*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320))))))))
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}

// expNegs replaces each z[j] by expNeg(z[j]), with identical results. Working on a
// slice avoids a call per value and lets the processor overlap the polynomials of
// neighbouring values.
func expNegs(z []float64) {
	for j, x := range z {
		switch {
		case !(x > -708):
			z[j] = 0
		case x > 0:
			z[j] = math.Exp(x)
		default:
			k := float64(int64(x*log2e - 0.5))
			r := x - k*ln2Hi - k*ln2Lo
			p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320))))))))
			z[j] = p * math.Float64frombits(uint64(int64(k)+1023)<<52)
		}
	}
}

// rbfRow sets z[j-start] = −γ‖xr − x_j‖² for the rows j = start, … of x (d values
// each) and then e to that power, so z[j-start] = K_RBF(xr, x_j).
func rbfRow(z, xr, x []float64, d, start int, gamma float64) {
	g := -gamma
	if d == 4 { // the biosignal records: unrolled, same order of additions
		x0, x1, x2, x3 := xr[0], xr[1], xr[2], xr[3]
		x = x[start*4 : (start+len(z))*4]
		for p := range z {
			xj := x[p*4 : p*4+4 : p*4+4]
			e0, e1, e2, e3 := x0-xj[0], x1-xj[1], x2-xj[2], x3-xj[3]
			z[p] = g * (0 + e0*e0 + e1*e1 + e2*e2 + e3*e3)
		}
		expNegs(z)
		return
	}
	for p := range z {
		j := start + p
		xj := x[j*d : (j+1)*d : (j+1)*d]
		sum := 0.0
		for t, v := range xr {
			e := v - xj[t]
			sum += e * e
		}
		z[p] = g * sum
	}
	expNegs(z)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for j, v := range a {
		s += v * b[j]
	}
	return s
}

func powi(base float64, n int) float64 {
	r := 1.0
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			r *= base
		}
		base *= base
	}
	return r
}

// cache keeps recently used columns of Q (by working position) within a budget of
// float32 values, evicting the least recently used column first. It follows libsvm's
// design, including the swap that shrinking needs.
type cache struct {
	data       [][]float32
	prev, next []int // LRU ring; index len(data) is the sentinel
	budget     int   // float32 values still free
}

func newCache(l int, budgetBytes int) *cache {
	c := &cache{
		data:   make([][]float32, l),
		prev:   make([]int, l+1),
		next:   make([]int, l+1),
		budget: max(budgetBytes/4, 2*l),
	}
	c.prev[l], c.next[l] = l, l
	return c
}

func (c *cache) unlink(i int) {
	c.next[c.prev[i]] = c.next[i]
	c.prev[c.next[i]] = c.prev[i]
}

func (c *cache) link(i int) { // insert as most recently used
	s := len(c.data)
	c.next[i] = s
	c.prev[i] = c.prev[s]
	c.next[c.prev[i]] = i
	c.prev[s] = i
}

// get returns column i with at least n entries and the number of leading entries that
// were already filled.
func (c *cache) get(i, n int) ([]float32, int) {
	have := len(c.data[i])
	if have > 0 {
		c.unlink(i)
	}
	if more := n - have; more > 0 {
		s := len(c.data)
		for c.budget < more {
			old := c.next[s]
			c.unlink(old)
			c.budget += len(c.data[old])
			c.data[old] = nil
		}
		col := make([]float32, n)
		copy(col, c.data[i])
		c.data[i] = col
		c.budget -= more
	} else {
		n = have
	}
	c.link(i)
	return c.data[i], have
}

func (c *cache) swap(i, j int) {
	if i == j {
		return
	}
	if len(c.data[i]) > 0 {
		c.unlink(i)
	}
	if len(c.data[j]) > 0 {
		c.unlink(j)
	}
	c.data[i], c.data[j] = c.data[j], c.data[i]
	if len(c.data[i]) > 0 {
		c.link(i)
	}
	if len(c.data[j]) > 0 {
		c.link(j)
	}
	if i > j {
		i, j = j, i
	}
	s := len(c.data)
	for h := c.next[s]; h != s; {
		nx := c.next[h]
		if col := c.data[h]; len(col) > i {
			if len(col) > j {
				col[i], col[j] = col[j], col[i]
			} else {
				c.unlink(h)
				c.budget += len(col)
				c.data[h] = nil
			}
		}
		h = nx
	}
}

// smo solves the binary C-SVC dual
//
//	min ½ αᵀQα − eᵀα  subject to  0 ≤ α ≤ C, yᵀα = 0,  Q_ij = y_i y_j K(x_i, x_j)
//
// by sequential minimal optimisation with second-order working-set selection (Fan, Chen
// and Lin, JMLR 2005), shrinking and a kernel cache, as libsvm does.
type smo struct {
	l      int
	ds     *dataset
	k      *kernelFunc
	rows   []int     // working position -> dataset row
	x      []float64 // rows in working order, d values each
	d      int
	y      []int8
	alpha  []float64
	g      []float64
	gbar   []float64
	status []uint8
	qd     []float64
	c      float64
	eps    float64
	active int
	shrink bool
	unshr  bool
	cache  *cache
	z      []float64   // scratch column
	shared *kernelRows // kernel rows shared with other machines, or nil
	next   nextI       // first index of the next working set, found by update
	evals  int64       // kernel evaluations of this solver (not counting shared)
}

func (s *smo) q(i, n int) []float32 {
	col, start := s.cache.get(i, n)
	if start >= n {
		return col[:n]
	}
	col = col[:n]
	if s.shared != nil {
		// Q_ij = y_i y_j K_ij: the sign flip is exact in float32, so the column equals
		// the one computed below.
		kr := s.shared.row(s.rows[i])
		rows, y, yi := s.rows[:n], s.y[:n], s.y[i]
		for j := start; j < n; j++ {
			v := kr[rows[j]]
			if y[j] != yi {
				v = -v
			}
			col[j] = v
		}
		return col
	}
	s.evals += int64(n - start)
	d := s.d
	xi := s.x[i*d : (i+1)*d : (i+1)*d]
	yi := float64(s.y[i])
	y := s.y[:n]
	if s.k.kind == KernelRBF {
		z := s.z[:n-start]
		rbfRow(z, xi, s.x, d, start, s.k.gamma)
		for p, v := range z {
			if y[start+p] != s.y[i] {
				v = -v
			}
			col[start+p] = float32(v)
		}
		return col
	}
	for j := start; j < n; j++ {
		col[j] = float32(yi * float64(y[j]) * s.k.eval(xi, s.x[j*d:(j+1)*d]))
	}
	return col
}

// kernelRows keeps rows of the kernel matrix K(x_r, x_j) over a whole dataset, in
// dataset order, keyed by dataset row, within a memory budget (least recently used
// rows go first). The binary machines of one-vs-rest training all solve on the same
// records with the same kernel and differ only in labels, so they share one kernelRows
// and most kernel values are computed once instead of once per machine.
type kernelRows struct {
	ds    *dataset
	k     *kernelFunc
	c     *cache
	z     []float64 // scratch row
	evals int64     // kernel evaluations so far
}

func newKernelRows(ds *dataset, k *kernelFunc, budgetBytes int) *kernelRows {
	return &kernelRows{ds: ds, k: k, c: newCache(ds.n, budgetBytes), z: make([]float64, ds.n)}
}

// row returns K(x_r, x_j) for every dataset row j. The slice is valid until the next
// call.
func (kr *kernelRows) row(r int) []float32 {
	n, d := kr.ds.n, kr.ds.d
	col, start := kr.c.get(r, n)
	if start >= n {
		return col
	}
	kr.evals += int64(n - start)
	x := kr.ds.x
	xr := x[r*d : (r+1)*d : (r+1)*d]
	if kr.k.kind == KernelRBF {
		z := kr.z[:n-start]
		rbfRow(z, xr, x, d, start, kr.k.gamma)
		for p, v := range z {
			col[start+p] = float32(v)
		}
		return col
	}
	for j := start; j < n; j++ {
		col[j] = float32(kr.k.eval(xr, x[j*d:(j+1)*d]))
	}
	return col
}

func (s *smo) setStatus(i int) {
	switch {
	case s.alpha[i] >= s.c:
		s.status[i] = atUpper
	case s.alpha[i] <= 0:
		s.status[i] = atLower
	default:
		s.status[i] = isFree
	}
}

func (s *smo) swap(i, j int) {
	s.cache.swap(i, j)
	s.rows[i], s.rows[j] = s.rows[j], s.rows[i]
	for t := 0; t < s.d; t++ {
		s.x[i*s.d+t], s.x[j*s.d+t] = s.x[j*s.d+t], s.x[i*s.d+t]
	}
	s.y[i], s.y[j] = s.y[j], s.y[i]
	s.alpha[i], s.alpha[j] = s.alpha[j], s.alpha[i]
	s.g[i], s.g[j] = s.g[j], s.g[i]
	s.gbar[i], s.gbar[j] = s.gbar[j], s.gbar[i]
	s.status[i], s.status[j] = s.status[j], s.status[i]
	s.qd[i], s.qd[j] = s.qd[j], s.qd[i]
}

// nextI is the first index of a working set (the maximal violator) and its gradient
// value, valid until the gradient, the statuses or the active set change.
type nextI struct {
	gmax  float64
	i     int
	valid bool
}

// solveSMO trains one binary machine on the dataset rows given, labelled y (+1/-1).
// It returns the dual variables in the order of rows and the threshold rho.
//
// When shared is not nil, rows must be every dataset row in order, and kernel values
// come from shared instead of being computed. The third result is the number of kernel
// evaluations the solver made itself.
func solveSMO(ds *dataset, k *kernelFunc, rows []int, y []int8, c, eps float64, cacheBytes int, shrink bool, maxIter int, shared *kernelRows) ([]float64, float64, int64) {
	l := len(rows)
	s := &smo{
		l: l, ds: ds, k: k, c: c, eps: eps, shrink: shrink, shared: shared,
		rows:   append([]int(nil), rows...),
		y:      append([]int8(nil), y...),
		alpha:  make([]float64, l),
		g:      make([]float64, l),
		gbar:   make([]float64, l),
		status: make([]uint8, l),
		qd:     make([]float64, l),
		active: l,
		cache:  newCache(l, cacheBytes),
		z:      make([]float64, l),
		d:      ds.d,
		x:      make([]float64, 0, l*ds.d),
	}
	for i := 0; i < l; i++ {
		s.x = append(s.x, ds.row(rows[i])...)
	}
	for i := 0; i < l; i++ {
		r := ds.row(rows[i])
		s.qd[i] = float64(float32(k.eval(r, r)))
		s.g[i] = -1
	}
	if maxIter <= 0 {
		maxIter = max(10_000_000, 100*l)
	}
	counter := min(l, 1000) + 1
	for iter := 0; iter < maxIter; iter++ {
		counter--
		if counter == 0 {
			counter = min(l, 1000)
			if s.shrink {
				s.next.valid = false
				s.doShrinking()
			}
		}
		i, j, ok := s.selectWorkingSet()
		if !ok {
			s.next.valid = false
			s.reconstructGradient()
			s.active = l
			i, j, ok = s.selectWorkingSet()
			if !ok {
				break
			}
			counter = 1
		}
		s.update(i, j)
	}
	if s.active < l {
		s.reconstructGradient()
		s.active = l
	}
	rho := s.rho()
	out := make([]float64, l)
	pos := make(map[int]int, l)
	for p, r := range rows {
		pos[r] = p
	}
	for i := 0; i < l; i++ {
		out[pos[s.rows[i]]] = s.alpha[i]
	}
	return out, rho, s.evals + int64(l)
}

func (s *smo) selectWorkingSet() (int, int, bool) {
	gmax, gmax2 := math.Inf(-1), math.Inf(-1)
	gmaxIdx, gminIdx := -1, -1
	objMin := math.Inf(1)
	if s.next.valid {
		gmax, gmaxIdx = s.next.gmax, s.next.i
		s.next.valid = false
	} else {
		for t := 0; t < s.active; t++ {
			if s.y[t] == 1 {
				if s.status[t] != atUpper && -s.g[t] >= gmax {
					gmax, gmaxIdx = -s.g[t], t
				}
			} else if s.status[t] != atLower && s.g[t] >= gmax {
				gmax, gmaxIdx = s.g[t], t
			}
		}
	}
	i := gmaxIdx
	if i < 0 {
		return 0, 0, false
	}
	qi := s.q(i, s.active)
	yi := float64(s.y[i])
	for j := 0; j < s.active; j++ {
		var gd, quad float64
		if s.y[j] == 1 {
			if s.status[j] == atLower {
				continue
			}
			gd = gmax + s.g[j]
			gmax2 = max(gmax2, s.g[j])
			if gd <= 0 {
				continue
			}
			quad = s.qd[i] + s.qd[j] - 2*yi*float64(qi[j])
		} else {
			if s.status[j] == atUpper {
				continue
			}
			gd = gmax - s.g[j]
			gmax2 = max(gmax2, -s.g[j])
			if gd <= 0 {
				continue
			}
			quad = s.qd[i] + s.qd[j] + 2*yi*float64(qi[j])
		}
		if quad <= 0 {
			quad = tau
		}
		if obj := -(gd * gd) / quad; obj <= objMin {
			gminIdx, objMin = j, obj
		}
	}
	if gmax+gmax2 < s.eps || gminIdx < 0 {
		return 0, 0, false
	}
	return i, gminIdx, true
}

func (s *smo) update(i, j int) {
	qi := s.q(i, s.active)
	qj := s.q(j, s.active)
	c := s.c
	oi, oj := s.alpha[i], s.alpha[j]
	ai, aj := oi, oj
	if s.y[i] != s.y[j] {
		quad := s.qd[i] + s.qd[j] + 2*float64(qi[j])
		if quad <= 0 {
			quad = tau
		}
		delta := (-s.g[i] - s.g[j]) / quad
		diff := ai - aj
		ai += delta
		aj += delta
		if diff > 0 {
			if aj < 0 {
				aj, ai = 0, diff
			}
		} else if ai < 0 {
			ai, aj = 0, -diff
		}
		if diff > 0 {
			if ai > c {
				ai, aj = c, c-diff
			}
		} else if aj > c {
			aj, ai = c, c+diff
		}
	} else {
		quad := s.qd[i] + s.qd[j] - 2*float64(qi[j])
		if quad <= 0 {
			quad = tau
		}
		delta := (s.g[i] - s.g[j]) / quad
		sum := ai + aj
		ai -= delta
		aj += delta
		if sum > c {
			if ai > c {
				ai, aj = c, sum-c
			}
		} else if aj < 0 {
			aj, ai = 0, sum
		}
		if sum > c {
			if aj > c {
				aj, ai = c, sum-c
			}
		} else if ai < 0 {
			ai, aj = 0, sum
		}
	}
	s.alpha[i], s.alpha[j] = ai, aj
	di, dj := ai-oi, aj-oj
	ui, uj := s.status[i] == atUpper, s.status[j] == atUpper
	s.setStatus(i)
	s.setStatus(j)
	// Update the gradient and, in the same pass, find the first index of the next
	// working set exactly as selectWorkingSet would.
	gmax, gmaxIdx := math.Inf(-1), -1
	g, y, st := s.g[:s.active], s.y[:s.active], s.status[:s.active]
	qi, qj = qi[:len(g)], qj[:len(g)]
	for t := range g {
		v := g[t] + (float64(qi[t])*di + float64(qj[t])*dj)
		g[t] = v
		if y[t] == 1 {
			if st[t] != atUpper && -v >= gmax {
				gmax, gmaxIdx = -v, t
			}
		} else if st[t] != atLower && v >= gmax {
			gmax, gmaxIdx = v, t
		}
	}
	s.next = nextI{gmax: gmax, i: gmaxIdx, valid: true}
	if ui != (s.status[i] == atUpper) {
		s.moveGbar(i, ui)
	}
	if uj != (s.status[j] == atUpper) {
		s.moveGbar(j, uj)
	}
}

// moveGbar updates Ḡ (the gradient part owed to upper-bounded alphas) when alpha i
// enters or leaves the upper bound.
func (s *smo) moveGbar(i int, wasUpper bool) {
	qi := s.q(i, s.l)
	f := s.c
	if wasUpper {
		f = -f
	}
	for t := 0; t < s.l; t++ {
		s.gbar[t] += f * float64(qi[t])
	}
}

func (s *smo) reconstructGradient() {
	if s.active == s.l {
		return
	}
	for t := s.active; t < s.l; t++ {
		s.g[t] = s.gbar[t] - 1
	}
	nFree := 0
	for t := 0; t < s.active; t++ {
		if s.status[t] == isFree {
			nFree++
		}
	}
	if nFree*s.l > 2*s.active*(s.l-s.active) {
		for i := s.active; i < s.l; i++ {
			qi := s.q(i, s.active)
			for t := 0; t < s.active; t++ {
				if s.status[t] == isFree {
					s.g[i] += s.alpha[t] * float64(qi[t])
				}
			}
		}
	} else {
		for i := 0; i < s.active; i++ {
			if s.status[i] != isFree {
				continue
			}
			qi := s.q(i, s.l)
			a := s.alpha[i]
			for t := s.active; t < s.l; t++ {
				s.g[t] += a * float64(qi[t])
			}
		}
	}
}

func (s *smo) beShrunk(i int, gmax1, gmax2 float64) bool {
	switch s.status[i] {
	case atUpper:
		if s.y[i] == 1 {
			return -s.g[i] > gmax1
		}
		return -s.g[i] > gmax2
	case atLower:
		if s.y[i] == 1 {
			return s.g[i] > gmax2
		}
		return s.g[i] > gmax1
	}
	return false
}

func (s *smo) doShrinking() {
	gmax1, gmax2 := math.Inf(-1), math.Inf(-1)
	for i := 0; i < s.active; i++ {
		if s.y[i] == 1 {
			if s.status[i] != atUpper {
				gmax1 = max(gmax1, -s.g[i])
			}
			if s.status[i] != atLower {
				gmax2 = max(gmax2, s.g[i])
			}
		} else {
			if s.status[i] != atUpper {
				gmax2 = max(gmax2, -s.g[i])
			}
			if s.status[i] != atLower {
				gmax1 = max(gmax1, s.g[i])
			}
		}
	}
	if !s.unshr && gmax1+gmax2 <= s.eps*10 {
		s.unshr = true
		s.reconstructGradient()
		s.active = s.l
	}
	for i := 0; i < s.active; i++ {
		if !s.beShrunk(i, gmax1, gmax2) {
			continue
		}
		s.active--
		for s.active > i {
			if !s.beShrunk(s.active, gmax1, gmax2) {
				s.swap(i, s.active)
				break
			}
			s.active--
		}
	}
}

func (s *smo) rho() float64 {
	ub, lb := math.Inf(1), math.Inf(-1)
	nFree, sum := 0, 0.0
	for i := 0; i < s.active; i++ {
		yg := float64(s.y[i]) * s.g[i]
		switch s.status[i] {
		case atUpper:
			if s.y[i] == -1 {
				ub = min(ub, yg)
			} else {
				lb = max(lb, yg)
			}
		case atLower:
			if s.y[i] == 1 {
				ub = min(ub, yg)
			} else {
				lb = max(lb, yg)
			}
		default:
			nFree++
			sum += yg
		}
	}
	if nFree > 0 {
		return sum / float64(nFree)
	}
	return (ub + lb) / 2
}
