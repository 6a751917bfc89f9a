package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recur-go/recur/internal/limitserver"
)

// flakyServer is the demo's unreliable dependency, on 127.0.0.1 and a random port.
type flakyServer struct {
	cfg   config
	start time.Time
	url   string
	http  *http.Server
	done  chan error // Serve's result

	mu  sync.Mutex // guards rng
	rng *rand.Rand

	limit *limitserver.Limiter // the rate limit phase's

	requests, unavailable, throttled, limited, resets, outage, conns atomic.Int64
}

func startServer(cfg config) (*flakyServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &flakyServer{cfg: cfg, start: time.Now(), url: "http://" + l.Addr().String() + "/",
		done: make(chan error, 1), rng: rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)),
		limit: limitserver.New(cfg.limit, max(1, int(cfg.limit/20)))}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				s.conns.Add(1)
			}
		}}
	go func() { s.done <- s.http.Serve(l) }()
	return s, nil
}

// Close stops the server and waits for its goroutines.
func (s *flakyServer) Close(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// draw picks this request's fate and latency from the seeded generator.
func (s *flakyServer) draw() (roll float64, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	roll = s.rng.Float64()
	if s.cfg.latency > 0 {
		latency = time.Duration(min(s.rng.ExpFloat64(), 10) * float64(s.cfg.latency))
	}
	return roll, latency
}

func (s *flakyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	roll, latency := s.draw()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if since := time.Since(s.start); since >= s.cfg.outageAt && since < s.cfg.outageAt+s.cfg.outage {
		s.outage.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	if since := time.Since(s.start); s.cfg.limit > 0 && since >= s.cfg.limitAt && since < s.cfg.limitAt+s.cfg.limitFor {
		// The rate limit phase: a gateway in front admits limit requests a second (a burst of
		// 50ms of them) and answers the rest 429, as a shared API does under load.
		if ok, wait := s.limit.Admit(); !ok {
			s.limited.Add(1)
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
			http.Error(w, "rate limited", http.StatusTooManyRequests)
			return
		}
	}
	switch c := s.cfg; {
	case roll < c.reset:
		s.resets.Add(1)
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.(*net.TCPConn).SetLinger(0) // close with a RST: "connection reset by peer"
			conn.Close()
		}
	case roll < c.reset+c.fail:
		s.unavailable.Add(1)
		http.Error(w, "overloaded, try again", http.StatusServiceUnavailable)
	case roll < c.reset+c.fail+c.throttle:
		s.throttled.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(c.retryAfter))
		http.Error(w, "slow down", http.StatusTooManyRequests)
	default:
		fmt.Fprintf(w, "ok %s\n", r.URL.Query().Get("call"))
	}
}
