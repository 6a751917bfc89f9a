package httpretry

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// health is every request's breaker classifier: what an attempt says of the server's health,
// apart from whether the request is retried.
//   - A network error (refused, reset, timed out, a failed handshake) and any 5xx status, retried
//     or not: Failure. A 500 that is not retried is still a server in trouble.
//   - 429 Too Many Requests: Ignored. The server is up and answering; it asks for less traffic,
//     which pacing and Retry-After give it. Counting it as a failure would open the breaker and
//     turn throttling into an outage; counting it as a success would hide a saturated server
//     from a breaker that judges by failure ratio.
//   - Every other status, 4xx included: Success. A 400 or a 404 is the server working.
//   - What the Transport itself ends (a body that cannot be replayed, a round trip already
//     finished): Ignored.
var health = engine.BreakerClassifyResult(func(resp *http.Response, err error) breaker.Outcome {
	var se *StatusError
	if errors.As(err, &se) {
		resp, err = se.Response, nil
	}
	if err != nil {
		if errors.Is(err, errNotReplayable) || errors.Is(err, errFinished) {
			return breaker.Ignored
		}
		return breaker.Failure
	}
	switch {
	case resp == nil:
		return breaker.Ignored
	case resp.StatusCode == http.StatusTooManyRequests:
		return breaker.Ignored
	case resp.StatusCode >= 500:
		return breaker.Failure
	}
	return breaker.Success
})

// HostKey is the default key of a request (see Key): its scheme, host and port, with the
// scheme's default port made explicit, so that http://a.example and http://a.example:80 are one
// dependency and https://a.example another.
func HostKey(req *http.Request) string {
	u := req.URL
	host, port := u.Hostname(), u.Port()
	scheme := strings.ToLower(u.Scheme)
	if port == "" {
		switch scheme {
		case "https", "wss":
			port = "443"
		default:
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(host), port)
}
