// Command svmwindow measures sliding-window SVM classification of biosignal records and
// the storage the two reductions save, for window sizes 1000 to 5000.
//
// It generates 50 people × 400 records (systolic and diastolic pressure, heart rate,
// body temperature; one record every 15 minutes per person) with per-person baselines,
// a daily rhythm, noise and condition episodes, labelled good / abnormal / severe /
// emergency by synth.Stage: the highest stage at which two or more signals are out of
// range. Records arrive in time order, all people interleaved.
//
// For each window size W it trains on the W most recent records and classifies the
// next Step records (test then train), every W on the same records [Start, end), and
// prints accuracy and error rate. It then measures storage two ways: (a) keep each
// window's support vectors and model; (b) keep abnormal records raw and summarise each
// person's runs of good records inside each window (count, mean, min, max). For both
// it trains a model only on what was kept and reports its accuracy on a separate
// held-out population. A CSV of the table goes to -out.
//
//	go run ./examples/svmwindow [-model rbf|linear] [-out file.csv]
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/phdkit/phdkit/svm"
	"github.com/phdkit/phdkit/svm/synth"
)

type options struct {
	people, records int
	seed            uint64
	windows         []int
	step, start     int
	model           string
	policy          svm.RetrainPolicy
	out             string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "svmwindow:", err)
		os.Exit(2)
	}
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "svmwindow:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("svmwindow", flag.ContinueOnError)
	o := options{}
	var seed uint64
	var windows, policy string
	fs.IntVar(&o.people, "people", 50, "number of people")
	fs.IntVar(&o.records, "records", 400, "records per person")
	fs.Uint64Var(&seed, "seed", 1, "seed of the synthetic data")
	fs.StringVar(&windows, "windows", "1000,2000,3000,4000,5000", "comma-separated window sizes W")
	fs.IntVar(&o.step, "step", 1000, "records the window advances at a time (and classifies)")
	fs.IntVar(&o.start, "start", 0, "first record classified (default: the largest W)")
	fs.StringVar(&o.model, "model", "rbf", "classifier: rbf (kernel SVM, one-vs-one) or linear")
	fs.StringVar(&policy, "policy", "always", "retraining policy: always, on-drift or periodic")
	fs.StringVar(&o.out, "out", filepath.Join(os.TempDir(), "svmwindow.csv"), "CSV output path")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.seed = seed
	for _, f := range strings.Split(windows, ",") {
		w, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || w < 2 {
			return o, fmt.Errorf("bad window size %q", f)
		}
		o.windows = append(o.windows, w)
	}
	switch policy {
	case "always":
		o.policy = svm.RetrainAlways
	case "on-drift":
		o.policy = svm.RetrainOnDrift
	case "periodic":
		o.policy = svm.RetrainPeriodic
	default:
		return o, fmt.Errorf("unknown policy %q", policy)
	}
	if o.model != "rbf" && o.model != "linear" {
		return o, fmt.Errorf("unknown model %q", o.model)
	}
	if o.start == 0 {
		for _, w := range o.windows {
			o.start = max(o.start, w)
		}
	}
	if o.start >= o.people*o.records {
		return o, fmt.Errorf("start %d leaves nothing to classify in %d records", o.start, o.people*o.records)
	}
	return o, nil
}

// row is one line of the result table.
type row struct {
	w                    int
	sum                  svm.Summary
	supp, runs           svm.Reduction
	suppAcc, runsAcc     float64
	trainTime, totalTime time.Duration
}

func run(ctx context.Context, o options, stdout io.Writer) error {
	recs := synth.Generate(synth.Config{People: o.people, Records: o.records, Seed: o.seed})
	st := toStream(recs)
	held := synth.Generate(synth.Config{People: o.people, Records: 80, Seed: o.seed + 1000})
	hx, hy := synth.XY(held)

	train := func(x [][]float64, y []int) (svm.Model, error) {
		if o.model == "linear" {
			return svm.TrainLinear(x, y, svm.LinearConfig{Seed: o.seed})
		}
		return svm.TrainKernel(x, y, svm.KernelConfig{Multiclass: svm.OneVsOne})
	}
	counts := make([]int, 4)
	for _, r := range recs {
		counts[r.Stage]++
	}
	fmt.Fprintf(stdout, "svmwindow: %d people x %d records = %d records, seed %d\n", o.people, o.records, len(recs), o.seed)
	fmt.Fprintf(stdout, "labels (synth.Stage): good %d, abnormal %d, severe %d, emergency %d\n", counts[0], counts[1], counts[2], counts[3])
	fmt.Fprintf(stdout, "model %s, policy %v, step %d; every W classifies records [%d, %d)\n", o.model, o.policy, o.step, o.start, len(recs))

	all, err := train(st.X, st.Y)
	if err != nil {
		return err
	}
	allAcc, err := svm.Accuracy(all, hx, hy)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reference: a model trained on all %d raw records scores %.2f%% on %d held-out records\n\n", len(recs), 100*allAcc, len(hx))

	var rows []row
	for _, w := range o.windows {
		if err := ctx.Err(); err != nil {
			return err
		}
		t0 := time.Now()
		ws, err := svm.RunWindows(st.X, st.Y, svm.WindowConfig{Size: w, Step: o.step, Start: o.start, Policy: o.policy, Train: train})
		if err != nil {
			return fmt.Errorf("W=%d: %w", w, err)
		}
		r := row{w: w, sum: svm.Summarize(ws), trainTime: time.Since(t0)}
		if r.supp, err = svm.ReduceSupport(st, ws); err != nil {
			return err
		}
		if r.suppAcc, err = keptAccuracy(train, r.supp, st, hx, hy); err != nil {
			return fmt.Errorf("W=%d support vectors: %w", w, err)
		}
		if r.runs, err = windowRuns(st, w); err != nil {
			return err
		}
		if r.runsAcc, err = keptAccuracy(train, r.runs, st, hx, hy); err != nil {
			return fmt.Errorf("W=%d run summaries: %w", w, err)
		}
		r.totalTime = time.Since(t0)
		rows = append(rows, r)
	}
	printTable(stdout, rows)
	if err := writeCSV(o.out, rows); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", o.out)
	return nil
}

