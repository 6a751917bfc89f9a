package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/internal/fuzzbytes"
)

// FuzzMarkers builds error chains from the fuzzer's bytes (fmt.Errorf with one or several
// %w, errors.Join, wrapper types with Unwrap() error or []error, PanicError, nil errors) with
// Permanent and RetryAfter marks anywhere in them, and checks DefaultClassifier against the
// documented rules, found the way errors.As finds them: a Permanent mark anywhere stops; else
// the first RetryAfter mark, depth first, gives the delay; else a PanicError or ErrClosed
// stops; else retry. Then one call through an engine checks that the engine acts on it.
func FuzzMarkers(f *testing.F) {
	f.Fuzz(func(t *testing.T, prog []byte) {
		root := (&fzReader{fuzzbytes.New(prog)}).chain()
		var err error
		if root != nil {
			err = root.err
		}
		want := fzClassify(root)
		var leaves []error // what the chain holds, which the call's error must still hold
		fzWalk(root, func(n *fzNode) bool {
			if n.mark == 'l' || n.mark == 'c' {
				leaves = append(leaves, n.err)
			}
			return false
		})
		if got := engine.DefaultClassifier(err).String(); got != want {
			t.Fatalf("DefaultClassifier(%v) = %s, want %s", err, got, want)
		}
		synctest.Test(t, func(t *testing.T) { fzRunMarked(t, err, want, leaves) })
	})
}

// fzRunMarked runs a call whose first attempt fails with err (and second succeeds) and checks
// the outcome: stopped at once, retried after the hinted delay, or retried after the strategy's.
func fzRunMarked(t *testing.T, err error, want string, leaves []error) {
	e, newErr := engine.New(engine.WithMaxConcurrency(1),
		engine.Defaults(engine.MaxAttempts(2), engine.MaxDelay(time.Hour), engine.Backoff(backoff.Constant(5*time.Second)),
			engine.HintSpread(0))) // hints exactly: the spread has tests of its own
	if newErr != nil {
		t.Fatal(newErr)
	}
	defer e.Close(context.Background())
	attempts := 0
	start := time.Now()
	v, got := engine.Do(t.Context(), e, func(context.Context) (int, error) {
		if attempts++; attempts == 1 {
			return 1, err
		}
		return 2, nil
	})
	elapsed := time.Since(start)
	switch {
	case want == "accept":
		if got != nil || v != 1 {
			t.Fatalf("a nil error was not accepted: %v, %v", v, got)
		}
	case want == "stop":
		var re *engine.RetryError
		if !errors.As(got, &re) || re.Reason != engine.ReasonPermanent || re.Attempts != 1 {
			t.Fatalf("a stopped call ended with %v", got)
		}
		for _, leaf := range leaves {
			if !errors.Is(got, leaf) {
				t.Fatalf("the call's error %v lost %v from the chain", got, leaf)
			}
		}
	default:
		wantDelay := 5 * time.Second // the strategy's
		if hint, ok := strings.CutPrefix(want, "retry-after "); ok {
			d, err := time.ParseDuration(hint)
			if err != nil {
				t.Fatal(err)
			}
			if d > time.Hour { // longer than the call may wait: it stops, not retrying early
				if !errors.Is(got, engine.ErrHintTooLong) || attempts != 1 {
					t.Fatalf("a call hinted %v past its 1h cap ended with %v after %d attempts", d, got, attempts)
				}
				return
			}
			wantDelay = d
		}
		if got != nil || v != 2 || elapsed != wantDelay {
			t.Fatalf("a retried call returned %v, %v after %v, want 2 after %v", v, got, elapsed, wantDelay)
		}
	}
}

// fzNode is an error of a fuzzed chain, with what it unwraps to as the errors package sees
// it: nil errors are left out.
type fzNode struct {
	err   error
	kids  []*fzNode
	mark  byte // 'p' Permanent, 'r' RetryAfter, 'x' *PanicError, 'c' ErrClosed, 'l' another leaf
	delay time.Duration
}

var fzLeaves = []error{errors.New("leaf 0"), errors.New("leaf 1"), errors.New("leaf 2"), engine.ErrClosed}

