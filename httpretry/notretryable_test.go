package httpretry_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// settledRecorder records the engine's OnSettled events.
type settledRecorder struct {
	mu  sync.Mutex
	all []engine.Settled
}

func (r *settledRecorder) hooks() engine.Option {
	return engine.WithHooks(engine.Hooks{OnSettled: func(s engine.Settled) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.all = append(r.all, s)
	}})
}

func (r *settledRecorder) only(t *testing.T) engine.Settled {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.all, 1)
	return r.all[0]
}

// Regression: a POST without an idempotency key answered 503 was sent once, as it should be,
// but the engine's hooks and logs said the call gave up as exhausted, as if it had been retried.
func TestARequestSentOnlyOnceStopsAsNotRetryable(t *testing.T) {
	s := newServer(t, failFirst(5, http.StatusServiceUnavailable))
	var rec settledRecorder
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL, strings.NewReader("order #7"))
	require.NoError(t, err)
	resp, err := newClient(t, newEngine(t, rec.hooks())).Do(req)
	require.NoError(t, err, "the caller still gets the last response")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "failure 1", readBody(t, resp))
	assert.EqualValues(t, 1, s.requests.Load())

	settled := rec.only(t)
	assert.Equal(t, engine.ReasonPermanent, settled.Reason)
	assert.Equal(t, 1, settled.Attempts)
	assert.ErrorIs(t, settled.Err, httpretry.ErrNotRetryable)
	assert.ErrorContains(t, settled.Err, "httpretry: request not retryable (method POST without Idempotency-Key, "+
		"and RetryNonIdempotent off): httpretry: status 503 Service Unavailable")
	var se *httpretry.StatusError
	assert.ErrorAs(t, settled.Err, &se, "the status is still there for classifiers and hooks")
}

func TestATransientErrorOfARequestSentOnlyOnceIsNotRetryable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		stream bool   // a body GetBody cannot copy
		why    string // "": the request is retried
	}{
		{"method=POST", http.MethodPost, false, "method POST without Idempotency-Key, and RetryNonIdempotent off"},
		{"method=PATCH", http.MethodPatch, false, "method PATCH without Idempotency-Key, and RetryNonIdempotent off"},
		{"method=PUT/body=stream", http.MethodPut, true, "its body cannot be replayed (no GetBody)"},
		{"method=PUT", http.MethodPut, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				// Read the whole body first: a reset while the client still writes it fails the
				// write with net.ErrClosed, which is not a transient error.
				_, err := io.Copy(io.Discard, r.Body)
				assert.NoError(t, err)
				reset(hijack(t, w))
			})
			var body io.Reader = strings.NewReader("payload")
			if tc.stream {
				body = &closeCounter{Reader: body}
			}
			req, err := http.NewRequestWithContext(t.Context(), tc.method, s.URL, body)
			require.NoError(t, err)
			resp, err := newClient(t, newEngine(t)).Do(req)
			require.Error(t, err)
			assert.Nil(t, resp)
			var re *engine.RetryError
			require.ErrorAs(t, err, &re)
			if tc.why == "" {
				assert.Equal(t, engine.ReasonExhausted, re.Reason)
				assert.NotErrorIs(t, err, httpretry.ErrNotRetryable)
				assert.EqualValues(t, 3, s.requests.Load())
				return
			}
			assert.Equal(t, engine.ReasonPermanent, re.Reason)
			assert.Equal(t, 1, re.Attempts)
			assert.ErrorIs(t, err, httpretry.ErrNotRetryable)
			assert.ErrorIs(t, err, engine.ErrPermanent)
			assert.ErrorContains(t, err, "gave up after 1 attempt (permanent)")
			assert.ErrorContains(t, err, "request not retryable ("+tc.why+")")
			assert.EqualValues(t, 1, s.requests.Load())
		})
	}
}
