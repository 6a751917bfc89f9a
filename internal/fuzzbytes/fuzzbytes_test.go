package fuzzbytes_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/internal/fuzzbytes"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestReadsInOrderAndZerosPastTheEnd(t *testing.T) {
	r := fuzzbytes.New([]byte{7, 1, 2, 3, 4, 5, 6, 7, 8, 0x34, 0x12, 9})
	assert.Equal(t, byte(7), r.Byte())
	assert.Equal(t, uint64(0x0807060504030201), r.Uint64())
	assert.Equal(t, uint16(0x1234), r.Uint16())
	assert.Equal(t, 1, r.Len())
	assert.Equal(t, []byte{9}, r.Bytes(5), "fewer at the end")
	assert.Zero(t, r.Len())
	assert.Zero(t, r.Byte())
	assert.Zero(t, r.Uint64())
	assert.Empty(t, r.Bytes(3))
	assert.Empty(t, fuzzbytes.New([]byte{1}).Bytes(-1))
}

func TestSmallOrAnything(t *testing.T) {
	for _, tc := range []struct {
		in    []byte
		int   int
		float float64
		dur   time.Duration
	}{
		{[]byte{0, 0xff}, -1, -1.0 / 64, -time.Millisecond},
		{[]byte{2, 64}, 64, 1, 64 * time.Millisecond},
		{[]byte{1, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f}, int(0x7ff8000000000000), math.NaN(), time.Duration(0x7ff8000000000000)},
	} {
		assert.Equal(t, tc.int, fuzzbytes.New(tc.in).Int())
		f := fuzzbytes.New(tc.in).Float(64)
		if math.IsNaN(tc.float) {
			assert.True(t, math.IsNaN(f))
		} else {
			assert.Equal(t, tc.float, f)
		}
		assert.Equal(t, tc.dur, fuzzbytes.New(tc.in).Duration())
	}
}

func ExampleReader() {
	r := fuzzbytes.New([]byte{3, 0, 5, 1})
	fmt.Println(r.Byte()%4, r.Duration(), r.Int())
	// Output: 3 5ms 0
}
