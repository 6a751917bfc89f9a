package recurgrpc

import (
	"context"
	"maps"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/recur-go/recur/engine"
)

// UnaryClientInterceptor returns an interceptor that runs each unary RPC as a call of e, each
// attempt an invocation (see the package doc). e stays the caller's: the interceptor neither
// closes it nor changes it.
func UnaryClientInterceptor(e *engine.Engine, opts ...Option) grpc.UnaryClientInterceptor {
	cfg := newConfig(opts)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
		invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		_, err := engine.Do(ctx, e, func(actx context.Context) (struct{}, error) {
			var trailer metadata.MD
			err := invoker(actx, method, req, reply, cc, append(callOpts[:len(callOpts):len(callOpts)], grpc.Trailer(&trailer))...)
			return struct{}{}, cfg.classify(err, trailer)
		}, cfg.options(method, cc)...)
		return result(ctx, err)
	}
}

// options returns a call's options: its name, key and breaker classifier, then the caller's.
// They are made once per method and target and kept (a connection has one target and a service
// few methods), so that an RPC does not allocate them anew.
func (c *config) options(method string, cc *grpc.ClientConn) []engine.CallOption {
	k := optKey{method, cc.Target()}
	if opts, ok := (*c.cache.Load())[k]; ok {
		return opts
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := *c.cache.Load()
	if opts, ok := m[k]; ok {
		return opts
	}
	opts := make([]engine.CallOption, 0, 3+len(c.callOpts))
	opts = append(opts, engine.Name(method), engine.Key(k.target), health)
	opts = append(opts, c.callOpts...)
	next := maps.Clone(m) // copy on write: lookups, on every RPC, take no lock
	next[k] = opts
	c.cache.Store(&next)
	return opts
}

type optKey struct{ method, target string }
