package junit

import (
	"slices"
	"strconv"

	"github.com/jeeves-ci/jeeves/internal/export"
)

// Class names of the exported objects.
const (
	ResultClass = "hudson.tasks.junit.TestResult"
	ActionClass = "hudson.tasks.junit.TestResultAction"
	// URLName is the action's URL: …/<build>/testReport/.
	URLName = "testReport"
)

// ExportOptions choose between the shapes junit plugin versions write.
type ExportOptions struct {
	// ClassicStatus writes a case's status as plugins before version 1363
	// did, with FIXED and REGRESSION; by default it is PASSED, FAILED or
	// SKIPPED, as today.
	ClassicStatus bool
}

// Export returns the report as testReport/api/json writes it (the
// plugin's TestResult with its suites and cases inline, every property
// in Stapler's order). Freeze the report first.
func (r *Report) Export(opt ExportOptions) *export.Object {
	suites := make([]*export.Object, len(r.Suites))
	for i, s := range r.Suites {
		suites[i] = s.export(opt)
	}
	return &export.Object{Class: ResultClass, Props: []export.Prop{
		{Name: "testActions", Vis: 3, Value: []*export.Object{}},
		{Name: "duration", Vis: 999, Value: r.Duration},
		{Name: "empty", Vis: 999, Value: r.Empty()},
		{Name: "failCount", Vis: 999, Value: r.FailCount()},
		{Name: "passCount", Vis: 999, Value: r.PassCount()},
		{Name: "skipCount", Vis: 999, Value: r.SkipCount()},
		{Name: "suites", Vis: 9, Inline: true, Value: suites},
	}}
}

func (s *Suite) export(opt ExportOptions) *export.Object {
	cases := make([]*export.Object, len(s.Cases))
	for i, c := range s.Cases {
		cases[i] = c.export(opt)
	}
	return &export.Object{Props: []export.Prop{
		{Name: "cases", Vis: 9, Inline: true, Value: cases},
		{Name: "duration", Vis: 9, Value: s.Duration},
		{Name: "enclosingBlockNames", Vis: 9, Value: []string{}},
		{Name: "enclosingBlocks", Vis: 9, Value: []string{}},
		{Name: "id", Vis: 9, Value: strOrNil(s.ID)},
		{Name: "name", Vis: 9, Value: s.Name},
		{Name: "nodeId", Vis: 9, Value: nil},
		{Name: "properties", Vis: 1, Value: mapObject(s.Properties)},
		{Name: "stderr", Vis: 1, Value: strOrNil(s.Stderr)},
		{Name: "stdout", Vis: 1, Value: strOrNil(s.Stdout)},
		{Name: "timestamp", Vis: 9, Value: strOrNil(s.Timestamp)},
	}}
}

func (c *Case) export(opt ExportOptions) *export.Object {
	status := c.Status()
	if opt.ClassicStatus {
		status = c.ClassicStatus()
	}
	failedSince := c.FailedSince
	return &export.Object{Props: []export.Prop{
		{Name: "testActions", Vis: 3, Value: []*export.Object{}},
		{Name: "age", Vis: 9, Value: c.Age()},
		{Name: "className", Vis: 9, Value: c.ClassName},
		{Name: "duration", Vis: 9, Value: c.Duration},
		{Name: "errorDetails", Vis: 1, Value: strOrNil(c.ErrorDetails)},
		{Name: "errorStackTrace", Vis: 1, Value: strOrNil(c.ErrorStackTrace)},
		{Name: "failedSince", Vis: 9, Value: failedSince},
		{Name: "flakyFailures", Vis: 1, Value: failures(c.FlakyFailures)},
		{Name: "name", Vis: 999, Value: c.Name()},
		{Name: "properties", Vis: 1, Value: mapObject(c.Properties)},
		{Name: "rerunFailures", Vis: 1, Value: failures(c.RerunFailures)},
		{Name: "skipped", Vis: 9, Value: c.Skipped},
		{Name: "skippedMessage", Vis: 1, Value: strOrNil(c.SkippedMessage)},
		{Name: "status", Vis: 9, Value: string(status)},
		{Name: "stderr", Vis: 1, Value: strOrNil(c.stderrOrSuite())},
		{Name: "stdout", Vis: 1, Value: strOrNil(c.stdoutOrSuite())},
	}}
}

// failures exports flaky and rerun failures as Stapler writes the
// plugin's Failure record, which exports no property: empty objects.
func failures(fs []Failure) []*export.Object {
	out := make([]*export.Object, len(fs))
	for i := range fs {
		out[i] = &export.Object{}
	}
	return out
}

func strOrNil(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// mapObject writes a map as Stapler does, an object keyed by the map's
// keys (sorted here; Jenkins's HashMap has no set order).
func mapObject(m map[string]string) *export.Object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o := &export.Object{Props: make([]export.Prop, len(keys))}
	for i, k := range keys {
		o.Props[i] = export.Prop{Name: k, Vis: 999, Value: m[k]}
	}
	return o
}

// Summary is the counts a build's TestResultAction shows.
type Summary struct {
	FailCount, SkipCount, TotalCount int
}

// Summarize returns the report's counts.
func (r *Report) Summarize() Summary {
	return Summary{FailCount: r.FailCount(), SkipCount: r.SkipCount(), TotalCount: r.TotalCount()}
}

// Action returns the TestResultAction as it shows among a build's
// actions in the build's api/json.
func (s Summary) Action() *export.Object {
	return &export.Object{Class: ActionClass, Props: []export.Prop{
		{Name: "failCount", Vis: 2, Value: s.FailCount},
		{Name: "skipCount", Vis: 2, Value: s.SkipCount},
		{Name: "totalCount", Vis: 2, Value: s.TotalCount},
		{Name: "urlName", Vis: 2, Value: URLName},
	}}
}

// Health is a test health report: a score from 0 to 100 and its words.
type Health struct {
	Score       int
	Description string
}

// Health is AbstractTestResultAction.getBuildHealth: the share of tests
// passing, scaled by scale (described as the plugin's Messages.properties
// words it, "Test Result: …") (the archiver's HealthScaleFactor); ok is
// false when the scale turns the report off (below 1e-7).
func (s Summary) Health(scale float64) (h Health, ok bool) {
	if scale < 1e-7 {
		return Health{}, false
	}
	if s.TotalCount == 0 {
		return Health{Score: 100, Description: "Test Result: 0 tests in total."}, true
	}
	ratio := 1.0 - (scale*float64(s.FailCount))/float64(s.TotalCount)
	score := int(100.0 * max(0.0, min(1.0, ratio)))
	failWord := "tests"
	if s.FailCount == 1 {
		failWord = "test"
	}
	totalWord := "tests"
	if s.TotalCount == 1 {
		totalWord = "test"
	}
	return Health{Score: score, Description: "Test Result: " + grouped(s.FailCount) + " " + failWord +
		" failing out of a total of " + grouped(s.TotalCount) + " " + totalWord + "."}, true
}

// grouped writes n as Java's MessageFormat does in English: with commas
// between groups of three digits.
func grouped(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
