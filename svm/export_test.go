package svm

// KernelEvals returns the number of kernel evaluations made while training m.
func KernelEvals(m *KernelModel) int64 { return m.evals }
