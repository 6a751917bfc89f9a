package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"
	"syscall"
	"time"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/httpretry"
)

// collector gathers what the engine's hooks report. Hooks run on the engine's workers, so one
// mutex guards everything; an event costs a few hundred nanoseconds at most.
type collector struct {
	start time.Time

	mu          sync.Mutex
	attempts    map[int]int    // calls by the number of attempts they took
	failures    map[string]int // calls that gave up, by reason and last error
	errors      map[string]int // failed attempts, by what went wrong
	attemptTime []time.Duration
	transitions []string
}

func newCollector() *collector {
	return &collector{start: time.Now(), attempts: map[int]int{}, failures: map[string]int{}, errors: map[string]int{}}
}

func (c *collector) hooks() engine.Hooks {
	return engine.Hooks{
		OnAttemptEnd: func(a engine.AttemptEnd) {
			c.mu.Lock()
			c.attemptTime = append(c.attemptTime, a.Duration)
			if a.Err != nil {
				c.errors[kind(a.Err)]++
			}
			c.mu.Unlock()
		},
		OnSettled: func(s engine.Settled) {
			c.mu.Lock()
			c.attempts[s.Attempts]++
			if !s.Success {
				c.failures[failure(s.Reason, s.Err)]++
			}
			c.mu.Unlock()
		},
		OnBreakerChange: func(b engine.BreakerChange) {
			c.mu.Lock()
			c.transitions = append(c.transitions, fmt.Sprintf("%v→%v %s", b.From, b.To, round(time.Since(c.start))))
			c.mu.Unlock()
		},
	}
}

// refused counts a call the engine did not admit: Submit gave up waiting or the breaker said no.
func (c *collector) refused(err error) {
	c.mu.Lock()
	c.failures["not admitted: "+kind(err)]++
	c.mu.Unlock()
}

// failure names why a call gave up and what its last attempt ran into.
func failure(r engine.Reason, err error) string {
	var re *engine.RetryError
	if errors.As(err, &re) && re.Last == nil {
		return r.String() + " before any attempt"
	}
	return r.String() + ", last " + kind(err)
}

// kind names what went wrong in a few words.
func kind(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // not the URL, which names the call
	}
	var re *engine.RetryError
	if errors.As(err, &re) && re.Last != nil {
		err = re.Last
	}
	var se *httpretry.StatusError
	switch {
	case errors.As(err, &se):
		return fmt.Sprint(se.Response.StatusCode)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	case errors.Is(err, engine.ErrAttemptTimeout):
		return "attempt timeout"
	case errors.Is(err, engine.ErrCanceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	case re != nil:
		return re.Reason.String()
	}
	return err.Error()
}

// percentile returns the q-quantile of sorted durations, by nearest rank.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// round shortens d for reading: three significant digits or so.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
