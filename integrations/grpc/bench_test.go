package recurgrpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/recur-go/recur/engine"
	recurgrpc "github.com/recur-go/recur/integrations/grpc"
)

// BenchmarkUnary is the cost of one successful unary RPC to a server on 127.0.0.1: plain gRPC,
// and through the interceptor (one call of the engine, keyed by the target).
func BenchmarkUnary(b *testing.B) {
	srv, stop, err := startServer(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	e, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	for _, name := range []string{"grpc", "recurgrpc"} {
		b.Run("with="+name, func(b *testing.B) {
			opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithDefaultCallOptions(grpc.ForceCodecV2(raw{})), grpc.WithDisableRetry()}
			if name == "recurgrpc" {
				opts = append(opts, grpc.WithUnaryInterceptor(recurgrpc.UnaryClientInterceptor(e)))
			}
			cc, err := grpc.NewClient("passthrough:///"+srv.addr, opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer cc.Close()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := call(ctx, cc, "hello"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
