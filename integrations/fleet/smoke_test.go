package fleet_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/integrations/fleet"
)

func TestBudgetLeasesFromTheFleet(t *testing.T) {
	s := startRedis(t)
	a := newFleet(t, s, fleet.Options{Namespace: "smoke", Ratio: 0.1, Capacity: 5})
	b := newFleet(t, s, fleet.Options{Namespace: "smoke", Ratio: 0.1, Capacity: 5})
	n := 0
	for range 20 {
		if a.Budget().Withdraw() {
			n++
		}
		if b.Budget().Withdraw() {
			n++
		}
	}
	assert.Equal(t, 5, n, "one capacity for the fleet")
	for range 100 {
		a.Budget().Deposit()
	}
	require.Eventually(t, func() bool { return b.Budget().Withdraw() }, 5e9, 1e7, "a's calls pay for b's retries")
	t.Log(a.Stats(), b.Stats())
	assert.Zero(t, a.Stats().Fallbacks+b.Stats().Fallbacks, "Redis answered all along: the test measured fleet mode")
}
