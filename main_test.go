package recur

import (
	"testing"

	"go.uber.org/goleak"
)

// The shared engine shuts down IdleTimeout after the last test's calls: goleak, which looks
// again for about 400ms, must not see it. That is the promise made to users who check their own
// tests with goleak.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
