package queue

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func payload(i int) []byte { return []byte(fmt.Sprintf("measurement-%06d", i)) }

func drain(t *testing.T, q *Queue, after uint64) []Entry {
	t.Helper()
	var all []Entry
	for q.Len() > len(all) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		es, err := q.Next(ctx, after, 100, 1<<20)
		cancel()
		require.NoError(t, err)
		all = append(all, es...)
		after = es[len(es)-1].Seq
	}
	return all
}

func TestAppendNextAckReopen(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Config{SegmentSize: 200})
	require.NoError(t, err)
	ctx := context.Background()
	for i := 1; i <= 50; i++ {
		seq, err := q.Append(ctx, payload(i))
		require.NoError(t, err)
		assert.EqualValues(t, i, seq)
	}
	es, err := q.Next(ctx, 0, 10, 1<<20)
	require.NoError(t, err)
	require.Len(t, es, 10)
	assert.Equal(t, payload(1), es[0].Data)
	require.NoError(t, q.Ack(20))
	assert.Equal(t, 30, q.Len())
	require.NoError(t, q.Close())
	segsBefore, _ := filepath.Glob(filepath.Join(dir, "*.seg"))

	q, err = Open(dir, Config{SegmentSize: 200})
	require.NoError(t, err)
	defer q.Close()
	assert.Equal(t, 30, q.Recovered.Entries)
	assert.EqualValues(t, 20, q.Head())
	all := drain(t, q, 0)
	require.Len(t, all, 30)
	for i, e := range all {
		assert.EqualValues(t, 21+i, e.Seq)
		assert.Equal(t, payload(21+i), e.Data)
	}
	seq, err := q.Append(ctx, payload(51))
	require.NoError(t, err)
	assert.EqualValues(t, 51, seq)
	require.NoError(t, q.Ack(51))
	segsAfter, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	assert.Less(t, len(segsAfter), len(segsBefore), "acknowledged segments deleted")
	assert.Error(t, q.Ack(60), "ack beyond the tail")
}

func TestConcurrentAppendsAreContiguous(t *testing.T) {
	q, err := Open(t.TempDir(), Config{})
	require.NoError(t, err)
	defer q.Close()
	var wg sync.WaitGroup
	seen := make(chan uint64, 32*50)
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				seq, err := q.Append(context.Background(), payload(w*1000+i))
				if !assert.NoError(t, err) {
					return
				}
				seen <- seq
			}
		}()
	}
	wg.Wait()
	close(seen)
	got := map[uint64]bool{}
	for s := range seen {
		assert.False(t, got[s], "sequence %d twice", s)
		got[s] = true
	}
	for s := uint64(1); s <= 32*50; s++ {
		assert.True(t, got[s], "sequence %d missing", s)
	}
	assert.Len(t, drain(t, q, 0), 32*50)
}

func TestBackpressure(t *testing.T) {
	q, err := Open(t.TempDir(), Config{MaxPending: 4})
	require.NoError(t, err)
	defer q.Close()
	ctx := context.Background()
	for i := range 4 {
		_, err := q.Append(ctx, payload(i))
		require.NoError(t, err)
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	_, err = q.Append(short, payload(5))
	cancel()
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a full queue blocks")

	done := make(chan uint64)
	go func() {
		seq, _ := q.Append(ctx, payload(5))
		done <- seq
	}()
	select {
	case <-done:
		t.Fatal("append went through a full queue")
	case <-time.After(20 * time.Millisecond):
	}
	require.NoError(t, q.Ack(2))
	select {
	case seq := <-done:
		assert.EqualValues(t, 5, seq)
	case <-time.After(5 * time.Second):
		t.Fatal("ack did not make room")
	}
}

func TestTornTailCutOff(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Config{})
	require.NoError(t, err)
	for i := 1; i <= 5; i++ {
		_, err := q.Append(context.Background(), payload(i))
		require.NoError(t, err)
	}
	require.NoError(t, q.Close())
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	require.Len(t, segs, 1)
	// A record cut in the middle, as a kill during write leaves it.
	rec := appendRecord(nil, 6, payload(6))
	f, err := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write(rec[:len(rec)-3])
	require.NoError(t, err)
	f.Close()

	q, err = Open(dir, Config{})
	require.NoError(t, err)
	defer q.Close()
	assert.Equal(t, 5, q.Recovered.Entries)
	assert.EqualValues(t, len(rec)-3, q.Recovered.TornBytes)
	seq, err := q.Append(context.Background(), payload(6))
	require.NoError(t, err)
	assert.EqualValues(t, 6, seq)
	assert.Len(t, drain(t, q, 0), 6)
}

