package svm

import (
	"errors"
	"fmt"
	"math"
)

// RetrainPolicy says when RunWindows trains a new model as the window advances.
type RetrainPolicy uint8

// Retraining policies.
const (
	// RetrainAlways trains a new model on every window. It is the default.
	RetrainAlways RetrainPolicy = iota
	// RetrainOnDrift keeps the current model while its accuracy on the records just
	// classified stays at or above WindowConfig.MinAccuracy, and retrains otherwise.
	RetrainOnDrift
	// RetrainPeriodic retrains on every WindowConfig.Every-th window.
	RetrainPeriodic
)

var policyNames = [...]string{RetrainAlways: "always", RetrainOnDrift: "on-drift", RetrainPeriodic: "periodic"}

// String returns the policy's name.
func (p RetrainPolicy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("RetrainPolicy(%d)", uint8(p))
}

// Trainer trains a model on rows x labelled y.
type Trainer func(x [][]float64, y []int) (Model, error)

// WindowConfig configures RunWindows. Only Size is required.
type WindowConfig struct {
	// Size is the window W: the number of most recent records a model is trained on.
	// Required, at least 2.
	Size int
	// Step is how many records the window advances at a time; the records it passes
	// over are the ones classified. Default Size (windows that do not overlap).
	Step int
	// Start is the index of the first record to classify. Default Size. Giving every
	// window size the same Start makes their accuracies comparable.
	Start int
	// Policy says when to retrain. Default RetrainAlways.
	Policy RetrainPolicy
	// MinAccuracy is RetrainOnDrift's threshold. Default 0.95.
	MinAccuracy float64
	// Every is RetrainPeriodic's period in windows. Default 1.
	Every int
	// Train trains each window's model. Default TrainLinear with a zero LinearConfig.
	Train Trainer
}

// Window is the outcome of one window position: a model trained on (or kept from) the
// records before TestStart, and its accuracy on records [TestStart, TestEnd).
type Window struct {
	TrainStart, TrainEnd int  // the W records the model was trained on, [start, end)
	TestStart, TestEnd   int  // the records classified, [start, end)
	Retrained            bool // a new model was trained for this window
	Correct              int  // records classified correctly
	Accuracy             float64
	Model                Model
	// Support holds the stream indices of the model's support vectors when Retrained.
	Support []int
}

// WindowError reports a window that could not be trained or classified.
type WindowError struct {
	Window     int // index of the window
	Start, End int // the window's records, [Start, End)
	Err        error
}

// Error describes the failure with the window and its records.
func (e *WindowError) Error() string {
	return fmt.Sprintf("svm: window %d (records %d to %d): %s", e.Window, e.Start, e.End, inner(e.Err))
}

// Unwrap returns the underlying error.
func (e *WindowError) Unwrap() error { return e.Err }

func (c WindowConfig) withDefaults(n int) (WindowConfig, error) {
	if c.Size < 2 {
		return c, fmt.Errorf("%w: window Size = %d, want at least 2", ErrConfig, c.Size)
	}
	if c.Step == 0 {
		c.Step = c.Size
	}
	if c.Start == 0 {
		c.Start = c.Size
	}
	if c.MinAccuracy == 0 {
		c.MinAccuracy = 0.95
	}
	if c.Every == 0 {
		c.Every = 1
	}
	if c.Train == nil {
		c.Train = func(x [][]float64, y []int) (Model, error) { return TrainLinear(x, y, LinearConfig{}) }
	}
	switch {
	case c.Step < 1:
		return c, fmt.Errorf("%w: Step = %d", ErrConfig, c.Step)
	case c.Start < c.Size:
		return c, fmt.Errorf("%w: Start = %d is before the first full window of %d", ErrConfig, c.Start, c.Size)
	case c.Start >= n:
		return c, fmt.Errorf("%w: Start = %d leaves nothing to classify in %d records", ErrConfig, c.Start, n)
	case c.Policy > RetrainPeriodic:
		return c, fmt.Errorf("%w: Policy = %v", ErrConfig, c.Policy)
	case math.IsNaN(c.MinAccuracy) || c.MinAccuracy < 0 || c.MinAccuracy > 1:
		return c, fmt.Errorf("%w: MinAccuracy = %v", ErrConfig, c.MinAccuracy)
	case c.Every < 1:
		return c, fmt.Errorf("%w: Every = %d", ErrConfig, c.Every)
	}
	return c, nil
}

