package recurgrpc

import (
	"context"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/recur-go/recur/engine"
)

// StreamClientInterceptor returns an interceptor that retries a stream through e until its first
// response message: opening it, and the first RecvMsg, are one call of e (see the package doc).
// The messages sent before that are kept, by reference, to be sent again on a new stream: do
// not change a message after sending it until the first response has arrived.
func StreamClientInterceptor(e *engine.Engine, opts ...Option) grpc.StreamClientInterceptor {
	cfg := newConfig(opts)
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
		streamer grpc.Streamer, callOpts ...grpc.CallOption) (grpc.ClientStream, error) {
		s := &stream{cfg: cfg, e: e, ctx: ctx, open: func(sctx context.Context) (grpc.ClientStream, error) {
			return streamer(sctx, desc, cc, method, callOpts...)
		}, callOpts: cfg.options(method, cc)}
		// The first attempt opens the stream here, outside the engine, so that the caller can
		// send at once; a failure to open that may be retried is the first attempt's error,
		// returned by the engine's call at the first RecvMsg.
		s.cur, s.cancel = nil, func() {}
		cur, cancel, err := s.openOne(ctx)
		if err != nil {
			if !isPermanent(cfg.classify(err, nil)) {
				s.openErr = err
				return s, nil
			}
			return nil, result(ctx, err)
		}
		s.cur, s.cancel = cur, cancel
		return s, nil
	}
}

// stream is a client stream that may be replaced by a new one until its first response.
type stream struct {
	cfg      *config
	e        *engine.Engine
	ctx      context.Context // the caller's
	open     func(context.Context) (grpc.ClientStream, error)
	callOpts []engine.CallOption

	mu        sync.Mutex // guards what follows against SendMsg on another goroutine
	cur       grpc.ClientStream
	cancel    context.CancelFunc // cancels cur
	openErr   error              // opening the first stream failed, retryably
	sent      []any              // messages sent before the first response
	closeSent bool
	committed bool // the first response arrived (or the call failed): no more retries
}

// openOne opens a stream under a context of its own, so that a stream given up can be ended.
func (s *stream) openOne(ctx context.Context) (grpc.ClientStream, context.CancelFunc, error) {
	sctx, cancel := context.WithCancel(ctx)
	cs, err := s.open(sctx)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return cs, cancel, nil
}

func (s *stream) current() grpc.ClientStream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Header returns the current stream's header.
func (s *stream) Header() (metadata.MD, error) {
	if cur := s.current(); cur != nil {
		return cur.Header()
	}
	return nil, s.openErr
}

// Trailer returns the current stream's trailer.
func (s *stream) Trailer() metadata.MD {
	if cur := s.current(); cur != nil {
		return cur.Trailer()
	}
	return nil
}

// Context returns the current stream's context, or the caller's before one is open.
func (s *stream) Context() context.Context {
	if cur := s.current(); cur != nil {
		return cur.Context()
	}
	return s.ctx
}

// SendMsg sends m, and keeps it to send again until the first response.
func (s *stream) SendMsg(m any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		if s.cur == nil {
			return io.EOF
		}
		return s.cur.SendMsg(m)
	}
	s.sent = append(s.sent, m)
	if s.cur == nil {
		return nil // sent when a stream opens
	}
	if err := s.cur.SendMsg(m); err != io.EOF {
		return err
	}
	// The stream ended; RecvMsg will tell why, and may retry with m on a new stream.
	return nil
}

// CloseSend closes the sending side, now and on any stream opened in its place.
func (s *stream) CloseSend() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeSent = true
	if s.cur == nil {
		return nil
	}
	return s.cur.CloseSend()
}

// RecvMsg receives a message. The first is received as a call of the engine, each attempt on a
// stream of its own.
func (s *stream) RecvMsg(m any) error {
	s.mu.Lock()
	committed := s.committed
	cur := s.cur
	s.mu.Unlock()
	if committed {
		if cur == nil { // the call failed before any stream opened
			return io.EOF
		}
		err := cur.RecvMsg(m)
		if err != nil {
			s.cancel() // the stream is over: free its context
		}
		return err
	}
	eof, err := engine.Do(s.ctx, s.e, func(actx context.Context) (bool, error) {
		return s.attempt(actx, m)
	}, s.callOpts...)
	s.mu.Lock()
	s.committed, s.sent = true, nil
	cancel := s.cancel
	s.mu.Unlock()
	switch {
	case err != nil:
		cancel()
		return result(s.ctx, err)
	case eof:
		cancel()
		return io.EOF // the server ended the stream with OK before any message
	}
	return nil
}
