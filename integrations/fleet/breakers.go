package fleet

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// shared is what a process knows of one key's fleet breaker.
type shared struct {
	key   string
	brk   atomic.Pointer[breaker.Breaker] // the engine's breaker for the key; nil until made
	epoch atomic.Int64                    // the fleet's latest transition known here
	open  atomic.Bool                     // the fleet's state at that epoch
	// quiet counts fleet transitions being applied to brk, whose callbacks must not be sent
	// back; closedHere marks a close by this process's probes that the fleet has not confirmed.
	quiet      atomic.Int32
	closedHere atomic.Bool
}

// breakers is the process's registry of keys. It grows with the keys the fleet uses; it is
// consulted when a key's breaker is made and by the poll, never on a call's path.
type breakers struct {
	f     *Fleet
	mu    sync.Mutex
	byKey map[string]*shared
}

func (bs *breakers) init(f *Fleet) { bs.f, bs.byKey = f, make(map[string]*shared) }

func (bs *breakers) get(key string) *shared {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	s := bs.byKey[key]
	if s == nil {
		s = &shared{key: key}
		bs.byKey[key] = s
	}
	return s
}

func (bs *breakers) all() []*shared {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := make([]*shared, 0, len(bs.byKey))
	for _, s := range bs.byKey {
		out = append(out, s)
	}
	return out
}

func (bs *breakers) redisKey(key string) string { return bs.f.opt.Namespace + ":breaker:" + key }

// Breakers returns the engine option that shares the engine's breakers with the fleet: give it
// to engine.New with engine.WithBreaker (whose options every key's breaker keeps). Each key's
// breaker stays the local, lock-free one; the fleet adds a callback that sends its openings and
// closings to the other processes, and a ProbeGate that takes one of the fleet's Probes slots.
// Use it with one engine only.
func (f *Fleet) Breakers() engine.Option { return engine.WithBreakerFactory(f.breakers.newBreaker) }

// newBreaker is the engine's breaker factory. It runs with the engine's registry locked, so a
// fleet state to apply to the new breaker is handed to the worker.
func (bs *breakers) newBreaker(key string, opts ...breaker.Option) (*breaker.Breaker, error) {
	s := bs.get(key)
	opts = append(opts[:len(opts):len(opts)],
		breaker.OnStateChange(func(from, to breaker.State) { bs.changed(s, from, to) }),
		breaker.ProbeGate(func() bool { return bs.gate(s) }))
	b, err := breaker.New(opts...)
	if err != nil {
		return nil, err
	}
	s.brk.Store(b)
	if s.open.Load() {
		bs.f.send(task{s: s, kind: adopt})
	}
	return b, nil
}

// changed is the local breaker's callback: it sends this process's openings and closings to
// the fleet, through the worker, so that the call that tripped the breaker never waits on Redis.
func (bs *breakers) changed(s *shared, from, to breaker.State) {
	for q := s.quiet.Load(); q > 0; q = s.quiet.Load() {
		if s.quiet.CompareAndSwap(q, q-1) {
			return // the fleet's own transition, applied here
		}
	}
	switch {
	case to == breaker.Open:
		s.closedHere.Store(false)
		bs.f.send(task{s: s, kind: sendOpen})
	case to == breaker.Closed && (from == breaker.HalfOpen || from == breaker.Open):
		s.closedHere.Store(true)
		bs.f.send(task{s: s, kind: sendClose})
	}
}

// gate takes one of the fleet's probe slots for the key. In local mode, or if Redis fails to
// answer within Timeout, the local HalfOpenProbes limit alone applies.
func (bs *breakers) gate(s *shared) bool {
	if bs.f.local.Load() {
		return true
	}
	var got int64 = 1
	_ = bs.f.op(1, func(ctx context.Context) error {
		n, err := probeScript.Run(ctx, bs.f.rdb, []string{bs.redisKey(s.key)},
			bs.f.opt.Probes, bs.f.opt.ProbeLease.Milliseconds()).Int64()
		if err == nil {
			got = n
		}
		return err
	})
	return got == 1
}

