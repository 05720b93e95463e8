package ieee11073

import (
	"crypto/sha256"
	"testing"
	"time"
)

// cpuMeter reports the process CPU time per operation of a benchmark as cpu-ns/op.
type cpuMeter struct{ start time.Duration }

func startCPU() cpuMeter { return cpuMeter{processCPU()} }

func (m cpuMeter) report(b *testing.B) {
	if end := processCPU(); end > 0 && b.N > 0 {
		b.ReportMetric(float64(end-m.start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkDecodeEventReportBP decodes the 66-byte confirmed blood-pressure event report of
// the 10407 examples all the way to its four observation values, into a reused APDU and
// observation slice.
func BenchmarkDecodeEventReportBP(b *testing.B) {
	msg := vectorBytes(b, "er_bp_02BC_std_example")
	cfg, _ := StandardConfiguration(0x02BC)
	var a APDU
	dst := make([]Observation, 0, 8)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	cpu := startCPU()
	defer cpu.report(b)
	for b.Loop() {
		if _, err := a.Unmarshal(msg); err != nil {
			b.Fatal(err)
		}
		var err error
		if dst, err = cfg.Observations(dst[:0], &a.PRST.EventReport); err != nil || len(dst) != 4 {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeEventReportBPFresh is BenchmarkDecodeEventReportBP with a new APDU and
// observation slice for every report.
func BenchmarkDecodeEventReportBPFresh(b *testing.B) {
	msg := vectorBytes(b, "er_bp_02BC_std_example")
	cfg, _ := StandardConfiguration(0x02BC)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	cpu := startCPU()
	defer cpu.report(b)
	for b.Loop() {
		a := new(APDU)
		if _, err := a.Unmarshal(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := cfg.Observations(nil, &a.PRST.EventReport); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeEventReportBP encodes the same report into a reused buffer.
func BenchmarkEncodeEventReportBP(b *testing.B) {
	msg := vectorBytes(b, "er_bp_02BC_std_example")
	var a APDU
	if _, err := a.Unmarshal(msg); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	cpu := startCPU()
	defer cpu.report(b)
	for b.Loop() {
		var err error
		if buf, err = a.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256_64 is the baseline the decoding target is measured against: SHA-256 of
// 64 bytes.
func BenchmarkSHA256_64(b *testing.B) {
	var in [64]byte
	b.ReportAllocs()
	b.SetBytes(64)
	cpu := startCPU()
	defer cpu.report(b)
	for b.Loop() {
		sum := sha256.Sum256(in[:])
		in[0] = sum[0]
	}
}
