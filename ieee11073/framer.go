package ieee11073

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// APDU framing over a byte stream (IEEE 11073-20601 clause 8.1: an APDU travels whole; a
// stream transport such as TCP carries APDUs back to back, each delimited by its own header):
//
//	 0                   1                   2                   3
//	+-------+-------+-------+-------+-------+ ... +
//	|  choice (u16) |  length (u16) |  length octets of body   |
//	+-------+-------+-------+-------+-------+ ... +
//
// The length counts the octets after the 4-octet header.

// APDUHeaderLen is the size of the APDU header: choice and length, two octets each.
const APDUHeaderLen = 4

// DefaultMaxAPDU is the largest APDU, header included, a Framer accepts when told nothing
// else: 63 × 1024 octets, the largest APDU size 20601 lets a specialization declare.
const DefaultMaxAPDU = 63 * 1024

// ErrAPDUTooLarge means an APDU header announced more octets than the Framer's maximum. The
// stream cannot be resynchronized: the association must be aborted and the transport closed.
var ErrAPDUTooLarge = errors.New("ieee11073: APDU larger than the maximum size")

const framerInitialBuffer = 4096

// Framer reads whole APDUs from a byte stream, however the stream chunks them: an APDU may
// arrive one octet at a time, or many APDUs in one read.
//
// A Framer owns one read buffer, grown on demand up to the maximum APDU size and reused for
// every APDU; in the steady state ReadAPDU does not allocate. A Framer is not safe for
// concurrent use: one goroutine reads.
type Framer struct {
	r          io.Reader
	buf        []byte
	start, end int // buf[start:end] holds received octets not yet returned
	max        int
	err        error // sticky framing error
}

// NewFramer returns a Framer reading from r that accepts APDUs of at most maxAPDU octets,
// header included. maxAPDU <= 0 means DefaultMaxAPDU; values below the header size or above
// the largest APDU the header can describe (4 + 65535) are clamped to those bounds.
func NewFramer(r io.Reader, maxAPDU int) *Framer {
	switch {
	case maxAPDU <= 0:
		maxAPDU = DefaultMaxAPDU
	case maxAPDU < APDUHeaderLen:
		maxAPDU = APDUHeaderLen
	case maxAPDU > APDUHeaderLen+0xFFFF:
		maxAPDU = APDUHeaderLen + 0xFFFF
	}
	size := framerInitialBuffer
	if size > maxAPDU {
		size = maxAPDU
	}
	return &Framer{r: r, buf: make([]byte, size), max: maxAPDU}
}

// MaxAPDU returns the largest APDU, header included, the Framer accepts.
func (f *Framer) MaxAPDU() int { return f.max }

// Buffered returns the number of octets received and not yet returned by ReadAPDU. A server
// that answers APDUs can hold its replies while Buffered is non-zero and write them in one
// call once it drops to zero.
func (f *Framer) Buffered() int { return f.end - f.start }

// Ready reports whether a whole APDU is buffered, so that the next ReadAPDU returns without
// reading from the stream. A server answering APDUs writes its pending replies before a
// ReadAPDU that is not Ready, and so answers a burst of requests with one write.
func (f *Framer) Ready() bool {
	n := f.end - f.start
	return n >= APDUHeaderLen && n >= APDUHeaderLen+int(binary.BigEndian.Uint16(f.buf[f.start+2:]))
}

// ReadAPDU returns the next whole APDU, header included.
//
// The returned slice aliases the Framer's buffer: it is valid only until the next call to
// ReadAPDU, and the caller must copy what it keeps.
//
// Errors: io.EOF when the stream ends between APDUs; io.ErrUnexpectedEOF when it ends inside
// one; ErrAPDUTooLarge (wrapped, with the sizes) when a header announces an APDU above the
// maximum, after which every call returns the same error. Any other error from the
// underlying reader is returned as is, and octets already received stay buffered: after a
// read deadline expires (a timeout error) the caller may call ReadAPDU again and framing
// resumes where it stopped.
func (f *Framer) ReadAPDU() ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	for {
		if n := f.end - f.start; n >= APDUHeaderLen {
			size := APDUHeaderLen + int(binary.BigEndian.Uint16(f.buf[f.start+2:]))
			if size > f.max {
				f.err = fmt.Errorf("%w: APDU of %d octets, limit %d", ErrAPDUTooLarge, size, f.max)
				return nil, f.err
			}
			if n >= size {
				apdu := f.buf[f.start : f.start+size : f.start+size]
				f.start += size
				if f.start == f.end {
					f.start, f.end = 0, 0
				}
				return apdu, nil
			}
			f.makeRoom(size)
		} else {
			f.makeRoom(APDUHeaderLen)
		}
		if err := f.fill(); err != nil {
			return nil, err
		}
	}
}

// makeRoom makes the buffer able to hold need octets from f.start: it moves the pending
// octets to the front and, if the buffer is still too small, grows it.
func (f *Framer) makeRoom(need int) {
	if f.start+need <= len(f.buf) {
		return
	}
	if need > len(f.buf) {
		size := 2 * len(f.buf)
		if size < need {
			size = need
		}
		if size > f.max {
			size = f.max
		}
		nb := make([]byte, size)
		f.end = copy(nb, f.buf[f.start:f.end])
		f.start = 0
		f.buf = nb
		return
	}
	f.end = copy(f.buf, f.buf[f.start:f.end])
	f.start = 0
}

// fill reads once into the free end of the buffer.
func (f *Framer) fill() error {
	if f.end == len(f.buf) {
		// Only reachable when the buffer is full of complete APDUs, which ReadAPDU returns
		// before filling; kept as a guard against an infinite loop.
		return io.ErrShortBuffer
	}
	for empty := 0; ; empty++ {
		n, err := f.r.Read(f.buf[f.end:])
		f.end += n
		if n > 0 {
			return nil
		}
		if err == io.EOF {
			if f.end > f.start {
				return io.ErrUnexpectedEOF
			}
			return io.EOF
		}
		if err != nil {
			return err
		}
		if empty >= 100 {
			return io.ErrNoProgress
		}
	}
}
