package engine

import (
	"context"
	"time"

	"github.com/recur-go/recur/breaker"
)

// Hooks observe an engine. Every field is optional; an engine without hooks pays nothing for
// them. Hooks run on the engine's goroutines (or the one that canceled a call), never while the
// engine holds a lock, so they may call into the engine; they should be quick, since a slow hook
// slows the worker that runs it. Unlike operations, classifiers and strategies, hooks are not
// recovered: a hook that panics crashes the program, as a panic on any goroutine does. Give
// several with repeated WithHooks: all of them run.
type Hooks struct {
	OnAttemptStart  func(AttemptStart)
	OnAttemptEnd    func(AttemptEnd)
	OnRetry         func(RetryScheduled)
	OnSettled       func(Settled)
	OnBreakerChange func(BreakerChange)
}

// Every event about a call carries the call's context, Ctx: the context its attempts run under,
// with the values (a trace's span, a request's ID) and the deadline of the context it was
// submitted with; it is done once the call settles. It is the same for every event of one call,
// so it also tells one call's events from another's.

// AttemptStart describes an attempt about to run.
type AttemptStart struct {
	Ctx     context.Context
	Name    string
	Key     string // the call's key (see Key); "" if it has none
	Attempt int    // 1 for the first attempt
	Hedge   bool   // started beside another attempt of the call (see Hedge)
	At      time.Time
}

// AttemptEnd describes an attempt that finished (or was abandoned at its timeout).
type AttemptEnd struct {
	Ctx      context.Context
	Name     string
	Key      string
	Attempt  int
	Err      error
	Duration time.Duration
	Decision Decision // what the classifier made of it
}

// RetryScheduled describes a retry waiting in the scheduler.
type RetryScheduled struct {
	Ctx     context.Context
	Name    string
	Key     string
	Attempt int           // the attempt that will run
	Delay   time.Duration // how long it waits
	Err     error         // the error that caused it
}

// Settled describes a call that ended: what a metrics exporter records about it, attempts included.
type Settled struct {
	Ctx      context.Context
	Name     string
	Key      string
	Start    time.Time // when the call was submitted
	End      time.Time
	Attempts int
	Winner   int // the attempt whose result settled the call (with Hedge, not always the last); 0 on failure
	Success  bool
	Err      error  // nil on success
	Reason   Reason // why it failed; meaningless on success
	FellBack bool   // it failed, and its Fallback gave its result instead (see Err)
}

// BreakerChange describes a transition of one of the engine's breakers.
type BreakerChange struct {
	Engine   string // the engine's name
	Key      string // the breaker's key; "" for calls without one
	From, To breaker.State
}

// hookSet is every Hooks given to the engine, flattened per event so that firing costs one
// length check when nothing listens.
type hookSet struct {
	attemptStart  []func(AttemptStart)
	attemptEnd    []func(AttemptEnd)
	retry         []func(RetryScheduled)
	settled       []func(Settled)
	breakerChange []func(BreakerChange)
}

func (s *hookSet) add(h Hooks) {
	if h.OnAttemptStart != nil {
		s.attemptStart = append(s.attemptStart, h.OnAttemptStart)
	}
	if h.OnAttemptEnd != nil {
		s.attemptEnd = append(s.attemptEnd, h.OnAttemptEnd)
	}
	if h.OnRetry != nil {
		s.retry = append(s.retry, h.OnRetry)
	}
	if h.OnSettled != nil {
		s.settled = append(s.settled, h.OnSettled)
	}
	if h.OnBreakerChange != nil {
		s.breakerChange = append(s.breakerChange, h.OnBreakerChange)
	}
}

// timed reports whether any hook needs attempt or call timestamps.
func (s *hookSet) timed() bool {
	return len(s.attemptStart)+len(s.attemptEnd)+len(s.settled) > 0
}

func fire[E any](fns []func(E), ev E) {
	for _, f := range fns {
		f(ev)
	}
}
