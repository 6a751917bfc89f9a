package scheduler_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/recur-go/recur/scheduler"
)

func Example() {
	s, err := scheduler.New[string](8)
	if err != nil {
		panic(err)
	}
	defer s.Close()

	now := time.Now()
	s.Schedule(now.Add(20*time.Millisecond), "third")
	s.Schedule(now.Add(10*time.Millisecond), "second")
	s.Schedule(now, "first")

	for range 3 {
		fmt.Println(<-s.C())
	}
	// Output:
	// first
	// second
	// third
}

func ExampleScheduler_Cancel() {
	s, err := scheduler.New[string](1)
	if err != nil {
		panic(err)
	}
	defer s.Close()

	h, _ := s.Schedule(time.Now().Add(time.Hour), "retry")
	fmt.Println("canceled:", s.Cancel(h))
	fmt.Println("canceled again:", s.Cancel(h))
	fmt.Println("pending:", s.Len())
	// Output:
	// canceled: true
	// canceled again: false
	// pending: 0
}

func ExampleScheduler_Close() {
	s, err := scheduler.New[int](0)
	if err != nil {
		panic(err)
	}
	now := time.Now()
	for i := range 3 {
		s.Schedule(now.Add(time.Duration(3-i)*time.Hour), i)
	}

	fmt.Println("not delivered:", s.Close())
	_, err = s.Schedule(now, 9)
	fmt.Println(errors.Is(err, scheduler.ErrClosed))
	// Output:
	// not delivered: [2 1 0]
	// true
}
