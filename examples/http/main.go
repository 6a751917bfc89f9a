// Command http shows httpretry: an http.Client that retries 429 and 503 answers, honours the
// server's Retry-After (capped, however absurd it is), logs its retries with slog, and when it
// gives up returns the server's last answer rather than a made-up error.
//
//	go run ./examples/http
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// quotes is an API that throttles the first request, fails the second, and answers the third;
// /down is in maintenance and asks callers to come back in 484,289 hours.
func quotes() http.Handler {
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/quote", func(w http.ResponseWriter, _ *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case 2:
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		default:
			fmt.Fprint(w, "Simplicity is prerequisite for reliability.")
		}
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "1743440400")
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	})
	return mux
}

func run(w io.Writer) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv, served := &http.Server{Handler: quotes()}, make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() { srv.Shutdown(context.Background()); <-served }()

	// Retries are logged at Debug (they are routine); this example shows them.
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: noTime}))
	e, err := engine.New(engine.WithLogger(logger))
	if err != nil {
		return err
	}
	defer e.Close(context.Background())
	client, err := httpretry.NewClient(e,
		httpretry.MaxRetryAfter(time.Second), // trust the server, up to a point
		httpretry.CallOptions(engine.Name("quotes"), engine.Backoff(backoff.Constant(200*time.Millisecond))))
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()

	for _, path := range []string{"/quote", "/down"} {
		start := time.Now()
		resp, err := client.Get("http://" + l.Addr().String() + path)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "GET %s: %s %q (err <nil>) in %v\n", path, resp.Status, body, time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}

// noTime drops the time from log lines, to keep the output short.
func noTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
