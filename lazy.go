package recur

import (
	"context"
	"sync"
	"time"

	"github.com/recur-go/recur/engine"
)

// lazy is an engine that is started by the first call and closed once no call has been in
// flight for idle, to be started again by the next call.
//
// One lock hands the engine out (acquire), takes calls back (release) and decides to close it
// (expire), so that the engine is closed only with no call holding it, and a call never gets an
// engine that is being closed: after expire takes the engine away, the next acquire starts a new
// one while the old one closes on the timer's goroutine. A Close that must wait for an abandoned
// operation (one that ignored its context) delays nobody but that goroutine.
type lazy struct {
	idle time.Duration
	opts []engine.Option

	mu    sync.Mutex
	e     *engine.Engine // nil while stopped
	calls int            // calls between acquire and release
	since time.Time      // when calls last fell to 0
	timer *time.Timer    // runs expire; made by the first release and reused
	armed bool           // timer is set (or expire is about to take the lock)
}

// acquire returns the running engine, starting one if need be, and counts a call on it.
func (l *lazy) acquire() (*engine.Engine, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.e == nil {
		e, err := engine.New(l.opts...)
		if err != nil {
			return nil, err
		}
		l.e = e
	}
	l.calls++
	return l.e, nil
}

// release counts a call out (it has settled); the last one starts the idle period.
func (l *lazy) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls--; l.calls > 0 {
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
	if l.e == nil || l.calls > 0 {
		l.armed = false // the next release arms the timer again
		l.mu.Unlock()
		return
	}
	if left := l.idle - time.Since(l.since); left > 0 {
		l.timer.Reset(left)
		l.mu.Unlock()
		return
	}
	e := l.e
	l.e, l.armed = nil, false
	l.mu.Unlock()
	// No call holds e: every one of them has settled, so Close drains at once and returns when
	// the engine's goroutines have exited.
	e.Close(context.Background())
}
