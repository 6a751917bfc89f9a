package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Without the key, context.Cause of an operation's context would give its Err and lose the
// cause passed to Cancel or Close: a Go release that changes how Cause finds it fails here.
func TestTheKeyContextCauseAsksWithIsKnown(t *testing.T) {
	require.NotNil(t, causeKey)
}
