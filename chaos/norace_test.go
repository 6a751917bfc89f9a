//go:build !race

package chaos

// defaultCalls is about 20 seconds' worth of TestChaos.
const defaultCalls = 1_500_000
