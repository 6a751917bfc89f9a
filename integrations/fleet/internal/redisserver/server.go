// Package redisserver runs a real redis-server for the fleet's tests and demo: on a free
// loopback port, in a directory of its own, with persistence off, and stopped (or paused,
// or restarted on the same port) on demand.
package redisserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrNotFound says that no redis-server binary is installed (Debian: apt-get install redis-server).
var ErrNotFound = errors.New("redisserver: redis-server not found in PATH, /usr/bin or /usr/sbin")

// Find returns the path of the redis-server binary.
func Find() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/redis-server", "/usr/sbin/redis-server", "/usr/local/bin/redis-server"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// Server is one redis-server process. Its methods are safe for concurrent use.
type Server struct {
	// Addr is the server's host:port on 127.0.0.1; it stays the same across Restart.
	Addr string
	bin  string
	dir  string

	mu  sync.Mutex
	cmd *exec.Cmd // nil while stopped
}

// Start runs a redis-server on a free loopback port with dir as its working directory, and
// returns once it answers.
func Start(dir string) (*Server, error) {
	bin, err := Find()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	_ = l.Close() // the port is free again for redis-server; nothing else on loopback takes it meanwhile in practice
	s := &Server{Addr: addr, bin: bin, dir: dir}
	return s, s.Restart()
}

// Restart starts the server again, on the same port, after Stop (its data is gone: there is
// no persistence). It is a no-op on a running server.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	_, port, _ := net.SplitHostPort(s.Addr)
	cmd := exec.Command(s.bin, "--port", port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--enable-debug-command", "local",
		"--logfile", filepath.Join(s.dir, "redis-"+port+".log"))
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redisserver: start %s: %w", s.bin, err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			ok := ping(c)
			_ = c.Close()
			if ok {
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.stopLocked()
			return fmt.Errorf("redisserver: %s did not answer on %s within 10s", s.bin, s.Addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ping(c net.Conn) bool {
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 7)
	n, _ := c.Read(buf)
	return string(buf[:n]) == "+PONG\r\n"
}

// Stop ends the server (SIGKILL after a resume, so that a paused one ends too) and waits for it.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT)
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Pause stops the process (SIGSTOP): connections stay open and nothing answers, as with a
// server stuck in a long command or a partition that drops packets.
func (s *Server) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume lets a paused server go on (SIGCONT).
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("redisserver: not running")
	}
	return s.cmd.Process.Signal(sig)
}

// Port returns the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}
