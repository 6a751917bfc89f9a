package backoff

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// ParamError reports an invalid strategy parameter. [Validate] returns it, so
// callers can inspect it with errors.As (or, from Go 1.26, errors.AsType).
type ParamError struct {
	Strategy string // the constructor, e.g. "Exponential"
	Param    string // the parameter, e.g. "factor"
	Value    any    // the value given, e.g. 0.5 or -1s; nil when the value is nil
	Reason   string // what is wrong with it, e.g. "< 1" or "is negative"
}

// Error reads like "backoff: Exponential factor 0.5 < 1".
func (e *ParamError) Error() string {
	parts := []string{"backoff:"}
	for _, p := range []string{e.Strategy, e.Param} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if e.Value != nil {
		parts = append(parts, fmt.Sprint(e.Value))
	}
	return strings.Join(append(parts, e.Reason), " ")
}

// validator is what [Validate] looks for; every strategy of this package with
// parameters implements it, and so may a user's own strategy.
type validator interface {
	Validate() error
}

// Validate reports the first invalid parameter of s, or of any strategy it
// wraps, as a *[ParamError] that names the parameter and its value. A nil s
// is invalid. Strategies that implement interface{ Validate() error } are
// checked; any other non-nil strategy, such as a non-nil [Func], is valid.
//
// Strategies built with invalid parameters are still safe to call (they clamp
// them to the nearest sane value), so an invalid configuration can never make
// a retry panic; Validate is how a constructor such as engine.New rejects it
// up front.
func Validate(s Strategy) error {
	if s == nil {
		return &ParamError{Param: "strategy", Reason: "is nil"}
	}
	if v, ok := s.(validator); ok {
		return v.Validate()
	}
	return nil
}

// validateInner validates the strategy a wrapper wraps, naming the wrapper
// when the inner strategy is missing.
func validateInner(wrapper string, inner Strategy) error {
	if inner == nil {
		return &ParamError{Strategy: wrapper, Param: "strategy", Reason: "is nil"}
	}
	return Validate(inner)
}

// firstDelayer is implemented by strategies that know their first
// (unjittered) delay; [Capped] uses it to reject a cap below that delay.
type firstDelayer interface {
	firstDelay() (time.Duration, bool)
}

// firstDelay returns the first delay of s when s can tell it.
func firstDelay(s Strategy) (time.Duration, bool) {
	if f, ok := s.(firstDelayer); ok {
		return f.firstDelay()
	}
	return 0, false
}

func nonNegative(strategy, param string, d time.Duration) error {
	if d < 0 {
		return &ParamError{Strategy: strategy, Param: param, Value: d, Reason: "is negative"}
	}
	return nil
}

func positive(strategy, param string, d time.Duration) error {
	if d <= 0 {
		return &ParamError{Strategy: strategy, Param: param, Value: d, Reason: "must be positive"}
	}
	return nil
}

func finite(strategy, param string, f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return &ParamError{Strategy: strategy, Param: param, Value: f, Reason: "is not finite"}
	}
	return nil
}
