package httpretry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/recur-go/recur/engine"
)

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

// attemptError prepares a failed attempt's error for the engine's classifier: errors worth
// retrying go as they are, the rest are marked permanent.
func attemptError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		// The engine ended the attempt (timeout, cancellation, settling): it knows why, and
		// an error caused by that says nothing about the server.
		return err
	}
	if transient(err) {
		return err
	}
	return engine.Permanent(err)
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
