package limitserver_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/internal/limitserver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func serve(l *limitserver.Limiter) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	l.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	return w
}

func TestBurstThenRateThen429WithRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := limitserver.New(10, 3)
		for range 3 {
			require.Equal(t, http.StatusOK, serve(l).Code)
		}
		w := serve(l)
		require.Equal(t, http.StatusTooManyRequests, w.Code)
		assert.Equal(t, "1", w.Header().Get("Retry-After"))
		time.Sleep(100 * time.Millisecond) // one token at 10/s
		assert.Equal(t, http.StatusOK, serve(l).Code)
		assert.Equal(t, http.StatusTooManyRequests, serve(l).Code)
		l.SetRate(math.Inf(1))
		assert.Equal(t, http.StatusOK, serve(l).Code)
		req, ok, refused := l.Counts()
		assert.Equal(t, [3]int64{7, 5, 2}, [3]int64{req, ok, refused})
	})
}

func TestRetryAfterRoundsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := limitserver.New(0.4, 1) // a token every 2.5s
		require.Equal(t, http.StatusOK, serve(l).Code)
		assert.Equal(t, "3", serve(l).Header().Get("Retry-After"))
	})
}
