package fleet_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/integrations/fleet"
	"github.com/recur-go/recur/integrations/fleet/internal/redisserver"
)

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{}) // the fault tests make go-redis log every failed dial
	goleak.VerifyTestMain(m)
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// startRedis runs a redis-server for the test, stopped at its end. Without one installed the
// test is skipped, except under CI, where .ci/run installs it and a skip would hide a failure.
func startRedis(t testing.TB) *redisserver.Server {
	t.Helper()
	if _, err := redisserver.Find(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%v: install it (apt-get install redis-server) to run this test", err)
		}
		t.Fatalf("%v, and CI is set: .ci/run installs it", err)
	}
	s, err := redisserver.Start(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return s
}

// newClient connects to addr (a Redis server, or a proxy in front of one) with timeouts the
// fleet can rely on.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: addr, ContextTimeoutEnabled: true, DialTimeout: time.Second,
		MaxRetries: -1, // a fleet operation is tried once, within its timeout
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newFleet joins ns on s as one more process, left at the test's end.
func newFleet(t testing.TB, s *redisserver.Server, opt fleet.Options) *fleet.Fleet {
	t.Helper()
	return newFleetAt(t, s.Addr, opt)
}

// testTimeout is the Redis timeout of the tests that leave Options.Timeout zero: those in which
// Redis does not fail. With the default 50ms, a stall of the test process on a busy machine
// (tens to hundreds of ms) times a Redis operation out and puts the process in local mode: the
// test would measure local mode. A second is far longer than such a stall, and than loopback
// takes. The fault tests set Timeout.
const testTimeout = time.Second

// newFleetAt joins ns as one more process whose Redis is at addr, left at the test's end.
func newFleetAt(t testing.TB, addr string, opt fleet.Options) *fleet.Fleet {
	t.Helper()
	if opt.Timeout == 0 {
		opt.Timeout = testTimeout
	}
	f, err := fleet.New(newClient(t, addr), opt)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}
