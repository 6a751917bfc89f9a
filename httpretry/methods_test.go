package httpretry_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

func TestOnlyIdempotentRequestsAreRetried(t *testing.T) {
	for _, tc := range []struct {
		method   string
		header   string // set to "k1" if not empty
		opts     []httpretry.Option
		attempts int64
	}{
		{method: http.MethodGet, attempts: 3},
		{method: http.MethodHead, attempts: 3},
		{method: http.MethodOptions, attempts: 3},
		{method: http.MethodTrace, attempts: 3},
		{method: http.MethodPut, attempts: 3},
		{method: http.MethodDelete, attempts: 3},
		{method: http.MethodPost, attempts: 1},
		{method: http.MethodPatch, attempts: 1},
		{method: "PROPFIND", attempts: 1},
		{method: http.MethodPost, header: "Idempotency-Key", attempts: 3},
		{method: http.MethodPatch, header: "X-Idempotency-Key", attempts: 3},
		{method: http.MethodPost, opts: []httpretry.Option{httpretry.RetryNonIdempotent()}, attempts: 3},
		{method: http.MethodPatch, opts: []httpretry.Option{httpretry.RetryNonIdempotent()}, attempts: 3},
	} {
		t.Run(fmt.Sprintf("method=%s/header=%s/options=%d", tc.method, tc.header, len(tc.opts)), func(t *testing.T) {
			s := newServer(t, failFirst(5, http.StatusServiceUnavailable))
			req, err := http.NewRequestWithContext(t.Context(), tc.method, s.URL, strings.NewReader("payload"))
			require.NoError(t, err)
			if tc.header != "" {
				req.Header.Set(tc.header, "k1")
			}
			resp, err := newClient(t, newEngine(t), tc.opts...).Do(req)
			require.NoError(t, err)
			readBody(t, resp)
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			assert.Equal(t, tc.attempts, s.requests.Load())
		})
	}
}

func TestRequestBodiesAreReplayed(t *testing.T) {
	var mu sync.Mutex
	var got []string
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		failFirst(2, http.StatusBadGateway)(w, r, n)
	})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL, strings.NewReader("order #7"))
	require.NoError(t, err)
	req.Header.Set("Idempotency-Key", "order-7")
	resp, err := newClient(t, newEngine(t)).Do(req)
	require.NoError(t, err)
	assert.Equal(t, "ok 3", readBody(t, resp))
	assert.Equal(t, []string{"order #7", "order #7", "order #7"}, got)
}

// closeCounter is a request body that GetBody cannot copy and that counts its closes.
type closeCounter struct {
	io.Reader
	closes int
}

func (c *closeCounter) Close() error { c.closes++; return nil }

func TestBodiesThatCannotBeReplayedAreNotRetried(t *testing.T) {
	s := newServer(t, failFirst(5, http.StatusServiceUnavailable))
	body := &closeCounter{Reader: strings.NewReader("stream")}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, s.URL, body)
	require.NoError(t, err)
	require.Nil(t, req.GetBody, "an arbitrary reader gets no GetBody")
	resp, err := newClient(t, newEngine(t)).Do(req)
	require.NoError(t, err)
	assert.Equal(t, "failure 1", readBody(t, resp))
	assert.EqualValues(t, 1, s.requests.Load())
	assert.Equal(t, 1, body.closes)
}

func TestAFailingGetBodyStopsTheCall(t *testing.T) {
	s := newServer(t, failFirst(5, http.StatusServiceUnavailable))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, s.URL, strings.NewReader("x"))
	require.NoError(t, err)
	errGone := errors.New("gone")
	req.GetBody = func() (io.ReadCloser, error) { return nil, errGone }
	_, err = newClient(t, newEngine(t)).Do(req)
	require.Error(t, err)
	assert.ErrorIs(t, err, errGone)
	assert.ErrorIs(t, err, engine.ErrPermanent)
	assert.EqualValues(t, 1, s.requests.Load())
}
