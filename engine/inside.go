package engine

import (
	"bytes"
	"reflect"
	"runtime"
)

// ownFrames are the functions found on the stack of every goroutine of an engine that can run
// user code: workers, callers running their own attempts (Do), the retry dispatcher, the watches
// of callers' contexts, attempt timeouts, and the goroutine that settles what Close leaves (a
// hook may run on any of them).
var ownFrames = frames((*Engine).work, (*Engine).runHere, (*Engine).dispatchRetries, (*Engine).fire, (*Engine).abandon, (*Engine).shutdown)

func frames(fns ...any) [][]byte {
	out := make([][]byte, len(fns))
	for i, f := range fns {
		out[i] = []byte(runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name() + "(")
	}
	return out
}

// onEngineGoroutine reports whether the caller runs on one of an engine's goroutines, where Close
// cannot wait for the engine's goroutines to exit: it would wait for itself. Go gives goroutines
// no identity to compare; their stacks tell, and Close is rare enough to read one. Any engine's
// goroutine counts: Close cannot tell one engine's workers from another's.
func onEngineGoroutine() bool {
	buf := make([]byte, 4<<10)
	for {
		n := runtime.Stack(buf, false)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, f := range ownFrames {
		if bytes.Contains(buf, f) {
			return true
		}
	}
	return false
}
