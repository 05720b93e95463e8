package svm_test

import (
	"encoding/binary"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/phdkit/phdkit/svm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the model files in testdata/")

// goldenModels are the models kept in testdata/, trained by this test from fixed data.
func goldenModels(t testing.TB) map[string]svm.Model {
	x, y := blobs(120, 3, 3, 11)
	bx, by := xor(80, 3)
	out := map[string]svm.Model{}
	add := func(name string, m svm.Model, err error) {
		if err != nil {
			t.Fatal(err)
		}
		out[name] = m
	}
	m1, err := svm.TrainLinear(x, y, svm.LinearConfig{Seed: 1})
	add("linear-ovr.svm", m1, err)
	m2, err := svm.TrainLinear(x, y, svm.LinearConfig{Multiclass: svm.CrammerSinger})
	add("linear-cs.svm", m2, err)
	m3, err := svm.TrainLinear(bx, by, svm.LinearConfig{Loss: svm.LossL1})
	add("linear-binary.svm", m3, err)
	m4, err := svm.TrainKernel(bx, by, svm.KernelConfig{C: 10})
	add("rbf-binary.svm", m4, err)
	m5, err := svm.TrainKernel(x, y, svm.KernelConfig{Multiclass: svm.OneVsOne, Kernel: svm.KernelPoly, Coef0: 1})
	add("poly-ovo.svm", m5, err)
	m6, err := svm.TrainKernel(x[:60], y[:60], svm.KernelConfig{Kernel: svm.KernelLinear})
	add("linear-kernel-ovr.svm", m6, err)
	return out
}

func TestModelFiles(t *testing.T) {
	x, _ := blobs(120, 3, 3, 11)
	bx, _ := xor(80, 3)
	for name, m := range goldenModels(t) {
		t.Run(name, func(t *testing.T) {
			b, err := m.AppendBinary(nil)
			require.NoError(t, err)
			path := filepath.Join("testdata", name)
			if *update {
				require.NoError(t, os.WriteFile(path, b, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, want, b, "encoding of %s changed; run with -update if intended", name)
			got, err := svm.LoadModel(want)
			require.NoError(t, err)
			rows := x
			if m.NumFeatures() == 2 {
				rows = bx
			}
			for _, r := range rows {
				p1, err1 := m.Predict(r)
				p2, err2 := got.Predict(r)
				require.NoError(t, err1)
				require.NoError(t, err2)
				require.Equal(t, p1, p2, "loaded model predicts differently")
			}
			again, err := got.AppendBinary(nil)
			require.NoError(t, err)
			assert.Equal(t, want, again)
			assert.Empty(t, got.SupportIndices())
		})
	}
}

func TestLoadPrefixesFail(t *testing.T) {
	for name, m := range goldenModels(t) {
		b, err := m.AppendBinary(nil)
		require.NoError(t, err)
		for n := 0; n < len(b); n++ {
			if _, err := svm.LoadModel(b[:n]); err == nil {
				t.Fatalf("%s: LoadModel accepted a prefix of length %d of %d", name, n, len(b))
			}
		}
		_, err = svm.LoadModel(append(b, 0))
		var de *svm.DecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "trailer", de.Field)
		assert.Equal(t, len(b), de.Offset)
	}
}

func TestLoadRejects(t *testing.T) {
	lm := goldenModels(t)["linear-ovr.svm"]
	km := goldenModels(t)["rbf-binary.svm"]
	lb, _ := lm.AppendBinary(nil)
	kb, _ := km.AppendBinary(nil)
	mut := func(b []byte, off int, v ...byte) []byte {
		c := append([]byte(nil), b...)
		copy(c[off:], v)
		return c
	}
	nan := make([]byte, 8)
	binary.BigEndian.PutUint64(nan, math.Float64bits(math.NaN()))
	labelsEnd := 17 + 8*3
	tests := []struct {
		name  string
		in    []byte
		want  error
		field string
		off   int
	}{
		{"magic", mut(lb, 0, 'X'), svm.ErrFormat, "header.magic", 0},
		{"version", mut(lb, 6, 2), svm.ErrVersion, "header.version", 6},
		{"kind", mut(lb, 7, 9), svm.ErrFormat, "header.kind", 7},
		{"multiclass for linear", mut(lb, 8, 2), svm.ErrFormat, "header.multiclass", 8},
		{"multiclass for kernel", mut(kb, 8, 1), svm.ErrFormat, "header.multiclass", 8},
		{"zero features", mut(lb, 9, 0, 0, 0, 0), svm.ErrFormat, "header.features", 9},
		{"huge features", mut(lb, 9, 0xff, 0xff, 0xff, 0xff), svm.ErrFormat, "header.features", 9},
		{"one class", mut(lb, 13, 0, 0, 0, 1), svm.ErrFormat, "header.classes", 13},
		{"huge classes", mut(lb, 13, 0, 0, 0xff, 0xff), svm.ErrFormat, "header.labels", 17},
		{"labels out of order", mut(lb, 17, 0x7f), svm.ErrFormat, "header.labels[1]", 25},
		{"nan weight", mut(lb, labelsEnd, nan...), svm.ErrFormat, "weights", labelsEnd},
		{"kernel type", mut(kb, 33, 9), svm.ErrFormat, "kernel.type", 33},
		{"gamma", mut(kb, 34, 0x80), svm.ErrFormat, "kernel.gamma", 34},
		{"degree", mut(kb, 50, 0), svm.ErrFormat, "kernel.degree", 50},
		{"scale", mut(kb, 51+16, 0, 0, 0, 0, 0, 0, 0, 0), svm.ErrFormat, "scale.inv[0]", 67},
		{"support count", mut(kb, 83, 0x7f, 0xff, 0xff, 0xff), svm.ErrFormat, "support.count", 83},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svm.LoadModel(tt.in)
			assert.ErrorIs(t, err, tt.want)
			var de *svm.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tt.field, de.Field)
			assert.Equal(t, tt.off, de.Offset)
		})
	}
	var k svm.KernelModel
	_, err := k.Unmarshal(lb)
	assert.ErrorIs(t, err, svm.ErrFormat)
	var l svm.LinearModel
	_, err = l.Unmarshal(kb)
	assert.ErrorIs(t, err, svm.ErrFormat)
	n, err := l.Unmarshal(append(lb, 1, 2, 3))
	require.NoError(t, err)
	assert.Equal(t, len(lb), n)
}

