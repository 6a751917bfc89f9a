package httpretry_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/httpretry"
)

// FuzzParseRetryAfter checks that no header value, at any time, makes ParseRetryAfter panic,
// return a negative delay, or disagree with the two forms it accepts. The corpus is in
// testdata/fuzz/FuzzParseRetryAfter.
func FuzzParseRetryAfter(f *testing.F) {
	for _, v := range []string{"0", "120", "-1", "1.5", "9223372037", "Sat, 14 Mar 2026 15:10:26 GMT"} {
		f.Add(v, now.Unix())
	}
	f.Fuzz(func(t *testing.T, value string, unix int64) {
		at := time.Unix(unix, 0)
		d, ok := httpretry.ParseRetryAfter(value, at)
		if !ok {
			require.Zero(t, d)
			return
		}
		require.GreaterOrEqual(t, d, time.Duration(0))
		v := strings.TrimSpace(value)
		if secs, err := strconv.ParseUint(v, 10, 64); err == nil && !strings.ContainsAny(v[:1], "+-") {
			require.Equal(t, time.Duration(secs)*time.Second, d, "delta-seconds")
			require.Equal(t, secs, uint64(d/time.Second), "no overflow")
			return
		}
		date, err := http.ParseTime(v)
		require.NoError(t, err, "neither delta-seconds nor an HTTP-date, yet accepted")
		require.Positive(t, d)
		require.Equal(t, date.Sub(at), d)
	})
}
