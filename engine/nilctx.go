package engine

import (
	"context"
	"errors"
)

var errNilContext = errors.New("engine: nil Context")

// checkCtx rejects a nil ctx with an error that says so, as the standard library's context
// does for a nil parent, where using it would panic with a nil dereference, possibly later and
// elsewhere (Await on a pending Future fails only inside the wait). Every public function that
// takes a caller's context calls it first, so that a nil one fails whatever the state.
func checkCtx(ctx context.Context) error {
	if ctx == nil {
		return errNilContext
	}
	return nil
}
