package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinels for conditions callers branch on. Admission failures from [Submit] and [TrySubmit]
// are returned as they are; a call that ran and failed settles with a [*RetryError] whose
// reason sentinel (one of the Err… values below, [breaker.ErrOpen] or [ErrClosed]) matches with
// [errors.Is].
var (
	// ErrClosed: the engine is closed; it accepts no calls and settles what it still holds with it.
	ErrClosed = errors.New("engine: closed")
	// ErrQueueFull: TrySubmit found no room in the work queue.
	ErrQueueFull = errors.New("engine: queue full")
	// ErrPending: Future.Result was called before the Future settled.
	ErrPending = errors.New("engine: not settled yet")

	// ErrExhausted: every allowed attempt failed.
	ErrExhausted = errors.New("engine: attempts exhausted")
	// ErrPermanent: the classifier said the failure is not worth retrying.
	ErrPermanent = errors.New("engine: permanent failure")
	// ErrDeadline: the next retry could not start before the caller's deadline. Errors with this
	// reason also match context.DeadlineExceeded.
	ErrDeadline = errors.New("engine: retry would miss the deadline")
	// ErrBudgetExhausted: the engine's retry budget denied the retry.
	ErrBudgetExhausted = errors.New("engine: retry budget exhausted")
	// ErrCanceled: the caller's context ended or the Future was canceled. The cause
	// (context.Canceled, context.DeadlineExceeded or the cause given to Cancel) matches too.
	ErrCanceled = errors.New("engine: call canceled")
	// ErrAttemptTimeout: an attempt outlived its per-attempt timeout. It wraps
	// context.DeadlineExceeded and is retried by the default classifier.
	ErrAttemptTimeout = fmt.Errorf("engine: attempt timed out: %w", context.DeadlineExceeded)
	// ErrResultRejected: the classifier asked to retry an attempt that returned no error.
	ErrResultRejected = errors.New("engine: result rejected by classifier")
	// ErrHintTooLong: the server asked to wait longer than the call may wait between attempts
	// (its MaxHint, MaxDelay by default), so the call stopped rather than retry before the
	// server allows it (see ClampHints).
	ErrHintTooLong = errors.New("engine: server hint longer than the call may wait")
)

// Reason says why a call stopped without success.
type Reason uint8

// The reasons a call fails. Their sentinels are listed with [RetryError].
const (
	ReasonExhausted Reason = iota
	ReasonPermanent
	ReasonDeadline
	ReasonBreakerOpen
	ReasonBudget
	ReasonClosed
	ReasonCanceled
	ReasonHint        // the server's hint was longer than the call may wait: ErrHintTooLong
	ReasonRateLimited // the key's rate limit had no token for a retry (FailIfLimited): ErrRateLimited
	numReasons
)

var reasonNames = [numReasons]string{"exhausted", "permanent", "deadline", "breaker open", "budget", "closed", "canceled", "hint too long", "rate limited"}

// String returns the reason in words, as used in logs and error messages.
func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// RetryError is the error of every call that ran (or was admitted) and did not succeed.
//
// errors.Is matches, through Unwrap, the reason's sentinel (ErrExhausted, ErrPermanent,
// ErrDeadline, breaker.ErrOpen, ErrBudgetExhausted, ErrClosed, ErrCanceled, ErrHintTooLong,
// ErrRateLimited), the cause
// (for example context.Canceled or the cause given to Future.Cancel) and the last attempt's error;
// errors.As reaches a *PanicError or any error type in the last error's chain.
type RetryError struct {
	Name     string // the call's operation name, if any
	Attempts int    // attempts that ran
	Reason   Reason // why the call stopped
	Last     error  // the last attempt's error; nil if no attempt finished
	Cause    error  // what ended the call from outside, if anything: a context cause, breaker.ErrOpen
	Fallback error  // the error of the call's Fallback, if it had one and it failed too
}

