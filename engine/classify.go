package engine

import (
	"errors"
	"time"
)

// Decision is a classifier's verdict on one attempt: accept it, retry it, retry it after a
// given delay, or stop. The zero Decision is Accept.
type Decision struct {
	verdict   verdict
	throttled bool // the server pushed back: the key's pacer learns from it
	after     time.Duration
}

type verdict uint8

const (
	verdictAccept verdict = iota
	verdictRetry
	verdictRetryAfter
	verdictStop
)

// Accept settles the call with the attempt's result and error (normally a nil error).
func Accept() Decision { return Decision{} }

// Retry retries the call after the delay the backoff strategy gives.
func Retry() Decision { return Decision{verdict: verdictRetry} }

// RetryIn retries the call after d, a server's hint, overriding the strategy. d is a floor: the
// retry waits d plus a spread (HintSpread), never less, and a d longer than the call may wait
// (MaxHint, MaxDelay by default) stops the call with ErrHintTooLong (unless ClampHints).
func RetryIn(d time.Duration) Decision {
	return Decision{verdict: verdictRetryAfter, after: max(d, 0)}
}

// Stop settles the call with the attempt's error, as a permanent failure.
func Stop() Decision { return Decision{verdict: verdictStop} }

// Throttled returns d marked as the server pushing back (HTTP 429, gRPC RESOURCE_EXHAUSTED):
// the attempt teaches the pacer of the call's key the rate the server admits (see WithPacing).
// It changes nothing else: Retry().Throttled() still retries after the backoff, Stop().Throttled()
// still stops. DefaultClassifier returns it for errors marked with Throttled.
func (d Decision) Throttled() Decision {
	d.throttled = true
	return d
}

// IsThrottled reports whether d says the server pushed back (see Decision.Throttled).
func (d Decision) IsThrottled() bool { return d.throttled }

// String names the decision, as hooks and logs show it.
func (d Decision) String() string {
	if d.throttled {
		return d.plain().String() + " (throttled)"
	}
	switch d.verdict {
	case verdictRetry:
		return "retry"
	case verdictRetryAfter:
		return "retry-after " + d.after.String()
	case verdictStop:
		return "stop"
	}
	return "accept"
}

func (d Decision) plain() Decision {
	d.throttled = false
	return d
}

// IsRetry reports whether the decision retries the call, with or without a given delay.
func (d Decision) IsRetry() bool { return d.verdict == verdictRetry || d.verdict == verdictRetryAfter }

// Classifier decides what to do with one attempt's error. It is called for every attempt,
// including successful ones (err == nil), and must be safe for concurrent use.
type Classifier func(err error) Decision

// DefaultClassifier is the classification every call uses unless told otherwise:
//   - nil: Accept;
//   - marked with Permanent anywhere in the chain: Stop;
//   - marked with RetryAfter anywhere in the chain: RetryIn the given delay;
//   - marked with Throttled anywhere in the chain: the same, and Decision.Throttled;
//   - a *PanicError: Stop (a panic is a bug, not a transient fault);
//   - ErrClosed: Stop;
//   - anything else, including ErrAttemptTimeout: Retry.
//
// The caller's own cancellation never reaches a classifier: the call settles at once.
// Custom classifiers can fall back to DefaultClassifier for the cases they do not handle.
func DefaultClassifier(err error) Decision {
	if err == nil {
		return Accept()
	}
	m := marksOf(err)
	switch {
	case m.permanent:
		return Stop()
	case m.retryAfter != nil:
		d := RetryIn(m.retryAfter.delay)
		d.throttled = m.throttled
		return d
	case m.throttled:
		return Retry().Throttled()
	case m.panicked:
		return Stop()
	case errors.Is(err, ErrClosed):
		return Stop()
	}
	return Retry()
}

// marks are what the default classifiers look for in an error's tree.
type marks struct {
	permanent  bool
	panicked   bool
	throttled  bool
	retryAfter *retryAfterError // the first in the order errors.As would find it
}

// marksOf walks err's tree once, with type switches: errors.As would cost a reflective type
// check per error and per mark, on every failed attempt. The marks' types are unexported (but
// for *PanicError, which has no As method), so no As method elsewhere can stand for them.
func marksOf(err error) (m marks) {
	m.walk(err)
	return m
}

func (m *marks) walk(err error) {
	for err != nil {
		switch e := err.(type) {
		case *permanentError:
			m.permanent = true
		case *retryAfterError:
			if m.retryAfter == nil {
				m.retryAfter = e
			}
		case *PanicError:
			m.panicked = true
		case *throttledError:
			m.throttled = true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				m.walk(e)
			}
			return
		default:
			return
		}
	}
}
