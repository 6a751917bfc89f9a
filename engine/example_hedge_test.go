package engine_test

import (
	"context"
	"fmt"
	"time"

	"github.com/recur-go/recur/engine"
)

func ExampleHedge() {
	e, _ := engine.New()
	defer e.Close(context.Background())

	// A replica set whose first pick is stuck: the hedge, started after 20ms, answers first,
	// and the stuck attempt is canceled with the call.
	lookup := func(ctx context.Context) (string, error) {
		a, _ := engine.AttemptOf(ctx)
		if !a.Hedge {
			<-ctx.Done() // stuck until the call settles
			return "", ctx.Err()
		}
		return fmt.Sprintf("answer from attempt %d", a.Number), nil
	}
	v, err := engine.Do(context.Background(), e, lookup, engine.Hedge(20*time.Millisecond, 2))
	fmt.Println(v, err)
	fmt.Println("hedges:", e.Stats().Hedges)
	// Output:
	// answer from attempt 2 <nil>
	// hedges: 1
}
