// Package bubble tells whether the calling goroutine runs inside a testing/synctest bubble.
//
// The runtime forbids a goroutine to operate on a channel or timer created in a bubble it is not
// in, and does not panic but aborts the whole program ("fatal error: send on synctest channel
// from outside bubble"): nothing can recover it. A long-lived object that owns goroutines (an
// engine) and is used from a bubble it was not created in, or from outside the bubble it was
// created in, hits that sooner or later, far from the mistake. Checking where the caller runs
// before anything crosses over turns the crash into an error at the call that made it.
//
// testing/synctest has no API that says whether, or in which bubble, a goroutine runs (the
// runtime's own, internal/synctest.IsInBubble, is not importable). The clock says it: inside a
// bubble time.Now returns the bubble's fake time without a monotonic reading (runtime/time.go,
// time_runtimeNow: "Don't return a monotonic time inside a synctest bubble", in Go 1.25 and 1.26),
// and outside one it always carries it (time.Now docs; only wall times after the year 2157 would
// lack it). Which bubble cannot be told: two bubbles look alike.
package bubble

import "time"

// Inside reports whether the calling goroutine runs inside a testing/synctest bubble.
// It costs one time.Now.
func Inside() bool {
	now := time.Now()
	// Round(0) strips the monotonic reading: the value is unchanged only if it had none.
	return now == now.Round(0)
}
