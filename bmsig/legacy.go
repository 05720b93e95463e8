package bmsig

import (
	"crypto/cipher"
	"crypto/subtle"
	"slices"

	"github.com/phdkit/phdkit/bmsig/internal/sha512iv"
)

// The legacy suite, exactly (SuiteLegacy):
//
//	key    = first 8 bytes of SHA-512(password)                     (LegacyKey)
//	iv     = BM-signature read as eight big-endian 64-bit words      (SHA-512 H(0))
//	digest = SHA-512 from H(0) = iv over header || payload, with the standard FIPS 180-4
//	         padding and a length field counting header || payload only
//	plain  = header || payload || digest, padded as PKCS#5: 1 to 8 bytes each equal to
//	         the pad length, always at least one
//	msg    = header || IV || DES-CBC(key, IV, plain), IV 8 random bytes per message
//
// The cleartext header lets the receiver route the message; the encrypted copy is what
// the digest covers, and the receiver requires both copies to match.

func ivFromSignature(sig *Signature) [8]uint64 {
	return sha512iv.IVFromBytes((*[64]byte)(sig))
}

func (s *Sender) sealLegacy(dst []byte, start int, payload []byte) []byte {
	hdr := dst[start : start+HeaderSize]
	d := sha512iv.Sum(s.iv, hdr, payload)
	copy(s.lpad[:legacyHashLen], d[:])
	plainLen := HeaderSize + len(payload) + legacyHashLen
	pad := 8 - plainLen%8
	for i := range pad {
		s.lpad[legacyHashLen+i] = byte(pad)
	}
	dst = append(dst, s.ivb[:]...)
	ct := len(dst)
	dst = append(dst, hdr...)
	dst = append(dst, payload...)
	dst = append(dst, s.lpad[:legacyHashLen+pad]...)
	cbcEncrypt(s.key.des, s.ivb[:], dst[ct:])
	return dst
}

// cbcEncrypt encrypts buf in place in CBC mode (NIST SP 800-38A, 6.2); len(buf) is a
// multiple of the block size. It is cipher.NewCBCEncrypter without the allocation.
func cbcEncrypt(b cipher.Block, iv, buf []byte) {
	prev := iv
	for i := 0; i < len(buf); i += 8 {
		blk := buf[i : i+8]
		subtle.XORBytes(blk, blk, prev)
		b.Encrypt(blk, blk)
		prev = blk
	}
}

// cbcDecrypt decrypts ct into dst (same length, not overlapping) in CBC mode.
func cbcDecrypt(b cipher.Block, iv, dst, ct []byte) {
	prev := iv
	for i := 0; i < len(ct); i += 8 {
		b.Decrypt(dst[i:i+8], ct[i:i+8])
		subtle.XORBytes(dst[i:i+8], dst[i:i+8], prev)
		prev = ct[i : i+8]
	}
}

// openLegacy decrypts and verifies msg (whose length ParseHeader checked) and appends the
// payload to dst.
func openLegacy(dst, msg []byte, key *Key, sig *Signature) ([]byte, error) {
	iv := msg[HeaderSize : HeaderSize+LegacyIVSize]
	ct := msg[HeaderSize+LegacyIVSize:]
	start := len(dst)
	dst = slices.Grow(dst, len(ct))[:start+len(ct)]
	plain := dst[start:]
	cbcDecrypt(key.des, iv, plain, ct)

	// Check the padding without branching on its bytes.
	n := len(plain)
	pad := int(plain[n-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, 8)
	for i := 1; i <= 8; i++ {
		in := subtle.ConstantTimeLessOrEq(i, pad)
		eq := subtle.ConstantTimeByteEq(plain[n-i], byte(pad))
		good &= subtle.ConstantTimeSelect(in, eq, 1)
	}
	// With bad padding, go on with pad 8 so the work below does not depend on it.
	pad = subtle.ConstantTimeSelect(good, pad, 8)
	body := plain[:n-pad]
	if len(body) < HeaderSize+legacyHashLen {
		clear(plain)
		return dst[:start], ErrTampered
	}
	inner := body[:HeaderSize]
	payload := body[HeaderSize : len(body)-legacyHashLen]
	got := body[len(body)-legacyHashLen:]
	want := sha512iv.Sum(ivFromSignature(sig), inner, payload)
	good &= subtle.ConstantTimeCompare(got, want[:])
	good &= subtle.ConstantTimeCompare(inner, msg[:HeaderSize])
	if good != 1 {
		clear(plain)
		return dst[:start], ErrTampered
	}
	m := copy(plain, payload)
	clear(plain[m:])
	return dst[:start+m], nil
}
