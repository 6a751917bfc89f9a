package httpretry_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

func TestRetryableStatusesAreRetried(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(fmt.Sprint("status=", status), func(t *testing.T) {
			s := newServer(t, failFirst(2, status))
			resp, err := get(t, newClient(t, newEngine(t)), s.URL)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "ok 3", readBody(t, resp))
			assert.EqualValues(t, 3, s.requests.Load())
		})
	}
}

func TestOtherStatusesAreReturnedAsTheyAre(t *testing.T) {
	for _, status := range []int{400, 401, 404, 409, 500, 501, 505} {
		t.Run(fmt.Sprint("status=", status), func(t *testing.T) {
			s := newServer(t, failFirst(2, status))
			resp, err := get(t, newClient(t, newEngine(t)), s.URL)
			require.NoError(t, err)
			assert.Equal(t, status, resp.StatusCode)
			assert.Equal(t, "failure 1", readBody(t, resp))
			assert.EqualValues(t, 1, s.requests.Load())
		})
	}
}

func TestRetryStatusesReplacesTheSet(t *testing.T) {
	e := newEngine(t)
	c := newClient(t, e, httpretry.RetryStatuses(500, 520))

	s := newServer(t, failFirst(1, 500))
	resp, err := get(t, c, s.URL)
	require.NoError(t, err)
	assert.Equal(t, "ok 2", readBody(t, resp), "500 is in the set")

	s = newServer(t, failFirst(1, 503))
	resp, err = get(t, c, s.URL)
	require.NoError(t, err)
	assert.Equal(t, "failure 1", readBody(t, resp), "503 is no longer in it")

	none := newClient(t, e, httpretry.RetryStatuses())
	s = newServer(t, failFirst(1, 503))
	resp, err = get(t, none, s.URL)
	require.NoError(t, err)
	assert.Equal(t, "failure 1", readBody(t, resp), "an empty set retries no status")
}

func TestGivingUpReturnsTheLastResponseIntact(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 8<<10) // 128 KiB: more than is drained
	for _, tc := range []struct {
		name string
		body func(n int) []byte
	}{
		{"body=small", func(n int) []byte { return fmt.Appendf(nil, "busy %d", n) }},
		{"body=large", func(n int) []byte { return append(fmt.Appendf(nil, "busy %d ", n), big...) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				w.Header().Set("X-Attempt", fmt.Sprint(n))
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write(tc.body(n))
			})
			c := newClient(t, newEngine(t), httpretry.CallOptions(engine.MaxAttempts(4)))
			resp, err := get(t, c, s.URL)
			require.NoError(t, err, "a status is an answer, not a transport failure")
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			assert.Equal(t, "4", resp.Header.Get("X-Attempt"))
			assert.Equal(t, string(tc.body(4)), readBody(t, resp))
			assert.EqualValues(t, 4, s.requests.Load())
		})
	}
}

func TestRetriedResponsesAreDrainedSoConnectionsAreReused(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n%3 != 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write(bytes.Repeat([]byte("x"), 8<<10)) // unread, it would keep its connection busy
			return
		}
		fmt.Fprint(w, "ok")
	})
	c := newClient(t, newEngine(t))
	for range 5 {
		resp, err := get(t, c, s.URL)
		require.NoError(t, err)
		assert.Equal(t, "ok", readBody(t, resp))
	}
	assert.EqualValues(t, 15, s.requests.Load())
	assert.EqualValues(t, 1, s.conns.Load(), "every attempt on the one connection")
}

func TestOverLargeRetriedBodiesAreNotDrained(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for i := 0; i < 1024 && r.Context().Err() == nil; i++ { // up to 16 MiB
				if _, err := w.Write(bytes.Repeat([]byte("y"), 16<<10)); err != nil {
					return
				}
			}
			return
		}
		fmt.Fprint(w, "ok")
	})
	resp, err := get(t, newClient(t, newEngine(t)), s.URL)
	require.NoError(t, err)
	assert.Equal(t, "ok", readBody(t, resp))
	assert.EqualValues(t, 2, s.conns.Load(), "the first connection was given up, not drained")
}
