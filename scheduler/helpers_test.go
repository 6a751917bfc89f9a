package scheduler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// start creates a scheduler that is closed when the test ends (inside the
// synctest bubble when called from one).
func start[T any](t *testing.T, buffer int) *Scheduler[T] {
	t.Helper()
	s, err := New[T](buffer)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// schedule schedules item and fails the test on error.
func schedule[T any](t *testing.T, s *Scheduler[T], at time.Time, item T) Handle {
	t.Helper()
	h, err := s.Schedule(at, item)
	require.NoError(t, err)
	return h
}

// arrival is one item received from C and when, relative to the test start.
type arrival[T any] struct {
	Item T
	At   time.Duration
}

// receive takes n items from s.C(), noting the fake time of each arrival.
func receive[T any](t *testing.T, s *Scheduler[T], start time.Time, n int) []arrival[T] {
	t.Helper()
	got := make([]arrival[T], 0, n)
	for range n {
		item, ok := <-s.C()
		require.True(t, ok, "C closed after %d of %d items", len(got), n)
		got = append(got, arrival[T]{item, time.Since(start)})
	}
	return got
}
