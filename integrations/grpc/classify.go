package recurgrpc

import (
	"context"
	"errors"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// pushbackKey is the trailer in which a server asks for a delay before the next retry (gRFC A6).
const pushbackKey = "grpc-retry-pushback-ms"

// classify marks an attempt's error for the engine's default classifier: retryable codes are
// left to the backoff or marked with the server's pushback, other errors are permanent.
func (c *config) classify(err error, trailer metadata.MD) error {
	if err == nil {
		return nil
	}
	code := status.Code(err)
	if !c.retryable.has(code) {
		return engine.Permanent(err)
	}
	if v := trailer.Get(pushbackKey); len(v) > 0 {
		ms, perr := strconv.ParseInt(v[0], 10, 64)
		if perr != nil || ms < 0 {
			return engine.Permanent(err) // the server says: do not retry
		}
		return engine.RetryAfter(err, time.Duration(ms)*time.Millisecond)
	}
	return err
}

// health judges an attempt for the target's breaker (see the package doc).
var health = engine.BreakerClassify(func(err error) breaker.Outcome {
	if err == nil {
		return breaker.Success
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Internal, codes.Unknown, codes.DataLoss:
		return breaker.Failure
	case codes.ResourceExhausted, codes.Canceled:
		return breaker.Ignored
	}
	return breaker.Success
})

// callError is a failed call's error: the engine's, with the gRPC status its caller expects.
type callError struct {
	st  *status.Status
	err error
}

func (e *callError) Error() string              { return e.err.Error() }
func (e *callError) Unwrap() error              { return e.err }
func (e *callError) GRPCStatus() *status.Status { return e.st }

// result turns the engine's verdict on a call into what the interceptor returns.
func result(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var re *engine.RetryError
	switch {
	case errors.As(err, &re) && re.Reason == engine.ReasonCanceled,
		re == nil && ctx.Err() != nil:
		return &callError{status.FromContextError(context.Cause(ctx)), err}
	case re != nil && re.Reason == engine.ReasonDeadline:
		// The caller's deadline passed, or the next retry could not start before it: the
		// call ran out of time, whatever the last attempt said.
		return &callError{status.New(codes.DeadlineExceeded, err.Error()), err}
	case errors.Is(err, breaker.ErrOpen):
		return &callError{status.New(codes.Unavailable, err.Error()), err}
	case errors.Is(err, engine.ErrClosed):
		return &callError{status.New(codes.Unavailable, err.Error()), err}
	}
	if re != nil && re.Last != nil {
		if st, ok := status.FromError(re.Last); ok {
			return &callError{st, err}
		}
	}
	if st, ok := status.FromError(err); ok {
		return &callError{st, err}
	}
	return &callError{status.New(codes.Unknown, err.Error()), err}
}
