package svm

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Model format, version 1. All integers are big-endian and unsigned unless noted;
// every float is an IEEE 754 binary64, big-endian, and must be finite.
//
//	offset  size  field
//	0       6     magic "PHDSVM"
//	6       1     version = 1
//	7       1     kind: 1 linear, 2 kernel
//	8       1     multiclass: 0 one-vs-rest, 1 crammer-singer (linear only),
//	              2 one-vs-one (kernel only)
//	9       4     d, features per record, 1 to 65536
//	13      4     k, classes, 2 to 65536
//	17      8·k   class labels, int64 (two's complement), strictly increasing
//
// then, for kind 1 (linear), with m machines (1 when k = 2, else k):
//
//	8·m·(d+1)  per machine: d weights on the raw features, then the intercept
//
// and for kind 2 (kernel), with m machines (1 when k = 2, else k for one-vs-rest and
// k(k−1)/2 for one-vs-one):
//
//	1     kernel: 0 rbf, 1 linear, 2 polynomial
//	8     gamma, > 0
//	8     coef0
//	1     degree, 1 to 32
//	8·d   standardisation means
//	8·d   standardisation reciprocal deviations, > 0
//	4     s, number of support vectors
//	8·m   rho per machine
//	s·8·(d+m)  per support vector: d standardised features, then m coefficients
//
// Nothing follows. LoadModel rejects trailing bytes; Unmarshal reports how many it used.
const (
	formatMagic = "PHDSVM"
	// FormatVersion is the model format version this package writes and reads.
	FormatVersion = 1

	kindLinear = 1
	kindKernel = 2
	maxDim     = 1 << 16
)

func appendHeader(b []byte, kind byte, multi Multiclass, d int, classes []int) []byte {
	b = append(b, formatMagic...)
	b = append(b, FormatVersion, kind, byte(multi))
	b = binary.BigEndian.AppendUint32(b, uint32(d))
	b = binary.BigEndian.AppendUint32(b, uint32(len(classes)))
	for _, c := range classes {
		b = binary.BigEndian.AppendUint64(b, uint64(int64(c)))
	}
	return b
}

func appendFloats(b []byte, v []float64) []byte {
	for _, f := range v {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(f))
	}
	return b
}

// AppendBinary appends m in the model format to b.
func (m *LinearModel) AppendBinary(b []byte) ([]byte, error) {
	if m.d == 0 || len(m.classes) < 2 {
		return b, fmt.Errorf("%w: empty model", ErrFormat)
	}
	b = appendHeader(b, kindLinear, m.multi, m.d, m.classes)
	return appendFloats(b, m.w), nil
}

// MarshalBinary returns m in the model format.
func (m *LinearModel) MarshalBinary() ([]byte, error) { return m.AppendBinary(nil) }

// AppendBinary appends m in the model format to b.
func (m *KernelModel) AppendBinary(b []byte) ([]byte, error) {
	if m.d == 0 || len(m.classes) < 2 {
		return b, fmt.Errorf("%w: empty model", ErrFormat)
	}
	b = appendHeader(b, kindKernel, m.multi, m.d, m.classes)
	b = append(b, byte(m.kern.kind))
	b = appendFloats(b, []float64{m.kern.gamma, m.kern.coef0})
	b = append(b, byte(m.kern.degree))
	b = appendFloats(b, m.scale.Mean)
	b = appendFloats(b, m.scale.Inv)
	b = binary.BigEndian.AppendUint32(b, uint32(m.NumSupport()))
	b = appendFloats(b, m.rho)
	nm, d := len(m.rho), m.d
	for s := 0; s < m.NumSupport(); s++ {
		b = appendFloats(b, m.sv[s*d:(s+1)*d])
		b = appendFloats(b, m.coef[s*nm:(s+1)*nm])
	}
	return b, nil
}

// MarshalBinary returns m in the model format.
func (m *KernelModel) MarshalBinary() ([]byte, error) { return m.AppendBinary(nil) }

// reader is a bounds-checked cursor that records the first failure as a DecodeError.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(field string, err error) {
	if r.err == nil {
		r.err = &DecodeError{Offset: r.off, Field: field, Err: err}
	}
}

func (r *reader) take(n int, field string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail(field, fmt.Errorf("%w: need %d bytes, have %d", ErrFormat, n, len(r.b)-r.off))
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) u8(field string) byte {
	if s := r.take(1, field); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) u32(field string) uint32 {
	if s := r.take(4, field); s != nil {
		return binary.BigEndian.Uint32(s)
	}
	return 0
}

