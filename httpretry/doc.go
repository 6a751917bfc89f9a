// Package httpretry retries HTTP requests on a recur engine: an http.RoundTripper ([Transport])
// and an *http.Client ([NewClient]) whose every request is one call of an [engine.Engine] and
// every attempt one round trip on a base transport.
//
//	e, err := engine.New(engine.WithLogger(slog.Default()))
//	...
//	client, err := httpretry.NewClient(e, httpretry.AttemptTimeout(2*time.Second))
//	resp, err := client.Get("https://api.example.com/users/42")
//
// # What is retried
//
// Transient network errors (connection refused, reset or aborted, a broken pipe, an unexpected
// EOF, timeouts) and the statuses 429, 502, 503 and 504 ([RetryStatuses] changes the set). Any
// other error fails at once; any other status is returned as it is. A request is retried only
// when that is safe: its method is idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) or it
// carries an Idempotency-Key header ([RetryNonIdempotent] lifts the rule), and its body can be
// replayed, through GetBody, which http.NewRequest sets for in-memory bodies. Other requests are
// sent once, still through the engine, so its breaker and hooks see them; when that attempt
// fails in a way that would have been retried, the call stops as permanent with an error that
// matches [ErrNotRetryable] and says why, so that logs do not report it as exhausted.
//
// # How long to wait
//
// The engine's backoff strategy decides, unless the server answered with a Retry-After header in
// either form, delta-seconds or HTTP-date ([ParseRetryAfter]). Its delay is capped by the call's
// engine.MaxDelay (60s by default) and by [MaxRetryAfter]; a malformed, negative or absurd value
// is ignored and the backoff strategy decides.
//
// # What the caller gets
//
// A response that is not retried is returned as it is. When a call gives up on a retryable
// status (attempts exhausted, the next retry would miss the deadline, the budget or the breaker
// refused it), the caller gets the last response, body intact, and no error, as if there had
// been no retries: a 503 is an answer, not a failure of the transport. When it gives up on a
// network error, the error is an *engine.RetryError, which says how many attempts ran and why
// the call stopped and wraps the last attempt's error for errors.Is and errors.As.
//
// # Hedging
//
// engine.Hedge or engine.HedgeQuantile, given through CallOptions, sends a second request when
// the first has not answered in time, and the first answer that is not a retryable status wins;
// the others are canceled, and their connections closed. Only requests that may be retried are
// hedged: the rest are sent once, as above.
//
// # Time and connections
//
// The request's context bounds everything: attempts, the waits between them, and reading the
// returned body. [AttemptTimeout] bounds each attempt until its response headers arrive. The
// body of a response that will be retried is read, up to 64 KiB, and closed, so its connection
// goes back to the pool; a larger one is left on its connection, which is closed if the response
// is not returned. The Transport keeps no goroutine of its own: the first attempt runs on the
// goroutine that called RoundTrip (see engine.Do), retries on the engine's workers, and waits are
// entries in its scheduler.
package httpretry
