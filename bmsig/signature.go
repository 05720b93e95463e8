package bmsig

import (
	"cmp"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"slices"
	"strconv"
)

// Size is the length of a BM-signature in bytes: one SHA-512 digest.
const Size = sha512.Size

// Signature is a BM-signature: the SHA-512 digest of the highest and lowest value of each
// biosignal type of one user over the last t months.
type Signature [Size]byte

// Equal reports whether s and o are the same signature, in time independent of where
// they differ.
func (s *Signature) Equal(o *Signature) bool {
	return subtle.ConstantTimeCompare(s[:], o[:]) == 1
}

// Extremes is the highest and lowest value of one biosignal type.
type Extremes struct {
	// Code is the type's ISO/IEEE 11073-10101 nomenclature code: either the 16-bit term
	// code or the 32-bit partition<<16 | term form. Use one form consistently for a user.
	Code uint32
	High Decimal
	Low  Decimal
}

// canonicalPrefix starts every canonical encoding; it names the format and its version.
const canonicalPrefix = "phdkit-bmsig-v1\n"

// AppendCanonical appends the canonical encoding of ex to b: the line
// "phdkit-bmsig-v1", then one line per biosignal type in ascending Code order,
//
//	<code> SP <high> SP <low> LF
//
// where <code> is the code in decimal and <high>, <low> are canonical decimal text
// (Decimal.AppendText). Neither field can contain SP or LF, codes are unique and sorted,
// and equal numbers have one text, so equal sets of extremes, and only they, encode alike.
// ex must be sorted by Code without duplicates, and High must not be less than Low.
func AppendCanonical(b []byte, ex []Extremes) ([]byte, error) {
	if err := checkExtremes(ex); err != nil {
		return b, err
	}
	b = append(b, canonicalPrefix...)
	for i := range ex {
		b = strconv.AppendUint(b, uint64(ex[i].Code), 10)
		b = append(b, ' ')
		b, _ = ex[i].High.AppendText(b)
		b = append(b, ' ')
		b, _ = ex[i].Low.AppendText(b)
		b = append(b, '\n')
	}
	return b, nil
}

func checkExtremes(ex []Extremes) error {
	for i := range ex {
		if i > 0 && ex[i].Code <= ex[i-1].Code {
			return fmt.Errorf("%w: extremes not sorted by code: %d after %d", ErrMalformed, ex[i].Code, ex[i-1].Code)
		}
		if ex[i].High.Cmp(ex[i].Low) < 0 {
			return fmt.Errorf("%w: extremes of code %d: high below low", ErrMalformed, ex[i].Code)
		}
	}
	return nil
}

// SortExtremes sorts ex by Code in place.
func SortExtremes(ex []Extremes) {
	slices.SortFunc(ex, func(a, b Extremes) int { return cmp.Compare(a.Code, b.Code) })
}

// Compute returns the BM-signature of ex: SHA-512 over its canonical encoding
// (AppendCanonical). ex must be sorted by Code (see SortExtremes) without duplicates.
func Compute(ex []Extremes) (Signature, error) {
	b, err := AppendCanonical(make([]byte, 0, 64+32*len(ex)), ex)
	if err != nil {
		return Signature{}, err
	}
	return sha512.Sum512(b), nil
}

// AppendPaperText appends the text the published scheme's example hashes: the highest and
// the lowest value of each type, in the order ex lists the types, as canonical decimals
// separated by a comma and a space, with nothing before or after. For the published
// example (blood pressure 120/80, glucose 110/70, pulse 100/60, body fat 20/15, listed in
// that order) this is the 32-byte ASCII string
//
//	120, 80, 110, 70, 100, 60, 20, 15
//
// which is the argument list of the paper's SHA512(120, 80, 110, 70, 100, 60, 20, 15)
// character for character. The encoding does not name the types, so two sets of extremes
// in different orders or of different types can collide; prefer AppendCanonical.
func AppendPaperText(b []byte, ex []Extremes) []byte {
	for i := range ex {
		if i > 0 {
			b = append(b, ", "...)
		}
		b, _ = ex[i].High.AppendText(b)
		b = append(b, ", "...)
		b, _ = ex[i].Low.AppendText(b)
	}
	return b
}

// ComputePaper returns SHA-512 over AppendPaperText(ex): the BM-signature exactly as the
// published example builds it, for interoperating with systems built on that scheme.
func ComputePaper(ex []Extremes) Signature {
	return sha512.Sum512(AppendPaperText(make([]byte, 0, 16*len(ex)), ex))
}
