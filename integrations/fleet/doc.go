// Package fleet makes the replicas of a service act as one against a dependency, through a
// Redis they already run: one retry budget for the whole fleet, and each key's breaker opening,
// probing and closing fleet-wide.
//
// Each process joins with New and hands the Fleet's Budget and Breakers to its engine:
//
//	f, err := fleet.New(rdb, fleet.Options{Namespace: "checkout", Ratio: 0.1, MinPerSecond: 1, Capacity: 10})
//	e, err := engine.New(engine.WithBudget(f.Budget()), engine.WithBreaker(opts...), f.Breakers())
//	...
//	e.Close(ctx)
//	f.Close()
//
// # Budget
//
// The tokens live in one Redis hash, updated by a Lua script that credits the calls a process
// made, adds the minimum rate since the last visit (on Redis's clock) and leases tokens. A
// process spends its lease locally: a retry is an atomic decrement, and Redis is asked only when
// the lease runs out, by one caller for all those waiting, within Timeout. Leases grow (up to
// MaxLease) while a process spends them quickly, so a process's share of the tokens follows its
// share of the failing traffic. The fleet's retries stay within Ratio of its calls plus one
// Capacity and one MinPerSecond, where ten processes with their own budgets would allow ten of
// each.
//
// # Breakers
//
// Each key's breaker stays the engine's local lock-free one. When it opens, the process runs a
// script that records the opening with a new epoch and publishes it; every other process trips
// its own breaker for the key (breaker.Breaker.Trip: open as its rules would, so it half-opens
// after its own open duration). Half-open probes go through a breaker.ProbeGate that takes one
// of the key's Probes slots in Redis, so the dependency sees Probes probes from the whole
// fleet. A successful probe closes the breaker; the close is recorded only if the fleet is still
// in the open period the process knows (a compare on the epoch, not a lock), then published.
// No remote lock exists, so none is held while a call runs. Messages lost (a reconnect, a full
// queue) are made up by a poll every Poll.
//
// # When Redis fails
//
// Every Redis operation has Timeout. One that fails puts the process in local mode: its own
// engine.Budget (fed all along) and its breakers alone, as without a fleet. A process that does
// not talk to Redis notices at its next poll. In local mode the process asks Redis every 250ms
// (or Poll, if shorter) whether it is back; when it answers, the process rejoins, and the poll
// tells the fleet of openings it missed (also after a Redis restart that lost the state).
// Calls are never lost or settled twice: the fleet only decides whether a retry may run and
// whether a breaker admits, as the local budget and breaker do.
package fleet