func (r *reader) f64(field string) float64 {
	at := r.off
	s := r.take(8, field)
	if s == nil {
		return 0
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(s))
	if math.IsNaN(v) || math.IsInf(v, 0) {
		r.off = at
		r.fail(field, fmt.Errorf("%w: non-finite value", ErrFormat))
		r.off = at + 8
		return 0
	}
	return v
}

// floats reads n floats into dst[:0] after checking that 8n bytes remain.
func (r *reader) floats(dst []float64, n int, field string) []float64 {
	if r.err != nil {
		return dst[:0]
	}
	if n < 0 || (len(r.b)-r.off)/8 < n {
		r.fail(field, fmt.Errorf("%w: need %d values, have %d bytes", ErrFormat, n, len(r.b)-r.off))
		return dst[:0]
	}
	dst = slices.Grow(dst[:0], n)
	for i := 0; i < n && r.err == nil; i++ {
		dst = append(dst, r.f64(field))
	}
	return dst
}

// header reads the common header and returns kind, multiclass, d and the classes.
func (r *reader) header(classes []int) (byte, Multiclass, int, []int) {
	if m := r.take(len(formatMagic), "header.magic"); m != nil && string(m) != formatMagic {
		r.off -= len(formatMagic)
		r.fail("header.magic", fmt.Errorf("%w: not a model (magic %q)", ErrFormat, m))
	}
	at := r.off
	if v := r.u8("header.version"); r.err == nil && v != FormatVersion {
		r.off = at
		r.fail("header.version", fmt.Errorf("%w: %d, want %d", ErrVersion, v, FormatVersion))
	}
	at = r.off
	kind := r.u8("header.kind")
	if r.err == nil && kind != kindLinear && kind != kindKernel {
		r.off = at
		r.fail("header.kind", fmt.Errorf("%w: unknown kind %d", ErrFormat, kind))
	}
	at = r.off
	multi := Multiclass(r.u8("header.multiclass"))
	if r.err == nil && (multi > OneVsOne || (kind == kindLinear && multi == OneVsOne) || (kind == kindKernel && multi == CrammerSinger)) {
		r.off = at
		r.fail("header.multiclass", fmt.Errorf("%w: %v not valid for kind %d", ErrFormat, multi, kind))
	}
	at = r.off
	d := int(r.u32("header.features"))
	if r.err == nil && (d < 1 || d > maxDim) {
		r.off = at
		r.fail("header.features", fmt.Errorf("%w: %d features, want 1 to %d", ErrFormat, d, maxDim))
	}
	at = r.off
	k := int(r.u32("header.classes"))
	if r.err == nil && (k < 2 || k > maxDim) {
		r.off = at
		r.fail("header.classes", fmt.Errorf("%w: %d classes, want 2 to %d", ErrFormat, k, maxDim))
	}
	if r.err == nil && (len(r.b)-r.off)/8 < k {
		r.fail("header.labels", fmt.Errorf("%w: %d labels do not fit in %d bytes", ErrFormat, k, len(r.b)-r.off))
	}
	classes = classes[:0]
	for i := 0; i < k && r.err == nil; i++ {
		at = r.off
		v := int64(binary.BigEndian.Uint64(r.take(8, "header.labels")))
		if int64(int(v)) != v {
			r.off = at
			r.fail(fmt.Sprintf("header.labels[%d]", i), fmt.Errorf("%w: label %d overflows int", ErrFormat, v))
		} else if i > 0 && int(v) <= classes[i-1] {
			r.off = at
			r.fail(fmt.Sprintf("header.labels[%d]", i), fmt.Errorf("%w: labels not strictly increasing", ErrFormat))
		}
		classes = append(classes, int(v))
	}
	return kind, multi, d, classes
}

// Unmarshal decodes a linear model from the start of b, overwriting m, and returns the
// number of bytes used. m keeps no reference to b. The loaded model has no
// SupportIndices.
func (m *LinearModel) Unmarshal(b []byte) (int, error) {
	r := &reader{b: b}
	kind, multi, d, classes := r.header(m.classes)
	if r.err == nil && kind != kindLinear {
		r.err = &DecodeError{Offset: 7, Field: "header.kind", Err: fmt.Errorf("%w: kind %d is not a linear model", ErrFormat, kind)}
	}
	if r.err != nil {
		return 0, r.err
	}
	nm := machines(multi, len(classes))
	if multi == CrammerSinger {
		nm = len(classes)
	}
	w := r.floats(m.w, nm*(d+1), "weights")
	if r.err != nil {
		return 0, r.err
	}
	*m = LinearModel{classes: classes, d: d, multi: multi, w: w}
	return r.off, nil
}

