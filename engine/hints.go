package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// DefaultHintSpread is the spread of a server's hint unless HintSpread says otherwise: a retry
// after a hint h waits a uniformly random time in [h, 2h]. The hint is a floor (the server has
// said it will refuse anything sooner), so the spread goes above it, never below; and it is as
// wide as the hint itself, the full-jitter rule of the backoff strategies applied above the
// floor, because the hint is the only time scale the server gives. Without it, every caller
// throttled in one second comes back in one second as one wave, which the server admits a
// slice of and throttles again: with 3,000 callers on a 200 r/s limit and Retry-After: 1, an
// exact hint got 23-33% of the calls through in 10 attempts, the hint plus a uniform 0-1s
// spread 94% (issue 13). A Retry-After in whole seconds also means "up to a second", which a
// spread of one hint covers.
const DefaultHintSpread = 1.0

// maxHintSpread bounds HintSpread: beyond ten times the hint a spread no longer spreads a wave,
// it only delays it.
const maxHintSpread = 10

// HintSpread sets how far above a server's hint (RetryAfter, RetryIn) a retry may wait: the wait
// is uniform in [h, h+f·h], and never past the call's MaxDelay or its deadline (the window is
// narrowed to fit rather than the hint undercut). f is in [0, 10]; 0 retries exactly at the
// hint; the default is DefaultHintSpread (1: [h, 2h]).
func HintSpread(f float64) CallOption {
	return callOptionFunc(func(p *policy) {
		if math.IsNaN(f) || f < 0 || f > maxHintSpread {
			p.fail("HintSpread %v: must be between 0 and %d", f, maxHintSpread)
			return
		}
		p.hintSpread = f
	})
}

// MaxHint sets the longest server hint (RetryAfter, RetryIn) a call waits for; by default its
// MaxDelay. A longer hint means the server will not take the call back within what the caller
// allows: the call stops with ErrHintTooLong (ReasonHint), its last error attached, rather than
// retry before the server allows it and be refused again. d must be positive.
func MaxHint(d time.Duration) CallOption {
	return callOptionFunc(func(p *policy) {
		if d <= 0 {
			p.fail("MaxHint %v: must be positive", d)
			return
		}
		p.maxHint = d
	})
}

// ClampHints makes a call retry when a server's hint is longer than it may wait (MaxHint,
// MaxDelay by default) at its limit instead of stopping: earlier than the server asked, which a
// server may well refuse again. Only for servers known to send hints longer than they mean.
func ClampHints() CallOption {
	return callOptionFunc(func(p *policy) { p.clampHints = true })
}

// hintDelay turns a server's hint h into the delay before the retry: h plus a spread, kept
// within the call's MaxDelay and deadline. stop is set when h is longer than the call may wait
// and the call does not clamp hints. A hint that misses the deadline is left whole, for the
// deadline check to stop the call.
func hintDelay(ctx context.Context, p *policy, h time.Duration, now time.Time) (d time.Duration, stop bool) {
	limit := p.maxDelay
	if p.maxHint > 0 {
		limit = min(limit, p.maxHint)
	}
	if h > limit {
		if !p.clampHints {
			return 0, true
		}
		return limit, false
	}
	hi := p.maxDelay
	if spread := float64(h) * p.hintSpread; spread < float64(p.maxDelay-h) {
		hi = h + time.Duration(spread)
	}
	if dl, ok := ctx.Deadline(); ok {
		hi = min(hi, dl.Sub(now)-1) // a retry due at the deadline could not start before it
	}
	if hi <= h {
		return h, false
	}
	return h + rand.N(hi-h+1), false
}
