package svm

import (
	"math"
	"testing"
)

func TestExpNeg(t *testing.T) {
	for x := -720.0; x <= 0; x += 0.0137 {
		got, want := expNeg(x), math.Exp(x)
		if want < 1e-300 {
			continue
		}
		if rel := math.Abs(got-want) / want; rel > 1e-8 {
			t.Fatalf("expNeg(%v) = %v, want %v (relative error %g)", x, got, want, rel)
		}
	}
	for _, x := range []float64{0, -1e-300, -708.5, math.Inf(-1), 2} {
		got, want := expNeg(x), math.Exp(x)
		if math.Abs(got-want) > 1e-8*want+1e-300 {
			t.Errorf("expNeg(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestExpNegs(t *testing.T) {
	var xs []float64
	for x := -720.0; x <= 1; x += 0.0371 {
		xs = append(xs, x)
	}
	xs = append(xs, 0, math.Inf(-1), math.NaN(), -708, -707.999)
	z := append([]float64(nil), xs...)
	expNegs(z)
	for j, x := range xs {
		if want := expNeg(x); math.Float64bits(z[j]) != math.Float64bits(want) && !(math.IsNaN(want) && math.IsNaN(z[j])) {
			t.Fatalf("expNegs at %v = %v, want expNeg's %v", x, z[j], want)
		}
	}
}

func BenchmarkExp(b *testing.B) {
	b.Run("math.Exp", func(b *testing.B) {
		s := 0.0
		x := -0.5
		for b.Loop() {
			s += math.Exp(x)
			x -= 1e-9
		}
		_ = s
	})
	b.Run("expNeg", func(b *testing.B) {
		s := 0.0
		x := -0.5
		for b.Loop() {
			s += expNeg(x)
			x -= 1e-9
		}
		_ = s
	})
}

func BenchmarkRBFRow(b *testing.B) {
	const n, d = 16000, 4
	x := make([]float64, n*d)
	for i := range x {
		x[i] = math.Sin(float64(i)) * 2
	}
	z := make([]float64, n)
	b.Run("rbfRow", func(b *testing.B) {
		for b.Loop() {
			rbfRow(z, x[:d], x, d, 0, 0.25)
		}
	})
	b.Run("expNeg", func(b *testing.B) {
		k := kernelFunc{gamma: 0.25}
		for b.Loop() {
			for j := range z {
				z[j] = k.eval(x[:d], x[j*d:(j+1)*d])
			}
		}
	})
}

// TestSharedKernelRows checks that a machine solved with kernel rows shared across
// machines (one-vs-rest) is identical to one solved with its own kernel evaluations,
// and that sharing saves evaluations on the later machines.
func TestSharedKernelRows(t *testing.T) {
	const n, d = 600, 3
	x := make([][]float64, n)
	y := make([]int, n)
	for i := range x {
		a, b, c := math.Sin(float64(i)*0.7), math.Cos(float64(i)*1.3), math.Sin(float64(i)*0.11)
		x[i] = []float64{a, b, c}
		y[i] = int(2*(a+1)+b) % 3
	}
	ds, err := newDataset(x, y)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	for _, kind := range []KernelType{KernelRBF, KernelPoly, KernelLinear} {
		k := &kernelFunc{kind: kind, gamma: 1.0 / d, coef0: 1, degree: 3}
		// A small budget makes both caches evict, which exercises refills.
		shared := newKernelRows(ds, k, 40*n*4)
		var ownEvals int64
		for c := range ds.classes {
			yc := make([]int8, n)
			for i, ci := range ds.cls {
				yc[i] = -1
				if ci == c {
					yc[i] = 1
				}
			}
			a1, rho1, ev1 := solveSMO(ds, k, rows, yc, 1, 0.001, 30*n*4, true, 0, nil)
			a2, rho2, _ := solveSMO(ds, k, rows, yc, 1, 0.001, 10*n*4, true, 0, shared)
			ownEvals += ev1
			if math.Float64bits(rho1) != math.Float64bits(rho2) {
				t.Fatalf("%v class %d: rho = %v with shared rows, want %v", kind, c, rho2, rho1)
			}
			for i := range a1 {
				if math.Float64bits(a1[i]) != math.Float64bits(a2[i]) {
					t.Fatalf("%v class %d: alpha[%d] = %v with shared rows, want %v", kind, c, i, a2[i], a1[i])
				}
			}
		}
		if shared.evals >= ownEvals {
			t.Errorf("%v: %d kernel evaluations with shared rows, want fewer than %d", kind, shared.evals, ownEvals)
		}
	}
}

// TestRBFRow checks that kernel rows computed a row at a time (unrolled for four
// features) equal the kernel evaluated value by value, bit for bit.
func TestRBFRow(t *testing.T) {
	for _, d := range []int{1, 3, 4, 5} {
		const n = 300
		x := make([]float64, n*d)
		for i := range x {
			x[i] = 3 * math.Sin(float64(i)*0.37)
		}
		k := kernelFunc{gamma: 0.3}
		for _, start := range []int{0, 7} {
			z := make([]float64, n-start)
			rbfRow(z, x[2*d:3*d], x, d, start, k.gamma)
			for p, v := range z {
				j := start + p
				if want := k.eval(x[2*d:3*d], x[j*d:(j+1)*d]); math.Float64bits(v) != math.Float64bits(want) {
					t.Fatalf("d=%d: rbfRow at %d = %v, want %v", d, j, v, want)
				}
			}
		}
	}
}