func FuzzLoadModel(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.svm"))
	if err != nil || len(files) == 0 {
		f.Fatal("no seed models in testdata/")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	probe := [][]float64{{0, 0}, {1, -1}, {0.5, 2, 3}, {-1, 4, 200}}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := svm.LoadModel(b)
		if err != nil {
			return
		}
		out, err := m.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary of a loaded model: %v", err)
		}
		m2, err := svm.LoadModel(out)
		if err != nil {
			t.Fatalf("reloading a re-encoded model: %v", err)
		}
		out2, _ := m2.AppendBinary(nil)
		if string(out) != string(out2) {
			t.Fatal("round trip changed the model")
		}
		for _, r := range probe {
			if len(r) != m.NumFeatures() {
				continue
			}
			p1, err1 := m.Predict(r)
			p2, err2 := m2.Predict(r)
			if (err1 == nil) != (err2 == nil) || p1 != p2 {
				t.Fatalf("predictions differ after round trip: %v %v / %v %v", p1, err1, p2, err2)
			}
		}
	})
}

// FuzzTrain feeds arbitrary small data sets to the trainers: they must return a model
// or an error, never panic, and a model must predict its own rows without error.
func FuzzTrain(f *testing.F) {
	f.Add([]byte{2, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19})
	f.Add([]byte{3, 6, 1, 255, 254, 0, 0, 0, 7, 7, 7, 7, 7, 128, 128, 1, 2, 3, 9, 9, 9, 9, 9, 9, 9, 9, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 3 {
			return
		}
		d, n := int(b[0]%4)+1, int(b[1]%24)+1
		b = b[2:]
		x := make([][]float64, 0, n)
		y := make([]int, 0, n)
		for i := 0; i < n && len(b) >= d+1; i++ {
			row := make([]float64, d)
			for j := range row {
				v := float64(int8(b[j]))
				switch b[j] {
				case 0x7f:
					v = math.Inf(1)
				case 0x80:
					v = math.NaN()
				}
				row[j] = v
			}
			x = append(x, row)
			y = append(y, int(b[d]%3))
			b = b[d+1:]
		}
		models := []func() (svm.Model, error){
			func() (svm.Model, error) { return svm.TrainLinear(x, y, svm.LinearConfig{MaxIter: 50}) },
			func() (svm.Model, error) {
				return svm.TrainLinear(x, y, svm.LinearConfig{Multiclass: svm.CrammerSinger, MaxIter: 50})
			},
			func() (svm.Model, error) { return svm.TrainKernel(x, y, svm.KernelConfig{}) },
			func() (svm.Model, error) {
				return svm.TrainKernel(x, y, svm.KernelConfig{Kernel: svm.KernelPoly, Multiclass: svm.OneVsOne})
			},
		}
		for _, train := range models {
			m, err := train()
			if err != nil {
				continue
			}
			for _, r := range x {
				if _, err := m.Predict(r); err != nil {
					t.Fatalf("a trained model rejects its own row %v: %v", r, err)
				}
			}
			enc, err := m.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svm.LoadModel(enc); err != nil {
				t.Fatalf("a trained model does not load: %v", err)
			}
		}
	})
}
