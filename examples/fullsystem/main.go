package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	args := os.Args[1:]
	mode := "all"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		mode, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch mode {
	case "all":
		err = cmdAll(ctx, args, os.Stdout)
	case "server":
		err = cmdServer(ctx, args, os.Stdout)
	case "gateway":
		err = cmdGateway(ctx, args, os.Stdout)
	case "agents":
		err = cmdAgents(ctx, args, os.Stdout)
	case "stress":
		err = cmdStress(ctx, args, os.Stdout)
	case "scale":
		err = cmdScale(ctx, args, os.Stdout)
	default:
		err = fmt.Errorf("unknown mode %q (want no mode, server, gateway, agents, stress or scale)", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fullsystem:", err)
		os.Exit(1)
	}
}

// cmdAll runs the whole hierarchy in this process.
func cmdAll(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fullsystem", flag.ContinueOnError)
	var o options
	fs.IntVar(&o.Agents, "agents", 300, "simulated 20601 agents (mixed specializations)")
	fs.IntVar(&o.Layers, "layers", 4, "layers including agents and server (2 = agents straight to the server)")
	fs.IntVar(&o.Fanin, "fanin", 2, "lower gateways per upper gateway")
	fs.IntVar(&o.PerGateway, "per-gateway", 300, "agents per sub-gateway")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long agents measure")
	fs.Float64Var(&o.Rate, "rate", 1, "measurements per agent per second")
	fs.StringVar(&o.Data, "data", "", "data directory (default: a new temporary directory, removed at the end)")
	fs.IntVar(&o.Batch, "batch", 200, "most entries per integrated message")
	fs.DurationVar(&o.BatchInterval, "batch-interval", 20*time.Millisecond, "how long a gateway gathers entries for one integrated message")
	fs.IntVar(&o.Window, "window", 4, "most unacknowledged integrated messages per link")
	fs.StringVar(&o.DSN, "db", "", "server store: empty for SQLite in the data directory, or a postgres:// URL")
	division := fs.Bool("division", true, "one DataReportingInfo table per PHD type (database division)")
	fs.IntVar(&o.BLE, "ble", 10, "Bluetooth blood pressure cuffs (fake peripherals) bridged into the sub-gateways")
	fs.StringVar(&o.DM, "dm", "Replace ./PHD/Measurement/Interval 2 bp", "OMA DM command the server issues to every device of a kind (\"Replace|Add URI VALUE KIND\" or \"Delete URI KIND\"; empty for none)")
	fs.DurationVar(&o.DMAt, "dm-at", 0, "when the server issues the DM command (default a third of -duration)")
	fs.DurationVar(&o.DMPoll, "dm-poll", 5*time.Second, "how often devices open a DM session with their gateway")
	fs.IntVar(&o.Fallers, "fallers", 3, "wrist agents whose wearer falls (a fall/synth trace)")
	fs.Float64Var(&o.AccelHz, "accel-hz", 20, "acceleration samples per second of the other wrist agents (negative: one per report)")
	fs.DurationVar(&o.ResponseTimeout, "response-timeout", 5*time.Second, "how long an alarmed user has to answer before guardian and medical staff are told")
	fs.IntVar(&o.SVMWindow, "svm-window", 200, "SVM sliding-window size in records")
	verbose := fs.Bool("v", false, "log every notable event")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.NoDivision = !*division
	if o.Layers < 2 {
		return fmt.Errorf("-layers %d: at least 2 (agents and server)", o.Layers)
	}
	if o.Data == "" {
		d, err := os.MkdirTemp("", "fullsystem-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.Data = d
	}
	if *verbose {
		o.Logf = log.Printf
	}
	o.Progress = out
	fmt.Fprintf(out, "fullsystem: %d agents, %d layers, fan-in %d, %v at %g/s per agent; data in %s\n",
		o.Agents, o.Layers, o.Fanin, o.Duration, o.Rate, o.Data)
	r, err := runSystem(ctx, o)
	if err != nil {
		return err
	}
	printSummary(out, &o, r)
	return r.Summary.JSON(out)
}

func printSummary(out io.Writer, o *options, r *result) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(k string, v any) { fmt.Fprintf(tw, "%s\t%v\t\n", k, v) }
	fmt.Fprintln(out)
	row("agents", o.Agents)
	row("BLE cuffs", o.BLE)
	row("users", r.Users)
	for j, g := range r.Gateways {
		row(fmt.Sprintf("gateways, layer %d", j+1), len(g))
	}
	row("elapsed", r.Elapsed.Round(time.Millisecond))
	row("sent (confirmed to agents)", r.Summary.Sent)
	row("  of which BLE cuffs", r.BLE)
	row("stored (new at the server)", r.Summary.Stored)
	row("rows in DataInfo", r.DBCount)
	row("in the sub-gateways' local stores", r.LocalStored)
	row("ledger entries", r.LedgerLen)
	row("ledger inclusion proofs verified", r.Proved)
	row("duplicates (refused by the store)", r.Summary.Duplicates)
	row("resent by agents", r.Resent)
	row("rejected (verification)", r.Rejected)
	row("lost", r.Summary.Lost)
	row("integrated messages", r.Batches)
	row("falls detected", r.Analytics.Falls)
	row("alarms", r.Summary.Alarms)
	row("notices user/guardian/medical", fmt.Sprintf("%d/%d/%d", r.Analytics.Notices[1], r.Analytics.Notices[2], r.Analytics.Notices[3]))
	if r.Analytics.SVMErr != "" {
		row("svm", r.Analytics.SVMErr)
	} else {
		row("svm windows, mean accuracy", fmt.Sprintf("%d, %.3f", r.Analytics.Windows, r.Analytics.Accuracy))
		row("svm rows kept (good runs summarised)", fmt.Sprintf("%.1f%%", 100*r.Analytics.RowsKept))
	}
	if o.DM != "" {
		var ok, other, none int
		for _, c := range r.DM {
			switch {
			case c.Status == 200:
				ok++
			case c.Status == 0:
				none++
			default:
				other++
			}
		}
		row("DM command", o.DM)
		row("DM devices: 200 OK / other / no status", fmt.Sprintf("%d / %d / %d", ok, other, none))
	}
	row("throughput (stored/s)", r.Summary.Throughput)
	row("latency p50 (ms)", r.Summary.P50)
	row("latency p99 (ms)", r.Summary.P99)
	tw.Flush()
}
