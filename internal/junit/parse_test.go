package junit

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/export"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// parseFiles parses report files as one report, as Record would, with
// siblings read beside them.
func parseFiles(t *testing.T, opt Options, paths ...string) *Report {
	t.Helper()
	r := NewReport()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		o := opt
		dir := filepath.Dir(p)
		o.Sibling = func(name string) (io.ReadCloser, error) { return os.Open(filepath.Join(dir, name)) }
		suites, err := Parse(f, "/ws/"+filepath.ToSlash(p), filepath.Base(p), o)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		r.Add(suites...)
	}
	return r
}

func TestParseGolden(t *testing.T) {
	var inputs []string
	for _, g := range []string{"testdata/producers/*.xml", "testdata/plugin/*.xml"} {
		m, _ := filepath.Glob(g)
		inputs = append(inputs, m...)
	}
	if len(inputs) < 10 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for _, in := range inputs {
		t.Run("report "+filepath.Base(in)+" exports as its golden testReport/api/json", func(t *testing.T) {
			r := parseFiles(t, Options{KeepProperties: true}, in)
			r.Freeze(7, nil)
			var buf bytes.Buffer
			if err := export.Write(&buf, r.Export(ExportOptions{}), export.JSON, "testResult", export.Options{Pretty: true}); err != nil {
				t.Fatal(err)
			}
			buf.WriteByte('\n')
			golden(t, strings.TrimSuffix(in, ".xml")+".golden.json", buf.Bytes())
		})
	}
}

