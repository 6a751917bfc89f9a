// Command compare measures recur side by side with its peers and prints the medians and the
// ratios: as Markdown tables (the default) or, with -json, one JSON object per line.
//
//	go run ./bench/cmd/compare            # every scenario at full size, several minutes
//	go run ./bench/cmd/compare -quick     # every scenario, fewer sizes and rounds, under 3 minutes
//	go run ./bench/cmd/compare -json      # for scripts
//	go run ./bench/cmd/compare -plot DIR  # also write SVG charts to DIR
//	go run ./bench/cmd/compare -smoke     # every scenario once at a tiny size: checks the harness
//	go run ./bench/cmd/compare -quick -run '^latency/'  # one family: -run takes a regular expression
//
// Progress goes to standard error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"time"

	"github.com/recur-go/recur/bench"
)

func main() {
	quick := flag.Bool("quick", false, "every scenario with fewer sizes and rounds (under 3 minutes)")
	smoke := flag.Bool("smoke", false, "every scenario once at a tiny size, to check the harness (the numbers mean nothing)")
	asJSON := flag.Bool("json", false, "print one JSON object per line instead of Markdown")
	plotDir := flag.String("plot", "", "write SVG charts to this directory")
	only := flag.String("run", "", "run only the scenarios whose name matches this regular expression")
	flag.Parse()
	sizes := bench.FullSizes
	switch {
	case *smoke:
		sizes = bench.TinySizes
	case *quick:
		sizes = bench.QuickSizes
	}
	if err := run(os.Stdout, os.Stderr, sizes, *asJSON, *plotDir, *only); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(out, progress io.Writer, sizes bench.Sizes, asJSON bool, plotDir, only string) error {
	match, err := regexp.Compile(only)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	var scenarios []bench.Scenario
	for _, s := range bench.Scenarios(sizes) {
		if match.MatchString(s.Name) {
			scenarios = append(scenarios, s)
		}
	}
	if len(scenarios) == 0 {
		return fmt.Errorf("no scenario matches -run %q", only)
	}
	start, loadBefore := time.Now(), bench.LoadAverage()
	samples, err := bench.Run(scenarios, progress)
	if err != nil {
		return err
	}
	results := bench.Summarize(samples)
	if plotDir != "" {
		if err := bench.Plot(plotDir, results); err != nil {
			return err
		}
	}
	if asJSON {
		return bench.WriteJSON(out, results)
	}
	fmt.Fprintf(out, "%s, %s/%s, GOMAXPROCS=%d, %s; measured in %v, load average %s before and %s after\n\n",
		bench.CPUModel(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.Version(),
		time.Since(start).Round(time.Second), loadBefore, bench.LoadAverage())
	if err := bench.WriteMarkdown(out, results); err != nil {
		return err
	}
	fmt.Fprintln(out, "\n**goals**")
	fmt.Fprintln(out)
	return bench.WriteGoals(out, bench.CheckGoals(results))
}
