// Package faults runs recur against real network faults: recur's engine and its httpretry
// transport call a real HTTP server on 127.0.0.1 through Shopify's toxiproxy (v2.5.0), which
// injects the fault. It is a module of its own, so that the root module does not depend on
// toxiproxy, and it holds only tests.
//
// TestMain starts the toxiproxy server on 127.0.0.1 (installing it first, with go install,
// into the repository's .tools directory if it is not there; TOXIPROXY_SERVER names another
// binary) and the upstream server, and stops both at the end. Each scenario gets a fresh
// proxy and a fresh client (an engine with a breaker and a retry budget, httpretry with an
// attempt timeout, a base transport that counts its connections):
//
//   - baseline: no fault;
//   - latency: half of the connections answer later than the attempt timeout;
//   - reset: connections cut in the middle of the response, or reset;
//   - stall: the proxy stops answering (toxiproxy's timeout toxic), then recovers;
//   - bandwidth: responses trickle through a bandwidth limit;
//   - down: the upstream server goes down and comes back.
//
// Every scenario checks that every call settled within its deadline (plus a scheduling slack),
// that the engine's counts add up, that retries stayed within the budget, and that no
// goroutine or connection is left behind on either side of the proxy; the stall and down
// scenarios also check that the breaker opened, stayed open for its open duration, and closed
// again once the fault was lifted. The report table (scenario, calls, successes, attempts,
// failed attempts, p99 latency, failures by reason) is printed at the end.
//
//	go test ./faults/...                    # the short form, as `make test` runs it
//	make faults                             # the long form, ten times the calls
package faults
