package bench

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPercentileUsesTheNearestRank(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // unsorted on purpose
	}
	cases := []struct {
		name string
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{"no samples give zero", nil, 50, 0},
		{"one sample is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"the median of an odd count is the middle", ms(3, 1, 2), 50, 2 * time.Millisecond},
		{"the median of an even count is the lower middle", ms(4, 1, 3, 2), 50, 2 * time.Millisecond},
		{"p95 of 1..100 is 95", ms(hundred...), 95, 95 * time.Millisecond},
		{"p99 of 1..100 is 99", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the maximum", ms(hundred...), 100, 100 * time.Millisecond},
		{"p0 is the minimum", ms(hundred...), 0, time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Percentile(c.in, c.p); got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("the samples are left in their order", func(t *testing.T) {
		in := ms(3, 1, 2)
		Percentile(in, 50)
		if in[0] != 3*time.Millisecond {
			t.Fatalf("input reordered: %v", in)
		}
	})
}

func TestSlopeFitsALine(t *testing.T) {
	cases := []struct {
		name   string
		xs, ys []float64
		want   float64
	}{
		{"a flat series has no trend", []float64{1, 2, 3, 4}, []float64{5, 5, 5, 5}, 0},
		{"a straight line has its slope", []float64{0, 1, 2}, []float64{1, 3, 5}, 2},
		{"noise around a flat line stays near zero", []float64{1, 2, 3, 4}, []float64{5, 6, 5, 6}, 0.2},
		{"one point has no trend", []float64{1}, []float64{9}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Slope(c.xs, c.ys); got < c.want-1e-9 || got > c.want+1e-9 {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestTableShowsEachFigureBesideItsFloor(t *testing.T) {
	out := Table([]Row{
		{Name: "trigger", Unit: Millis, Value: 4.5, Floor: 1.5, Budget: "≤ floor + 3 ms", Pass: true, Note: "how"},
		{Name: "rate", Unit: PerSecond, Value: 150, Floor: 400, Budget: "≥ 50 % of floor"},
		{Name: "rss", Unit: MB, Value: 21.25, Budget: "≤ 40 MB", Pass: true},
		{Name: "broken", Unit: Millis, Err: errors.New("boom")},
	})
	lines := strings.Split(out, "\n")
	cases := []struct {
		name string
		line string
		want []string
	}{
		{"a duration is in ms with its ratio and verdict", lines[2], []string{"| trigger", "4.50 ms", "1.50 ms", "3.00×", "≤ floor + 3 ms", "PASS"}},
		{"a rate is per second and a missed budget says MISS", lines[3], []string{"150 /s", "400 /s", "0.38×", "MISS"}},
		{"a row without a floor shows dashes", lines[4], []string{"21.2 MB", "| — |", "PASS"}},
		{"a failed measurement says ERROR", lines[5], []string{"| broken", "ERROR"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range c.want {
				if !strings.Contains(strings.Join(strings.Fields(c.line), " "), strings.Join(strings.Fields(w), " ")) {
					t.Errorf("%q lacks %q", c.line, w)
				}
			}
		})
	}
	t.Run("columns line up", func(t *testing.T) {
		width := len([]rune(lines[0]))
		for _, l := range lines[1:6] {
			if len([]rune(l)) != width {
				t.Errorf("%q is %d wide, the header %d", l, len([]rune(l)), width)
			}
		}
	})
	t.Run("notes and errors follow the table", func(t *testing.T) {
		if !strings.Contains(out, "- trigger: how\n") || !strings.Contains(out, "- broken: ERROR: boom\n") {
			t.Fatalf("notes missing:\n%s", out)
		}
	})
}

func TestVmRSSIsReadInMiB(t *testing.T) {
	status := "Name:\tjeeves\nVmPeak:\t  900000 kB\nVmRSS:\t   20480 kB\nThreads:\t8\n"
	got, err := parseVmRSS(status)
	if err != nil || got != 20 {
		t.Fatalf("got %v %v, want 20", got, err)
	}
	if _, err := parseVmRSS("Name:\tx\n"); err == nil {
		t.Fatal("a status without VmRSS gave no error")
	}
}
