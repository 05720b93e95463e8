#!/usr/bin/env python3
"""Independent check of kat.json, written from the specifications (RFC 9106 Argon2id via
pyca/cryptography, RFC 5869 HKDF, draft-irtf-cfrg-xchacha HChaCha20 + RFC 8439
ChaCha20-Poly1305, RFC 2104 HMAC, FIPS 180-4 SHA-512 with a chosen initial value, FIPS 46-3
DES in CBC mode), sharing no code with the Go package.

Usage: python3 katcheck.py kat.json     (exit status 0 when every vector checks)
Needs the 'cryptography' module; Argon2id is checked only where it provides it (44 and
newer); otherwise the vector's recorded master secret is taken as given.
"""
import functools, hashlib, hmac, json, struct, sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.ciphers import Cipher, modes
try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
try:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
except ImportError:
    Argon2id = None

M64 = (1 << 64) - 1

def rotr(x, n): return ((x >> n) | (x << (64 - n))) & M64

K = [int(x, 16) for x in """
428a2f98d728ae22 7137449123ef65cd b5c0fbcfec4d3b2f e9b5dba58189dbbc 3956c25bf348b538 59f111f1b605d019
923f82a4af194f9b ab1c5ed5da6d8118 d807aa98a3030242 12835b0145706fbe 243185be4ee4b28c 550c7dc3d5ffb4e2
72be5d74f27b896f 80deb1fe3b1696b1 9bdc06a725c71235 c19bf174cf692694 e49b69c19ef14ad2 efbe4786384f25e3
0fc19dc68b8cd5b5 240ca1cc77ac9c65 2de92c6f592b0275 4a7484aa6ea6e483 5cb0a9dcbd41fbd4 76f988da831153b5
983e5152ee66dfab a831c66d2db43210 b00327c898fb213f bf597fc7beef0ee4 c6e00bf33da88fc2 d5a79147930aa725
06ca6351e003826f 142929670a0e6e70 27b70a8546d22ffc 2e1b21385c26c926 4d2c6dfc5ac42aed 53380d139d95b3df
650a73548baf63de 766a0abb3c77b2a8 81c2c92e47edaee6 92722c851482353b a2bfe8a14cf10364 a81a664bbc423001
c24b8b70d0f89791 c76c51a30654be30 d192e819d6ef5218 d69906245565a910 f40e35855771202a 106aa07032bbd1b8
19a4c116b8d2d0c8 1e376c085141ab53 2748774cdf8eeb99 34b0bcb5e19b48a8 391c0cb3c5c95a63 4ed8aa4ae3418acb
5b9cca4f7763e373 682e6ff3d6b2b8a3 748f82ee5defb2fc 78a5636f43172f60 84c87814a1f0ab72 8cc702081a6439ec
90befffa23631e28 a4506cebde82bde9 bef9a3f7b2c67915 c67178f2e372532b ca273eceea26619c d186b8c721c0c207
eada7dd6cde0eb1e f57d4f7fee6ed178 06f067aa72176fba 0a637dc5a2c898a6 113f9804bef90dae 1b710b35131c471b
28db77f523047d84 32caab7b40c72493 3c9ebe0a15c9bebc 431d67c49c100d4c 4cc5d4becb3e42b6 597f299cfc657e2a
5fcb6fab3ad6faec 6c44198c4a475817""".split()]

