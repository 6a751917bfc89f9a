package recurprom_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/recur-go/recur/backoff"
	"github.com/recur-go/recur/engine"
	recurprom "github.com/recur-go/recur/integrations/prometheus"
)

// An engine's metrics served on /metrics: calls to a flaky dependency, then a scrape.
func Example() {
	metrics := recurprom.New()
	e, err := engine.New(engine.WithHooks(metrics.Hooks()), engine.WithKeyStats(),
		engine.Defaults(engine.Backoff(backoff.Constant(time.Millisecond))))
	if err != nil {
		panic(err)
	}
	defer e.Close(context.Background())
	metrics.Observe(e)

	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	// Every third call fails its first attempt; one call in ten fails for good (the ninth of each
	// ten at once, without retrying).
	for i := range 30 {
		attempt := 0
		engine.Do(context.Background(), e, func(context.Context) (int, error) {
			attempt++
			switch {
			case i%10 == 9:
				return 0, engine.Permanent(errors.New("not found"))
			case i%3 == 0 && attempt == 1:
				return 0, errors.New("unavailable")
			}
			return i, nil
		}, engine.Key("inventory"))
	}

	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "recur_key_") && !strings.HasSuffix(line, " 0") ||
			strings.HasPrefix(line, "recur_retry_delay_seconds_count") {
			fmt.Println(line)
		}
	}
	// Output:
	// recur_key_attempts_total{key="inventory"} 39
	// recur_key_calls_settled_total{key="inventory",outcome="permanent"} 3
	// recur_key_calls_settled_total{key="inventory",outcome="success"} 27
	// recur_key_calls_total{key="inventory"} 30
	// recur_key_retries_total{key="inventory"} 9
	// recur_retry_delay_seconds_count{key="inventory"} 9
}
