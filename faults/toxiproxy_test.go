package faults

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

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
)

// toxiproxyVersion is the server the tests drive; its client package is this module's
// dependency at the same version.
const toxiproxyVersion = "v2.5.0"

// toxiproxyServer is a toxiproxy server process on 127.0.0.1, started for the test binary.
type toxiproxyServer struct {
	cmd    *exec.Cmd
	addr   string // host:port of its API
	client *toxiproxy.Client
	log    *lockedBuffer
	exited chan struct{}
}

// serverBinary returns the path of the toxiproxy server: $TOXIPROXY_SERVER, or the one in the
// repository's .tools directory, installed there with `go install` (through the Go module
// proxy) if it is not there yet.
func serverBinary() (string, error) {
	if p := os.Getenv("TOXIPROXY_SERVER"); p != "" {
		return p, nil
	}
	dir, err := filepath.Abs(filepath.Join("..", ".tools", "toxiproxy-"+toxiproxyVersion))
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "server")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "go", "install", "github.com/Shopify/toxiproxy/v2/cmd/server@"+toxiproxyVersion)
	install.Env = append(os.Environ(), "GOBIN="+dir, "GOWORK=off", "GOFLAGS=")
	if out, err := install.CombinedOutput(); err != nil {
		return "", fmt.Errorf("installing the toxiproxy server: %v\n%s", err, out)
	}
	return bin, nil
}

// startToxiproxy starts the server on a free port of 127.0.0.1 and waits until its API
// answers.
func startToxiproxy() (*toxiproxyServer, error) {
	bin, err := serverBinary()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &toxiproxyServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: &lockedBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "-host", "127.0.0.1", "-port", strconv.Itoa(port), "-seed", "1")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	s.client = toxiproxy.NewClient(s.addr)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := s.client.Proxies(); err == nil {
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("the toxiproxy server exited at start:\n%s", s.log)
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the toxiproxy server did not answer within 10s:\n%s", s.log)
		}
	}
}

// stop ends the server: SIGTERM, then SIGKILL if it has not exited after 5s.
func (s *toxiproxyServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	// The client package talks to the API through http.DefaultTransport: drop its idle
	// connections, and their goroutines, with the server.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// freePort returns a port of 127.0.0.1 that nothing listens on right now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer collects a process's output.
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
