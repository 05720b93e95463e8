package golearnsvm_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/phdkit/phdkit/svm"
	"github.com/phdkit/phdkit/svm/golearnsvm"
	"github.com/phdkit/phdkit/svm/synth"
	"github.com/sjwhitworth/golearn/base"
	"github.com/sjwhitworth/golearn/evaluation"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var featureNames = []string{"systolic", "diastolic", "heart_rate", "temperature"}

// grid builds a golearn grid of synthetic records with a categorical class "stage".
func grid(t testing.TB, recs []synth.Record) *base.DenseInstances {
	t.Helper()
	inst := base.NewDenseInstances()
	specs := make([]base.AttributeSpec, len(featureNames))
	for i, n := range featureNames {
		specs[i] = inst.AddAttribute(base.NewFloatAttribute(n))
	}
	cls := base.NewCategoricalAttribute()
	cls.SetName("stage")
	cspec := inst.AddAttribute(cls)
	require.NoError(t, inst.AddClassAttribute(cls))
	require.NoError(t, inst.Extend(len(recs)))
	for r, rec := range recs {
		for j := range featureNames {
			inst.Set(specs[j], r, base.PackFloatToBytes(rec.X[j]))
		}
		inst.Set(cspec, r, cls.GetSysValFromString(synth.StageNames[rec.Stage]))
	}
	return inst
}

func data(t testing.TB) (train, test *base.DenseInstances) {
	recs := synth.Generate(synth.Config{People: 20, Records: 200, Seed: 4})
	return grid(t, recs[:3000]), grid(t, recs[3000:])
}

func TestConfusionMatrix(t *testing.T) {
	train, test := data(t)
	for _, cls := range []*golearnsvm.Classifier{{}, {Kernel: true}} {
		require.NoError(t, cls.Fit(train))
		pred, err := cls.Predict(test)
		require.NoError(t, err)
		cm, err := evaluation.GetConfusionMatrix(test, pred)
		require.NoError(t, err)
		a := evaluation.GetAccuracy(cm)
		want := 0.85
		if cls.Kernel {
			want = 0.93
		}
		if a < want {
			t.Errorf("%v accuracy = %v, want >= %v\n%s", cls, a, want, evaluation.GetSummary(cm))
		}
		// The golearn accuracy must equal ours on the same rows.
		_, n := test.Size()
		// Model labels are the grid's category indexes.
		x, stages := synth.XY(synth.Generate(synth.Config{People: 20, Records: 200, Seed: 4})[3000:])
		cat := train.AllClassAttributes()[0].(*base.CategoricalAttribute) // the model was fitted on train
		y := make([]int, len(stages))
		for i, s := range stages {
			y[i] = int(base.UnpackBytesToU64(cat.GetSysValFromString(synth.StageNames[s])))
		}
		assert.Equal(t, featureNames, cls.Features())
		ours, err := svm.Accuracy(cls.Model(), x, y)
		require.NoError(t, err)
		assert.Equal(t, len(x), n)
		assert.InDelta(t, ours, a, 1e-12)
		assert.Contains(t, cm, "good")
	}
}

func TestCrossValidation(t *testing.T) {
	train, _ := data(t)
	cms, err := evaluation.GenerateCrossFoldValidationConfusionMatrices(train, &golearnsvm.Classifier{Kernel: true}, 5)
	require.NoError(t, err)
	require.Len(t, cms, 5)
	mean, variance := evaluation.GetCrossValidatedMetric(cms, evaluation.GetAccuracy)
	if mean < 0.93 {
		t.Errorf("cross-validated accuracy = %v ± %v, want >= 0.93", mean, math.Sqrt(variance))
	}
}

func TestSaveLoad(t *testing.T) {
	train, test := data(t)
	cls := &golearnsvm.Classifier{Kernel: true}
	path := filepath.Join(t.TempDir(), "model.cls")
	assert.ErrorIs(t, cls.Save(path), golearnsvm.ErrNotFitted)
	require.NoError(t, cls.Fit(train))
	require.NoError(t, cls.Save(path))
	var back golearnsvm.Classifier
	require.NoError(t, back.Load(path))
	assert.True(t, back.Kernel)
	p1, err := cls.Predict(test)
	require.NoError(t, err)
	p2, err := back.Predict(test)
	require.NoError(t, err)
	assert.True(t, base.InstancesAreEqual(p1, p2), "loaded classifier predicts differently")
	assert.Error(t, back.Load(filepath.Join(t.TempDir(), "missing")))
}

func TestBadGrids(t *testing.T) {
	train, _ := data(t)
	var cls golearnsvm.Classifier
	_, err := cls.Predict(train)
	assert.ErrorIs(t, err, golearnsvm.ErrNotFitted)

	// A categorical feature.
	inst := base.NewDenseInstances()
	f := inst.AddAttribute(base.NewFloatAttribute("x"))
	cat := base.NewCategoricalAttribute()
	cat.SetName("colour")
	cs := inst.AddAttribute(cat)
	cl := base.NewCategoricalAttribute()
	cl.SetName("y")
	ys := inst.AddAttribute(cl)
	require.NoError(t, inst.AddClassAttribute(cl))
	require.NoError(t, inst.Extend(2))
	for r := 0; r < 2; r++ {
		inst.Set(f, r, base.PackFloatToBytes(float64(r)))
		inst.Set(cs, r, cat.GetSysValFromString("red"))
		inst.Set(ys, r, cl.GetSysValFromString([]string{"a", "b"}[r]))
	}
	assert.ErrorIs(t, cls.Fit(inst), golearnsvm.ErrFeature)

	// No class attribute.
	noClass := base.NewDenseInstances()
	noClass.AddAttribute(base.NewFloatAttribute("x"))
	assert.ErrorIs(t, cls.Fit(noClass), golearnsvm.ErrClassAttribute)

	// A NaN feature.
	recs := synth.Generate(synth.Config{People: 2, Records: 20, Seed: 1})
	recs[7].X[2] = math.NaN()
	recs[0].Stage, recs[1].Stage = 0, 1
	err = cls.Fit(grid(t, recs))
	assert.ErrorIs(t, err, svm.ErrNonFinite)
	var ie *svm.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, 7, ie.Row)
	assert.Equal(t, 2, ie.Col)

	// Single class.
	for i := range recs {
		recs[i].Stage = 0
		recs[i].X[2] = 70
	}
	assert.ErrorIs(t, cls.Fit(grid(t, recs)), svm.ErrSingleClass)

	// Predicting on a grid that lacks a feature the model needs.
	require.NoError(t, cls.Fit(train))
	other := base.NewDenseInstances()
	other.AddAttribute(base.NewFloatAttribute("systolic"))
	oc := base.NewCategoricalAttribute()
	oc.SetName("stage")
	other.AddAttribute(oc)
	require.NoError(t, other.AddClassAttribute(oc))
	_, err = cls.Predict(other)
	assert.ErrorIs(t, err, golearnsvm.ErrFeature)
}
