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
