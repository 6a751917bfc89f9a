package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out))
	assert.Equal(t, `no budget:       1000 calls sent 3000 requests (3.0 per call); failed: 1000 exhausted, 0 budget
10% budget:      1000 calls sent 1119 requests (1.1 per call); failed: 10 exhausted, 990 budget
budget left: 0 retries
engine: NewBudget ratio 1.5 outside [0, 1]
`, out.String())
}
