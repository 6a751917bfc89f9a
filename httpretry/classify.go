package httpretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/recur-go/recur/engine"
)

// ErrNotRetryable is matched (errors.Is) by the error of a request that the Transport sends only
// once, when its attempt failed in a way that would otherwise have been retried: a retryable
// status or a transient network error. Such a request has a method that is not idempotent, no
// idempotency key and no RetryNonIdempotent, or a body that cannot be replayed. The call then
// stops with engine.ReasonPermanent rather than as exhausted, and its error says why the request
// was not retried.
var ErrNotRetryable = errors.New("httpretry: request not retryable")

// StatusError is the error of an attempt answered with a retryable status. Classifiers and hooks
// see it (engine.Classify given through CallOptions, engine.Hooks); RoundTrip never returns it:
// when the call gives up on a retryable status, the caller gets Response itself, body intact.
type StatusError struct {
	Response *http.Response
}

func (e *StatusError) Error() string { return "httpretry: status " + e.Response.Status }

// idempotent reports whether req may be sent twice without acting twice: its method is
// idempotent by definition (RFC 9110, section 9.2.2), or it carries an idempotency key, the same
// rule net/http applies to its own retries.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	if _, ok := req.Header["Idempotency-Key"]; ok {
		return true
	}
	_, ok := req.Header["X-Idempotency-Key"]
	return ok
}

// replayable reports whether req's body can be sent again: it has none, or GetBody makes a copy.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// whyOnce says why req may be sent only once, or "" if it may be retried.
func (t *Transport) whyOnce(req *http.Request) string {
	switch {
	case !replayable(req):
		return "its body cannot be replayed (no GetBody)"
	case !t.retryNonIdempotent && !idempotent(req):
		return "method " + req.Method + " without Idempotency-Key, and RetryNonIdempotent off"
	}
	return ""
}

// notRetryable marks err, which would otherwise be retried, as permanent, and says why: without
// the mark the engine would stop the call at its one attempt as exhausted, as if it had tried
// its best.
func notRetryable(why string, err error) error {
	return engine.Permanent(fmt.Errorf("%w (%s): %w", ErrNotRetryable, why, err))
}

// attemptError prepares a failed attempt's error for the engine's classifier: errors worth
// retrying go as they are, unless the request may be sent only once, the rest are marked
// permanent.
func (x *exchange) attemptError(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		// The engine ended the attempt (timeout, cancellation, settling): it knows why, and
		// an error caused by that says nothing about the server.
		return err
	case !transient(err):
		return engine.Permanent(err)
	case x.once != "":
		return notRetryable(x.once, err)
	}
	return err
}

// transient reports whether a network error is worth another attempt: the connection was
// refused, reset or cut short, or something timed out. Other errors (a malformed response, an
// unsupported scheme, a certificate the client rejects, an unknown host) will not go away.
func transient(err error) bool {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
