package httpretry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

var now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"0", 0, true},
		{"1", time.Second, true},
		{"120", 2 * time.Minute, true},
		{" 120 ", 2 * time.Minute, true},
		{"007", 7 * time.Second, true},
		{"1743440400", 1743440400 * time.Second, true}, // 484,289 hours: valid, capped by the caller
		{"9223372036", 9223372036 * time.Second, true}, // the largest that fits
		{"9223372037", 0, false},                       // overflows a Duration
		{"99999999999999999999999", 0, false},          // overflows an int64
		{"", 0, false},
		{"   ", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"soon", 0, false},
		{"5 seconds", 0, false},
		{"Sat, 14 Mar 2026 15:10:26 GMT", time.Minute, true}, // IMF-fixdate
		{"Saturday, 14-Mar-26 15:09:36 GMT", 10 * time.Second, true}, // RFC 850
		{"Sat Mar 14 15:19:26 2026", 10 * time.Minute, true},         // asctime
		{"Sat, 14 Mar 2026 15:09:26 GMT", 0, false},                  // now: nothing to wait for
		{"Fri, 13 Mar 2026 15:09:26 GMT", 0, false},                  // the past
		{"Fri, 31 Dec 9999 23:59:59 GMT", 0, false},                  // saturates
		{"Sat, 14 Mar 2026 25:09:26 GMT", 0, false},                  // no such hour
		{"14 Mar 2026 15:10:26", 0, false},
	} {
		t.Run("value="+tc.value, func(t *testing.T) {
			d, ok := httpretry.ParseRetryAfter(tc.value, now)
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, tc.want, d)
			} else {
				assert.Zero(t, d)
			}
		})
	}
}

// scripted is a base transport that answers attempt n with responses[n-1] (the last one
// repeated), recording when each attempt came.
type scripted struct {
	responses []func() *http.Response
	at        []time.Duration
	start     time.Time
}

func (s *scripted) RoundTrip(req *http.Request) (*http.Response, error) {
	s.at = append(s.at, time.Since(s.start))
	resp := s.responses[min(len(s.at), len(s.responses))-1]()
	resp.Request = req
	return resp, nil
}

// status makes a response with status and the given Retry-After, if not empty.
func status(code int, retryAfter string) func() *http.Response {
	return func() *http.Response {
		w := httptest.NewRecorder()
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(code)
		w.WriteString(http.StatusText(code))
		return w.Result()
	}
}

// waits runs a call whose first attempt is answered by first and the second by 200, inside a
// bubble where the backoff strategy waits 3s, and returns how long the retry waited.
func waits(t *testing.T, first func() *http.Response, opts ...httpretry.Option) time.Duration {
	t.Helper()
	var wait time.Duration
	synctest.Test(t, func(t *testing.T) {
		// No spread: these tests check that the hint is read right (TestRetryAfterIsAFloor
		// checks the spread).
		e, err := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(3*time.Second)), engine.HintSpread(0)))
		require.NoError(t, err)
		defer e.Close(context.Background())
		base := &scripted{responses: []func() *http.Response{first, status(200, "")}, start: time.Now()}
		c, err := httpretry.NewClient(e, append(opts, httpretry.Base(base))...)
		require.NoError(t, err)
		resp, err := c.Get("http://api.test/")
		require.NoError(t, err)
		assert.Equal(t, "OK", readBody(t, resp))
		require.Len(t, base.at, 2)
		wait = base.at[1]
	})
	return wait
}

func TestRetryAfterIsHonouredExactly(t *testing.T) {
	// In a bubble the clock starts at 2000-01-01 00:00:00 UTC.
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		first func() *http.Response
		opts  []httpretry.Option
		want  time.Duration
	}{
		{"seconds", status(429, "5"), nil, 5 * time.Second},
		{"zero", status(503, "0"), nil, 0},
		{"http-date", status(503, start.Add(7*time.Second).Format(http.TimeFormat)), nil, 7 * time.Second},
		{"on-502", status(502, "4"), nil, 4 * time.Second},
		{"clamped-by-choice", status(429, "30"), []httpretry.Option{httpretry.MaxRetryAfter(10 * time.Second),
			httpretry.CallOptions(engine.ClampHints())}, 10 * time.Second},
		{"garbage", status(503, "soon"), nil, 3 * time.Second},
		{"negative", status(503, "-5"), nil, 3 * time.Second},
		{"fractional", status(503, "2.5"), nil, 3 * time.Second},
		{"overflowing", status(503, "99999999999999999999"), nil, 3 * time.Second},
		{"past-date", status(503, start.Add(-time.Hour).Format(http.TimeFormat)), nil, 3 * time.Second},
		{"absurd-date", status(503, "Fri, 31 Dec 9999 23:59:59 GMT"), nil, 3 * time.Second},
		{"missing", status(503, ""), nil, 3 * time.Second},
	} {
		t.Run("retry-after="+tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, waits(t, tc.first, tc.opts...))
		})
	}
}

