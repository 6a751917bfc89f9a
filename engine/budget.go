package engine

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// Budget is a retry budget: a token bucket that every call fills by a share of a token and every
// retry empties by one, with a minimum rate trickling in so that a quiet service can still retry.
// When a dependency fails every call, a budget of ratio r holds retries to r of the calls (plus
// the trickle) instead of (attempts-1) times them: the retry storm the SRE book warns about
// cannot start. Safe for concurrent use and lock-free; one Budget may be shared by many engines.
type Budget struct {
	perCall   int64   // micro-tokens deposited by each call
	perNano   float64 // micro-tokens trickling in per nanosecond
	capacity  int64   // micro-tokens
	base      time.Time
	tokens    atomic.Int64 // micro-tokens
	refilled  atomic.Int64 // nanoseconds since base of the last trickle
	fractions atomic.Int64 // trickle remainder, in micro-tokens·1e-3, so slow rates are not lost
}

const microTokens = 1_000_000

// NewBudget returns a budget in which each call adds ratio tokens, minPerSecond tokens are added
// every second whatever the traffic, and the balance never exceeds capacity tokens. A retry takes
// one token. ratio must be in [0, 1], minPerSecond non-negative and finite, and capacity at
// least 1.
//
// The budget starts full, with capacity tokens, as golang.org/x/time/rate's limiter starts with
// its burst: a process just started is in the state a quiet period leaves behind, so the first
// failures after start-up are retried, and capacity is what a storm can take before the share
// holds it (choose it as the burst of retries a dependency may see from one budget).
func NewBudget(ratio, minPerSecond float64, capacity int) (*Budget, error) {
	switch {
	case math.IsNaN(ratio) || ratio < 0 || ratio > 1:
		return nil, fmt.Errorf("engine: NewBudget ratio %v outside [0, 1]", ratio)
	case math.IsNaN(minPerSecond) || math.IsInf(minPerSecond, 0) || minPerSecond < 0:
		return nil, fmt.Errorf("engine: NewBudget minPerSecond %v must be a non-negative number", minPerSecond)
	case capacity < 1 || capacity > math.MaxInt64/microTokens:
		return nil, fmt.Errorf("engine: NewBudget capacity %d must be at least 1 (and fit in int64 micro-tokens)", capacity)
	}
	b := &Budget{
		perCall:  int64(math.Round(ratio * microTokens)),
		perNano:  minPerSecond * microTokens / 1e9,
		capacity: int64(capacity) * microTokens,
		base:     time.Now(),
	}
	b.tokens.Store(b.capacity)
	return b, nil
}

// RetryBudget is what WithBudget accepts: a *Budget, or a budget kept elsewhere, such as one
// shared by the replicas of a service. The engine calls Deposit once for every call it admits and
// Withdraw before every retry; a retry goes ahead only if Withdraw returns true. Both are called on
// the engine's hot path, concurrently, from many goroutines: they must be safe for concurrent use,
// quick, and never wait long (a budget that asks over the network must bound the wait).
type RetryBudget interface {
	Deposit()
	Withdraw() bool
}

// Deposit credits one call (see RetryBudget). The engine calls it; call it yourself only to
// share the budget with calls made outside an engine.
func (b *Budget) Deposit() { b.deposit() }

// Withdraw takes one retry's token, reporting whether there was one (see RetryBudget).
func (b *Budget) Withdraw() bool { return b.withdraw() }

// deposit credits one call.
func (b *Budget) deposit() {
	if b.perCall > 0 {
		b.add(b.perCall)
	}
}

// withdraw takes one retry's token, reporting whether there was one.
func (b *Budget) withdraw() bool {
	b.trickle()
	for {
		t := b.tokens.Load()
		if t < microTokens {
			return false
		}
		if b.tokens.CompareAndSwap(t, t-microTokens) {
			return true
		}
	}
}

// Tokens returns the whole retries the budget would allow now.
func (b *Budget) Tokens() int {
	b.trickle()
	return int(b.tokens.Load() / microTokens)
}

func (b *Budget) trickle() {
	if b.perNano == 0 {
		return
	}
	now := int64(time.Since(b.base))
	last := b.refilled.Load()
	if now <= last || !b.refilled.CompareAndSwap(last, now) {
		return // another caller is crediting this interval
	}
	credit := float64(now-last) * b.perNano // micro-tokens; +Inf for a rate near MaxFloat64
	if credit >= float64(b.capacity) {
		// A long idle time or a high rate fills the bucket whatever the remainder; converted
		// to int64, this credit could overflow and come out negative.
		b.add(b.capacity)
		return
	}
	// credit < capacity, so its whole part fits in int64; the remainder is carried in
	// thousandths apart from it, since credit*1000 need not fit.
	whole := int64(credit)
	milli := int64((credit-float64(whole))*1000) + b.fractions.Swap(0)
	if add := whole + milli/1000; add > 0 {
		b.add(add)
	}
	b.fractions.Add(milli % 1000)
}

// add credits n micro-tokens, n at most capacity, saturating at capacity.
func (b *Budget) add(n int64) {
	for {
		t := b.tokens.Load()
		next := t + min(n, b.capacity-t) // t+n could overflow for a capacity near MaxInt64
		if next == t || b.tokens.CompareAndSwap(t, next) {
			return
		}
	}
}
