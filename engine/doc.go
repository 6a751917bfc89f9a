// Package engine runs operations asynchronously and retries them with backoff.
//
// An [Engine] owns an elastic pool of worker goroutines, one scheduler goroutine and one
// goroutine that hands due retries to workers; nothing else ever runs on a goroutine of its own.
// [Submit] hands a call to an idle worker, or starts one, and returns a [Future] at once. A
// worker runs the operation; the outcome is classified (see [DefaultClassifier]); a success
// settles the Future, a permanent failure settles it with its error, and a retryable one gets its
// next delay from the call's backoff strategy (or from a server hint, [RetryAfter]), is checked
// against the caller's deadline, the retry budget and the circuit breaker, and waits in the
// scheduler's timer heap until it is due. A waiting retry costs a heap entry, not a goroutine, so
// a million of them are cheap.
//
// # Many calls at once
//
// [Map] runs a function over a slice as one batch and yields each call's index and [Result] as
// the calls settle; [SubmitAll] submits many operations as one batch and returns their Futures.
// A batch resolves its options once and is handed to the workers under one hold of the engine's
// locks, not one per call; [MaxInFlight] bounds a Map, and breaking out of its loop cancels the
// calls still pending. [Wrap1] and [Wrap2] are [Wrap] for functions that take arguments.
//
// # What costs a goroutine
//
// Only a running attempt holds a goroutine, because Go's blocking I/O needs one. The pool grows
// when work arrives and no worker is idle, up to [WithMaxConcurrency] (65,536 by default: the
// engine is never what limits a fan-out of thousands of I/O calls), and idle workers exit after
// [WithIdleTimeout], down to [WithMinWorkers]. At the cap, first attempts wait in a bounded work
// queue ([WithQueueSize]; Submit blocks, [TrySubmit] fails with [ErrQueueFull]) and due retries in
// the scheduler. [Do] runs its first attempt on the goroutine that called it, which would only
// wait otherwise, unless the engine counts attempts on workers (a cap, bulkheads) or was made
// [WithWorkersOnly].
//
// # What a call costs
//
// A call is one allocation, its Future, which is also the context its attempts run under: it
// passes on the caller's values and deadline, is done when the call settles, and gives
// context.Cause the cause of [Future.Cancel], Close or the caller's context. A retry waiting in
// the scheduler costs the Future and a heap entry, about 210 bytes, and no goroutine.
//
// # Keys
//
// A call may name its dependency with [Key] (a host, a service, a tenant). Each key has a breaker
// of its own ([WithBreaker]), which judges the dependency's health with the call's breaker
// classifier ([DefaultBreakerClassifier], [BreakerClassify]) rather than its retry decisions, and
// a bulkhead of its own ([WithBulkhead]): attempts over the key's limit wait in its FIFO queue,
// holding no goroutine, so a slow dependency fills its own slots and never another's. With
// [WithAdaptiveLimit] each key's limit adjusts itself from the latency and the drops (timeouts,
// pushback, failures) of the attempts that end, between the bounds of [AdaptiveLimit], and the
// waiters go as slots free or the limit rises. Keys are created on first use and forgotten when
// idle ([WithKeyIdle]).
//
// A key may also be paced: at the rate its server admits, learnt from its pushback
// ([WithPacing], [Throttled]), or by a token bucket of the user's ([WithRateLimit],
// [WithKeyRateLimit]), or both, the stricter winning. Every attempt of a rate-limited key takes a
// token, hedges included; one without a token waits its turn in the key's queue, holding no
// goroutine, released by a tick in the scheduler, or fails at once if its turn would come after
// its deadline or the call asked not to wait ([OnRateLimit], [ErrRateLimited]).
//
// # Settling
//
// Every accepted call settles exactly once: with its result, or with a [*RetryError] that says
// how many attempts ran, why the call stopped ([Reason]) and what the last attempt returned.
// Cancellation is immediate: when the caller's context ends or [Future.Cancel] is called, the
// Future settles at once, even if the running operation ignores its context; the abandoned
// attempt's late result is discarded and counted in [Stats]. (Do, running an attempt on its own
// goroutine, returns when the operation does.)
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
// [AwaitAll], [Completed], [Map] or [SubmitAll] is an error ("engine: nil Context") rather than
// a nil dereference, as the standard library's context refuses a nil parent. A nil Future given
// to AwaitAll or Completed can only come from an ignored Submit error: they panic at once,
// naming its index.
//
// # Shutdown
//
// [Engine.Close] stops intake, lets pending calls finish until its context ends, then settles
// the rest with [ErrClosed] and returns when every goroutine the engine started has exited.
//
// # Testing code that uses an engine
//
// Create the engine inside a testing/synctest bubble and Close it there (t.Cleanup runs inside
// the bubble); backoff delays then pass in fake time, instantly and exactly. Package recurtest
// does both, records attempts and delays, and shows how [Overrides] forces the backoff of code
// that sets its own per call. An engine made on one side of a bubble's boundary and used on the
// other would abort the test binary; it refuses with [ErrCrossBubble] instead.
package engine
