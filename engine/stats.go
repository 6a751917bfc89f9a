package engine

import "sync/atomic"

// Stats is a snapshot of an engine's counters. Every accepted call is, at any moment, exactly one
// of succeeded, failed (by reason) or pending: Submitted == Succeeded + Failed() + Pending.
type Stats struct {
	Submitted uint64             // calls accepted
	Succeeded uint64             // calls settled with success
	FailedBy  [numReasons]uint64 // calls settled with failure, indexed by Reason: see FailedFor
	Pending   uint64             // accepted calls not settled yet
	Attempts  uint64             // attempts started
	Retries   uint64             // retries scheduled
	Hedges    uint64             // hedged attempts started (see Hedge); counted in Attempts too
	Running   int64              // attempts running now
	Waiting   int                // retries waiting in the scheduler
	Queued    int                // attempts waiting in the work queue for a worker (at the cap, or while workers start)
	// SlotWaiting is the attempts waiting for a slot of their key's bulkhead (WithBulkhead).
	SlotWaiting int64
	Workers     int    // worker goroutines alive: the running attempts and the idle workers
	IdleWorkers int    // workers waiting for work
	Keys        int    // keys whose breaker or bulkhead the engine holds, the key "" included
	Late        uint64 // results of abandoned attempts, discarded
	Rejected    uint64 // Submit/TrySubmit refusals: queue or bulkhead full, closed, breaker open
	Breaker     uint64 // calls failed or refused because the breaker was open
	Budget      uint64 // retries denied by the budget
	FellBack    uint64 // calls whose Fallback gave a result: failed ones (counted as failed too), and those Do saw refused
	Paced       uint64 // attempts that waited for their turn at their key's pacer: a throttled key's (WithPacing) or a rate limit's (WithRateLimit)
	RateLimited uint64 // attempts a key's rate limit refused: no token at once (FailIfLimited), or none before the call's deadline
}

// Failed returns the calls settled with failure, all reasons together.
func (s Stats) Failed() uint64 { return failed(&s.FailedBy) }

// FailedFor returns the calls settled with failure for reason r: FailedBy[r], without indexing an
// array whose length, the number of reasons, is the package's to grow. A Reason that does not
// exist has none. To visit every reason, range over FailedBy: its index converts to Reason.
func (s Stats) FailedFor(r Reason) uint64 { return failedFor(&s.FailedBy, r) }

// failed adds up failures by reason.
func failed(by *[numReasons]uint64) uint64 {
	var n uint64
	for _, v := range by {
		n += v
	}
	return n
}

// failedFor reads the failures for r, none for a Reason that does not exist.
func failedFor(by *[numReasons]uint64, r Reason) uint64 {
	if r >= numReasons {
		return 0
	}
	return by[r]
}

// counters are the engine's live counters. Each sits on its own cache line where it is written
// on every call, so that workers on different cores do not fight over one line.
type counters struct {
	submitted   padded
	succeeded   padded
	attempts    padded
	retries     padded
	running     atomic.Int64
	slotWaiting atomic.Int64
	late        atomic.Uint64
	rejected    atomic.Uint64
	breaker     atomic.Uint64
	budget      atomic.Uint64
	fellBack    atomic.Uint64
	hedges      atomic.Uint64
	rateLimited atomic.Uint64
	failedBy    [numReasons]atomic.Uint64
}

type padded struct {
	atomic.Uint64
	_ [56]byte
}

// Stats returns a snapshot of the engine's counters. The counters are read one by one while
// calls go on, so fields may come from slightly different moments; the identity above holds in
// every snapshot all the same.
func (e *Engine) Stats() Stats {
	var s Stats
	// Settled counts first, Submitted after: a call is counted as submitted before it can settle
	// and never uncounted once handed over, so every settled call read here is also in the
	// Submitted read below, and Submitted >= Succeeded+Failed. Read the other way round, calls
	// submitted and settled between the reads would be settled without having been submitted.
	s.Succeeded = e.stats.succeeded.Load()
	for i := range s.FailedBy {
		s.FailedBy[i] = e.stats.failedBy[i].Load()
	}
	s.Submitted = e.stats.submitted.Load()
	// Pending is derived, not read, so that the identity holds exactly.
	s.Pending = s.Submitted - (s.Succeeded + s.Failed())
	s.Attempts = e.stats.attempts.Load()
	s.Retries = e.stats.retries.Load()
	s.Hedges = e.stats.hedges.Load()
	s.Running = e.stats.running.Load()
	s.Waiting = e.sched.Len()
	s.IdleWorkers, s.Queued = e.pool.counts()
	s.SlotWaiting = e.stats.slotWaiting.Load()
	s.Workers = int(e.pool.total.Load())
	s.Keys = e.keys.count()
	s.Late = e.stats.late.Load()
	s.Rejected = e.stats.rejected.Load()
	s.Breaker = e.stats.breaker.Load()
	s.Budget = e.stats.budget.Load()
	s.FellBack = e.stats.fellBack.Load()
	s.Paced = e.pacers.waited.Load()
	s.RateLimited = e.stats.rateLimited.Load()
	return s
}
