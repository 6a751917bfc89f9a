package httpretry

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxDeltaSeconds is the largest delta-seconds value a time.Duration can hold.
const maxDeltaSeconds = math.MaxInt64 / int64(time.Second)

// ParseRetryAfter reads the value of a Retry-After header (RFC 9110, section 10.2.3) as a delay
// from now. Both forms are understood: delta-seconds ("120") and an HTTP-date ("Wed, 21 Oct 2015
// 07:28:00 GMT", or the obsolete RFC 850 and asctime forms that http.ParseTime accepts).
//
// It reports false, so that the caller falls back to its backoff strategy, for anything it cannot
// trust: an empty or malformed value, a signed or fractional number, a date that is not after
// now, and a value too large for a time.Duration. A value that fits is returned as it is, however
// long; capping it is the caller's business (the engine caps it by the call's MaxDelay).
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return 0, false
	}
	if allDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > maxDeltaSeconds {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	// Sub saturates instead of overflowing: a saturated result is a date out of any sane range.
	if d <= 0 || d == math.MaxInt64 {
		return 0, false
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
