package outcomes_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/internal/outcomes"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOutcomesNameSuccessAndEveryReason(t *testing.T) {
	assert.Equal(t, "success", outcomes.Names[outcomes.Of(engine.Settled{Success: true})])
	assert.Equal(t, "breaker_open", outcomes.Names[outcomes.Of(engine.Settled{Reason: engine.ReasonBreakerOpen})])
	assert.Equal(t, "hint_too_long", outcomes.Names[outcomes.Of(engine.Settled{Reason: engine.ReasonHint})])
	assert.Equal(t, "rate_limited", outcomes.Names[outcomes.Of(engine.Settled{Reason: engine.ReasonRateLimited})])
	for _, n := range outcomes.Names {
		assert.NotContains(t, n, " ")
	}
}
