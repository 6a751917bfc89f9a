package backoff_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/backoff"
)

func TestValidateRejects(t *testing.T) {
	t.Parallel()
	exp := backoff.Exponential(time.Second, 2)
	tests := []struct {
		s    backoff.Strategy
		want string
	}{
		{nil, "backoff: strategy is nil"},
		{backoff.Func(nil), "backoff: Func function is nil"},
		{backoff.Constant(-time.Second), "backoff: Constant delay -1s is negative"},
		{backoff.Linear(-time.Second, time.Second), "backoff: Linear initial -1s is negative"},
		{backoff.Linear(time.Second, -time.Millisecond), "backoff: Linear step -1ms is negative"},
		{backoff.Exponential(-time.Second, 2), "backoff: Exponential initial -1s is negative"},
		{backoff.Exponential(0, 2), "backoff: Exponential initial 0s must be positive"},
		{backoff.Exponential(time.Second, 0.5), "backoff: Exponential factor 0.5 < 1"},
		{backoff.Exponential(time.Second, -2), "backoff: Exponential factor -2 < 1"},
		{backoff.Exponential(time.Second, math.NaN()), "backoff: Exponential factor NaN is not finite"},
		{backoff.Exponential(time.Second, math.Inf(1)), "backoff: Exponential factor +Inf is not finite"},
		{backoff.FullJitter(nil), "backoff: FullJitter strategy is nil"},
		{backoff.EqualJitter(nil), "backoff: EqualJitter strategy is nil"},
		{backoff.ProportionalJitter(nil, 0.5), "backoff: ProportionalJitter strategy is nil"},
		{backoff.ProportionalJitter(exp, 1.5), "backoff: ProportionalJitter fraction 1.5 outside [0, 1]"},
		{backoff.ProportionalJitter(exp, -0.1), "backoff: ProportionalJitter fraction -0.1 outside [0, 1]"},
		{backoff.ProportionalJitter(exp, math.NaN()), "backoff: ProportionalJitter fraction NaN outside [0, 1]"},
		{backoff.Decorrelated(-time.Second, time.Minute), "backoff: Decorrelated base -1s is negative"},
		{backoff.Decorrelated(0, time.Minute), "backoff: Decorrelated base 0s must be positive"},
		{backoff.Decorrelated(time.Second, 500*time.Millisecond), "backoff: Decorrelated max 500ms < base 1s"},
		{backoff.Capped(nil, time.Minute), "backoff: Capped strategy is nil"},
		{backoff.Capped(exp, -time.Minute), "backoff: Capped max -1m0s is negative"},
		{backoff.Capped(exp, 500*time.Millisecond), "backoff: Capped max 500ms < initial delay 1s"},
		{backoff.Capped(backoff.FullJitter(exp), 500*time.Millisecond), "backoff: Capped max 500ms < initial delay 1s"},
		{backoff.Capped(backoff.Decorrelated(time.Second, time.Minute), time.Millisecond), "backoff: Capped max 1ms < initial delay 1s"},
		{backoff.NewAdaptive(nil), "backoff: Adaptive strategy is nil"},
		{backoff.NewAdaptive(exp, backoff.WithAlpha(0)), "backoff: Adaptive alpha 0 outside (0, 1]"},
		{backoff.NewAdaptive(exp, backoff.WithMaxMultiplier(0.5)), "backoff: Adaptive max multiplier 0.5 must be finite and >= 1"},
		// Wrappers report what they wrap, outermost first.
		{backoff.Capped(backoff.FullJitter(backoff.Exponential(time.Second, 0.5)), time.Minute), "backoff: Exponential factor 0.5 < 1"},
		{backoff.FullJitter(backoff.Capped(backoff.Constant(-1), time.Minute)), "backoff: Constant delay -1ns is negative"},
		{backoff.NewAdaptive(backoff.EqualJitter(nil)), "backoff: EqualJitter strategy is nil"},
		{backoff.ProportionalJitter(backoff.Linear(-1, 0), 2), "backoff: ProportionalJitter fraction 2 outside [0, 1]"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			err := backoff.Validate(tc.s)
			require.EqualError(t, err, tc.want)
			var pe *backoff.ParamError
			require.True(t, errors.As(err, &pe))
			if tc.s == nil {
				return
			}
			// Invalid yet safe: never a panic, never a negative delay.
			for _, n := range edgeNs {
				for _, prev := range []time.Duration{math.MinInt64, -1, 0, time.Second, math.MaxInt64} {
					assert.GreaterOrEqual(t, tc.s.Delay(n, prev), time.Duration(0))
				}
			}
		})
	}
}

func TestParamErrorFields(t *testing.T) {
	t.Parallel()
	var pe *backoff.ParamError
	require.ErrorAs(t, backoff.Validate(backoff.Capped(backoff.Exponential(time.Second, 0.5), time.Minute)), &pe)
	assert.Equal(t, backoff.ParamError{Strategy: "Exponential", Param: "factor", Value: 0.5, Reason: "< 1"}, *pe)
}

type validatedByUser struct{ err error }

func (validatedByUser) Delay(int, time.Duration) time.Duration { return time.Second }
func (v validatedByUser) Validate() error                      { return v.err }

func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	exp := backoff.Exponential(time.Second, 2)
	for _, s := range []backoff.Strategy{
		backoff.Immediate(),
		backoff.Constant(0),
		backoff.Constant(time.Second),
		backoff.Linear(0, 0),
		backoff.Linear(time.Second, time.Second),
		backoff.Exponential(time.Nanosecond, 1),
		backoff.Exponential(math.MaxInt64, 10),
		backoff.FullJitter(exp),
		backoff.EqualJitter(exp),
		backoff.ProportionalJitter(exp, 0),
		backoff.ProportionalJitter(exp, 1),
		backoff.Decorrelated(time.Second, time.Second),
		backoff.Capped(exp, time.Second),
		backoff.Capped(backoff.Immediate(), 0),
		backoff.Capped(backoff.Func(func(int, time.Duration) time.Duration { return time.Hour }), 0),
		backoff.NewAdaptive(exp, backoff.WithAlpha(1), backoff.WithMaxMultiplier(1)),
		backoff.Func(func(int, time.Duration) time.Duration { return -time.Hour }),
		backoff.Default(),
		validatedByUser{},
	} {
		assert.NoError(t, backoff.Validate(s), "%v", s)
	}
	userErr := errors.New("user: bad")
	assert.ErrorIs(t, backoff.Validate(validatedByUser{userErr}), userErr, "a user's Validate is called")
	assert.ErrorIs(t, backoff.Validate(backoff.Capped(validatedByUser{userErr}, time.Second)), userErr, "also when wrapped")
}
