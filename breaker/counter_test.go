package breaker

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStripedCounterLosesNothing(t *testing.T) {
	var c stripedCounter
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 10_000 {
				c.add()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, uint64(160_000), c.load())
	used := 0
	for i := range c.stripes {
		if c.stripes[i].n.Load() > 0 {
			used++
		}
	}
	assert.Greater(t, used, 1, "goroutines spread over stripes")
}
