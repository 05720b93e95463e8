package tree_test

import (
	"testing"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/dmtest"
	"github.com/phdkit/phdkit/omadm/tree"
)

func TestConformance(t *testing.T) {
	dmtest.TestTree(t, func() omadm.Tree { return tree.New(tree.Config{}) })
}

func TestConformanceNoImplicitParents(t *testing.T) {
	dmtest.TestTree(t, func() omadm.Tree { return tree.New(tree.Config{NoImplicitParents: true}) })
}

func TestConformanceStored(t *testing.T) {
	for _, wt := range []bool{false, true} {
		dmtest.TestTree(t, func() omadm.Tree {
			tr, err := tree.Open(t.TempDir(), tree.Config{WriteThrough: wt})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := tr.Close(); err != nil {
					t.Error(err)
				}
			})
			return tr
		})
	}
}
