package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func TestHooksTellTheStoryOfACall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var events []string
		add := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, fmt.Sprintf(format, args...))
		}
		var settled engine.Settled
		e := newEngine(t, engine.WithHooks(engine.Hooks{
			OnAttemptStart: func(a engine.AttemptStart) { add("start %s #%d", a.Name, a.Attempt) },
			OnAttemptEnd: func(a engine.AttemptEnd) {
				add("end #%d err=%v %s %v", a.Attempt, a.Err, a.Decision, a.Duration)
			},
			OnRetry:   func(r engine.RetryScheduled) { add("retry #%d in %v", r.Attempt, r.Delay) },
			OnSettled: func(s engine.Settled) { settled = s; add("settled ok=%t after %d", s.Success, s.Attempts) },
		}))
		start := time.Now()
		_, err := engine.Do(t.Context(), e, func(context.Context) (int, error) {
			time.Sleep(10 * time.Millisecond)
			if time.Since(start) < time.Second {
				return 0, errFlaky
			}
			return 1, nil
		}, engine.Name("op"), engine.Backoff(backoff.Constant(time.Second)))
		require.NoError(t, err)
		assert.Equal(t, []string{
			"start op #1", "end #1 err=flaky retry 10ms", "retry #2 in 1s",
			"start op #2", "end #2 err=<nil> accept 10ms", "settled ok=true after 2",
		}, events)
		require.NotNil(t, settled.Ctx)
		settled.Ctx = nil // see TestHookEventsCarryTheCallsContext
		assert.Equal(t, engine.Settled{Name: "op", Start: start, End: start.Add(1020 * time.Millisecond),
			Attempts: 2, Winner: 2, Success: true}, settled, "name, times, attempts and outcome of the call")
	})
}

func TestLogHooks(t *testing.T) {
	fail := func(err error) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { return 0, err }
	}
	tests := []struct {
		name   string
		level  slog.Level // the logger's
		levels engine.LogLevels
		op     func(context.Context) (int, error)
		want   []string
	}{
		{"a retry is debug, giving up a warning", slog.LevelDebug, engine.DefaultLogLevels(), fail(errFlaky), []string{
			`level=DEBUG msg=retrying op=fetch attempt=2 delay=1s err=flaky`,
			`level=WARN msg="giving up" op=fetch attempts=2 reason=exhausted ` +
				`err="engine: fetch: gave up after 2 attempts (exhausted): last error: flaky" elapsed=1s`,
		}},
		{"at Info, retries are not logged", slog.LevelInfo, engine.DefaultLogLevels(), fail(errFlaky), []string{
			`level=WARN msg="giving up" op=fetch attempts=2 reason=exhausted ` +
				`err="engine: fetch: gave up after 2 attempts (exhausted): last error: flaky" elapsed=1s`,
		}},
		{"a permanent error is the caller's to handle: info", slog.LevelInfo, engine.DefaultLogLevels(),
			fail(engine.Permanent(errFlaky)), []string{
				`level=INFO msg="giving up" op=fetch attempts=1 reason=permanent ` +
					`err="engine: fetch: gave up after 1 attempt (permanent): last error: flaky" elapsed=0s`,
			}},
		{"levels of one's own", slog.LevelInfo, engine.LogLevels{Retry: slog.LevelInfo, GaveUp: slog.LevelError},
			fail(errFlaky), []string{
				`level=INFO msg=retrying op=fetch attempt=2 delay=1s err=flaky`,
				`level=ERROR msg="giving up" op=fetch attempts=2 reason=exhausted ` +
					`err="engine: fetch: gave up after 2 attempts (exhausted): last error: flaky" elapsed=1s`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var buf bytes.Buffer
				var mu sync.Mutex
				logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{
					Level: tt.level,
					ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
						if a.Key == slog.TimeKey {
							return slog.Attr{}
						}
						return a
					},
				}))
				e := newEngine(t, engine.WithLoggerAt(logger, tt.levels))
				_, err := engine.Do(t.Context(), e, tt.op,
					engine.Name("fetch"), engine.MaxAttempts(2), engine.Backoff(backoff.Constant(time.Second)))
				require.Error(t, err)
				mu.Lock()
				defer mu.Unlock()
				assert.Equal(t, tt.want, strings.Split(strings.TrimSpace(buf.String()), "\n"))
			})
		})
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestStatsCountAttemptsAndRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, engine.Defaults(engine.Backoff(backoff.Immediate())))
		op, _ := failing(2, errFlaky, 1)
		_, err := engine.Do(t.Context(), e, op)
		require.NoError(t, err)
		_, err = engine.Do(t.Context(), e, func(context.Context) (int, error) { return 0, errFlaky })
		require.Error(t, err)
		s := e.Stats()
		assert.Equal(t, uint64(2), s.Submitted)
		assert.Equal(t, uint64(1), s.Succeeded)
		assert.Equal(t, uint64(1), s.FailedBy[engine.ReasonExhausted])
		assert.Equal(t, uint64(6), s.Attempts, "every attempt is counted, first ones and retries")
		assert.Equal(t, uint64(4), s.Retries)
		assert.Zero(t, s.Pending)
	})
}

// Every event of a call carries the call's context: the caller's values, and one identity per
// call that tells its events from another call's.
func TestHookEventsCarryTheCallsContext(t *testing.T) {
	type traceKey struct{}
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		seen := map[context.Context][]string{}
		note := func(ctx context.Context, event string) {
			mu.Lock()
			defer mu.Unlock()
			seen[ctx] = append(seen[ctx], fmt.Sprintf("%s %v", event, ctx.Value(traceKey{})))
		}
		e := newEngine(t, engine.WithHooks(engine.Hooks{
			OnAttemptStart: func(a engine.AttemptStart) { note(a.Ctx, "start") },
			OnAttemptEnd:   func(a engine.AttemptEnd) { note(a.Ctx, "end") },
			OnRetry:        func(r engine.RetryScheduled) { note(r.Ctx, "retry") },
			OnSettled:      func(s engine.Settled) { note(s.Ctx, "settled") },
		}), engine.Defaults(engine.Backoff(backoff.Constant(time.Second))))
		for _, trace := range []string{"a", "b"} {
			op, _ := failing(1, errFlaky, 1)
			_, err := engine.Do(context.WithValue(t.Context(), traceKey{}, trace), e, op)
			require.NoError(t, err)
		}
		synctest.Wait()
		require.Len(t, seen, 2, "one context per call")
		var stories []string
		for _, events := range seen {
			stories = append(stories, strings.Join(events, ", "))
		}
		assert.ElementsMatch(t, []string{
			"start a, end a, retry a, start a, end a, settled a",
			"start b, end b, retry b, start b, end b, settled b",
		}, stories)
	})
}