// RunWindows classifies the stream x (labels y) window by window, test then train: at
// each position the model trained on the Size records before TestStart classifies the
// next Step records, and the policy decides whether the following position gets a new
// model. The first position always trains. A window that cannot be trained (for
// example one holding a single class) stops the run with a *WindowError.
func RunWindows(x [][]float64, y []int, cfg WindowConfig) ([]Window, error) {
	if len(x) == 0 {
		return nil, ErrEmpty
	}
	if len(x) != len(y) {
		return nil, errDim(len(y), len(x))
	}
	cfg, err := cfg.withDefaults(len(x))
	if err != nil {
		return nil, err
	}
	var out []Window
	var cur Model
	var curStart, curEnd int
	retrain := true
	for w, ts := 0, cfg.Start; ts < len(x); w, ts = w+1, ts+cfg.Step {
		te := min(ts+cfg.Step, len(x))
		win := Window{TestStart: ts, TestEnd: te}
		if retrain {
			lo := ts - cfg.Size
			m, err := cfg.Train(x[lo:ts], y[lo:ts])
			if err != nil {
				return out, &WindowError{Window: w, Start: lo, End: ts, Err: err}
			}
			cur, curStart, curEnd = m, lo, ts
			win.Retrained = true
			for _, s := range m.SupportIndices() {
				win.Support = append(win.Support, lo+s)
			}
		}
		win.Model, win.TrainStart, win.TrainEnd = cur, curStart, curEnd
		for i := ts; i < te; i++ {
			p, err := cur.Predict(x[i])
			if err != nil {
				var ie *InputError
				if errors.As(err, &ie) {
					ie.Row = i
				}
				return out, &WindowError{Window: w, Start: ts, End: te, Err: err}
			}
			if p == y[i] {
				win.Correct++
			}
		}
		win.Accuracy = float64(win.Correct) / float64(te-ts)
		out = append(out, win)
		switch cfg.Policy {
		case RetrainAlways:
			retrain = true
		case RetrainOnDrift:
			retrain = win.Accuracy < cfg.MinAccuracy
		case RetrainPeriodic:
			retrain = (w+1)%cfg.Every == 0
		}
	}
	return out, nil
}

// Summary is the overall outcome of a run of windows.
type Summary struct {
	Windows   int     // window positions
	Retrained int     // models trained
	Records   int     // records classified
	Correct   int     // records classified correctly
	Accuracy  float64 // Correct / Records
	ErrorRate float64 // 1 − Accuracy
	// MinAccuracy and MaxAccuracy are the extremes of the per-window accuracies.
	MinAccuracy, MaxAccuracy float64
}

// Summarize totals the windows of a run.
func Summarize(ws []Window) Summary {
	s := Summary{Windows: len(ws), MinAccuracy: 1}
	for _, w := range ws {
		if w.Retrained {
			s.Retrained++
		}
		s.Records += w.TestEnd - w.TestStart
		s.Correct += w.Correct
		s.MinAccuracy = min(s.MinAccuracy, w.Accuracy)
		s.MaxAccuracy = max(s.MaxAccuracy, w.Accuracy)
	}
	if s.Records > 0 {
		s.Accuracy = float64(s.Correct) / float64(s.Records)
		s.ErrorRate = 1 - s.Accuracy
	} else {
		s.MinAccuracy = 0
	}
	return s
}
