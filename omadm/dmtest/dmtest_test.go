package dmtest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/dmtest"
	"github.com/phdkit/phdkit/omadm/tree"
)

// leaky is a broken tree: Get ignores ACLs.
type leaky struct{ *tree.Tree }

func (l leaky) Get(server, uri string, dst []omadm.Result) ([]omadm.Result, error) {
	return l.Tree.Get(omadm.Local, uri, dst)
}

// sloppy is a broken tree: Delete reports success without deleting.
type sloppy struct{ omadm.Tree }

func (sloppy) Delete(server, uri string) error { return nil }

var broken = map[string]func() omadm.Tree{
	"leaky":  func() omadm.Tree { return leaky{tree.New(tree.Config{})} },
	"sloppy": func() omadm.Tree { return sloppy{tree.New(tree.Config{})} },
}

func TestTreeMemory(t *testing.T) {
	if name := os.Getenv("DMTEST_BROKEN"); name != "" {
		dmtest.TestTree(t, broken[name])
		return
	}
	dmtest.TestTree(t, func() omadm.Tree { return tree.New(tree.Config{}) })
}

// TestCatchesBrokenTrees runs the checker on broken trees in a child process and expects
// it to fail, naming the broken check.
func TestCatchesBrokenTrees(t *testing.T) {
	if os.Getenv("DMTEST_BROKEN") != "" {
		t.Skip("child process")
	}
	for name, check := range map[string]string{"leaky": "TestTreeMemory/ACL", "sloppy": "TestTreeMemory/Delete"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTreeMemory$", "-test.v")
		cmd.Env = append(os.Environ(), "DMTEST_BROKEN="+name)
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("%s tree passed the checker:\n%s", name, out)
			continue
		}
		if !strings.Contains(string(out), "--- FAIL: "+check) {
			t.Errorf("%s tree: %s did not fail:\n%s", name, check, out)
		}
	}
}
