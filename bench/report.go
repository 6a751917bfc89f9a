package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// WriteJSON writes one JSON object per result and line, for scripts:
//
//	{"scenario": "fanout/k=2/delay=1ms", "contender": "failsafe-go", "metric": "ns/batch", "value": 4.4e7, "vs_recur": 3.1}
//
// value keeps six significant digits and vs_recur three; a ratio that cannot be computed
// is null.
func WriteJSON(w io.Writer, results []Result) error {
	for _, r := range results {
		_, err := fmt.Fprintf(w, `{"scenario": %s, "contender": %s, "metric": %s, "value": %s, "vs_recur": %s}`+"\n",
			jsonString(r.Scenario), jsonString(r.Contender), jsonString(r.Metric),
			jsonNumber(r.Value, 6), jsonNumber(r.VsRecur, 3))
		if err != nil {
			return err
		}
	}
	return nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// jsonNumber formats v rounded to sig significant digits in the shortest form, with a plain
// exponent (4.4e7, not 4.4e+07); NaN and infinities, which JSON lacks, become null.
func jsonNumber(v float64, sig int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	rounded, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', sig, 64), 64)
	s := strconv.FormatFloat(rounded, 'g', -1, 64)
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		mant, exp := s[:i], s[i+1:]
		sign := ""
		if exp[0] == '-' {
			sign = "-"
		}
		exp = strings.TrimLeft(exp, "+-0")
		s = mant + "e" + sign + exp
	}
	return s
}

// WriteMarkdown writes one table per scenario group (fanout, scaling, ...): a row per scenario
// and metric, a column per contender, each cell the median and, for peers, how many times
// better recur is.
func WriteMarkdown(w io.Writer, results []Result) error {
	var b strings.Builder
	b.WriteString("Medians over the rounds. (×N): recur is N times better than that contender " +
		"(N times less time, memory, allocations or goroutines; N times the throughput for ops/s); " +
		"below 1, the contender is better.\n")
	for _, group := range groups(results) {
		rs := slices.DeleteFunc(slices.Clone(results), func(r Result) bool { return groupOf(r.Scenario) != group })
		contenders := unique(rs, func(r Result) string { return r.Contender })
		fmt.Fprintf(&b, "\n**%s**\n\n| scenario | metric | %s |\n|---|---|%s\n",
			group, strings.Join(contenders, " | "), strings.Repeat("---:|", len(contenders)))
		type row struct{ scenario, metric string }
		rows := unique(rs, func(r Result) row { return row{r.Scenario, r.Metric} })
		for _, rw := range rows {
			fmt.Fprintf(&b, "| %s | %s |", strings.TrimPrefix(rw.scenario, group+"/"), rw.metric)
			for _, c := range contenders {
				i := slices.IndexFunc(rs, func(r Result) bool {
					return r.Scenario == rw.scenario && r.Metric == rw.metric && r.Contender == c
				})
				cell := "–"
				if i >= 0 {
					cell = FormatValue(rs[i].Metric, rs[i].Value)
					if c != Recur && !math.IsNaN(rs[i].VsRecur) {
						cell += fmt.Sprintf(" (×%s)", formatRatio(rs[i].Advantage()))
					}
				}
				fmt.Fprintf(&b, " %s |", cell)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// groups returns the scenario groups in their order of appearance.
func groups(results []Result) []string {
	return unique(results, func(r Result) string { return groupOf(r.Scenario) })
}

func groupOf(scenario string) string { return Scenario{Name: scenario}.Group() }

// unique returns the distinct keys of rs, in their order of appearance.
func unique[K comparable](rs []Result, key func(Result) K) []K {
	var keys []K
	for _, r := range rs {
		if k := key(r); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// FormatValue writes v in the unit of metric, for people: 12.3 ms, 45.6 MiB, 1.23 M/s.
func FormatValue(metric string, v float64) string {
	switch metric {
	case NsPerBatch, NsPerOp, P50, P99, P999:
		return scaled(v, 1000, []string{"ns", "µs", "ms", "s"})
	case PeakHeap, BytesWaiting:
		return scaled(v, 1024, []string{"B", "KiB", "MiB", "GiB"})
	case OpsPerSecond:
		return scaled(v, 1000, []string{"/s", "k/s", "M/s", "G/s"})
	case PeakGoroutines:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// scaled divides v by step until it is below step (or the units run out) and prints it with
// three significant digits.
func scaled(v, step float64, units []string) string {
	u := 0
	for math.Abs(v) >= step && u < len(units)-1 {
		v /= step
		u++
	}
	sep := " "
	if strings.HasPrefix(units[u], "/") {
		sep = ""
	}
	return strconv.FormatFloat(v, 'f', decimals(v), 64) + sep + units[u]
}

// decimals gives three significant digits for values up to 999.
func decimals(v float64) int {
	switch v = math.Abs(v); {
	case v >= 100:
		return 0
	case v >= 10:
		return 1
	default:
		return 2
	}
}

func formatRatio(r float64) string {
	if r >= 10 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', decimals(r), 64)
}