func TestCorruptionIsAnError(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, Config{SegmentSize: 100})
	require.NoError(t, err)
	for i := 1; i <= 20; i++ {
		_, err := q.Append(context.Background(), payload(i))
		require.NoError(t, err)
	}
	require.NoError(t, q.Close())
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	require.Greater(t, len(segs), 2)
	b, err := os.ReadFile(segs[0])
	require.NoError(t, err)
	b[headerLen+2] ^= 0xFF // a flipped bit inside a record of an old segment
	require.NoError(t, os.WriteFile(segs[0], b, 0o600))
	_, err = Open(dir, Config{SegmentSize: 100})
	assert.ErrorIs(t, err, ErrCorrupt)

	require.NoError(t, os.WriteFile(filepath.Join(dir, headFile), []byte("x"), 0o600))
	_, err = Open(dir, Config{})
	assert.ErrorIs(t, err, ErrCorrupt)
}

func TestClosed(t *testing.T) {
	q, err := Open(t.TempDir(), Config{})
	require.NoError(t, err)
	require.NoError(t, q.Close())
	_, err = q.Append(context.Background(), []byte("x"))
	assert.ErrorIs(t, err, ErrClosed)
	_, err = q.Next(context.Background(), 0, 1, 1)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, q.Ack(1), ErrClosed)
	assert.NoError(t, q.Close())
	q2, err := Open(t.TempDir(), Config{MaxEntry: 4})
	require.NoError(t, err)
	defer q2.Close()
	_, err = q2.Append(context.Background(), []byte("12345"))
	assert.ErrorIs(t, err, ErrTooLarge)
}

// TestKillDuringAppends runs appenders in a child process, kills it with SIGKILL at random
// moments, and checks after each kill that every append the child saw acknowledged is in the
// reopened queue with its data, in order, with no gap.
func TestKillDuringAppends(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	if dir := os.Getenv("PHDKIT_QUEUE_CHILD"); dir != "" {
		childAppends(dir)
		return
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	acked := map[uint64]string{}
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringAppends$")
		cmd.Env = append(os.Environ(), "PHDKIT_QUEUE_CHILD="+dir, fmt.Sprintf("PHDKIT_QUEUE_ROUND=%d", round))
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(out)
		want := 20 + rng.IntN(400)
		n := 0
		for sc.Scan() && n < want {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "ack" {
				seq, _ := strconv.ParseUint(f[1], 10, 64)
				acked[seq] = f[2]
				n++
			}
		}
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		for sc.Scan() { // acknowledgements printed before the kill landed
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "ack" {
				seq, _ := strconv.ParseUint(f[1], 10, 64)
				acked[seq] = f[2]
			}
		}
		cmd.Wait()

		q, err := Open(dir, Config{})
		require.NoError(t, err, "round %d: reopen after kill", round)
		all := drain(t, q, 0)
		got := map[uint64]string{}
		for i, e := range all {
			got[e.Seq] = string(e.Data)
			if i > 0 {
				require.Equal(t, all[i-1].Seq+1, e.Seq, "round %d: gap", round)
			}
		}
		for seq, data := range acked {
			require.Equal(t, data, got[seq], "round %d: acknowledged append %d lost", round, seq)
		}
		require.NoError(t, q.Close())
	}
	assert.NotEmpty(t, acked)
	t.Logf("%d acknowledged appends checked across 8 kills", len(acked))
}

func childAppends(dir string) {
	q, err := Open(dir, Config{SegmentSize: 4096})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	round := os.Getenv("PHDKIT_QUEUE_ROUND")
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				data := fmt.Sprintf("r%s-w%d-%d", round, w, i)
				seq, err := q.Append(context.Background(), []byte(data))
				if err != nil {
					if errors.Is(err, ErrClosed) {
						return
					}
					fmt.Println("append:", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Printf("ack %d %s\n", seq, data)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			q, err := Open(b.TempDir(), Config{})
			require.NoError(b, err)
			defer q.Close()
			data := make([]byte, 200)
			b.ReportAllocs()
			b.SetParallelism(max(1, writers/max(1, runtimeProcs())))
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := q.Append(context.Background(), data); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
		})
	}
}
