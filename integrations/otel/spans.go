package recurotel

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/recur-go/recur/engine"
	"github.com/recur-go/recur/integrations/internal/outcomes"
)

// spans builds a span per call from its events. The engine gives hooks no way to replace the
// call's context, so a call's span is kept here, found by the call's context (the same value
// for every event of one call) from its first attempt to its settlement.
type spans struct {
	tracer       trace.Tracer
	attemptSpans bool
	calls        sync.Map // context.Context (the call's) -> *callSpan, or a settled event
}

// callSpan is a running call's span, and its attempts' spans with AttemptSpans.
type callSpan struct {
	span     trace.Span
	ctx      context.Context // the span's context, parent of attempt spans
	mu       sync.Mutex
	attempts map[int]trace.Span // by attempt number: an abandoned attempt may end after the next starts
	ended    bool               // the call settled: an attempt span started now is ended at once
}

func newSpans(tp trace.TracerProvider, cfg config) *spans {
	return &spans{tracer: tp.Tracer(scope), attemptSpans: cfg.attemptSpans}
}

func (s *spans) hooks() engine.Hooks {
	return engine.Hooks{
		OnAttemptStart: s.attemptStart,
		OnAttemptEnd:   s.attemptEnd,
		OnRetry:        s.retry,
		OnSettled:      s.settled,
	}
}

func spanName(name string) string {
	if name == "" {
		return "recur.call"
	}
	return name
}

func (s *spans) attemptStart(a engine.AttemptStart) {
	if a.Attempt == 1 {
		s.begin(a)
	}
	if !s.attemptSpans {
		return
	}
	if c, ok := s.lookup(a.Ctx); ok {
		_, span := s.tracer.Start(c.ctx, "recur.attempt", trace.WithTimestamp(a.At),
			trace.WithAttributes(attribute.Int("recur.attempt", a.Attempt)))
		c.mu.Lock()
		ended := c.ended
		if !ended {
			c.attempts[a.Attempt] = span
		}
		c.mu.Unlock()
		if ended { // the call settled (canceled) as this attempt started
			span.End()
		}
	}
}

// begin starts the call's span at its first attempt.
func (s *spans) begin(a engine.AttemptStart) {
	ctx, span := s.tracer.Start(a.Ctx, spanName(a.Name), trace.WithTimestamp(a.At),
		trace.WithAttributes(keyAttr.String(a.Key)))
	c := &callSpan{span: span, ctx: ctx}
	if s.attemptSpans {
		c.attempts = map[int]trace.Span{}
	}
	if prev, loaded := s.calls.LoadOrStore(a.Ctx, c); loaded {
		// The call settled between this attempt's start and this hook (canceled at that very
		// moment), and left its settlement here for the span to end with.
		s.calls.Delete(a.Ctx)
		s.end(c, prev.(engine.Settled))
	}
}

func (s *spans) lookup(ctx context.Context) (*callSpan, bool) {
	v, ok := s.calls.Load(ctx)
	if !ok {
		return nil, false
	}
	c, ok := v.(*callSpan)
	return c, ok
}

func (s *spans) attemptEnd(a engine.AttemptEnd) {
	c, ok := s.lookup(a.Ctx)
	if !ok {
		return // an attempt abandoned at its timeout that ended after its call
	}
	result := "ok"
	if a.Err != nil {
		result = "error"
	}
	attrs := []attribute.KeyValue{attribute.Int("recur.attempt", a.Attempt), attemptRes.String(result),
		attribute.Float64("recur.attempt.duration", a.Duration.Seconds()), attribute.String("recur.decision", a.Decision.String())}
	if a.Err != nil {
		attrs = append(attrs, attribute.String("exception.message", a.Err.Error()))
	}
	c.span.AddEvent("recur.attempt", trace.WithAttributes(attrs...))
	if !s.attemptSpans {
		return
	}
	c.mu.Lock()
	span := c.attempts[a.Attempt]
	delete(c.attempts, a.Attempt)
	c.mu.Unlock()
	if span != nil {
		if a.Err != nil {
			span.RecordError(a.Err)
			span.SetStatus(codes.Error, a.Err.Error())
		}
		span.SetAttributes(attrs[1:]...)
		span.End()
	}
}

func (s *spans) retry(r engine.RetryScheduled) {
	if c, ok := s.lookup(r.Ctx); ok {
		c.span.AddEvent("recur.retry", trace.WithAttributes(attribute.Int("recur.attempt", r.Attempt),
			attribute.Float64("recur.retry.delay", r.Delay.Seconds())))
	}
}

func (s *spans) settled(st engine.Settled) {
	if v, ok := s.calls.LoadAndDelete(st.Ctx); ok {
		s.end(v.(*callSpan), st)
		return
	}
	if st.Attempts == 0 {
		// Settled before any attempt started (canceled in the queue, refused by the breaker at
		// its first attempt): the span covers the wait.
		_, span := s.tracer.Start(st.Ctx, spanName(st.Name), trace.WithTimestamp(st.Start),
			trace.WithAttributes(keyAttr.String(st.Key)))
		s.end(&callSpan{span: span}, st)
		return
	}
	// An attempt started, and its hook has not stored the span yet: leave the settlement for
	// it (see begin), unless it stored it in the meantime.
	if v, loaded := s.calls.LoadOrStore(st.Ctx, st); loaded {
		s.calls.Delete(st.Ctx)
		s.end(v.(*callSpan), st)
	}
}

// end ends c's span (and any attempt span left open) as st says.
func (s *spans) end(c *callSpan, st engine.Settled) {
	outcome := outcomes.Names[outcomes.Of(st)]
	c.span.SetAttributes(attribute.Int("recur.attempts", st.Attempts), outcomeAttr.String(outcome))
	if !st.Success {
		if st.Reason == engine.ReasonBreakerOpen {
			c.span.AddEvent("recur.breaker.open", trace.WithTimestamp(st.End))
		}
		c.span.SetAttributes(attribute.String("error.type", outcome))
		if st.FellBack {
			c.span.SetAttributes(attribute.Bool("recur.fallback", true))
		}
		if st.Err != nil {
			c.span.SetStatus(codes.Error, st.Err.Error())
		} else {
			c.span.SetStatus(codes.Error, outcome)
		}
	}
	c.mu.Lock()
	c.ended = true
	for n, span := range c.attempts {
		span.End(trace.WithTimestamp(st.End)) // cut short by the settlement
		delete(c.attempts, n)
	}
	c.mu.Unlock()
	c.span.End(trace.WithTimestamp(st.End))
}
