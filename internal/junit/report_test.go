package junit

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/export"
)

// build parses one report whose cases are "class.name=state", state
// being pass, fail or skip.
func build(t *testing.T, cases ...string) *Report {
	t.Helper()
	var b strings.Builder
	b.WriteString("<testsuite name='S'>")
	for _, c := range cases {
		name, state, _ := strings.Cut(c, "=")
		cls, n := name[:strings.LastIndexByte(name, '.')], name[strings.LastIndexByte(name, '.')+1:]
		fmt.Fprintf(&b, "<testcase classname='%s' name='%s'>", cls, n)
		switch state {
		case "fail":
			b.WriteString("<failure message='no'>trace</failure>")
		case "skip":
			b.WriteString("<skipped/>")
		}
		b.WriteString("</testcase>")
	}
	b.WriteString("</testsuite>")
	suites, err := Parse(strings.NewReader(b.String()), "r.xml", "r.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := NewReport()
	r.Add(suites...)
	return r
}

func find(r *Report, full string) *Case {
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			if c.FullName() == full {
				return c
			}
		}
	}
	return nil
}

func TestFreezeAcrossBuilds(t *testing.T) {
	// Builds 1 to 4 of a job, newest last.
	b1 := build(t, "p.A.t1=pass", "p.A.t2=fail", "p.A.t3=pass", "p.A.t4=fail")
	b1.Freeze(1, nil)
	b2 := build(t, "p.A.t1=fail", "p.A.t2=fail", "p.A.t3=pass", "p.A.t4=pass")
	b2.Freeze(2, []Lookup{b1})
	b3 := build(t, "p.A.t1=fail", "p.A.t2=pass", "p.A.t3=skip", "p.A.t5=fail")
	b3.Freeze(3, []Lookup{b2.Index(), b1})
	b4 := build(t, "p.A.t1=fail", "p.A.t4=fail", "p.A.t3=pass")
	b4.Freeze(4, []Lookup{b3, b2, b1})

	tests := []struct {
		report           *Report
		name             string
		status, classic  Status
		age, failedSince int
	}{
		{b1, "p.A.t2", Failed, Failed, 1, 1},
		{b2, "p.A.t1", Failed, Regression, 1, 2},
		{b2, "p.A.t2", Failed, Failed, 2, 1},
		{b2, "p.A.t4", Passed, Fixed, 0, 0},
		{b3, "p.A.t1", Failed, Failed, 2, 2},
		{b3, "p.A.t2", Passed, Fixed, 0, 0},
		{b3, "p.A.t3", Skipped, Skipped, 4, 0}, // the plugin's age of a skipped case
		{b3, "p.A.t5", Failed, Failed, 1, 3},
		{b4, "p.A.t1", Failed, Failed, 3, 2},
		{b4, "p.A.t4", Failed, Regression, 1, 4}, // b3 has no t4: b2's passing t4 counts
		{b4, "p.A.t3", Passed, Fixed, 0, 0},      // a skipped case did not pass
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s in build %d is %s", tc.name, tc.report.Suites[0].Cases[0].Number, tc.classic), func(t *testing.T) {
			c := find(tc.report, tc.name)
			if c == nil {
				t.Fatal("no such case")
			}
			if c.Status() != tc.status || c.ClassicStatus() != tc.classic || c.Age() != tc.age || c.FailedSince != tc.failedSince {
				t.Errorf("status %s, classic %s, age %d, failedSince %d; want %s, %s, %d, %d",
					c.Status(), c.ClassicStatus(), c.Age(), c.FailedSince, tc.status, tc.classic, tc.age, tc.failedSince)
			}
		})
	}
}

func TestFreezeLooksBackAtMost25Builds(t *testing.T) {
	old := build(t, "p.A.t=pass")
	old.Freeze(1, nil)
	var prev []Lookup
	for range MaxPrevious {
		prev = append(prev, build(t, "p.A.other=pass"))
	}
	r := build(t, "p.A.t=fail")
	r.Freeze(30, append(prev, old))
	if c := find(r, "p.A.t"); c.Condition != "" {
		t.Errorf("a case 26 reports back counted: %s", c.Condition)
	}
	r.Freeze(30, append(prev[:24], old))
	if c := find(r, "p.A.t"); c.Condition != Regression {
		t.Errorf("a case 25 reports back did not count: %q", c.Condition)
	}
}

