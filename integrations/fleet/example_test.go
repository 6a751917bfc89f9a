package fleet_test

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/fleet"
)

// Wiring one replica into its fleet. (Not run: it needs a Redis server; the tests and
// cmd/fleetdemo start one.)
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	f, err := fleet.New(rdb, fleet.Options{Namespace: "checkout", Ratio: 0.1, MinPerSecond: 1, Capacity: 10, Probes: 1})
	if err != nil {
		panic(err)
	}
	defer f.Close() // after the engine: deferred calls run last in, first out
	e, err := engine.New(engine.WithBudget(f.Budget()),
		engine.WithBreaker(breaker.ConsecutiveFailures(5), breaker.OpenFor(10*time.Second)), f.Breakers())
	if err != nil {
		panic(err)
	}
	defer e.Close(context.Background())
	_, _ = engine.Do(context.Background(), e, func(context.Context) (string, error) { return "ok", nil }, engine.Key("payments"))
}
