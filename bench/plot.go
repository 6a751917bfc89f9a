package bench

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// chartSize is each panel's size; fonts are not embedded, which keeps the files small.
const (
	chartWidth  = 14 * vg.Centimeter
	chartHeight = 9 * vg.Centimeter
)

// Plot writes SVG charts of results to dir, creating it if needed: scaling.svg (wall time and
// peak memory against N, log-log), and a bar chart per other group (fanout.svg, waiting.svg,
// breaker.svg, scheduler.svg). Groups without results get no chart.
func Plot(dir string, results []Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, group := range groups(results) {
		rs := slices.DeleteFunc(slices.Clone(results), func(r Result) bool { return groupOf(r.Scenario) != group })
		var panels []*plot.Plot
		var err error
		if group == "scaling" {
			panels, err = scalingPanels(rs)
		} else {
			panels, err = barPanels(group, rs)
		}
		if err != nil {
			return fmt.Errorf("chart %s: %w", group, err)
		}
		if err := writeSVG(filepath.Join(dir, group+".svg"), panels); err != nil {
			return err
		}
	}
	return nil
}

// sans is the charts' typeface; gonum's default is a serif.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot with small sans-serif text, the legend at the top left.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 11)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9)
	}
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.Top, p.Legend.Left = true, true
	return p
}

// writeSVG draws panels side by side into one SVG file.
func writeSVG(path string, panels []*plot.Plot) error {
	img := vgsvg.New(chartWidth*vg.Length(len(panels)), chartHeight)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Centimeter}
	canvases := plot.Align([][]*plot.Plot{panels}, tiles, draw.New(img))
	for i, p := range panels {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := img.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// scalingPanels draws ns/batch and peak-heap-B against the batch size, a line per contender.
func scalingPanels(rs []Result) ([]*plot.Plot, error) {
	var panels []*plot.Plot
	for _, m := range []struct{ metric, title, unit string }{
		{NsPerBatch, "wall time per batch", "seconds"},
		{PeakHeap, "peak memory (heap + stacks)", "MiB"},
	} {
		p := newPlot("scaling: " + m.title)
		p.X.Label.Text = "concurrent calls (one failure, then a 100 ms retry)"
		p.Y.Label.Text = m.unit
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
		for i, c := range unique(rs, func(r Result) string { return r.Contender }) {
			var xys plotter.XYs
			for _, r := range rs {
				n, err := sizeOf(r.Scenario)
				if err != nil {
					return nil, err
				}
				if r.Contender == c && r.Metric == m.metric && r.Value > 0 {
					y := r.Value / 1e9
					if m.metric == PeakHeap {
						y = r.Value / (1 << 20)
					}
					xys = append(xys, plotter.XY{X: float64(n), Y: y})
				}
			}
			if len(xys) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			line.Color, points.Color = plotutil.Color(i), plotutil.Color(i)
			points.Shape = plotutil.Shape(i)
			if c == Recur {
				line.Width = 2 * line.Width
			}
			p.Add(line, points)
			p.Legend.Add(c, line, points)
		}
		panels = append(panels, p)
	}
	return panels, nil
}

// sizeOf reads n from a "scaling/n=N" scenario name.
func sizeOf(scenario string) (int, error) {
	_, n, ok := strings.Cut(scenario, "/n=")
	if !ok {
		return 0, fmt.Errorf("scenario %q has no n=", scenario)
	}
	return strconv.Atoi(n)
}

// barPanels draws, for each metric of the group, a bar per contender in each scenario.
func barPanels(group string, rs []Result) ([]*plot.Plot, error) {
	metrics := unique(rs, func(r Result) string { return r.Metric })
	// The fan-out group has four metrics; its chart shows the time, which the goals are about.
	if group == "fanout" {
		metrics = []string{NsPerBatch}
	}
	var panels []*plot.Plot
	for _, metric := range metrics {
		ms := slices.DeleteFunc(slices.Clone(rs), func(r Result) bool { return r.Metric != metric })
		scenarios := unique(ms, func(r Result) string { return r.Scenario })
		contenders := unique(ms, func(r Result) string { return r.Contender })
		scale, unit := unitScale(metric, ms)
		p := newPlot(fmt.Sprintf("%s: %s (%s)", group, metric, higherLower(metric)))
		p.Y.Label.Text = unit
		labels := make([]string, len(scenarios))
		for i, s := range scenarios {
			labels[i] = strings.ReplaceAll(strings.TrimPrefix(s, group+"/"), "/", "\n")
		}
		p.NominalX(labels...)
		width := vg.Points(math.Min(24, 240/float64(len(scenarios)*len(contenders))))
		for i, c := range contenders {
			vals := make(plotter.Values, len(scenarios))
			for j, s := range scenarios {
				if r, ok := find(ms, s, c, metric); ok {
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
		p.X.Min, p.X.Max = -0.6, float64(len(scenarios))-0.4
		panels = append(panels, p)
	}
	return panels, nil
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
	case NsPerBatch, NsPerOp:
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
