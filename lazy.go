package recur

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/engine"
)

// lazy is an engine that is started by the first call and closed once no call has been in
// flight for idle, to be started again by the next call.
//
// One lock hands the engine out (acquire), takes calls back (release) and decides to close it
// (expire), so that the engine is closed only with no call holding it, and a call never gets an
// engine that is being closed: after expire takes the engine away, the next acquire starts a new
// one while the old one closes on the timer's goroutine. While calls are in flight the engine
// cannot be closed, so joining them, and leaving when others remain, takes no lock: only the
// first call and the last one do, and thousands of concurrent callers do not queue on it. A Close that must wait for an abandoned
// operation (one that ignored its context) delays nobody but that goroutine.
type lazy struct {
	idle time.Duration
	opts []engine.Option

	mu    sync.Mutex
	e     atomic.Pointer[engine.Engine] // nil while stopped; set and cleared under mu
	calls atomic.Int64                  // calls between acquire and release; 0 <-> 1 under mu
	since time.Time                     // when calls last fell to 0
	timer *time.Timer                   // runs expire; made by the first release and reused
	armed bool                          // timer is set (or expire is about to take the lock)
}

// acquire returns the running engine, starting one if need be, and counts a call on it.
func (l *lazy) acquire() (*engine.Engine, error) {
	for n := l.calls.Load(); n > 0; n = l.calls.Load() {
		if l.calls.CompareAndSwap(n, n+1) {
			return l.e.Load(), nil // not closed while calls hold it
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.e.Load()
	if e == nil {
		var err error
		if e, err = engine.New(l.opts...); err != nil {
			return nil, err
		}
		l.e.Store(e)
	}
	l.calls.Add(1)
	return e, nil
}

// release counts a call out (it has settled); the last one starts the idle period.
func (l *lazy) release() {
	for n := l.calls.Load(); n > 1; n = l.calls.Load() {
		if l.calls.CompareAndSwap(n, n-1) {
			return
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls.Add(-1) > 0 {
		return
	}
	l.since = time.Now()
	if l.armed {
		return // expire will find the new idle period and wait for its end
	}
	l.armed = true
	if l.timer == nil {
		l.timer = time.AfterFunc(l.idle, l.expire)
	} else {
		l.timer.Reset(l.idle)
	}
}

// expire closes the engine if no call has been in flight for idle, or waits for the rest of the
// idle period.
func (l *lazy) expire() {
	l.mu.Lock()
	if l.e.Load() == nil || l.calls.Load() > 0 {
		l.armed = false // the next release arms the timer again
		l.mu.Unlock()
		return
	}
	if left := l.idle - time.Since(l.since); left > 0 {
		l.timer.Reset(left)
		l.mu.Unlock()
		return
	}
	e := l.e.Swap(nil)
	l.armed = false
	l.mu.Unlock()
	// No call holds e: every one of them has settled, so Close drains at once and returns when
	// the engine's goroutines have exited.
	e.Close(context.Background())
}
