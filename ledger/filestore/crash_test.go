package filestore_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/phdkit/phdkit/ledger"
	"github.com/phdkit/phdkit/ledger/filestore"
	"golang.org/x/mod/sumdb/note"
)

// The crash test re-executes the test binary as a child that appends
// concurrently and reports every acknowledged append on file descriptor 3;
// the parent kills it with SIGKILL at a random moment, reopens the store
// and checks that every acknowledged entry is present and every proof
// verifies.
const (
	childEnv    = "PHDKIT_LEDGER_CRASH_CHILD" // store directory, selects the child role
	childKeyEnv = "PHDKIT_LEDGER_CRASH_KEY"   // checkpoint signer key
	crashOrigin = "crash.phdkit.test/ledger"
	crashKills  = 20
)

func TestCrashRecovery(t *testing.T) {
	if dir := os.Getenv(childEnv); dir != "" {
		crashChild(dir, os.Getenv(childKeyEnv))
		return
	}
	if testing.Short() {
		t.Skip("crash test re-executes the test binary; skipped in -short")
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, crashOrigin)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	acked := map[uint64]ledger.Hash{}
	var cps []ledger.Checkpoint
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 1))
	v, err := ledger.NewVerifier(ledger.VerifierConfig{Origin: crashOrigin, LogKey: verifier})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < crashKills; round++ {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir, childKeyEnv+"="+skey)
		cmd.ExtraFiles = []*os.File{w}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		// Kill after a random number of acknowledgements, at most a
		// random time after the first.
		killAfter := rng.IntN(3000)
		deadline := time.Duration(rng.IntN(40)) * time.Millisecond
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		n := 0
		var timer <-chan time.Time
		killed := false
		for !killed {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: child exited before the kill: %v\n%s", round, cmd.Wait(), stderr.String())
				}
				if parseLine(t, line, acked, &cps) && timer == nil {
					timer = time.After(deadline)
				}
				if n++; n >= killAfter {
					killed = true
				}
			case <-timer:
				killed = true
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for line := range lines { // acknowledgements written before the kill
			parseLine(t, line, acked, &cps)
		}
		cmd.Wait()
		r.Close()
		checkStore(t, dir, signer, acked, cps, v, round)
	}
	t.Logf("%d kills, %d acknowledged appends, %d checkpoints", crashKills, len(acked), len(cps))
}

// parseLine records an "ack" or "cp" line; it reports whether it was an ack.
func parseLine(t *testing.T, line string, acked map[uint64]ledger.Hash, cps *[]ledger.Checkpoint) bool {
	f := strings.Fields(line)
	switch {
	case len(f) == 3 && f[0] == "ack":
		idx, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			t.Fatalf("child line %q: %v", line, err)
		}
		e, err := ledger.ParseHash(f[2])
		if err != nil {
			t.Fatalf("child line %q: %v", line, err)
		}
		if old, ok := acked[idx]; ok && old != e {
			t.Fatalf("index %d acknowledged twice with different entries", idx)
		}
		acked[idx] = e
		return true
	case len(f) == 3 && f[0] == "cp":
		size, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			t.Fatalf("child line %q: %v", line, err)
		}
		root, err := ledger.ParseHash(f[2])
		if err != nil {
			t.Fatalf("child line %q: %v", line, err)
		}
		*cps = append(*cps, ledger.Checkpoint{Origin: crashOrigin, Size: size, Root: root})
		return false
	}
	t.Fatalf("unexpected child line %q", line)
	return false
}

func checkStore(t *testing.T, dir string, signer note.Signer, acked map[uint64]ledger.Hash, cps []ledger.Checkpoint, v *ledger.Verifier, round int) {
	t.Helper()
	ctx := context.Background()
	var report string
	st, err := filestore.Open(dir, filestore.Config{Origin: crashOrigin, Signer: signer,
		Logf: func(f string, a ...any) { report = fmt.Sprintf(f, a...) }})
	if err != nil {
		t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
	}
	defer st.Close()
	t.Logf("round %d: %s", round, report)
	size := st.Size()
	for idx, e := range acked {
		if idx >= size {
			t.Fatalf("round %d: acknowledged index %d lost (store has %d entries)", round, idx, size)
		}
		got, err := st.Entry(ctx, idx)
		if err != nil || got != e {
			t.Fatalf("round %d: Entry(%d) = %s, %v; acknowledged %s", round, idx, got, err, e)
		}
	}
	c, err := st.Checkpoint(ctx)
	if err != nil {
		t.Fatalf("round %d: Checkpoint: %v", round, err)
	}
	// Every entry's inclusion proof at the current size.
	for i := uint64(0); i < size; i++ {
		e, err := st.Entry(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		p, err := st.InclusionProof(ctx, i, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(e, c.Root); err != nil {
			t.Fatalf("round %d: inclusion of %d in %d: %v", round, i, size, err)
		}
	}
	// Every checkpoint the child returned is a prefix of today's tree.
	for _, old := range cps {
		p, err := st.ConsistencyProof(ctx, old.Size, size)
		if err != nil {
			t.Fatalf("round %d: consistency from checkpoint %d: %v", round, old.Size, err)
		}
		if err := p.Verify(old.Root, c.Root); err != nil {
			t.Fatalf("round %d: checkpoint of size %d inconsistent with the reopened store: %v", round, old.Size, err)
		}
	}
	// The block history verifies, checkpoint to checkpoint.
	blocks, err := st.Blocks(ctx, 0, 1<<30, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(blocks); i++ {
		p, err := st.ConsistencyProof(ctx, blocks[i-1].Size, blocks[i].Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(blocks[i-1].Root, blocks[i].Root); err != nil {
			t.Fatalf("round %d: blocks %d..%d: %v", round, i-1, i, err)
		}
	}
	// A client that has followed the log accepts the reopened log's checkpoint.
	var cp ledger.ConsistencyProof
	if tr, ok := v.Trusted(); ok {
		if cp, err = st.ConsistencyProof(ctx, tr.Size, size); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.Update(c.Note, cp); err != nil {
		t.Fatalf("round %d: client verifier: %v", round, err)
	}
}

// crashChild appends from several goroutines until it is killed, writing
// "ack <index> <entry>" after each acknowledged append and "cp <size>
// <root>" after each checkpoint to file descriptor 3.
func crashChild(dir, skey string) {
	out := os.NewFile(3, "acks")
	signer, err := note.NewSigner(skey)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	st, err := filestore.Open(dir, filestore.Config{Origin: crashOrigin, Signer: signer})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	emit := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if _, err := out.WriteString(s); err != nil {
			os.Exit(3)
		}
	}
	ctx := context.Background()
	for w := 0; w < 8; w++ {
		go func() {
			var e ledger.Hash
			for i := 0; ; i++ {
				if w == 0 && i%10 == 9 {
					c, err := st.Checkpoint(ctx)
					if err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(2)
					}
					emit(fmt.Sprintf("cp %d %s\n", c.Size, c.Root))
				}
				if w%2 == 1 {
					es := make([]ledger.Hash, 1+i%7)
					idx := make([]uint64, len(es))
					for j := range es {
						rand.Read(es[j][:])
					}
					if err := st.AppendBatch(ctx, es, idx); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(2)
					}
					var b strings.Builder
					for j := range es {
						fmt.Fprintf(&b, "ack %d %s\n", idx[j], hex.EncodeToString(es[j][:]))
					}
					emit(b.String())
					continue
				}
				rand.Read(e[:])
				idx, err := st.Append(ctx, e)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				emit(fmt.Sprintf("ack %d %s\n", idx, e))
			}
		}()
	}
	select {}
}
