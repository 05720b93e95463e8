package filestore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/filestore"
	"github.com/phdkit/phdkit/ledger/internal/tree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
)

func testSigner(t testing.TB) note.Signer {
	skey, _, err := note.GenerateKey(rand.Reader, "test.phdkit/ledger")
	require.NoError(t, err)
	s, err := note.NewSigner(skey)
	require.NoError(t, err)
	return s
}

// fill opens a store in dir, appends n entries with a checkpoint after the
// first cp of them, and closes it. The last five entries are one batch (one
// group commit); the others are single appends. It returns the entries.
func fill(t *testing.T, dir string, s note.Signer, n, cp int) []ledger.Hash {
	t.Helper()
	ctx := context.Background()
	st, err := filestore.Open(dir, filestore.Config{Signer: s})
	require.NoError(t, err)
	es := make([]ledger.Hash, n)
	for i := range es {
		rand.Read(es[i][:])
		if i == n-5 {
			rand.Read(es[i+1][:])
			rand.Read(es[i+2][:])
			rand.Read(es[i+3][:])
			rand.Read(es[i+4][:])
			idx := make([]uint64, 5)
			require.NoError(t, st.AppendBatch(ctx, es[i:], idx))
			require.Equal(t, uint64(i), idx[0])
			break
		}
		idx, err := st.Append(ctx, es[i])
		require.NoError(t, err)
		require.Equal(t, uint64(i), idx)
		if i+1 == cp {
			_, err := st.Checkpoint(ctx)
			require.NoError(t, err)
		}
	}
	require.NoError(t, st.Close())
	return es
}

func reopen(t *testing.T, dir string, s note.Signer, cfg filestore.Config) (*filestore.Store, error) {
	t.Helper()
	cfg.Signer = s
	st, err := filestore.Open(dir, cfg)
	if err == nil {
		t.Cleanup(func() { st.Close() })
	}
	return st, err
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	s := testSigner(t)
	dir := t.TempDir()
	es := fill(t, dir, s, 300, 100)
	for _, fast := range []bool{false, true} {
		st, err := reopen(t, dir, s, filestore.Config{FastOpen: fast})
		require.NoError(t, err)
		require.Equal(t, uint64(300), st.Size())
		rec := st.Recovery()
		assert.Equal(t, uint64(300), rec.Entries)
		assert.Zero(t, rec.TornEntries)
		blocks, err := st.Blocks(ctx, 0, 10, nil)
		require.NoError(t, err)
		require.NotEmpty(t, blocks)
		assert.Equal(t, uint64(100), blocks[0].Size)
		c, err := st.Checkpoint(ctx)
		require.NoError(t, err)
		for i, e := range es {
			got, err := st.Entry(ctx, uint64(i))
			require.NoError(t, err)
			require.Equal(t, e, got)
			p, err := st.InclusionProof(ctx, uint64(i), c.Size)
			require.NoError(t, err)
			require.NoError(t, p.Verify(e, c.Root))
		}
		require.NoError(t, st.Close())
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	st, err := filestore.Open(dir, filestore.Config{})
	require.NoError(t, err)
	defer st.Close()
	_, err = filestore.Open(dir, filestore.Config{})
	assert.ErrorIs(t, err, filestore.ErrLocked)
}

func modify(t *testing.T, path string, f func(b []byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, f(b), 0o644))
}

