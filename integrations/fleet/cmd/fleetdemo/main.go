// Command fleetdemo starts a redis-server and ten engines as ten replicas of a service against a
// backend that dies and recovers, first each on its own (local mode), then as a fleet, and
// prints for each: attempts per call while the backend is dead, how long opening took to reach
// every replica, and the probe wave the backend sees when it returns.
//
//	go run ./integrations/fleet/cmd/fleetdemo
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/fleet"
	"github.com/recur-go/recur/integrations/fleet/internal/redisserver"
)

var errDown = errors.New("backend down")

type backend struct {
	down     atomic.Bool
	attempts atomic.Int64
}

func (b *backend) call(context.Context) (int, error) {
	b.attempts.Add(1)
	if b.down.Load() {
		return 0, errDown
	}
	time.Sleep(50 * time.Millisecond) // a recovering backend is slow: probes overlap the wave
	return 1, nil
}

func main() {
	n := flag.Int("replicas", 10, "engines, one per replica")
	calls := flag.Int("calls", 1000, "calls per replica while the backend is dead")
	flag.Parse()
	redis.SetLogger(silent{})
	dir, err := os.MkdirTemp("", "fleetdemo")
	check(err)
	defer os.RemoveAll(dir)
	srv, err := redisserver.Start(dir)
	check(err)
	defer srv.Stop()
	fmt.Printf("redis-server on %s; %d replicas; budget 10%% of calls + 1/s, reserve 10; breaker: 5 failures, open 500ms, 1 probe\n\n", srv.Addr, *n)
	for _, mode := range []string{"local", "fleet"} {
		demo(mode, srv, *n, *calls)
	}
}

func demo(mode string, srv *redisserver.Server, n, calls int) {
	be := &backend{}
	be.down.Store(true)
	engines := make([]*engine.Engine, n)
	var fleets []*fleet.Fleet
	var openedAt sync.Map // replica -> time its breaker opened
	for i := range engines {
		opts := []engine.Option{
			engine.WithBreaker(breaker.ConsecutiveFailures(5), breaker.OpenFor(500*time.Millisecond), breaker.HalfOpenProbes(1)),
			engine.Defaults(engine.MaxAttempts(3), engine.Backoff(backoff.Constant(time.Millisecond))),
			engine.WithHooks(engine.Hooks{OnBreakerChange: func(c engine.BreakerChange) {
				if c.To == breaker.Open && c.Key == "db" {
					openedAt.LoadOrStore(i, time.Now())
				}
			}}),
		}
		if mode == "fleet" {
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, ContextTimeoutEnabled: true, MaxRetries: -1})
			defer rdb.Close()
			f, err := fleet.New(rdb, fleet.Options{Namespace: "demo", Ratio: 0.1, MinPerSecond: 1, Capacity: 10, Probes: 1})
			check(err)
			defer f.Close()
			fleets = append(fleets, f)
			opts = append(opts, engine.WithBudget(f.Budget()), f.Breakers())
		} else {
			b, err := engine.NewBudget(0.1, 1, 10)
			check(err)
			opts = append(opts, engine.WithBudget(b))
		}
		e, err := engine.New(opts...)
		check(err)
		defer e.Close(context.Background())
		engines[i] = e
	}

	// The backend is dead: every replica makes its calls, which the breaker ignores here (it has
	// its own phase below), so that the budget alone holds the retries.
	ignored := engine.BreakerClassify(func(error) breaker.Outcome { return breaker.Ignored })
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Go(func() {
			for range calls {
				_, _ = engine.Do(context.Background(), e, be.call, ignored)
			}
		})
	}
	wg.Wait()
	var retries uint64
	for _, e := range engines {
		retries += e.Stats().Retries
	}
	fmt.Printf("%s mode\n  dead backend: %.3f attempts per call, %d retries for %d calls (%.3f per call)\n",
		mode, float64(be.attempts.Load())/float64(n*calls), retries, n*calls, float64(retries)/float64(n*calls))

	// One replica finds out that the "db" key is down; in fleet mode it tells the others.
	for engines[0].KeyBreaker("db").State() == breaker.Closed {
		_, _ = engine.Do(context.Background(), engines[0], be.call, engine.Key("db"), engine.MaxAttempts(1))
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && countIn(engines, breaker.Open) < n {
		time.Sleep(time.Millisecond)
	}
	if countIn(engines, breaker.Open) == n {
		first, last := time.Time{}, time.Time{}
		openedAt.Range(func(_, v any) bool {
			t := v.(time.Time)
			if first.IsZero() || t.Before(first) {
				first = t
			}
			last = later(last, t)
			return true
		})
		fmt.Printf("  open everywhere: %v after the first replica opened\n", last.Sub(first).Round(100*time.Microsecond))
	} else {
		fmt.Printf("  open everywhere: never; %d of %d replicas know (each must fail on its own)\n", countIn(engines, breaker.Open), n)
		for _, e := range engines {
			for e.KeyBreaker("db").State() == breaker.Closed {
				_, _ = engine.Do(context.Background(), e, be.call, engine.Key("db"), engine.MaxAttempts(1))
			}
		}
	}

	// The backend returns; every replica sends a wave of 20 calls once its breaker half-opens.
	be.down.Store(false)
	for countIn(engines, breaker.HalfOpen) < n {
		time.Sleep(time.Millisecond)
	}
	before := be.attempts.Load()
	for _, e := range engines {
		for range 20 {
			wg.Go(func() { _, _ = engine.Do(context.Background(), e, be.call, engine.Key("db"), engine.MaxAttempts(1)) })
		}
	}
	wg.Wait()
	fmt.Printf("  probe wave when the backend returns: %d calls reach it (of %d asked)\n", be.attempts.Load()-before, 20*n)
	var ops uint64
	for _, f := range fleets {
		ops += f.Stats().Ops
	}
	if mode == "fleet" {
		fmt.Printf("  Redis commands: %d\n", ops)
	}
	fmt.Println()
}

func countIn(es []*engine.Engine, s breaker.State) int {
	n := 0
	for _, e := range es {
		if e.KeyBreaker("db").State() == s {
			n++
		}
	}
	return n
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleetdemo:", err)
		os.Exit(1)
	}
}
