// Package engine runs operations asynchronously and retries them with backoff.
//
// An [Engine] owns a fixed pool of worker goroutines and one scheduler goroutine; nothing else
// ever runs on a goroutine of its own. [Submit] hands a call to the workers through a bounded
// queue and returns a [Future] at once. A worker runs the operation; the outcome is classified
// (see [DefaultClassifier]); a success settles the Future, a permanent failure settles it with
// its error, and a retryable one gets its next delay from the call's backoff strategy (or from
// a server hint, [RetryAfter]), is checked against the caller's deadline, the retry budget and
// the circuit breaker, and waits in the scheduler's timer heap until it is due. A waiting retry
// costs a heap entry, not a goroutine, so a million of them are cheap.
//
// # Settling
//
// Every accepted call settles exactly once: with its result, or with a [*RetryError] that says
// how many attempts ran, why the call stopped ([Reason]) and what the last attempt returned.
// Cancellation is immediate: when the caller's context ends or [Future.Cancel] is called, the
// Future settles at once, even if the running operation ignores its context; the abandoned
// attempt's late result is discarded and counted in [Stats].
//
// # Panics
//
// A panic in an operation is recovered into a [*PanicError] on its Future, and the worker goes
// on serving. Unlike errgroup, which lets panics crash the program, the engine recovers them
// because its goroutines are its own: a program that never wrote `go` must not be brought down
// by one. A panic is not retried unless a classifier says so.
//
// # Nil arguments
//
// A nil context given to [Submit], [TrySubmit], [Do], a [Wrap]ped function, [Future.Await],
// [AwaitAll] or [Completed] is an error ("engine: nil Context") rather than a nil dereference,
// as the standard library's context refuses a nil parent. A nil Future given to AwaitAll or
// Completed can only come from an ignored Submit error: they panic at once, naming its index.
//
// # Shutdown
//
// [Engine.Close] stops intake, lets pending calls finish until its context ends, then settles
// the rest with [ErrClosed] and returns when every goroutine the engine started has exited.
//
// # Testing code that uses an engine
//
// Create the engine inside a testing/synctest bubble and Close it there (t.Cleanup runs inside
// the bubble); backoff delays then pass in fake time, instantly and exactly.
package engine
