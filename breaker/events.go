package breaker

import (
	"slices"
	"sync/atomic"
)

// Every state change bumps the generation by exactly one, so the generation
// is also the sequence number of the change. Delivering the changes to
// OnStateChange callbacks in order, exactly once, without a lock and without
// ever calling a callback with anything held, works by combining:
//
//   - the goroutine that made a change pushes it onto a lock-free stack;
//   - whoever wins the delivering flag takes the whole stack, files the
//     changes in generation order and calls the callbacks for each change that
//     follows the last one delivered, for as long as the next one is there;
//   - everyone else returns at once: the holder delivers their change for them.
//
// Nobody ever waits for the flag, so a callback may call back into the
// breaker, even make a change itself: that change is pushed, the flag is
// found taken (by this very goroutine), and the loop below delivers it after
// the callback returns. Pushes cost one small allocation per state change,
// which keeps delivery unbounded: a slow callback delays changes, it never
// drops one.
type eventQueue struct {
	head       atomic.Pointer[event]
	delivering atomic.Bool

	// Owned by the holder of delivering, which orders all access to them.
	delivered uint32   // generation of the last change delivered
	pending   []*event // taken from the stack, sorted by generation, not yet deliverable

	// beforeRelease, if set (by tests only), runs just before the flag is
	// let go, when a change pushed now would be missed but for the re-check.
	beforeRelease func()
}

type event struct {
	gen      uint32
	from, to State
	next     *event
}

// publish queues the change that started generation gen and delivers what
// can be delivered.
func (b *Breaker) publish(gen uint32, from, to State) {
	if len(b.cfg.onChange) == 0 {
		return
	}
	q := &b.events
	e := &event{gen: gen, from: from, to: to}
	for {
		e.next = q.head.Load()
		if q.head.CompareAndSwap(e.next, e) {
			break
		}
	}
	// Re-check after letting go of the flag: a change pushed while we held it
	// by someone who then found the flag taken is ours to deliver.
	for q.head.Load() != nil {
		if !q.delivering.CompareAndSwap(false, true) {
			return
		}
		b.deliverHeld()
	}
}

// deliverHeld runs with the delivering flag held and lets go of it on return,
// even if a callback panics.
func (b *Breaker) deliverHeld() {
	q := &b.events
	defer q.delivering.Store(false)
	for {
		for e := q.head.Swap(nil); e != nil; e = e.next {
			q.pending = append(q.pending, e)
		}
		slices.SortFunc(q.pending, func(x, y *event) int {
			// Distance from the last delivered, so the order survives wrap-around.
			return int((x.gen-q.delivered)&genMask) - int((y.gen-q.delivered)&genMask)
		})
		for len(q.pending) > 0 && q.pending[0].gen == nextGen(q.delivered) {
			e := q.pending[0]
			// Take it off before calling out: if a callback panics, the
			// change is not delivered twice.
			q.pending = slices.Delete(q.pending, 0, 1)
			q.delivered = e.gen
			if e.from != e.to {
				for _, f := range b.cfg.onChange {
					f(e.from, e.to)
				}
			}
		}
		if q.head.Load() == nil {
			if q.beforeRelease != nil {
				q.beforeRelease()
			}
			return
		}
	}
}
