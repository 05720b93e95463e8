package svm_test

import (
	"fmt"

	"github.com/phdkit/phdkit/svm"
)

func Example() {
	// Systolic, diastolic, heart rate, temperature; 0 = good, 1 = abnormal.
	x := [][]float64{
		{118, 76, 68, 36.6}, {122, 80, 72, 36.8}, {115, 74, 64, 36.5}, {125, 82, 75, 36.9},
		{150, 95, 104, 37.8}, {158, 98, 110, 38.1}, {146, 92, 101, 37.6}, {162, 99, 108, 38.0},
	}
	y := []int{0, 0, 0, 0, 1, 1, 1, 1}
	m, err := svm.TrainKernel(x, y, svm.KernelConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := m.MarshalBinary()
	loaded, err := svm.LoadModel(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range [][]float64{{120, 78, 70, 36.7}, {155, 97, 106, 37.9}} {
		label, _ := loaded.Predict(r)
		fmt.Println(label)
	}
	_, err = m.Predict([]float64{120, 78})
	fmt.Println(err)
	// Output:
	// 0
	// 1
	// svm: row 0: dimension mismatch: 2 features, want 4
}
