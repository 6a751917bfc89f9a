package backoff_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/recur-go/recur/backoff"
)

// delays prints the delays of retries 1..n, feeding each back as prev the
// way the engine does, rounded to keep random ones readable.
func delays(s backoff.Strategy, n int) {
	prev, out := time.Duration(0), make([]string, 0, n)
	for i := 1; i <= n; i++ {
		prev = s.Delay(i, prev)
		out = append(out, prev.Round(time.Millisecond).String())
	}
	fmt.Println(strings.Join(out, " "))
}

// The engine's default: full jitter over 1s, 2s, 4s, ... capped at 60s.
func Example() {
	s := backoff.Default()
	if err := backoff.Validate(s); err != nil {
		panic(err)
	}
	curve := backoff.Capped(backoff.Exponential(time.Second, 2), time.Minute)
	for _, n := range []int{1, 2, 3, 7, 1_000_000} {
		top := curve.Delay(n, 0)
		fmt.Printf("retry %d waits between 0s and %v: %t\n", n, top, s.Delay(n, 0) <= top)
	}
	// Output:
	// retry 1 waits between 0s and 1s: true
	// retry 2 waits between 0s and 2s: true
	// retry 3 waits between 0s and 4s: true
	// retry 7 waits between 0s and 1m0s: true
	// retry 1000000 waits between 0s and 1m0s: true
}

func ExampleImmediate() {
	delays(backoff.Immediate(), 3)
	// Output: 0s 0s 0s
}

func ExampleConstant() {
	delays(backoff.Constant(500*time.Millisecond), 3)
	// Output: 500ms 500ms 500ms
}

func ExampleLinear() {
	delays(backoff.Linear(time.Second, 500*time.Millisecond), 5)
	// Output: 1s 1.5s 2s 2.5s 3s
}

func ExampleExponential() {
	s := backoff.Exponential(100*time.Millisecond, 2)
	delays(s, 6)
	fmt.Println(s.Delay(1_000_000, 0)) // saturates instead of overflowing
	// Output:
	// 100ms 200ms 400ms 800ms 1.6s 3.2s
	// 2562047h47m16.854775807s
}

func ExampleCapped() {
	delays(backoff.Capped(backoff.Exponential(time.Second, 2), 10*time.Second), 6)
	// Output: 1s 2s 4s 8s 10s 10s
}

func ExampleFullJitter() {
	s := backoff.FullJitter(backoff.Exponential(time.Second, 2), backoff.WithSource(rand.NewPCG(1, 2)))
	delays(s, 5) // uniform in [0, 1s], [0, 2s], [0, 4s], ...
	// Output: 769ms 1.233s 3.138s 6.373s 3.748s
}

func ExampleEqualJitter() {
	s := backoff.EqualJitter(backoff.Exponential(time.Second, 2), backoff.WithSource(rand.NewPCG(1, 2)))
	delays(s, 5) // uniform in [0.5s, 1s], [1s, 2s], [2s, 4s], ...
	// Output: 885ms 1.616s 3.569s 7.186s 9.874s
}

func ExampleProportionalJitter() {
	s := backoff.ProportionalJitter(backoff.Constant(time.Second), 0.1, backoff.WithSource(rand.NewPCG(1, 2)))
	delays(s, 5) // uniform in [0.9s, 1.1s]
	// Output: 1.054s 1.023s 1.057s 1.059s 947ms
}

func ExampleDecorrelated() {
	// Each delay is uniform in [100ms, 3*prev], at most 10s: it needs the
	// previous delay, which delays() feeds back as the engine does.
	s := backoff.Decorrelated(100*time.Millisecond, 10*time.Second, backoff.WithSource(rand.NewPCG(1, 2)))
	delays(s, 8)
	// Output: 254ms 508ms 1.217s 2.928s 2.134s 360ms 590ms 850ms
}

func ExampleWithSource() {
	// The same seed gives the same delays; without WithSource every run differs.
	a := backoff.FullJitter(backoff.Constant(time.Second), backoff.WithSource(rand.NewPCG(7, 7)))
	b := backoff.FullJitter(backoff.Constant(time.Second), backoff.WithSource(rand.NewPCG(7, 7)))
	fmt.Println(a.Delay(1, 0) == b.Delay(1, 0), a.Delay(2, 0) == b.Delay(2, 0))
	// Output: true true
}

func ExampleNewAdaptive() {
	a := backoff.NewAdaptive(backoff.Constant(time.Second), backoff.WithMaxMultiplier(5))
	fmt.Println(a.Delay(1, 0))
	for range 5 {
		a.Observe(false) // the engine reports every attempt's outcome
	}
	fmt.Printf("rate %.2f: %v\n", a.SuccessRate(), a.Delay(1, 0).Round(time.Millisecond))
	for range 50 {
		a.Observe(false)
	}
	fmt.Printf("rate %.2f: %v\n", a.SuccessRate(), a.Delay(1, 0))
	for range 50 {
		a.Observe(true)
	}
	fmt.Printf("rate %.2f: %v\n", a.SuccessRate(), a.Delay(1, 0).Round(time.Millisecond))
	// Output:
	// 1s
	// rate 0.59: 1.694s
	// rate 0.00: 5s
	// rate 0.99: 1.005s
}

func ExampleFunc() {
	// Fibonacci backoff: 1s, 1s, 2s, 3s, 5s, ...
	fib := backoff.Func(func(n int, _ time.Duration) time.Duration {
		a, b := time.Second, time.Second
		for range n - 1 {
			a, b = b, a+b
		}
		return a
	})
	delays(fib, 6)
	// Output: 1s 1s 2s 3s 5s 8s
}

func ExampleValidate() {
	fmt.Println(backoff.Validate(backoff.Exponential(time.Second, 0.5)))
	fmt.Println(backoff.Validate(backoff.Capped(backoff.FullJitter(backoff.Constant(-time.Second)), time.Minute)))
	fmt.Println(backoff.Validate(backoff.Decorrelated(time.Second, time.Millisecond)))
	fmt.Println(backoff.Validate(backoff.Default()))
	// Output:
	// backoff: Exponential factor 0.5 < 1
	// backoff: Constant delay -1s is negative
	// backoff: Decorrelated max 1ms < base 1s
	// <nil>
}
