package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserOutputs walks the pages of what builds leave behind in a
// real browser, with a screenshot of each: the build page's artifacts,
// test result and "Keep this build forever"; the artifacts' page and a
// file viewed; the test report, down to a failed case; the job page's
// test result trend; the workspace with Wipe Out Current Workspace; the
// Configure form's Discard old builds; Manage → Mail's test mail.
func TestBrowserOutputs(t *testing.T) {
	s := startSMTP(t)
	j := start(t, "", nil)
	ctx := browser(t)
	tok := j.adminToken(t)
	j.createJob(t, "leaves", withPublishers(
		shellJob("mkdir -p dist/docs; echo 'app <bytes>' > dist/app.bin; echo readme > dist/docs/README.txt; "+junitFile("TEST-a.xml", "works", "breaks")),
		archiverXML("dist/**")+junitXML("TEST-*.xml")))
	for range 2 {
		if b := j.waitBuild(t, j.trigger(t, "leaves")); *b.Result != "UNSTABLE" {
			t.Fatalf("result %s", *b.Result)
		}
	}

	run(t, ctx, "login",
		chromedp.Navigate(j.url+"login"),
		chromedp.WaitVisible(chromedp.CSS("#j_username")),
		chromedp.SendKeys(chromedp.CSS("#j_username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#j_password"), adminPassword),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#user-menu")),
	)
	t.Run("the build page lists its artifacts and test result, and keeps the build forever", func(t *testing.T) {
		run(t, ctx, "build-outputs",
			chromedp.Navigate(j.url+"job/leaves/2/"),
			waitText("#artifacts", "app.bin"),
			waitText("#test-result", "1 failure"),
			click("#toggle-keep"),
			waitText("#kept-forever", "kept forever"),
		)
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/doDelete"]').length`)); n != 0 {
			t.Error("a kept build offers to delete it, which would be refused")
		}
		var b struct{ KeepLog bool }
		j.json(t, "job/leaves/2/api/json", &b)
		if !b.KeepLog {
			t.Fatal("the button did not keep the build")
		}
	})
	t.Run("the artifacts' page lists directories first, and a file can be viewed as text", func(t *testing.T) {
		run(t, ctx, "artifacts",
			chromedp.Navigate(j.url+"job/leaves/2/artifact/dist/"),
			waitText("#listing", "docs"),
			waitText("#listing", "app.bin"),
		)
		rows := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#listing tbody tr td:first-child")].map(e => e.textContent)`))
		if len(rows) != 2 || !strings.HasPrefix(rows[0], "docs") || rows[1] != "app.bin" {
			t.Fatalf("rows %q", rows)
		}
		run(t, ctx, "artifact-view",
			click(`#listing a[href="app.bin/*view*/"]`),
			waitText("body", "app <bytes>"),
		)
	})
	t.Run("the test report leads to the failed case and its stack trace", func(t *testing.T) {
		run(t, ctx, "test-report",
			chromedp.Navigate(j.url+"job/leaves/2/testReport/"),
			waitText("#test-counts", "1 failure"),
			waitText("#failed-tests", "pkg.T.breaks"),
		)
		run(t, ctx, "test-case",
			click(`#failed-tests a`),
			waitText("#case-status", "FAILED"),
			waitText("#error-details", "boom"),
			waitText("#stacktrace", "trace"),
		)
	})
	t.Run("the job page draws the test result trend and the last successful artifacts", func(t *testing.T) {
		run(t, ctx, "job-trend",
			chromedp.Navigate(j.url+"job/leaves/"),
			chromedp.WaitVisible(chromedp.CSS("#test-trend svg")),
			waitText("#last-artifacts", "app.bin"),
		)
		bars := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#test-trend rect.bar-failure").length`))
		if bars != 2 {
			t.Fatalf("%d builds in the trend", bars)
		}
	})
	t.Run("the workspace page browses the files and wipes them out", func(t *testing.T) {
		run(t, ctx, "workspace",
			chromedp.Navigate(j.url+"job/leaves/"),
			click("#workspace-link"),
			waitText("#listing", "dist"),
			waitText("#listing", "TEST-a.xml"),
		)
		run(t, ctx, "workspace-wiped",
			click("#wipe"),
			chromedp.WaitVisible(chromedp.CSS("#job-title")),
		)
		j.must(t, 404, req{path: "job/leaves/ws/", user: "admin", secret: tok})
	})
	t.Run("the Configure form's Discard old builds writes the job's discarder", func(t *testing.T) {
		run(t, ctx, "configure-discard",
			chromedp.Navigate(j.url+"job/leaves/configure"),
			chromedp.WaitVisible(chromedp.CSS("#discard")),
			click("#discard-on"),
			chromedp.SendKeys(chromedp.CSS("#discard-num"), "1"),
		)
		run(t, ctx, "configure-saved",
			click("#save"),
			chromedp.WaitVisible(chromedp.CSS("#job-title")),
		)
		xml := j.must(t, 200, req{path: "job/leaves/config.xml", user: "admin", secret: tok}).body
		if !strings.Contains(xml, "<jenkins.model.BuildDiscarderProperty>") || !strings.Contains(xml, "<numToKeep>1</numToKeep>") {
			t.Fatalf("%s", xml)
		}
		// The next build leaves #3 and the kept #2; #1 goes.
		j.waitBuild(t, j.trigger(t, "leaves"))
		waitFor(t, "#1 discarded", func() bool {
			return j.do(t, req{path: "job/leaves/1/api/json", user: "admin", secret: tok}).status == 404
		})
	})
	t.Run("Manage → Mail sends a test mail through the settings typed", func(t *testing.T) {
		run(t, ctx, "mail",
			chromedp.Navigate(j.url+"manage/"),
			click("#manage-mail"),
			chromedp.WaitVisible(chromedp.CSS("#smtp-host")),
			chromedp.SendKeys(chromedp.CSS("#smtp-host"), "127.0.0.1"),
			chromedp.SendKeys(chromedp.CSS("#smtp-port"), strconv.Itoa(s.port)),
			chromedp.SendKeys(chromedp.CSS("#admin-address"), "ci@example.com"),
			chromedp.SendKeys(chromedp.CSS("#test-recipient"), "me@example.com"),
			click("#send-test"),
			waitText("#mail-sent", "Email was successfully sent"),
		)
		s.waitMail(t, "Test email #")
		run(t, ctx, "mail-saved",
			click("#save-mail"),
			chromedp.WaitVisible(chromedp.CSS("#smtp-host")),
		)
		var page = j.must(t, 200, req{path: "manage/mail", user: "admin", secret: tok}).body
		if !strings.Contains(page, `value="127.0.0.1"`) {
			t.Fatalf("the settings were not saved:\n%s", page)
		}
	})
}
