package engine

import (
	"context"
	"fmt"
)

// SubmitAll submits every op of ops as one batch and returns their Futures, in the order of ops,
// at once. It is a loop of Submit calls made in one go: the options are resolved once, and the
// calls are counted, queued and handed to the workers under one hold of the engine's locks (a
// few holds of the pool's when its queue fills) instead of one per call. The batch is admitted whole or not at all: the error is Submit's
// (ErrClosed, the cause of ctx, an invalid option, breaker.ErrOpen, ErrBulkheadFull when the
// key's bulkhead cannot queue the whole batch, ErrCrossBubble), or names a nil op by its index.
//
// Like a loop of Submit calls, SubmitAll waits while the engine's work queue is full, for the
// workers to take from it (see WithQueueSize). A call that the engine could not take before ctx
// ended or e closed settles at once, with that cause, on its Future. A Fallback covers each call
// admitted, as Submit's does; a batch the engine refuses is refused, as a Submit is.
//
// The Futures are allocated together, as one block: holding any of them keeps the memory of all
// of them. Map yields results as they settle and bounds the calls in flight; SubmitAll suits a
// caller who wants the Futures themselves (to Await some, Cancel others, or range Completed).
func SubmitAll[T any](ctx context.Context, e *Engine, ops []func(context.Context) (T, error), opts ...CallOption) ([]*Future[T], error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	pol, err := resolveWrap[T](e, false, opts)
	if err != nil {
		return nil, err
	}
	for i, op := range ops {
		if op == nil {
			return nil, fmt.Errorf("engine: SubmitAll: op at index %d is nil", i)
		}
	}
	var sides []callSide // for a Fallback, bound per call (resolveWrap checked its type once), or Hedge
	hs := hedgings(pol, len(ops))
	if pol.fallback != nil || hs != nil {
		sides = make([]callSide, len(ops))
	}
	fs := make([]Future[T], len(ops))
	out := make([]*Future[T], len(ops))
	js := make([]job, len(ops))
	for i := range fs {
		f := &fs[i]
		f.op = ops[i]
		f.pol = pol
		if sides != nil {
			if pol.fallback != nil {
				sides[i].fallBack = f.fallBack
			}
			if hs != nil {
				sides[i].hedge = &hs[i]
			}
			f.side = &sides[i]
		}
		out[i], js[i] = f, f
	}
	if len(js) == 0 {
		return out, nil
	}
	if err := e.admitAll(ctx, pol, js); err != nil {
		return nil, err
	}
	return out, nil
}
