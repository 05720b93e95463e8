// Package svm provides support vector machines in pure Go for classifying biosignal
// records, sliding-window classification over a stream of records, and measured
// storage reduction.
//
// Two trainers are offered:
//
//   - TrainLinear: a linear SVM trained by dual coordinate descent with shrinking
//     (L1- or L2-loss, an intercept through a bias feature as liblinear's -B), multi-class
//     by one-vs-rest or jointly by Crammer and Singer's formulation.
//   - TrainKernel: a kernel SVM (RBF, linear, polynomial) trained by SMO with
//     second-order working-set selection, shrinking and an LRU kernel cache, as libsvm
//     does; multi-class by one-vs-rest or one-vs-one.
//
// Both standardise features by default and are deterministic: the linear trainer's
// coordinate order comes from LinearConfig.Seed and the kernel trainer makes no random
// choice. Labels are arbitrary ints.
//
// Usage:
//
//	m, err := svm.TrainKernel(x, y, svm.KernelConfig{}) // x [][]float64, y []int
//	if err != nil { … }
//	label, err := m.Predict([]float64{128, 84, 72, 36.7})
//	b, err := m.MarshalBinary()  // model format version 1, see FormatVersion
//	m2, err := svm.LoadModel(b)
//
// RunWindows classifies a stream window by window with a retraining policy and reports
// per-window accuracy; ReduceSupport and SummarizeRuns measure the two storage
// reductions (keep support vectors; keep abnormal records and summarise runs of good
// ones).
//
// # Errors
//
// Bad input never panics. NaN or infinite features give an *InputError wrapping
// ErrNonFinite; rows of the wrong width ErrDimension; no rows ErrEmpty; one label only
// ErrSingleClass. Malformed saved models give a *DecodeError wrapping ErrFormat or
// ErrVersion, with the byte offset and field name.
//
// # Buffers and concurrency
//
// Trainers copy their input; callers may reuse x and y afterwards. Unmarshal copies
// what it needs and keeps no reference to its input. Trained and loaded models are
// read-only: any number of goroutines may call Predict, Decision and AppendBinary at
// once. Predict allocates nothing (for kernel models with at most 64 features and 64
// machines). The package starts no goroutines.
package svm
