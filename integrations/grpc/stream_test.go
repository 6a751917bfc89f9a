package recurgrpc_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/recur-go/recur/engine"
	recurgrpc "github.com/recur-go/recur/integrations/grpc"
)

var streamDesc = &grpc.StreamDesc{StreamName: "Stream", ServerStreams: true}

// stream asks s's stream method for its request back `times` times, and returns what arrived
// before the stream ended and how it ended.
func stream(ctx context.Context, t *testing.T, cc *grpc.ClientConn, times string) ([]string, error) {
	t.Helper()
	cs, err := cc.NewStream(ctx, streamDesc, streamMethod)
	if err != nil {
		return nil, err
	}
	req := []byte(times)
	require.NoError(t, cs.SendMsg(&req))
	require.NoError(t, cs.CloseSend())
	var got []string
	for {
		var m []byte
		if err := cs.RecvMsg(&m); err != nil {
			if err == io.EOF {
				err = nil
			}
			return got, err
		}
		got = append(got, string(m))
	}
}

func TestStreamRetriedBeforeItsFirstMessage(t *testing.T) {
	s := newServer(t, failFirst(2, status.New(codes.Unavailable, "starting"), ""))
	e := newEngine(t)
	got, err := stream(t.Context(), t, dial(t, s, e), "3")
	require.NoError(t, err)
	assert.Equal(t, []string{"3", "3", "3"}, got, "the request was sent again on each new stream")
	assert.Equal(t, int64(3), s.requests.Load())
	st := e.Stats()
	assert.Equal(t, uint64(1), st.Succeeded, "a stream is one call")
	assert.Equal(t, uint64(3), st.Attempts)
}

func TestStreamNotRetriedAfterItsFirstMessage(t *testing.T) {
	s := newServer(t, nil)
	s.sendThenFail, s.failStatus = 1, status.New(codes.Unavailable, "gone")
	got, err := stream(t.Context(), t, dial(t, s, newEngine(t)), "3")
	assert.Equal(t, []string{"3"}, got)
	assert.Equal(t, codes.Unavailable, status.Code(err))
	assert.Equal(t, int64(1), s.requests.Load())
}

func TestStreamHonoursPushback(t *testing.T) {
	s := newServer(t, failFirst(1, status.New(codes.ResourceExhausted, "slow down"), "60"))
	start := time.Now()
	got, err := stream(t.Context(), t, dial(t, s, newEngine(t)), "1")
	require.NoError(t, err)
	assert.Equal(t, []string{"1"}, got)
	assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
	assert.Equal(t, int64(2), s.requests.Load())
}

func TestStreamDoesNotRetryOtherCodes(t *testing.T) {
	s := newServer(t, failFirst(10, status.New(codes.NotFound, "no such thing"), ""))
	_, err := stream(t.Context(), t, dial(t, s, newEngine(t)), "1")
	assert.Equal(t, codes.NotFound, status.Code(err))
	assert.ErrorIs(t, err, engine.ErrPermanent)
	assert.Equal(t, int64(1), s.requests.Load())
}

func TestStreamEndingWithoutMessages(t *testing.T) {
	s := newServer(t, nil)
	e := newEngine(t)
	got, err := stream(t.Context(), t, dial(t, s, e), "0")
	require.NoError(t, err)
	assert.Empty(t, got)
	assert.Equal(t, uint64(1), e.Stats().Succeeded)
}

// A target that refuses connections: opening the stream fails with Unavailable, which is retried
// like any other attempt's, until the call gives up.
func TestStreamThatCannotOpen(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := &server{addr: lis.Addr().String()}
	require.NoError(t, lis.Close())
	e := newEngine(t)
	_, err = stream(t.Context(), t, dial(t, closed, e), "1")
	assert.Equal(t, codes.Unavailable, status.Code(err))
	assert.ErrorIs(t, err, engine.ErrExhausted)
	assert.Equal(t, uint64(3), e.Stats().Attempts)
}

func TestStreamRetriesAnAttemptPastItsTimeout(t *testing.T) {
	s := newServer(t, func(ctx context.Context, n int) (string, error) {
		if n == 1 {
			<-ctx.Done() // the first stream hangs until the client gives it up
			return "", ctx.Err()
		}
		return "", nil
	})
	e := newEngine(t)
	got, err := stream(t.Context(), t, dial(t, s, e, recurgrpc.AttemptTimeout(50*time.Millisecond)), "2")
	require.NoError(t, err)
	assert.Equal(t, []string{"2", "2"}, got)
	assert.Equal(t, int64(2), s.requests.Load())
	assert.Equal(t, uint64(1), e.Stats().Retries)
}
