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
)

// scalingPanels draws ns/batch and peak-heap-B against the batch size, log-log, a line per
// contender.
func scalingPanels(rs []Result) ([]*plot.Plot, error) {
	var panels []*plot.Plot
	for _, m := range []struct {
		metric, title, axis string
		scale               float64
		format              func(float64) string
	}{
		{NsPerBatch, "wall time per batch", "wall time", 1e9, formatSeconds},
		{PeakHeap, "peak memory", "heap objects + goroutine stacks", 1 << 20, formatMiB},
	} {
		p := newPlot("scaling: " + m.title + " (lower is better)")
		p.X.Label.Text = "concurrent calls, each failing once, then retried 100 ms later"
		p.Y.Label.Text = m.axis
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker = logTicks{format: formatCount, decadesOnly: true}
		p.Y.Tick.Marker = logTicks{format: m.format}
		for i, c := range unique(rs, func(r Result) string { return r.Contender }) {
			var xys plotter.XYs
			for _, r := range rs {
				if r.Contender != c || r.Metric != m.metric || r.Value <= 0 {
					continue
				}
				n, err := sizeOf(r.Scenario)
				if err != nil {
					return nil, err
				}
				xys = append(xys, plotter.XY{X: float64(n), Y: r.Value / m.scale})
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
				line.Width *= 2
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

// logTicks marks a logarithmic axis at 1, 2 and 5 times each power of ten in its range,
// labeled by format; with decadesOnly, the 2s and 5s are left unlabeled.
type logTicks struct {
	format      func(float64) string
	decadesOnly bool
}

func (l logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || !l.decadesOnly {
				t.Label = l.format(v)
			}
			ticks = append(ticks, t)
		}
	}
	if labeled := slices.DeleteFunc(slices.Clone(ticks), func(t plot.Tick) bool { return t.Label == "" }); len(labeled) < 2 {
		// A range narrower than the marks: label its ends instead.
		ticks = append(ticks, plot.Tick{Value: lo, Label: l.format(lo)}, plot.Tick{Value: hi, Label: l.format(hi)})
	}
	return ticks
}

func formatSeconds(s float64) string {
	if s < 1 {
		return strconv.FormatFloat(s*1000, 'g', 3, 64) + " ms"
	}
	return strconv.FormatFloat(s, 'g', 3, 64) + " s"
}

func formatMiB(m float64) string { return strconv.FormatFloat(m, 'g', 3, 64) + " MiB" }

func formatCount(n float64) string {
	switch {
	case n >= 1e6:
		return strconv.FormatFloat(n/1e6, 'g', 3, 64) + "M"
	case n >= 1e3:
		return strconv.FormatFloat(n/1e3, 'g', 3, 64) + "k"
	}
	return strconv.FormatFloat(n, 'g', 3, 64)
}
