// Package backoff computes the waits between retries.
//
// A [Strategy] maps a retry number n (1 for the wait after the first failed
// attempt) and the delay the same call used before to the next delay:
//
//	d := s.Delay(n, prev)
//
// Strategies are values without per-call state, safe for concurrent use, so
// one value serves every in-flight call of an engine; the caller carries the
// previous delay. The package starts no goroutines, reads no clock and knows
// nothing about errors: it is pure policy.
//
// # Strategies
//
//   - [Immediate]: 0.
//   - [Constant]: d.
//   - [Linear]: initial + step*(n-1).
//   - [Exponential]: initial * factor^(n-1).
//   - [Decorrelated]: min(max, uniform(base, 3*prev)), AWS's decorrelated jitter.
//   - [Adaptive]: another strategy stretched by up to a bounded factor as the
//     recent success rate, fed through [Observer], falls.
//   - [Func]: your own function.
//
// Decorators change what another strategy returns:
//
//   - [FullJitter]: uniform(0, d).
//   - [EqualJitter]: d/2 + uniform(0, d/2).
//   - [ProportionalJitter]: uniform(d*(1-frac), d*(1+frac)).
//   - [Capped]: min(d, max), a true maximum even over jitter.
//
// [Default] is the engine's default, full jitter over an exponential curve
// from 1s, factor 2, capped at 60s.
//
// # Arithmetic
//
// Every strategy saturates instead of overflowing: any n (those below 1 count
// as 1), any factor and any duration give a delay in [0, math.MaxInt64]
// nanoseconds, never negative, and never above a [Capped] maximum.
//
// # Invalid parameters
//
// Constructors do not return errors, so that strategies compose as plain
// expressions. [Validate] reports the first invalid parameter of a strategy
// and of everything it wraps, as a *[ParamError] naming the parameter and the
// value ("backoff: Exponential factor 0.5 < 1"); the engine calls it in its
// constructor. A strategy built with invalid parameters still never panics:
// it clamps them to the nearest sane value, or ignores an invalid option.
//
// # Randomness
//
// The randomised strategies draw from the top-level math/rand/v2 generator,
// which is safe for concurrent use and takes no lock. [WithSource] substitutes
// a seeded source to make them reproducible in tests.
package backoff
