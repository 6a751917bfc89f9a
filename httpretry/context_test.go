package httpretry_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// hangFirst makes the first request hang until the client gives up on it, which it reports on
// the returned channel, and answers the others.
func hangFirst() (func(http.ResponseWriter, *http.Request, int), <-chan struct{}) {
	abandoned := make(chan struct{})
	return func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			<-r.Context().Done()
			close(abandoned)
			return
		}
		fmt.Fprintf(w, "ok %d", n)
	}, abandoned
}

func TestAttemptTimeoutAbortsTheAttemptAndRetries(t *testing.T) {
	h, abandoned := hangFirst()
	s := newServer(t, h)
	resp, err := get(t, newClient(t, newEngine(t), httpretry.AttemptTimeout(20*time.Millisecond)), s.URL)
	require.NoError(t, err)
	assert.Equal(t, "ok 2", readBody(t, resp))
	<-abandoned // the server saw the first request go away
}

func TestTimeoutsOfTheBaseTransportAreRetried(t *testing.T) {
	h, abandoned := hangFirst()
	s := newServer(t, h)
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.ResponseHeaderTimeout = 20 * time.Millisecond
	t.Cleanup(base.CloseIdleConnections)
	resp, err := get(t, newClient(t, newEngine(t), httpretry.Base(base)), s.URL)
	require.NoError(t, err)
	assert.Equal(t, "ok 2", readBody(t, resp))
	<-abandoned
}

func TestARetryThatWouldMissTheDeadlineReturnsTheLastResponseAtOnce(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, "slow down")
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	require.NoError(t, err)
	start := time.Now()
	resp, err := newClient(t, newEngine(t)).Do(req)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 5*time.Second, "no waiting for a retry that cannot happen")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "slow down", readBody(t, resp))
	assert.EqualValues(t, 1, s.requests.Load())
}

func TestCancelingTheRequestEndsAWaitingRetry(t *testing.T) {
	s := newServer(t, failFirst(5, http.StatusServiceUnavailable))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e := newEngine(t, engine.WithHooks(engine.Hooks{OnRetry: func(engine.RetryScheduled) { cancel() }}))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	require.NoError(t, err)
	c := newClient(t, e, httpretry.CallOptions(engine.Backoff(backoff.Constant(time.Hour))))
	_, err = c.Do(req)
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, s.requests.Load())
}

func TestTheRequestDeadlineBoundsARunningAttempt(t *testing.T) {
	h, abandoned := hangFirst()
	s := newServer(t, h)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	require.NoError(t, err)
	_, err = newClient(t, newEngine(t)).Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	<-abandoned
}

func TestTheReturnedBodyOutlivesTheCall(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "first half, ")
		http.NewResponseController(w).Flush()
		time.Sleep(20 * time.Millisecond) // the client has its response and the call has settled
		fmt.Fprint(w, "second half")
	})
	resp, err := get(t, newClient(t, newEngine(t)), s.URL)
	require.NoError(t, err)
	assert.Equal(t, "first half, second half", readBody(t, resp))
}

func TestClosingTheBodyEndsTheRequestContext(t *testing.T) {
	s := newServer(t, failFirst(0, 0))
	resp, err := get(t, newClient(t, newEngine(t)), s.URL)
	require.NoError(t, err)
	ctx := resp.Request.Context() // the context the attempt was sent with
	assert.NoError(t, ctx.Err(), "alive while the caller reads the body")
	assert.Equal(t, "ok 1", readBody(t, resp))
	assert.ErrorIs(t, ctx.Err(), context.Canceled, "ended by Close")
}

func TestAClosedEngineRefusesAndClosesTheBody(t *testing.T) {
	s := newServer(t, failFirst(0, 0))
	e, err := engine.New()
	require.NoError(t, err)
	c := newClient(t, e)
	require.NoError(t, e.Close(t.Context()))
	body := &closeCounter{Reader: strings.NewReader("x")}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, s.URL, body)
	require.NoError(t, err)
	_, err = c.Do(req)
	require.ErrorIs(t, err, engine.ErrClosed)
	assert.Equal(t, 1, body.closes)
	assert.Zero(t, s.requests.Load())
}

func TestAnOpenBreakerFailsFastAndClosesTheBody(t *testing.T) {
	s := newServer(t, failFirst(0, 0))
	e := newEngine(t, engine.WithBreaker())
	body := &closeCounter{Reader: strings.NewReader("x")}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, s.URL, body)
	require.NoError(t, err)
	e.KeyBreaker(httpretry.HostKey(req)).ForceOpen()
	_, err = newClient(t, e).Do(req)
	require.ErrorIs(t, err, breaker.ErrOpen)
	assert.Equal(t, 1, body.closes)
	assert.Zero(t, s.requests.Load())
}
