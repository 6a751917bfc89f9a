package main

import (
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out strings.Builder
		require.NoError(t, run(&out))
		assert.Equal(t, `call 1: engine: gave up after 1 attempt (exhausted): last error: inventory: 503 service unavailable
call 2: engine: gave up after 1 attempt (exhausted): last error: inventory: 503 service unavailable
  [0s] breaker closed -> open
call 3: engine: gave up after 1 attempt (exhausted): last error: inventory: 503 service unavailable
call 4: failed fast, breaker open (inventory not called)
call 5: failed fast, breaker open (inventory not called)
inventory saw 3 of 5 calls; it recovers, we wait out the open period
  [600ms] breaker open -> half-open
  [600ms] breaker half-open -> closed
call 6: 42 in stock
call 7: 42 in stock
inventory saw 5 calls in all; state closed
`, out.String())
	})
}