func TestTornTails(t *testing.T) {
	const rec = 40 // entry record length
	s := testSigner(t)
	cases := []struct {
		name      string
		file      string
		edit      func(b []byte) []byte
		entries   uint64
		tornBytes int64
	}{
		{"partial entry record", filestore.EntriesFile, func(b []byte) []byte { return b[:len(b)-7] }, 199, rec - 7},
		{"garbage after the last entry", filestore.EntriesFile, func(b []byte) []byte { return append(b, bytes.Repeat([]byte{0xa5}, 3*rec+5)...) }, 200, 3*rec + 5},
		{"zeros after the last entry", filestore.EntriesFile, func(b []byte) []byte { return append(b, make([]byte, 3*rec+5)...) }, 200, 0},
		{"torn record before zeros", filestore.EntriesFile, func(b []byte) []byte { return append(append(b, 7, 7, 7), make([]byte, 10*rec)...) }, 200, rec},
		{"bad checksum in the last entry", filestore.EntriesFile, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, 199, rec},
		{"last group lost its middle", filestore.EntriesFile, func(b []byte) []byte { b[len(b)-3*rec] ^= 1; return b }, 197, 3 * rec},
		{"unsynced node flipped", filestore.NodesFile, func(b []byte) []byte { b[16+32*tree.PostOrder(2, 37)+5] ^= 1; return b }, 200, 0},
		{"node file short", filestore.NodesFile, func(b []byte) []byte { return b[:len(b)-100] }, 200, 0},
		{"node tail garbage", filestore.NodesFile, func(b []byte) []byte { b[len(b)-1] ^= 0xff; return append(b, 1, 2, 3) }, 200, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			es := fill(t, dir, s, 200, 50)
			modify(t, filepath.Join(dir, tc.file), tc.edit)
			var report string
			st, err := reopen(t, dir, s, filestore.Config{Logf: func(f string, a ...any) { report = f }})
			require.NoError(t, err)
			assert.NotEmpty(t, report)
			assert.Equal(t, tc.entries, st.Size())
			assert.Equal(t, tc.tornBytes, st.Recovery().TornEntries)
			ctx := context.Background()
			c, err := st.Checkpoint(ctx)
			require.NoError(t, err)
			for i := uint64(0); i < st.Size(); i++ {
				p, err := st.InclusionProof(ctx, i, c.Size)
				require.NoError(t, err)
				require.NoError(t, p.Verify(es[i], c.Root))
			}
			// The store keeps working after recovery.
			_, err = st.Append(ctx, ledger.Hash{1})
			require.NoError(t, err)
		})
	}
}

func TestTornCreation(t *testing.T) {
	s := testSigner(t)
	for _, cut := range []int{0, 1, 9, 15} {
		dir := t.TempDir()
		st, err := filestore.Open(dir, filestore.Config{Signer: s})
		require.NoError(t, err)
		require.NoError(t, st.Close())
		for _, name := range []string{filestore.EntriesFile, filestore.NodesFile, filestore.BlocksFile} {
			modify(t, filepath.Join(dir, name), func(b []byte) []byte { return b[:cut] })
		}
		st, err = reopen(t, dir, s, filestore.Config{})
		require.NoError(t, err, "header cut to %d bytes", cut)
		assert.Zero(t, st.Size())
		require.NoError(t, st.Close())
	}
}

func TestTornBlockRecord(t *testing.T) {
	s := testSigner(t)
	dir := t.TempDir()
	fill(t, dir, s, 20, 10)
	path := filepath.Join(dir, filestore.BlocksFile)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, cut := range []int{1, 5, 9, 40} {
		require.NoError(t, os.WriteFile(path, append(append([]byte(nil), b...), b[16:16+cut]...), 0o644))
		st, err := reopen(t, dir, s, filestore.Config{})
		require.NoError(t, err, "cut %d", cut)
		assert.Equal(t, int64(cut), st.Recovery().TornBlocks)
		assert.Equal(t, uint64(1), st.Recovery().Blocks)
		require.NoError(t, st.Close())
	}
}

