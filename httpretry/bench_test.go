package httpretry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// inMemory answers every request with a fixed 200 response, so that a benchmark measures the
// Transport and the engine, not the network.
type inMemory struct{}

func (inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader("ok")), ContentLength: 2, Request: req}, nil
}

// BenchmarkRoundTrip compares one successful request sent straight to a base transport with the
// same request through a Transport: the cost of the engine's call, the request copy and the
// body wrapper.
func BenchmarkRoundTrip(b *testing.B) {
	e, err := engine.New()
	require.NoError(b, err)
	defer e.Close(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	loopback := http.DefaultTransport.(*http.Transport).Clone()
	defer loopback.CloseIdleConnections()

	for _, base := range []struct {
		name string
		rt   http.RoundTripper
	}{{"memory", inMemory{}}, {"loopback", loopback}} {
		retrying, err := httpretry.New(e, httpretry.Base(base.rt))
		require.NoError(b, err)
		for _, tr := range []struct {
			name string
			rt   http.RoundTripper
		}{{"plain", base.rt}, {"httpretry", retrying}} {
			b.Run("base="+base.name+"/transport="+tr.name, func(b *testing.B) {
				req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
				require.NoError(b, err)
				b.ReportAllocs()
				for b.Loop() {
					resp, err := tr.rt.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
	}
}

func BenchmarkParseRetryAfter(b *testing.B) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	for _, v := range []struct{ name, value string }{
		{"seconds", "120"}, {"date", "Sat, 14 Mar 2026 15:10:26 GMT"}, {"garbage", "soon"},
	} {
		b.Run("form="+v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				httpretry.ParseRetryAfter(v.value, now)
			}
		})
	}
}
