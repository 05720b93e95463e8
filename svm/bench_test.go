package svm_test

import (
	"testing"

	"github.com/phdkit/phdkit/svm"
	"github.com/phdkit/phdkit/svm/synth"
)

// The benchmarks use synth.Bench: 16,000 training and 4,000 test records, 4 features,
// 4 classes. Each fit benchmark reports the test accuracy and the process CPU time per
// fit (cpu-ms/op), which a machine shared with other work inflates less than ns/op.

func BenchmarkLinearFit(b *testing.B) {
	tx, ty, sx, sy := synth.Bench()
	for _, bc := range []struct {
		name string
		cfg  svm.LinearConfig
	}{
		{"l2-loss", svm.LinearConfig{}},
		{"l1-loss", svm.LinearConfig{Loss: svm.LossL1}},
		{"crammer-singer", svm.LinearConfig{Multiclass: svm.CrammerSinger}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var m *svm.LinearModel
			var err error
			c0 := cpuTime()
			for b.Loop() {
				if m, err = svm.TrainLinear(tx, ty, bc.cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
			a, _ := svm.Accuracy(m, sx, sy)
			b.ReportMetric(100*a, "acc%")
		})
	}
}

// BenchmarkKernelFit trains RBF machines. rbf-ovo trains as libsvm does (one machine
// per pair of classes) and is the one to compare with `svm-train -t 2`; rbf-ovr is
// the one-vs-rest default, which solves different (larger) problems. Besides CPU time
// each reports the kernel evaluations of one fit (kernel-evals/op), a count that does
// not depend on the load of the machine.
func BenchmarkKernelFit(b *testing.B) {
	tx, ty, sx, sy := synth.Bench()
	for _, bc := range []struct {
		name string
		cfg  svm.KernelConfig
	}{
		{"rbf-ovo", svm.KernelConfig{Multiclass: svm.OneVsOne}},
		{"rbf-ovr", svm.KernelConfig{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var m *svm.KernelModel
			var err error
			c0 := cpuTime()
			for b.Loop() {
				if m, err = svm.TrainKernel(tx, ty, bc.cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
			a, _ := svm.Accuracy(m, sx, sy)
			b.ReportMetric(100*a, "acc%")
			b.ReportMetric(float64(m.NumSupport()), "SVs")
			b.ReportMetric(float64(svm.KernelEvals(m)), "kernel-evals/op")
		})
	}
}

func BenchmarkPredict(b *testing.B) {
	tx, ty, sx, _ := synth.Bench()
	lm, err := svm.TrainLinear(tx, ty, svm.LinearConfig{})
	if err != nil {
		b.Fatal(err)
	}
	km, err := svm.TrainKernel(tx, ty, svm.KernelConfig{Multiclass: svm.OneVsOne})
	if err != nil {
		b.Fatal(err)
	}
	for name, m := range map[string]svm.Model{"linear": lm, "rbf-ovo": km} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := m.Predict(sx[i]); err != nil {
					b.Fatal(err)
				}
				if i++; i == len(sx) {
					i = 0
				}
			}
		})
	}
}
