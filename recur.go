// Package recur retries operations without an engine to own: [Do] and [Wrap] run calls on an
// engine that the package starts on first use and shuts down when it has been idle for
// [IdleTimeout], so that a library or an SDK can retry its requests without asking its users to
// create and Close anything, and an idle program (or a test checked by goleak) sees none of its
// goroutines.
//
//	user, err := recur.Do(ctx, func(ctx context.Context) (User, error) {
//		return api.GetUser(ctx, id)
//	}, engine.Key("api.example.com"), engine.MaxAttempts(5))
//
// Calls get the engine's defaults (3 attempts; exponential backoff from 1s, factor 2, capped at
// 60s, full jitter) unless their options (package engine) say otherwise, and every behaviour of
// engine.Do: classification, deadlines, immediate cancellation, recovered panics, a
// *engine.RetryError that tells the whole story.
//
// # What the shared engine does not have
//
// State that belongs to an engine does not outlive an idle period: the engine has no breakers,
// bulkheads, budget or hooks, and its Stats are nobody's. Code that needs those (a breaker per
// host, a retry budget, metrics) creates its own engine with engine.New, and Closes it.
//
// # Why an engine that stops, rather than one that never starts goroutines
//
// An engine holds a scheduler goroutine and a goroutine that hands due retries to workers for as
// long as it is open; its workers come and go with the work (engine.WithMinWorkers(0)). Starting
// and stopping those two inside a live engine would put a start-stop race on the path of every
// retry and break the scheduler's contract (one goroutine, from New to Close). Closing a whole
// idle engine reuses the guarantee that Close already gives and that every test checks (it
// returns when every goroutine the engine started has exited), and the shared engine is never
// closed under a call: it stops only when no call is in flight, under the same lock that hands
// it to the next call, which otherwise starts a new one. Starting one costs a few microseconds,
// nothing beside a call that is worth retrying.
//
// # Tests
//
// Called from inside a testing/synctest bubble, Do runs the call on an engine of its own, made
// in the bubble and closed before Do returns: an engine shared with code outside the bubble (or
// with another bubble) would abort the test binary (see engine.ErrCrossBubble), and an engine
// per call keeps every bubble's time its own. To control the engine (force the backoff, record
// attempts), inject one: see package recurtest.
package recur

import (
	"context"
	"time"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/internal/bubble"
)

// IdleTimeout is how long the shared engine stays up with no call in flight before it shuts down
// with all its goroutines. It is short enough that goleak.VerifyNone, which looks again for about
// 400ms, sees it gone, and long enough that a program calling several times a second keeps one.
const IdleTimeout = 100 * time.Millisecond

// shared is the engine that Do and Wrap use outside synctest bubbles.
var shared = lazy{idle: IdleTimeout, opts: engineOptions}

var engineOptions = []engine.Option{engine.WithMinWorkers(0), engine.WithName("recur")}

// Do runs op with retries, as engine.Do does, on the package's shared engine, which it starts if
// need be. opts are engine.CallOptions: engine.MaxAttempts, engine.Backoff, engine.Key, and so on.
func Do[T any](ctx context.Context, op func(context.Context) (T, error), opts ...engine.CallOption) (T, error) {
	if bubble.Inside() {
		return doInBubble(ctx, op, opts)
	}
	e, err := shared.acquire()
	if err != nil {
		var zero T
		return zero, err
	}
	defer shared.release()
	return engine.Do(ctx, e, op, opts...)
}

// Wrap turns op into a function with retries built in: every call of the returned function is a
// Do with opts.
func Wrap[T any](op func(context.Context) (T, error), opts ...engine.CallOption) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) { return Do(ctx, op, opts...) }
}

// doInBubble runs one call on an engine of its own, made and closed in the caller's bubble.
func doInBubble[T any](ctx context.Context, op func(context.Context) (T, error), opts []engine.CallOption) (T, error) {
	e, err := engine.New(engineOptions...)
	if err != nil {
		var zero T
		return zero, err
	}
	// The call has settled when engine.Do returns: Close has nothing to wait for but the
	// goroutines, and any operation still running after its call was abandoned.
	defer e.Close(context.Background())
	return engine.Do(ctx, e, op, opts...)
}
