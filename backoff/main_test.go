package backoff_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"go.uber.org/goleak"
)

// TestMain documents, and checks, the promise that the package starts no
// goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// seeded returns a reproducible random source, so that tests of randomised
// strategies give the same samples on every run and cannot flake.
func seeded(seed uint64) *rand.PCG {
	return rand.NewPCG(seed, 0x9e3779b97f4a7c15)
}

// edgeNs are retry numbers at and beyond the edges of the valid range.
var edgeNs = []int{math.MinInt, -1, 0, 1, 2, 63, 64, 65, 1000, 1_000_000, math.MaxInt32, math.MaxInt}
