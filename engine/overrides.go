package engine

// Overrides sets call options that every call of the engine ends with: they are applied after
// the call's own options (and after Defaults), so they win over both. Defaults are what a call
// starts from; Overrides are what it cannot change.
//
// It is meant for tests, and for a program that must bound what code it does not own asks for.
// A test takes the jitter out of production code that sets its own backoff per call with
//
//	engine.Overrides(engine.Backoff(backoff.Constant(time.Second)))
//
// and then every retry waits exactly one second (in a testing/synctest bubble, one second of
// fake time, which passes at once). Options are checked by New, as Defaults are; a ClassifyResult
// or BreakerClassifyResult given here must match the result type of every call.
func Overrides(opts ...CallOption) Option {
	return optionFunc(func(c *config) { c.overrides = append(c.overrides, opts...) })
}

// resolveCall resolves a call's options over the engine's policy and, when there are any, the
// engine's overrides after them. A call without options shares the engine's policy, which
// already ends with the overrides.
func (e *Engine) resolveCall(opts []CallOption) (*policy, error) {
	if len(e.overrides) > 0 && len(opts) > 0 {
		opts = append(opts[:len(opts):len(opts)], e.overrides...) // never into the caller's array
	}
	return resolve(&e.policy, opts)
}
