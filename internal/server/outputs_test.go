package server_test

import (
	"context"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// junitReport writes, as a shell command, a JUnit report to file with
// one passing case per name in pass and one failing per name in fail.
func junitReport(file string, pass, fail []string) string {
	var b strings.Builder
	b.WriteString(`<testsuite name="pkg.Calc" time="0.3">`)
	for _, n := range pass {
		b.WriteString(`<testcase classname="pkg.Calc" name="` + n + `" time="0.1"/>`)
	}
	for _, n := range fail {
		b.WriteString(`<testcase classname="pkg.Calc" name="` + n + `" time="0.1"><failure message="expected 2">at Calc.java:3</failure></testcase>`)
	}
	b.WriteString(`<testcase classname="pkg.Calc" name="later"><skipped/></testcase><system-out>out line</system-out></testsuite>`)
	return "mkdir -p reports; echo '" + b.String() + "' > " + file
}

// recording is the JUnit recorder's element for pattern.
func recording(pattern string) string {
	return "<hudson.tasks.junit.JUnitResultArchiver><testResults>" + html.EscapeString(pattern) + "</testResults></hudson.tasks.junit.JUnitResultArchiver>"
}

// TestTestReportOverHTTP: a build's JUnit results as dashboards read
// them: testReport/api/json with its suites and cases, the
// TestResultAction among the build's actions, UNSTABLE on failures, the
// statuses against the build before (REGRESSION, FIXED), the package,
// class and case pages and objects, the job's test health; a malformed
// report fails the build with the parser's message.
func TestTestReportOverHTTP(t *testing.T) {
	rs := newRouteStack(t)
	job := func(pass, fail []string) string {
		return shellJobXML(junitReport("reports/TEST-calc.xml", pass, fail), recording("reports/*.xml"))
	}
	rs.createJob(t, "tested", job([]string{"adds", "subtracts"}, nil))
	if b := rs.runJob(t, "tested", ""); b.Result != model.Success {
		t.Fatalf("first build %s", b.Result)
	}
	if r := rs.asToken(t, "POST", "job/tested/config.xml", job([]string{"adds"}, []string{"subtracts"})); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	b := rs.runJob(t, "tested", "")
	t.Run("a failing test makes the build UNSTABLE, with the plugin's line", func(t *testing.T) {
		log := rs.asToken(t, "GET", "job/tested/2/consoleText", "").body
		if b.Result != model.Unstable || !strings.Contains(log, "Recording test results") || !strings.HasSuffix(log, "Finished: UNSTABLE\n") {
			t.Fatalf("%s\n%s", b.Result, log)
		}
	})
	t.Run("testReport/api/json has the counts, the suites and each case's status, age and error", func(t *testing.T) {
		var rep struct {
			Class                           string `json:"_class"`
			FailCount, PassCount, SkipCount int
			Suites                          []struct {
				Name  string
				Cases []struct {
					ClassName, Name, Status string
					Age, FailedSince        int
					ErrorDetails            *string
					ErrorStackTrace         *string
					Skipped                 bool
				}
			}
		}
		r := rs.asToken(t, "GET", "job/tested/2/testReport/api/json", "")
		if err := json.Unmarshal([]byte(r.body), &rep); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if rep.Class != "hudson.tasks.junit.TestResult" || rep.FailCount != 1 || rep.PassCount != 1 || rep.SkipCount != 1 || len(rep.Suites) != 1 || rep.Suites[0].Name != "pkg.Calc" {
			t.Fatalf("%s", r.body)
		}
		got := map[string]string{}
		for _, k := range rep.Suites[0].Cases {
			got[k.Name] = k.Status
			if k.Name == "subtracts" && (k.Age != 1 || k.FailedSince != 2 || k.ErrorDetails == nil || *k.ErrorDetails != "expected 2" || k.ErrorStackTrace == nil || *k.ErrorStackTrace != "at Calc.java:3") {
				t.Errorf("the failed case: %+v", k)
			}
		}
		if got["adds"] != "PASSED" || got["subtracts"] != "FAILED" || got["later"] != "SKIPPED" {
			t.Fatalf("%v", got)
		}
	})
	t.Run("the build's actions hold the TestResultAction", func(t *testing.T) {
		r := rs.asToken(t, "GET", "job/tested/2/api/json", "")
		want := `{"_class":"hudson.tasks.junit.TestResultAction","failCount":1,"skipCount":1,"totalCount":3,"urlName":"testReport"}`
		if !strings.Contains(r.body, want) {
			t.Fatalf("%s", r.body)
		}
	})
	t.Run("python-jenkins's URL, with depth, reads the report", func(t *testing.T) {
		if r := rs.asToken(t, "GET", "job/tested/2/testReport/api/json?depth=0", ""); r.status != 200 || !strings.Contains(r.body, `"failCount":1`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("the package, class and case objects", func(t *testing.T) {
		for path, want := range map[string]string{
			"pkg/api/json":                 `"_class":"hudson.tasks.junit.PackageResult"`,
			"pkg/Calc/api/json":            `"_class":"hudson.tasks.junit.ClassResult"`,
			"pkg/Calc/subtracts/api/json":  `"_class":"hudson.tasks.junit.CaseResult"`,
			"pkg/Calc/subtracts/api/json ": `"status":"FAILED"`,
		} {
			r := rs.asToken(t, "GET", "job/tested/2/testReport/"+strings.TrimSpace(path), "")
			if r.status != 200 || !strings.Contains(r.body, want) {
				t.Errorf("%s: %d %s", path, r.status, r.body)
			}
		}
		for _, missing := range []string{"nope/api/json", "pkg/Nope/", "pkg/Calc/nope/api/json", "pkg/Calc/adds/x/"} {
			if r := rs.asToken(t, "GET", "job/tested/2/testReport/"+missing, ""); r.status != 404 {
				t.Errorf("%s: %d", missing, r.status)
			}
		}
	})
	t.Run("the pages: the report lists the failed test first, the case shows its error", func(t *testing.T) {
		page := html.UnescapeString(rs.asSession(t, "GET", "job/tested/2/testReport/", nil).body)
		if !strings.Contains(page, "All Failed Tests") || !strings.Contains(page, `href="pkg/Calc/subtracts/"`) || !strings.Contains(page, "1 failure, 1 skipped, 3 tests in all") {
			t.Fatalf("%s", page)
		}
		page = html.UnescapeString(rs.asSession(t, "GET", "job/tested/2/testReport/pkg/Calc/subtracts/", nil).body)
		if !strings.Contains(page, "expected 2") || !strings.Contains(page, "at Calc.java:3") || !strings.Contains(page, "out line") {
			t.Fatalf("%s", page)
		}
	})
	t.Run("the job's health reports its tests, the worst first", func(t *testing.T) {
		var j struct {
			HealthReport []struct {
				Description string
				Score       int
			}
		}
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/tested/api/json", "").body), &j)
		if len(j.HealthReport) != 2 || j.HealthReport[0].Description != "Test Result: 1 test failing out of a total of 3 tests." || j.HealthReport[0].Score != 66 ||
			j.HealthReport[1].Description != "Build stability: No recent builds failed." {
			t.Fatalf("%+v", j.HealthReport)
		}
	})
	t.Run("the job page draws the test result trend", func(t *testing.T) {
		page := rs.asSession(t, "GET", "job/tested/", nil).body
		if !strings.Contains(page, "Test Result Trend") || !strings.Contains(page, "#2: 1 failed, 1 skipped, 3 in all") {
			t.Fatalf("%s", page)
		}
	})
	t.Run("a fixed test is FIXED against the build before, in the classic statuses", func(t *testing.T) {
		if r := rs.asToken(t, "POST", "job/tested/config.xml", job([]string{"adds", "subtracts"}, nil)); r.status != 200 {
			t.Fatalf("%d", r.status)
		}
		if b := rs.runJob(t, "tested", ""); b.Result != model.Success {
			t.Fatalf("%s", b.Result)
		}
		r := rs.asToken(t, "GET", "job/tested/3/testReport/pkg/Calc/subtracts/api/json", "")
		if !strings.Contains(r.body, `"status":"PASSED"`) {
			t.Fatalf("%s", r.body)
		}
	})
	t.Run("a build without a report has no testReport", func(t *testing.T) {
		rs.runJob(t, "untested", shellXML)
		if r := rs.asToken(t, "GET", "job/untested/1/testReport/api/json", ""); r.status != 404 {
			t.Fatalf("%d", r.status)
		}
	})
	t.Run("a malformed report fails the build with the parser's message, as Jenkins does", func(t *testing.T) {
		b := rs.runJob(t, "malformed", shellJobXML("mkdir -p r; echo '<testsuite><testcase name=\"a\"' > r/TEST-bad.txt", recording("r/*.txt")))
		log := rs.asToken(t, "GET", "job/malformed/1/consoleText", "").body
		if b.Result != model.Failure || !strings.Contains(log, "ERROR: Step ‘Publish JUnit test result report’ aborted due to exception: \nFailed to read ") ||
			!strings.Contains(log, "XML syntax error on line 2: unexpected EOF\nFinished: FAILURE\n") {
			t.Fatalf("%s\n%s", b.Result, log)
		}
		b = rs.runJob(t, "malformed-xml", shellJobXML("mkdir -p r; echo '<testsuite><testcase name=\"a\"' > r/TEST-bad.xml", recording("r/*.xml")))
		r := rs.asToken(t, "GET", "job/malformed-xml/1/testReport/api/json", "")
		if b.Result != model.Unstable || !strings.Contains(r.body, "[failed-to-read]") {
			t.Fatalf("a .xml file that is not well-formed is one failed case: %s %d %s", b.Result, r.status, r.body)
		}
	})
}

// TestKeepLogAndDiskUsageOverHTTP: toggleLogKeep keeps a build forever
// (keepLog in its JSON, the button on its page), a kept build cannot be
// deleted (400 with Jenkins's words), clearing the mark needs Run/Delete;
// a build's and a job's disk usage show in the API and the pages; and
// deleting a build or the job deletes what its builds left.
func TestKeepLogAndDiskUsageOverHTTP(t *testing.T) {
	rs := newRouteStack(t)
	xml := shellJobXML("echo 0123456789 > out.txt; "+junitReport("TEST-a.xml", []string{"ok"}, nil), archiving("out.txt")+recording("TEST-*.xml"))
	b := rs.runJob(t, "kept", xml)
	keepLog := func(t *testing.T) bool {
		var v struct{ KeepLog bool }
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/kept/1/api/json", "").body), &v)
		return v.KeepLog
	}
	t.Run("toggleLogKeep marks the build kept; its JSON and page say so", func(t *testing.T) {
		if keepLog(t) {
			t.Fatal("kept before")
		}
		r := rs.asToken(t, "POST", "job/kept/1/toggleLogKeep", "")
		if r.status != 302 || !keepLog(t) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if page := rs.asSession(t, "GET", "job/kept/1/", nil).body; !strings.Contains(page, "This build is kept forever.") || !strings.Contains(page, "Don't keep this build forever") {
			t.Fatalf("%s", page)
		}
	})
	t.Run("a kept build cannot be deleted", func(t *testing.T) {
		r := rs.asToken(t, "POST", "job/kept/1/doDelete", "")
		if r.status != 400 || r.header.Get("X-Error") != "Unable to delete kept #1: This record is explicitly marked to be kept." {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
	})
	t.Run("no longer keeping it needs Run/Delete", func(t *testing.T) {
		rs.au.CreateUser(context.Background(), "updater", "up-pw", "", "", false)
		grants := stackStrategy
		grants.Grants = append(grants.Grants[:len(grants.Grants):len(grants.Grants)], model0Grant("updater", "hudson.model.Run.Update"))
		if err := rs.app.Authz.Set(context.Background(), grants); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rs.reset)
		h := basic("updater", "up-pw")
		h["Jenkins-Crumb"] = crumbOf(t, rs, h)
		r := rs.raw(t, "POST", "job/kept/1/toggleLogKeep", "", h)
		if r.status != 403 || r.header.Get("X-Required-Permission") != "hudson.model.Run.Delete" || !keepLog(t) {
			t.Fatalf("%d %v", r.status, r.header)
		}
	})
	t.Run("a build's and a job's disk usage count its log, artifacts and report", func(t *testing.T) {
		var got struct {
			Actions []struct {
				Class     string `json:"_class"`
				DiskUsage int64
			}
		}
		eventually(t, "the build's disk usage counts its log", func() bool {
			json.Unmarshal([]byte(rs.asToken(t, "GET", "job/kept/1/api/json", "").body), &got)
			for _, a := range got.Actions {
				if a.Class == "hudson.plugins.disk_usage.BuildDiskUsageAction" {
					return a.DiskUsage > 11
				}
			}
			return false
		})
		got.Actions = nil
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/kept/api/json", "").body), &got)
		if len(got.Actions) == 0 || got.Actions[len(got.Actions)-1].Class != "hudson.plugins.disk_usage.ProjectDiskUsageAction" || got.Actions[len(got.Actions)-1].DiskUsage <= 11 {
			t.Fatalf("%+v", got.Actions)
		}
		if page := rs.asSession(t, "GET", "job/kept/", nil).body; !strings.Contains(page, "Disk usage of its builds:") {
			t.Fatalf("%s", page)
		}
	})
	t.Run("deleting a build deletes its artifacts and report; deleting the job deletes all it left", func(t *testing.T) {
		rs.asToken(t, "POST", "job/kept/1/toggleLogKeep", "")
		dir := filepath.Join(rs.home, filepath.FromSlash(blob.BuildKey(b.JobID, b.Number)))
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("the build's artifacts are not at %s: %v", dir, err)
		}
		if r := rs.asToken(t, "POST", "job/kept/1/doDelete", ""); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("the build's artifacts are left: %v", err)
		}
		if r := rs.asToken(t, "GET", "job/kept/1/artifact/out.txt", ""); r.status != 404 {
			t.Fatalf("%d", r.status)
		}
		b2 := rs.runJob(t, "kept", "")
		jobDir := filepath.Join(rs.home, filepath.FromSlash(blob.JobKey(b2.JobID)))
		if r := rs.asToken(t, "POST", "job/kept/doDelete", ""); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if _, err := os.Stat(jobDir); !os.IsNotExist(err) {
			t.Fatalf("the job's builds are left: %v", err)
		}
	})
}

// model0Grant is a matrix grant of perms to the user sid, besides what
// every signed-in user holds in a routeStack.
func model0Grant(sid string, perms ...string) authz.Grant {
	return authz.Grant{Type: "USER", Sid: sid, Permissions: perms}
}

// crumbOf is the crumb of the caller header authenticates.
func crumbOf(t *testing.T, rs *routeStack, header map[string]string) string {
	t.Helper()
	r := rs.raw(t, "GET", "crumbIssuer/api/json", "", header)
	var c struct{ Crumb string }
	if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Crumb == "" {
		t.Fatalf("crumb: %d %s", r.status, r.body)
	}
	return c.Crumb
}
