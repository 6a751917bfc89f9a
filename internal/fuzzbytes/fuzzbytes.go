// Package fuzzbytes turns the bytes a fuzzer hands a test into the values that test needs, so
// that the fuzz tests of several packages read their inputs the same way. Reading past the end
// yields zeros: every input, however short, is a valid program.
package fuzzbytes

import (
	"encoding/binary"
	"math"
	"time"
)

// Reader reads values from a fuzzer's bytes, front to back. It is not safe for concurrent use.
type Reader struct{ b []byte }

// New returns a Reader of b.
func New(b []byte) *Reader { return &Reader{b: b} }

// Len returns how many bytes are left to read.
func (r *Reader) Len() int { return len(r.b) }

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Bytes reads up to n bytes (fewer at the end of the input).
func (r *Reader) Bytes(n int) []byte {
	n = min(max(n, 0), len(r.b))
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// Uint64 reads eight bytes, little-endian.
func (r *Reader) Uint64() uint64 {
	var buf [8]byte
	n := copy(buf[:], r.b)
	r.b = r.b[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

// Uint16 reads two bytes, little-endian.
func (r *Reader) Uint16() uint16 { return uint16(r.Byte()) | uint16(r.Byte())<<8 }

// Int reads a small int (-128 to 127), or any int at all: a leading byte chooses.
func (r *Reader) Int() int {
	if r.Byte()%2 == 0 {
		return int(int8(r.Byte()))
	}
	return int(r.Uint64())
}

// Float reads a small value, a multiple of 1/scale between -128/scale and 127/scale, or any
// float64 bits (NaN, infinities, subnormals): a leading byte chooses.
func (r *Reader) Float(scale float64) float64 {
	if r.Byte()%2 == 0 {
		return float64(int8(r.Byte())) / scale
	}
	return math.Float64frombits(r.Uint64())
}

// Duration reads a few milliseconds either side of 0, or any duration at all: a leading byte
// chooses.
func (r *Reader) Duration() time.Duration {
	if r.Byte()%2 == 0 {
		return time.Duration(int8(r.Byte())) * time.Millisecond
	}
	return time.Duration(r.Uint64())
}
