package junit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

const passing = `<testsuite name="s" tests="1"><testcase classname="a.B" name="ok" time="1"/></testsuite>`
const failing = `<testsuite name="t" tests="1"><testcase classname="a.C" name="bad"><failure message="m">trace</failure></testcase></testsuite>`

func TestRecord(t *testing.T) {
	tests := []struct {
		name     string
		ws       fstest.MapFS
		cfg      func(a *Archiver)
		in       Input
		lines    []string
		fail     string
		unstable bool
		total    int // -1: no report attached
	}{
		{
			name:  "passing tests are recorded",
			ws:    fstest.MapFS{"target/surefire-reports/TEST-a.xml": {Data: []byte(passing)}},
			lines: []string{"Recording test results"},
			total: 1,
		},
		{
			name:     "a failed test makes the build unstable",
			ws:       fstest.MapFS{"target/surefire-reports/TEST-a.xml": {Data: []byte(passing)}, "target/surefire-reports/TEST-b.xml": {Data: []byte(failing)}},
			lines:    []string{"Recording test results"},
			unstable: true,
			total:    2,
		},
		{
			name:  "skipMarkingBuildUnstable leaves the result alone",
			ws:    fstest.MapFS{"target/surefire-reports/TEST-b.xml": {Data: []byte(failing)}},
			cfg:   func(a *Archiver) { a.SkipMarkingBuildUnstable = true },
			lines: []string{"Recording test results"},
			total: 1,
		},
		{
			name:  "no report file fails the step",
			ws:    fstest.MapFS{"README": {}},
			lines: []string{"Recording test results"},
			fail:  "ERROR: Step ‘Publish JUnit test result report’ failed: No test report files were found. Configuration error?",
			total: -1,
		},
		{
			name:  "no report file fails the step even after a failure",
			ws:    fstest.MapFS{},
			in:    Input{Result: model.Failure},
			lines: []string{"Recording test results"},
			fail:  "ERROR: Step ‘Publish JUnit test result report’ failed: No test report files were found. Configuration error?",
			total: -1,
		},
		{
			name:  "allowEmptyResults prints both lines instead",
			ws:    fstest.MapFS{},
			cfg:   func(a *Archiver) { a.AllowEmptyResults = true },
			lines: []string{"Recording test results", "No test report files were found. Configuration error?", "None of the test reports contained any result"},
			total: -1,
		},
		{
			name:  "reports without tests fail the step",
			ws:    fstest.MapFS{"target/surefire-reports/TEST-e.xml": {Data: []byte(`<testsuites/>`)}},
			lines: []string{"Recording test results"},
			fail:  "ERROR: Step ‘Publish JUnit test result report’ failed: None of the test reports contained any result",
			total: -1,
		},
		{
			name:  "reports without tests are quiet after a failure",
			ws:    fstest.MapFS{"target/surefire-reports/TEST-e.xml": {Data: []byte(`<testsuites/>`)}},
			in:    Input{Result: model.Failure},
			lines: []string{"Recording test results"},
			total: -1,
		},
		{
			name:     "an empty file is a failed [empty] case",
			ws:       fstest.MapFS{"target/surefire-reports/TEST-z.xml": {Data: nil}},
			in:       Input{Root: "/ws"},
			lines:    []string{"Recording test results"},
			unstable: true,
			total:    1,
		},
		{
			name:     "a malformed .xml file is a failed [failed-to-read] case",
			ws:       fstest.MapFS{"target/surefire-reports/TEST-m.xml": {Data: []byte("<testsuite><testcase")}},
			lines:    []string{"Recording test results"},
			unstable: true,
			total:    1,
		},
		{
			name:  "a malformed file of another kind fails the step",
			ws:    fstest.MapFS{"out/results.txt": {Data: []byte("PASS all")}},
			cfg:   func(a *Archiver) { a.TestResults = "out/*" },
			in:    Input{Root: "/ws"},
			lines: []string{"Recording test results"},
			fail: "ERROR: Step ‘Publish JUnit test result report’ aborted due to exception: \nFailed to read /ws/out/results.txt\n" +
				"Is this really a JUnit report file? Your configuration must be matching too many files\nline 1: text outside the root element",
			total: -1,
		},
		{
			name:  "skipOldReports ignores files from before the build",
			ws:    fstest.MapFS{"target/surefire-reports/TEST-old.xml": {Data: []byte(failing), ModTime: time.Unix(1000, 0)}, "target/surefire-reports/TEST-new.xml": {Data: []byte(passing), ModTime: time.Unix(1998, 0)}},
			cfg:   func(a *Archiver) { a.SkipOldReports = true },
			in:    Input{BuildStart: time.Unix(2000, 0)},
			lines: []string{"Recording test results"},
			total: 1,
		},
		{
			name:  "variables in the pattern are expanded",
			ws:    fstest.MapFS{"mod1/reports/a.xml": {Data: []byte(passing)}},
			cfg:   func(a *Archiver) { a.TestResults = "${MODULE}/reports/*.xml" },
			in:    Input{Lookup: func(n string) (string, bool) { return "mod1", n == "MODULE" }},
			lines: []string{"Recording test results"},
			total: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewArchiver("target/surefire-reports/*.xml")
			if tc.cfg != nil {
				tc.cfg(&a)
			}
			out, err := a.Record(context.Background(), tc.ws, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.Lines, tc.lines) {
				t.Errorf("lines = %q, want %q", out.Lines, tc.lines)
			}
			fail := ""
			if out.Fail != nil {
				fail = out.Fail.Line()
			}
			if fail != tc.fail {
				t.Errorf("failure =\n%q\nwant\n%q", fail, tc.fail)
			}
			if out.Unstable != tc.unstable {
				t.Errorf("unstable = %v", out.Unstable)
			}
			total := -1
			if out.Report != nil {
				total = out.Report.TotalCount()
			}
			if total != tc.total {
				t.Errorf("report total = %d, want %d", total, tc.total)
			}
		})
	}
}

