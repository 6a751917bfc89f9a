package httpretry_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// flakyServer answers its first `failures` requests with status, then "hello".
func flakyServer(failures int64, status int, retryAfter string) *httptest.Server {
	var n atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if i := n.Add(1); i <= failures {
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(status)
			fmt.Fprintf(w, "busy (request %d)", i)
			return
		}
		fmt.Fprint(w, "hello")
	}))
}

func Example() {
	srv := flakyServer(2, http.StatusServiceUnavailable, "")
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

	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body), e.Stats().Attempts)
	// Output: 200 OK hello 3
}

// When the retries run out, the caller gets the server's last answer, not a synthetic error.
func Example_lastResponse() {
	srv := flakyServer(100, http.StatusTooManyRequests, "0") // Retry-After: 0, retry at once
	defer srv.Close()

	e, _ := engine.New()
	defer e.Close(context.Background())
	client, _ := httpretry.NewClient(e, httpretry.CallOptions(engine.MaxAttempts(4)))
	defer client.CloseIdleConnections()

	resp, err := client.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 429 busy (request 4)
}

func ExampleParseRetryAfter() {
	now := time.Date(2026, 3, 14, 15, 9, 0, 0, time.UTC)
	for _, v := range []string{"120", "Sat, 14 Mar 2026 15:10:30 GMT", "-1", "soon"} {
		d, ok := httpretry.ParseRetryAfter(v, now)
		fmt.Printf("%q: %v %v\n", v, d, ok)
	}
	// Output:
	// "120": 2m0s true
	// "Sat, 14 Mar 2026 15:10:30 GMT": 1m30s true
	// "-1": 0s false
	// "soon": 0s false
}
