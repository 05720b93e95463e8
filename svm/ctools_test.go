package svm_test

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/phdkit/phdkit/svm"
	"github.com/phdkit/phdkit/svm/synth"
	"github.com/stretchr/testify/require"
)

// writeLibSVM writes x (standardised with mean and sd) and y in libsvm's text format.
func writeLibSVM(t testing.TB, path string, x [][]float64, y []int, mean, sd []float64) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	for i, r := range x {
		fmt.Fprintf(w, "%d", y[i])
		for j, v := range r {
			fmt.Fprintf(w, " %d:%s", j+1, strconv.FormatFloat((v-mean[j])/sd[j], 'g', 17, 64))
		}
		w.WriteByte('\n')
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
}

func meanSD(x [][]float64) (mean, sd []float64) {
	d := len(x[0])
	mean, sd = make([]float64, d), make([]float64, d)
	for _, r := range x {
		for j, v := range r {
			mean[j] += v
		}
	}
	for j := range mean {
		mean[j] /= float64(len(x))
	}
	for _, r := range x {
		for j, v := range r {
			sd[j] += (v - mean[j]) * (v - mean[j])
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j] / float64(len(x)))
	}
	return mean, sd
}

var accuracyLine = regexp.MustCompile(`Accuracy = ([0-9.]+)%`)

// runTool runs a C tool and returns its combined output.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %v: %s", name, args, out)
	return string(out)
}

func toolAccuracy(t *testing.T, out string) float64 {
	t.Helper()
	m := accuracyLine.FindStringSubmatch(out)
	require.NotNil(t, m, "no accuracy in %q", out)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

// TestAgainstCTools trains liblinear and libsvm (Debian's liblinear-tools and
// libsvm-tools) on the benchmark set, standardised the same way, and checks that our
// accuracy is within 0.5 points of theirs. Set PHDKIT_SVM_DATA_DIR to keep the libsvm
// files there (for timing the tools by hand). The comparison of our one-vs-rest kernel
// machine, the slowest, runs only with PHDKIT_SVM_LONG=1.
func TestAgainstCTools(t *testing.T) {
	for _, tool := range []string{"liblinear-train", "liblinear-predict", "svm-train", "svm-predict"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: install Debian's liblinear-tools and libsvm-tools to compare with the C libraries", tool)
		}
	}
	dir := os.Getenv("PHDKIT_SVM_DATA_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else {
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	tx, ty, sx, sy := synth.Bench()
	mean, sd := meanSD(tx)
	train, test := filepath.Join(dir, "bench.train"), filepath.Join(dir, "bench.test")
	writeLibSVM(t, train, tx, ty, mean, sd)
	writeLibSVM(t, test, sx, sy, mean, sd)
	pct := func(m svm.Model, err error) float64 {
		t.Helper()
		require.NoError(t, err)
		a, err := svm.Accuracy(m, sx, sy)
		require.NoError(t, err)
		return 100 * a
	}
	tests := []struct {
		name  string
		train string
		pred  string
		args  []string
		ours  func() float64
	}{
		{"liblinear -s 1 -B 1", "liblinear-train", "liblinear-predict", []string{"-q", "-s", "1", "-B", "1"},
			func() float64 { return pct(svm.TrainLinear(tx, ty, svm.LinearConfig{})) }},
		{"liblinear -s 3 -B 1", "liblinear-train", "liblinear-predict", []string{"-q", "-s", "3", "-B", "1"},
			func() float64 { return pct(svm.TrainLinear(tx, ty, svm.LinearConfig{Loss: svm.LossL1})) }},
		{"liblinear -s 4 -B 1", "liblinear-train", "liblinear-predict", []string{"-q", "-s", "4", "-B", "1"},
			func() float64 {
				return pct(svm.TrainLinear(tx, ty, svm.LinearConfig{Multiclass: svm.CrammerSinger}))
			}},
		{"svm-train -t 2 (one-vs-one)", "svm-train", "svm-predict", []string{"-q", "-t", "2"},
			func() float64 { return pct(svm.TrainKernel(tx, ty, svm.KernelConfig{Multiclass: svm.OneVsOne})) }},
		{"svm-train -t 2 vs our one-vs-rest", "svm-train", "svm-predict", []string{"-q", "-t", "2"},
			func() float64 { return pct(svm.TrainKernel(tx, ty, svm.KernelConfig{})) }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.name, "one-vs-rest") && os.Getenv("PHDKIT_SVM_LONG") != "1" {
				t.Skip("set PHDKIT_SVM_LONG=1 to compare the one-vs-rest kernel machine too")
			}
			model := filepath.Join(dir, fmt.Sprintf("model%d", i))
			runTool(t, tt.train, append(tt.args, train, model)...)
			theirs := toolAccuracy(t, runTool(t, tt.pred, test, model, filepath.Join(dir, fmt.Sprintf("pred%d", i))))
			ours := tt.ours()
			t.Logf("%s: C tools %.3f%%, ours %.3f%%", tt.name, theirs, ours)
			if math.Abs(ours-theirs) > 0.5 {
				t.Errorf("accuracy %.3f%%, C tools %.3f%%: more than 0.5 points apart", ours, theirs)
			}
		})
	}
}
