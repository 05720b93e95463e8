// Package bmsig computes biomedical signatures (BM-signatures) and uses them to
// authenticate and encrypt personal health device messages, with replay protection.
//
// A BM-signature binds a message to its user's own history: it is the SHA-512 digest of
// the highest and the lowest value of every biosignal type the user measured over the last
// t months. A sender and a receiver that both hold that history derive the same signature
// and bind every message to it, on top of a key derived from the user's password.
//
// # BM-signature
//
// Compute hashes a canonical encoding of the extremes (AppendCanonical): one line per type,
// types keyed by ISO/IEEE 11073 nomenclature code in ascending order, values as exact
// decimals (Decimal, never binary floating point). Tracker maintains it incrementally as
// measurements arrive, over a sliding window of calendar months: two monotonic deques per
// type make each measurement O(1) amortised (after a binary search over the
// user's types) and let old extremes expire.
//
// The published scheme's example, highest/lowest blood pressure 120/80, glucose 110/70,
// pulse 100/60 and body fat 20/15, gives SHA512(120, 80, 110, 70, 100, 60, 20, 15).
// ComputePaper reproduces it by hashing the argument list as printed, the 32 ASCII bytes
// "120, 80, 110, 70, 100, 60, 20, 15". Compute encodes the same extremes (with codes
// MDC_PULS_RATE_NON_INV 18474, MDC_PRESS_BLD_NONINV 18948,
// MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD 29112, MDC_BODY_FAT 57676) as
//
//	phdkit-bmsig-v1\n18474 100 60\n18948 120 80\n29112 110 70\n57676 20 15\n
//
// which, unlike the printed list, names each type and cannot collide across orders.
//
// # Suites
//
// A Sender seals and a Receiver opens; both take a Key and a Signature. Every message
// carries a cleartext Header (user, device, sequence number, time, key identifier) that
// every suite authenticates.
//
//   - SuiteAEAD (default): XChaCha20-Poly1305 over the payload, with header and
//     BM-signature as additional data. The 24-byte nonce is a 16-byte random prefix drawn
//     once per Sender followed by the 64-bit sequence number, so it never repeats within a
//     Sender and collides across Senders with negligible probability.
//   - SuiteMAC: authentication only, HMAC-SHA512 over header, BM-signature and payload.
//   - SuiteLegacy: the published scheme, INSECURE, for interoperation only: SHA-512 whose
//     initial hash value is the BM-signature (its 64 bytes as eight big-endian words),
//     appended to the message, then DES-CBC under the first 8 bytes of SHA-512(password)
//     with a random 8-byte IV and PKCS#5 padding. See LegacyKey and the Header layout.
//
// DeriveKey turns a password into a modern Key with Argon2id (per-user salt, KDFParams with
// safe defaults and a floor) and separates the AEAD key, the HMAC key and the key
// identifier with HKDF-SHA512. Derive a Key once per user and reuse it; Seal and Open do no
// key derivation.
//
// # Usage
//
//	key, err := bmsig.DeriveKey(password, salt, bmsig.KDFParams{})
//	tr := bmsig.NewTracker(bmsig.TrackerConfig{Months: 6})
//	tr.Add(18948, at, bmsig.Decimal{Mant: 120}) // for every measurement
//	sig := tr.Signature(now)
//
//	s, err := bmsig.NewSender(bmsig.SenderConfig{Key: key, User: 7, Device: 0x0102})
//	s.SetSignature(&sig)
//	msg, err := s.Seal(nil, payload, now)
//
//	r, err := bmsig.NewReceiver(bmsig.ReceiverConfig{})
//	h, err := bmsig.ParseHeader(msg) // find h.User's key and signature
//	payload, h, err = r.Open(nil, msg, key, &sig, now)
//
// # Threat model
//
// Protected, with SuiteAEAD: the payload's confidentiality; the integrity and origin of
// header and payload against anyone without the key; binding to the BM-signature (a
// message sealed under one signature does not open under another); replays, reorders
// beyond the window and stale messages, per (user, device), as long as the receiver's
// replay state is persisted (Receiver.MarshalBinary) before it acknowledges messages.
// SuiteMAC gives the same without confidentiality.
//
// What a BM-signature is not: a key. It has little entropy (a handful of physiological
// values in narrow ranges) and anyone who sees the user's measurements, or guesses them,
// can derive it. It binds a message to a shared view of the user's history, so a message
// that opens also proves sender and receiver agree on that history; all secrecy comes
// from the password-derived key. A password is only as strong as its entropy: Argon2id
// makes each guess cost memory and time, not guessing impossible.
//
// Not protected: the header is readable (who sends, when, how often); the payload length
// is visible; a compromised sender or receiver; a receiver whose replay state is lost or
// rolled back (replays since the saved state are accepted again); clock errors beyond
// MaxAge and MaxSkew; denial of service. The key identifier in each header lets a receiver
// tell a wrong key (ErrWrongKey) from tampering (ErrTampered); it reveals nothing a sealed
// message does not, since testing a password guess against either costs one Argon2id run.
// Because the identifier is only authenticated together with the message, an attacker can
// alter it to turn ErrTampered into ErrWrongKey; either way the message is rejected.
//
// SuiteLegacy protects nothing against a capable attacker: DES has a 56-bit key, the key is
// an unsalted fast hash of the password, a keyed initial value is not a MAC (SHA-512 from
// a secret state is open to length extension of the digest, and the state here is the
// low-entropy BM-signature), and CBC with a padding check can be a padding oracle. Use it
// only to exchange messages with systems that speak the published scheme.
//
// Errors name what failed (ErrMalformed with a *DecodeError, ErrWrongKey, ErrTampered,
// ErrReplay, ErrReordered, ErrStale, ErrSuite) and never contain key material, passwords,
// signatures or plaintext. Secrets are compared in constant time.
//
// # Buffers and concurrency
//
// Seal and Open append to dst and never retain dst, payload or msg; the returned slices
// alias dst. A Key is immutable and safe for concurrent use. A Sender, a Receiver and a
// Tracker each belong to one goroutine. The package starts no goroutines.
package bmsig
