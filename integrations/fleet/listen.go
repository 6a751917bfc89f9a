package fleet

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// stats are the fleet's counters (see Stats).
type stats struct {
	ops, fallbacks, rejoins, leases, leased, messages, applied atomicUint64
	lastErr                                                    atomicString
}

// Stats is a snapshot of a process's counters.
type Stats struct {
	Ops       uint64 // Redis commands sent (a pipeline counts each command in it)
	Leases    uint64 // budget leases asked for
	Leased    uint64 // tokens leased in all
	Messages  uint64 // breaker messages received from other processes
	Applied   uint64 // fleet transitions applied to a local breaker (messages and polls)
	Fallbacks uint64 // times the process went to local mode
	Rejoins   uint64 // times it came back
	LastError string // the Redis error that last caused local mode
}

// Stats returns the process's counters.
func (f *Fleet) Stats() Stats {
	return Stats{
		Ops: f.st.ops.Load(), Leases: f.st.leases.Load(), Leased: f.st.leased.Load(),
		Messages: f.st.messages.Load(), Applied: f.st.applied.Load(),
		Fallbacks: f.st.fallbacks.Load(), Rejoins: f.st.rejoins.Load(), LastError: f.st.lastErr.Load(),
	}
}

// listen receives the fleet's messages; between them, every Poll (or, in local mode, every
// rejoin interval) it polls. It is the only reader of the subscription.
func (f *Fleet) listen() {
	defer f.wg.Done()
	// The channel is recorded even if this fails: go-redis subscribes again on every reconnect.
	_ = f.op(1, func(ctx context.Context) error { return f.ps.Subscribe(ctx, f.channel) })
	for !f.closed.Load() {
		wait := f.opt.Poll
		if f.local.Load() {
			wait = f.opt.rejoin()
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait+f.opt.Timeout)
		msg, err := f.ps.ReceiveTimeout(ctx, wait)
		cancel()
		if f.closed.Load() {
			return
		}
		switch m := msg.(type) {
		case *redis.Message:
			f.breakers.message(m.Payload)
			continue
		case *redis.Subscription:
			f.poll() // (re)subscribed: what was missed meanwhile is read now
			continue
		}
		if err != nil && !isTimeout(err) {
			// Redis refused or dropped the connection: wait before asking again, or this loop
			// would spin.
			select {
			case <-f.stop:
				return
			case <-time.After(f.opt.rejoin()):
			}
		}
		f.poll()
	}
}

func isTimeout(err error) bool {
	t, ok := err.(interface{ Timeout() bool })
	return ok && t.Timeout() || err == context.DeadlineExceeded
}

// poll reads the fleet's state of every key this process knows, and credits the budget's
// calls, in one round trip; it rejoins the fleet if Redis answers.
func (f *Fleet) poll() {
	keys := f.breakers.all()
	var cmds []*redis.SliceCmd
	err := f.op(len(keys)+1, func(ctx context.Context) error {
		pipe := f.rdb.Pipeline()
		pipe.Ping(ctx)
		cmds = make([]*redis.SliceCmd, len(keys))
		for i, s := range keys {
			cmds[i] = pipe.HMGet(ctx, f.breakers.redisKey(s.key), "state", "epoch")
		}
		_, err := pipe.Exec(ctx)
		return err
	})
	if err != nil {
		return
	}
	f.rejoined()
	for i, s := range keys {
		v := cmds[i].Val()
		open, _ := v[0].(string)
		epoch := parseInt(v[1])
		f.breakers.reconcile(s, open == "open", epoch)
	}
	if f.budget != nil {
		f.budget.flush()
	}
}
