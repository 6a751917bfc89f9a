package httpretry_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// A POST is retried only when the server can tell a retry from a new request: with an
// Idempotency-Key header, which the retries carry unchanged, with the body replayed. Without one
// it is sent once.
func Example_post() {
	// A payments server (on 127.0.0.1) that is busy for the first request of each order and
	// remembers the orders it took by idempotency key, so that a retried one is not charged twice.
	var mu sync.Mutex
	requests, orders := 0, map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if requests++; requests == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "busy")
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if _, seen := orders[key]; !seen && key != "" {
			orders[key] = string(body)
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "order %q for %s", key, body)
	}))
	defer srv.Close()

	e, err := engine.New(engine.Defaults(engine.Backoff(backoff.Constant(10 * time.Millisecond))))
	if err != nil {
		panic(err)
	}
	defer e.Close(context.Background())
	client, err := httpretry.NewClient(e)
	if err != nil {
		panic(err)
	}
	defer client.CloseIdleConnections()

	post := func(key string) {
		mu.Lock()
		requests = 0
		mu.Unlock()
		// http.NewRequest sets GetBody for a strings.Reader: the body can be sent again.
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/payments",
			strings.NewReader("10 EUR"))
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf("%s: %s (requests: %d)\n", resp.Status, body, requests)
	}
	post("7f1c4e2a") // 503, then retried with the same key and body: 201
	post("")         // 503, not retried: the caller gets the server's answer
	fmt.Println(len(orders), "order taken")
	// Output:
	// 201 Created: order "7f1c4e2a" for 10 EUR (requests: 2)
	// 503 Service Unavailable: busy (requests: 1)
	// 1 order taken
}
