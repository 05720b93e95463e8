package svm

// Model is a trained classifier: a *LinearModel or a *KernelModel. The set is closed.
type Model interface {
	// Predict returns the predicted label of x.
	Predict(x []float64) (int, error)
	// NumFeatures returns the width of the records the model expects.
	NumFeatures() int
	// Classes returns the labels the model predicts, in increasing order.
	Classes() []int
	// SupportIndices returns the training rows the model keeps (its support vectors).
	SupportIndices() []int
	// AppendBinary appends the model in the model format to b.
	AppendBinary(b []byte) ([]byte, error)
	sealed()
}

// Accuracy returns the fraction of rows of x that m labels as y. It fails on the first
// bad row, with its index.
func Accuracy(m Model, x [][]float64, y []int) (float64, error) {
	if len(x) != len(y) {
		return 0, errDim(len(y), len(x))
	}
	if len(x) == 0 {
		return 0, ErrEmpty
	}
	ok := 0
	for i, row := range x {
		p, err := m.Predict(row)
		if err != nil {
			if ie, isIE := err.(*InputError); isIE {
				ie.Row = i
			}
			return 0, err
		}
		if p == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(x)), nil
}