func (e *RetryError) Error() string {
	var b strings.Builder
	b.WriteString("engine: ")
	if e.Name != "" {
		b.WriteString(e.Name)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "gave up after %d attempt", e.Attempts)
	if e.Attempts != 1 {
		b.WriteByte('s')
	}
	fmt.Fprintf(&b, " (%s)", e.Reason)
	if e.Cause != nil {
		fmt.Fprintf(&b, ": %v", e.Cause)
	}
	if e.Last != nil {
		fmt.Fprintf(&b, ": last error: %v", e.Last)
	}
	if e.Fallback != nil {
		fmt.Fprintf(&b, "; fallback: %v", e.Fallback)
	}
	return b.String()
}

// Unwrap returns the reason sentinel, the cause, the last error and the fallback's error, so
// that errors.Is and errors.As see them all.
func (e *RetryError) Unwrap() []error {
	errs := make([]error, 0, 3)
	if s := e.sentinel(); s != nil {
		errs = append(errs, s)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	if e.Last != nil {
		errs = append(errs, e.Last)
	}
	if e.Fallback != nil {
		errs = append(errs, e.Fallback)
	}
	return errs
}

func (e *RetryError) sentinel() error {
	switch e.Reason {
	case ReasonExhausted:
		return ErrExhausted
	case ReasonPermanent:
		return ErrPermanent
	case ReasonDeadline:
		return ErrDeadline
	case ReasonBudget:
		return ErrBudgetExhausted
	case ReasonClosed:
		return ErrClosed
	case ReasonCanceled:
		return ErrCanceled
	case ReasonHint:
		return ErrHintTooLong
	case ReasonRateLimited:
		return ErrRateLimited
	}
	return nil // ReasonBreakerOpen: the cause is the breaker's own error
}

// PanicError is the error of an attempt whose operation panicked. Workers recover the panic so
// that a program that never wrote `go` is not crashed by a goroutine it does not own; the Future
// settles with it and, unless a classifier says otherwise, the call is not retried. It also
// reports user code that called runtime.Goexit, with ErrGoexit as its Value.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack
}

func (e *PanicError) Error() string {
	if e.Value == ErrGoexit {
		return ErrGoexit.Error() // no panic: Goexit, which PanicError reports too (see ErrGoexit)
	}
	return fmt.Sprintf("engine: operation panicked: %v", e.Value)
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying. The mark is found with errors.As, so it works when
// err is wrapped further; the caller sees the original error in RetryError.Last. Permanent(nil)
// is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type retryAfterError struct {
	err   error
	delay time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter marks err as retryable after d, a delay the server asked for (HTTP Retry-After,
// a throttling hint). It overrides the backoff strategy for that retry. The hint is a floor:
// the retry waits d plus a spread (HintSpread), never less; a d longer than the call may wait
// (MaxHint, MaxDelay by default) stops the call with ErrHintTooLong instead of retrying early
// (unless ClampHints). A negative d counts as 0. RetryAfter(nil, d) is nil.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{err, max(d, 0)}
}

type throttledError struct{ err error }

func (e *throttledError) Error() string { return e.err.Error() }
func (e *throttledError) Unwrap() error { return e.err }

// Throttled marks err as the server pushing back (HTTP 429, a 503 with Retry-After, gRPC
// RESOURCE_EXHAUSTED): the call is retried as DefaultClassifier would retry err (after a
// RetryAfter hint if err carries one, after the backoff otherwise), and the attempt teaches the
// pacer of the call's key the rate the server admits (see WithPacing). The mark is found when
// err is wrapped further, and combines with RetryAfter in either order. Throttled(nil) is nil.
func Throttled(err error) error {
	if err == nil {
		return nil
	}
	return &throttledError{err}
}

// unmark strips a marker from the top of err so that RetryError.Last holds what the operation
// meant, not our wrapper; markers deeper in a chain are transparent to errors.Is anyway.
func unmark(err error) error {
	switch m := err.(type) {
	case *permanentError:
		return m.err
	case *retryAfterError:
		if t, ok := m.err.(*throttledError); ok {
			return t.err
		}
		return m.err
	case *throttledError:
		if r, ok := m.err.(*retryAfterError); ok {
			return r.err
		}
		return m.err
	}
	return err
}
