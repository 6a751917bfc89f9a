package engine

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// AwaitAll waits for every future and returns their results in order. The error joins the
// errors of the calls that failed (errors.Join); results of failed calls are zero. If ctx ends
// first, AwaitAll returns what it has with ctx's cause joined in; the calls go on. A nil Future
// in fs is a programmer error (an ignored Submit error): AwaitAll panics, naming its index,
// before it waits.
func AwaitAll[T any](ctx context.Context, fs ...*Future[T]) ([]T, error) {
	mustHaveNoNil("AwaitAll", fs)
	vals := make([]T, len(fs))
	if err := checkCtx(ctx); err != nil {
		return vals, err
	}
	var errs []error
	for i, f := range fs {
		v, err := f.Await(ctx)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		vals[i] = v
	}
	return vals, errors.Join(errs...)
}

// Completed yields every future of fs with its error, in the order they settle, so that a loop
// sees each outcome as soon as it is known. A Future given twice is yielded twice: there are
// always len(fs) yields, one per argument, and never a nil Future.
//
// If ctx ends first, the futures not yet yielded are yielded at once, in argument order, each
// with what its Await(ctx) would return then: ctx's cause if it is still pending (the call goes
// on; use Cancel to stop it), its own result if it has just settled. Yielding the rest, rather
// than stopping or yielding a nil Future, keeps one rule for a plain loop: every future comes
// out exactly once, and an error is either the call's or the context's.
//
// Breaking out of the loop is safe: the iterator starts no goroutines; futures still pending
// keep a reference to its notification buffer (room for one pointer per future) until they
// settle. A nil Future in fs is a programmer error (an ignored Submit error): Completed panics,
// naming its index, before it returns; a nil ctx yields every future with the error Await(nil)
// returns.
func Completed[T any](ctx context.Context, fs ...*Future[T]) iter.Seq2[*Future[T], error] {
	mustHaveNoNil("Completed", fs)
	return func(yield func(*Future[T], error) bool) {
		if err := checkCtx(ctx); err != nil {
			for _, f := range fs {
				if !yield(f, err) {
					return
				}
			}
			return
		}
		// Each distinct call is watched once, however often it was given: a call's
		// notification is one send, and the loop counts calls, not arguments.
		left := make(map[*call]*given[T], len(fs))
		for _, f := range fs {
			if g := left[&f.call]; g != nil {
				g.times++
				continue
			}
			left[&f.call] = &given[T]{f: f, times: 1}
		}
		ready := make(chan *call, len(left))
		for c := range left {
			c.mu.Lock()
			if c.isDone.Load() {
				ready <- c
			} else {
				s := c.sideLocked()
				s.notify = append(s.notify, ready)
			}
			c.mu.Unlock()
		}
		for len(left) > 0 {
			select {
			case c := <-ready:
				g := left[c]
				delete(left, c)
				_, err := g.f.Result()
				for range g.times {
					if !yield(g.f, err) {
						return
					}
				}
			case <-ctx.Done():
				cause := context.Cause(ctx)
				for _, f := range fs {
					if left[&f.call] == nil {
						continue // yielded already
					}
					_, err := f.Result()
					if !f.isDone.Load() {
						err = cause
					}
					if !yield(f, err) {
						return
					}
				}
				return
			}
		}
	}
}

// given is a future that Completed has yet to yield, and how many times it was given.
type given[T any] struct {
	f     *Future[T]
	times int
}

// mustHaveNoNil panics if fs holds a nil Future: it can only come from ignoring Submit's
// error, and failing at the call that received it names the mistake better than a nil
// dereference somewhere in the wait.
func mustHaveNoNil[T any](fn string, fs []*Future[T]) {
	for i, f := range fs {
		if f == nil {
			panic(fmt.Sprintf("engine: %s: nil Future at index %d", fn, i))
		}
	}
}
