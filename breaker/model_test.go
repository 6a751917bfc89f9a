package breaker

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMatchesReferenceModel drives the breaker and refBreaker with the same
// random sequence of admits, reports, clock steps and manual controls, under
// random settings, and requires the same decisions, states, counts, deadlines
// and state changes at every step. Half the runs start just before the
// generation counter wraps around.
func TestMatchesReferenceModel(t *testing.T) {
	t.Parallel()
	for seed := range uint64(300) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) { runModel(t, seed) })
		})
	}
}

type outstanding struct {
	real Ticket
	ref  refTicket
}

func runModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0))
	opts, desc := randomOptions(rng)
	var got changes
	b := newBreaker(t, append(opts, got.option(), withRandom(rand.New(rand.NewPCG(seed, 1)).Float64))...)
	cfg := defaultConfig()
	for _, o := range opts {
		require.NoError(t, o.apply(&cfg))
	}
	cfg.random = rand.New(rand.NewPCG(seed, 1)).Float64
	ref := newRef(cfg)
	if seed%2 == 1 {
		startAt(b, genMask-25)
	}

	var tickets []outstanding
	for step := range 600 {
		now := time.Since(b.base)
		where := fmt.Sprintf("%s, step %d at %v", desc, step, now)
		switch op := rng.IntN(100); {
		case op < 35:
			tk, err := b.Admit()
			rtk, rerr := ref.admit(now)
			require.Equal(t, rerr, err, where)
			require.Equal(t, rtk.probe, tk.flags&ticketProbe != 0, where)
			if err == nil {
				tickets = append(tickets, outstanding{tk, rtk})
			}
		case op < 70 && len(tickets) > 0:
			i := rng.IntN(len(tickets))
			o := []Outcome{Success, Success, Success, Failure, Failure, Failure, Ignored}[rng.IntN(7)]
			elapsed := time.Duration(rng.IntN(150)) * time.Millisecond
			b.Report(tickets[i].real, o, elapsed)
			ref.report(tickets[i].ref, o, elapsed, now)
			tickets = append(tickets[:i], tickets[i+1:]...)
		case op < 88:
			time.Sleep([]time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond}[rng.IntN(3)])
		case op < 91:
			b.ForceOpen()
			ref.force(ForcedOpen)
		case op < 94:
			b.ForceClosed()
			ref.force(Disabled)
		case op < 97:
			b.Reset()
			ref.change(Closed)
		}
		// Look only now and then, so that Admit, not an observer, is often
		// what turns an open breaker half-open.
		if rng.IntN(3) == 0 {
			now = time.Since(b.base)
			require.Equal(t, ref.snapshot(now), b.Counts(), where)
			refAt, refOpen := ref.halfOpenAt(now)
			at, open := b.HalfOpenAt()
			require.Equal(t, refOpen, open, where)
			if open {
				require.Equal(t, b.base.Add(refAt), at, where)
			}
		}
		require.Equal(t, ref.changes, got.list, where)
	}
	require.Equal(t, ref.snapshot(time.Since(b.base)), b.Counts(), desc)
}

// startAt moves a fresh breaker to generation gen, as if it had been through
// that many state changes.
func startAt(b *Breaker, gen uint32) {
	b.word.Store(pack(Closed, gen, 0, 0))
	b.events.delivered = gen
	if b.failRate != nil {
		b.failRate.clear(&b.word, gen)
	}
	if b.slowRate != nil {
		b.slowRate.clear(&b.word, gen)
	}
}

// randomOptions picks a random set of valid settings and describes them.
func randomOptions(rng *rand.Rand) ([]Option, string) {
	var opts []Option
	desc := ""
	add := func(o Option, format string, args ...any) {
		opts = append(opts, o)
		desc += fmt.Sprintf(format, args...) + " "
	}
	ratios := []float64{0.2, 0.3, 0.5, 0.6, 1}
	ratio := func() float64 { return ratios[rng.IntN(len(ratios))] }
	if rng.IntN(2) == 0 {
		n := 1 + rng.IntN(6)
		add(ConsecutiveFailures(n), "ConsecutiveFailures(%d)", n)
	}
	if rng.IntN(2) == 0 {
		r, w := ratio(), 1+rng.IntN(8)
		m := 1 + rng.IntN(w)
		add(FailureRatio(r, w, m), "FailureRatio(%v, %d, %d)", r, w, m)
	}
	if rng.IntN(2) == 0 {
		r, buckets, m := ratio(), 1+rng.IntN(5), 1+rng.IntN(5)
		w := time.Duration(buckets) * []time.Duration{time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond}[rng.IntN(3)]
		add(FailureRatioOver(r, w, buckets, m), "FailureRatioOver(%v, %v, %d, %d)", r, w, buckets, m)
	}
	if rng.IntN(2) == 0 {
		th, r, w := time.Duration(10+rng.IntN(100))*time.Millisecond, ratio(), 1+rng.IntN(8)
		m := 1 + rng.IntN(w)
		add(SlowCalls(th, r, w, m), "SlowCalls(%v, %v, %d, %d)", th, r, w, m)
	}
	open := time.Duration(10+rng.IntN(300)) * time.Millisecond
	if rng.IntN(3) == 0 {
		add(OpenBackoff(func(trips int) time.Duration { return time.Duration(trips) * open }), "OpenBackoff(trips*%v)", open)
	} else {
		add(OpenFor(open), "OpenFor(%v)", open)
	}
	if rng.IntN(3) == 0 {
		j := rng.Float64() / 2
		add(OpenJitter(j), "OpenJitter(%.3f)", j)
	}
	if rng.IntN(2) == 0 {
		n := 1 + rng.IntN(3)
		add(HalfOpenProbes(n), "HalfOpenProbes(%d)", n)
	}
	if rng.IntN(2) == 0 {
		n := 1 + rng.IntN(4)
		add(CloseAfter(n), "CloseAfter(%d)", n)
	}
	return opts, desc
}
