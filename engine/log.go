package engine

import (
	"context"
	"log/slog"

	"github.com/recur-go/recur/breaker"
)

// LogLevels sets the level of each kind of line the log hooks write. A retry is routine and a
// permanent error is the dependency answering, so by default neither shouts: a fan-out through a
// flaky dependency logs what gave up, not every retry on the way.
type LogLevels struct {
	Retry       slog.Level // a retry scheduled (default Debug)
	GaveUp      slog.Level // a call that failed retrying: exhausted, deadline, budget, breaker open (default Warn)
	Permanent   slog.Level // a call stopped by a permanent error, which its caller handles (default Info)
	Canceled    slog.Level // a call canceled by its caller, or settled by Close (default Debug)
	BreakerOpen slog.Level // a breaker opened, by its rules or by hand (default Warn)
	Breaker     slog.Level // a breaker's other transitions (default Info)
}

// DefaultLogLevels returns the levels WithLogger and LogHooks use.
func DefaultLogLevels() LogLevels {
	return LogLevels{Retry: slog.LevelDebug, GaveUp: slog.LevelWarn, Permanent: slog.LevelInfo,
		Canceled: slog.LevelDebug, BreakerOpen: slog.LevelWarn, Breaker: slog.LevelInfo}
}

// WithLogger logs retries, failed calls and breaker transitions to l at DefaultLogLevels (see
// LogHooksAt).
func WithLogger(l *slog.Logger) Option { return withLogger("WithLogger", l, DefaultLogLevels()) }

// WithLoggerAt is WithLogger at the given levels.
func WithLoggerAt(l *slog.Logger, levels LogLevels) Option {
	return withLogger("WithLoggerAt", l, levels)
}

func withLogger(option string, l *slog.Logger, levels LogLevels) Option {
	return optionFunc(func(c *config) {
		if l == nil {
			c.fail("%s: logger is nil", option)
			return
		}
		c.hooks.add(LogHooksAt(l, levels))
	})
}

// LogHooks returns the hooks WithLogger installs: LogHooksAt with DefaultLogLevels.
func LogHooks(l *slog.Logger) Hooks { return LogHooksAt(l, DefaultLogLevels()) }

// LogHooksAt returns hooks that log to l at the given levels, with structured fields (op, key
// when there is one, attempt, delay, reason, err, elapsed). Lines about a call are logged with
// the call's context, so a handler can add what it carries (a trace's IDs). Successes are not
// logged. A level below the logger's costs one Enabled check, and no fields are built.
func LogHooksAt(l *slog.Logger, lv LogLevels) Hooks {
	return Hooks{
		OnRetry: func(r RetryScheduled) {
			if !l.Enabled(r.Ctx, lv.Retry) {
				return
			}
			l.LogAttrs(r.Ctx, lv.Retry, "retrying", append(callAttrs(r.Name, r.Key),
				slog.Int("attempt", r.Attempt), slog.Duration("delay", r.Delay), slog.Any("err", r.Err))...)
		},
		OnSettled: func(s Settled) {
			if s.Success {
				return
			}
			level := lv.levelOf(s.Reason)
			if !l.Enabled(s.Ctx, level) {
				return
			}
			l.LogAttrs(s.Ctx, level, "giving up", append(callAttrs(s.Name, s.Key),
				slog.Int("attempts", s.Attempts), slog.String("reason", s.Reason.String()),
				slog.Any("err", s.Err), slog.Duration("elapsed", s.End.Sub(s.Start)))...)
		},
		OnBreakerChange: func(c BreakerChange) {
			level := lv.Breaker
			if c.To == breaker.Open || c.To == breaker.ForcedOpen {
				level = lv.BreakerOpen
			}
			attrs := []slog.Attr{slog.String("engine", c.Engine)}
			if c.Key != "" {
				attrs = append(attrs, slog.String("key", c.Key))
			}
			l.LogAttrs(context.Background(), level, "breaker state changed",
				append(attrs, slog.String("from", c.From.String()), slog.String("to", c.To.String()))...)
		},
	}
}

// levelOf is the level of a line about a call that failed for reason r.
func (lv LogLevels) levelOf(r Reason) slog.Level {
	switch r {
	case ReasonPermanent:
		return lv.Permanent
	case ReasonCanceled, ReasonClosed:
		return lv.Canceled
	default:
		return lv.GaveUp
	}
}

// callAttrs are the fields that say which call a line is about, with room for the rest.
func callAttrs(name, key string) []slog.Attr {
	attrs := make([]slog.Attr, 1, 6)
	attrs[0] = slog.String("op", name)
	if key != "" {
		attrs = append(attrs, slog.String("key", key))
	}
	return attrs
}
