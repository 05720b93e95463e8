package omadm_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

// bigLeaves returns a tree with ./DevInfo and leaves ./Big/<name> readable by every
// server, holding the given values.
func bigLeaves(t *testing.T, values map[string]string) *tree.Tree {
	t.Helper()
	tr := tree.New(tree.Config{})
	must(t, omadm.InstallDevInfo(tr, omadm.DevInfo{DevID: devID, Man: "Acme Medical", Mod: "BP-200", DmV: "1.2", Lang: "en"}))
	must(t, tr.Add(omadm.Local, "./Big", omadm.Value{Format: omadm.FormatNode}))
	must(t, tr.Replace(omadm.Local, "./Big?prop=ACL", omadm.Value{Data: []byte("Get=*")}))
	for name, v := range values {
		must(t, tr.Add(omadm.Local, "./Big/"+name, omadm.Value{Format: omadm.FormatChr, Type: "text/plain", Data: []byte(v)}))
	}
	return tr
}

// blob returns n bytes of text that needs escaping in XML and holds multi-byte UTF-8,
// distinct for each seed.
func blob(seed string, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%s:%d <&> é€ ", seed, i)
	}
	return b.String()
}

func getOf(uris ...string) omadm.Command {
	c := omadm.Command{Kind: omadm.CmdGet}
	for _, u := range uris {
		c.Items = append(c.Items, omadm.Item{Target: omadm.Loc{URI: u}})
	}
	return c
}

// TestClientSeveralLargeResults: one package of Gets whose Results are several large
// objects (and small values between them) larger than the server's MaxMsgSize; the
// client sends each large item in chunks in turn, the rest in later messages, and the
// server receives every value complete and intact.
func TestClientSeveralLargeResults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		wbxml  bool
		srvMax int64
		sizes  [3]int
	}{
		{"XML", false, 4000, [3]int{9000, 12000, 5000}},
		{"WBXML", true, 4000, [3]int{9000, 12000, 5000}},
		// Small messages: little room beside the header and statuses.
		{"XML small", false, 1600, [3]int{3000, 2500, 4000}},
		{"WBXML small", true, 700, [3]int{3000, 2500, 4000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values := map[string]string{
				"A": blob("A", tc.sizes[0]), "B": blob("B", tc.sizes[1]), "C": blob("C", tc.sizes[2]),
				"s1": "small one", "s2": "small <two>", "m": blob("m", int(tc.srvMax)/3),
			}
			tr := bigLeaves(t, values)
			srv := &omadm.Server{MaxMsgSize: tc.srvMax}
			url, reports := loopback(t, srv)
			gets := []omadm.Command{
				getOf("./Big/s1"),
				getOf("./Big/A"),
				getOf("./Big/B", "./Big/s2", "./Big/C"),
				getOf("./Big/m"),
				getOf("./Big/m"),
				getOf("./Big/m"),
				getOf("./Big/s1"),
			}
			srv.Enqueue(devID, gets...)
			c := &omadm.Client{Tree: tr, ServerURL: url, ServerID: serverID, WBXML: tc.wbxml}
			cr, err := c.Run(context.Background(), omadm.AlertClientInitiated)
			if err != nil {
				t.Fatal(err)
			}
			r := report(t, reports)
			if r.Err != nil || len(r.Results) != len(gets) {
				t.Fatalf("report: %v, %d results", r.Err, len(r.Results))
			}
			for i, res := range r.Results {
				if res.Status != omadm.StatusOK {
					t.Errorf("Get %d: status %d", i, res.Status)
				}
				want := gets[i].Items
				if len(res.Items) != len(want) {
					t.Errorf("Get %d: %d items, want %d", i, len(res.Items), len(want))
					continue
				}
				for j, it := range res.Items {
					uri := want[j].Target.URI
					if it.Source.URI != uri {
						t.Errorf("Get %d item %d: source %q, want %q", i, j, it.Source.URI, uri)
					}
					if v := values[strings.TrimPrefix(uri, "./Big/")]; it.Data != v {
						t.Errorf("Get %d item %d (%s): %d bytes received, want %d intact", i, j, uri, len(it.Data), len(v))
					}
					if it.MoreData {
						t.Errorf("Get %d item %d: MoreData on the assembled item", i, j)
					}
				}
			}
			total := tc.sizes[0] + tc.sizes[1] + tc.sizes[2]
			if min := total / int(tc.srvMax); cr.Messages < min {
				t.Errorf("%d messages for %d bytes of results under MaxMsgSize %d", cr.Messages, total, tc.srvMax)
			}
		})
	}
}
