package gatt_test

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/ieee11073/gatt"
)

func ExampleBloodPressure_Observations() {
	value, _ := hex.DecodeString("1e8a00580078000000041114293b3c00012700")
	var bp gatt.BloodPressure
	if _, err := bp.Unmarshal(value); err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range bp.Observations(nil, time.UTC) {
		fmt.Println(ieee11073.Name(ieee11073.PartitionSCADA, o.Metric), o.Value,
			ieee11073.Name(ieee11073.PartitionDim, o.Unit))
	}
	fmt.Println(bp.Status)
	// Output:
	// MDC_PRESS_BLD_NONINV_SYS 138 MDC_DIM_MMHG
	// MDC_PRESS_BLD_NONINV_DIA 88 MDC_DIM_MMHG
	// MDC_PRESS_BLD_NONINV_MEAN 120 MDC_DIM_MMHG
	// MDC_PULS_RATE_NON_INV 60 MDC_DIM_BEAT_PER_MIN
	// body_movement|cuff_too_loose|irregular_pulse|improper_position
}

func ExampleHeartRate_Unmarshal() {
	value, _ := hex.DecodeString("170101")
	var hr gatt.HeartRate
	_, err := hr.Unmarshal(value)
	fmt.Println(err)
	// Output:
	// gatt: decoding Heart Rate Measurement rr_interval at offset 3: gatt: value too short
}
