package engine_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

var errBusy = errors.New("429 too many requests")

// limited is a server that admits rate requests per second, with a burst of burst, and answers
// the rest with Throttled and a hint of a second, as a rate-limiting proxy does.
type limited struct {
	mu       sync.Mutex
	rate     float64
	burst    float64
	tokens   float64
	last     time.Time
	sent     int
	admitted []time.Time
}

func newLimited(rate, burst float64) *limited {
	return &limited{rate: rate, burst: burst, tokens: burst, last: time.Now()}
}

func (s *limited) op(context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.tokens = min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.rate)
	s.last = now
	s.sent++
	if s.tokens < 1 {
		return 0, engine.Throttled(engine.RetryAfter(errBusy, time.Second))
	}
	s.tokens--
	s.admitted = append(s.admitted, now)
	return 1, nil
}

func (s *limited) setRate(r float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = r
}

// admittedIn counts the requests admitted in [from, to).
func (s *limited) admittedIn(from, to time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.admitted {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

// fanOut submits n calls of s.op under key and returns a wait for all of them.
func fanOut(t *testing.T, e *engine.Engine, s *limited, n int, opts ...engine.CallOption) (wait func() (ok int)) {
	t.Helper()
	fs := make([]*engine.Future[int], n)
	for i := range fs {
		f, err := engine.Submit(t.Context(), e, s.op, append([]engine.CallOption{engine.Key("api"), engine.MaxAttempts(20)}, opts...)...)
		require.NoError(t, err)
		fs[i] = f
	}
	return func() int {
		ok := 0
		for _, f := range fs {
			if _, err := f.Await(t.Context()); err == nil {
				ok++
			}
		}
		return ok
	}
}

func TestPacingConvergesToTheServersRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		s := newLimited(50, 5)
		start := time.Now()
		wait := fanOut(t, e, s, 1000)
		time.Sleep(8 * time.Second)
		p, ok := e.Pacing("api")
		require.True(t, ok, "pushback made a pacer")
		assert.InDelta(t, 50, p.Rate, 10, "the pacer's rate, learnt")
		assert.Equal(t, 1000, wait(), "every call got through")
		elapsed := time.Since(start)
		// 1,000 calls at 50/s take 20s; the server stays busy, not idle between waves, once
		// the pacer has found its rate (slow start from nothing: about 3s).
		assert.Less(t, elapsed, 25*time.Second)
		// The first wave comes at once, nothing known yet: 995 refused. After it, retries come
		// at the pace the server admits, and few are refused again.
		assert.Less(t, s.sent-1995, 1000+50, "requests sent after the first wave")
		for sec := 5; sec < int(elapsed.Seconds())-2; sec++ {
			got := s.admittedIn(start.Add(time.Duration(sec)*time.Second), start.Add(time.Duration(sec+1)*time.Second))
			assert.InDelta(t, 50, got, 8, "admitted in second %d", sec)
		}
		assert.Positive(t, e.Stats().Paced)
	})
}

func TestPacingRecoversWhenTheLimitLifts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		s := newLimited(20, 2)
		start := time.Now()
		wait := fanOut(t, e, s, 600, engine.MaxAttempts(100))
		time.Sleep(6 * time.Second)
		p, ok := e.Pacing("api")
		require.True(t, ok)
		assert.Less(t, p.Rate, 40.0, "paced near the limit")
		s.setRate(1000)
		s.mu.Lock()
		s.burst = 1000
		s.mu.Unlock()
		lifted := time.Now()
		require.Equal(t, 600, wait())
		// At 20/s the rest would take over 20s more; the rate grows back once nothing is refused.
		assert.Less(t, time.Since(lifted), 15*time.Second)
		if p, ok := e.Pacing("api"); ok {
			assert.Greater(t, p.Rate, 40.0, "grown past the old limit")
		}
		// Quiet for a while, the key is unthrottled again: its pacer is gone.
		time.Sleep(6 * time.Second)
		_, err := engine.Do(t.Context(), e, s.op, engine.Key("api"))
		require.NoError(t, err)
		_, ok = e.Pacing("api")
		assert.False(t, ok, "the pacer retired")
		assert.Less(t, s.sent, 2*600+50)
		_ = start
	})
}