func TestCounts(t *testing.T) {
	r := build(t, "p.A.a=pass", "p.A.b=fail", "p.B.c=skip", "q.C.d=fail", "E.e=pass")
	if r.TotalCount() != 5 || r.FailCount() != 2 || r.SkipCount() != 1 || r.PassCount() != 2 || r.Empty() {
		t.Errorf("counts %d %d %d %d", r.TotalCount(), r.FailCount(), r.SkipCount(), r.PassCount())
	}
	var got []string
	for _, p := range r.Packages() {
		for _, c := range p.Classes {
			got = append(got, fmt.Sprintf("%s/%s:%d/%d/%d", p.Name, c.Name, c.PassCount, c.FailCount, c.SkipCount))
		}
	}
	want := "[(root)/E:1/0/0 p/A:1/1/0 p/B:0/0/1 q/C:0/1/0]"
	if fmt.Sprint(got) != want {
		t.Errorf("packages = %v, want %s", got, want)
	}
}

func TestHealth(t *testing.T) {
	tests := []struct {
		s     Summary
		scale float64
		want  Health
		ok    bool
	}{
		{Summary{FailCount: 1, TotalCount: 3}, 1, Health{66, "Test Result: 1 test failing out of a total of 3 tests."}, true},
		{Summary{FailCount: 0, TotalCount: 1}, 1, Health{100, "Test Result: 0 tests failing out of a total of 1 test."}, true},
		{Summary{FailCount: 2, TotalCount: 10}, 2.5, Health{50, "Test Result: 2 tests failing out of a total of 10 tests."}, true},
		{Summary{FailCount: 9, TotalCount: 10}, 5, Health{0, "Test Result: 9 tests failing out of a total of 10 tests."}, true},
		{Summary{FailCount: 1234, TotalCount: 12345}, 1, Health{90, "Test Result: 1,234 tests failing out of a total of 12,345 tests."}, true},
		{Summary{}, 1, Health{100, "Test Result: 0 tests in total."}, true},
		{Summary{FailCount: 1, TotalCount: 1}, 0, Health{}, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d of %d failing scaled by %v", tc.s.FailCount, tc.s.TotalCount, tc.scale), func(t *testing.T) {
			got, ok := tc.s.Health(tc.scale)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Health = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestActionAndClassicExportGolden(t *testing.T) {
	prev := build(t, "p.A.t1=pass", "p.A.t2=fail")
	prev.Freeze(4, nil)
	r := build(t, "p.A.t1=fail", "p.A.t2=pass", "p.A.t3=skip")
	r.Freeze(5, []Lookup{prev})
	var buf bytes.Buffer
	buildObj := &export.Object{Class: "hudson.model.FreeStyleBuild", Props: []export.Prop{
		{Name: "actions", Vis: 1, Value: []*export.Object{r.Summarize().Action()}},
	}}
	for _, w := range []struct {
		o   *export.Object
		opt export.Options
	}{
		{buildObj, export.Options{}},
		{r.Export(ExportOptions{}), export.Options{}},
		{r.Export(ExportOptions{ClassicStatus: true}), export.Options{}},
		{r.Export(ExportOptions{}), export.Options{Tree: mustTree(t, "failCount,suites[cases[name,status]]")}},
	} {
		if err := export.Write(&buf, w.o, export.JSON, "x", w.opt); err != nil {
			t.Fatal(err)
		}
		buf.WriteByte('\n')
	}
	golden(t, filepath.Join("testdata", "action-and-statuses.golden.json"), buf.Bytes())
}

func mustTree(t *testing.T, s string) *export.Tree {
	t.Helper()
	tr, err := export.ParseTree(s)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
