package engine

import (
	"context"
	"errors"
	"iter"
)

// AwaitAll waits for every future and returns their results in order. The error joins the
// errors of the calls that failed (errors.Join); results of failed calls are zero. If ctx ends
// first, AwaitAll returns what it has with ctx's cause joined in; the calls go on.
func AwaitAll[T any](ctx context.Context, fs ...*Future[T]) ([]T, error) {
	vals := make([]T, len(fs))
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

// Completed yields each future with its error as it settles, in settling order. If ctx ends,
// the iteration yields nil and ctx's cause, then stops. Breaking out of the loop is safe: the
// iterator starts no goroutines; futures still pending keep a reference to its notification
// buffer (room for one pointer per future) until they settle.
func Completed[T any](ctx context.Context, fs ...*Future[T]) iter.Seq2[*Future[T], error] {
	return func(yield func(*Future[T], error) bool) {
		if len(fs) == 0 {
			return
		}
		ready := make(chan *call, len(fs))
		byCall := make(map[*call]*Future[T], len(fs))
		for _, f := range fs {
			byCall[&f.call] = f
			f.mu.Lock()
			if f.isDone.Load() {
				ready <- &f.call
			} else {
				if f.notify == nil {
					f.notify = new([]chan<- *call)
				}
				*f.notify = append(*f.notify, ready)
			}
			f.mu.Unlock()
		}
		for range len(byCall) {
			select {
			case c := <-ready:
				f := byCall[c]
				_, err := f.Result()
				if !yield(f, err) {
					return
				}
			case <-ctx.Done():
				yield(nil, context.Cause(ctx))
				return
			}
		}
	}
}
