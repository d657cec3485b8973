package testreport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/buildtest"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/junit"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/testreport"
)

type remote struct{ launcher.Launcher }

type world struct {
	*buildtest.World
	tr *testreport.Service
}

func newWorld(t *testing.T, l launcher.Launcher) *world {
	w := buildtest.New(t, l)
	tr := testreport.New(testreport.Config{}, w.Blobs, w.Store)
	w.Exec.Register(tr)
	return &world{World: w, tr: tr}
}

func recorder(inner string) string {
	return `<publishers><hudson.tasks.junit.JUnitResultArchiver>` + inner + `</hudson.tasks.junit.JUnitResultArchiver></publishers>`
}

// report is a step writing a JUnit report with t1 passing and t2 in
// the state $T2 (pass or fail) gives.
const report = `mkdir -p target/surefire-reports
if [ "$BUILD_NUMBER" = 1 ]; then t2='<failure message="expected 1">at Calc.add</failure>'; else t2=''; fi
cat > target/surefire-reports/TEST-app.CalcTest.xml <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="app.CalcTest" tests="3" failures="1" time="0.5">
  <testcase classname="app.CalcTest" name="t1" time="0.1"/>
  <testcase classname="app.CalcTest" name="t2" time="0.2">$t2</testcase>
  <testcase classname="app.CalcTest" name="t3" time="0.2"><failure message="always">boom</failure></testcase>
  <system-out>hello from the suite</system-out>
</testsuite>
EOF`

func exportJSON(t *testing.T, o *export.Object, depth int) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := export.Write(&b, o, export.JSON, "x", export.Options{Depth: depth}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func caseJSON(t *testing.T, r *junit.Report, name string) map[string]any {
	t.Helper()
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			if c.Name() == name {
				return exportJSON(t, c.Export(junit.ExportOptions{ClassicStatus: true}), 0)
			}
		}
	}
	t.Fatalf("no case %s", name)
	return nil
}

func TestRecordingInRealBuilds(t *testing.T) {
	for _, l := range []launcher.Launcher{local.New(), remote{local.New()}} {
		name := "on the built-in node"
		if _, ok := l.(remote); ok {
			name = "on another machine"
		}
		t.Run(name, func(t *testing.T) { testRecording(t, l) })
	}
}