func TestCorruption(t *testing.T) {
	s := testSigner(t)
	cases := []struct {
		name string
		file string
		cfg  filestore.Config
		edit func(b []byte) []byte
		want string // file the error names
	}{
		{"entry magic", filestore.EntriesFile, filestore.Config{}, func(b []byte) []byte { b[0] = 'X'; return b }, filestore.EntriesFile},
		{"entry version", filestore.EntriesFile, filestore.Config{}, func(b []byte) []byte { b[11] = 9; return b }, filestore.EntriesFile},
		{"early entry flipped", filestore.EntriesFile, filestore.Config{MaxBatch: 1}, func(b []byte) []byte { b[16+40*5+3] ^= 1; return b }, filestore.EntriesFile},
		{"stored node flipped", filestore.NodesFile, filestore.Config{}, func(b []byte) []byte { b[16+32*3] ^= 1; return b }, filestore.NodesFile},
		{"stored node flipped, fast open", filestore.NodesFile, filestore.Config{FastOpen: true}, func(b []byte) []byte { b[16+32*tree.PostOrder(6, 0)] ^= 1; return b }, filestore.NodesFile},
		{"node file shorter than the checkpoint", filestore.NodesFile, filestore.Config{}, func(b []byte) []byte { return b[:16+32*5] }, filestore.NodesFile},
		{"entry before complete groups", filestore.EntriesFile, filestore.Config{}, func(b []byte) []byte { b[16+40*94] ^= 1; return b }, filestore.EntriesFile},
		{"nodes magic", filestore.NodesFile, filestore.Config{}, func(b []byte) []byte { b[7] = 'Q'; return b }, filestore.NodesFile},
		{"block record flipped", filestore.BlocksFile, filestore.Config{}, func(b []byte) []byte { b[16+20] ^= 1; return append(b, b[16:]...) }, filestore.BlocksFile},
		{"block beyond the entries", filestore.EntriesFile, filestore.Config{}, func(b []byte) []byte { return b[:16+40*10] }, filestore.BlocksFile},
		{"header truncated", filestore.BlocksFile, filestore.Config{}, func(b []byte) []byte { return b[:9] }, filestore.BlocksFile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fill(t, dir, s, 100, 90)
			modify(t, filepath.Join(dir, tc.file), tc.edit)
			_, err := reopen(t, dir, s, tc.cfg)
			require.Error(t, err)
			assert.ErrorIs(t, err, ledger.ErrCorrupt)
			var ce *filestore.CorruptError
			require.True(t, errors.As(err, &ce), "error %v is not a *CorruptError", err)
			assert.Equal(t, tc.want, ce.File)
			t.Log(err)
		})
	}
}

func TestBatchLimits(t *testing.T) {
	st, err := filestore.Open(t.TempDir(), filestore.Config{MaxBatch: 4})
	require.NoError(t, err)
	defer st.Close()
	ctx := context.Background()
	err = st.AppendBatch(ctx, make([]ledger.Hash, 5), make([]uint64, 5))
	assert.ErrorIs(t, err, ledger.ErrBatchSize)
	idx := make([]uint64, 4)
	require.NoError(t, st.AppendBatch(ctx, make([]ledger.Hash, 4), idx))
	assert.Equal(t, []uint64{0, 1, 2, 3}, idx)
	require.NoError(t, st.AppendBatch(ctx, nil, nil))
}

// snapshot copies the store files in dir to a new directory while the store
// is open: what a crash at this moment would leave, since every append
// was acknowledged after its write.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	dst := t.TempDir()
	for _, name := range []string{filestore.EntriesFile, filestore.NodesFile, filestore.BlocksFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, name), b, 0o644))
	}
	return dst
}

func entryLogSize(t *testing.T, dir string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, filestore.EntriesFile))
	require.NoError(t, err)
	return fi.Size()
}

// appendGroups appends n random entries to st as single appends and
// batches of three, and returns them.
func appendGroups(t *testing.T, st *filestore.Store, n int) []ledger.Hash {
	t.Helper()
	ctx := context.Background()
	es := make([]ledger.Hash, n)
	for i := 0; i < n; {
		rand.Read(es[i][:])
		if i%7 == 3 && i+3 <= n {
			rand.Read(es[i+1][:])
			rand.Read(es[i+2][:])
			idx := make([]uint64, 3)
			require.NoError(t, st.AppendBatch(ctx, es[i:i+3], idx))
			i += 3
			continue
		}
		_, err := st.Append(ctx, es[i])
		require.NoError(t, err)
		i++
	}
	return es
}

