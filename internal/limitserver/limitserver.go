// Package limitserver is an HTTP server that rate-limits its clients as an API gateway does: a
// token bucket of Rate requests per second and a burst of Burst, answering what it cannot admit
// with 429 Too Many Requests and a Retry-After. The tests of httpretry, the throttle scenario of
// bench and the fanout demo run against it, on 127.0.0.1.
package limitserver

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter is the http.Handler: a token bucket in front of a handler that answers 200 "ok". It is
// safe for concurrent use; its zero value is not: make it with New.
type Limiter struct {
	mu     sync.Mutex
	rate   float64 // tokens per second; +Inf: no limit
	burst  float64
	tokens float64
	last   time.Time

	requests atomic.Int64 // every request
	admitted atomic.Int64 // answered 200
	refused  atomic.Int64 // answered 429
}

// New returns a Limiter that admits rate requests per second with a burst of burst, full.
func New(rate float64, burst int) *Limiter {
	return &Limiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// SetRate changes the limit from now on; math.Inf(1) lifts it.
func (l *Limiter) SetRate(rate float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill(time.Now())
	l.rate = rate
}

// refill adds the tokens earned since the last request; l.mu is held.
func (l *Limiter) refill(now time.Time) {
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
}

// Admit takes a token for a request, or returns how long until one is there: for servers that
// limit only some of their requests, or only for a while.
func (l *Limiter) Admit() (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if math.IsInf(l.rate, 1) {
		return true, 0
	}
	l.refill(time.Now())
	if l.tokens >= 1 {
		l.tokens--
		return true, 0
	}
	return false, time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
}

// ServeHTTP admits the request or answers 429 with a Retry-After in whole seconds, rounded up
// (at least 1), as gateways do: a client may not come back before it.
func (l *Limiter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	l.requests.Add(1)
	ok, wait := l.Admit()
	if !ok {
		l.refused.Add(1)
		secs := max(1, int64(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	}
	l.admitted.Add(1)
	_, _ = w.Write([]byte("ok"))
}

// Counts returns the requests the server got, admitted and refused so far.
func (l *Limiter) Counts() (requests, admitted, refused int64) {
	return l.requests.Load(), l.admitted.Load(), l.refused.Load()
}