// TestParseAsThePluginTests replays the assertions of the junit plugin's
// SuiteResultTest and TestResultTest on the same files.
func TestParseAsThePluginTests(t *testing.T) {
	dir := "testdata/plugin/"
	t.Run("a testcase's classname wins over its suite's name (JENKINS-1233)", func(t *testing.T) {
		cases := parseFiles(t, Options{}, dir+"junit-report-1233.xml").Suites[0].Cases
		want := []string{"test.foo.bar.DefaultIntegrationTest", "test.foo.bar.BundleResolverIntegrationTest", "test.foo.bar.BundleResolverIntegrationTest", "test.foo.bar.ProjectSettingsTest", "test.foo.bar.ProjectSettingsTest"}
		for i, w := range want {
			if cases[i].ClassName != w {
				t.Errorf("case %d class = %q, want %q", i, cases[i].ClassName, w)
			}
		}
	})
	t.Run("a testcase without classname takes its suite's name (JENKINS-1463)", func(t *testing.T) {
		cases := parseFiles(t, Options{}, dir+"junit-report-1463.xml").Suites[0].Cases
		names := []string{"IF_importTradeConfirmationToDwh", "IF_getAmartaDisbursements", "IF_importGLReconDataToDwh", "IF_importTradeInstructionsToDwh", "IF_getDeviationTradeInstructions", "IF_getDwhGLData"}
		for i, c := range cases {
			if c.ClassName != "WLI-FI-Tests-Fake" {
				t.Errorf("case %d class = %q", i, c.ClassName)
			}
			if i < len(names) && c.Name() != names[i] {
				t.Errorf("case %d name = %q, want %q", i, c.Name(), names[i])
			}
		}
	})
	t.Run("the suite name is read (JENKINS-2874)", func(t *testing.T) {
		if got := parseFiles(t, Options{}, dir+"junit-report-2874.xml").Suites[0].Name; got != "DummyTest" {
			t.Errorf("name = %q", got)
		}
	})
	t.Run("error details are the failure's message", func(t *testing.T) {
		cases := parseFiles(t, Options{}, dir+"junit-report-errror-details.xml").Suites[0].Cases
		for _, c := range cases {
			if c.ClassName != "some.package.somewhere.WhooHoo" {
				t.Errorf("class = %q", c.ClassName)
			}
		}
		if got := cases[0].ErrorDetails; got == nil || *got != "this normally has the string like, expected mullet, but got bream" {
			t.Errorf("errorDetails = %v", got)
		}
	})
	t.Run("a suite-level error is a failing <init> case (JENKINS-6700)", func(t *testing.T) {
		s := parseFiles(t, Options{}, dir+"junit-report-6700.xml").Suites[0]
		if len(s.Cases) != 1 || !s.Cases[0].Failed() || s.Cases[0].ErrorStackTrace == nil || s.Cases[0].ClassName != "<init>" {
			t.Errorf("cases = %+v", s.Cases)
		}
	})
	t.Run("nested suites come out one by one (JENKINS-6545)", func(t *testing.T) {
		r := parseFiles(t, Options{}, dir+"junit-report-nested-testsuites.xml")
		if len(r.Suites) != 3 {
			t.Fatalf("%d suites", len(r.Suites))
		}
		want := []string{"test.fs.FileSystemTest", "test.3rdlevel", "test.db.DatabaseTest"}
		for i, s := range r.Suites {
			if len(s.Cases) != 1 || s.Name != want[i] {
				t.Errorf("suite %d = %s with %d cases, want %s", i, s.Name, len(s.Cases), want[i])
			}
		}
	})
	t.Run("a suite's time attribute wins over its cases' sum", func(t *testing.T) {
		r := parseFiles(t, Options{}, dir+"junit-report-testsuite-time-attrs.xml")
		want := []float32{2503.1, 22, 40, 20}
		for i, w := range want {
			if d := r.Suites[i].Duration; d < w-2 || d > w+2 {
				t.Errorf("suite %d duration = %v, want %v", i, d, w)
			}
		}
	})
	t.Run("properties are kept when asked", func(t *testing.T) {
		s := parseFiles(t, Options{KeepProperties: true}, dir+"junit-report-with-properties.xml").Suites[0]
		if s.Properties["prop1"] != "value1" {
			t.Errorf("prop1 = %q", s.Properties["prop1"])
		}
		lines := strings.Split(s.Properties["multiline"], "\n")
		if len(lines) < 4 || lines[0] != "" || lines[1] != "          Config line 1" || lines[3] != "          Config line 3" {
			t.Errorf("multiline = %q", lines)
		}
		if len(s.Cases) != 2 || s.Cases[0].Properties["description"] != "description of test testCaseA" || len(s.Cases[1].Properties) != 0 {
			t.Errorf("case properties = %v, %v", s.Cases[0].Properties, s.Cases[1].Properties)
		}
		s = parseFiles(t, Options{}, dir+"junit-report-with-properties.xml").Suites[0]
		if len(s.Properties) != 0 || len(s.Cases[0].Properties) != 0 {
			t.Error("properties kept without being asked")
		}
	})
	t.Run("a skipped message is the element's text without a message attribute", func(t *testing.T) {
		c := parseFiles(t, Options{}, dir+"SKIPPED_MESSAGE/skippedTestResult.xml").Suites[0].Cases[0]
		if c.SkippedMessage == nil || *c.SkippedMessage != "Given skip This Test........................................................pending\n" {
			t.Errorf("skippedMessage = %v", c.SkippedMessage)
		}
	})
	t.Run("parametrized duplicates all count (JENKINS-13214)", func(t *testing.T) {
		r := parseFiles(t, Options{}, dir+"JENKINS-13214/27449.xml", dir+"JENKINS-13214/27540.xml", dir+"JENKINS-13214/29734.xml")
		if len(r.Suites) != 1 || r.TotalCount() != 3 {
			t.Errorf("%d suites, %d cases", len(r.Suites), r.TotalCount())
		}
	})
	t.Run("a suite split over files is one suite (JENKINS-12457)", func(t *testing.T) {
		r := parseFiles(t, Options{}, dir+"JENKINS-12457/TestSuite_a1.xml", dir+"JENKINS-12457/TestSuite_a2.xml")
		if len(r.Suites) != 1 || r.TotalCount() != 2 || r.Duration < 172.88 || r.Duration > 173.08 {
			t.Errorf("%d suites, %d cases, duration %v", len(r.Suites), r.TotalCount(), r.Duration)
		}
		r = parseFiles(t, Options{}, dir+"JENKINS-12457/TestSuite_b.xml", dir+"JENKINS-12457/TestSuite_b_duplicate.xml", dir+"JENKINS-12457/TestSuite_b_nonduplicate.xml")
		if len(r.Suites) != 1 || r.TotalCount() != 3 {
			t.Errorf("%d suites, %d cases", len(r.Suites), r.TotalCount())
		}
	})
	t.Run("a case with an empty name is (?) (JENKINS-63113)", func(t *testing.T) {
		r := parseFiles(t, Options{}, dir+"junit-report-empty-testcasename.xml")
		s := r.SuitesNamed("test.TestJUnit5FailingInBeforeAll")
		if len(r.Suites) != 1 || r.TotalCount() != 1 || len(s) != 1 {
			t.Fatalf("%d suites, %d cases", len(r.Suites), r.TotalCount())
		}
		if c := s[0].Cases[0]; c.FullName() != "test.TestJUnit5FailingInBeforeAll.(?)" || c.Name() != "(?)" {
			t.Errorf("full name %q, name %q", c.FullName(), c.Name())
		}
	})
	t.Run("Surefire's output file is the suite's stdout, NULs shown as ^@ (JENKINS-71139)", func(t *testing.T) {
		s := parseFiles(t, Options{}, dir+"TEST-null.xml").Suites[0]
		if s.Stdout == nil || *s.Stdout != "foo^@bar" {
			t.Errorf("stdout = %v", s.Stdout)
		}
	})
	t.Run("flaky failures are read (gh-237)", func(t *testing.T) {
		r := parseFiles(t, Options{}, dir+"TEST-io.olamy.FlakyTest.xml")
		var found *Case
		for _, c := range r.SuitesNamed("io.olamy.FlakyTest")[0].Cases {
			if c.FullName() == "io.olamy.FlakyTest.testApp" {
				found = c
			}
		}
		if found == nil || len(found.FlakyFailures) == 0 || found.FlakyFailures[0].StackTrace == nil {
			t.Errorf("flaky failures = %+v", found)
		}
	})
}

