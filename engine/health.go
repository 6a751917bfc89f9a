package engine

import (
	"github.com/recur-go/recur/breaker"
)

// A breaker judges whether a dependency is healthy, which is not the question a retry classifier
// answers: a request the server rejects as invalid is not worth retrying, yet the server answered
// it correctly; a server error may be final for one call and still a sign of trouble. So each
// attempt gets a health verdict of its own, from the call's breaker classifier.

// BreakerClassify replaces DefaultBreakerClassifier for a call: f says what an attempt's error
// (nil for a success) tells of the dependency's health: breaker.Success, breaker.Failure, or
// breaker.Ignored (nothing). It never sees an attempt ended by the caller's own cancellation,
// which is always Ignored. It must be safe for concurrent use.
func BreakerClassify(f func(err error) breaker.Outcome) CallOption {
	return callOptionFunc(func(p *policy) {
		if f == nil {
			p.fail("BreakerClassify: classifier is nil")
			return
		}
		p.health = f
	})
}

// BreakerClassifyResult is BreakerClassify for a classifier that sees each attempt's result as
// well as its error, for example an HTTP response with a 5xx status and a nil error. It takes
// precedence over BreakerClassify. T must be the call's result type: Submit refuses a mismatch
// before the call is admitted, for the reasons ClassifyResult gives.
func BreakerClassifyResult[T any](f func(v T, err error) breaker.Outcome) CallOption {
	return callOptionFunc(func(p *policy) {
		if f == nil {
			p.fail("BreakerClassifyResult: classifier is nil")
			return
		}
		p.healthResult = f
	})
}

// DefaultBreakerClassifier is the health verdict every call uses unless told otherwise:
//   - nil: Success;
//   - a *PanicError: Ignored (a bug in the caller's code says nothing of the dependency);
//   - marked with Permanent anywhere in the chain: Success (the dependency answered; the
//     request is what cannot succeed, like an HTTP 400);
//   - anything else, ErrAttemptTimeout and errors marked with RetryAfter included: Failure.
//
// An attempt that returned no error but whose result the retry classifier rejected counts as a
// Failure too: that is how a result-aware classifier reports an error response.
func DefaultBreakerClassifier(err error) breaker.Outcome {
	if err == nil {
		return breaker.Success
	}
	switch m := marksOf(err); {
	case m.panicked:
		return breaker.Ignored
	case m.permanent:
		return breaker.Success
	}
	return breaker.Failure
}

// judge gives attempt (v, err)'s health verdict, given the retry decision d.
func (f *Future[T]) judge(v T, err error, d Decision) (breaker.Outcome, *PanicError) {
	if f.pol.healthResult == nil && f.pol.health == nil {
		if err == nil && d.verdict != verdictAccept {
			return breaker.Failure, nil // a rejected result
		}
		return DefaultBreakerClassifier(err), nil
	}
	return f.judgeGuarded(v, err)
}

// judgeGuarded runs a user's breaker classifier. One that panics costs the dependency nothing:
// Ignored, and the panic stops the call.
func (f *Future[T]) judgeGuarded(v T, err error) (o breaker.Outcome, perr *PanicError) {
	defer func() {
		if r := recover(); r != nil {
			o, perr = breaker.Ignored, newPanicError(r)
		}
	}()
	if h, ok := f.pol.healthResult.(func(T, error) breaker.Outcome); ok {
		return h(v, err), nil
	}
	return f.pol.health(err), nil
}

// checkHealthClassifier reports a BreakerClassifyResult whose type does not match the call's.
func (f *Future[T]) checkHealthClassifier() error {
	if f.pol.healthResult == nil {
		return nil
	}
	if _, ok := f.pol.healthResult.(func(T, error) breaker.Outcome); !ok {
		return errTypeMismatch("BreakerClassifyResult", f.pol.healthResult, *new(T))
	}
	return nil
}
