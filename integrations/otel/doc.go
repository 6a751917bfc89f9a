// Package recurotel reports a recur engine's calls to OpenTelemetry: metrics and traces.
//
// [Hooks] returns engine.Hooks that record, for every call, counters and histograms through a
// metric.MeterProvider and a span through a trace.TracerProvider (either may be nil), and
// [ObserveEngine] registers observable instruments that read the engine's gauges (engine.Stats)
// when the SDK collects:
//
//	h, err := recurotel.Hooks(meterProvider, tracerProvider)
//	...
//	e, err := engine.New(engine.WithHooks(h))
//	...
//	reg, err := recurotel.ObserveEngine(e, meterProvider)
//	defer reg.Unregister()
//
// # Metrics
//
// Names follow OpenTelemetry's conventions (dotted, durations in seconds with unit "s", counts
// with a {curly} unit); the attributes are recur.key (the call's engine.Key, "" without one),
// recur.outcome ("success" or the failure's engine.Reason in snake case: "exhausted",
// "permanent", "deadline", "breaker_open", "budget", "closed", "canceled", "hint_too_long",
// "rate_limited") and recur.attempt.result ("ok" or "error").
//
//	recur.calls                  counter {call}       calls settled: recur.key, recur.outcome
//	recur.call.duration          histogram s          submission to settlement: recur.key, recur.outcome
//	recur.attempts               counter {attempt}    attempts ended: recur.key, recur.attempt.result
//	recur.attempt.duration       histogram s          recur.key, recur.attempt.result
//	recur.retries                counter {retry}      retries scheduled: recur.key
//	recur.retry.delay            histogram s          recur.key
//	recur.breaker.transitions    counter {transition} recur.key, recur.breaker.from, recur.breaker.to
//
// and, registered by ObserveEngine:
//
//	recur.calls.pending          updowncounter {call}     accepted, not settled
//	recur.attempts.running       updowncounter {attempt}
//	recur.retries.waiting        updowncounter {retry}    waiting for their delay
//	recur.queue.length           updowncounter {attempt}  waiting for a worker
//	recur.bulkhead.waiting       updowncounter {attempt}  waiting for a slot of their key's bulkhead
//	recur.workers                updowncounter {worker}   recur.worker.state: busy or idle
//	recur.keys                   updowncounter {key}
//	recur.rejected               counter {call}           submissions refused
//	recur.late_results           counter {result}         results of abandoned attempts, discarded
//	recur.budget.denials         counter {retry}          retries denied by the budget
//	recur.fallbacks              counter {call}           calls whose engine.Fallback gave a result
//	recur.breaker.state          gauge {state}            1 for each key's breaker's state, 0 for
//	                                                      the others: recur.key, recur.breaker.state
//
// A call costs no allocation for its metrics once its key and outcome have been seen: the
// attribute sets are made once per key and kept.
//
// # Spans
//
// A call's span starts when its first attempt does, as a child of the span in the context the
// call was submitted with, and ends when the call settles. It is named after the call
// (engine.Name, "recur.call" without one) and carries recur.key, recur.attempts and
// recur.outcome; a failed call has an Error status and error.type set to its outcome, and
// recur.fallback true if its engine.Fallback gave a result in its place. Each
// attempt adds an event "recur.attempt" (number, duration, result, error), each retry an event
// "recur.retry" (the attempt it schedules and its delay), and a call stopped by an open breaker
// an event "recur.breaker.open". With [AttemptSpans], each attempt is a child span as well.
//
// Hooks cannot give the operation a context of their own, so spans the operation starts are
// children of the caller's span, siblings of the call's: the call's span tells how long the
// call took and why it retried, the operation's spans what each attempt did.
package recurotel
