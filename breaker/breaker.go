package breaker

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ErrOpen is returned by [Breaker.Admit] while the breaker is open or forced
// open. Match it with errors.Is: [ErrProbeLimit] matches it too.
var ErrOpen = errors.New("breaker: open")

// ErrProbeLimit is returned by [Breaker.Admit] while the breaker is half-open
// and all its probe slots are taken. errors.Is(ErrProbeLimit, ErrOpen) is true.
var ErrProbeLimit = fmt.Errorf("%w: half-open probe limit reached", ErrOpen)

// Breaker is a lock-free circuit breaker. It is safe for concurrent use; its
// methods never block and it starts no goroutines. Make one with [New]; the
// zero Breaker is not usable.
//
// Every admitted call must be reported exactly once, with [Outcome] Ignored
// if nothing else fits: a half-open probe that is never reported holds its
// slot for good, and one reported twice frees a slot that is not its own.
type Breaker struct {
	word atomic.Uint64 // see pack; read on every call
	// The counters below are written on every report: keep those writes off word's cache line,
	// or every Admit on another core misses.
	_ [56]byte

	successes  stripedCounter // written by every success on a closed breaker: the hottest
	failures   atomic.Uint64
	rejections atomic.Uint64
	slowCalls  atomic.Uint64
	trips      atomic.Uint64

	open     atomic.Pointer[openPeriod] // the latest trip's deadline
	failRate *countWindow               // FailureRatio, or nil
	failOver *timeWindow                // FailureRatioOver, or nil
	slowRate *countWindow               // SlowCalls, or nil

	cfg    config
	base   time.Time // times are kept as nanoseconds since base, on the monotonic clock
	events eventQueue
}

// Counts is a snapshot of a breaker's counters, for metrics. The totals run
// from [New] on and count only reports that were not stale.
type Counts struct {
	Successes           uint64 // calls reported as Success
	Failures            uint64 // calls reported as Failure
	Rejections          uint64 // calls Admit turned away
	SlowCalls           uint64 // calls at or over the SlowCalls threshold (0 without that rule)
	ConsecutiveFailures uint64 // current run of failures while closed or disabled
	Trips               uint64 // times the rules opened the breaker (ForceOpen not included)
	// WindowFailureRatio is the share of failures in the current closed
	// period's FailureRatio window (else its FailureRatioOver window); 0 when
	// the window is empty, when neither rule is set, or when not closed or disabled.
	WindowFailureRatio float64
	// WindowSlowRatio is the same for the SlowCalls window.
	WindowSlowRatio float64
	State           State
}

// firstGen is the generation of a new breaker. The zero Ticket is told apart
// by its flags, not its generation.
const firstGen = 1

// New returns a closed breaker. It checks every option and reports all the
// invalid ones, each naming the option, the parameter and the value. Without
// a trip rule the breaker trips after 5 consecutive failures; it then stays
// open for 60s and lets one probe through at a time, closing after one
// success.
func New(opts ...Option) (*Breaker, error) {
	cfg := defaultConfig()
	var errs []error
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("breaker: option %d is nil", i))
			continue
		}
		if err := o.apply(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if !cfg.hasTripRule() {
		cfg.consecutive = 5
	}
	if cfg.closeAfter == 0 {
		cfg.closeAfter = cfg.probes
	}
	b := &Breaker{cfg: cfg, base: time.Now()}
	b.word.Store(pack(Closed, firstGen, 0, 0))
	b.events.delivered = firstGen
	if r := cfg.failureRate; r != nil {
		b.failRate = newCountWindow(r, firstGen)
	}
	if r := cfg.failureOver; r != nil {
		b.failOver = newTimeWindow(r)
	}
	if r := cfg.slowRate; r != nil {
		b.slowRate = newCountWindow(r, firstGen)
	}
	return b, nil
}

