package engine

// CheckCallOptions reports the first invalid option among opts, with the error Submit would
// return for it, or nil. Integrations that take call options once and use them for every call
// (httpretry.CallOptions, say) call it when they are configured, so that a bad option is
// rejected there rather than failing every call later. Each option is checked on its own, over
// the package defaults; an engine's Defaults play no part.
func CheckCallOptions(opts ...CallOption) error {
	base := defaultPolicy()
	_, err := resolve(&base, opts)
	return err
}
