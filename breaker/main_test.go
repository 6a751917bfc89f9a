package breaker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain checks the promise that the package starts no goroutines.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newBreaker(t testing.TB, opts ...Option) *Breaker {
	t.Helper()
	b, err := New(opts...)
	require.NoError(t, err)
	return b
}

type change struct{ From, To State }

// changes records state changes. It needs no lock: the breaker calls its
// callbacks one at a time, and the atomics that hand delivery from one
// goroutine to the next order the appends.
type changes struct{ list []change }

func (c *changes) option() Option {
	return OnStateChange(func(from, to State) { c.list = append(c.list, change{from, to}) })
}

// admit admits a call and fails the test if the breaker refuses it.
func admit(t testing.TB, b *Breaker) Ticket {
	t.Helper()
	tk, err := b.Admit()
	require.NoError(t, err)
	return tk
}

// fail admits and reports n failures.
func fail(t testing.TB, b *Breaker, n int) {
	t.Helper()
	for range n {
		b.Report(admit(t, b), Failure, time.Millisecond)
	}
}

// succeed admits and reports n successes.
func succeed(t testing.TB, b *Breaker, n int) {
	t.Helper()
	for range n {
		b.Report(admit(t, b), Success, time.Millisecond)
	}
}