// Admit asks to start a call. On success it returns the Ticket to hand to
// [Breaker.Report] when the call ends. Otherwise it returns [ErrOpen] (open
// or forced open) or [ErrProbeLimit] (half-open with every probe slot taken).
// An open breaker whose open duration has passed turns half-open here and
// admits this call as a probe.
func (b *Breaker) Admit() (Ticket, error) {
	for {
		w := b.word.Load()
		switch wordState(w) {
		case Closed, Disabled:
			return Ticket{gen: wordGen(w), flags: ticketIssued}, nil
		case HalfOpen:
			if wordA(w) >= b.cfg.probes {
				b.rejections.Add(1)
				return Ticket{}, ErrProbeLimit
			}
			if b.word.CompareAndSwap(w, w+1<<aShift) {
				return b.probe(wordGen(w))
			}
		case Open:
			if !b.due(w, b.nanotime()) {
				b.rejections.Add(1)
				return Ticket{}, ErrOpen
			}
			half := pack(HalfOpen, nextGen(wordGen(w)), 1, 0)
			if b.transition(w, half, 0, 0) {
				return b.probe(wordGen(half))
			}
		default:
			b.rejections.Add(1)
			return Ticket{}, ErrOpen
		}
	}
}

// probe hands out the probe slot just taken in half-open generation gen, if
// the ProbeGate (if any) agrees; otherwise it gives the slot back. The gate
// is asked after the slot is taken, so that a gate that hands out a shared
// slot is asked only by calls that will use it.
func (b *Breaker) probe(gen uint32) (Ticket, error) {
	if g := b.cfg.probeGate; g != nil && !g() {
		b.releaseProbe(gen)
		b.rejections.Add(1)
		return Ticket{}, ErrProbeLimit
	}
	return Ticket{gen: gen, flags: ticketIssued | ticketProbe}, nil
}

// Report tells the breaker how a call admitted with t ended, and how long it
// took (used by the SlowCalls rule only). A ticket from before the latest
// state change is ignored: its call says nothing about the current period.
func (b *Breaker) Report(t Ticket, o Outcome, elapsed time.Duration) {
	w := b.word.Load()
	if t.flags&ticketIssued == 0 || wordGen(w) != t.gen {
		return
	}
	probe := t.flags&ticketProbe != 0
	if o != Success && o != Failure {
		if probe {
			b.releaseProbe(t.gen)
		}
		return
	}
	failed := o == Failure
	if failed {
		b.failures.Add(1)
	} else {
		b.successes.add()
	}
	slow := b.slowRate != nil && elapsed >= b.cfg.slowAfter
	if slow {
		b.slowCalls.Add(1)
	}
	if probe {
		b.reportProbe(t.gen, failed || slow)
		return
	}
	b.reportClosed(w, t.gen, failed, slow)
}

// State returns the current state. It follows the clock: once the open
// duration has passed, it turns the breaker half-open and says so, without
// waiting for a call.
func (b *Breaker) State() State {
	return wordState(b.current())
}

// HalfOpenAt returns, while the breaker is open, the instant it turns
// half-open, and true. In any other state, forced open included, it returns
// the zero time and false.
func (b *Breaker) HalfOpenAt() (time.Time, bool) {
	for {
		w := b.current()
		if wordState(w) != Open {
			return time.Time{}, false
		}
		if p := b.open.Load(); p != nil && p.gen == wordGen(w) {
			return b.base.Add(time.Duration(p.until)), true
		}
		// The goroutine that tripped the breaker is between its
		// compare-and-swap and publishing the deadline; look again.
		yield()
	}
}

// Counts returns a snapshot of the counters. Each field is read atomically;
// the snapshot as a whole is not, so under concurrent calls the fields may
// come from slightly different instants.
func (b *Breaker) Counts() Counts {
	w := b.current()
	c := Counts{
		Successes:  b.successes.load(),
		Failures:   b.failures.Load(),
		Rejections: b.rejections.Load(),
		SlowCalls:  b.slowCalls.Load(),
		Trips:      b.trips.Load(),
		State:      wordState(w),
	}
	if c.State != Closed && c.State != Disabled {
		return c
	}
	gen := wordGen(w)
	c.ConsecutiveFailures = uint64(wordA(w))
	switch {
	case b.failRate != nil:
		c.WindowFailureRatio = b.failRate.badRatio(gen)
	case b.failOver != nil:
		c.WindowFailureRatio = b.failOver.badRatio(b.nanotime(), gen)
	}
	if b.slowRate != nil {
		c.WindowSlowRatio = b.slowRate.badRatio(gen)
	}
	return c
}

func (b *Breaker) nanotime() int64 { return int64(time.Since(b.base)) }
