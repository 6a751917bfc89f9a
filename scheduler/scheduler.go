package scheduler

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// ErrClosed is returned by [Scheduler.Schedule] after [Scheduler.Close].
var ErrClosed = errors.New("scheduler: closed")

// errFull is returned by Schedule when the heap holds maxPending items.
var errFull = fmt.Errorf("scheduler: %d items pending, no room for more", maxPending)

// maxBatch bounds how many due items the goroutine pops under the mutex in
// one go, so that a burst of due items never holds Schedule up for long.
const maxBatch = 128

// defaultShift selects the heap's arity (log2); see heap_bench_test.go for
// the measurement behind the choice.
const defaultShift = 2

const (
	// armedBusy means the goroutine will look at the heap again without
	// waiting, so Schedule need not wake it.
	armedBusy = math.MinInt64
	// armedNever means the goroutine waits with no timer (empty heap).
	armedNever = math.MaxInt64
)

// Handle identifies one scheduled item for [Scheduler.Cancel]. It is a small
// comparable value. The zero Handle is valid and identifies no item.
//
// A slot is reused after its item fires or is canceled; the generation tells
// the new item from the old one, so a stale Handle cancels nothing. (Only a
// slot reused 2³² times could make an old Handle match again.) A Handle is
// meaningful only to the Scheduler that returned it.
type Handle struct {
	slot uint32
	gen  uint32
}

// Scheduler holds items until their due time and then hands them out on the
// channel returned by [Scheduler.C], earliest first and, among equal due
// times, in the order they were scheduled. It owns one goroutine and one
// timer, started by [New] and stopped by [Scheduler.Close].
//
// All methods are safe for concurrent use. The zero value is not usable; call
// [New].
type Scheduler[T any] struct {
	base time.Time // monotonic origin for due times
	out  chan T
	wake chan struct{} // capacity 1: "the earliest due time moved earlier"
	stop chan struct{} // closed by Close
	done chan struct{} // closed when the goroutine has exited

	mu      sync.Mutex // guards q, armedAt and closed; held only briefly, never across a channel operation
	q       queue[T]
	armedAt int64 // due time the goroutine waits for; armedBusy or armedNever
	closed  bool

	batch    []T // owned by the goroutine: popped items on their way to out
	leftover []T // set by the goroutine as it exits (popped, never sent); read by Close after done

	closeOnce sync.Once
}

// New starts a scheduler whose channel [Scheduler.C] has capacity buffer,
// and its goroutine; [Scheduler.Close] stops it. A buffer of zero makes every
// hand-off synchronous. A negative buffer is rejected with an error.
func New[T any](buffer int) (*Scheduler[T], error) {
	return newScheduler[T](buffer, defaultShift)
}

func newScheduler[T any](buffer int, shift uint) (*Scheduler[T], error) {
	if buffer < 0 {
		return nil, fmt.Errorf("scheduler: buffer must be >= 0, got %d", buffer)
	}
	s := &Scheduler[T]{
		base:    time.Now(),
		out:     make(chan T, buffer),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		q:       newQueue[T](shift),
		armedAt: armedNever,
		batch:   make([]T, min(max(buffer, 1), maxBatch)),
	}
	go s.run()
	return s, nil
}

// C returns the channel on which due items are delivered. Every call returns
// the same channel. It is closed by [Scheduler.Close], after Close has taken
// back the items still buffered in it.
func (s *Scheduler[T]) C() <-chan T { return s.out }

// Schedule adds item, due at at. A time in the past makes the item due at
// once. Due times are measured on the monotonic clock when at carries a
// monotonic reading (as [time.Now] results do), so wall-clock jumps do not
// move them. The returned [Handle] cancels the item. After [Scheduler.Close]
// Schedule returns [ErrClosed].
func (s *Scheduler[T]) Schedule(at time.Time, item T) (Handle, error) {
	due := int64(at.Sub(s.base))
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Handle{}, ErrClosed
	}
	if s.q.len() >= maxPending {
		s.mu.Unlock()
		return Handle{}, errFull
	}
	idx, gen := s.q.push(due, item)
	wake := s.q.slots[idx].pos == 0 && due < s.armedAt
	if wake {
		s.armedAt = armedBusy // the goroutine will look again; no need to wake it twice
	}
	s.mu.Unlock()
	if wake {
		select {
		case s.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return Handle{slot: idx, gen: gen}, nil
}

// Cancel removes the item identified by h. It returns true if the item was
// still waiting: it will then never be delivered on C nor returned by Close.
// It returns false if the item already fired (it was taken from the heap for
// delivery, even if nobody has received it yet), was canceled before, was
// returned by Close, or if h is the zero Handle. Cancel takes O(log n).
func (s *Scheduler[T]) Cancel(h Handle) bool {
	s.mu.Lock()
	pos, ok := s.q.live(h.slot, h.gen)
	if ok {
		s.q.removeAt(pos)
	}
	s.mu.Unlock()
	// A canceled earliest item is not worth a wake-up: the timer fires for
	// it, the goroutine finds nothing due and re-arms for the new earliest.
	return ok
}

// Len returns the number of items waiting for their due time. Items already
// taken for delivery are not counted.
func (s *Scheduler[T]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.len()
}

// Close stops the goroutine, waits for it to exit, and returns every item
// that was not delivered: those still buffered in C (Close receives them
// itself), the one the goroutine held while waiting for a receiver, and
// those still waiting in the heap, in the order they would have been
// delivered. Then it closes C, so consumers ranging over it finish. Every
// scheduled item is thus either received from C, canceled, or returned by
// Close, exactly once. Close is idempotent: later calls return nil (a call
// that overlaps the first returns once the first has finished).
func (s *Scheduler[T]) Close() []T {
	var rest []T
	s.closeOnce.Do(func() { rest = s.shutdown() })
	return rest
}

func (s *Scheduler[T]) shutdown() []T {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.done

	// The goroutine has exited: nothing sends on out any more, and Schedule
	// fails, so the heap can only shrink (by Cancel) until it is detached.
	s.mu.Lock()
	q := s.q
	s.q = newQueue[T](q.shift) // handles into the old queue are now stale
	s.mu.Unlock()

	rest := make([]T, 0, len(s.out)+len(s.leftover)+q.len())
drain:
	for {
		select {
		case item := <-s.out:
			rest = append(rest, item)
		default:
			break drain
		}
	}
	rest = append(rest, s.leftover...)
	clear(s.leftover)
	for q.len() > 0 {
		rest = append(rest, q.popTop())
	}
	close(s.out)
	return rest
}
