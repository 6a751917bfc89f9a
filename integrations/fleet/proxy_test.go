package fleet_test

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/integrations/fleet/internal/redisserver"
	"github.com/recur-go/recur/internal/toxiserver"
)

// startProxy runs a toxiproxy server (the one faults/ runs, installed into the repository's
// .tools directory if need be) and a proxy in front of s on a free loopback port, both stopped
// at the test's end. Processes that dial the proxy's Listen address reach s through it.
func startProxy(t *testing.T, s *redisserver.Server) *toxiproxy.Proxy {
	t.Helper()
	srv, err := toxiserver.Start(filepath.Join("..", "..", ".tools"))
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	port, err := toxiserver.FreePort()
	require.NoError(t, err)
	// A port of its own rather than :0, so that Enable after Disable listens on the same one.
	p, err := toxiproxy.NewClient(srv.Addr).CreateProxy("redis", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), s.Addr)
	require.NoError(t, err, "toxiproxy server log:\n%s", srv.Log())
	return p
}

// cut is one way of cutting the connections between the processes and Redis, and its end.
type cut struct {
	name    string
	start   func(*toxiproxy.Proxy) error
	restore func(*toxiproxy.Proxy) error
}

// cuts are the connection faults the fleet must take for Redis failing:
//   - refused: the proxy closes every connection and refuses new ones (Redis's host is gone);
//   - reset: every connection is reset (RST) as soon as a byte goes through it, either way;
//   - blackhole: connections open, but every byte is dropped, either way (a partition that
//     drops packets): only Options.Timeout ends what waits on them. Removing the toxic closes
//     the connections it held.
var cuts = []cut{
	{name: "refused", start: (*toxiproxy.Proxy).Disable, restore: (*toxiproxy.Proxy).Enable},
	{name: "reset", start: addBoth("reset_peer"), restore: removeBoth("reset_peer")},
	{name: "blackhole", start: addBoth("timeout"), restore: removeBoth("timeout")},
}

// addBoth adds a toxic of kind typ, with a timeout of 0 (at once, or forever), to both streams.
func addBoth(typ string) func(*toxiproxy.Proxy) error {
	return func(p *toxiproxy.Proxy) error {
		for _, stream := range []string{"upstream", "downstream"} {
			if _, err := p.AddToxic(typ+"-"+stream, typ, stream, 1, toxiproxy.Attributes{"timeout": 0}); err != nil {
				return err
			}
		}
		return nil
	}
}

// removeBoth removes what addBoth(typ) added.
func removeBoth(typ string) func(*toxiproxy.Proxy) error {
	return func(p *toxiproxy.Proxy) error {
		for _, stream := range []string{"upstream", "downstream"} {
			if err := p.RemoveToxic(typ + "-" + stream); err != nil {
				return err
			}
		}
		return nil
	}
}
