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
		assert.Equal(t, `USD: 1.08, err: <nil> (service calls so far: 2)
GBP: 0.85, err: <nil>
JPY: 162.40, err: <nil>
XYZ: 0.00, err: engine: rate: gave up after 2 attempts (permanent): last error: currency "XYZ": unknown
service calls: 8, engine attempts: 8
`, out.String())
	})
}
