package omadm_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/phdkit/phdkit/omadm"
)

// FuzzClientReply feeds arbitrary bytes to the client as the server's reply to package 1:
// the client must neither panic nor loop, and whatever it sends back must decode.
func FuzzClientReply(f *testing.F) {
	for _, name := range []string{"pkg2-part1.xml", "pkg2-part2.xml", "atomic-fail.xml", "lo-chunk1.xml", "chal-md5.xml", "abort.xml"} {
		f.Add([]byte(mdmMessages[name]))
	}
	// The same messages in WBXML.
	for _, name := range []string{"pkg2-part1.xml", "lo-chunk2.xml"} {
		var m omadm.SyncML
		if _, err := m.ParseXML([]byte(mdmMessages[name])); err != nil {
			f.Fatal(err)
		}
		b, err := m.AppendWBXML(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	end := []byte(mdmMessages["pkg4-end.xml"])
	var reply []byte
	var sentBad error
	first := true
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m omadm.SyncML
		if _, err := m.Unmarshal(body); err != nil {
			sentBad = err
		}
		if first {
			first = false
			w.Write(reply)
			return
		}
		w.Write(end)
	}))
	defer hs.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		tr := deviceTree(t)
		reply, first, sentBad = b, true, nil
		c := &omadm.Client{Tree: tr, ServerURL: hs.URL, MaxMessages: 8}
		watchdog := time.AfterFunc(60*time.Second, func() { panic("FuzzClientReply: session hung") })
		defer watchdog.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
		defer cancel()
		if _, err := c.Run(ctx, omadm.AlertClientInitiated); errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("session did not end: %v", err)
		}
		if sentBad != nil {
			t.Fatalf("client sent a message that does not decode: %v", sentBad)
		}
	})
}
