package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBLEWatchFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := run(ctx, []string{"ble", "watch", "--fake", "--scan", "100ms", "--count", "9"}, nil, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 9, stdout.String())
	kinds := map[string]int{}
	for _, l := range lines {
		var r struct {
			Characteristic string `json:"characteristic"`
			Observations   []struct {
				Metric string `json:"metric"`
				Unit   string `json:"unit"`
				Value  string `json:"value"`
				Time   string `json:"time"`
			} `json:"observations"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &r))
		kinds[r.Characteristic]++
		require.NotEmpty(t, r.Observations)
		assert.NotEmpty(t, r.Observations[0].Time)
	}
	assert.Equal(t, map[string]int{"Blood Pressure Measurement": 3, "Temperature Measurement": 3, "Glucose Measurement": 3}, kinds)
	assert.Contains(t, stdout.String(), `"metric":"MDC_PRESS_BLD_NONINV_SYS","metric_code":18949,"time":`)
	assert.Contains(t, stdout.String(), `"unit":"MDC_DIM_MMHG","unit_code":3872,"value":"118"`)
	assert.Contains(t, stdout.String(), `"value":"36.60"`)
	assert.Contains(t, stdout.String(), `"metric":"MDC_CONC_GLU_CAPILLARY_PLASMA"`)
	assert.Contains(t, stdout.String(), `"unit":"MDC_DIM_KILO_G_PER_L","unit_code":2051,"value":"0.00095"`)
}

func TestBLEWatchUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"ble"}, nil, &stdout, &stderr))
	assert.Equal(t, 2, run(context.Background(), []string{"ble", "watch", "extra"}, nil, &stdout, &stderr))
}
