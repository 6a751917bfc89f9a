package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
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
// peak memory against N, log-log), and a bar chart per other group (fanout.svg, latency.svg, batch.svg,
// hol.svg, waiting.svg, breaker.svg, scheduler.svg). Groups without results get no chart.
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
	dc := draw.New(img)
	for i, p := range panels {
		p.Draw(tiles.At(dc, i, 0))
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