func TestParseTimestamps(t *testing.T) {
	// SuiteResultTest.testTestParseTimeMethod.
	tests := map[string]int64{
		"1970-01-01T00:00:00.00":       0,
		"2024-01-03T11:23:00.00":       1704280980000,
		"2024-01-03T12:27:11":          1704284831000,
		"2024-01-03T 12:40:13":         1704285613000,
		"2024-01-03T12:27:44Z":         1704284864000,
		"2024-01-03T12:27:15+01:00":    1704281235000,
		"2024-01-03T12:27:11.21-01:00": 1704288431210,
		"2024-01-03T12:27:11.21+1:00":  -1,
		"2024-01-03 12:27:54Z":         -1,
		"2024-01-03":                   -1,
		"":                             -1,
	}
	for in, want := range tests {
		if got := parseTimestamp(in); got != want {
			t.Errorf("parseTimestamp(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := map[string]float32{
		"0.005": 0.005, "1,234.5": 1234.5, " 2 ": 2, "1e2": 100, "3f": 3, "1.5s": 1.5, "abc": 0, "": 0, "-1": -1, ".5": 0.5,
	}
	for in, want := range tests {
		if got := parseTime(in); got != want {
			t.Errorf("parseTime(%q) = %v, want %v", in, got, want)
		}
	}
	if clampDuration(parseTime("-1")) != 0 || clampDuration(parseTime("NaN")) != 0 || clampDuration(1e9) != maxDuration {
		t.Error("clampDuration")
	}
}

// stdioReport writes the plugin's stdio trimming test report: a suite
// whose <system-err> holds 102 lines.
func stdioReport(failing bool) string {
	var b strings.Builder
	b.WriteString("<testsuites name='x'>\n<testsuite failures='0' errors='0' tests='1' name='x'>\n")
	if failing {
		b.WriteString("<testcase name='x' classname='x'><error>failure</error></testcase>\n")
	} else {
		b.WriteString("<testcase name='x' classname='x'/>\n")
	}
	b.WriteString("<system-out/>\n<system-err><![CDATA[First line is intact.\n")
	for i := range 100 {
		fmt.Fprintf(&b, "Line #%d might be elided.\n", i)
	}
	b.WriteString("Last line is intact.\n]]></system-err>\n</testsuite>\n</testsuites>\n")
	return b.String()
}

func TestStdioTrimming(t *testing.T) {
	tests := []struct {
		name      string
		failing   bool
		retention StdioRetention
		wantLen   int // in UTF-16 units, as the plugin's tests count
	}{
		{"a passing suite's output is cut to 500 + 500 (testSuiteStdioTrimming)", false, RetainNone, 1030},
		{"FAILED retention cuts a passing suite's output too", false, RetainFailed, 1030},
		{"a failing suite's output is kept up to 50,000 + 50,000", true, RetainNone, 2633},
		{"ALL retention keeps everything", false, RetainAll, 2633},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			suites, err := Parse(strings.NewReader(stdioReport(tc.failing)), "x.xml", "x.xml", Options{Retention: tc.retention})
			if err != nil {
				t.Fatal(err)
			}
			got := *suites[0].Stderr
			if units([]byte(got)) != tc.wantLen {
				t.Errorf("stderr is %d units long, want %d:\n%s", units([]byte(got)), tc.wantLen, got)
			}
			if !strings.HasPrefix(got, "First line is intact.") || !strings.HasSuffix(got, "Last line is intact.\n") {
				t.Errorf("stderr lost its ends: %q", got)
			}
			if tc.wantLen == 1030 && !strings.Contains(got, "\n...[truncated 1633 chars]...\n") {
				t.Errorf("no truncation marker in %q", got)
			}
		})
	}
}

