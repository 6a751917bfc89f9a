//go:build race

package chaos

// defaultCalls is about 20 seconds' worth of TestChaos with the race detector on.
const defaultCalls = 130_000
