package recurprom_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	recurprom "github.com/recur-go/recur/integrations/prometheus"
)

// Hooks running on many goroutines at once, for keys seen for the first time by several of them,
// record every call once; scrapes in the meantime are safe (run with -race).
func TestHooksUnderConcurrency(t *testing.T) {
	c := recurprom.New()
	e, err := engine.New(engine.WithHooks(c.Hooks()), engine.WithKeyStats())
	require.NoError(t, err)
	defer func() { require.NoError(t, e.Close(context.Background())) }()
	c.Observe(e)

	const goroutines, calls, keys = 8, 200, 5
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) { return i, nil },
					engine.Key(fmt.Sprint("k", (g+i)%keys)))
				assert.NoError(t, err)
			}
		})
	}
	for range 5 {
		gather(t, c)
	}
	wg.Wait()

	got := observed(t, c, "recur_call_duration_seconds")
	assert.Len(t, got, keys)
	var total float64
	for _, v := range got {
		total += v[0]
	}
	assert.Equal(t, float64(goroutines*calls), total)
}
