package breaker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCallbackMayCallEveryMethod(t *testing.T) {
	var b *Breaker
	var seen []change
	depth, maxDepth := 0, 0
	var during struct {
		state  State
		counts Counts
		err    error
	}
	b = newBreaker(t, ConsecutiveFailures(1), OpenFor(time.Hour), OnStateChange(func(from, to State) {
		depth++
		maxDepth = max(maxDepth, depth)
		defer func() { depth-- }()
		seen = append(seen, change{from, to})
		if from != Closed || to != Open {
			return
		}
		_, during.err = b.Admit()
		_, _ = b.HalfOpenAt()
		b.ForceOpen() // a change of its own, delivered after this callback returns
		during.state = b.State()
		during.counts = b.Counts()
		b.Report(Ticket{}, Failure, 0)
	}))

	fail(t, b, 1)
	assert.ErrorIs(t, during.err, ErrOpen)
	assert.Equal(t, ForcedOpen, during.state)
	assert.Equal(t, ForcedOpen, during.counts.State)
	assert.Equal(t, []change{{Closed, Open}, {Open, ForcedOpen}}, seen)
	assert.Equal(t, 1, maxDepth, "the nested change waits for the callback to return")
}

func TestCallbackMayAdmitAndReportThroughAWholeCycle(t *testing.T) {
	var b *Breaker
	var seen changes
	b = newBreaker(t, ConsecutiveFailures(1), OpenBackoff(func(int) time.Duration { return 0 }), seen.option(),
		OnStateChange(func(from, to State) {
			if to != Open {
				return
			}
			// Open for no time: this Admit turns the breaker half-open and
			// is the probe; its success closes the breaker again.
			tk, err := b.Admit()
			if err == nil {
				b.Report(tk, Success, 0)
			}
		}))
	fail(t, b, 1)
	assert.Equal(t, Closed, b.State())
	assert.Equal(t, []change{{Closed, Open}, {Open, HalfOpen}, {HalfOpen, Closed}}, seen.list)
}

func TestLongChainsOfNestedChangesDoNotRecurse(t *testing.T) {
	var b *Breaker
	const rounds = 10_000
	n, depth, maxDepth := 0, 0, 0
	b = newBreaker(t, OnStateChange(func(from, to State) {
		depth++
		maxDepth = max(maxDepth, depth)
		n++
		if n < rounds {
			if to == ForcedOpen {
				b.Reset()
			} else {
				b.ForceOpen()
			}
		}
		depth--
	}))
	b.ForceOpen()
	assert.Equal(t, rounds, n)
	assert.Equal(t, 1, maxDepth)
}

func TestCallbacksRunInTheOrderGiven(t *testing.T) {
	var order []string
	b := newBreaker(t, ConsecutiveFailures(1),
		OnStateChange(func(from, to State) { order = append(order, "first "+to.String()) }),
		OnStateChange(func(from, to State) { order = append(order, "second "+to.String()) }))
	fail(t, b, 1)
	b.ForceOpen()
	assert.Equal(t, []string{"first open", "second open", "first forced-open", "second forced-open"}, order)
}

func TestPanickingCallbackDoesNotStopLaterDeliveries(t *testing.T) {
	var seen changes
	panicked := false
	b := newBreaker(t, ConsecutiveFailures(1), OnStateChange(func(from, to State) {
		if !panicked {
			panicked = true
			panic("callback failed")
		}
	}), seen.option())

	assert.PanicsWithValue(t, "callback failed", func() { fail(t, b, 1) })
	require.Equal(t, Open, b.State(), "the change itself happened")
	b.ForceOpen()
	b.Reset()
	assert.Equal(t, []change{{Open, ForcedOpen}, {ForcedOpen, Closed}}, seen.list,
		"the change being delivered when the panic struck is not delivered again; later ones are")
}

func TestEventsAreDeliveredInGenerationOrderWhenPushedOutOfOrder(t *testing.T) {
	// Simulate winners that published in the opposite order of their
	// compare-and-swaps: generation 3 arrives before generation 2.
	var seen changes
	b := newBreaker(t, seen.option())
	b.publish(3, Open, HalfOpen)
	assert.Empty(t, seen.list, "generation 2 has not been published yet")
	b.publish(2, Closed, Open)
	assert.Equal(t, []change{{Closed, Open}, {Open, HalfOpen}}, seen.list)
	assert.Empty(t, b.events.pending)
}

func TestEventOrderSurvivesGenerationWrapAround(t *testing.T) {
	var seen changes
	b := newBreaker(t, seen.option())
	b.events.delivered = genMask - 1
	b.publish(1, Open, HalfOpen) // after genMask and 0
	b.publish(0, Closed, Open)
	assert.Empty(t, seen.list)
	b.publish(genMask, HalfOpen, Closed)
	assert.Equal(t, []change{{HalfOpen, Closed}, {Closed, Open}, {Open, HalfOpen}}, seen.list)
}

func TestChangePushedWhileDeliveryEndsIsDelivered(t *testing.T) {
	var seen changes
	b := newBreaker(t, seen.option())
	raced := false
	b.events.beforeRelease = func() {
		if raced {
			return
		}
		raced = true
		// Another goroutine changes the state now: it finds the flag taken
		// and leaves the delivery to the holder, which has already looked.
		done := make(chan struct{})
		go func() {
			defer close(done)
			b.ForceOpen()
		}()
		<-done
		assert.Len(t, seen.list, 1, "not delivered by the goroutine that made it")
	}
	b.ForceClosed()
	assert.Equal(t, []change{{Closed, Disabled}, {Disabled, ForcedOpen}}, seen.list)
}
