package chaos

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// Tests of engine bugs that the chaos run found, each as small and deterministic as the bug
// allows, kept once the bug is fixed so that it does not come back.

const bugSpin = "a retry waiting (WaitForHalfOpen) for a half-open probe slot with a zero backoff delay " +
	"is rescheduled at the same instant again and again: a busy loop between the scheduler and a worker " +
	"until the probe reports"

// TestWaitingRetryDoesNotSpinWhileProbesAreTaken: the breaker is half-open and its only probe
// slot is held by a slow probe; a retry that waits for half-open comes due and is refused
// (ErrProbeLimit). The engine then waits again for the call's backoff delay; when that delay is
// 0 (backoff.Immediate, or a jitter that drew 0), the retry is due at once, is refused at once,
// and so on: in fake time no time ever passes, on a real clock a worker and the scheduler spin
// at full speed until the probe reports. Found by TestChaos, which hung in synctest; fixed in
// the engine by waiting at least 10ms before looking again.
func TestWaitingRetryDoesNotSpinWhileProbesAreTaken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New(engine.WithMaxConcurrency(2),
			engine.WithBreaker(breaker.ConsecutiveFailures(2), breaker.OpenFor(time.Second), breaker.HalfOpenProbes(1)),
			engine.Defaults(engine.OnBreakerOpen(engine.WaitForHalfOpen), engine.MaxAttempts(2)))
		require.NoError(t, err)
		defer func() { require.NoError(t, e.Close(context.Background())) }()

		// The strategy of the waiting call counts how often it is asked at one instant. A
		// thousand times means the engine spins: it then lets the probe finish, so that the
		// test ends instead of hanging. Otherwise the probe finishes at 3s.
		release := make(chan struct{})
		var once sync.Once
		letProbeFinish := func() { once.Do(func() { close(release) }) }
		time.AfterFunc(3*time.Second, letProbeFinish)
		var mu sync.Mutex
		var last time.Time
		var sameInstant, worst, calls int
		strategy := backoff.Func(func(int, time.Duration) time.Duration {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 {
				return 2 * time.Second // the first retry comes due after the probe took its slot
			}
			if now := time.Now(); now.Equal(last) {
				sameInstant++
			} else {
				last, sameInstant = now, 1
			}
			worst = max(worst, sameInstant)
			if sameInstant == 1000 {
				letProbeFinish()
			}
			return 0 // as backoff.Immediate does
		})
		errDown := errors.New("down")
		waiting, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 0, errDown },
			engine.Backoff(strategy))
		require.NoError(t, err)
		synctest.Wait() // its first attempt failed; its retry is due at 2s

		attempts := 0
		probing, err := engine.Submit(t.Context(), e, func(context.Context) (int, error) {
			if attempts++; attempts == 1 {
				return 0, errDown // the second failure in a row: the breaker opens until 1s
			}
			<-release // the probe, from 1s on, holds the only probe slot
			return 1, nil
		}, engine.Backoff(backoff.Immediate()))
		require.NoError(t, err)

		_, err = probing.Await(t.Context())
		require.NoError(t, err, "the probe succeeds and closes the breaker")
		_, err = waiting.Await(t.Context())
		require.ErrorIs(t, err, engine.ErrExhausted, "the waiting retry ran once the breaker closed")
		t.Logf("the waiting call's strategy was asked %d times, up to %d times at one instant", calls, worst)
		assert.LessOrEqual(t, worst, 2, "a retry waiting for a probe slot is rescheduled without time passing")
	})
}
