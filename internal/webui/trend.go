package webui

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// The Build Time Trend: the last builds' durations as bars, oldest on the
// left, with a duration axis (its unit chosen by the longest build) and
// the build numbers under the bars, drawn on the server as SVG.

// trendBar is one build in the chart.
type trendBar struct {
	Number     int64
	X, Y, W, H float64
	Class      string
	Result     string
	Duration   time.Duration
	Label      bool    // its number is written under it
	LabelX     float64 // the middle of the bar
}

// trendTick is one line of the duration axis.
type trendTick struct {
	Y     float64
	Label string
}

type trendChart struct {
	Width, Height                      float64
	Left, Top, Right, Bottom           float64 // the plot area
	Max                                time.Duration
	Unit                               string // the duration axis's unit, spelt out
	Bars                               []trendBar
	Ticks                              []trendTick
	XTitleX, XTitleY, YTitleX, YTitleY float64
}

// The chart's size in its own units; the page scales it to the width.
const (
	trendWidth, trendHeight = 480.0, 220.0
	trendLeft, trendTop     = 54.0, 12.0
	trendRight              = trendWidth - 8
	trendBottom             = trendHeight - 44
	trendBuilds             = 30
)

// trend draws the last builds (newest first, as List gives them).
func trend(builds []*model.Build) trendChart {
	return trendAt(builds, time.Now())
}

func trendAt(builds []*model.Build, now time.Time) trendChart {
	ch := trendChart{Width: trendWidth, Height: trendHeight, Left: trendLeft, Top: trendTop, Right: trendRight, Bottom: trendBottom,
		XTitleX: (trendLeft + trendRight) / 2, XTitleY: trendHeight - 6, YTitleX: 14, YTitleY: (trendTop + trendBottom) / 2}
	if len(builds) > trendBuilds {
		builds = builds[:trendBuilds]
	}
	dur := func(b *model.Build) time.Duration {
		if b.Building {
			return now.Sub(b.StartedAt)
		}
		return b.Duration
	}
	for _, b := range builds {
		ch.Max = max(ch.Max, dur(b))
	}
	if len(builds) == 0 {
		return ch
	}
	unit, div := axisUnit(ch.Max)
	ch.Unit = unit
	step := niceStep(float64(ch.Max)/float64(div), 4)
	top := step * math.Max(1, math.Ceil(float64(ch.Max)/float64(div)/step))
	plotH := trendBottom - trendTop
	for v := 0.0; v <= top+step/2; v += step {
		ch.Ticks = append(ch.Ticks, trendTick{Y: trendBottom - plotH*v/top, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	n := len(builds)
	slot := (trendRight - trendLeft) / float64(max(n, 10))
	every := int(math.Ceil(28 / slot)) // a label needs about 28 units
	for i, b := range builds {
		d := dur(b)
		class, result := strings.ToLower(string(b.Result)), string(b.Result)
		if b.Building {
			class, result = "building", "running"
		}
		h := max(2, plotH*float64(d)/float64(div)/top)
		pos := n - 1 - i // oldest on the left
		x := trendLeft + float64(pos)*slot
		ch.Bars = append(ch.Bars, trendBar{Number: b.Number, X: x + slot*0.15, Y: trendBottom - h, W: slot * 0.7, H: h,
			Class: class, Result: result, Duration: d, Label: (n-1-pos)%every == 0, LabelX: x + slot/2})
	}
	return ch
}

// axisUnit is the unit the duration axis counts in, for a longest build
// of m: milliseconds, seconds, minutes or hours.
func axisUnit(m time.Duration) (string, time.Duration) {
	switch {
	case m >= 2*time.Hour:
		return "hours", time.Hour
	case m >= 2*time.Minute:
		return "minutes", time.Minute
	case m >= time.Second:
		return "seconds", time.Second
	}
	return "milliseconds", time.Millisecond
}

// niceStep is a step of 1, 2, 2.5 or 5 times a power of ten that cuts top into
// about n parts.
func niceStep(top float64, n int) float64 {
	if top <= 0 {
		return 1
	}
	raw := top / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}
