package filestore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/filestore"
)

// BenchmarkDurableAppend measures single-entry appends to the file store
// from 1, 16 and 256 concurrent writers. Each append returns only after
// the fsync that covers it; concurrent appends share fsyncs (group
// commit). It reports appends/s and entries per fsync group.
func BenchmarkDurableAppend(b *testing.B) {
	for _, writers := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			st, err := filestore.Open(b.TempDir(), filestore.Config{Signer: testSigner(b)})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			work := make(chan struct{}, writers)
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var e ledger.Hash
					e[0] = byte(w)
					for range work {
						e[1]++
						if _, err := st.Append(ctx, e); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			b.ReportAllocs()
			start := time.Now()
			n := 0
			for b.Loop() {
				work <- struct{}{}
				n++
			}
			close(work)
			wg.Wait()
			elapsed := time.Since(start)
			select {
			case err := <-errs:
				b.Fatal(err)
			default:
			}
			b.ReportMetric(float64(n)/elapsed.Seconds(), "appends/s")
			stats := st.Stats()
			b.ReportMetric(float64(stats.Entries)/float64(max(stats.Groups, 1)), "entries/group")
			b.ReportMetric(float64(stats.SyncTime.Microseconds())/float64(max(stats.Groups, 1)), "µs/fsync")
		})
	}
}
