package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/keys"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/metrics"
)

// stressRow is one run of the stress experiment.
type stressRow struct {
	Mode       string  `json:"mode"` // "gateways" (4 layers) or "direct" (agents to the server)
	Agents     int     `json:"agents"`
	Division   bool    `json:"division"`
	Delayed    bool    `json:"delayed_write"`
	Offered    int64   `json:"offered"` // measurements the agents were due to take
	Sent       int64   `json:"sent"`
	Stored     int64   `json:"stored"`
	Lost       int64   `json:"lost"`
	Delivered  float64 `json:"delivered"` // sent / offered
	Throughput float64 `json:"throughput"`
	P50        float64 `json:"p50"`
	P99        float64 `json:"p99"`
	// Mean execution time per item in µs, per module and layer.
	SubPHD    float64 `json:"sub_phd_us"`
	MainPHD   float64 `json:"main_phd_us"`
	ServerPHD float64 `json:"server_phd_us"`
	SubDM     float64 `json:"sub_dm_us"`
	MainDM    float64 `json:"main_dm_us"`
	ServerDM  float64 `json:"server_dm_us"`
	DMOK      int     `json:"dm_ok"`
	DMIssued  int     `json:"dm_issued"`
}

func us(t *metrics.Timer) float64 { return float64(t.PerItem().Nanoseconds()) / 1e3 }

// cmdStress runs the published experiment: the same agents through two gateway layers and
// straight to the server, as the number of agents grows, then with database division off
// and with delayed write off.
func cmdStress(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fullsystem stress", flag.ContinueOnError)
	agentsList := fs.String("agents", "300,600,1200", "agent counts, comma separated")
	modes := fs.String("modes", "gateways,direct", "systems to run: gateways (4 layers), direct (agents straight to the server)")
	ablate := fs.Bool("ablate", true, "also run the largest count through the gateways with database division off and with delayed write off")
	duration := fs.Duration("duration", 10*time.Second, "measuring time of each run")
	rate := fs.Float64("rate", 1, "measurements per agent per second")
	dmSpec := fs.String("dm", "Replace ./PHD/Measurement/Interval 1 thermo", "DM command of each gateway run (times the DM modules)")
	data := fs.String("data", "", "data directory (default: a temporary directory, removed at the end)")
	verbose := fs.Bool("v", false, "log every notable event")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var counts []int
	for _, f := range splitList(*agentsList) {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return fmt.Errorf("stress: -agents %q", *agentsList)
		}
		counts = append(counts, n)
	}
	if len(counts) == 0 {
		return fmt.Errorf("stress: no agent counts")
	}
	if *data == "" {
		d, err := os.MkdirTemp("", "fullsystem-stress-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*data = d
	}
	logf := func(string, ...any) {}
	if *verbose {
		logf = log.Printf
	}
	maxN := 0
	for _, n := range counts {
		maxN = max(maxN, n)
	}
	fmt.Fprintf(out, "stress: deriving keys of %d users\n", (maxN+2)/3)
	kd, err := keys.Load(*data, (maxN+2)/3)
	if err != nil {
		return err
	}
	type run struct {
		mode              string
		n                 int
		division, delayed bool
	}
	var runs []run
	for _, n := range counts {
		for _, m := range splitList(*modes) {
			if m != "gateways" && m != "direct" {
				return fmt.Errorf("stress: unknown mode %q", m)
			}
			runs = append(runs, run{m, n, true, true})
		}
	}
	if *ablate {
		runs = append(runs, run{"gateways", maxN, false, true}, run{"gateways", maxN, true, false})
	}
	var rows []stressRow
	for i, r := range runs {
		if ctx.Err() != nil {
			break
		}
		layers := 4
		if r.mode == "direct" {
			layers = 2
		}
		fmt.Fprintf(out, "run %d/%d: %s, %d agents, division %v, delayed write %v\n", i+1, len(runs), r.mode, r.n, r.division, r.delayed)
		res, err := runSystem(ctx, options{
			Agents: r.n, Layers: layers, Fanin: 2, Duration: *duration, Rate: *rate, BLE: 0,
			Data: filepath.Join(*data, fmt.Sprintf("run%d", i)), Keys: kd, NoDivision: !r.division,
			WriteThrough: !r.delayed, DM: *dmSpec, DMPoll: 5 * time.Second, Fallers: 1, Logf: logf,
		})
		if err != nil {
			return err
		}
		c := res.Counters
		row := stressRow{
			Mode: r.mode, Agents: r.n, Division: r.division, Delayed: r.delayed,
			Offered: int64(float64(r.n) * *rate * duration.Seconds()),
			Sent:    res.Summary.Sent, Stored: res.Summary.Stored, Lost: res.Summary.Lost,
			Throughput: res.Summary.Throughput, P50: res.Summary.P50, P99: res.Summary.P99,
			SubPHD: us(&c.SubPHD), MainPHD: us(&c.MainPHD), ServerPHD: us(&c.ServerPHD),
			SubDM: us(&c.SubDM), MainDM: us(&c.MainDM), ServerDM: us(&c.ServerDM),
			DMIssued: len(res.DM),
		}
		for _, d := range res.DM {
			if d.Status == 200 {
				row.DMOK++
			}
		}
		if row.Offered > 0 {
			row.Delivered = float64(row.Sent) / float64(row.Offered)
		}
		rows = append(rows, row)
		os.RemoveAll(filepath.Join(*data, fmt.Sprintf("run%d", i)))
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tagents\tdiv\tdelayed\toffered\tsent\tstored\tlost\tdelivered\tstored/s\tp50 ms\tp99 ms\tsub PHD µs\tmain PHD µs\tserver PHD µs\tsub DM µs\tmain DM µs\tserver DM µs\tDM ok\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%d\t%d\t%d\t%d\t%.1f%%\t%.1f\t%.1f\t%.1f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%d/%d\t\n",
			r.Mode, r.Agents, r.Division, r.Delayed, r.Offered, r.Sent, r.Stored, r.Lost, 100*r.Delivered,
			r.Throughput, r.P50, r.P99, r.SubPHD, r.MainPHD, r.ServerPHD, r.SubDM, r.MainDM, r.ServerDM, r.DMOK, r.DMIssued)
	}
	tw.Flush()
	fmt.Fprintln(out, strings.Repeat("-", 20))
	enc := json.NewEncoder(out)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}