// Unmarshal decodes a kernel model from the start of b, overwriting m, and returns the
// number of bytes used. m keeps no reference to b. The loaded model has no
// SupportIndices.
func (m *KernelModel) Unmarshal(b []byte) (int, error) {
	r := &reader{b: b}
	kind, multi, d, classes := r.header(m.classes)
	if r.err == nil && kind != kindKernel {
		r.err = &DecodeError{Offset: 7, Field: "header.kind", Err: fmt.Errorf("%w: kind %d is not a kernel model", ErrFormat, kind)}
	}
	at := r.off
	kt := KernelType(r.u8("kernel.type"))
	if r.err == nil && kt > KernelPoly {
		r.off = at
		r.fail("kernel.type", fmt.Errorf("%w: unknown kernel %d", ErrFormat, kt))
	}
	at = r.off
	gamma := r.f64("kernel.gamma")
	if r.err == nil && !(gamma > 0) {
		r.off = at
		r.fail("kernel.gamma", fmt.Errorf("%w: gamma %v, want > 0", ErrFormat, gamma))
	}
	coef0 := r.f64("kernel.coef0")
	at = r.off
	degree := int(r.u8("kernel.degree"))
	if r.err == nil && (degree < 1 || degree > 32) {
		r.off = at
		r.fail("kernel.degree", fmt.Errorf("%w: degree %d, want 1 to 32", ErrFormat, degree))
	}
	mean := r.floats(m.scale.Mean, d, "scale.mean")
	at = r.off
	inv := r.floats(m.scale.Inv, d, "scale.inv")
	for j, v := range inv {
		if r.err == nil && !(v > 0) {
			r.off = at + 8*j
			r.fail(fmt.Sprintf("scale.inv[%d]", j), fmt.Errorf("%w: %v, want > 0", ErrFormat, v))
		}
	}
	at = r.off
	nsv := int(r.u32("support.count"))
	nm := 0
	if r.err == nil {
		nm = machines(multi, len(classes))
		if per := 8 * (d + nm); (len(r.b)-r.off-8*nm)/per < nsv || len(r.b)-r.off < 8*nm {
			r.off = at
			r.fail("support.count", fmt.Errorf("%w: %d support vectors do not fit in %d bytes", ErrFormat, nsv, len(r.b)-at-4))
		}
	}
	rho := r.floats(m.rho, nm, "rho")
	var sv, coef []float64
	if r.err == nil {
		sv = slices.Grow(m.sv[:0], nsv*d)
		coef = slices.Grow(m.coef[:0], nsv*nm)
	}
	for s := 0; s < nsv && r.err == nil; s++ {
		for j := 0; j < d; j++ {
			sv = append(sv, r.f64(fmt.Sprintf("sv[%d]", s)))
		}
		for c := 0; c < nm; c++ {
			coef = append(coef, r.f64(fmt.Sprintf("coef[%d]", s)))
		}
	}
	if r.err != nil {
		return 0, r.err
	}
	*m = KernelModel{
		classes: classes, d: d, multi: multi,
		kern:  kernelFunc{kind: kt, gamma: gamma, coef0: coef0, degree: degree},
		scale: scaler{Mean: mean, Inv: inv},
		sv:    sv, coef: coef, rho: rho,
	}
	return r.off, nil
}

// LoadModel decodes a model written by AppendBinary or MarshalBinary. It rejects
// malformed input, unknown versions and trailing bytes with a *DecodeError that wraps
// ErrFormat or ErrVersion.
func LoadModel(b []byte) (Model, error) {
	r := &reader{b: b}
	kind, _, _, _ := r.header(nil)
	if r.err != nil {
		return nil, r.err
	}
	var m Model
	var n int
	var err error
	if kind == kindLinear {
		lm := new(LinearModel)
		n, err = lm.Unmarshal(b)
		m = lm
	} else {
		km := new(KernelModel)
		n, err = km.Unmarshal(b)
		m = km
	}
	if err != nil {
		return nil, err
	}
	if n != len(b) {
		return nil, &DecodeError{Offset: n, Field: "trailer", Err: fmt.Errorf("%w: %d bytes after the model", ErrFormat, len(b)-n)}
	}
	return m, nil
}
