package webui

import (
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

func TestTheTrendHasAnAxisInAUnitFitForItsLongestBuild(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	builds := func(ds ...time.Duration) []*model.Build {
		var out []*model.Build
		for i, d := range ds {
			out = append(out, &model.Build{Number: int64(len(ds) - i), Result: model.Success, Duration: d})
		}
		return out
	}
	for _, c := range []struct {
		name  string
		in    []*model.Build
		unit  string
		ticks string
	}{
		{"builds of milliseconds count in milliseconds", builds(5*time.Millisecond, 2*time.Millisecond), "milliseconds", "0 2 4 6"},
		{"builds of seconds count in seconds", builds(90*time.Second, 10*time.Second), "seconds", "0 25 50 75 100"},
		{"builds of minutes count in minutes", builds(12 * time.Minute), "minutes", "0 5 10 15"},
		{"builds of hours count in hours", builds(3 * time.Hour), "hours", "0 1 2 3"},
		{"a running build counts until now", []*model.Build{{Number: 1, Building: true, StartedAt: now.Add(-3 * time.Minute)}}, "minutes", "0 1 2 3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := trendAt(c.in, now)
			if ch.Unit != c.unit {
				t.Errorf("unit %q, want %q", ch.Unit, c.unit)
			}
			var ticks []string
			for _, tk := range ch.Ticks {
				ticks = append(ticks, tk.Label)
				if tk.Y < ch.Top-0.001 || tk.Y > ch.Bottom+0.001 {
					t.Errorf("tick %s at %v is outside the plot (%v–%v)", tk.Label, tk.Y, ch.Top, ch.Bottom)
				}
			}
			if got := strings.Join(ticks, " "); got != c.ticks {
				t.Errorf("ticks %q, want %q", got, c.ticks)
			}
			for _, b := range ch.Bars {
				if b.Y < ch.Top-0.001 || b.Y+b.H > ch.Bottom+0.001 || b.X < ch.Left || b.X+b.W > ch.Right {
					t.Errorf("bar #%d (%v,%v %vx%v) is outside the plot", b.Number, b.X, b.Y, b.W, b.H)
				}
			}
		})
	}
	t.Run("the oldest build is on the left and every bar is numbered when there is room", func(t *testing.T) {
		ch := trendAt(builds(3*time.Second, 2*time.Second, time.Second), now)
		if len(ch.Bars) != 3 || ch.Bars[0].Number != 3 || ch.Bars[2].X >= ch.Bars[0].X {
			t.Fatalf("bars %+v", ch.Bars)
		}
		for _, b := range ch.Bars {
			if !b.Label {
				t.Errorf("bar #%d has no label", b.Number)
			}
		}
	})
	t.Run("thirty builds are labelled one in a few, the newest among them", func(t *testing.T) {
		var ds []time.Duration
		for range 40 {
			ds = append(ds, time.Second)
		}
		ch := trendAt(builds(ds...), now)
		labelled := 0
		for _, b := range ch.Bars {
			if b.Label {
				labelled++
			}
		}
		if len(ch.Bars) != trendBuilds || !ch.Bars[0].Label || labelled >= trendBuilds/2 || labelled < 5 {
			t.Fatalf("%d bars, %d labelled, newest labelled %v", len(ch.Bars), labelled, ch.Bars[0].Label)
		}
	})
}

func TestBreakableEscapesAndBreaksBetweenParts(t *testing.T) {
	for in, want := range map[string]string{
		"POST /job/a/build":          "POST /<wbr>job/<wbr>a/<wbr>build",
		`/job/<script>"x"</script>/`: `/<wbr>job/<wbr>&lt;script&gt;&#34;x&#34;&lt;/<wbr>script&gt;/<wbr>`,
		"a.b?c=d&e":                  "a.<wbr>b?<wbr>c=<wbr>d&amp;<wbr>e",
		"":                           "",
	} {
		if got := string(breakable(in)); got != want {
			t.Errorf("breakable(%q) = %q, want %q", in, got, want)
		}
	}
}
