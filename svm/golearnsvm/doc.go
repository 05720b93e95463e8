// Package golearnsvm adapts the svm package to golearn: Classifier implements golearn's
// base.Classifier, so golearn's data grids, confusion matrices and cross-validation
// run on phdkit's pure-Go SVM.
//
// Usage:
//
//	cls := &golearnsvm.Classifier{Kernel: true}
//	if err := cls.Fit(train); err != nil { … }       // train is a base.FixedDataGrid
//	pred, err := cls.Predict(test)
//	cm, err := evaluation.GetConfusionMatrix(test, pred)
//
// The grid must have exactly one class attribute, categorical or float with integral
// values, and only float feature attributes. Predict finds the features by name, so
// the grid it is given may order its attributes differently.
//
// A Classifier is not safe for concurrent use while Fit or Load runs; after that,
// concurrent Predict calls are safe. Only golearn's pure-Go base and evaluation
// packages are used.
package golearnsvm
