// Package toxiserver runs Shopify's toxiproxy server on 127.0.0.1 for the tests that put real
// network faults between recur and what it calls (faults/, integrations/fleet). It only runs
// the process: each of those modules drives it with the toxiproxy client package, a dependency
// of theirs at Version, so that the root module does not depend on toxiproxy.
package toxiserver

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Version is the server the tests run; the client package they drive it with must be the same.
const Version = "v2.5.0"

// Server is a toxiproxy server process on 127.0.0.1.
type Server struct {
	// Addr is the host:port of its HTTP API, for toxiproxy's client.NewClient.
	Addr   string
	cmd    *exec.Cmd
	log    *lockedBuffer
	exited chan struct{}
}

// Binary returns the path of the toxiproxy server: $TOXIPROXY_SERVER, or the one in
// tools/toxiproxy-Version, installed there with `go install` (through the Go module proxy) if it
// is not there yet. tools is the repository's .tools directory, which git ignores.
func Binary(tools string) (string, error) {
	if p := os.Getenv("TOXIPROXY_SERVER"); p != "" {
		return p, nil
	}
	dir, err := filepath.Abs(filepath.Join(tools, "toxiproxy-"+Version))
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "server")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "go", "install", "github.com/Shopify/toxiproxy/v2/cmd/server@"+Version)
	// Outside any workspace or module, and without the caller's flags: the install is the same
	// wherever it is asked from.
	install.Env = append(os.Environ(), "GOBIN="+dir, "GOWORK=off", "GOFLAGS=")
	if out, err := install.CombinedOutput(); err != nil {
		return "", fmt.Errorf("toxiserver: installing the toxiproxy server: %v\n%s", err, out)
	}
	return bin, nil
}

// Start runs the server (see Binary for tools) on a free port of 127.0.0.1 and returns once its
// API answers.
func Start(tools string) (*Server, error) {
	bin, err := Binary(tools)
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: &lockedBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "-host", "127.0.0.1", "-port", strconv.Itoa(port), "-seed", "1")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	// A client of its own, whose connections go with it, asks whether the API is up.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Second}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := hc.Get("http://" + s.Addr + "/version"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("toxiserver: the toxiproxy server exited at start:\n%s", s.log)
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("toxiserver: the toxiproxy server did not answer within 10s:\n%s", s.log)
		}
	}
}

// Stop ends the server: SIGTERM, then SIGKILL if it has not exited after 5s. It also drops the
// idle connections of http.DefaultTransport, through which toxiproxy's client package talks to
// the API, so that their goroutines go with the server (goleak checks for them).
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// Log returns what the server printed so far.
func (s *Server) Log() string { return s.log.String() }

// FreePort returns a port of 127.0.0.1 that nothing listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer collects the server's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
