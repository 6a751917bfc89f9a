package engine_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/internal/fuzzbytes"
)

// FuzzOptions builds an engine's options, its default call options and one call's options
// from the fuzzer's bytes, with any values, and checks that New and Submit never panic,
// accept exactly what the documentation allows, and name the option at fault when they
// refuse; an engine they accept runs the call to a settled Future and closes.
func FuzzOptions(f *testing.F) {
	f.Fuzz(func(t *testing.T, prog []byte) {
		synctest.Test(t, func(t *testing.T) { fuzzOptions(t, &fzReader{fuzzbytes.New(prog)}) })
	})
}

func fuzzOptions(t *testing.T, r *fzReader) {
	var opts []engine.Option
	var want []string // names of invalid options, in the order New reports the first one
	for range r.Byte() % 5 {
		o, name, ok := r.engineOption(t)
		opts = append(opts, o)
		if !ok {
			want = append(want, name)
		}
	}
	defaults, defaultsBad, defaultsStringClassifier := r.callOptions()
	opts = append(opts, engine.Defaults(defaults...))
	brk, brkBad := r.breakerOptions()
	if brk != nil {
		opts = append(opts, engine.WithBreaker(brk...))
	}
	e, err := engine.New(opts...)
	switch {
	case len(want) > 0:
		fzExpectNamed(t, "New", err, want[0])
		return
	case defaultsBad != "":
		fzExpectNamed(t, "New", err, defaultsBad)
		return
	case brkBad != "":
		fzExpectNamed(t, "New", err, brkBad)
		return
	case err != nil:
		t.Fatalf("New refused valid options: %v", err)
	}
	defer func() {
		if err := e.Close(context.Background()); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}()

	callOpts, callBad, callStringClassifier := r.callOptions()
	failures := int(r.Byte() % 4)
	attempts := 0
	op := func(context.Context) (int, error) {
		if attempts++; attempts <= failures {
			return 0, errFzFlaky
		}
		return attempts, nil
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	fut, err := engine.Submit(ctx, e, op, callOpts...)
	switch {
	case callBad != "":
		fzExpectNamed(t, "Submit", err, callBad)
		return
	case callStringClassifier || (defaultsStringClassifier && !callHasClassifyResult(callOpts)):
		fzExpectNamed(t, "Submit", err, "ClassifyResult")
		return
	case err != nil && !errors.Is(err, breaker.ErrOpen):
		t.Fatalf("Submit refused valid options: %v", err)
	case err != nil:
		return
	}
	v, err := fut.Await(t.Context())
	if err == nil && v != attempts {
		t.Fatalf("the call returned %d after %d attempts", v, attempts)
	}
	if err != nil && !errors.As(err, new(*engine.RetryError)) {
		t.Fatalf("the call failed with %T %v, not a *RetryError", err, err)
	}
	if s := e.Stats(); s.Submitted != s.Succeeded+s.Failed() || s.Pending != 0 {
		t.Fatalf("stats do not add up: %+v", s)
	}
}

var errFzFlaky = errors.New("fuzz: flaky")

// fzExpectNamed fails unless err is an error that names the option.
func fzExpectNamed(t *testing.T, what string, err error, option string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s accepted an invalid %s", what, option)
	}
	if !strings.Contains(err.Error(), option) {
		t.Fatalf("%s: the error %q does not name %s", what, err, option)
	}
}

// callHasClassifyResult reports whether a call's own options set a ClassifyResult (which then
// replaces the one from Defaults). fzReader.callOptions puts it last, by name.
func callHasClassifyResult(opts []engine.CallOption) bool {
	for _, o := range opts {
		if _, ok := o.(fzClassifyResult); ok {
			return true
		}
	}
	return false
}

// fzClassifyResult marks a ClassifyResult option for callHasClassifyResult.
type fzClassifyResult struct{ engine.CallOption }

