package breaker_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/recur-go/recur/breaker"
	"github.com/recur-go/recur/internal/fuzzbytes"
)

// FuzzProbeLimit runs a random sequence of Admit, Report (any outcome, any order, stale
// tickets included), time passing, State, ForceOpen, ForceClosed and Reset against one
// breaker, in fake time, and checks it against a model fed by the state-change callback:
// a half-open breaker never has more probes out than HalfOpenProbes, refuses a call with
// ErrProbeLimit only when every slot is taken, admits one whenever a slot is free, and never
// admits a call while open.
func FuzzProbeLimit(f *testing.F) {
	f.Fuzz(func(t *testing.T, prog []byte, probes, closeAfter, trip uint8) {
		synctest.Test(t, func(t *testing.T) { probeLimit(t, prog, 1+int(probes%8), 1+int(closeAfter%8), 1+int(trip%4)) })
	})
}

// heldTicket is an admitted call that has not reported yet.
type heldTicket struct {
	tk     breaker.Ticket
	period int  // the state period it was admitted in
	probe  bool // admitted while half-open
}

func probeLimit(t *testing.T, prog []byte, probes, closeAfter, trip int) {
	state, period, out := breaker.Closed, 0, 0 // the model: out is probes out in this period
	b, err := breaker.New(breaker.ConsecutiveFailures(trip), breaker.OpenFor(10*time.Millisecond),
		breaker.HalfOpenProbes(probes), breaker.CloseAfter(closeAfter),
		breaker.OnStateChange(func(from, to breaker.State) {
			if from != state {
				t.Fatalf("change %v>%v, but the breaker was %v", from, to, state)
			}
			state, period, out = to, period+1, 0 // every change starts a period: older tickets go stale
		}))
	if err != nil {
		t.Fatal(err)
	}
	r := &fuzzBytes{fuzzbytes.New(prog)}
	var held []heldTicket
	most := 0
	defer func() { t.Logf("%d state changes; at most %d of %d probes out at once", period, most, probes) }()
	for step := 0; r.Len() > 0 && step < 1000; step++ {
		switch op := r.Byte() % 8; op {
		case 0, 1, 2:
			tk, err := b.Admit()
			switch {
			case err == nil && (state == breaker.Open || state == breaker.ForcedOpen):
				t.Fatalf("step %d: admitted while %v", step, state)
			case err == nil:
				probe := state == breaker.HalfOpen
				if probe {
					if out++; out > probes {
						t.Fatalf("step %d: %d probes out, HalfOpenProbes(%d)", step, out, probes)
					}
					most = max(most, out)
				}
				held = append(held, heldTicket{tk, period, probe})
			case errors.Is(err, breaker.ErrProbeLimit):
				if state != breaker.HalfOpen || out < probes {
					t.Fatalf("step %d: ErrProbeLimit while %v with %d of %d probes out", step, state, out, probes)
				}
			case errors.Is(err, breaker.ErrOpen):
				if state != breaker.Open && state != breaker.ForcedOpen {
					t.Fatalf("step %d: ErrOpen while %v", step, state)
				}
			default:
				t.Fatalf("step %d: Admit: %v", step, err)
			}
		case 3, 4:
			if len(held) == 0 {
				continue
			}
			i := int(r.Byte()) % len(held)
			h := held[i]
			held = append(held[:i], held[i+1:]...)
			if h.probe && h.period == period {
				out-- // its slot is free before any change the report causes
			}
			b.Report(h.tk, breaker.Outcome(r.Byte()%3), time.Duration(r.Byte())*time.Millisecond)
		case 5:
			time.Sleep(time.Duration(r.Byte()%16) * time.Millisecond)
		case 6:
			if got := b.State(); got != state {
				t.Fatalf("step %d: State() = %v, the callbacks said %v", step, got, state)
			}
		case 7:
			switch r.Byte() % 8 { // rarely: manual control
			case 0:
				b.ForceOpen()
			case 1:
				b.ForceClosed()
			case 2:
				b.Reset()
			}
		}
	}
}
