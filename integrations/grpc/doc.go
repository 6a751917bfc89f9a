// Package recurgrpc retries gRPC client calls through a recur engine.
//
// [UnaryClientInterceptor] and [StreamClientInterceptor] run each RPC as a call of the engine,
// keyed by the connection's target (engine.Key(cc.Target())), so that each target has a
// breaker and a bulkhead of its own, and named by the full method name:
//
//	conn, err := grpc.NewClient(target,
//		grpc.WithTransportCredentials(insecure.NewCredentials()),
//		grpc.WithUnaryInterceptor(recurgrpc.UnaryClientInterceptor(e)),
//		grpc.WithStreamInterceptor(recurgrpc.StreamClientInterceptor(e)),
//		grpc.WithDisableRetry()) // one retry layer, not two
//
// # What is retried
//
// An attempt that fails with a retryable status code is retried: by default UNAVAILABLE,
// RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED (an attempt that outlived its per-attempt timeout,
// [AttemptTimeout]; when the caller's own deadline passes, the call ends). Other codes stop the
// call at once, as permanent failures. The server's pushback, the trailer
// grpc-retry-pushback-ms of gRFC A6, is honoured as an HTTP Retry-After is: a retry waits at
// least that long (engine.RetryAfter), and a negative or malformed value means "do not retry".
//
// A stream is retried only until its first response message arrives: the messages sent until
// then (and CloseSend) are kept and sent again on the new stream. After the first response, the
// stream is committed, as in gRPC's own retry: an error is the caller's to see.
//
// # Errors
//
// A failed RPC returns an error whose gRPC status (status.Code, status.FromError) is the last
// attempt's, or Canceled or DeadlineExceeded if the caller's context ended (or its deadline left
// no time for the next retry), or Unavailable if the target's breaker is open or the engine
// closed; it wraps the engine's *engine.RetryError, so
// errors.Is(err, engine.ErrExhausted) and errors.As(err, &retryErr) tell how many attempts ran
// and why the call stopped.
//
// # Breakers
//
// With engine.WithBreaker, each target's breaker judges attempts by their status: UNAVAILABLE,
// DEADLINE_EXCEEDED, INTERNAL, UNKNOWN and DATA_LOSS are failures, RESOURCE_EXHAUSTED and
// CANCELED say nothing of the target's health, other codes (NOT_FOUND, INVALID_ARGUMENT...) are
// the target answering, a success.
package recurgrpc
