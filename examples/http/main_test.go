package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(&out))
	// Real time passes here: blank out the measured durations, which vary.
	got := regexp.MustCompile(`(elapsed=|\) in )[0-9.]+m?s`).ReplaceAllString(out.String(), "${1}T")
	got = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`).ReplaceAllString(got, "127.0.0.1:PORT")
	assert.Equal(t, `level=DEBUG msg=retrying op=quotes key=http://127.0.0.1:PORT attempt=2 delay=1s err="httpretry: status 429 Too Many Requests"
level=DEBUG msg=retrying op=quotes key=http://127.0.0.1:PORT attempt=3 delay=200ms err="httpretry: status 503 Service Unavailable"
GET /quote: 200 OK "Simplicity is prerequisite for reliability." (err <nil>) in T
level=DEBUG msg=retrying op=quotes key=http://127.0.0.1:PORT attempt=2 delay=1s err="httpretry: status 503 Service Unavailable"
level=DEBUG msg=retrying op=quotes key=http://127.0.0.1:PORT attempt=3 delay=1s err="httpretry: status 503 Service Unavailable"
level=WARN msg="giving up" op=quotes key=http://127.0.0.1:PORT attempts=3 reason=exhausted err="engine: quotes: gave up after 3 attempts (exhausted): last error: httpretry: status 503 Service Unavailable" elapsed=T
GET /down: 503 Service Unavailable "down for maintenance\n" (err <nil>) in T
`, got)
}
