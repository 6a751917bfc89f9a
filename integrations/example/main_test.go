package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The adapters see the same calls: their counts agree, and they are the same on every run.
func TestRun(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out, 400))
	got := out.String()
	t.Log(got)
	assert.Contains(t, got, "OpenTelemetry spans: 401 ")
	otel := regexp.MustCompile(`recur\.calls\{recur\.key=(\w+),recur\.outcome=(\w+)\} (\d+)`).FindAllStringSubmatch(got, -1)
	require.NotEmpty(t, otel)
	total := 0
	for _, m := range otel {
		assert.Contains(t, got, fmt.Sprintf(`recur_key_calls_settled_total{key=%q,outcome=%q} %s`, m[1], m[2], m[3]),
			"Prometheus saw what OpenTelemetry saw")
		n, _ := strconv.Atoi(m[3])
		total += n
	}
	assert.Equal(t, 400, total)
	assert.Contains(t, got, `outcome="exhausted"`, "search fails often enough to give up on some calls")
}
