package bench

import (
	"errors"
	"fmt"
	"sync"
	"time"

	fscb "github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/recur-go/recur/breaker"
	"github.com/sony/gobreaker/v2"
)

// A Breaker is a circuit breaker under test. AdmitReport asks it to admit a call and then
// reports that the call succeeded: the work every call through a healthy dependency costs.
type Breaker interface {
	AdmitReport() error
}

// BreakerContender is a circuit breaker library under test, in its default configuration.
type BreakerContender struct {
	Name string
	New  func() (Breaker, error)
}

// BreakerContenders returns the breaker contenders, recur first.
func BreakerContenders() []BreakerContender {
	return []BreakerContender{
		{Recur, func() (Breaker, error) {
			b, err := breaker.New()
			return recurBreaker{b}, err
		}},
		{Gobreaker, func() (Breaker, error) {
			return gobreakerExecute{gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})}, nil
		}},
		{FailsafeGo, func() (Breaker, error) { return failsafeBreaker{fscb.NewWithDefaults[any]()}, nil }},
	}
}

// recurBreaker admits with Admit and reports with Report; a closed breaker without a SlowCalls
// rule needs no elapsed time.
type recurBreaker struct{ b *breaker.Breaker }

func (r recurBreaker) AdmitReport() error {
	t, err := r.b.Admit()
	if err != nil {
		return err
	}
	r.b.Report(t, breaker.Success, 0)
	return nil
}

// gobreakerExecute uses Execute, the API gobreaker's README shows, around an operation that
// succeeds at once: it admits, runs the operation and reports its outcome. Its two-step API
// (Allow, then the callback it returns) does the same under the same mutex and also
// allocates the callback, so Execute is the faster of the two.
type gobreakerExecute struct {
	b *gobreaker.CircuitBreaker[struct{}]
}

func succeed() (struct{}, error) { return struct{}{}, nil }

func (g gobreakerExecute) AdmitReport() error {
	_, err := g.b.Execute(succeed)
	return err
}

// failsafeBreaker uses failsafe-go's standalone circuit breaker API: TryAcquirePermit, then
// RecordSuccess.
type failsafeBreaker struct{ b fscb.CircuitBreaker[any] }

var errFailsafeOpen = errors.New("failsafe-go: no permit")

func (f failsafeBreaker) AdmitReport() error {
	if !f.b.TryAcquirePermit() {
		return errFailsafeOpen
	}
	f.b.RecordSuccess()
	return nil
}

// breakerRun runs ops AdmitReports on b from `goroutines` goroutines at once, each doing its
// share, and returns the wall time per operation.
func breakerRun(b Breaker, ops, goroutines int) (nsPerOp float64, err error) {
	errs := new(firstError)
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for g := range goroutines {
		share := ops / goroutines
		if g < ops%goroutines {
			share++
		}
		ready.Add(1)
		done.Go(func() {
			ready.Done()
			<-gate
			for range share {
				if err := b.AdmitReport(); err != nil {
					errs.set(err)
					return
				}
			}
		})
	}
	ready.Wait()
	t0 := time.Now()
	close(gate)
	done.Wait()
	elapsed := time.Since(t0)
	if err := errs.get(); err != nil {
		return 0, err
	}
	return float64(elapsed.Nanoseconds()) / float64(ops), nil
}

// BreakerScenario is scenario 4: ops admit-and-report cycles on a closed breaker, made anew
// each round, from one goroutine (mode=serial) or from GOMAXPROCS goroutines (mode=parallel,
// as testing.B's RunParallel does).
func BreakerScenario(rounds, ops int, parallel bool, procs int) Scenario {
	mode, goroutines := "serial", 1
	if parallel {
		mode, goroutines = "parallel", procs
	}
	s := Scenario{Name: "breaker/mode=" + mode, Rounds: rounds}
	for _, c := range BreakerContenders() {
		s.Entries = append(s.Entries, Entry{Contender: c.Name, run: func() ([]Measurement, error) {
			b, err := c.New()
			if err != nil {
				return nil, err
			}
			ns, err := breakerRun(b, ops, goroutines)
			if err != nil {
				return nil, fmt.Errorf("a closed breaker refused a call: %w", err)
			}
			return []Measurement{{NsPerOp, ns}}, nil
		}})
	}
	return s
}
