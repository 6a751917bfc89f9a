package httpretry_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// A hedged request that may be retried gets a second request beside a first that hangs, and the
// first is canceled; one that may not be retried is sent once, however slow.
func TestOnlyRetryableRequestsAreHedged(t *testing.T) {
	for _, tc := range []struct {
		method   string
		body     string // the answer the caller gets
		requests int64
		hedges   uint64
	}{
		{http.MethodGet, "ok 2", 2, 1},
		{http.MethodPost, "ok 1", 1, 0},
	} {
		t.Run(tc.method, func(t *testing.T) {
			canceled := make(chan int, 2)
			s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				io.Copy(io.Discard, r.Body) // then the server watches the connection for the client going
				if n == 1 {
					select {
					case <-r.Context().Done(): // the hedge won
						canceled <- n
						return
					case <-time.After(time.Second): // far beyond the hedge's delay
					}
				}
				fmt.Fprintf(w, "ok %d", n)
			})
			e := newEngine(t)
			c := newClient(t, e, httpretry.CallOptions(engine.Hedge(20*time.Millisecond, 1)))
			req, err := http.NewRequestWithContext(t.Context(), tc.method, s.URL, strings.NewReader("payload"))
			require.NoError(t, err)
			resp, err := c.Do(req)
			require.NoError(t, err)
			assert.Equal(t, tc.body, readBody(t, resp))
			assert.Equal(t, tc.requests, s.requests.Load())
			assert.Equal(t, tc.hedges, e.Stats().Hedges)
			if tc.hedges > 0 {
				select {
				case n := <-canceled:
					assert.Equal(t, 1, n, "the losing request was canceled")
				case <-time.After(10 * time.Second):
					t.Fatal("the losing request was never canceled")
				}
			}
		})
	}
}
