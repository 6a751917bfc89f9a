package httpretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/recur-go/recur/engine"
)

var (
	errNotReplayable = errors.New("httpretry: request body cannot be replayed (no GetBody)")
	errNoResponse    = errors.New("httpretry: base RoundTripper returned neither a response nor an error")
	errFinished      = errors.New("httpretry: round trip already finished")
)

// exchange is one RoundTrip: the engine runs attempt for each try, and finish picks what the
// caller gets. Every response an attempt produces is recorded in live until it is either handed
// to the caller or closed, so that no body is leaked whichever way the call ends. Attempts of
// one call run side by side when it is hedged (engine.Hedge through CallOptions), and one
// abandoned at its timeout may still be finishing when the next starts, hence the lock.
type exchange struct {
	t    *Transport
	req  *http.Request
	once string // why req may be sent only once; "" if it may be retried

	mu       sync.Mutex
	attempts int
	live     []*http.Response
	bodyUsed bool // the first attempt took req.Body (and the base transport closes it)
	done     bool // finish has run: late attempts clean up after themselves
}

// attempt is the engine's operation: one round trip on the base transport.
func (x *exchange) attempt(ctx context.Context) (*http.Response, error) {
	n, stale, ok := x.begin()
	for _, r := range stale { // a new attempt: earlier responses will not be returned
		r.Body.Close()
	}
	if !ok {
		return nil, errFinished
	}
	body, err := x.body(n)
	if err != nil {
		return nil, engine.Permanent(err)
	}
	// The request lives under the caller's context, not the attempt's: the engine ends the
	// attempt's context when the call settles, but a returned response's body is read after
	// that. The link makes the engine's cancellations (timeout, Cancel, Close) abort the attempt
	// until the response is on its way to the caller.
	rctx, cancel := context.WithCancelCause(x.req.Context())
	unlink := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	r := x.req.WithContext(rctx)
	r.Body = body
	resp, err := x.t.base.RoundTrip(r)
	if err == nil && resp == nil {
		err = errNoResponse // a broken base transport: not worth retrying
	}
	if err != nil {
		unlink()
		cancel(err)
		return nil, x.attemptError(ctx, err)
	}
	if !x.t.statuses.has(resp.StatusCode) {
		return x.deliver(ctx, resp, unlink, cancel)
	}

	complete, err := buffer(resp)
	if err != nil {
		unlink()
		cancel(err)
		return nil, x.attemptError(ctx, err)
	}
	if complete { // the body is in memory and the connection back in the pool
		unlink()
		cancel(nil)
		if !x.keep(resp) {
			return nil, errFinished
		}
	} else if _, err := x.deliver(ctx, resp, unlink, cancel); err != nil {
		return nil, err
	}
	serr := &StatusError{Response: resp}
	if x.once != "" {
		return resp, notRetryable(x.once, serr)
	}
	var aerr error = serr
	d, hinted := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if throttling(resp.StatusCode, hinted) {
		aerr = engine.Throttled(aerr)
	}
	if hinted {
		// A floor, which the engine spreads above; a hint longer than the call may wait
		// (MaxRetryAfter, the call's MaxDelay) stops it with this response.
		aerr = engine.RetryAfter(aerr, d)
	}
	return resp, aerr
}

// throttling reports whether a status is the server pushing back, which the engine's pacer of
// the request's key learns from: 429, or 503 with a Retry-After (a server that says when to come
// back is shedding load, not down).
func throttling(status int, hinted bool) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable && hinted
}

// deliver hands resp on with its request's context detached from the attempt's, ending with the
// body instead, unless the attempt's context ended first and the body is already cut off.
func (x *exchange) deliver(ctx context.Context, resp *http.Response, unlink func() bool, cancel context.CancelCauseFunc) (*http.Response, error) {
	if !unlink() {
		resp.Body.Close()
		cancel(nil)
		return nil, context.Cause(ctx)
	}
	cancelOnClose(resp, cancel)
	if !x.keep(resp) {
		return nil, errFinished
	}
	return resp, nil
}

// begin numbers a new attempt and takes the responses of earlier ones that will not be
// returned now that another attempt runs: those with a retryable status. A response with another
// status is an answer, which a hedge starting just after it must not close; finish closes it if
// the call settles with another. ok is false if the round trip has finished.
func (x *exchange) begin() (n int, stale []*http.Response, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done {
		return 0, nil, false
	}
	x.attempts++
	if x.attempts == 1 {
		x.bodyUsed = true
	}
	kept := x.live[:0]
	for _, r := range x.live {
		if x.t.statuses.has(r.StatusCode) {
			stale = append(stale, r)
		} else {
			kept = append(kept, r)
		}
	}
	clear(x.live[len(kept):])
	x.live = kept
	return x.attempts, stale, true
}

// keep records resp as live, or closes it if the round trip has finished without it.
func (x *exchange) keep(resp *http.Response) bool {
	x.mu.Lock()
	if !x.done {
		x.live = append(x.live, resp)
		x.mu.Unlock()
		return true
	}
	x.mu.Unlock()
	resp.Body.Close()
	return false
}

// body returns the request body for attempt n: the original for the first, a copy after.
func (x *exchange) body(n int) (io.ReadCloser, error) {
	b := x.req.Body
	if n == 1 || b == nil || b == http.NoBody {
		return b, nil
	}
	if x.req.GetBody == nil { // not retried, unless a caller's classifier insists
		return nil, errNotReplayable
	}
	b, err := x.req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("httpretry: replaying the request body: %w", err)
	}
	return b, nil
}

// finish turns the engine's outcome into RoundTrip's: the response of a success, or the last
// response of a call that gave up on a retryable status while the caller still waits, or the
// engine's error. Every other response is closed, and so is req.Body if no attempt took it.
func (x *exchange) finish(resp *http.Response, err error) (*http.Response, error) {
	if err != nil {
		resp = nil
		var re *engine.RetryError
		if errors.As(err, &re) && x.req.Context().Err() == nil &&
			re.Reason != engine.ReasonCanceled && re.Reason != engine.ReasonClosed {
			var se *StatusError
			if errors.As(re.Last, &se) {
				resp = se.Response
			}
		}
	}
	x.mu.Lock()
	x.done = true
	live, bodyUsed := x.live, x.bodyUsed
	x.live = nil
	x.mu.Unlock()

	if resp != nil && !slices.Contains(live, resp) {
		resp = nil // not ours any more: an attempt that started later has closed it
	}
	for _, r := range live {
		if r != resp {
			r.Body.Close()
		}
	}
	if !bodyUsed && x.req.Body != nil {
		x.req.Body.Close()
	}
	if resp == nil {
		if err == nil {
			err = errFinished
		}
		return nil, err
	}
	return resp, nil
}
