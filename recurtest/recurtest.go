// Package recurtest helps test code that retries with recur: an engine made and closed inside
// the test's testing/synctest bubble ([New]), where every backoff delay passes in fake time,
// instantly and exactly; a [Recorder] of attempts, retry delays and outcomes; and, through
// [engine.Overrides], a backoff forced on production code that sets its own per call.
//
// # Why New, and not engine.New in the test
//
// An engine's goroutines belong to the bubble it is made in, or to none. The runtime aborts the
// whole test binary when a goroutine touches a channel of a bubble it is not in, so an engine made
// by TestMain, a package variable or the test before synctest.Test, and used inside the bubble,
// used to kill every test of the binary with "fatal error: send on synctest channel from outside
// bubble". The engine now refuses such calls with [engine.ErrCrossBubble]; New goes further and
// makes the wrong place impossible: it fails the test unless it runs inside a bubble, and closes
// the engine in t's cleanup, which synctest runs inside the bubble when t is the *testing.T that
// synctest.Test passed in.
//
// # Forcing the backoff
//
// Production code often sets its backoff per call, and a call's options override the engine's
// Defaults. A test that wants exact delays gives the engine [engine.Overrides], which are applied
// after each call's own options:
//
//	e := recurtest.New(t, engine.Overrides(engine.Backoff(backoff.Constant(time.Second))))
package recurtest

import (
	"context"
	"testing"
	"time"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/internal/bubble"
)

// CloseGrace is how long, in the bubble's fake time, the engine made by New lets calls still
// pending when the test ends finish before it settles them with engine.ErrClosed. In fake time a
// minute passes at once; it bounds a call left retrying forever.
const CloseGrace = time.Minute

// New returns an engine made with opts for the test t, which must run inside a testing/synctest
// bubble: call it from the function given to synctest.Test, with the *testing.T that function
// receives. Outside a bubble it fails the test at once, saying so.
//
// The engine is closed in t's cleanup, inside the bubble. Calls still pending then get
// CloseGrace of fake time to finish; if any is left after that, the test fails: a test should
// await or cancel what it submits. An operation that ignores its context and never returns keeps
// Close waiting, and synctest reports the bubble as deadlocked, with every goroutine's stack.
func New(t testing.TB, opts ...engine.Option) *engine.Engine {
	t.Helper()
	if !bubble.Inside() {
		t.Fatal("recurtest.New: not inside a testing/synctest bubble: call it from the function " +
			"given to synctest.Test, with the *testing.T that function receives")
	}
	e, err := engine.New(opts...)
	if err != nil {
		t.Fatalf("recurtest.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), CloseGrace)
		defer cancel()
		pending := e.Stats().Pending
		if err := e.Close(ctx); err != nil {
			t.Errorf("recurtest: closing the engine: %v (%d calls were pending when the test ended; "+
				"await or cancel them)", err, pending)
		}
	})
	return e
}
