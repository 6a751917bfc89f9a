package engine

import "context"

// Attempt says which attempt of its call an operation is running.
type Attempt struct {
	Number int  // 1 for the first attempt
	Retry  bool // a retry: an earlier attempt of the call failed
}

// AttemptOf returns the attempt that ctx belongs to: the context an operation receives, or any
// context derived from it. ok is false for a context that no engine gave. It costs no
// allocation: the call's context answers from the call itself.
func AttemptOf(ctx context.Context) (a Attempt, ok bool) {
	var n int64
	switch v := ctx.Value(attemptKey{}).(type) {
	case *call:
		n = v.attempts.Load()
	case *timedAttempt:
		n = v.n
	default:
		return Attempt{}, false
	}
	return Attempt{Number: int(n), Retry: n > 1}, true
}

// attemptKey is the key under which a call's context answers AttemptOf.
type attemptKey struct{}

// timedAttempt is the context of an attempt with a timeout of its own. Such an attempt may
// outlive its timeout while the next one runs, so it carries its own number rather than reading
// the call's count.
type timedAttempt struct {
	context.Context
	n int64
}

func (t *timedAttempt) Value(key any) any {
	if key == (attemptKey{}) {
		return t
	}
	return t.Context.Value(key)
}
