package scheduler

import (
	"math"
	"time"
)

// run is the scheduler's only goroutine. It alternates between popping due
// items (under the mutex, never blocking) and either delivering them or
// waiting (without the mutex) on the timer, a wake-up or stop.
func (s *Scheduler[T]) run() {
	defer close(s.done)
	timer := time.NewTimer(time.Duration(math.MaxInt64))
	timer.Stop()
	defer timer.Stop()
	timerAt := int64(armedNever) // the due time the timer is set for

	for {
		// Only this goroutine sends on out, so the room seen here can only
		// grow until the sends below: that many sends never block.
		room := cap(s.out) - len(s.out)
		n, next := s.popDue(room)
		if n > 0 {
			if !s.deliver(n, room) {
				return
			}
			// With items due and consumers keeping up, the goroutine never
			// waits; check stop so that Close does not wait for a drain.
			select {
			case <-s.stop:
				return
			default:
			}
			continue
		}
		if next != timerAt {
			if next == armedNever {
				timer.Stop()
			} else {
				timer.Reset(time.Duration(next - s.now()))
			}
			timerAt = next
		}
		select {
		case <-timer.C:
			timerAt = armedNever
		case <-s.wake:
		case <-s.stop:
			return
		}
	}
}

// now returns the time elapsed since base on the monotonic clock.
func (s *Scheduler[T]) now() int64 { return int64(time.Since(s.base)) }

// popDue moves up to max(room, 1) due items (at most len(batch)) from the
// heap into batch, and records what the goroutine will wait for next. Popped
// items count as fired: their handles go stale at once. It returns how many
// it popped, and, when none, the due time to wait for (or armedNever).
func (s *Scheduler[T]) popDue(room int) (int, int64) {
	limit := min(max(room, 1), len(s.batch))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < limit {
		due, ok := s.q.earliest()
		if !ok || due > now {
			break
		}
		s.batch[n] = s.q.popTop()
		n++
	}
	switch due, ok := s.q.earliest(); {
	case n > 0:
		s.armedAt = armedBusy
	case ok:
		s.armedAt = due
	default:
		s.armedAt = armedNever
	}
	return n, s.armedAt
}

// deliver sends batch[:n] on out. The first room sends cannot block; any
// other send waits for a receiver or for stop. It returns false if stop won,
// leaving the unsent items in leftover for Close.
func (s *Scheduler[T]) deliver(n, room int) bool {
	for i := range n {
		if i < room {
			s.out <- s.batch[i]
			continue
		}
		select {
		case s.out <- s.batch[i]:
		case <-s.stop:
			clear(s.batch[:i])
			s.leftover = s.batch[i:n]
			return false
		}
	}
	clear(s.batch[:n]) // do not keep delivered items reachable
	return true
}
