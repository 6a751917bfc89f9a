package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/recur-go/recur/internal/bubble"
)

// An engine's goroutines belong to the testing/synctest bubble it was created in, or to none,
// and so do the channels and timers they make. The runtime aborts the whole test binary, with
// no way to recover, when a goroutine touches a channel of a bubble it is not in ("fatal error:
// send on synctest channel from outside bubble"), and an engine used across that boundary does
// so sooner or later, on one of its own goroutines, far from the mistake. So the entry points
// that a caller's goroutine drives (Submit, TrySubmit, Do, Wrap, Close) check first that the
// caller is where the engine was made, and refuse with ErrCrossBubble otherwise: a test that
// made an engine outside synctest.Test and used it inside fails with an error that says what
// to do, instead of killing every test of the binary.
//
// The check costs one monotonic clock read per call on an engine made outside any bubble (the
// production case): inside a bubble the clock reads synctest's fake time, which starts in 2000,
// so the time since such an engine was born comes out negative there, and never outside, where
// it is read on the monotonic clock. Only a negative reading is confirmed with the full check.
// (A bubble whose fake clock has run past the engine's birth, 26 years of fake time, or a machine
// whose clock reads before 2000, would go uncaught.) Engines made in a bubble, for tests, always
// take the full check. It tells inside from outside, not one bubble from another (see
// internal/bubble): an engine made in one bubble and used in another, which needs two bubbles
// running at once and a shared variable, is not caught.

// ErrCrossBubble: the engine was created outside the testing/synctest bubble of the goroutine
// using it, or inside a bubble and used outside it. Create engines inside the bubble that uses
// them (recurtest.New does, and closes them there).
var ErrCrossBubble = errors.New("engine: used across a testing/synctest bubble boundary")

var (
	errMadeOutside = fmt.Errorf("%w: created outside a bubble, used inside one; create it inside synctest.Test (recurtest.New)", ErrCrossBubble)
	errMadeInside  = fmt.Errorf("%w: created inside a bubble, used outside it; use and close it inside synctest.Test (recurtest.New)", ErrCrossBubble)
)

// checkBubble reports whether the calling goroutine may drive e.
func (e *Engine) checkBubble() error {
	if !e.bubbled && time.Since(e.born) >= 0 {
		return nil // outside: see above
	}
	switch inside := bubble.Inside(); {
	case inside == e.bubbled:
		return nil
	case inside:
		return errMadeOutside
	default:
		return errMadeInside
	}
}
