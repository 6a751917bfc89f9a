package engine

import (
	"context"
	"time"
)

// A call is its own context: the context its attempts run under is the call itself, seen
// through callCtx, instead of a context.WithCancelCause per call (two allocations and 96 bytes
// that a waiting retry would hold). It passes on the caller's values and deadline; it is done
// when the call settles, which the watch of the caller's context (watch.go) makes happen when
// that context ends. Done is the Future's own Done channel.

// callCtx is a call seen as a context.Context. Its methods are not the Future's: a Future has
// no Err or Value of its own to offer its users.
type callCtx call

// context returns c as the context of its attempts. The conversion allocates nothing.
func (c *call) context() context.Context { return (*callCtx)(c) }

// Deadline is the caller's context's deadline.
func (x *callCtx) Deadline() (time.Time, bool) { return x.parent.Deadline() }

// Done is closed when the call settles.
func (x *callCtx) Done() <-chan struct{} { return (*call)(x).doneChan() }

// Err is nil until the call settles; then context.DeadlineExceeded if it ended at a deadline,
// context.Canceled otherwise (a success included: the call is over).
func (x *callCtx) Err() error {
	c := (*call)(x)
	if !c.isDone.Load() {
		return nil
	}
	err, _ := c.ctxErr()
	return err
}

// Value is the caller's context's value for key, except for the keys context.Cause and
// AttemptOf ask with.
func (x *callCtx) Value(key any) any {
	switch {
	case key == causeKey && causeKey != nil:
		return (*call)(x).causeCarrier()
	case key == (attemptKey{}):
		return (*call)(x) // see AttemptOf
	}
	return x.parent.Value(key)
}

// String names the context the way the context package names its own, for logs.
func (x *callCtx) String() string { return contextName(x.parent) + ".WithRecurCall" }

func contextName(ctx context.Context) string {
	if s, ok := ctx.(interface{ String() string }); ok {
		return s.String()
	}
	return "context"
}

// ctxErr is the context's error and cause once c has settled (readers after isDone need no
// lock): the cause the call settled with, or context.Canceled.
func (c *call) ctxErr() (err, cause error) {
	re, _ := c.err.(*RetryError)
	if re == nil {
		return context.Canceled, context.Canceled
	}
	err, cause = context.Canceled, re.Cause
	if re.Reason == ReasonDeadline {
		err = context.DeadlineExceeded
	}
	if cause == nil {
		cause = err
	}
	return err, cause
}

// causeCarrier answers context.Cause. Cause looks for the nearest *context.cancelCtx through
// Value and reads the cause from it; the call has none, so once it has settled with a cause
// other than its Err, it makes one that carries that cause. This is the rare path (an
// operation that asks why it was canceled), and the only one that allocates.
func (c *call) causeCarrier() any {
	if !c.isDone.Load() {
		return nil // Cause then returns Err: nil
	}
	err, cause := c.ctxErr()
	if cause == err {
		return nil
	}
	carrier, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	return carrier.Value(causeKey)
}

// causeKey is the key context.Cause passes to Value to find a cancelCtx. The context package
// does not export it, so it is learnt once, from a context that records what Cause asks it,
// and checked against a real cancelCtx. Should a Go release find causes another way, causeKey
// stays nil and context.Cause of an attempt's context gives its Err, never a wrong cause.
var causeKey = learnCauseKey()

type causeKeyProbe struct {
	context.Context
	keys []any
}

func (p *causeKeyProbe) Err() error { return context.Canceled } // Cause asks Value only when Err is set

func (p *causeKeyProbe) Value(key any) any {
	p.keys = append(p.keys, key)
	return nil
}

func learnCauseKey() any {
	probe := &causeKeyProbe{Context: context.Background()}
	_ = context.Cause(probe)
	if len(probe.keys) != 1 {
		return nil
	}
	key := probe.keys[0]
	real, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if real.Value(key) != any(real) {
		return nil
	}
	return key
}

// afterFunc is a function to run when the call's context is done: the context package
// registers one per context derived from it (propagateCancel uses a parent's AfterFunc method
// when it has one), so that deriving needs no goroutine.
type afterFunc struct{ f func() }

// AfterFunc arranges for f to run when the call settles, and returns a function that stops it.
func (x *callCtx) AfterFunc(f func()) (stop func() bool) {
	c := (*call)(x)
	a := &afterFunc{f: f}
	c.mu.Lock()
	if c.isDone.Load() {
		c.mu.Unlock()
		go f() // the caller may hold a lock that f takes
		return func() bool { return false }
	}
	s := c.sideLocked()
	s.afters = append(s.afters, a)
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.side == nil { // made with the call's first AfterFunc, so not reached
			return false
		}
		for i, b := range c.side.afters {
			if b == a {
				c.side.afters = append(c.side.afters[:i], c.side.afters[i+1:]...)
				return true
			}
		}
		return false
	}
}

// callSide holds what few calls need, so that the others do not carry it. Once made, it stays
// with the call; c.mu guards its fields, but hedge, which a hedged call gets before it is
// submitted and keeps, is read by its attempts without the lock (see call.hedging).
type callSide struct {
	notify   []chan<- *call // Completed iterators waiting for this call
	afters   []*afterFunc   // contexts derived from the call's, to cancel when it settles
	fallBack func()         // the call's Fallback, bound to its Future (fallback.go)
	hedge    *hedging       // the state of a hedged call's round (hedge.go)
}

// sideLocked returns c's side fields, making them on first use; c.mu is held.
func (c *call) sideLocked() *callSide {
	if c.side == nil {
		c.side = new(callSide)
	}
	return c.side
}

// doneChan returns the channel closed when c settles, made on first use: most calls settle
// before anyone waits.
func (c *call) doneChan() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.isDone.Load() {
			close(c.done)
		}
	}
	return c.done
}

// The context package derives contexts from one with this method without a goroutine each.
var _ interface{ AfterFunc(func()) func() bool } = (*callCtx)(nil)
