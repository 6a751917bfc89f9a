package httpretry_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
)

// hijack takes over the connection of a request to misbehave on it.
func hijack(t *testing.T, w http.ResponseWriter) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	require.NoError(t, err)
	return conn
}

// reset closes conn with a TCP RST instead of a FIN.
func reset(conn net.Conn) {
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestTransientNetworkErrorsAreRetried(t *testing.T) {
	for _, tc := range []struct {
		name    string
		misdeed func(t *testing.T, w http.ResponseWriter)
		want    error
	}{
		{"error=reset", func(t *testing.T, w http.ResponseWriter) { reset(hijack(t, w)) }, syscall.ECONNRESET},
		{"error=closed", func(t *testing.T, w http.ResponseWriter) { hijack(t, w).Close() }, io.EOF},
		{"error=unexpected-eof", func(t *testing.T, w http.ResponseWriter) {
			conn := hijack(t, w)
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n")
			conn.Close()
		}, io.ErrUnexpectedEOF},
		{"error=short-body", func(t *testing.T, w http.ResponseWriter) { // cut off while drained
			conn := hijack(t, w)
			io.WriteString(conn, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 10\r\n\r\nbusy")
			conn.Close()
		}, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n < 3 {
					tc.misdeed(t, w)
					return
				}
				fmt.Fprint(w, "ok")
			})
			var seen []error
			e := newEngine(t, engine.WithHooks(engine.Hooks{OnAttemptEnd: func(a engine.AttemptEnd) {
				seen = append(seen, a.Err) // attempts of one call never overlap here
			}}))
			resp, err := get(t, newClient(t, e), s.URL)
			require.NoError(t, err)
			assert.Equal(t, "ok", readBody(t, resp))
			assert.EqualValues(t, 3, s.requests.Load())
			require.Len(t, seen, 3)
			for _, err := range seen[:2] {
				assert.ErrorIs(t, err, tc.want)
			}
		})
	}
}

func TestNetworkErrorsTellHowManyAttemptsRan(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now: connections are refused

	resp, err := get(t, newClient(t, newEngine(t)), url)
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.ErrorIs(t, err, engine.ErrExhausted)
	var re *engine.RetryError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Contains(t, err.Error(), "gave up after 3 attempts")
}

func TestPermanentNetworkErrorsAreNotRetried(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		conn := hijack(t, w)
		bw := bufio.NewWriter(conn)
		bw.WriteString("this is not HTTP\r\n\r\n")
		bw.Flush()
		conn.Close()
	})
	_, err := get(t, newClient(t, newEngine(t)), s.URL)
	require.Error(t, err)
	assert.ErrorIs(t, err, engine.ErrPermanent)
	assert.Contains(t, err.Error(), "malformed HTTP")
	assert.EqualValues(t, 1, s.requests.Load())

	_, err = get(t, newClient(t, newEngine(t)), "gopher://127.0.0.1/")
	require.Error(t, err)
	assert.ErrorIs(t, err, engine.ErrPermanent)
	var re *engine.RetryError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
}