func toStream(recs []synth.Record) svm.Stream {
	x, y := synth.XY(recs)
	st := svm.Stream{X: x, Y: y, Group: make([]int, len(recs)), Time: make([]int64, len(recs))}
	for i, r := range recs {
		st.Group[i], st.Time[i] = r.Person, r.Minute
	}
	return st
}

// windowRuns applies reduction (b) to each window of w records in turn (runs end at
// window boundaries) and totals the result.
func windowRuns(st svm.Stream, w int) (svm.Reduction, error) {
	var tot svm.Reduction
	for lo := 0; lo < len(st.X); lo += w {
		hi := min(lo+w, len(st.X))
		sub := svm.Stream{X: st.X[lo:hi], Y: st.Y[lo:hi], Group: st.Group[lo:hi], Time: st.Time[lo:hi]}
		r, err := svm.SummarizeRuns(sub, synth.Good, 0)
		if err != nil {
			return tot, err
		}
		tot.RowsBefore += r.RowsBefore
		tot.RowsAfter += r.RowsAfter
		tot.BytesBefore += r.BytesBefore
		tot.BytesAfter += r.BytesAfter
		for _, k := range r.Kept {
			tot.Kept = append(tot.Kept, lo+k)
		}
		for _, run := range r.Runs {
			run.FirstRow += lo
			tot.Runs = append(tot.Runs, run)
		}
	}
	return tot, nil
}

// keptAccuracy trains on what a reduction kept and scores the model on held-out data.
func keptAccuracy(train svm.Trainer, r svm.Reduction, st svm.Stream, hx [][]float64, hy []int) (float64, error) {
	x, y := r.TrainingSet(st)
	m, err := train(x, y)
	if err != nil {
		return 0, err
	}
	return svm.Accuracy(m, hx, hy)
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "W\twindows\tretrained\taccuracy%\terror%\tmin win%\t(a) SV rows\trows saved%\tbytes saved%\tacc on kept%\t(b) rows\trows saved%\tbytes saved%\tacc on kept%\ttime\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%d/%d\t%.1f\t%.1f\t%.2f\t%d/%d\t%.1f\t%.1f\t%.2f\t%v\t\n",
			r.w, r.sum.Windows, r.sum.Retrained, 100*r.sum.Accuracy, 100*r.sum.ErrorRate, 100*r.sum.MinAccuracy,
			r.supp.RowsAfter, r.supp.RowsBefore, 100*r.supp.RowReduction(), 100*r.supp.ByteReduction(), 100*r.suppAcc,
			r.runs.RowsAfter, r.runs.RowsBefore, 100*r.runs.RowReduction(), 100*r.runs.ByteReduction(), 100*r.runsAcc,
			r.totalTime.Round(time.Millisecond))
	}
	tw.Flush()
	fmt.Fprintln(w, "\n(a) keeps each retrained window's support vectors, the models, and the records no window trained on.")
	fmt.Fprintln(w, "(b) keeps non-good records raw and replaces runs of good records (per person, inside each window) by count/mean/min/max.")
	fmt.Fprintln(w, "acc on kept: a model trained only on what was kept, scored on the held-out records.")
}

func writeCSV(path string, rows []row) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	cw := csv.NewWriter(f)
	cw.Write([]string{"window", "windows", "retrained", "records_classified", "accuracy", "error_rate", "min_window_accuracy", "max_window_accuracy",
		"sv_rows_before", "sv_rows_after", "sv_bytes_before", "sv_bytes_after", "sv_model_bytes", "sv_row_reduction", "sv_byte_reduction", "sv_kept_accuracy",
		"runs_rows_before", "runs_rows_after", "runs_bytes_before", "runs_bytes_after", "runs_row_reduction", "runs_byte_reduction", "runs_kept_accuracy", "seconds"})
	f6 := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	it := strconv.Itoa
	for _, r := range rows {
		cw.Write([]string{it(r.w), it(r.sum.Windows), it(r.sum.Retrained), it(r.sum.Records), f6(r.sum.Accuracy), f6(r.sum.ErrorRate), f6(r.sum.MinAccuracy), f6(r.sum.MaxAccuracy),
			it(r.supp.RowsBefore), it(r.supp.RowsAfter), it(r.supp.BytesBefore), it(r.supp.BytesAfter), it(r.supp.ModelBytes), f6(r.supp.RowReduction()), f6(r.supp.ByteReduction()), f6(r.suppAcc),
			it(r.runs.RowsBefore), it(r.runs.RowsAfter), it(r.runs.BytesBefore), it(r.runs.BytesAfter), f6(r.runs.RowReduction()), f6(r.runs.ByteReduction()), f6(r.runsAcc),
			f6(r.totalTime.Seconds())})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return errors.Join(fmt.Errorf("writing %s", path), err)
	}
	return nil
}
