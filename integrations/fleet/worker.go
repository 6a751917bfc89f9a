package fleet

type taskKind uint8

const (
	sendOpen  taskKind = iota // tell the fleet that the key's breaker opened here
	sendClose                 // tell the fleet that it closed here
	adopt                     // apply the fleet's known state to a breaker just made
)

type task struct {
	s    *shared
	kind taskKind
}

// send hands t to the worker without waiting. In local mode, or with the queue full, it is
// dropped: the next poll after Redis answers compares every key and sends what is missing.
func (f *Fleet) send(t task) {
	if f.local.Load() && t.kind != adopt {
		return
	}
	select {
	case f.tasks <- t:
	default:
	}
}

// work runs the tasks, so that the goroutines that change breakers never wait on Redis.
func (f *Fleet) work() {
	defer f.wg.Done()
	for {
		select {
		case <-f.stop:
			return
		case t := <-f.tasks:
			switch t.kind {
			case sendOpen:
				f.breakers.sendOpen(t.s)
			case sendClose:
				f.breakers.sendClose(t.s)
			case adopt:
				f.breakers.apply(t.s, t.s.open.Load())
			}
		}
	}
}
