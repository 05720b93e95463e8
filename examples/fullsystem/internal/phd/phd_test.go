package phd

import (
	"testing"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
)

func sample(t testing.TB, k Kind) []ieee11073.Observation {
	cfg, ok := Configuration(k.ConfigID())
	if !ok {
		t.Fatalf("no configuration for %v", k)
	}
	at := ieee11073.AbsoluteTimeOf(time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC))
	var obs []ieee11073.Observation
	for i := range cfg.Objects {
		o := &cfg.Objects[i]
		n := max(len(o.PhysioList), 1)
		for j := range n {
			v, _ := ieee11073.NewFloat(int32(100+10*i+j), -1)
			obs = append(obs, ieee11073.Observation{Handle: o.Handle, Value: v, Time: at})
		}
	}
	if k == KindWrist { // a second acceleration sample
		for j := range 3 {
			v, _ := ieee11073.NewFloat(int32(j), -2)
			obs = append(obs, ieee11073.Observation{Handle: 4, Value: v, Time: at})
		}
	}
	return obs
}

func TestReportDecode(t *testing.T) {
	for k := range NumKinds {
		kind := Kind(k)
		t.Run(kind.String(), func(t *testing.T) {
			in := sample(t, kind)
			cfg, _ := Configuration(kind.ConfigID())
			b, err := Report(cfg, in, 7)
			if err != nil {
				t.Fatalf("Report: %v", err)
			}
			out, err := Decode(nil, kind.ConfigID(), b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(out) != len(in) {
				t.Fatalf("%d observations back, want %d", len(out), len(in))
			}
			for i := range in {
				if out[i].Value != in[i].Value && out[i].Value.Float64() != in[i].Value.Float64() {
					t.Errorf("observation %d: %v, want %v", i, out[i].Value, in[i].Value)
				}
				if _, err := ValueOf(&out[i]); err != nil {
					t.Errorf("ValueOf(%d): %v", i, err)
				}
			}
			for n := range len(b) {
				if _, err := Decode(nil, kind.ConfigID(), b[:n]); err == nil {
					t.Fatalf("Decode of a %d-byte prefix succeeded", n)
				}
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for k := range NumKinds {
		cfg, _ := Configuration(Kind(k).ConfigID())
		b, err := Report(cfg, sample(f, Kind(k)), 1)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint16(Kind(k).ConfigID()), b)
	}
	f.Fuzz(func(t *testing.T, id uint16, b []byte) {
		obs, err := Decode(nil, ieee11073.ConfigID(id), b)
		if err != nil {
			return
		}
		cfg, _ := Configuration(ieee11073.ConfigID(id))
		again, err := Report(cfg, obs, 1)
		if err != nil {
			return // e.g. values a fixed report cannot carry again
		}
		obs2, err := Decode(nil, ieee11073.ConfigID(id), again)
		if err != nil || len(obs2) != len(obs) {
			t.Fatalf("re-decoded %d observations (%v), want %d", len(obs2), err, len(obs))
		}
	})
}
