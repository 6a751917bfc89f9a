package fleet

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/engine"
)

// Budget is the fleet's retry budget, an engine.RetryBudget: give it to engine.WithBudget. The
// tokens live in one bucket in Redis, filled by every process's calls (Ratio of a token each)
// and by MinPerSecond, up to Capacity; each process spends tokens it leased beforehand, so a
// retry costs an atomic decrement, and a call an atomic increment: Redis is asked only when a
// lease runs out. The fleet's retries thus stay within Ratio of the fleet's calls, plus one
// Capacity and one MinPerSecond for the whole fleet. In local mode the process spends its own
// engine.Budget of the same options instead, as it would without a fleet.
type Budget struct {
	f     *Fleet
	key   string
	local *engine.Budget // fed on every call, spent only in local mode

	lease   atomic.Int64 // tokens leased and not spent
	calls   atomic.Int64 // calls not yet credited to the fleet
	want    atomic.Int64 // the next lease's size, from 1 to MaxLease
	dryAt   atomic.Int64 // when the fleet was last found empty (unix ns); 0: it was not
	fetched atomic.Int64 // when the last lease came (unix ns)

	perCall, perSecond, capacity float64 // micro-tokens
	callsPerToken                int64   // calls that earn one token; MaxInt64 for Ratio 0
	dryWait                      time.Duration

	mu     sync.Mutex
	flight chan struct{} // closed when the lease being fetched has come; nil if none is
}

func newBudget(f *Fleet) *Budget {
	o := f.opt
	local, _ := engine.NewBudget(o.Ratio, o.MinPerSecond, o.Capacity) // checked by Options.check
	b := &Budget{
		f: f, key: o.Namespace + ":budget", local: local,
		perCall: o.Ratio * 1e6, perSecond: o.MinPerSecond * 1e6, capacity: float64(o.Capacity) * 1e6,
		callsPerToken: math.MaxInt64,
		dryWait:       o.Poll,
	}
	if o.Ratio > 0 {
		b.callsPerToken = int64(math.Ceil(1 / o.Ratio))
	}
	if o.MinPerSecond > 0 {
		// An empty fleet gets its next token from the trickle: ask again when it is due.
		b.dryWait = min(o.Poll, max(10*time.Millisecond, time.Duration(float64(time.Second)/o.MinPerSecond)))
	}
	b.want.Store(1)
	return b
}

// Budget returns the fleet's retry budget, or nil if Options.Capacity is 0.
func (f *Fleet) Budget() *Budget { return f.budget }

// Deposit credits one call (engine.RetryBudget).
func (b *Budget) Deposit() {
	b.local.Deposit()
	b.calls.Add(1)
}

// Withdraw takes one retry's token (engine.RetryBudget): from the process's lease, else from a
// new lease (one round trip shared by the retries that find the lease empty at once, bounded
// by Timeout), else, in local mode, from the local budget.
func (b *Budget) Withdraw() bool {
	if b.f.local.Load() {
		return b.local.Withdraw()
	}
	if b.take() {
		return true
	}
	if b.dry() {
		return false
	}
	b.mu.Lock()
	fl, leader := b.flight, b.flight == nil
	if leader {
		fl = make(chan struct{})
		b.flight = fl
	}
	b.mu.Unlock()
	if leader {
		b.fetch()
		b.mu.Lock()
		b.flight = nil
		b.mu.Unlock()
		close(fl)
	} else {
		<-fl // the leader's fetch is bounded by Timeout
	}
	if b.take() {
		return true
	}
	return b.f.local.Load() && b.local.Withdraw()
}

// Tokens returns the tokens the process holds in its lease now.
func (b *Budget) Tokens() int { return int(b.lease.Load()) }

func (b *Budget) take() bool {
	for {
		t := b.lease.Load()
		if t <= 0 {
			return false
		}
		if b.lease.CompareAndSwap(t, t-1) {
			return true
		}
	}
}

// dry reports whether the fleet was found empty so recently that asking again would only cost
// a round trip: not before the trickle has added a token, or this process's calls have earned a
// lease's worth. Without it a dead dependency would cost a Redis command per call.
func (b *Budget) dry() bool {
	at := b.dryAt.Load()
	if at == 0 {
		return false
	}
	return time.Since(time.Unix(0, at)) < b.dryWait && b.calls.Load() < b.callsPerToken*b.want.Load()
}

// fetch credits the calls made since the last visit and asks for a lease, whose size grows while
// leases are spent quickly (this process has a large share of the retries) and shrinks when
// they last.
func (b *Budget) fetch() {
	calls := b.calls.Swap(0)
	now := time.Now().UnixNano()
	want := b.want.Load()
	if last := b.fetched.Load(); last != 0 {
		if time.Duration(now-last) < b.f.opt.Poll/10 {
			want = min(2*want, int64(b.f.opt.MaxLease))
		} else {
			want = max(want/2, 1)
		}
		b.want.Store(want)
	}
	b.f.st.leases.Add(1)
	var granted int64
	err := b.f.op(1, func(ctx context.Context) error {
		res, err := leaseScript.Run(ctx, b.f.rdb, []string{b.key}, b.perCall, b.perSecond, b.capacity, calls, want, 0).Int64Slice()
		if err == nil {
			granted = res[0]
		}
		return err
	})
	if err != nil {
		return // the calls sent are not credited again: the fleet errs on the side of fewer retries
	}
	b.fetched.Store(now)
	b.f.st.leased.Add(uint64(granted))
	if granted == 0 {
		b.dryAt.Store(now)
		return
	}
	b.dryAt.Store(0)
	b.lease.Add(granted)
}

// flush credits the calls made since the last visit, so that other processes can spend them.
func (b *Budget) flush() {
	if calls := b.calls.Swap(0); calls > 0 {
		_ = b.f.op(1, func(ctx context.Context) error {
			return leaseScript.Run(ctx, b.f.rdb, []string{b.key}, b.perCall, b.perSecond, b.capacity, calls, 0, 0).Err()
		})
	}
}

// giveBack returns the lease's tokens and credits the calls, as the process leaves the fleet.
func (b *Budget) giveBack() error {
	calls, tokens := b.calls.Swap(0), b.lease.Swap(0)
	if calls == 0 && tokens == 0 || b.f.local.Load() {
		return nil
	}
	return b.f.op(1, func(ctx context.Context) error {
		return leaseScript.Run(ctx, b.f.rdb, []string{b.key}, b.perCall, b.perSecond, b.capacity, calls, 0, tokens).Err()
	})
}
