// Package recurprom exports a recur engine's metrics to Prometheus.
//
// A [Collector] is a prometheus.Collector with two sources. At every scrape it reads the
// engine's counters and gauges (engine.Engine.Stats, and engine.Engine.AllKeyStats for the
// per-key counts of an engine made with engine.WithKeyStats, and its breakers' states), so they
// cost a call nothing. Its [Collector.Hooks], given to the engine with engine.WithHooks, feed
// what only events can tell: the histograms of attempt durations, call durations and retry
// delays, and the count of breaker transitions. A call then costs no allocation: each key's
// histograms are looked up once and kept.
//
//	c := recurprom.New()
//	e, err := engine.New(engine.WithHooks(c.Hooks()), engine.WithKeyStats())
//	...
//	c.Observe(e)
//	prometheus.MustRegister(c)
//
// The metrics, under the namespace "recur" unless [Namespace] says otherwise, are:
//
//	recur_calls_total                     counter   calls accepted
//	recur_calls_settled_total{outcome}    counter   calls settled: success, or why they failed
//	recur_attempts_total                  counter   attempts started
//	recur_retries_total                   counter   retries scheduled
//	recur_rejected_total                  counter   submissions refused (queue full, closed, breaker open)
//	recur_late_results_total              counter   results of abandoned attempts, discarded
//	recur_breaker_refusals_total          counter   calls failed or refused by an open breaker
//	recur_budget_denials_total            counter   retries denied by the retry budget
//	recur_fallbacks_total                 counter   calls whose engine.Fallback gave a result
//	recur_calls_pending                   gauge     calls accepted and not settled
//	recur_attempts_running                gauge     attempts running now
//	recur_retries_waiting                 gauge     retries waiting for their delay
//	recur_queue_length                    gauge     attempts waiting for a worker
//	recur_slot_waiting                    gauge     attempts waiting for a bulkhead slot
//	recur_workers{state}                  gauge     worker goroutines, busy or idle
//	recur_keys                            gauge     keys the engine holds
//	recur_key_calls_total{key}            counter   as above, per key (engine.WithKeyStats)
//	recur_key_calls_settled_total{key,outcome}
//	recur_key_attempts_total{key}
//	recur_key_retries_total{key}
//	recur_breaker_state{key,state}        gauge     1 for each key's breaker's current state, 0 for the others
//	recur_breaker_transitions_total{key,from,to}      counter (hooks)
//	recur_attempt_duration_seconds{key,result}        histogram (hooks): result is ok or error
//	recur_call_duration_seconds{key,outcome}          histogram (hooks): submission to settlement
//	recur_retry_delay_seconds{key}                    histogram (hooks)
//
// An outcome is "success" or the failure's engine.Reason in snake case ("exhausted",
// "permanent", "deadline", "breaker_open", "budget", "closed", "canceled", "hint_too_long",
// "rate_limited"). The per-engine counters and the per-key ones are separate metrics so that a
// sum over one never counts a call twice; per-key counts of a key forgotten after idling
// (engine.WithKeyIdle) start again from zero, which Prometheus's rate() reads as a counter reset.
// To export several engines, register a Collector for each through prometheus.WrapRegistererWith
// with a label that tells them apart.
package recurprom
