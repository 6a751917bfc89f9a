package engine

import (
	"context"
	"errors"

	"github.com/recur-go/recur/breaker"
)

// Submit starts a call of op on e and returns its Future at once; op's first attempt runs on a
// worker. If the work queue is full, Submit blocks until there is room, ctx ends or e closes.
//
// The error is for admission only, returned as it is: ErrClosed, the cause of ctx, an invalid
// option, breaker.ErrOpen when the engine's breaker is open, or ErrCrossBubble when e was made
// on the other side of a testing/synctest bubble's boundary. Everything after admission is
// reported by the Future, which settles exactly once, with a *RetryError if it fails (also when
// the breaker refuses its first attempt, opened while the call waited in the queue).
//
// op runs under a context derived from ctx: it ends when ctx does, when the Future is canceled,
// when the attempt times out, when Close gives up waiting, and when the call settles. Do not use
// it after op returns.
func Submit[T any](ctx context.Context, e *Engine, op func(context.Context) (T, error), opts ...CallOption) (*Future[T], error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	return submit(ctx, e, op, opts, true)
}

// TrySubmit is Submit without waiting: if the work queue is full it fails with ErrQueueFull.
func TrySubmit[T any](ctx context.Context, e *Engine, op func(context.Context) (T, error), opts ...CallOption) (*Future[T], error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	return submit(ctx, e, op, opts, false)
}

// Do submits op and waits for its result: Submit followed by Await. If ctx ends, the call is
// canceled and Do returns at once.
func Do[T any](ctx context.Context, e *Engine, op func(context.Context) (T, error), opts ...CallOption) (T, error) {
	f, err := Submit(ctx, e, op, opts...)
	if err != nil {
		var zero T
		return zero, err
	}
	return f.awaitOrCancel(ctx)
}

// Wrap turns op into a function with retries built in, the decorator form: every call of the
// returned function is a Do on e with opts.
func Wrap[T any](e *Engine, op func(context.Context) (T, error), opts ...CallOption) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) { return Do(ctx, e, op, opts...) }
}

var (
	errNilOp     = errors.New("engine: op is nil")
	errNilEngine = errors.New("engine: nil *Engine")
)

func submit[T any](ctx context.Context, e *Engine, op func(context.Context) (T, error), opts []CallOption, block bool) (*Future[T], error) {
	if e == nil {
		return nil, errNilEngine
	}
	if op == nil {
		return nil, errNilOp
	}
	pol, err := e.resolveCall(opts)
	if err != nil {
		return nil, err
	}
	f := &Future[T]{op: op}
	f.pol = pol
	if err := f.checkClassifiers(); err != nil {
		return nil, err
	}
	if err := e.admit(ctx, f, block); err != nil {
		return nil, err
	}
	return f, nil
}

// admit hands j's first attempt to the workers, or to its key's queue.
func (e *Engine) admit(ctx context.Context, j job, block bool) error {
	c := j.base()
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if e.closed.Load() {
		e.stats.rejected.Add(1)
		return ErrClosed
	}
	if err := e.checkBubble(); err != nil {
		e.stats.rejected.Add(1)
		return err
	}
	k, err := e.keys.acquire(c.pol.key)
	if err != nil {
		return err
	}
	c.key = k
	// An open breaker refuses the call here; a closed or half-open one admits each attempt
	// when a worker is about to run it, so that calls queued before the breaker opened do not
	// slip through, and a half-open probe slot is taken only by an attempt that runs.
	if brk := c.breaker(); brk != nil {
		if s := brk.State(); s == breaker.Open || s == breaker.ForcedOpen {
			e.keys.release(k)
			e.stats.rejected.Add(1)
			e.stats.breaker.Add(1)
			return breaker.ErrOpen
		}
	}
	if e.timed {
		c.born = e.now()
	}
	c.parent = ctx

	if err := e.handOver(ctx, j, block); err != nil {
		e.keys.release(k)
		e.stats.rejected.Add(1)
		return err
	}
	return nil
}

// handOver passes j on under the intake lock, to a worker, the work queue or its key's queue,
// and once it is there, starts watching ctx.
func (e *Engine) handOver(ctx context.Context, j job, block bool) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed.Load() {
		return ErrClosed
	}
	e.live.Add(1)
	e.stats.submitted.Add(1) // before the hand-over, so that no snapshot sees a call settle unsubmitted
	run, err := e.enter(j, true)
	if err == nil && run {
		if err = e.dispatch(j, block, ctx, e.closing); err != nil {
			e.giveBack(j)
		}
	}
	if err != nil {
		e.unadmit()
		return err
	}
	if e.budget != nil {
		e.budget.deposit()
	}
	e.watch(j.base(), ctx)
	return nil
}

// unadmit takes back the counts of a call whose hand-over failed.
func (e *Engine) unadmit() {
	e.stats.submitted.Add(^uint64(0))
	e.noteSettled(1)
}
