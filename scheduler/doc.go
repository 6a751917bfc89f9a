// Package scheduler holds items until a due time and then hands them out on
// a channel, using one goroutine and one timer however many items wait.
//
// It is the part of recur that lets a program hold a million pending retries
// without a million parked goroutines: a waiting item costs a few dozen
// bytes of heap instead of a goroutine stack or a runtime timer.
//
// # Use
//
// [New] starts a [Scheduler]. [Scheduler.Schedule] adds an item with its due
// time and returns a [Handle]; [Scheduler.Cancel] withdraws it. Due items
// arrive on [Scheduler.C], earliest first and, among equal due times, in the
// order they were scheduled. [Scheduler.Close] stops the goroutine and hands
// back every item that was not delivered. Every scheduled item ends in
// exactly one of three places: received from C, canceled (Cancel returned
// true), or returned by Close. The scheduler never runs user code.
//
// # Design
//
// Items live in a slab of reusable slots; a min-heap orders small nodes (due
// time, sequence number, slot index) so that comparisons read only the
// contiguous heap array. Each slot records its node's heap position, which
// makes Cancel O(log n), and a generation that is bumped whenever the slot is
// freed, which makes a Handle to a fired or canceled item harmlessly stale.
// Due times are nanoseconds since New on the monotonic clock, and the
// sequence number keeps ties first-in, first-out, so the order is
// deterministic (also under testing/synctest). The heap is 4-ary, like the
// Go runtime's timer heap: it measured faster than a binary heap (see
// heap_bench_test.go). Nothing is allocated per item once the slab and heap
// have grown to their peak size.
//
// A mutex guards the heap for short, non-blocking critical sections. The
// goroutine pops every due item in one wake-up, as many as fit in C's free
// buffer space, and then sends them; those sends cannot block. When C is
// full it pops one item and waits to send it or to be stopped: slow
// consumers hold back delivery (backpressure), while Schedule, Cancel and
// Close never wait for consumers. Popped items count as fired: Cancel no
// longer reaches them, and Close returns them if nobody received them.
//
// The goroutine waits on a single [time.Timer], re-armed with Reset only
// when the earliest due time changes. Schedule wakes the goroutine (through a
// one-slot channel) only when it adds a new earliest item while the
// goroutine is waiting for a later one. Canceling the earliest item does not
// wake it; the timer fires, finds nothing due, and is re-armed for the next.
//
// # Testing
//
// The scheduler needs no clock injection: under [testing/synctest], create
// it inside the bubble (its channels and timer belong to the bubble) and
// Close it there, for instance with t.Cleanup. Items then fire exactly at
// their due times on the bubble's fake clock.
package scheduler