func TestClipCountsUTF16AndKeepsCharactersWhole(t *testing.T) {
	var c clip
	c.reset(3)
	for _, s := range []string{"ab", "𝄞", "cdé", "fg𝄞h"} {
		c.write([]byte(s))
	}
	// "ab𝄞cdéfg𝄞h" is 12 units: a b 𝄞(2) c d é f g 𝄞(2) h.
	if c.total != 12 {
		t.Errorf("total = %d", c.total)
	}
	if got := c.cut(3); got != "ab\n...[truncated 6 chars]...\n𝄞h" {
		t.Errorf("cut(3) = %q", got)
	}
	c.reset(100)
	c.write([]byte("short"))
	if c.cut(10) != "short" || c.bounded() != "short" {
		t.Error("a short text was cut")
	}
}

func TestParseLongStdioIsBoundedWhileStreaming(t *testing.T) {
	var b strings.Builder
	b.WriteString("<testsuite name='s'><testcase name='t' classname='c'><system-out>")
	line := strings.Repeat("x", 99) + "\n"
	for range 100_000 { // 10 MB
		b.WriteString(line)
	}
	b.WriteString("</system-out></testcase></testsuite>")
	suites, err := Parse(strings.NewReader(b.String()), "s.xml", "s.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := *suites[0].Cases[0].Stdout
	if len(out) != 500+500+len("\n...[truncated 9999000 chars]...\n") {
		t.Errorf("stdout is %d bytes", len(out))
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, doc string
		is        error
	}{
		{"an unclosed element", "<testsuite><testcase name='a'>", &SyntaxError{}},
		{"mismatched tags", "<testsuite><testcase name='a'></testsuite></testcase>", &SyntaxError{}},
		{"an empty document", "", &SyntaxError{}},
		{"two roots", "<a/><b/>", &SyntaxError{}},
		{"an illegal character", "<testsuite><testcase name='a'><system-out>\x1b[31m</system-out></testcase></testsuite>", &SyntaxError{}},
		{"a case without class name or name", "<testsuite><testcase/></testsuite>", ErrNoName},
	}
	for _, tc := range tests {
		t.Run("Parse refuses "+tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.doc), "f.xml", "f.xml", Options{})
			var syn *SyntaxError
			if _, wantSyntax := tc.is.(*SyntaxError); wantSyntax {
				if !errors.As(err, &syn) {
					t.Errorf("err = %v, want a SyntaxError", err)
				}
				return
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	many := "<testsuite name='s'>" + strings.Repeat("<testcase name='t' classname='c'/>", 11) + "</testsuite>"
	lim := DefaultLimits
	lim.MaxCases = 10
	if _, err := Parse(strings.NewReader(many), "f", "f", Options{Limits: lim}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("11 cases with MaxCases 10: err = %v", err)
	}
	deep := strings.Repeat("<a>", 50) + strings.Repeat("</a>", 50)
	lim = DefaultLimits
	lim.MaxDepth = 20
	if _, err := Parse(strings.NewReader(deep), "f", "f", Options{Limits: lim}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("deep nesting: err = %v", err)
	}
	big := "<testsuite name='s'><testcase name='t' classname='c'><failure>" + strings.Repeat("y", 5000) + "</failure></testcase></testsuite>"
	lim = DefaultLimits
	lim.MaxText = 1000
	suites, err := Parse(strings.NewReader(big), "f", "f", Options{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	if got := *suites[0].Cases[0].ErrorStackTrace; len(got) != 1000+len("\n...[truncated 4000 chars]...\n") {
		t.Errorf("stack trace is %d bytes", len(got))
	}
	lim.MaxRetained = 100
	if _, err := Parse(strings.NewReader(big), "f", "f", Options{Limits: lim}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("retained over the bound: err = %v", err)
	}
}

func TestParseSuiteNamesAndClassNames(t *testing.T) {
	doc := `<testsuites>
  <testsuite name="Calc" package="com.ex"><testcase name="a" classname="com.ex.Calc"/></testsuite>
  <testsuite><testcase name="org.x.Y.method"/></testsuite>
  <testsuite name="we?ird:name"><testcase name="z"/></testsuite>
</testsuites>`
	suites, err := Parse(strings.NewReader(doc), "/ws/r.xml", "r.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{suites[0].Name, suites[1].Name, suites[2].Name, suites[1].Cases[0].ClassName, suites[1].Cases[0].Name(), suites[2].Cases[0].ClassName}
	want := []string{"com.ex.Calc", "(r.xml)", "we_ird_name", "org.x.Y", "method", "we?ird:name"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, g := range []string{"testdata/producers/*.xml", "testdata/plugin/*.xml"} {
		m, _ := filepath.Glob(g)
		for _, p := range m {
			if data, err := os.ReadFile(p); err == nil && len(data) < 20000 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := Limits{MaxStdio: 1000, MaxText: 1000, MaxCases: 1000, MaxRetained: 1 << 20, MaxDepth: 100}
		suites, err := Parse(bytes.NewReader(data), "f.xml", "f.xml", Options{Limits: lim, KeepProperties: true, Retention: RetainFailed})
		if err != nil {
			return
		}
		r := NewReport()
		r.Add(suites...)
		r.Freeze(2, []Lookup{r})
		if r.PassCount() < 0 || r.PassCount()+r.FailCount()+r.SkipCount() != r.TotalCount() {
			t.Fatalf("counts do not add up: %d %d %d %d", r.PassCount(), r.FailCount(), r.SkipCount(), r.TotalCount())
		}
		var buf bytes.Buffer
		if err := export.Write(&buf, r.Export(ExportOptions{ClassicStatus: true}), export.JSON, "testResult", export.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}
