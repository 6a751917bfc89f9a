package recurgrpc_test

import (
	"context"
	"net"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/recur-go/recur/engine"
	recurgrpc "github.com/recur-go/recur/integrations/grpc"
)

// The tests' service, written by hand rather than generated: messages are raw bytes (the codec
// below), a unary method echoes its request, and a server-streaming method sends its request
// back a number of times.
const (
	unaryMethod  = "/recur.test.Echo/Call"
	streamMethod = "/recur.test.Echo/Stream"
)

// raw is a codec whose messages are *[]byte.
type raw struct{}

func (raw) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (raw) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (raw) Name() string { return "raw" }

// fault is what the server does with request n (from 1): nil serves it; an error fails it with
// that status, after setting pushback (if not "") as its grpc-retry-pushback-ms trailer.
type fault func(ctx context.Context, n int) (pushback string, err error)

// server is a gRPC server on 127.0.0.1 that counts requests and fails those its fault says.
type server struct {
	addr     string
	requests atomic.Int64
	fault    fault
	// sendThenFail, for the stream method: after this many messages, fail with failStatus.
	sendThenFail int
	failStatus   *status.Status
}

func newServer(t *testing.T, f fault) *server {
	t.Helper()
	s, stop, err := startServer(f)
	require.NoError(t, err)
	t.Cleanup(stop)
	return s
}

// startServer starts a server and returns it with the function that stops it.
func startServer(f fault) (*server, func(), error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	s := &server{addr: lis.Addr().String(), fault: f}
	g := grpc.NewServer(grpc.ForceServerCodecV2(raw{}))
	g.RegisterService(&grpc.ServiceDesc{
		ServiceName: "recur.test.Echo",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Call", Handler: func(_ any, ctx context.Context,
			dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			var req []byte
			if err := dec(&req); err != nil {
				return nil, err
			}
			if err := s.fail(ctx); err != nil {
				return nil, err
			}
			return &req, nil
		}}},
		Streams: []grpc.StreamDesc{{StreamName: "Stream", ServerStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
			var req []byte
			if err := ss.RecvMsg(&req); err != nil {
				return err
			}
			if err := s.fail(ss.Context()); err != nil {
				return err
			}
			times, _ := strconv.Atoi(string(req))
			for i := range times {
				if s.failStatus != nil && i == s.sendThenFail {
					return s.failStatus.Err()
				}
				if err := ss.SendMsg(&req); err != nil {
					return err
				}
			}
			return nil
		}}},
	}, nil)
	go g.Serve(lis)
	return s, g.Stop, nil
}

func (s *server) fail(ctx context.Context) error {
	n := int(s.requests.Add(1))
	if s.fault == nil {
		return nil
	}
	pushback, err := s.fault(ctx, n)
	if err != nil && pushback != "" {
		grpc.SetTrailer(ctx, metadata.Pairs("grpc-retry-pushback-ms", pushback))
	}
	return err
}

// dial returns a connection to s whose calls retry on e.
func dial(t *testing.T, s *server, e *engine.Engine, opts ...recurgrpc.Option) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient("passthrough:///"+s.addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(raw{})),
		grpc.WithUnaryInterceptor(recurgrpc.UnaryClientInterceptor(e, opts...)),
		grpc.WithStreamInterceptor(recurgrpc.StreamClientInterceptor(e, opts...)),
		grpc.WithDisableRetry())
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc
}

// call sends a unary request and returns the reply.
func call(ctx context.Context, cc *grpc.ClientConn, req string) (string, error) {
	in, out := []byte(req), []byte(nil)
	err := cc.Invoke(ctx, unaryMethod, &in, &out)
	return string(out), err
}

// failFirst fails the first n requests with st, and pushback.
func failFirst(n int, st *status.Status, pushback string) fault {
	return func(_ context.Context, i int) (string, error) {
		if i <= n {
			return pushback, st.Err()
		}
		return "", nil
	}
}