func TestRecordSyntheticCases(t *testing.T) {
	ws := fstest.MapFS{
		"r/TEST-z.xml": {Data: nil},
		"r/TEST-m.xml": {Data: []byte("<testsuite><testcase")},
	}
	out, err := NewArchiver("r/*.xml").Record(context.Background(), ws, Input{Root: "/home/ci/ws/"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range out.Report.Suites {
		c := s.Cases[0]
		got = append(got, fmt.Sprintf("%s|%s|%s|%q|%q", s.Name, c.ClassName, c.Name(), *c.ErrorStackTrace, *c.ErrorDetails))
	}
	want := []string{
		`TEST-m.xml|TEST-m.xml|[failed-to-read]|"Failed to read test report file /home/ci/ws/r/TEST-m.xml\nXML syntax error on line 1: unexpected EOF"|""`,
		`TEST-z.xml|TEST-z.xml|[empty]|"Test report file /home/ci/ws/r/TEST-z.xml was length 0"|""`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRecordSurefireOutputFiles replays the plugin's
// testSuiteStdioTrimmingSurefire* tests: stdout read from
// TEST-x-output.txt beside TEST-x.xml.
func TestRecordSurefireOutputFiles(t *testing.T) {
	output := func(n int, word string) []byte {
		var b strings.Builder
		b.WriteString("First line is intact.\n")
		for i := range n {
			fmt.Fprintf(&b, "Line #%d %s.\n", i, word)
		}
		b.WriteString("Last line is intact.\n")
		return []byte(b.String())
	}
	const failingSuite = "<testsuites name='x'><testsuite failures='1' errors='0' tests='1' name='x'><testcase name='x' classname='x'><error>oops</error></testcase></testsuite></testsuites>"
	const passingSuite = "<testsuites name='x'><testsuite failures='0' errors='0' tests='1' name='x'><testcase name='x' classname='x'/></testsuite></testsuites>"
	retained := output(10000, "should be retained")
	tests := []struct {
		name      string
		suite     string
		out       []byte
		retention StdioRetention
		wantLen   int
	}{
		{"a passing suite's output file is cut to 500 + 500", passingSuite, output(100, "might be elided"), RetainNone, 1030},
		{"a failing suite's output file is cut to 50,000 + 50,000", failingSuite, output(10000, "might be elided"), RetainNone, 100032},
		{"ALL retention keeps a failing suite's output file whole", failingSuite, retained, RetainAll, len(retained)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws := fstest.MapFS{"r/TEST-x.xml": {Data: []byte(tc.suite)}, "r/x-output.txt": {Data: tc.out}}
			a := NewArchiver("r/*.xml")
			a.StdioRetention = tc.retention
			out, err := a.Record(context.Background(), ws, Input{})
			if err != nil {
				t.Fatal(err)
			}
			s := out.Report.Suites[0]
			if s.Stdout == nil || units([]byte(*s.Stdout)) != tc.wantLen {
				t.Fatalf("stdout = %d units, want %d", units([]byte(*s.Stdout)), tc.wantLen)
			}
		})
	}
}

func TestStdioTrimmingOfFailingSuites(t *testing.T) {
	report := func(word string) string {
		var b strings.Builder
		b.WriteString("<testsuites name='x'>\n<testsuite failures='1' errors='0' tests='1' name='x'>\n<testcase name='x' classname='x'><error>oops</error></testcase>\n<system-out/>\n<system-err><![CDATA[First line is intact.\n")
		for i := range 10000 {
			fmt.Fprintf(&b, "Line #%d %s.\n", i, word)
		}
		b.WriteString("Last line is intact.\n]]></system-err>\n</testsuite>\n</testsuites>\n")
		return b.String()
	}
	tests := []struct {
		name      string
		word      string
		retention StdioRetention
		want      int
	}{
		{"testSuiteStdioTrimmingOnFail", "might be elided", RetainNone, 100032},
		{"testSuiteStdioTrimmingOnFailRetainOnlyFailed", "should be retained", RetainFailed, 308933},
		{"testSuiteStdioTrimmingOnFailRetainAll", "should be retained", RetainAll, 308933},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			suites, err := Parse(strings.NewReader(report(tc.word)), "x.xml", "x.xml", Options{Retention: tc.retention})
			if err != nil {
				t.Fatal(err)
			}
			if got := units([]byte(*suites[0].Stderr)); got != tc.want {
				t.Errorf("stderr is %d units, want %d", got, tc.want)
			}
		})
	}
}
