package bench

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/recur-go/recur/scheduler"
)

// A Deliverer hands items back once they are due, on the channel Out returns: recur's
// scheduler, or one runtime timer per item.
type Deliverer interface {
	Schedule(at time.Time, item int) error
	Out() <-chan int
	// Close stops the deliverer and drops what it has not delivered.
	Close()
}

// DelivererContender is a way to deliver items when due.
type DelivererContender struct {
	Name string
	New  func(buffer int) (Deliverer, error)
}

// DelivererContenders returns recur's scheduler and, as its peer, one time.AfterFunc per item.
func DelivererContenders() []DelivererContender {
	return []DelivererContender{
		{Recur, func(buffer int) (Deliverer, error) {
			s, err := scheduler.New[int](buffer)
			return recurDeliverer{s}, err
		}},
		{AfterFunc, func(buffer int) (Deliverer, error) {
			return &afterFuncDeliverer{out: make(chan int, buffer)}, nil
		}},
	}
}

type recurDeliverer struct{ s *scheduler.Scheduler[int] }

func (r recurDeliverer) Schedule(at time.Time, item int) error {
	_, err := r.s.Schedule(at, item)
	return err
}

func (r recurDeliverer) Out() <-chan int { return r.s.C() }
func (r recurDeliverer) Close()          { r.s.Close() }

// afterFuncDeliverer starts one runtime timer per item, whose function sends the item. It
// keeps the timers of items due a second or more ahead, so that Close can stop them; those
// due sooner fire during the measurement and need no keeping.
type afterFuncDeliverer struct {
	out    chan int
	mu     sync.Mutex
	timers []*time.Timer
}

// farAhead is how far ahead an item must be due for its timer to be kept.
const farAhead = time.Second

func (a *afterFuncDeliverer) Schedule(at time.Time, item int) error {
	d := time.Until(at)
	t := time.AfterFunc(d, func() { a.out <- item })
	if d >= farAhead {
		a.mu.Lock()
		a.timers = append(a.timers, t)
		a.mu.Unlock()
	}
	return nil
}

func (a *afterFuncDeliverer) Out() <-chan int { return a.out }

func (a *afterFuncDeliverer) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range a.timers {
		t.Stop()
	}
	a.timers = nil
}

// The scheduler scenario's shape: C's capacity, and how many items are in flight between
// Schedule and receipt, so that delivery runs concurrently with scheduling.
const (
	deliveryBuffer = 256
	deliveryDepth  = 1024
)

// farFuture returns n due times spread over the hour that starts an hour from now, in random
// order, for items that stay pending while the others are delivered.
func farFuture(n int) []time.Time {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	now := time.Now()
	dues := make([]time.Time, n)
	for i := range dues {
		dues[i] = now.Add(time.Hour + time.Duration(rng.Int64N(int64(time.Hour))))
	}
	return dues
}

// deliveryRun schedules `pending` items far in the future, then measures items items, each
// due at once, from Schedule to receipt with deliveryDepth of them in flight, and returns
// items per second. It checks that every item came back once.
func deliveryRun(c DelivererContender, pending, items int, dues []time.Time) (float64, error) {
	d, err := c.New(deliveryBuffer)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	for i, at := range dues[:pending] {
		if err := d.Schedule(at, -1-i); err != nil {
			return 0, err
		}
	}
	seen := make([]bool, items)
	receive := func() error {
		item := <-d.Out()
		if item < 0 || item >= items || seen[item] {
			return fmt.Errorf("%s delivered item %d out of turn", c.Name, item)
		}
		seen[item] = true
		return nil
	}
	t0 := time.Now()
	inFlight := 0
	for i := range items {
		if err := d.Schedule(time.Now(), i); err != nil {
			return 0, err
		}
		if inFlight++; inFlight == deliveryDepth {
			if err := receive(); err != nil {
				return 0, err
			}
			inFlight--
		}
	}
	for ; inFlight > 0; inFlight-- {
		if err := receive(); err != nil {
			return 0, err
		}
	}
	return float64(items) / time.Since(t0).Seconds(), nil
}

// SchedulerScenario is scenario 5: schedule-to-delivery throughput of items due at once while
// `pending` others wait far in the future, recur's scheduler against one time.AfterFunc per
// item.
func SchedulerScenario(rounds, pending, items int) Scenario {
	dues := farFuture(pending)
	s := Scenario{Name: fmt.Sprintf("scheduler/pending=%d", pending), Rounds: rounds}
	for _, c := range DelivererContenders() {
		s.Entries = append(s.Entries, Entry{Contender: c.Name, run: func() ([]Measurement, error) {
			rate, err := deliveryRun(c, pending, items, dues)
			if err != nil {
				return nil, err
			}
			return []Measurement{{OpsPerSecond, rate}}, nil
		}})
	}
	return s
}
