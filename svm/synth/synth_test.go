package synth_test

import (
	"testing"

	"github.com/phdkit/phdkit/svm/synth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStage(t *testing.T) {
	tests := []struct {
		name string
		x    [synth.NumFeatures]float64
		want int
	}{
		{"normal", [4]float64{120, 78, 70, 36.6}, synth.Good},
		{"one signal out alone stays good", [4]float64{185, 78, 70, 36.6}, synth.Good},
		{"two abnormal", [4]float64{142, 91, 70, 36.6}, synth.Abnormal},
		{"severe and abnormal", [4]float64{165, 92, 70, 36.6}, synth.Abnormal},
		{"two severe", [4]float64{165, 102, 70, 36.6}, synth.Severe},
		{"fever with tachycardia", [4]float64{125, 80, 142, 39.6}, synth.Emergency},
		{"hypotension", [4]float64{68, 38, 72, 36.6}, synth.Emergency},
		{"boundaries are inclusive above", [4]float64{140, 90, 70, 36.6}, synth.Abnormal},
		{"and exclusive below", [4]float64{90, 60, 50, 35.5}, synth.Good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := synth.Stage(tt.x); got != tt.want {
				t.Errorf("Stage(%v) = %d, want %d", tt.x, got, tt.want)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	a := synth.Generate(synth.Config{Seed: 3})
	b := synth.Generate(synth.Config{Seed: 3})
	c := synth.Generate(synth.Config{Seed: 4})
	require.Len(t, a, 50*400)
	assert.Equal(t, a, b, "same seed, same records")
	assert.NotEqual(t, a, c)
	var counts [4]int
	perPerson := map[int]int{}
	for i, r := range a {
		assert.Equal(t, synth.Stage(r.X), r.Stage)
		counts[r.Stage]++
		perPerson[r.Person]++
		if i > 0 {
			assert.LessOrEqual(t, a[i-1].Minute, r.Minute, "stream order is by time")
		}
		if !r.Episode {
			assert.InDelta(t, 36.6, r.X[synth.Temperature], 2.5)
		}
	}
	assert.Len(t, perPerson, 50)
	for _, c := range counts {
		assert.Greater(t, c, 50, "every stage occurs: %v", counts)
	}
	assert.Greater(t, counts[synth.Good], len(a)/2, "most records are good: %v", counts)

	tx, ty, sx, sy := synth.Bench()
	assert.Len(t, tx, 16000)
	assert.Len(t, ty, 16000)
	assert.Len(t, sx, 4000)
	assert.Len(t, sy, 4000)
}
