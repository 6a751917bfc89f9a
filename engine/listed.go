package engine

import (
	"sync"
	"sync/atomic"
)

// listed is the pool's register of what runs attempts: its workers, and the callers running
// their own first attempts (Do). Close reads it to cancel what runs when it stops waiting. Every
// Do on a caller's goroutine adds itself and leaves, so the register is split in shards, each
// under its own lock, or thousands of concurrent callers would queue on one.
type listed struct {
	shards [listShards]listShard
	next   atomic.Uint32 // the shard for the next record made
}

const listShards = 32

type listShard struct {
	mu   sync.Mutex
	head *worker
	_    [48]byte // a cache line each: the shards' locks do not share one
}

// assign gives a new record its shard, in turn.
func (l *listed) assign(w *worker) { w.shard = l.next.Add(1) % listShards }

// list adds w to the register.
func (p *pool) list(w *worker) {
	s := &p.listed.shards[w.shard]
	s.mu.Lock()
	w.next = s.head
	if s.head != nil {
		s.head.prev = w
	}
	s.head = w
	s.mu.Unlock()
}

// unlist takes w off the register.
func (p *pool) unlist(w *worker) {
	s := &p.listed.shards[w.shard]
	s.mu.Lock()
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		s.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
	s.mu.Unlock()
}

// running returns the calls whose attempts are running now, for Close.
func (p *pool) running() []*call {
	var calls []*call
	for i := range p.listed.shards {
		s := &p.listed.shards[i]
		s.mu.Lock()
		for w := s.head; w != nil; w = w.next {
			if c := w.current.Load(); c != nil {
				calls = append(calls, c)
			}
		}
		s.mu.Unlock()
	}
	return calls
}
