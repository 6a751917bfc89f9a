package fleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// Fleet is one process's membership of a fleet: the replicas of a service that share a retry
// budget and their breakers through Redis. Make one per engine with New, hand its Budget and
// Breakers to engine.New, and Close it after the engine. Safe for concurrent use.
//
// Redis is consulted off the hot path: calls spend budget tokens leased in advance and admit
// through local lock-free breakers; transitions travel by pub/sub, read again every Poll in
// case a message was lost. When a Redis operation fails or takes longer than Timeout, the
// process runs in local mode (its own budget and breakers, as without a fleet) until Redis
// answers again, then rejoins: Redis failing is never taken for the dependency failing.
type Fleet struct {
	rdb     redis.UniversalClient
	opt     Options
	id      string // this process, in messages, so that it skips its own
	channel string

	local atomic.Bool // Redis is failing: local mode
	st    stats

	budget   *Budget
	breakers breakers

	ps     *redis.PubSub
	tasks  chan task // breaker changes to send, fleet states to apply, off the callers' paths
	stop   chan struct{}
	wg     sync.WaitGroup
	closed atomic.Bool
}

// New joins the fleet named by opt.Namespace. It does not need Redis to answer: a process that
// starts while Redis is down starts in local mode and rejoins later. A *redis.Client must have
// ContextTimeoutEnabled set, or its operations would not heed Timeout.
func New(rdb redis.UniversalClient, opt Options) (*Fleet, error) {
	if rdb == nil {
		return nil, errors.New("fleet: New: client is nil")
	}
	if err := opt.check(); err != nil {
		return nil, err
	}
	if c, ok := rdb.(*redis.Client); ok && !c.Options().ContextTimeoutEnabled {
		return nil, errors.New("fleet: New: the client's ContextTimeoutEnabled is false, so Options.Timeout would not bound its operations")
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	f := &Fleet{
		rdb:     rdb,
		opt:     opt,
		id:      hex.EncodeToString(id[:]),
		channel: opt.Namespace + ":fleet",
		tasks:   make(chan task, 1024),
		stop:    make(chan struct{}),
	}
	f.breakers.init(f)
	if opt.Capacity > 0 {
		f.budget = newBudget(f)
	}
	// Subscribe sends nothing yet: the listener's first receive connects, so New never waits.
	f.ps = rdb.Subscribe(context.Background())
	f.wg.Add(2)
	go f.listen()
	go f.work()
	return f, nil
}

// Local reports whether the process is in local mode because Redis is failing.
func (f *Fleet) Local() bool { return f.local.Load() }

// ID returns the process's name in the fleet's messages, random per Fleet.
func (f *Fleet) ID() string { return f.id }

// Close leaves the fleet: it hands the budget's unused tokens and uncredited calls back to Redis
// (within Timeout) and stops the fleet's goroutines. Close the engine first. Calling it twice is
// safe.
func (f *Fleet) Close() error {
	if !f.closed.CompareAndSwap(false, true) {
		return nil
	}
	var err error
	if f.budget != nil {
		err = f.budget.giveBack()
	}
	close(f.stop)
	err = errors.Join(err, f.ps.Close())
	f.wg.Wait()
	return err
}

// op runs one round trip of n Redis commands within Timeout, counting them, and turns local mode on if it fails.
func (f *Fleet) op(n int, do func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), f.opt.Timeout)
	defer cancel()
	f.st.ops.Add(uint64(n))
	err := do(ctx)
	if err != nil && !errors.Is(err, redis.Nil) {
		f.fail(err)
		return err
	}
	return nil
}

// fail enters local mode.
func (f *Fleet) fail(err error) {
	if f.local.CompareAndSwap(false, true) {
		f.st.fallbacks.Add(1)
		f.st.lastErr.Store(fmt.Sprint(err))
	}
}

// rejoined leaves local mode after Redis answered, and puts the fleet's state and this
// process's straight.
func (f *Fleet) rejoined() {
	if f.local.CompareAndSwap(true, false) {
		f.st.rejoins.Add(1)
	}
}
