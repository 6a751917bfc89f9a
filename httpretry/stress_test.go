package httpretry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// TestConcurrentCallsLeakNothing runs many calls at once against a server that answers late,
// fails, resets or succeeds at random, with attempt timeouts abandoning attempts and callers
// giving up at random moments. Every call must end with a readable response or an error, and
// every body must be closed: a leaked one would keep its connection's goroutines alive, which
// goleak reports when the package's tests end.
func TestConcurrentCallsLeakNothing(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch rand.IntN(5) {
		case 0:
			select { // outlives the attempt timeout, unless the client gives up first
			case <-time.After(40 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			reset(hijack(t, w))
			return
		}
		fmt.Fprintf(w, "ok %d", n)
	})
	e := newEngine(t, engine.WithMaxConcurrency(64))
	c := newClient(t, e, httpretry.AttemptTimeout(20*time.Millisecond), httpretry.CallOptions(engine.MaxAttempts(4)))

	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for i := range 200 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), time.Duration(50+rand.IntN(1000))*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
			resp, err := c.Do(req)
			outcome := "error"
			switch {
			case err == nil:
				_, rerr := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				outcome = fmt.Sprint(resp.StatusCode)
				if rerr != nil {
					outcome = "body cut off by the deadline"
					assert.ErrorIs(t, rerr, context.DeadlineExceeded, "call %d", i)
				}
			case !errors.As(err, new(*engine.RetryError)):
				assert.ErrorIs(t, err, context.DeadlineExceeded, "call %d", i)
				outcome = "not admitted before the deadline"
			default:
				var re *engine.RetryError
				if assert.ErrorAs(t, err, &re, "call %d", i) {
					outcome = re.Reason.String()
				}
			}
			mu.Lock()
			outcomes[outcome]++
			mu.Unlock()
		})
	}
	wg.Wait()
	t.Log(outcomes)
	require.NoError(t, e.Close(t.Context()))
	st := e.Stats()
	assert.Equal(t, st.Submitted, st.Succeeded+st.Failed())
}