// TestRetryAfterPastTheCapReturnsTheResponse: a server asking for longer than the call may wait
// would refuse an earlier retry; the caller gets its answer at once instead.
func TestRetryAfterPastTheCapReturnsTheResponse(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		hint string
		opts []httpretry.Option
	}{
		{"past-max-delay", 429, "1743440400", nil},
		{"past-max-retry-after", 503, "30", []httpretry.Option{httpretry.MaxRetryAfter(10 * time.Second)}},
		{"past-call-max-delay", 429, "30", []httpretry.Option{httpretry.CallOptions(engine.MaxDelay(2 * time.Second))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e, err := engine.New()
				require.NoError(t, err)
				defer e.Close(context.Background())
				base := &scripted{responses: []func() *http.Response{status(tc.code, tc.hint), status(200, "")}, start: time.Now()}
				c, err := httpretry.NewClient(e, append(tc.opts, httpretry.Base(base))...)
				require.NoError(t, err)
				resp, err := c.Get("http://api.test/")
				require.NoError(t, err)
				assert.Equal(t, tc.code, resp.StatusCode, "the server's last response")
				assert.Equal(t, http.StatusText(tc.code), readBody(t, resp), "body intact")
				assert.Equal(t, []time.Duration{0}, base.at, "one attempt, no early retry, no wait")
				assert.Equal(t, uint64(1), e.Stats().FailedFor(engine.ReasonHint))
			})
		})
	}
}

// TestRetryAfterIsAFloor: a retry after Retry-After comes no sooner, spread over one more hint.
func TestRetryAfterIsAFloor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := engine.New()
		require.NoError(t, err)
		defer e.Close(context.Background())
		var waits []time.Duration
		for range 200 {
			base := &scripted{responses: []func() *http.Response{status(429, "2"), status(200, "")}, start: time.Now()}
			c, err := httpretry.NewClient(e, httpretry.Base(base))
			require.NoError(t, err)
			resp, err := c.Get("http://api.test/")
			require.NoError(t, err)
			assert.Equal(t, "OK", readBody(t, resp))
			require.Len(t, base.at, 2)
			waits = append(waits, base.at[1])
		}
		for _, w := range waits {
			require.GreaterOrEqual(t, w, 2*time.Second)
			require.LessOrEqual(t, w, 4*time.Second)
		}
		assert.Greater(t, slices.Max(waits)-slices.Min(waits), time.Second, "spread, not one wave")
	})
}

func TestRetryAfterOnARealServer(t *testing.T) {
	// Real time: check the delay the engine schedules, kept short; a longer hint stops the call.
	for _, tc := range []struct{ header, want string }{
		{"120", ""}, // past MaxRetryAfter: the 503 is returned
		{time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), ""}, // likewise
		{"soon", "1ms"}, // the backoff's
	} {
		t.Run("retry-after="+strings.ReplaceAll(tc.header, " ", "_"), func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					w.Header().Set("Retry-After", tc.header)
				}
				failFirst(1, http.StatusServiceUnavailable)(w, r, n)
			})
			var delays []time.Duration
			e := newEngine(t, engine.WithHooks(engine.Hooks{OnRetry: func(r engine.RetryScheduled) {
				delays = append(delays, r.Delay)
			}}))
			resp, err := get(t, newClient(t, e, httpretry.MaxRetryAfter(4*time.Millisecond)), s.URL)
			require.NoError(t, err)
			if tc.want == "" {
				assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
				readBody(t, resp)
				assert.Empty(t, delays)
				return
			}
			assert.Equal(t, "ok 2", readBody(t, resp))
			require.Len(t, delays, 1)
			assert.Equal(t, tc.want, delays[0].String())
		})
	}
}
