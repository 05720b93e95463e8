package omadm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// fuzzSeeds returns the XML vectors of testdata/vectors, and testdata/mdm.
func fuzzSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, pattern := range []string{"testdata/vectors/*.xml", "testdata/mdm/*.xml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// FuzzXMLRoundTrip decodes XML, encodes it again (in XML and in WBXML) and checks that
// both decode to the same message.
func FuzzXMLRoundTrip(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	all := allCommands()
	if b, err := all.AppendXML(nil); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m SyncML
		if _, err := m.ParseXML(b); err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *DecodeError: %v", err)
			}
			return
		}
		want := withDefaults(m)
		x, err := m.AppendXML(nil)
		if err != nil {
			t.Fatalf("AppendXML of a decoded message: %v", err)
		}
		var m2 SyncML
		if _, err := m2.ParseXML(x); err != nil {
			t.Fatalf("re-decoding %q: %v", x, err)
		}
		if !reflect.DeepEqual(want, m2) {
			t.Fatalf("XML round trip differs:\n%#v\n%#v", want, m2)
		}
		w, err := m.AppendWBXML(nil)
		if err != nil {
			t.Fatal(err)
		}
		var m3 SyncML
		if _, err := m3.ParseWBXML(w); err != nil {
			t.Fatalf("decoding WBXML: %v", err)
		}
		if !reflect.DeepEqual(want, m3) {
			t.Fatalf("XML to WBXML differs:\n%#v\n%#v", want, m3)
		}
	})
}

// FuzzWBXMLRoundTrip decodes WBXML, encodes it again and checks that it decodes to the
// same message.
func FuzzWBXMLRoundTrip(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		var m SyncML
		if _, err := m.ParseXML(b); err != nil {
			f.Fatal(err)
		}
		w, err := m.AppendWBXML(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(w)
	}
	if b, err := os.ReadFile("testdata/wbxml/pkg1-libwbxml.wbxml"); err == nil {
		f.Add(b)
	}
	all := allCommands()
	if w, err := all.AppendWBXML(nil); err == nil {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m SyncML
		if _, err := m.ParseWBXML(b); err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *DecodeError: %v", err)
			}
			return
		}
		want := withDefaults(m)
		w, err := m.AppendWBXML(nil)
		if err != nil {
			t.Fatal(err)
		}
		var m2 SyncML
		if _, err := m2.ParseWBXML(w); err != nil {
			t.Fatalf("re-decoding % x: %v", w, err)
		}
		if !reflect.DeepEqual(want, m2) {
			t.Fatalf("WBXML round trip differs:\n%#v\n%#v", want, m2)
		}
		x, err := m.AppendXML(nil)
		if errors.Is(err, ErrInvalidText) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var m3 SyncML
		if _, err := m3.ParseXML(x); err != nil {
			t.Fatalf("decoding XML %q: %v", x, err)
		}
		if !reflect.DeepEqual(want, m3) {
			t.Fatalf("WBXML to XML differs:\n%#v\n%#v", want, m3)
		}
	})
}

// FuzzServerMessage sends arbitrary bodies to a server, twice in a row as one device
// would, and checks that every answer is HTTP 400 or 413, or a reply that decodes.
func FuzzServerMessage(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b, false)
	}
	pk := SyncML{Hdr: SyncHdr{SessionID: "1", MsgID: "1", Target: Loc{URI: "http://srv"}, Source: Loc{URI: "dev"}},
		Body: SyncBody{Commands: pkg1(AlertClientInitiated), Final: true}}
	pk.Body.Commands[0].CmdID, pk.Body.Commands[1].CmdID = "1", "2"
	x, _ := pk.AppendXML(nil)
	w, _ := pk.AppendWBXML(nil)
	f.Add(x, false)
	f.Add(w, true)
	f.Fuzz(func(t *testing.T, body []byte, wbxml bool) {
		srv := &Server{Auth: AuthMD5, MaxMsgSize: 1 << 16, ErrorLog: log.New(io.Discard, "", 0),
			Credentials: func(string, string) (string, string, bool) { return "u", "p", true }}
		srv.Enqueue("dev", Command{Kind: CmdAtomic, Commands: []Command{{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./A"}}}}}})
		ct := ContentTypeXML
		if wbxml {
			ct = ContentTypeWBXML
		}
		for i := 0; i < 2; i++ {
			req := httptest.NewRequest(http.MethodPost, "/dm", bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			switch rec.Code {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			case http.StatusOK:
				var m SyncML
				if _, err := m.Unmarshal(rec.Body.Bytes()); err != nil {
					t.Fatalf("reply does not decode: %v", err)
				}
				if len(m.Body.Commands) == 0 || m.Body.Commands[0].Cmd != "SyncHdr" {
					t.Fatalf("reply does not start with the header's status")
				}
			default:
				t.Fatalf("HTTP status %d", rec.Code)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