// sendOpen tells the fleet that the key's breaker opened here.
func (bs *breakers) sendOpen(s *shared) {
	seen := s.epoch.Load()
	_ = bs.f.op(1, func(ctx context.Context) error {
		epoch, err := openScript.Run(ctx, bs.f.rdb, []string{bs.redisKey(s.key)}, seen, bs.f.channel, bs.f.id+" "+s.key).Int64()
		if err == nil && raise(&s.epoch, epoch) {
			s.open.Store(true)
		}
		return err
	})
}

// sendClose tells the fleet that the key's breaker closed here after successful probes. If the
// fleet opened again meanwhile (a probe failed elsewhere), the local breaker opens again.
func (bs *breakers) sendClose(s *shared) {
	seen := s.epoch.Load()
	_ = bs.f.op(1, func(ctx context.Context) error {
		res, err := closeScript.Run(ctx, bs.f.rdb, []string{bs.redisKey(s.key)}, seen, bs.f.channel, bs.f.id+" "+s.key).Int64Slice()
		if err != nil {
			return err
		}
		s.closedHere.Store(false)
		if raise(&s.epoch, res[1]) {
			s.open.Store(res[2] == 1)
			bs.apply(s, res[2] == 1)
		}
		return nil
	})
}

// message handles "open|close epoch origin key" from the channel.
func (bs *breakers) message(payload string) {
	parts := strings.SplitN(payload, " ", 4)
	if len(parts) != 4 || parts[2] == bs.f.id {
		return // not ours to read, or our own: the script's answer told us already
	}
	epoch, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return
	}
	bs.f.st.messages.Add(1)
	s := bs.get(parts[3])
	if raise(&s.epoch, epoch) {
		s.open.Store(parts[0] == "open")
		bs.apply(s, parts[0] == "open")
	}
}

// reconcile brings the key's local breaker and the fleet's state (read by a poll) together.
func (bs *breakers) reconcile(s *shared, fleetOpen bool, epoch int64) {
	if raise(&s.epoch, epoch) {
		s.open.Store(fleetOpen)
		bs.apply(s, fleetOpen)
		return
	}
	b := s.brk.Load()
	if b == nil {
		return
	}
	st := b.State()
	openHere := st == breaker.Open || st == breaker.HalfOpen
	switch {
	case openHere && (!fleetOpen || epoch < s.epoch.Load()):
		// Opened here while Redis was failing, or Redis restarted empty: the fleet learns now.
		bs.f.send(task{s: s, kind: sendOpen})
	case st == breaker.Closed && fleetOpen && s.closedHere.Load():
		bs.f.send(task{s: s, kind: sendClose}) // closed here, and the close was lost
	case st == breaker.Closed && fleetOpen:
		bs.apply(s, true)
	}
}

// apply moves the key's local breaker to the fleet's state, as its own rules would (Trip), or
// closes it (Reset); a breaker set by hand (forced open, disabled) is left alone.
func (bs *breakers) apply(s *shared, open bool) {
	b := s.brk.Load()
	if b == nil {
		return
	}
	st := b.State()
	s.quiet.Add(1)
	switch {
	case open && (st == breaker.Closed || st == breaker.HalfOpen) && b.Trip():
		bs.f.st.applied.Add(1)
	case !open && (st == breaker.Open || st == breaker.HalfOpen):
		b.Reset()
		bs.f.st.applied.Add(1)
	default:
		s.quiet.Add(-1)
	}
}

// raise sets *v to n if n is larger, reporting whether it did.
func raise(v *atomic.Int64, n int64) bool {
	for {
		cur := v.Load()
		if n <= cur {
			return false
		}
		if v.CompareAndSwap(cur, n) {
			return true
		}
	}
}
