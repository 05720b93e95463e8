package sha512iv

import (
	"crypto/sha512"
	"encoding/hex"
	"testing"
)

// TestStandardIVMatchesStdlib checks every length across the padding boundaries (and a
// few multi-block ones), split into parts at every offset, against crypto/sha512.
func TestStandardIVMatchesStdlib(t *testing.T) {
	msg := make([]byte, 600)
	for i := range msg {
		msg[i] = byte(i*131 + 7)
	}
	for n := 0; n <= len(msg); n++ {
		want := sha512.Sum512(msg[:n])
		if got := Sum(StandardIV, msg[:n]); got != want {
			t.Fatalf("Sum(StandardIV, %d bytes) = %x, want %x", n, got, want)
		}
		for _, cut := range []int{0, 1, n / 3, n / 2, n - 1} {
			if cut < 0 || cut > n {
				continue
			}
			if got := Sum(StandardIV, msg[:cut], nil, msg[cut:n]); got != want {
				t.Fatalf("Sum(StandardIV, split %d/%d) = %x, want %x", cut, n, got, want)
			}
		}
	}
}

// TestFIPSVectors checks the FIPS 180-4 examples "abc" and the 896-bit message.
func TestFIPSVectors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
	} {
		got := Sum(StandardIV, []byte(tt.in))
		if hex.EncodeToString(got[:]) != tt.want {
			t.Errorf("Sum(%q) = %x, want %s", tt.in, got, tt.want)
		}
	}
}

// TestIVChangesDigest checks that a different initial value changes the digest and that
// IVFromBytes reads big-endian words.
func TestIVChangesDigest(t *testing.T) {
	var b [64]byte
	for i := range b {
		b[i] = byte(i)
	}
	iv := IVFromBytes(&b)
	if iv[0] != 0x0001020304050607 || iv[7] != 0x38393a3b3c3d3e3f {
		t.Fatalf("IVFromBytes = %x", iv)
	}
	if Sum(iv, []byte("abc")) == Sum(StandardIV, []byte("abc")) {
		t.Fatal("a different IV gave the standard digest")
	}
}