// refused is an operation the server always pushes back.
func refused(context.Context) (int, error) {
	return 0, engine.Throttled(engine.RetryAfter(errBusy, time.Second))
}

// pacedBacklog makes key "api" paced at about 10/s with a backlog of retries waiting, and
// returns the server.
func pacedBacklog(t *testing.T, e *engine.Engine) *limited {
	s := newLimited(10, 1)
	fanOut(t, e, s, 300, engine.MaxAttempts(1000))
	time.Sleep(3 * time.Second)
	p, ok := e.Pacing("api")
	require.True(t, ok)
	require.Greater(t, p.Waiting, 100)
	return s
}

func TestPacedAttemptsCancelAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		pacedBacklog(t, e)
		f, err := engine.Submit(t.Context(), e, refused, engine.Key("api"), engine.MaxAttempts(10))
		require.NoError(t, err)
		time.Sleep(2500 * time.Millisecond) // throttled, hint passed: its retry waits its turn
		require.Equal(t, 1, f.Attempts())
		f.Cancel(nil)
		synctest.Wait()
		select {
		case <-f.Done():
		default:
			t.Fatal("a paced call did not settle at once when canceled")
		}
		_, err = f.Result()
		assert.ErrorIs(t, err, engine.ErrCanceled)
		require.NoError(t, e.Close(context.Background()))
	})
}

func TestPacedRetryPastTheDeadlineFailsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t)
		pacedBacklog(t, e)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := engine.Do(ctx, e, refused, engine.Key("api"), engine.MaxAttempts(10))
		require.ErrorIs(t, err, engine.ErrDeadline)
		require.ErrorIs(t, err, errBusy)
		// Its turn in the queue is far past the deadline: it fails when its retry comes due
		// (after the hint and its spread), not at the deadline.
		assert.Less(t, time.Since(start), 2100*time.Millisecond)
	})
}

func TestPaceAllHoldsFirstAttemptsToo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithPacing(engine.PaceAll))
		s := newLimited(50, 5)
		wait := fanOut(t, e, s, 200)
		require.Equal(t, 200, wait())
		sent := s.sent
		// The key is paced: a new wave of calls is let through at the server's rate, and is
		// seldom refused: only when CUBIC probes above the rate. Goroutines run in a different
		// order from run to run, even in a bubble; 100 runs sent 309 to 331 requests (unpaced
		// first attempts would all go at once, and all but a handful be refused).
		wait = fanOut(t, e, s, 300)
		require.Equal(t, 300, wait())
		assert.Less(t, s.sent-sent, 345, "requests for 300 calls, first attempts paced")
	})
}

func TestPacingOffAndBadMode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.WithPacing(engine.PaceOff))
		s := newLimited(50, 5)
		require.Equal(t, 100, fanOut(t, e, s, 100)())
		_, ok := e.Pacing("api")
		assert.False(t, ok)
	})
	_, err := engine.New(engine.WithPacing(7))
	require.ErrorContains(t, err, "WithPacing: unknown mode 7")
}

func TestCloseSettlesPacedAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		s := newLimited(10, 1)
		fs := make([]*engine.Future[int], 200)
		for i := range fs {
			fs[i], err = engine.Submit(t.Context(), e, s.op, engine.Key("api"), engine.MaxAttempts(100))
			require.NoError(t, err)
		}
		time.Sleep(3 * time.Second)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, e.Close(ctx), context.Canceled)
		closed := 0
		for _, f := range fs {
			if _, err := f.Result(); errors.Is(err, engine.ErrClosed) {
				closed++
			}
		}
		assert.Greater(t, closed, 100)
	})
}
