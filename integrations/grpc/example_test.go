package recurgrpc_test

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	recurgrpc "github.com/recur-go/recur/integrations/grpc"
)

// A client whose calls retry through an engine, against a server on 127.0.0.1 that is
// overloaded for its first two requests and asks for 20ms of pushback.
func Example() {
	srv, stop, err := startServer(failFirst(2, status.New(codes.ResourceExhausted, "overloaded"), "20"))
	if err != nil {
		panic(err)
	}
	defer stop()

	e, err := engine.New(engine.WithKeyStats(), engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	if err != nil {
		panic(err)
	}
	defer e.Close(context.Background())

	conn, err := grpc.NewClient("passthrough:///"+srv.addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(raw{})), // the example's service sends raw bytes
		grpc.WithUnaryInterceptor(recurgrpc.UnaryClientInterceptor(e)),
		grpc.WithStreamInterceptor(recurgrpc.StreamClientInterceptor(e)),
		grpc.WithDisableRetry())
	if err != nil {
		panic(err)
	}
	defer conn.Close()

	start := time.Now()
	reply, err := call(context.Background(), conn, "hello")
	fmt.Println(reply, err)
	fmt.Println("attempts:", e.Stats().Attempts, "waited for the pushback:", time.Since(start) >= 40*time.Millisecond)

	// Calls are keyed by the connection's target: its breaker, bulkhead and counts are its own.
	stats, _ := e.KeyStats(conn.Target())
	fmt.Println("retries to the target:", stats.Counts.Retries)
	// Output:
	// hello <nil>
	// attempts: 3 waited for the pushback: true
	// retries to the target: 2
}
