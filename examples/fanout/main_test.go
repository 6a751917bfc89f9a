package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// small is a quick run: few calls, little latency, a Retry-After of 0 so that nothing waits.
func small() config {
	c := defaults()
	c.calls, c.perHost, c.latency, c.retryAfter = 200, 32, time.Millisecond, 0
	c.outageAt, c.outage = 20*time.Millisecond, 20*time.Millisecond
	return c
}

// number finds the integer that re captures in s.
func number(t *testing.T, re, s string) int {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	require.NotNil(t, m, "no %q in:\n%s", re, s)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

func TestRunAccountsForEveryCall(t *testing.T) {
	for _, tc := range []struct{ live, outage bool }{{false, true}, {true, false}} {
		t.Run(fmt.Sprintf("live=%v/outage=%v", tc.live, tc.outage), func(t *testing.T) {
			cfg, live := small(), tc.live
			if !tc.outage {
				cfg.outage = 0
			}
			var out, progress strings.Builder
			require.NoError(t, run(t.Context(), cfg, &out, &progress, live))
			summary := out.String()
			t.Log("\n" + summary)

			ok := number(t, `(\d+) succeeded`, summary)
			failed := number(t, `(\d+) failed`, summary)
			assert.Equal(t, 200, ok+failed)
			if !tc.outage {
				assert.Greater(t, ok, 190, "retries rescue nearly every call")
			}
			perCall := 0
			for _, m := range regexp.MustCompile(`per call  \d: +(\d+)`).FindAllStringSubmatch(summary, -1) {
				n, _ := strconv.Atoi(m[1])
				perCall += n
			}
			refused := 0
			if m := regexp.MustCompile(`not admitted: breaker open: (\d+)`).FindStringSubmatch(summary); m != nil {
				refused, _ = strconv.Atoi(m[1])
			}
			assert.Equal(t, 200, perCall+refused, "every call ran or was refused")
			requests := number(t, `server +(\d+) requests`, summary)
			attempts := number(t, `attempts +(\d+) =`, summary)
			assert.GreaterOrEqual(t, requests, attempts, "net/http may resend, never skip")
			for _, want := range []string{"failures ", "latency     per call    p50 ", "per attempt p50 ", "breaker ",
				"  errors    ", "peak ", " goroutines ", " MiB heap", "wall time "} {
				assert.Contains(t, summary, want)
			}
			final := "200/200 calls done"
			if live {
				assert.Contains(t, progress.String(), "\r\033[K  "+final)
			} else {
				assert.Contains(t, progress.String(), "fanout: "+final)
			}
		})
	}
}

func TestRunStopsWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, progress strings.Builder
	require.ErrorIs(t, run(ctx, small(), &out, &progress, false), context.Canceled)
}

func TestFlags(t *testing.T) {
	var usage strings.Builder
	c, err := parseFlags([]string{"-calls", "50", "-fail", "0.5", "-seed", "7", "-outage", "0"}, &usage)
	require.NoError(t, err)
	assert.Equal(t, 50, c.calls)
	assert.Equal(t, 0.5, c.fail)
	assert.Equal(t, uint64(7), c.seed)
	assert.Zero(t, c.outage)

	_, err = parseFlags([]string{"-h"}, &usage)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, want := range []string{"flaky HTTP server", "-calls", "-per-host", "-fail", "-throttle", "-reset",
		"-latency", "-outage", "-retry-after", "-seed", "-timeout", "-attempts"} {
		assert.Contains(t, usage.String(), want)
	}
}

func TestBadFlagsAreRejectedByName(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-calls", "0"}, "-calls 0: must be at least 1"},
		{[]string{"-per-host", "-1"}, "-per-host -1: must be at least 1"},
		{[]string{"-attempts", "0"}, "-attempts 0: must be at least 1"},
		{[]string{"-fail", "1.5"}, "-fail 1.5: must be a share between 0 and 1"},
		{[]string{"-throttle", "NaN"}, "-throttle NaN: must be a share between 0 and 1"},
		{[]string{"-fail", "0.6", "-throttle", "0.3", "-reset", "0.2"}, "must not add up to more than 1"},
		{[]string{"-retry-after", "-1"}, "-retry-after -1: must not be negative"},
		{[]string{"-latency", "-1ms"}, "must not be negative"},
		{[]string{"-timeout", "0s"}, "-timeout 0s: must be positive"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := parseFlags(tc.args, &strings.Builder{})
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a file is no terminal")
}
