package engine

import (
	"errors"
	"time"
)

// ErrBulkheadFull: the key's bulkhead has every slot taken and its wait queue full (see
// WithBulkhead). Submit and TrySubmit return it as it is.
var ErrBulkheadFull = errors.New("engine: bulkhead full")

// bulkhead is the per-key concurrency limit; a zero limit means none. With adaptive limits
// (WithAdaptiveLimit), limit is their Max and each key's own limit is in its keyState.
type bulkhead struct {
	limit, queue int
	adaptive     *AdaptiveLimit
}

// Where a call waits in its key's FIFO, kept in call.inFIFO under the key's lock.
const (
	notWaiting uint8 = iota
	waitingFirst
	waitingRetry
)

// enter admits j's next attempt: its key's pacer (see pacing.go), then its bulkhead. It reports
// whether the attempt may run now; if not, j waits in the pacer's or the key's FIFO, and is run
// when its turn comes or a slot is handed on (see leave), or the pacer refused it (see refuse).
func (e *Engine) enter(j job, first bool) (run bool, err error) {
	if run, err := e.pace(j, first); !run {
		return false, err
	}
	return e.enterSlot(j, first)
}

// enterSlot takes a slot of j's key for its next attempt. It reports whether the attempt may run
// now; if not, j waits in the key's FIFO and a slot handed on later runs it (see leave). A first
// attempt finds no room in a full wait queue: ErrBulkheadFull.
func (e *Engine) enterSlot(j job, first bool) (run bool, err error) {
	c := j.base()
	k := c.key
	if k == nil || e.bulkhead.limit == 0 {
		return true, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.running < e.slots(k) {
		k.running++
		return true, nil
	}
	if isHedge(j) {
		return false, nil
	}
	if first && k.queued-k.retries >= e.bulkhead.queue {
		return false, ErrBulkheadFull
	}
	where := waitingRetry
	if first {
		where = waitingFirst
	}
	k.push(j, where)
	e.stats.slotWaiting.Add(1)
	return false, nil
}

// leave ends an attempt of j on a worker, which tells its key's adaptive limit what s says. It
// returns what the worker runs next, holding the slot the attempt held: j again if its retry is
// due now and nobody waits, else the key's oldest waiter (j's retry queues behind it), else nil,
// the slot given back. A slot over a limit that fell is given back, not handed on; a limit that
// rose lets more waiters go, through the scheduler (see slotTick).
func (e *Engine) leave(j job, again bool, s sample) job {
	k := j.base().key
	if k == nil || e.bulkhead.limit == 0 {
		if again {
			return j
		}
		return nil
	}
	k.mu.Lock()
	k.observe(s)
	next := e.handOn(k, j, again)
	tick := k.armTick()
	k.mu.Unlock()
	if tick {
		e.scheduleTick(k)
	}
	return next
}

// handOn is leave's choice of what the slot goes to; k.mu is held.
func (e *Engine) handOn(k *keyState, j job, again bool) job {
	// This slot is within the limit. While Close cancels what is left, it is handed on whatever
	// the limit: the next holder is settled, not run, and nothing may stay queued after Close
	// has drained the key.
	room := k.running <= e.slots(k) || e.hard.Load()
	if again {
		if k.queued == 0 && room {
			return j
		}
		k.push(j, waitingRetry)
		e.stats.slotWaiting.Add(1)
	}
	if room {
		if next := e.pop(k); next != nil {
			return next
		}
	}
	k.running--
	return nil
}

// giveBack returns a slot taken for an attempt that will not run on a worker (its hand-over
// failed). Nobody runs the key's oldest waiter on this slot, so it goes back through the
// scheduler, due now, to take a slot like a retry.
func (e *Engine) giveBack(j job) {
	k := j.base().key
	if k == nil || e.bulkhead.limit == 0 {
		return
	}
	k.mu.Lock()
	k.running--
	next := e.pop(k)
	k.mu.Unlock()
	if next != nil {
		e.schedule(next, time.Now(), 0, 0, nil, false)
	}
}

// push appends j to k's FIFO; k.mu is held.
func (k *keyState) push(j job, where uint8) {
	c := j.base()
	c.inFIFO = where
	k.queued++
	if where == waitingRetry {
		k.retries++
	}
	k.compact()
	k.fifo = append(k.fifo, j)
}

// pop takes the oldest waiter that has not settled from k's FIFO; k.mu is held.
func (e *Engine) pop(k *keyState) job {
	for k.head < len(k.fifo) {
		j := k.fifo[k.head]
		k.fifo[k.head] = nil
		k.head++
		c := j.base()
		if c.inFIFO == notWaiting { // settled while it waited
			continue
		}
		k.unqueue(c)
		e.stats.slotWaiting.Add(-1)
		k.compact()
		return j
	}
	k.fifo, k.head = k.fifo[:0], 0
	return nil
}

// unqueue counts c out of k's FIFO; its entry is skipped when reached. k.mu is held.
func (k *keyState) unqueue(c *call) {
	k.queued--
	if c.inFIFO == waitingRetry {
		k.retries--
	}
	c.inFIFO = notWaiting
}

// compact drops the FIFO's consumed and settled entries once they outnumber the live ones, so
// that calls canceled while waiting cost amortized constant time and hold no memory for long.
func (k *keyState) compact() {
	pending := len(k.fifo) - k.head
	if k.head < max(64, pending) && pending <= 2*k.queued+64 {
		return
	}
	live := k.fifo[:0]
	for _, j := range k.fifo[k.head:] {
		if j.base().inFIFO != notWaiting {
			live = append(live, j)
		}
	}
	clear(k.fifo[len(live):])
	k.fifo, k.head = live, 0
}

// drainFIFO takes every call waiting in k's FIFO, for Close.
func (e *Engine) drainFIFO(k *keyState) []job {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []job
	for j := e.pop(k); j != nil; j = e.pop(k) {
		out = append(out, j)
	}
	return out
}
