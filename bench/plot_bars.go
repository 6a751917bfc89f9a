package bench

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// barPanel is one bar chart: a bar per contender in each of its scenarios, for one metric.
type barPanel struct {
	title     string
	metric    string
	scenarios []string
	trim      string // cut from the scenario names in the labels
}

// barPanels draws a panel per metric of the group. The fan-out group gets its wall time only,
// which its goals are about, in two panels: under context.Background() and under a
// cancelable context.
func barPanels(group string, rs []Result) ([]*plot.Plot, error) {
	var specs []barPanel
	if group == "fanout" {
		const cancelable = "/ctx=cancelable"
		ns := slices.DeleteFunc(slices.Clone(rs), func(r Result) bool { return r.Metric != NsPerBatch })
		all := unique(ns, func(r Result) string { return r.Scenario })
		plain := slices.DeleteFunc(slices.Clone(all), func(s string) bool { return strings.HasSuffix(s, cancelable) })
		canc := slices.DeleteFunc(slices.Clone(all), func(s string) bool { return !strings.HasSuffix(s, cancelable) })
		specs = append(specs, barPanel{"fanout, context.Background(): " + NsPerBatch, NsPerBatch, plain, group + "/"})
		if len(canc) > 0 {
			specs = append(specs, barPanel{"fanout, cancelable context: " + NsPerBatch, NsPerBatch, canc, group + "/"})
		}
	} else {
		for _, metric := range unique(rs, func(r Result) string { return r.Metric }) {
			ms := slices.DeleteFunc(slices.Clone(rs), func(r Result) bool { return r.Metric != metric })
			specs = append(specs, barPanel{group + ": " + metric, metric,
				unique(ms, func(r Result) string { return r.Scenario }), group + "/"})
		}
	}
	var panels []*plot.Plot
	for _, spec := range specs {
		p, err := spec.draw(rs)
		if err != nil {
			return nil, err
		}
		panels = append(panels, p)
	}
	return panels, nil
}

func (b barPanel) draw(rs []Result) (*plot.Plot, error) {
	ms := slices.DeleteFunc(slices.Clone(rs), func(r Result) bool {
		return r.Metric != b.metric || !slices.Contains(b.scenarios, r.Scenario)
	})
	contenders := unique(ms, func(r Result) string { return r.Contender })
	scale, unit := unitScale(b.metric, ms)
	p := newPlot(fmt.Sprintf("%s (%s)", b.title, higherLower(b.metric)))
	p.Y.Label.Text = unit
	p.Y.Tick.Marker = linearTicks{}
	labels := make([]string, len(b.scenarios))
	for i, s := range b.scenarios {
		labels[i] = strings.ReplaceAll(strings.TrimPrefix(s, b.trim), "/", "\n")
	}
	p.NominalX(labels...)
	width := vg.Points(math.Min(24, 240/float64(len(b.scenarios)*len(contenders))))
	for i, c := range contenders {
		vals := make(plotter.Values, len(b.scenarios))
		for j, s := range b.scenarios {
			if r, ok := find(ms, s, c, b.metric); ok {
				vals[j] = r.Value / scale
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return nil, err
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(i)
		bars.Offset = width * vg.Length(float64(i)-float64(len(contenders)-1)/2)
		p.Add(bars)
		p.Legend.Add(c, bars)
	}
	// Room above the bars for the legend, and beside the outer groups for their bars.
	p.Y.Min, p.Y.Max = 0, p.Y.Max*(1+0.08*float64(len(contenders)))
	p.X.Min, p.X.Max = -0.6, float64(len(b.scenarios))-0.4
	return p, nil
}

func higherLower(metric string) string {
	if HigherIsBetter(metric) {
		return "higher is better"
	}
	return "lower is better"
}

// unitScale picks a divisor and unit that keep the largest value of rs readable.
func unitScale(metric string, rs []Result) (float64, string) {
	top := 0.0
	for _, r := range rs {
		top = max(top, r.Value)
	}
	switch metric {
	case NsPerBatch, NsPerOp, P50, P99:
		for _, u := range []struct {
			div  float64
			name string
		}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}} {
			if top >= u.div {
				return u.div, u.name
			}
		}
		return 1, "ns"
	case PeakHeap, BytesWaiting:
		if top >= 1<<20 {
			return 1 << 20, "MiB"
		}
		if top >= 1<<10 {
			return 1 << 10, "KiB"
		}
		return 1, "B"
	case OpsPerSecond:
		return 1e6, "million items/s"
	}
	return 1, metric
}

// linearTicks marks a linear axis every 1, 2 or 5 times a power of ten, whichever gives four
// to ten marks, labeled without trailing zeros.
type linearTicks struct{}

func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step := math.Pow(10, math.Floor(math.Log10(hi-lo)))
	for _, m := range []float64{0.1, 0.2, 0.5, 1} {
		if (hi-lo)/(step*m) <= 10 {
			step *= m
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 4, 64)})
	}
	return ticks
}
