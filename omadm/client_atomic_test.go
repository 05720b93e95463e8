package omadm_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/phdkit/phdkit/omadm"
)

// plain hides the optional interfaces of a tree: it is only an omadm.Tree.
type plain struct{ omadm.Tree }

// render lists every node under the root with its value, ACL and Title.
func render(t *testing.T, tr omadm.Tree) string {
	t.Helper()
	res, err := tr.Get(omadm.Local, ".?list=StructData", nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range res {
		acl, _ := tr.Get(omadm.Local, r.URI+"?prop=ACL", nil)
		title, _ := tr.Get(omadm.Local, r.URI+"?prop=Title", nil)
		lines = append(lines, fmt.Sprintf("%s %v %q acl=%q title=%q", r.URI, r.Format, r.Data, acl[0].Data, title[0].Data))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestAtomicFallback undoes a group of changes on a tree without AtomicTree.
func TestAtomicFallback(t *testing.T) {
	tr := plain{deviceTree(t)}
	base := "./Vendor/MSFT/Policy/Config"
	must(t, tr.Add(omadm.Local, base+"/Keep", omadm.Value{Data: []byte("k")}))
	must(t, tr.Add(omadm.Local, base+"/Gone/Leaf", omadm.Value{Data: []byte("g")}))
	must(t, tr.Replace(omadm.Local, base+"/Gone?prop=ACL", omadm.Value{Data: []byte("Get=*&Delete=*")}))
	must(t, tr.Replace(omadm.Local, base+"/Gone/Leaf?prop=Title", omadm.Value{Data: []byte("a title")}))
	before := render(t, tr)
	stop := errors.New("stop")
	err := omadm.Atomic(tr, func(v omadm.Tree) error {
		must(t, v.Add(serverID, base+"/New/Deep/Leaf", omadm.Value{Data: []byte("n")}))
		must(t, v.Replace(serverID, base+"/Keep", omadm.Value{Format: omadm.FormatInt, Data: []byte("1")}))
		must(t, v.Replace(serverID, base+"/Keep?prop=Title", omadm.Value{Data: []byte("t")}))
		must(t, v.Delete(serverID, base+"/Gone"))
		must(t, v.Replace(serverID, base+"/Keep?prop=Name", omadm.Value{Data: []byte("Renamed")}))
		must(t, omadm.Copy(v, serverID, base+"/Copied", base+"/New"))
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Atomic = %v", err)
	}
	if after := render(t, tr); after != before {
		t.Errorf("not rolled back:\nbefore\n%s\nafter\n%s", before, after)
	}
	// The client uses the same fallback for the Atomic command.
	dev := plain{deviceTree(t)}
	must(t, dev.Add(omadm.Local, base+"/Keep", omadm.Value{Data: []byte("old")}))
	msgs, err := runScript(t, dev, readMDM(t, "atomic-fail.xml"), readMDM(t, "pkg4-end.xml"))
	if err != nil {
		t.Fatal(err)
	}
	wantStatuses(t, msgs[1],
		"SyncHdr 0 200",
		"Atomic 2 507",
		"Add 3 216",
		"Replace 4 216",
		"Add 5 418",
		"Replace 6 215",
		"Sequence 7 200",
		"Replace 8 200",
		"Get 9 200",
		"Results 9 ./Vendor/MSFT/Policy/Config/Keep=seq",
	)
	if _, err := dev.Get(omadm.Local, base+"/New", nil); !errors.Is(err, omadm.ErrNotExist) {
		t.Errorf("Atomic did not roll back its Add: %v", err)
	}
}
