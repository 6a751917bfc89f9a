package breaker

import "strconv"

// State is the position of a [Breaker] in its state machine.
type State uint8

const (
	// Closed admits every call and watches outcomes against the trip rules.
	Closed State = iota
	// HalfOpen admits a limited number of probe calls at a time; enough
	// successful probes close the breaker, a failed one opens it again.
	HalfOpen
	// Open rejects every call with [ErrOpen] until its open duration has passed.
	Open
	// ForcedOpen rejects every call until [Breaker.Reset] or [Breaker.ForceClosed].
	ForcedOpen
	// Disabled admits every call and never trips, until [Breaker.Reset] or
	// [Breaker.ForceOpen]. [Breaker.ForceClosed] puts a breaker here.
	Disabled
)

// String returns the lower-case name of the state, e.g. "half-open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	case ForcedOpen:
		return "forced-open"
	case Disabled:
		return "disabled"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Outcome is what a caller reports about an admitted call.
type Outcome uint8

const (
	// Success counts towards closing (in half-open) and keeps the failure
	// ratios down (in closed).
	Success Outcome = iota
	// Failure counts against the dependency: it may trip a closed breaker and
	// re-opens a half-open one.
	Failure
	// Ignored counts as nothing, for calls that say nothing about the
	// dependency's health, such as the caller's own cancellation. It still
	// frees the half-open probe slot the call held. Any value other than
	// Success and Failure is treated as Ignored.
	Ignored
)

// String returns the lower-case name of the outcome.
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Ignored:
		return "ignored"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Ticket is what [Breaker.Admit] hands out and [Breaker.Report] takes back.
// It records the generation (the period between two state changes) the call
// was admitted in and whether it holds a half-open probe slot, so that a late
// report from an earlier generation is recognised and ignored. It is a small
// value: copying it costs nothing and it never allocates. The zero Ticket was
// never admitted; reporting it does nothing.
type Ticket struct {
	gen   uint32
	flags uint8
}

const (
	ticketIssued uint8 = 1 << iota
	ticketProbe
)

// The breaker's hot state lives in one 64-bit word so that every decision is
// a single load or compare-and-swap:
//
//	bits  0..2   state
//	bits  3..17  field a: consecutive failures (closed, disabled) or probes in flight (half-open)
//	bits 18..32  field b: successful probes (half-open)
//	bits 33..63  generation, bumped by every state change
const (
	stateBits = 3
	countBits = 15
	genBits   = 31

	aShift   = stateBits
	bShift   = aShift + countBits
	genShift = bShift + countBits

	stateMask = 1<<stateBits - 1
	countMask = 1<<countBits - 1
	genMask   = 1<<genBits - 1

	// maxCount bounds every count kept in the word, and so the thresholds
	// (ConsecutiveFailures, HalfOpenProbes, CloseAfter) that are compared to them.
	maxCount = countMask
)

func pack(s State, gen, a, b uint32) uint64 {
	return uint64(s) | uint64(a)<<aShift | uint64(b)<<bShift | uint64(gen&genMask)<<genShift
}

func wordState(w uint64) State { return State(w & stateMask) }
func wordGen(w uint64) uint32  { return uint32(w >> genShift) }
func wordA(w uint64) uint32    { return uint32(w>>aShift) & countMask }
func wordB(w uint64) uint32    { return uint32(w>>bShift) & countMask }

func nextGen(g uint32) uint32 { return (g + 1) & genMask }
