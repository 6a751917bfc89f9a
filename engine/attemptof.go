package engine

import "context"

// Attempt says which attempt of its call an operation is running.
type Attempt struct {
	Number int  // 1 for the first attempt
	Retry  bool // a retry: an earlier round of the call failed
	Hedge  bool // a hedge: another attempt of the call runs beside it (see Hedge)
}

// AttemptOf returns the attempt that ctx belongs to: the context an operation receives, or any
// context derived from it. ok is false for a context that no engine gave. It costs no
// allocation: the call's context answers from the call itself.
func AttemptOf(ctx context.Context) (a Attempt, ok bool) {
	switch v := ctx.Value(attemptKey{}).(type) {
	case *call:
		n := v.attempts.Load()
		return Attempt{Number: int(n), Retry: n > 1}, true
	case *numberedAttempt:
		return Attempt{Number: int(v.n), Retry: v.retry, Hedge: v.hedge}, true
	}
	return Attempt{}, false
}

// attemptKey is the key under which a call's context answers AttemptOf.
type attemptKey struct{}

// numberedAttempt is the context of an attempt that may run beside another of its call: one
// with a timeout of its own (it may outlive it while the next one runs) or a hedged one. It
// carries its own number rather than reading the call's count.
type numberedAttempt struct {
	context.Context
	n            int64
	retry, hedge bool
}

func (t *numberedAttempt) Value(key any) any {
	if key == (attemptKey{}) {
		return t
	}
	return t.Context.Value(key)
}
