package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recur-go/recur/bench"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunJSON(t *testing.T) {
	var out strings.Builder
	dir := t.TempDir()
	require.NoError(t, run(&out, io.Discard, bench.TinySizes, true, dir, "^(breaker|scheduler)/"))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 2*3+1*2, "breaker: two modes, three contenders; scheduler: one pending size, two")
	for _, line := range lines {
		var r struct {
			Scenario, Contender, Metric string
			Value                       float64
			VsRecur                     *float64 `json:"vs_recur"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		assert.Positive(t, r.Value, line)
		require.NotNil(t, r.VsRecur, line)
	}
	for _, chart := range []string{"breaker.svg", "scheduler.svg"} {
		_, err := os.Stat(filepath.Join(dir, chart))
		assert.NoError(t, err)
	}
}

func TestRunMarkdown(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out, io.Discard, bench.TinySizes, false, "", "^breaker/"))
	assert.Contains(t, out.String(), "| scenario | metric | recur | gobreaker | failsafe-go |")
	assert.Contains(t, out.String(), "| breaker/mode=parallel ns/op: recur vs gobreaker | ≥ 3× |")
}

func TestRunRejectsBadFilters(t *testing.T) {
	require.ErrorContains(t, run(io.Discard, io.Discard, bench.TinySizes, false, "", "("), "-run: error parsing regexp")
	require.EqualError(t, run(io.Discard, io.Discard, bench.TinySizes, false, "", "nothing"), `no scenario matches -run "nothing"`)
}
