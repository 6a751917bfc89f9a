package httpretry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
	"github.com/recur-go/recur/internal/limitserver"
)

// TestPacingAgainstARateLimitedServer: real time, a real server on 127.0.0.1 that admits 100
// requests a second and answers the rest 429 with Retry-After: 1. 300 calls at once on engine
// defaults: nearly all get through, and after the first wave the retries come at the server's
// pace instead of in waves, so few are refused twice.
func TestPacingAgainstARateLimitedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 4s")
	}
	const calls = 300
	l := limitserver.New(100, 10)
	s := httptest.NewServer(l)
	t.Cleanup(s.Close)
	e, err := engine.New()
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close(context.Background())) })
	c := newClient(t, e, httpretry.CallOptions(engine.MaxAttempts(10)))
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range calls {
		wg.Go(func() {
			resp, err := get(t, c, s.URL)
			if assert.NoError(t, err) {
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				}
				readBody(t, resp)
			}
		})
	}
	wg.Wait()
	requests, _, _ := l.Counts()
	t.Logf("%d of %d calls succeeded with %d requests", ok.Load(), calls, requests)
	assert.GreaterOrEqual(t, ok.Load(), int64(calls*95/100))
	// The first wave (300 requests, ~270 refused) cannot know the limit; then pacing. Without
	// it, waves a second apart send about 4 times the minimum.
	assert.Less(t, requests, int64(calls*5/2))
	p, paced := e.Pacing(httpretry.HostKey(mustRequest(t, s.URL)))
	if paced {
		assert.Less(t, p.Rate, 200.0)
	}
	assert.Positive(t, e.Stats().Paced)
}

func mustRequest(t *testing.T, url string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return req
}
