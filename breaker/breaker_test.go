package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultRuleTripsAfterFiveConsecutiveFailures(t *testing.T) {
	var seen changes
	b := newBreaker(t, seen.option())

	fail(t, b, 4)
	succeed(t, b, 1) // breaks the run
	fail(t, b, 4)
	assert.Equal(t, Closed, b.State())
	assert.Equal(t, uint64(4), b.Counts().ConsecutiveFailures)

	fail(t, b, 1)
	assert.Equal(t, Open, b.State())
	_, err := b.Admit()
	assert.ErrorIs(t, err, ErrOpen)
	assert.NotErrorIs(t, err, ErrProbeLimit)

	assert.Equal(t, Counts{Successes: 1, Failures: 9, Rejections: 1, Trips: 1, State: Open}, b.Counts())
	assert.Equal(t, []change{{Closed, Open}}, seen.list)
}

func TestStaleTicketIsIgnored(t *testing.T) {
	b := newBreaker(t, ConsecutiveFailures(2), OpenFor(time.Hour))
	early := admit(t, b)
	fail(t, b, 2)
	require.Equal(t, Open, b.State())

	before := b.Counts()
	b.Report(early, Success, 0)
	b.Report(early, Failure, 0)
	assert.Equal(t, before, b.Counts(), "a report from before the trip changes nothing")

	b.Reset()
	old := admit(t, b)
	fail(t, b, 1)
	b.Reset() // a new closed period: the run of failures and old tickets are gone
	b.Report(old, Failure, 0)
	assert.Equal(t, uint64(0), b.Counts().ConsecutiveFailures)
	fail(t, b, 1)
	assert.Equal(t, Closed, b.State(), "one failure of this period does not trip")
}

func TestZeroTicketIsIgnored(t *testing.T) {
	b := newBreaker(t, ConsecutiveFailures(1))
	b.Report(Ticket{}, Failure, 0)
	assert.Equal(t, Closed, b.State())
	assert.Equal(t, Counts{State: Closed}, b.Counts())
}

func TestIgnoredCountsAsNothing(t *testing.T) {
	b := newBreaker(t, ConsecutiveFailures(2))
	fail(t, b, 1)
	for range 10 {
		b.Report(admit(t, b), Ignored, time.Hour)
		b.Report(admit(t, b), Outcome(200), time.Hour) // unknown outcomes count as Ignored
	}
	c := b.Counts()
	assert.Equal(t, Closed, c.State)
	assert.Equal(t, uint64(1), c.Failures)
	assert.Equal(t, uint64(0), c.Successes)
	assert.Equal(t, uint64(1), c.ConsecutiveFailures, "Ignored neither extends nor breaks the run")

	fail(t, b, 1)
	assert.Equal(t, Open, b.State())
}

func TestHalfOpenAdmitsExactlyTheProbeLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var seen changes
		b := newBreaker(t, ConsecutiveFailures(1), OpenFor(time.Second), HalfOpenProbes(2), CloseAfter(3), seen.option())
		fail(t, b, 1)
		time.Sleep(time.Second)

		p1, p2 := admit(t, b), admit(t, b)
		assert.True(t, p1.flags&ticketProbe != 0 && p2.flags&ticketProbe != 0)
		_, err := b.Admit()
		assert.ErrorIs(t, err, ErrProbeLimit)
		assert.ErrorIs(t, err, ErrOpen, "ErrProbeLimit matches ErrOpen")

		b.Report(p1, Ignored, 0) // frees its slot, counts for nothing
		p3 := admit(t, b)
		_, err = b.Admit()
		assert.ErrorIs(t, err, ErrProbeLimit)

		b.Report(p2, Success, 0)
		b.Report(p3, Success, 0)
		assert.Equal(t, HalfOpen, b.State(), "two of the three successes needed")
		b.Report(admit(t, b), Success, 0)
		assert.Equal(t, Closed, b.State())
		assert.Equal(t, []change{{Closed, Open}, {Open, HalfOpen}, {HalfOpen, Closed}}, seen.list)
		assert.Equal(t, uint64(2), b.Counts().Rejections)
	})
}

func TestFailedProbeReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t, ConsecutiveFailures(1), OpenFor(time.Second), HalfOpenProbes(3))
		fail(t, b, 1)
		time.Sleep(time.Second)
		ok, bad := admit(t, b), admit(t, b)
		b.Report(bad, Failure, 0)
		assert.Equal(t, Open, b.State())
		b.Report(ok, Success, 0) // stale: the probe's half-open period is over
		assert.Equal(t, Open, b.State())
		at, isOpen := b.HalfOpenAt()
		assert.True(t, isOpen)
		assert.Equal(t, time.Now().Add(time.Second), at)
		assert.Equal(t, uint64(2), b.Counts().Trips)
	})
}

func TestStateFollowsTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var seen changes
		b := newBreaker(t, ConsecutiveFailures(1), OpenFor(10*time.Second), seen.option())
		_, ok := b.HalfOpenAt()
		assert.False(t, ok, "closed")

		fail(t, b, 1)
		tripped := time.Now()
		at, ok := b.HalfOpenAt()
		require.True(t, ok)
		assert.Equal(t, tripped.Add(10*time.Second), at)

		time.Sleep(10*time.Second - time.Nanosecond)
		assert.Equal(t, Open, b.State())
		time.Sleep(time.Nanosecond)
		assert.Equal(t, HalfOpen, b.State(), "no call needed to see half-open")
		assert.Equal(t, []change{{Closed, Open}, {Open, HalfOpen}}, seen.list, "and the change is reported")
		_, ok = b.HalfOpenAt()
		assert.False(t, ok, "half-open")
		assert.Equal(t, HalfOpen, b.Counts().State)
	})
}

func TestManualControl(t *testing.T) {
	var seen changes
	b := newBreaker(t, ConsecutiveFailures(1), seen.option())

	b.ForceOpen()
	b.ForceOpen() // already there: no change
	_, err := b.Admit()
	assert.ErrorIs(t, err, ErrOpen)
	_, ok := b.HalfOpenAt()
	assert.False(t, ok, "forced open never turns half-open by itself")

	b.ForceClosed()
	fail(t, b, 50)
	assert.Equal(t, Disabled, b.State(), "disabled never trips")
	c := b.Counts()
	assert.Equal(t, uint64(50), c.Failures, "but still counts")
	assert.Equal(t, uint64(50), c.ConsecutiveFailures)

	b.Reset()
	assert.Equal(t, uint64(0), b.Counts().ConsecutiveFailures)
	b.Reset() // closed to closed: not a change
	fail(t, b, 1)
	assert.Equal(t, Open, b.State())
	b.ForceClosed()
	b.ForceOpen()
	b.Reset()
	assert.Equal(t, []change{
		{Closed, ForcedOpen}, {ForcedOpen, Disabled}, {Disabled, Closed}, {Closed, Open},
		{Open, Disabled}, {Disabled, ForcedOpen}, {ForcedOpen, Closed},
	}, seen.list)
	assert.Equal(t, uint64(1), b.Counts().Trips, "forcing open is not a trip")
}

func TestStrings(t *testing.T) {
	names := map[State]string{
		Closed: "closed", HalfOpen: "half-open", Open: "open", ForcedOpen: "forced-open",
		Disabled: "disabled", State(9): "State(9)",
	}
	for s, name := range names {
		assert.Equal(t, name, s.String())
	}
	outcomes := map[Outcome]string{Success: "success", Failure: "failure", Ignored: "ignored", Outcome(7): "Outcome(7)"}
	for o, name := range outcomes {
		assert.Equal(t, name, o.String())
	}
}

func TestDoubleReportOfAProbeCannotUnderflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBreaker(t, ConsecutiveFailures(1), OpenFor(time.Second), HalfOpenProbes(2), CloseAfter(5))
		fail(t, b, 1)
		time.Sleep(time.Second)
		p := admit(t, b)
		b.Report(p, Ignored, 0)
		b.Report(p, Ignored, 0) // a caller bug; must not wrap the slot count around
		admit(t, b)
		admit(t, b)
		_, err := b.Admit()
		assert.ErrorIs(t, err, ErrProbeLimit)
	})
}
