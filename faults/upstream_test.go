package faults

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// upstream is the real HTTP server behind the proxy, on 127.0.0.1. It can go down (its
// listener and every connection closed) and come back on the same address, and it counts
// its open connections so that a scenario can check that none is left behind.
type upstream struct {
	addr string
	open atomic.Int64 // connections open now

	mu  sync.Mutex // guards srv
	srv *http.Server
}

// startUpstream starts the server on a free port of 127.0.0.1.
func startUpstream() (*upstream, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	u := &upstream{addr: l.Addr().String()}
	u.serve(l)
	return u, nil
}

func (u *upstream) serve(l net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(item), ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				u.open.Add(1)
			case http.StateClosed, http.StateHijacked:
				u.open.Add(-1)
			}
		}}
	u.mu.Lock()
	u.srv = srv
	u.mu.Unlock()
	go func() { _ = srv.Serve(l) }() // returns ErrServerClosed when down or stopped
}

// down closes the listener and every connection: the proxy's dials are refused.
func (u *upstream) down() {
	u.mu.Lock()
	defer u.mu.Unlock()
	_ = u.srv.Close()
}

// up listens on the same address again.
func (u *upstream) up() error {
	l, err := net.Listen("tcp", u.addr)
	if err != nil {
		return err
	}
	u.serve(l)
	return nil
}

// item answers GET /item?kb=N with N KiB (default 1), written in 1 KiB pieces.
func item(w http.ResponseWriter, r *http.Request) {
	kb, err := strconv.Atoi(r.URL.Query().Get("kb"))
	if err != nil || kb < 1 {
		kb = 1
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(kb<<10))
	piece := make([]byte, 1<<10)
	for i := range piece {
		piece[i] = byte('a' + i%26)
	}
	for range kb {
		if _, err := w.Write(piece); err != nil {
			return
		}
	}
}
