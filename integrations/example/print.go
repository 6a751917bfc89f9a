package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// printOTel prints the counters OpenTelemetry collected, the mean call duration per key and
// the spans recorded.
func printOTel(w io.Writer, reader *sdkmetric.ManualReader, spans *tracetest.SpanRecorder) error {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nOpenTelemetry metrics:")
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if m.Name != "recur.calls" && m.Name != "recur.retries" {
					continue
				}
				for _, dp := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("  %s{%s} %d", m.Name, dp.Attributes.Encoded(attribute.DefaultEncoder()), dp.Value))
				}
			case metricdata.Histogram[float64]:
				if m.Name != "recur.attempt.duration" {
					continue
				}
				var n uint64
				var sum float64
				for _, dp := range d.DataPoints {
					n, sum = n+dp.Count, sum+dp.Sum
				}
				lines = append(lines, fmt.Sprintf("  %s: %d attempts, %.1fms on average", m.Name, n, 1000*sum/float64(max(n, 1))))
			}
		}
	}
	slices.Sort(lines)
	fmt.Fprintln(w, strings.Join(lines, "\n"))

	ended := spans.Ended()
	events := 0
	for _, s := range ended {
		events += len(s.Events())
	}
	fmt.Fprintf(w, "OpenTelemetry spans: %d (the fan-out's and one per call), %d events (attempts, retries)\n", len(ended), events)
	return nil
}

// printProm scrapes reg over HTTP, as Prometheus would, and prints the per-key lines.
func printProm(w io.Writer, reg *prometheus.Registry) error {
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nPrometheus /metrics (per key, non-zero):")
	for line := range strings.SplitSeq(string(body), "\n") {
		if (strings.HasPrefix(line, "recur_key_calls_settled_total") || strings.HasPrefix(line, "recur_key_retries_total") ||
			strings.HasPrefix(line, "recur_retry_delay_seconds_count")) && !strings.HasSuffix(line, " 0") {
			fmt.Fprintln(w, " ", line)
		}
	}
	return nil
}