// engineOption reads one engine option, its name, and whether it is valid.
func (r *fzReader) engineOption(t *testing.T) (engine.Option, string, bool) {
	switch r.Byte() % 8 {
	case 0:
		n := int(int8(r.Byte())) % 17
		return engine.WithMaxConcurrency(n), "WithMaxConcurrency", n >= 1
	case 1:
		n := int(int8(r.Byte())) % 65
		return engine.WithQueueSize(n), "WithQueueSize", n >= 0
	case 2:
		ratio, rate, capacity := r.Float(64), r.Float(64), r.Int()
		b, err := engine.NewBudget(ratio, rate, capacity)
		bad := ""
		switch {
		case math.IsNaN(ratio) || ratio < 0 || ratio > 1:
			bad = "ratio"
		case math.IsNaN(rate) || math.IsInf(rate, 0) || rate < 0:
			bad = "minPerSecond"
		case capacity < 1 || capacity > math.MaxInt64/1_000_000:
			bad = "capacity"
		}
		if (err == nil) != (bad == "") || (err != nil && !strings.Contains(err.Error(), "NewBudget "+bad)) {
			t.Fatalf("NewBudget(%v, %v, %v) = %v, want an error naming %q", ratio, rate, capacity, err, bad)
		}
		return engine.WithBudget(b), "WithBudget", b != nil
	case 3:
		return engine.WithLogger(nil), "WithLogger", false
	case 4:
		return engine.WithName(string(r.Bytes(int(r.Byte() % 16)))), "", true
	case 5:
		return engine.WithHooks(engine.Hooks{OnSettled: func(engine.Settled) {}}), "", true
	case 6:
		return nil, "nil Option", false
	}
	return engine.WithBudget(nil), "WithBudget", false
}

// breakerOptions reads the options of an engine's breaker, if it has one, and the name of the
// first invalid one.
func (r *fzReader) breakerOptions() ([]breaker.Option, string) {
	switch r.Byte() % 4 {
	case 0:
		return nil, ""
	case 1:
		n := r.Int()
		return []breaker.Option{breaker.ConsecutiveFailures(1), breaker.HalfOpenProbes(n)}, fzBad(n >= 1 && n <= 32767, "HalfOpenProbes")
	case 2:
		d := r.Duration()
		return []breaker.Option{breaker.OpenFor(d)}, fzBad(d > 0, "OpenFor")
	}
	return []breaker.Option{}, ""
}

// fzBad returns name unless ok.
func fzBad(ok bool, name string) string {
	if ok {
		return ""
	}
	return name
}

// callOptions reads a few call options and returns the name of the first invalid one (or "")
// and whether the last ClassifyResult among them is for a string result, which a call
// returning int refuses.
func (r *fzReader) callOptions() (opts []engine.CallOption, bad string, stringClassifier bool) {
	note := func(o engine.CallOption, name string, ok bool) {
		opts = append(opts, o)
		if !ok && bad == "" {
			bad = name
		}
	}
	for range r.Byte() % 6 {
		switch r.Byte() % 12 {
		case 0:
			n := r.Int()
			note(engine.MaxAttempts(n), "MaxAttempts", n >= 1)
		case 1:
			note(engine.UnlimitedAttempts(), "", true)
		case 2:
			d := r.Duration()
			note(engine.MaxDelay(d), "MaxDelay", d > 0)
		case 3:
			d := r.Duration()
			note(engine.AttemptTimeout(d), "AttemptTimeout", d >= 0)
		case 4:
			d, factor := r.Duration(), r.Float(64)
			s := backoff.Capped(backoff.Exponential(d, factor), time.Minute)
			note(engine.Backoff(s), "Backoff", backoff.Validate(s) == nil)
		case 5:
			note(engine.Backoff(nil), "Backoff", false)
		case 6:
			note(engine.Classify(nil), "Classify", false)
		case 7:
			note(engine.Classify(engine.DefaultClassifier), "", true)
		case 8:
			m := engine.BreakerMode(r.Byte() % 5)
			note(engine.OnBreakerOpen(m), "OnBreakerOpen", m <= engine.Bypass)
		case 9:
			note(engine.Name(string(r.Bytes(int(r.Byte()%8)))), "", true)
		case 10:
			note(nil, "nil CallOption", false)
		case 11:
			switch r.Byte() % 3 {
			case 0:
				note(fzClassifyResult{engine.ClassifyResult[int](nil)}, "ClassifyResult", false)
			case 1:
				note(fzClassifyResult{engine.ClassifyResult(func(int, error) engine.Decision { return engine.Accept() })}, "", true)
				stringClassifier = false
			default:
				note(fzClassifyResult{engine.ClassifyResult(func(string, error) engine.Decision { return engine.Accept() })}, "", true)
				stringClassifier = true
			}
		}
	}
	return opts, bad, stringClassifier
}
