package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunSmall(t *testing.T) {
	out := filepath.Join(t.TempDir(), "res.csv")
	for _, model := range []string{"linear", "rbf"} {
		o, err := parseFlags([]string{"-people", "10", "-records", "150", "-windows", "300,600", "-step", "300", "-model", model, "-out", out})
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, run(context.Background(), o, &buf))
		assert.Contains(t, buf.String(), "accuracy%")
		f, err := os.Open(out)
		require.NoError(t, err)
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		require.NoError(t, err)
		require.Len(t, recs, 3, "header and one line per window size")
		assert.Equal(t, "window", recs[0][0])
		assert.Equal(t, "300", recs[1][0])
		assert.Equal(t, "600", recs[2][0])
		assert.Equal(t, "900", recs[1][3], "both sizes classify records [600, 1500)")
		assert.Equal(t, "900", recs[2][3])
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-windows", "1000,x"}, {"-windows", "1"}, {"-model", "tree"}, {"-policy", "sometimes"},
		{"-people", "2", "-records", "10"},
	} {
		_, err := parseFlags(args)
		assert.Error(t, err, strings.Join(args, " "))
	}
	o, err := parseFlags(nil)
	require.NoError(t, err)
	assert.Equal(t, 5000, o.start)
	assert.Equal(t, []int{1000, 2000, 3000, 4000, 5000}, o.windows)
}

func TestCancelled(t *testing.T) {
	o, err := parseFlags([]string{"-people", "10", "-records", "150", "-windows", "300", "-model", "linear", "-out", filepath.Join(t.TempDir(), "x.csv")})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, run(ctx, o, &bytes.Buffer{}), context.Canceled)
}
