package bench

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Percentile returns the p-th percentile (0–100) of ds by the
// nearest-rank method: the smallest value with at least p % of the
// samples at or below it. It is 0 for no samples.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

// Median is the 50th percentile.
func Median(ds []time.Duration) time.Duration { return Percentile(ds, 50) }

// Slope fits y = a + b·x by least squares and returns b (0 for fewer than
// two points): the trend of a series such as memory over builds.
func Slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if len(xs) < 2 || len(xs) != len(ys) {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// Unit says how a row's figures read.
type Unit int

// The units rows use.
const (
	Millis    Unit = iota // a duration, shown in ms
	PerSecond             // a rate
	MB                    // a size in MiB
)

// Row is one line of the table: jeeves's figure beside its floor, measured
// in the same run, and the budget's verdict.
type Row struct {
	Name   string
	Unit   Unit
	Value  float64 // jeeves: ms, /s or MiB as Unit says
	Floor  float64 // the same thing done without jeeves; 0 = no floor
	Budget string  // the budget in words
	Pass   bool
	Note   string // what was measured or why it missed, shown under the table
	Err    error  // the measurement failed
}

// Ratio is Value/Floor, 0 when there is no floor.
func (r Row) Ratio() float64 {
	if r.Floor == 0 {
		return 0
	}
	return r.Value / r.Floor
}

func (u Unit) format(v float64) string {
	switch u {
	case Millis:
		switch {
		case v >= 100:
			return fmt.Sprintf("%.0f ms", v)
		case v >= 10:
			return fmt.Sprintf("%.1f ms", v)
		default:
			return fmt.Sprintf("%.2f ms", v)
		}
	case PerSecond:
		if v >= 100 {
			return fmt.Sprintf("%.0f /s", v)
		}
		return fmt.Sprintf("%.1f /s", v)
	default:
		return fmt.Sprintf("%.1f MB", v)
	}
}

// Verdict is PASS, MISS, or ERROR when the measurement failed.
func (r Row) Verdict() string {
	switch {
	case r.Err != nil:
		return "ERROR"
	case r.Pass:
		return "PASS"
	default:
		return "MISS"
	}
}

// Table formats rows as a Markdown table, columns aligned so it also
// reads well in a terminal, followed by the rows' notes and errors.
func Table(rows []Row) string {
	head := []string{"measure", "jeeves", "floor", "ratio", "budget", "result"}
	cells := [][]string{head}
	for _, r := range rows {
		value, floor, ratio := "—", "—", "—"
		if r.Err == nil {
			value = r.Unit.format(r.Value)
			if r.Floor != 0 {
				floor = r.Unit.format(r.Floor)
				ratio = fmt.Sprintf("%.2f×", r.Ratio())
			}
		}
		cells = append(cells, []string{r.Name, value, floor, ratio, r.Budget, r.Verdict()})
	}
	width := make([]int, len(head))
	for _, row := range cells {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var sb strings.Builder
	line := func(row []string) {
		sb.WriteString("|")
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i > 0 && i < 4 { // figures align right
				sb.WriteString(" " + pad + c + " |")
			} else {
				sb.WriteString(" " + c + pad + " |")
			}
		}
		sb.WriteString("\n")
	}
	line(cells[0])
	sb.WriteString("|")
	for i, w := range width {
		if i > 0 && i < 4 {
			sb.WriteString(" " + strings.Repeat("-", w-1) + ": |")
		} else {
			sb.WriteString(" " + strings.Repeat("-", w) + " |")
		}
	}
	sb.WriteString("\n")
	for _, row := range cells[1:] {
		line(row)
	}
	notes := ""
	for _, r := range rows {
		if r.Err != nil {
			notes += fmt.Sprintf("- %s: ERROR: %v\n", r.Name, r.Err)
		} else if r.Note != "" {
			notes += fmt.Sprintf("- %s: %s\n", r.Name, r.Note)
		}
	}
	if notes != "" {
		sb.WriteString("\n" + notes)
	}
	return sb.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
