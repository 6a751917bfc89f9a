package engine_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

func TestNewRejectsBadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  engine.Option
		want string
	}{
		{"zero concurrency", engine.WithMaxConcurrency(0), "WithMaxConcurrency 0"},
		{"negative queue", engine.WithQueueSize(-1), "WithQueueSize -1"},
		{"zero attempts", engine.Defaults(engine.MaxAttempts(0)), "MaxAttempts 0"},
		{"negative max delay", engine.Defaults(engine.MaxDelay(-time.Second)), "MaxDelay -1s"},
		{"negative attempt timeout", engine.Defaults(engine.AttemptTimeout(-1)), "AttemptTimeout -1ns"},
		{"nil strategy", engine.Defaults(engine.Backoff(nil)), "strategy is nil"},
		{"invalid strategy", engine.Defaults(engine.Backoff(backoff.Exponential(time.Second, 0.5))), "0.5"},
		{"NaN jitter", engine.Defaults(engine.Backoff(backoff.ProportionalJitter(backoff.Constant(time.Second), math.NaN()))), "NaN"},
		{"nil classifier", engine.Defaults(engine.Classify(nil)), "classifier is nil"},
		{"bad breaker", engine.WithBreaker(breaker.HalfOpenProbes(0)), "HalfOpenProbes"},
		{"nil budget", engine.WithBudget(nil), "budget is nil"},
		{"nil logger", engine.WithLogger(nil), "WithLogger: logger is nil"},
		{"nil logger with levels", engine.WithLoggerAt(nil, engine.DefaultLogLevels()), "WithLoggerAt: logger is nil"},
		{"unknown breaker mode", engine.Defaults(engine.OnBreakerOpen(9)), "mode 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := engine.New(tc.opt)
			assert.Nil(t, e)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestNewBudgetRejectsBadParameters(t *testing.T) {
	for _, tc := range []struct {
		ratio, perSec float64
		capacity      int
		want          string
	}{
		{-0.1, 1, 10, "ratio -0.1"},
		{1.5, 1, 10, "ratio 1.5"},
		{math.NaN(), 1, 10, "ratio NaN"},
		{0.1, -1, 10, "minPerSecond -1"},
		{0.1, math.Inf(1), 10, "minPerSecond +Inf"},
		{0.1, 1, 0, "capacity 0"},
	} {
		_, err := engine.NewBudget(tc.ratio, tc.perSec, tc.capacity)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestSubmitRejectsBadCallOptions(t *testing.T) {
	e, err := engine.New()
	require.NoError(t, err)
	defer e.Close(context.Background())
	_, err = engine.Submit(t.Context(), e, func(context.Context) (int, error) { return 0, nil }, engine.MaxAttempts(-2))
	assert.ErrorContains(t, err, "MaxAttempts -2")
	_, err = engine.Submit[int](t.Context(), e, nil)
	assert.ErrorContains(t, err, "op is nil")
}
