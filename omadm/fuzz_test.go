package omadm

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
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
