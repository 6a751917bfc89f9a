package engine

import "context"

// The caller's context is watched so that a call settles the moment it ends, whatever its
// operation is doing and even while a retry waits. Calls that share a context (a fan-out under
// one request context) share one watch: one context.AfterFunc and an intrusive list of calls,
// instead of a registration per call in the context's own children, all under its one mutex.

// parentWatch is the watch of one caller context, found by its Done channel.
type parentWatch struct {
	ctx   context.Context
	done  <-chan struct{}
	stop  func() bool
	calls *call // head of the list, linked through call.wprev and call.wnext
}

// watch puts c under the watch of ctx. It costs nothing for contexts that cannot end, and no
// goroutine until one does.
func (e *Engine) watch(c *call, ctx context.Context) {
	done := ctx.Done()
	if done == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.settled {
		return
	}
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	w := e.watches[done]
	if w == nil {
		if e.watches == nil {
			e.watches = make(map[<-chan struct{}]*parentWatch)
		}
		w = &parentWatch{ctx: ctx, done: done}
		e.watches[done] = w
		e.watchers.Add(1)
		w.stop = context.AfterFunc(ctx, func() {
			defer e.watchers.Done()
			e.fire(w)
		})
	}
	c.watched, c.inWatch = true, true
	c.wnext = w.calls
	if w.calls != nil {
		w.calls.wprev = c
	}
	w.calls = c
}

// unwatch takes a settled c off its watch; the last call off a watch ends it.
func (e *Engine) unwatch(c *call) {
	e.watchMu.Lock()
	if !c.inWatch { // its watch fired
		e.watchMu.Unlock()
		return
	}
	// The watch in the map is c's: a watch leaves the map when it fires or ends, and firing
	// takes every call off it.
	w := e.watches[c.parent.Done()]
	if c.wprev != nil {
		c.wprev.wnext = c.wnext
	} else {
		w.calls = c.wnext
	}
	if c.wnext != nil {
		c.wnext.wprev = c.wprev
	}
	c.inWatch, c.wprev, c.wnext = false, nil, nil
	var stop func() bool
	if w.calls == nil {
		delete(e.watches, w.done)
		stop = w.stop
	}
	e.watchMu.Unlock()
	if stop != nil && stop() {
		e.watchers.Done() // the callback will never run
	}
}

// fire settles every call under w: its context has ended.
func (e *Engine) fire(w *parentWatch) {
	e.watchMu.Lock()
	if e.watches[w.done] == w { // not replaced by a newer watch of the same context
		delete(e.watches, w.done)
	}
	var calls []*call
	for c := w.calls; c != nil; {
		next := c.wnext
		c.inWatch, c.wprev, c.wnext = false, nil, nil
		calls = append(calls, c)
		c = next
	}
	w.calls = nil
	e.watchMu.Unlock()
	r, cause := endOf(w.ctx)
	for _, c := range calls {
		e.cancelCall(c, r, cause)
	}
}

// cancelParent settles c because its caller's context has ended.
func (e *Engine) cancelParent(c *call) {
	r, cause := endOf(c.parent)
	e.cancelCall(c, r, cause)
}

// endOf is how the calls of an ended context settle: with its cause, and as having missed a
// deadline if that is how it ended, whatever its cause says.
func endOf(ctx context.Context) (Reason, error) {
	if ctx.Err() == context.DeadlineExceeded {
		return ReasonDeadline, context.Cause(ctx)
	}
	return ReasonCanceled, context.Cause(ctx)
}
