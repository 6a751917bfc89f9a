package fleet

import (
	"strconv"
	"sync/atomic"
)

type atomicUint64 = atomic.Uint64

// atomicString holds the last error's text for Stats.
type atomicString struct{ v atomic.Pointer[string] }

func (a *atomicString) Store(s string) { a.v.Store(&s) }

func (a *atomicString) Load() string {
	if p := a.v.Load(); p != nil {
		return *p
	}
	return ""
}

// parseInt reads an integer Redis returned as a string (HMGET) or a number (scripts); 0 if none.
func parseInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}