func testRecording(t *testing.T, l launcher.Launcher) {
	ctx := context.Background()
	w := newWorld(t, l)
	job := w.Job(t, "calc", buildtest.Shell(report, recorder(`<testResults>target/surefire-reports/*.xml</testResults>`)))
	b1 := w.Run(t, job)
	log := w.Log(t, b1)
	t.Run("a failing test makes the build UNSTABLE, in the plugin's words", func(t *testing.T) {
		if b1.Result != model.Unstable {
			t.Fatalf("result %s:\n%s", b1.Result, log)
		}
		want := "Recording test results\nBuild step 'Publish JUnit test result report' changed build result to UNSTABLE\nFinished: UNSTABLE\n"
		if !strings.HasSuffix(log, want) || strings.Contains(log, "jeeves does not run Publish JUnit") {
			t.Fatalf("console:\n%s", log)
		}
	})
	t.Run("the report is stored, and its summary is the build's TestResultAction", func(t *testing.T) {
		r, err := w.tr.Report(ctx, b1.JobID, b1.Number)
		if err != nil {
			t.Fatal(err)
		}
		if r.TotalCount() != 3 || r.FailCount() != 2 {
			t.Fatalf("counts %+v", r.Summarize())
		}
		m := exportJSON(t, r.Export(junit.ExportOptions{}), 0)
		if m["_class"] != junit.ResultClass || m["failCount"] != float64(2) || m["passCount"] != float64(1) {
			t.Fatalf("%v", m)
		}
		s, err := w.tr.Summary(ctx, b1.JobID, b1.Number)
		if err != nil {
			t.Fatal(err)
		}
		a := exportJSON(t, s.Action(), 0)
		if a["_class"] != junit.ActionClass || a["failCount"] != float64(2) || a["totalCount"] != float64(3) || a["urlName"] != "testReport" {
			t.Fatalf("%v", a)
		}
		if h, ok := s.Health(s.HealthScaleFactor); !ok || h.Score != 33 {
			t.Fatalf("health %+v %v", h, ok)
		}
		c := caseJSON(t, r, "t2")
		if c["_class"] != junit.CaseClass || c["status"] != "FAILED" || c["age"] != float64(1) || c["errorDetails"] != "expected 1" || c["stdout"] != "hello from the suite" {
			t.Fatalf("%v", c)
		}
	})
	t.Run("the package, class and case pages are found by their URL names", func(t *testing.T) {
		r, err := w.tr.Report(ctx, b1.JobID, b1.Number)
		if err != nil {
			t.Fatal(err)
		}
		p, c, k, err := testreport.Find(r, "app", "CalcTest", "t3")
		if err != nil || p.Name != "app" || c.Name != "CalcTest" || k.FullName() != "app.CalcTest.t3" || p.FailCount != 2 {
			t.Fatalf("%+v %+v %+v %v", p, c, k, err)
		}
		if _, _, _, err := testreport.Find(r, "app", "Nope", ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
	b2 := w.Run(t, job)
	t.Run("the next build's report is frozen against the one before: ages, FIXED", func(t *testing.T) {
		if b2.Result != model.Unstable {
			t.Fatalf("%s", w.Log(t, b2))
		}
		r, err := w.tr.Report(ctx, b2.JobID, b2.Number)
		if err != nil {
			t.Fatal(err)
		}
		if c := caseJSON(t, r, "t2"); c["status"] != "FIXED" || c["age"] != float64(0) {
			t.Errorf("t2 %v", c)
		}
		if c := caseJSON(t, r, "t3"); c["status"] != "FAILED" || c["age"] != float64(2) || c["failedSince"] != float64(1) {
			t.Errorf("t3 %v", c)
		}
	})
	t.Run("the job's trend lists its builds with reports, newest first", func(t *testing.T) {
		tr, err := w.tr.Trend(ctx, job.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr) != 2 || tr[0].Number != 2 || tr[0].FailCount != 1 || tr[1].Number != 1 || tr[1].FailCount != 2 {
			t.Fatalf("%+v", tr)
		}
	})
	t.Run("the reports count in the builds' disk usage", func(t *testing.T) {
		rec, _ := w.Store.Build(ctx, b1.JobID, b1.Number)
		if rec.DiskUsage < 100 {
			t.Fatalf("%+v", rec)
		}
	})
}

func TestRecordingOutcomes(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil)
	tests := []struct {
		name, step, config string
		result             model.Result
		lines              []string
		stored             bool
	}{
		{"passing tests keep the build a SUCCESS", `echo '<testsuite name="s"><testcase classname="a.B" name="ok"/></testsuite>' > r.xml`,
			`<testResults>*.xml</testResults>`, model.Success, []string{"Recording test results\nFinished: SUCCESS\n"}, true},
		{"malformed XML in a .xml file is a failed case holding the parser's message, as Jenkins records it", `echo '<testsuite name="s"><testcase' > r.xml`,
			`<testResults>*.xml</testResults>`, model.Unstable, []string{"changed build result to UNSTABLE\n"}, true},
		{"malformed XML in another file fails the step", `echo '<testsuite name="s"><testcase' > r.txt`,
			`<testResults>*.txt</testResults>`, model.Failure, []string{"ERROR: Step ‘Publish JUnit test result report’ aborted due to exception: \nFailed to read ", "Is this really a JUnit report file? Your configuration must be matching too many files\n"}, false},
		{"no report file fails the step", `true`,
			`<testResults>*.xml</testResults>`, model.Failure, []string{"ERROR: Step ‘Publish JUnit test result report’ failed: No test report files were found. Configuration error?\nFinished: FAILURE\n"}, false},
		{"no report file is a line when empty results are allowed", `true`,
			`<testResults>*.xml</testResults><allowEmptyResults>true</allowEmptyResults>`, model.Success, []string{"Recording test results\nNo test report files were found. Configuration error?\nNone of the test reports contained any result\nFinished: SUCCESS\n"}, false},
		{"failures do not touch the result when told to skip marking the build unstable", `echo '<testsuite name="s"><testcase classname="a.B" name="bad"><error>x</error></testcase></testsuite>' > r.xml`,
			`<testResults>*.xml</testResults><skipMarkingBuildUnstable>true</skipMarkingBuildUnstable>`, model.Success, []string{"Recording test results\nFinished: SUCCESS\n"}, true},
		{"a build that failed stays FAILURE, with its report", `echo '<testsuite name="s"><testcase classname="a.B" name="bad"><error>x</error></testcase></testsuite>' > r.xml; exit 1`,
			`<testResults>*.xml</testResults>`, model.Failure, []string{"Recording test results\nFinished: FAILURE\n"}, true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job := w.Job(t, "job"+string(rune('a'+i)), buildtest.Shell(tc.step, recorder(tc.config)))
			b := w.Run(t, job)
			log := w.Log(t, b)
			if b.Result != tc.result {
				t.Errorf("result %s, want %s", b.Result, tc.result)
			}
			for _, l := range tc.lines {
				if !strings.Contains(log, l) {
					t.Errorf("console lacks %q:\n%s", l, log)
				}
			}
			r, err := w.tr.Report(ctx, b.JobID, b.Number)
			if tc.stored != (err == nil) {
				t.Fatalf("report stored: %v, want %v", err, tc.stored)
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
			if strings.Contains(tc.name, "malformed XML in a .xml") {
				c := caseJSON(t, r, "[failed-to-read]")
				if trace, _ := c["errorStackTrace"].(string); !strings.Contains(trace, "Failed to read test report file ") || !strings.Contains(trace, "XML syntax error") {
					t.Errorf("the failed case does not hold the parser's message: %v", c)
				}
			}
		})
	}
}
