package recurtest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/recurtest"
)

// Users is production code: it retries its lookups with a jittered backoff of its own, set per
// call, which a test cannot predict.
type Users struct {
	E      *engine.Engine
	Lookup func(ctx context.Context, id int) (string, error) // the remote call
}

// Name returns user id's name, retrying the lookup.
func (u *Users) Name(ctx context.Context, id int) (string, error) {
	return engine.Do(ctx, u.E, func(ctx context.Context) (string, error) { return u.Lookup(ctx, id) },
		engine.Name("users.name"),
		engine.Backoff(backoff.FullJitter(backoff.Exponential(200*time.Millisecond, 2))))
}

// testUsersNameRetries is a test of Users.Name (it runs as TestExample). Inside the bubble the
// delays pass in fake time: the test takes no real time, and the clock it reads is exact.
func testUsersNameRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec recurtest.Recorder
		e := recurtest.New(t, // closed when the test ends, inside the bubble
			engine.WithHooks(rec.Hooks()),
			engine.Overrides(engine.Backoff(backoff.Constant(time.Second)))) // beats the jitter

		calls := 0
		users := &Users{E: e, Lookup: func(context.Context, int) (string, error) {
			if calls++; calls < 3 {
				return "", errors.New("connection reset")
			}
			return "ada", nil
		}}
		start := time.Now()
		name, err := users.Name(context.Background(), 42)
		if err != nil || name != "ada" {
			t.Fatalf("Name(42) = %q, %v; want ada", name, err)
		}
		if got, want := rec.Delays(), []time.Duration{time.Second, time.Second}; !slices.Equal(got, want) {
			t.Errorf("delays %v; want %v", got, want)
		}
		if took := time.Since(start); took != 2*time.Second {
			t.Errorf("took %v of fake time; want 2s", took)
		}
		if a := rec.Attempts(); len(a) != 3 || a[2].Err != nil {
			t.Errorf("attempts %+v; want two failures, then a success", a)
		}
	})
}

// Testing code that retries: production code under an engine made with recurtest.New inside a
// testing/synctest bubble, a Recorder of what the engine did, and engine.Overrides to force the
// backoff the code sets per call. The test function above is the example; this package's own
// tests run it.
func Example() {}
