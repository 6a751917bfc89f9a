package httpretry_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newEngine starts an engine that the test closes. Unless opts say otherwise, retries wait a
// millisecond: tests against real servers run in real time.
func newEngine(t *testing.T, opts ...engine.Option) *engine.Engine {
	t.Helper()
	opts = append([]engine.Option{engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond)))}, opts...)
	e, err := engine.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close(context.Background())) })
	return e
}

// newClient returns a client retrying on e over a transport of its own, whose idle connections
// are closed when the test ends.
func newClient(t *testing.T, e *engine.Engine, opts ...httpretry.Option) *http.Client {
	t.Helper()
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	c, err := httpretry.NewClient(e, append([]httpretry.Option{httpretry.Base(base)}, opts...)...)
	require.NoError(t, err)
	return c
}

// server is an httptest server on 127.0.0.1 that counts requests and new connections.
type server struct {
	*httptest.Server
	requests atomic.Int64
	conns    atomic.Int64
}

// newServer starts a server whose handler gets the number of each request, from 1.
func newServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, int(s.requests.Add(1)))
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// failFirst answers the first n requests with status and a body naming the request, then 200.
func failFirst(n, status int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, i int) {
		if i <= n {
			w.WriteHeader(status)
			fmt.Fprintf(w, "failure %d", i)
			return
		}
		fmt.Fprintf(w, "ok %d", i)
	}
}

// readBody reads and closes resp's body.
func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return string(b)
}

// get sends a GET to url with the test's context.
func get(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	return c.Do(req)
}
