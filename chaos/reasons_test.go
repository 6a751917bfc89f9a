package chaos

import (
	"context"
	"errors"
	"fmt"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// reasonAllowed says why a call with spec s could not have failed as re says, or "".
func (v *env) reasonAllowed(s *spec, re *engine.RetryError, attempts int, closes bool) string {
	retryable := s.canFailRetryably(v.fake) && attempts >= 1
	timedOut := s.lateTimeouts(v.fake) && errors.Is(re, engine.ErrAttemptTimeout)
	switch re.Reason {
	case engine.ReasonExhausted:
		if !retryable || s.attempts == 0 || attempts != int(s.attempts) {
			return "not exhaustible"
		}
		if want := lastError(s); !errors.Is(re, want) && !timedOut {
			return fmt.Sprintf("the last error is not %v", want)
		}
	case engine.ReasonPermanent:
		panicked := errors.As(re, new(*engine.PanicError))
		switch {
		case s.kind != kindGoexit && attempts != 1 && !s.looseCount(v.fake):
			return "a permanent failure was retried"
		case s.kind == kindPermanent && !panicked && errors.Is(re, errPermanent):
		case s.kind == kindPanic && panicked && !errors.Is(re, engine.ErrGoexit):
		case s.kind == kindGoexit && goexited(re):
			// The attempt that exited ends the call: the first after the planned failures (on the
			// real clock, a later one if that was abandoned at its timeout or hedged).
			if attempts != int(s.fails)+1 && !s.looseCount(v.fake) {
				return fmt.Sprintf("exited on attempt %d, planned on attempt %d", attempts, s.fails+1)
			}
			return ""
		default:
			return "not a permanent failure"
		}
	case engine.ReasonDeadline:
		if !s.caller.hasDeadline() || !errors.Is(re, context.DeadlineExceeded) {
			return "no deadline"
		}
	case engine.ReasonBreakerOpen:
		// The breaker gates every attempt: an accepted call may be refused before its first
		// attempt, but after an attempt only a retry can be refused.
		if !v.breaker || s.mode == engine.Bypass || !errors.Is(re, breaker.ErrOpen) || (attempts > 0 && !retryable) {
			return "the breaker cannot refuse it"
		}
	case engine.ReasonBudget:
		if !v.budget || !retryable || !errors.Is(re, engine.ErrBudgetExhausted) {
			return "no retry to deny"
		}
	case engine.ReasonClosed:
		if !closes || !errors.Is(re, engine.ErrClosed) {
			return "the engine was not closed"
		}
	case engine.ReasonCanceled:
		if !s.caller.cancels() {
			return "nobody canceled it"
		}
		if s.caller == callerFutureCancel && !errors.Is(re, errCallerGaveUp) {
			return "the cause given to Cancel is lost"
		}
	case engine.ReasonHint:
		// A hint longer than the call may wait stops it at the hinted attempt, not retried early.
		if s.kind != kindHint || s.hint <= s.maxDelay || !errors.Is(re, engine.ErrHintTooLong) || !errors.Is(re, errHint) {
			return "no hint past its MaxDelay"
		}
		if attempts != 1 && !s.looseCount(v.fake) {
			return "a hint past MaxDelay was retried"
		}
	default:
		return "unknown reason"
	}
	return ""
}

// goexited reports whether err says that user code called runtime.Goexit: a *PanicError whose
// Value is engine.ErrGoexit, matched by errors.Is.
func goexited(err error) bool {
	var pe *engine.PanicError
	return errors.As(err, &pe) && pe.Value == engine.ErrGoexit && errors.Is(err, engine.ErrGoexit)
}

// lastError is what the last attempt of an exhausted call of spec s returned.
func lastError(s *spec) error {
	switch s.kind {
	case kindFlaky, kindGoexit:
		return errFlaky
	case kindFail:
		return errFail
	case kindHint:
		return errHint
	case kindRejected:
		return engine.ErrResultRejected
	case kindIgnore:
		return engine.ErrAttemptTimeout
	}
	return context.DeadlineExceeded // kindHang: its own ctx.Err() or the engine's timeout
}
