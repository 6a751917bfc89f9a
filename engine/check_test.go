package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
)

func TestCheckCallOptionsReportsWhatSubmitWould(t *testing.T) {
	assert.NoError(t, engine.CheckCallOptions())
	assert.NoError(t, engine.CheckCallOptions(engine.MaxAttempts(1), engine.UnlimitedAttempts(),
		engine.Backoff(backoff.Constant(time.Second)), engine.MaxDelay(time.Minute), engine.Name("x")))
	for _, tc := range []struct {
		name string
		opts []engine.CallOption
		want string
	}{
		{"zero attempts", []engine.CallOption{engine.MaxAttempts(0)}, "engine: MaxAttempts 0: must be at least 1"},
		{"nil option", []engine.CallOption{engine.Name("x"), nil}, "engine: nil CallOption"},
		{"nil strategy", []engine.CallOption{engine.Backoff(nil)}, "engine: Backoff: strategy is nil"},
		{"the first of two", []engine.CallOption{engine.MaxDelay(-time.Second), engine.MaxAttempts(0)}, "engine: MaxDelay -1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorContains(t, engine.CheckCallOptions(tc.opts...), tc.want)
		})
	}
}