def sha512_from(h0, msg):
    """SHA-512 of msg starting from the eight words h0 (FIPS 180-4, 6.4)."""
    ml = len(msg) * 8
    msg = msg + b"\x80" + b"\x00" * ((112 - (len(msg) + 1) % 128) % 128) + ml.to_bytes(16, "big")
    h = list(h0)
    for off in range(0, len(msg), 128):
        w = list(struct.unpack(">16Q", msg[off:off + 128]))
        for t in range(16, 80):
            s0 = rotr(w[t-15], 1) ^ rotr(w[t-15], 8) ^ (w[t-15] >> 7)
            s1 = rotr(w[t-2], 19) ^ rotr(w[t-2], 61) ^ (w[t-2] >> 6)
            w.append((w[t-16] + s0 + w[t-7] + s1) & M64)
        a, b, c, d, e, f, g, hh = h
        for t in range(80):
            t1 = (hh + (rotr(e, 14) ^ rotr(e, 18) ^ rotr(e, 41)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) & M64
            t2 = ((rotr(a, 28) ^ rotr(a, 34) ^ rotr(a, 39)) + ((a & b) ^ (a & c) ^ (b & c))) & M64
            hh, g, f, e, d, c, b, a = g, f, e, (d + t1) & M64, c, b, a, (t1 + t2) & M64
        h = [(x + y) & M64 for x, y in zip(h, [a, b, c, d, e, f, g, hh])]
    return b"".join(x.to_bytes(8, "big") for x in h)

M32 = 0xffffffff
def rotl32(x, n): return ((x << n) | (x >> (32 - n))) & M32

def hchacha20(key, nonce16):
    s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] + list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))
    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & M32; s[d] = rotl32(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & M32; s[b] = rotl32(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & M32; s[d] = rotl32(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & M32; s[b] = rotl32(s[b] ^ s[c], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))

def xchacha_seal(key, nonce24, pt, ad):
    sub = hchacha20(key, nonce24[:16])
    return ChaCha20Poly1305(sub).encrypt(b"\x00" * 4 + nonce24[16:], pt, ad)

def hkdf(master, info, n):
    return HKDFExpand(algorithm=hashes.SHA512(), length=n, info=info.encode()).derive(master)

@functools.lru_cache(maxsize=None)
def argon2id(password, salt_hex, t, m, p):
    return Argon2id(salt=bytes.fromhex(salt_hex), length=32, iterations=t, lanes=p,
                    memory_cost=m).derive(password.encode())

def header(v, suite, key_id):
    return (bytes([1, suite]) + struct.pack(">QQQq", v["user"], v["device"], v["seq"], v["unix_milli"]) + key_id)

def check(v):
    sig = bytes.fromhex(v["signature"])
    assert hashlib.sha512(v["signature_text"].encode()).digest() == sig, "signature"
    rand = bytes.fromhex(v["rand"])
    payload = bytes.fromhex(v["payload"])
    if v["suite"] == "legacy":
        key = hashlib.sha512(v["password"].encode()).digest()[:8]
        hdr = header(v, 3, b"\x00" * 8)
        iv_words = struct.unpack(">8Q", sig)
        # The chosen-IV SHA-512 must agree with hashlib on the standard IV.
        std = [0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
               0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179]
        assert sha512_from(std, hdr + payload) == hashlib.sha512(hdr + payload).digest()
        plain = hdr + payload + sha512_from(iv_words, hdr + payload)
        pad = 8 - len(plain) % 8
        plain += bytes([pad]) * pad
        enc = Cipher(TripleDES(key * 3), modes.CBC(rand)).encryptor()  # K1=K2=K3 is single DES
        msg = hdr + rand + enc.update(plain) + enc.finalize()
    else:
        master = bytes.fromhex(v["argon2id_master"])
        t = v.get("argon2_time") or 3
        m = v.get("argon2_memory_kib") or 65536
        p = v.get("argon2_threads") or 4
        if Argon2id is not None:
            got = argon2id(v["password"], v["salt"], t, m, p)
            assert got == master, "argon2id master"
        key_id = hkdf(master, "phdkit bmsig v1 key identifier", 8)
        assert key_id.hex() == v["key_id"], "key id"
        if v["suite"] == "aead":
            hdr = header(v, 1, key_id)
            nonce = rand + struct.pack(">Q", v["seq"])
            key = hkdf(master, "phdkit bmsig v1 xchacha20poly1305 key", 32)
            msg = hdr + nonce + xchacha_seal(key, nonce, payload, hdr + sig)
        else:
            hdr = header(v, 2, key_id)
            key = hkdf(master, "phdkit bmsig v1 hmac-sha512 key", 64)
            msg = hdr + payload + hmac.new(key, hdr + sig + payload, hashlib.sha512).digest()
    assert msg.hex() == v["message"], "message"

def main():
    vs = json.load(open(sys.argv[1]))
    for v in vs:
        try:
            check(v)
        except AssertionError as e:
            print("FAIL", v["name"], e)
            sys.exit(1)
        print("ok", v["name"])
    print("argon2id", "checked" if Argon2id else "not available: master secrets taken as given")

if __name__ == "__main__":
    main()
