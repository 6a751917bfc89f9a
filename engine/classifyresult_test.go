package engine_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
)

// A ClassifyResult (or BreakerClassifyResult) for another result type than the call's cannot be
// caught by the compiler (see ClassifyResult's doc): it is refused before the call is admitted,
// whatever the entry point and wherever the option comes from, and the operation never runs.
func TestResultClassifierOfAnotherTypeIsRefusedBeforeAnythingRuns(t *testing.T) {
	forString := engine.ClassifyResult(func(string, error) engine.Decision { return engine.Accept() })
	healthForString := engine.BreakerClassifyResult(func(string, error) breaker.Outcome { return breaker.Success })
	const want = "engine: ClassifyResult for func(string, error) engine.Decision given to a call returning int"
	for _, tc := range []struct {
		name string
		eng  []engine.Option
		call []engine.CallOption
		want string
	}{
		{"call option", nil, []engine.CallOption{forString}, want},
		{"Defaults", []engine.Option{engine.Defaults(forString)}, nil, want},
		{"Overrides", []engine.Option{engine.Overrides(forString)}, []engine.CallOption{engine.Name("x")}, want},
		{"breaker classifier", []engine.Option{engine.WithBreaker()}, []engine.CallOption{healthForString},
			"engine: BreakerClassifyResult for func(string, error) breaker.Outcome given to a call returning int"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEngine(t, tc.eng...)
				ran := false
				op := func(context.Context) (int, error) { ran = true; return 1, nil }
				ctx := context.Background()
				f, err := engine.Submit(ctx, e, op, tc.call...)
				assert.EqualError(t, err, tc.want, "Submit")
				assert.Nil(t, f)
				_, err = engine.TrySubmit(ctx, e, op, tc.call...)
				assert.EqualError(t, err, tc.want, "TrySubmit")
				_, err = engine.Do(ctx, e, op, tc.call...)
				assert.EqualError(t, err, tc.want, "Do")
				_, err = engine.Wrap(e, op, tc.call...)(ctx)
				assert.EqualError(t, err, tc.want, "Wrap")
				assert.False(t, ran)
				assert.Zero(t, e.Stats().Submitted)

				// The same options serve a call of the right type.
				_, err = engine.Do(ctx, e, func(context.Context) (string, error) { return "ok", nil }, tc.call...)
				require.NoError(t, err)
			})
		})
	}
}