// fzWrap and fzMulti are user error types that wrap one error or several.
type fzWrap struct{ err error }

func (w fzWrap) Error() string { return "wrap(" + fmt.Sprint(w.err) + ")" }
func (w fzWrap) Unwrap() error { return w.err }

type fzMulti struct{ errs []error }

func (m fzMulti) Error() string   { return fmt.Sprint(m.errs) }
func (m fzMulti) Unwrap() []error { return m.errs }

// chain runs a small stack program that builds an error, and returns its model (nil for a
// nil error).
func (r *fzReader) chain() *fzNode {
	var stack []*fzNode // a nil entry is a nil error
	pop := func() *fzNode {
		if len(stack) == 0 {
			return &fzNode{err: fzLeaves[0], mark: 'l'}
		}
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return n
	}
	errOf := func(n *fzNode) error {
		if n == nil {
			return nil
		}
		return n.err
	}
	nonNil := func(ns ...*fzNode) []*fzNode {
		var out []*fzNode
		for _, n := range ns {
			if n != nil {
				out = append(out, n)
			}
		}
		return out
	}
	for steps := 0; r.Len() > 0 && steps < 64; steps++ {
		var n *fzNode
		switch op := r.Byte() % 10; op {
		case 0:
			leaf := r.Byte() % byte(len(fzLeaves))
			n = &fzNode{err: fzLeaves[leaf], mark: "lllc"[leaf]}
		case 1:
			a := pop()
			n = &fzNode{err: fmt.Errorf("context: %w", errOf(a)), kids: nonNil(a)}
		case 2:
			if a := pop(); a != nil {
				n = &fzNode{err: engine.Permanent(a.err), kids: nonNil(a), mark: 'p'}
			}
		case 3:
			d := time.Duration(int16(r.Uint16())) * time.Millisecond
			if a := pop(); a != nil {
				n = &fzNode{err: engine.RetryAfter(a.err, d), kids: nonNil(a), mark: 'r', delay: max(d, 0)}
			}
		case 4:
			b, a := pop(), pop()
			if err := errors.Join(errOf(a), errOf(b)); err != nil {
				n = &fzNode{err: err, kids: nonNil(a, b)}
			}
		case 5:
			b, a := pop(), pop()
			n = &fzNode{err: fmt.Errorf("%w and %w", errOf(a), errOf(b)), kids: nonNil(a, b)}
		case 6:
			a := pop()
			n = &fzNode{err: fzWrap{errOf(a)}, kids: nonNil(a)}
		case 7:
			b, a := pop(), pop()
			n = &fzNode{err: fzMulti{[]error{errOf(a), errOf(b)}}, kids: nonNil(a, b)}
		case 8:
			a := pop()
			n = &fzNode{err: &engine.PanicError{Value: errOf(a)}, kids: nonNil(a), mark: 'x'}
		}
		stack = append(stack, n) // case 9, and markers of nil, push a nil error
	}
	return pop()
}

// fzWalk visits n and what it wraps depth first, in the order errors.As does, until visit
// returns true; it reports whether one did.
func fzWalk(n *fzNode, visit func(*fzNode) bool) bool {
	if n == nil {
		return false
	}
	if visit(n) {
		return true
	}
	for _, k := range n.kids {
		if fzWalk(k, visit) {
			return true
		}
	}
	return false
}

// fzClassify is the documented DefaultClassifier, applied to the model of a chain.
func fzClassify(root *fzNode) string {
	has := func(mark byte) *fzNode {
		var found *fzNode
		fzWalk(root, func(n *fzNode) bool {
			if n.mark == mark {
				found = n
			}
			return found != nil
		})
		return found
	}
	switch {
	case root == nil:
		return "accept"
	case has('p') != nil:
		return "stop"
	case has('r') != nil:
		return "retry-after " + has('r').delay.String()
	case has('x') != nil, has('c') != nil:
		return "stop"
	}
	return "retry"
}

// fzReader reads values from the fuzzer's bytes; missing bytes read as zero.
type fzReader struct{ *fuzzbytes.Reader }
