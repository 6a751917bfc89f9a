package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

// outcomes reports a script of outcomes, "S" success, "F" failure, each
// taking elapsed, and returns the state after each one.
func outcomes(t *testing.T, b *Breaker, script string, elapsed time.Duration) string {
	t.Helper()
	states := ""
	for _, c := range script {
		o := Success
		if c == 'F' {
			o = Failure
		}
		b.Report(admit(t, b), o, elapsed)
		states += b.State().String()[:1]
	}
	return states
}

func TestFailureRatioSlidesOverTheLastCalls(t *testing.T) {
	cases := []struct {
		name             string
		ratio            float64
		window, minCalls int
		script, states   string
	}{
		{"trips when the share reaches the ratio", 0.5, 4, 4, "SSSFSF", "ccccco"},
		{"waits for minCalls", 0.5, 4, 4, "FFFF", "ccco"},
		{"old outcomes slide out", 0.6, 3, 3, "FSSSFSF", "cccccco"},
		{"ratio met exactly as written", 0.3, 10, 10, "SSSSSSSFFF", "ccccccccco"},
		{"a success never trips", 0.5, 2, 1, "S", "c"},
		{"a single failure can trip at minCalls 1", 1, 5, 1, "F", "o"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBreaker(t, FailureRatio(tc.ratio, tc.window, tc.minCalls))
			assert.Equal(t, tc.states, outcomes(t, b, tc.script, 0))
		})
	}
}

func TestFailureRatioWindowStartsEmptyEachPeriod(t *testing.T) {
	b := newBreaker(t, FailureRatio(0.5, 4, 2))
	outcomes(t, b, "F", 0)
	assert.Equal(t, 1.0, b.Counts().WindowFailureRatio)
	b.Reset()
	assert.Equal(t, 0.0, b.Counts().WindowFailureRatio)
	assert.Equal(t, "ccc", outcomes(t, b, "SSF", 0), "F S S F would be 2 of 4")
	assert.InDelta(t, 1.0/3, b.Counts().WindowFailureRatio, 0)
}

func TestFailureRatioOverSlidesWithTime(t *testing.T) {
	cases := []struct {
		name   string
		gap    time.Duration
		states string
	}{
		// Window of 1s in 4 buckets of 250ms; 2 failures of 3 calls reach 0.6.
		{"first failure still inside", 999 * time.Millisecond, "co"},
		{"first failure slid out", time.Second, "cc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := newBreaker(t, FailureRatioOver(0.6, time.Second, 4, 2))
				assert.Equal(t, "c", outcomes(t, b, "F", 0))
				time.Sleep(tc.gap)
				assert.Equal(t, tc.states, outcomes(t, b, "SF", 0))
			})
		})
	}
}

func TestFailureRatioOverStartsEmptyEachPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t, FailureRatioOver(0.6, time.Second, 4, 2))
		outcomes(t, b, "FS", 0)
		assert.Equal(t, 0.5, b.Counts().WindowFailureRatio)
		b.ForceClosed()
		assert.Equal(t, 0.0, b.Counts().WindowFailureRatio)
		b.Reset()
		assert.Equal(t, "cc", outcomes(t, b, "SF", 0), "F S S F would be 2 of 4 within the window; S F is 1 of 2")
		time.Sleep(200 * time.Millisecond)
		assert.Equal(t, "o", outcomes(t, b, "F", 0))
	})
}

func TestSlowCallsTripOnTheShareOfSlowCalls(t *testing.T) {
	b := newBreaker(t, SlowCalls(100*time.Millisecond, 0.5, 4, 2))
	b.Report(admit(t, b), Failure, 99*time.Millisecond)
	b.Report(admit(t, b), Success, 99*time.Millisecond)
	b.Report(admit(t, b), Failure, time.Millisecond)
	assert.Equal(t, Closed, b.State(), "failures are not slow calls")
	c := b.Counts()
	assert.Equal(t, uint64(0), c.SlowCalls)
	assert.Equal(t, 0.0, c.WindowSlowRatio)

	b.Report(admit(t, b), Success, 100*time.Millisecond)
	assert.Equal(t, 0.25, b.Counts().WindowSlowRatio)
	b.Report(admit(t, b), Failure, time.Hour)
	assert.Equal(t, Open, b.State(), "two slow calls of the last four reach 0.5, successful or not")
	assert.Equal(t, uint64(2), b.Counts().SlowCalls)
}

func TestSlowProbeReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t, ConsecutiveFailures(1), SlowCalls(time.Second, 1, 10, 10), OpenFor(time.Minute))
		fail(t, b, 1)
		time.Sleep(time.Minute)
		b.Report(admit(t, b), Success, time.Second)
		assert.Equal(t, Open, b.State())
		c := b.Counts()
		assert.Equal(t, uint64(1), c.Successes, "still a success")
		assert.Equal(t, uint64(1), c.SlowCalls)
		assert.Equal(t, uint64(2), c.Trips)
	})
}

func TestRulesCombine(t *testing.T) {
	b := newBreaker(t, ConsecutiveFailures(3), FailureRatio(0.9, 10, 10))
	assert.Equal(t, "cco", outcomes(t, b, "FFF", 0), "the consecutive rule trips first")

	b = newBreaker(t, ConsecutiveFailures(3), FailureRatio(0.5, 4, 4))
	assert.Equal(t, "ccco", outcomes(t, b, "FSFF", 0), "the ratio rule trips first")
}
