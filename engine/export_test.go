package engine

// WatchCount returns how many caller contexts the engine watches, for tests of their cleanup.
func WatchCount(e *Engine) int {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	return len(e.watches)
}