func verifyAll(t *testing.T, st *filestore.Store, es []ledger.Hash) {
	t.Helper()
	ctx := context.Background()
	c, err := st.Checkpoint(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(len(es)), c.Size)
	for i, e := range es {
		got, err := st.Entry(ctx, uint64(i))
		require.NoError(t, err)
		require.Equal(t, e, got, "entry %d", i)
		p, err := st.InclusionProof(ctx, uint64(i), c.Size)
		require.NoError(t, err)
		require.NoError(t, p.Verify(e, c.Root))
	}
}

// TestPreallocatedTail opens a store as a crash leaves it: the entry log
// ends in its zero-filled preallocation, which is the end of the log, not
// a torn tail, and is kept. Close gives it back.
func TestPreallocatedTail(t *testing.T) {
	s := testSigner(t)
	dir := t.TempDir()
	st, err := filestore.Open(dir, filestore.Config{Signer: s})
	require.NoError(t, err)
	defer st.Close()
	es := appendGroups(t, st, 100)
	const rec = 40
	live := entryLogSize(t, dir)
	require.Greater(t, live, int64(16+100*rec), "the entry log is preallocated")

	crashed := snapshot(t, dir)
	st2, err := reopen(t, crashed, s, filestore.Config{})
	require.NoError(t, err)
	assert.Equal(t, uint64(100), st2.Size())
	assert.Zero(t, st2.Recovery().TornEntries)
	assert.Equal(t, live, entryLogSize(t, crashed), "the preallocation is kept")
	es = append(es, appendGroups(t, st2, 50)...)
	verifyAll(t, st2, es)
	require.NoError(t, st2.Close())
	assert.Equal(t, int64(16+150*rec), entryLogSize(t, crashed), "Close cuts the preallocation")
	st3, err := reopen(t, crashed, s, filestore.Config{})
	require.NoError(t, err)
	verifyAll(t, st3, es)
}

// TestTornInPreallocation damages the last group of a crashed store inside
// the zero-filled preallocation. Recovery cuts the torn records by zeroing
// them, so that records of the lost group cannot reappear as entries once
// shorter groups overwrite its start.
func TestTornInPreallocation(t *testing.T) {
	const rec = 40
	s := testSigner(t)
	cases := []struct {
		name      string
		edit      func(b []byte, end int) // end: offset after the last record
		entries   int
		tornBytes int64
	}{
		{"last record flipped", func(b []byte, end int) { b[end-1] ^= 1 }, 199, rec},
		{"last group lost its middle", func(b []byte, end int) { b[end-3*rec+5] ^= 1 }, 197, 3 * rec},
		{"last group lost its start", func(b []byte, end int) { clear(b[end-3*rec : end-2*rec]) }, 197, 3 * rec},
		{"partial write after the end", func(b []byte, end int) { copy(b[end+2*rec:], "torn") }, 200, 3 * rec},
		{"stray record far into the tail", func(b []byte, end int) { copy(b[end+1000*rec:], b[end-rec:end]) }, 200, 1001 * rec},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			st, err := filestore.Open(dir, filestore.Config{Signer: s})
			require.NoError(t, err)
			defer st.Close()
			es := appendGroups(t, st, 197)
			idx := make([]uint64, 3)
			last := make([]ledger.Hash, 3)
			for i := range last {
				rand.Read(last[i][:])
			}
			require.NoError(t, st.AppendBatch(context.Background(), last, idx))
			es = append(es, last...)
			crashed := snapshot(t, dir)
			modify(t, filepath.Join(crashed, filestore.EntriesFile), func(b []byte) []byte {
				tc.edit(b, 16+200*rec)
				return b
			})
			st2, err := reopen(t, crashed, s, filestore.Config{})
			require.NoError(t, err)
			require.Equal(t, uint64(tc.entries), st2.Size())
			assert.Equal(t, tc.tornBytes, st2.Recovery().TornEntries)
			es = es[:tc.entries]
			// One more append, then crash again: nothing of the torn
			// group comes back.
			es = append(es, appendGroups(t, st2, 1)...)
			again := snapshot(t, crashed)
			st3, err := reopen(t, again, s, filestore.Config{})
			require.NoError(t, err)
			assert.Zero(t, st3.Recovery().TornEntries)
			verifyAll(t, st3, es)
		})
	}
}
