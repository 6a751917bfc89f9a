package chaos

import (
	"context"
	"errors"
	"fmt"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// tally adds up a round as its callers and operations saw it.
type tally struct {
	accepted    uint64
	succeeded   uint64
	failedBy    [len(engine.Stats{}.FailedBy)]uint64
	attempts    uint64 // operations started
	refused     uint64 // admissions refused for any reason
	counted     uint64 // refusals Stats.Rejected must count: closed, queue or bulkhead full, breaker open
	breaker     uint64 // admissions refused by the breaker
	bulkhead    uint64 // admissions refused with the key's bulkhead full
	rateLimited uint64 // admissions refused: no token before the call's deadline
	fresh       uint64 // calls to a key of their own
	goexits     uint64 // calls settled by an attempt that called runtime.Goexit
}

// judge checks one call against its plan and adds it to the tally. It returns what is wrong,
// or "" if nothing is.
func (v *env) judge(r *record, closes bool, t *tally) string {
	s := &r.spec
	settles := r.settles.Load()
	started := int(r.ops.started.Load())
	t.attempts += uint64(started)
	if s.key == keyFresh {
		t.fresh++
	}
	if r.exited { // Do never returned: the call was accepted and ran; the hook saw its end
		if e := r.hookErr.Load(); e != nil {
			r.err = *e
		}
	}
	if r.doDone && settles == 0 && r.err == nil && r.val == fallbackValue(r.id) {
		// Do was refused, and its Fallback replaced the refusal: the refusal is what it saw.
		if fb := r.fbErr.Load(); fb != nil {
			r.err = *fb
		}
	}
	if r.doDone {
		r.refusal = doRefusal(r) // every call has settled by now
	}
	if r.refusal != nil {
		t.refused++
		switch {
		case errors.Is(r.refusal, engine.ErrClosed), errors.Is(r.refusal, engine.ErrQueueFull):
			t.counted++
		case errors.Is(r.refusal, engine.ErrBulkheadFull):
			if v.limits.bulkhead == 0 {
				return "refused as bulkhead full by an engine without bulkheads"
			}
			t.counted++
			t.bulkhead++
		case errors.Is(r.refusal, breaker.ErrOpen):
			t.counted++
			t.breaker++
		case errors.Is(r.refusal, engine.ErrRateLimited):
			// The call's turn for a token would come after its deadline (it waits for one).
			if v.limits.ratePerTick == 0 || !errors.Is(r.refusal, context.DeadlineExceeded) {
				return fmt.Sprintf("refused with %v by an engine whose calls wait for a token, if limited", r.refusal)
			}
			t.counted++
			t.rateLimited++
		case !errors.Is(r.refusal, context.DeadlineExceeded):
			return fmt.Sprintf("refused with %v", r.refusal)
		}
		if errors.Is(r.refusal, engine.ErrClosed) && !closes {
			return "refused as closed by an engine that is open"
		}
		if settles != 0 || started != 0 {
			return fmt.Sprintf("refused (%v), yet settled %d times after %d attempts", r.refusal, settles, started)
		}
		return ""
	}
	t.accepted++
	if settles != 1 {
		return fmt.Sprintf("settled %d times", settles)
	}
	attempts := int(r.hookAttempts.Load())
	val, err := r.val, r.err
	if !r.doDone {
		val, err = r.fut.Result()
		if errors.Is(err, engine.ErrPending) {
			return "Done is closed but Result says pending"
		}
		if got := r.fut.Attempts(); got != started {
			return fmt.Sprintf("Future.Attempts %d, operation started %d times", got, started)
		}
	}
	if why := v.fellBack(r, &val, &err); why != "" {
		return why
	}
	switch {
	case started != attempts:
		return fmt.Sprintf("settled after %d attempts, operation started %d times", attempts, started)
	case s.attempts > 0 && attempts > int(s.attempts):
		return fmt.Sprintf("%d attempts, MaxAttempts(%d)", attempts, s.attempts)
	case r.hookSuccess.Load() != (err == nil):
		return fmt.Sprintf("the hook says success=%t, the caller got %v", r.hookSuccess.Load(), err)
	}
	if err == nil {
		t.succeeded++
		// An operation numbers its attempts in the order they enter it. In fake time that is
		// the engine's order, so the value must be the last attempt's. On the real clock an
		// attempt may be abandoned at its timeout before its goroutine even enters the
		// operation, and the next one enter first: only the call and the range can be checked.
		// A hedged call's operation numbers by AttemptOf (attempts run side by side), so its
		// value names the attempt, which must be the winner the hook was told of.
		n := int(val & 0xff)
		switch {
		case val>>8 != r.id || n < 1 || n > attempts:
			return fmt.Sprintf("succeeded with %#x after %d attempts: not a result of this call", val, attempts)
		case n != int(r.hookWinner.Load()) && (v.fake || s.hedged()):
			return fmt.Sprintf("succeeded with attempt %d's result, the hook says attempt %d won", n, r.hookWinner.Load())
		case v.fake && !s.hedged() && n != attempts:
			return fmt.Sprintf("succeeded with attempt %d's result after %d attempts: a late result delivered", n, attempts)
		case !s.successAllowed(n, v.fake):
			return fmt.Sprintf("succeeded on attempt %d, which cannot (or returned too late)", n)
		}
		return ""
	}
	var re *engine.RetryError
	if !errors.As(err, &re) {
		return fmt.Sprintf("failed with %T %v, not a *RetryError", err, err)
	}
	t.failedBy[re.Reason]++
	if goexited(re) {
		t.goexits++
	}
	switch {
	case re.Attempts != attempts:
		return fmt.Sprintf("RetryError says %d attempts, the hook %d", re.Attempts, attempts)
	case engine.Reason(r.hookReason.Load()) != re.Reason:
		return fmt.Sprintf("RetryError reason %v, the hook's %v", re.Reason, engine.Reason(r.hookReason.Load()))
	}
	if why := v.reasonAllowed(s, re, attempts, closes); why != "" {
		return fmt.Sprintf("%v after %d attempts: %s (%v)", re.Reason, attempts, why, err)
	}
	return ""
}

// checkRound judges every call of a round and the engine's counters across it: after is read
// once the round is quiet, before when it started.
func (v *env) checkRound(res *roundResult, before, after engine.Stats) (tally, []string) {
	var t tally
	var bad []string
	for i := range res.recs {
		r := &res.recs[i]
		if why := v.judge(r, res.plan.closes(), &t); why != "" && len(bad) < 20 {
			bad = append(bad, fmt.Sprintf("call %d (%v, %v, %+v): %s", r.id, r.spec.kind, r.spec.caller, r.spec, why))
		}
	}
	d := func(a, b uint64) uint64 { return a - b }
	check := func(ok bool, format string, args ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	check(d(after.Submitted, before.Submitted) == t.accepted, "Stats.Submitted grew by %d, %d calls accepted",
		d(after.Submitted, before.Submitted), t.accepted)
	check(d(after.Succeeded, before.Succeeded) == t.succeeded, "Stats.Succeeded grew by %d, %d calls succeeded",
		d(after.Succeeded, before.Succeeded), t.succeeded)
	for r, n := range t.failedBy {
		got := d(after.FailedBy[r], before.FailedBy[r])
		check(got == n, "Stats.FailedBy[%v] grew by %d, %d calls failed so", engine.Reason(r), got, n)
	}
	check(after.Submitted == after.Succeeded+after.Failed() && after.Pending == 0,
		"Submitted %d != Succeeded %d + Failed %d, Pending %d", after.Submitted, after.Succeeded, after.Failed(), after.Pending)
	check(after.Running == 0 && after.Waiting == 0 && after.Queued == 0 && after.SlotWaiting == 0,
		"a quiet engine has Running %d, Waiting %d, Queued %d, SlotWaiting %d",
		after.Running, after.Waiting, after.Queued, after.SlotWaiting)
	check(after.Keys <= maxKeys, "the engine holds %d keys", after.Keys)
	check(d(after.Attempts, before.Attempts) == t.attempts, "Stats.Attempts grew by %d, operations started %d times",
		d(after.Attempts, before.Attempts), t.attempts)
	check(d(after.Breaker, before.Breaker) == t.failedBy[engine.ReasonBreakerOpen]+t.breaker,
		"Stats.Breaker grew by %d: %d calls failed and %d were refused with the breaker open",
		d(after.Breaker, before.Breaker), t.failedBy[engine.ReasonBreakerOpen], t.breaker)
	limited := d(after.RateLimited, before.RateLimited)
	check(limited >= t.rateLimited && (v.limits.ratePerTick > 0 || limited == 0),
		"Stats.RateLimited grew by %d, %d calls were refused so, rate limit %d a tick", limited, t.rateLimited, v.limits.ratePerTick)
	rejected := d(after.Rejected, before.Rejected)
	check(rejected >= t.counted && rejected <= t.refused, "Stats.Rejected grew by %d, %d to %d refusals",
		rejected, t.counted, t.refused)
	check(d(after.Budget, before.Budget) >= t.failedBy[engine.ReasonBudget], "Stats.Budget grew by %d, %d calls failed so",
		d(after.Budget, before.Budget), t.failedBy[engine.ReasonBudget])
	late := d(after.Late, before.Late)
	check(late <= t.attempts, "Stats.Late grew by %d, more than the %d attempts", late, t.attempts)
	if v.fake { // in fake time an attempt that sleeps past its timeout is always abandoned first
		check(late >= uint64(res.lateOps), "Stats.Late grew by %d, %d attempts returned after their timeout",
			late, res.lateOps)
	}
	return t, bad
}

// fellBack checks a call's Fallback: it replaced the failure the hook saw exactly when the call
// has one and failed for a reason it covers, and then the caller got its value and no error.
// It hands the replaced failure on in *err, for the checks of the failure itself.
func (v *env) fellBack(r *record, val *uint64, err *error) string {
	s := &r.spec
	hookErr := r.hookErr.Load()
	if !r.hookFellBack.Load() {
		var re *engine.RetryError
		if s.fallsBack() && errors.As(*err, &re) && re.Reason != engine.ReasonCanceled && re.Reason != engine.ReasonClosed {
			return fmt.Sprintf("failed (%v) with a Fallback that did not replace the failure", re.Reason)
		}
		return ""
	}
	switch {
	case !s.fallsBack():
		return "fell back without a Fallback"
	case !r.exited && (*err != nil || *val != fallbackValue(r.id)): // an exited Do got nothing
		return fmt.Sprintf("fell back, yet the caller got %#x, %v", *val, *err)
	case hookErr == nil || *hookErr == nil:
		return "fell back, and the hook saw no failure"
	case r.fut != nil && r.fut.Replaced() != *hookErr:
		return "Future.Replaced is not the failure the hook saw"
	}
	*err = *hookErr
	return ""
}
