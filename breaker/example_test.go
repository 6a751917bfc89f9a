package breaker_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/recur-go/recur/breaker"
)

// The two-step use: admit before the call, report its outcome after.
func Example() {
	b, err := breaker.New(breaker.ConsecutiveFailures(3), breaker.OpenFor(30*time.Second))
	if err != nil {
		panic(err)
	}
	call := func(fails bool) error {
		t, err := b.Admit()
		if err != nil {
			return err // breaker.ErrOpen: the dependency is not even tried
		}
		start := time.Now()
		outcome := breaker.Success
		if fails {
			outcome = breaker.Failure
		}
		b.Report(t, outcome, time.Since(start))
		return nil
	}

	for range 3 {
		_ = call(true)
	}
	err = call(false)
	fmt.Println(b.State(), errors.Is(err, breaker.ErrOpen))
	// Output: open true
}

// A half-open breaker admits exactly the configured number of probes; the
// others get ErrProbeLimit, which is also an ErrOpen.
func ExampleHalfOpenProbes() {
	b, _ := breaker.New(
		breaker.ConsecutiveFailures(1), breaker.OpenFor(time.Millisecond),
		breaker.HalfOpenProbes(2), breaker.CloseAfter(2),
	)
	t, _ := b.Admit()
	b.Report(t, breaker.Failure, 0)
	time.Sleep(time.Millisecond)

	fmt.Println(b.State())
	p1, _ := b.Admit()
	p2, _ := b.Admit()
	_, err := b.Admit()
	fmt.Println(err, errors.Is(err, breaker.ErrOpen))
	b.Report(p1, breaker.Success, 0)
	b.Report(p2, breaker.Success, 0)
	fmt.Println(b.State())
	// Output:
	// half-open
	// breaker: open: half-open probe limit reached true
	// closed
}

// Callbacks learn of every state change in order, and may call back into
// the breaker.
func ExampleOnStateChange() {
	var b *breaker.Breaker
	b, _ = breaker.New(
		breaker.ConsecutiveFailures(1),
		breaker.OnStateChange(func(from, to breaker.State) {
			fmt.Printf("%v -> %v (now %v)\n", from, to, b.State())
		}),
	)
	t, _ := b.Admit()
	b.Report(t, breaker.Failure, 0)
	b.ForceClosed()
	b.Reset()
	// Output:
	// closed -> open (now open)
	// open -> disabled (now disabled)
	// disabled -> closed (now closed)
}

// A failure ratio over the last ten calls, once at least five are in.
func ExampleFailureRatio() {
	b, _ := breaker.New(breaker.FailureRatio(0.5, 10, 5))
	for i, fails := range []bool{true, false, true, false, false, true} {
		t, _ := b.Admit()
		o := breaker.Success
		if fails {
			o = breaker.Failure
		}
		b.Report(t, o, 0)
		if c := b.Counts(); c.State == breaker.Closed {
			fmt.Printf("call %d: failure ratio %.2f\n", i+1, c.WindowFailureRatio)
		} else {
			fmt.Printf("call %d: %v\n", i+1, c.State)
		}
	}
	// Output:
	// call 1: failure ratio 1.00
	// call 2: failure ratio 0.50
	// call 3: failure ratio 0.67
	// call 4: failure ratio 0.50
	// call 5: failure ratio 0.40
	// call 6: open
}

// The open duration can grow with consecutive trips, driven by any function
// of the trip number, such as a backoff strategy's delay.
func ExampleOpenBackoff() {
	b, _ := breaker.New(
		breaker.ConsecutiveFailures(1),
		breaker.OpenBackoff(func(trips int) time.Duration { return time.Duration(trips) * time.Minute }),
	)
	t, _ := b.Admit()
	b.Report(t, breaker.Failure, 0)
	at, _ := b.HalfOpenAt()
	fmt.Println(time.Until(at).Round(time.Second))
	// Output: 1m0s
}

// Ignored outcomes, such as the caller's own cancellation, count for nothing,
// and a report from before a state change is ignored.
func ExampleBreaker_Report() {
	b, _ := breaker.New(breaker.ConsecutiveFailures(2))
	early, _ := b.Admit()
	for range 2 {
		t, _ := b.Admit()
		b.Report(t, breaker.Ignored, 0)
	}
	fmt.Println(b.Counts().Failures)

	b.ForceOpen()
	b.Reset()
	b.Report(early, breaker.Failure, 0) // admitted before the reset: ignored
	fmt.Println(b.Counts().Failures, b.State())
	// Output:
	// 0
	// 0 closed
}

// Manual control: force open, disable, and reset.
func ExampleBreaker_ForceOpen() {
	b, _ := breaker.New()
	b.ForceOpen()
	_, err := b.Admit()
	fmt.Println(b.State(), err)
	_, ok := b.HalfOpenAt()
	fmt.Println(ok)
	b.Reset()
	fmt.Println(b.State())
	// Output:
	// forced-open breaker: open
	// false
	// closed
}

// Invalid settings are rejected with errors that name them.
func ExampleNew() {
	_, err := breaker.New(breaker.FailureRatio(1.5, 100, 20), breaker.OpenFor(-time.Second))
	fmt.Println(err)
	// Output:
	// breaker: FailureRatio ratio 1.5 outside (0, 1]
	// breaker: OpenFor duration -1s is not positive
}

// A breaker told by another process's breaker that the dependency is down: Trip opens it as its
// own rules would, so it half-opens after OpenFor; a ProbeGate shared by the processes decides
// which of them sends the probe.
func ExampleBreaker_Trip() {
	fleetSlots := 1 // probes the whole fleet may send; a shared store would hold this
	b, _ := breaker.New(breaker.OpenFor(time.Millisecond), breaker.ProbeGate(func() bool {
		if fleetSlots == 0 {
			return false
		}
		fleetSlots--
		return true
	}))
	fmt.Println(b.Trip(), b.State())
	time.Sleep(2 * time.Millisecond)
	_, err := b.Admit()
	fmt.Println("first probe:", err)
	b.Trip() // the probe failed elsewhere
	time.Sleep(2 * time.Millisecond)
	_, err = b.Admit()
	fmt.Println("second probe:", err)
	// Output:
	// true open
	// first probe: <nil>
	// second probe: breaker: open: half-open probe limit reached
}
