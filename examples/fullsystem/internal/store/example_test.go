package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
)

func Example() {
	dir, _ := os.MkdirTemp("", "store-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "server.db"), store.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	at := time.Date(2026, 3, 14, 8, 5, 0, 0, time.UTC)
	sys := [8]byte{0, 0x1B, 0xDC, 0xFF, 0xFE, 0, 0, 7}
	for i, v := range []string{"128", "131", "119.5"} {
		o, _ := store.NewObservation(store.Metric(2, 18949), 3872, v, at.Add(time.Duration(i)*20*time.Minute)) // systolic, mmHg
		m := &store.Measurement{User: 7, SystemID: sys, ConfigID: store.ConfigBP, Seq: uint64(i + 1),
			Measured: o.Time, Observations: []store.Observation{o}}
		if _, err := s.Put(ctx, m); err != nil {
			fmt.Println(err)
			return
		}
	}
	// A retry of seq 2 stores nothing.
	again, _ := store.NewObservation(store.Metric(2, 18949), 3872, "131", at)
	_, err = s.Put(ctx, &store.Measurement{User: 7, SystemID: sys, ConfigID: store.ConfigBP, Seq: 2, Measured: at,
		Observations: []store.Observation{again}})
	fmt.Println("retry:", errors.Is(err, store.ErrDuplicate))

	rows, _ := s.Query(ctx, store.Query{User: 7, Metric: store.Metric(2, 18949)})
	for _, r := range rows {
		fmt.Println(r.Time.Format("15:04"), r.Type, r.Value)
	}
	hours, _ := s.Aggregate(ctx, store.Query{User: 7}, store.StepHour)
	for _, b := range hours {
		fmt.Printf("%s n=%d min=%g max=%g mean=%.2f\n", b.Start.Format("15:04"), b.Count, b.Min, b.Max, b.Mean)
	}
	fmt.Printf("%+v\n", s.Stats())
	// Output:
	// retry: true
	// 08:05 bp 128
	// 08:25 bp 131
	// 08:45 bp 119.5
	// 08:00 n=3 min=119.5 max=131 mean=126.17
	// {Stored:3 Duplicates:1 Rejected:0}
}
