package recurgrpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	recurgrpc "github.com/recur-go/recur/integrations/grpc"
)

func TestUnaryRetriesUnavailable(t *testing.T) {
	s := newServer(t, failFirst(2, status.New(codes.Unavailable, "starting"), ""))
	e := newEngine(t)
	got, err := call(t.Context(), dial(t, s, e), "hello")
	require.NoError(t, err)
	assert.Equal(t, "hello", got)
	assert.Equal(t, int64(3), s.requests.Load())
	assert.Equal(t, uint64(3), e.Stats().Attempts)
}

func TestUnaryGivesUpWithTheLastStatus(t *testing.T) {
	s := newServer(t, failFirst(10, status.New(codes.Unavailable, "down"), ""))
	_, err := call(t.Context(), dial(t, s, newEngine(t)), "hello")
	require.Error(t, err)
	assert.Equal(t, codes.Unavailable, status.Code(err))
	assert.Equal(t, "down", status.Convert(err).Message())
	assert.ErrorIs(t, err, engine.ErrExhausted)
	var re *engine.RetryError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Equal(t, int64(3), s.requests.Load())
}

func TestUnaryDoesNotRetryOtherCodes(t *testing.T) {
	s := newServer(t, failFirst(10, status.New(codes.InvalidArgument, "bad"), ""))
	_, err := call(t.Context(), dial(t, s, newEngine(t)), "hello")
	assert.Equal(t, codes.InvalidArgument, status.Code(err))
	assert.ErrorIs(t, err, engine.ErrPermanent)
	assert.Equal(t, int64(1), s.requests.Load())
}

func TestUnaryHonoursPushback(t *testing.T) {
	s := newServer(t, failFirst(1, status.New(codes.ResourceExhausted, "slow down"), "60"))
	start := time.Now()
	_, err := call(t.Context(), dial(t, s, newEngine(t)), "hello")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond, "the retry waited for the pushback")
	assert.Equal(t, int64(2), s.requests.Load())
}

func TestUnaryNegativePushbackMeansDoNotRetry(t *testing.T) {
	for _, pushback := range []string{"-1", "soon"} {
		s := newServer(t, failFirst(1, status.New(codes.ResourceExhausted, "go away"), pushback))
		_, err := call(t.Context(), dial(t, s, newEngine(t)), "hello")
		assert.Equal(t, codes.ResourceExhausted, status.Code(err), pushback)
		assert.Equal(t, int64(1), s.requests.Load(), pushback)
	}
}

func TestUnaryRetriesAnAttemptPastItsTimeout(t *testing.T) {
	s := newServer(t, func(ctx context.Context, n int) (string, error) {
		if n == 1 {
			<-ctx.Done() // the first request hangs until the client gives it up
			return "", ctx.Err()
		}
		return "", nil
	})
	_, err := call(t.Context(), dial(t, s, newEngine(t), recurgrpc.AttemptTimeout(50*time.Millisecond)), "hello")
	require.NoError(t, err)
	assert.Equal(t, int64(2), s.requests.Load())
}

func TestUnaryCallersDeadlineEndsTheCall(t *testing.T) {
	s := newServer(t, func(ctx context.Context, n int) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := call(ctx, dial(t, s, newEngine(t)), "hello")
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err))
	assert.Equal(t, int64(1), s.requests.Load())

	ctx, cancel = context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = call(ctx, dial(t, s, newEngine(t)), "hello")
	assert.Equal(t, codes.Canceled, status.Code(err))
}

func TestUnaryBreakerPerTarget(t *testing.T) {
	down := newServer(t, failFirst(1000, status.New(codes.Unavailable, "down"), ""))
	up := newServer(t, nil)
	e := newEngine(t, engine.WithBreaker(breaker.ConsecutiveFailures(2), breaker.OpenFor(time.Minute)))
	toDown, toUp := dial(t, down, e), dial(t, up, e)

	_, err := call(t.Context(), toDown, "a")
	require.Error(t, err)
	assert.Equal(t, int64(2), down.requests.Load(), "the breaker opened after two failures")
	_, err = call(t.Context(), toDown, "b")
	assert.Equal(t, codes.Unavailable, status.Code(err))
	assert.True(t, errors.Is(err, breaker.ErrOpen))
	assert.Equal(t, int64(2), down.requests.Load(), "an open breaker sends nothing")

	_, err = call(t.Context(), toUp, "c")
	assert.NoError(t, err, "another target has a breaker of its own")
	assert.Equal(t, breaker.Open, e.KeyBreaker(toDown.Target()).State())
	assert.Equal(t, breaker.Closed, e.KeyBreaker(toUp.Target()).State())
}
