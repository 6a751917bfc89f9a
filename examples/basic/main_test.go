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
		assert.Equal(t, `quote: "stay hungry", err: <nil>, after 3 attempts
down: exhausted=true unexpected-EOF=true
down: 4 attempts, reason "exhausted"
lookup: permanent=true not-found=true attempts=1
all: [q0 q1 q2 q3 q4], err: <nil>
stats: 8 calls, 6 succeeded, 2 failed, 17 attempts
`, out.String())
	})
}
