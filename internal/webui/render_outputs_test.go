package webui

import (
	"time"

	"github.com/jeeves-ci/jeeves/internal/browse"
	"github.com/jeeves-ci/jeeves/internal/junit"
	"github.com/jeeves-ci/jeeves/internal/testreport"
)

// outputPageCases are the pages of what builds leave behind, and the
// build and job pages with their outputs, as pageCases: each with its
// handler's data and what it must show of it.
var outputPageCases = []struct {
	name string
	p    any
	want []string
}{
	{"listing", map[string]any{
		"Heading": "Artifacts of j" + hostile + " #3",
		"Base":    []browse.Path{{Title: "archive", Dir: true, Href: "../"}, {Title: "d" + hostile, Dir: true, Href: "./"}},
		"Rows": []listingRow{{Links: []browse.Path{{Title: "sub", Dir: true, Href: "sub/"}, {Title: "deep", Dir: true, Href: "sub/deep/"}}},
			{Links: []browse.Path{{Title: "f" + hostile + ".txt", Href: "f%3C.txt"}}, File: true, Size: "12 B", When: "2026-01-02 03:04:05", View: "f%3C.txt/*view*/"}},
		"Zip": "*zip*/d.zip", "Workspace": true, "CanWipe": true, "JobURL": "/job/j/",
	}, []string{
		`Artifacts of j` + escaped + ` #3`, `<a href="../">archive</a> / <a href="./">d` + escaped + `</a>`,
		`<a href="sub/" class="dir">sub</a> / <a href="sub/deep/" class="dir">deep</a>`, `<a href="f%3C.txt">f` + escaped + `.txt</a>`,
		`<td>12 B</td>`, `<a href="f%3C.txt/*view*/" class="small">view</a>`, `id="zip" href="*zip*/d.zip"`,
		`action="/job/j/doWipeOutWorkspace"`, `id="wipe">Wipe Out Current Workspace</button>`,
	}},
	{"testreport", map[string]any{
		"Heading": "Test Result", "Report": "/job/j/3/testReport/",
		"Counts":   testRow{Fail: 1, Skip: 2, Pass: 3, Total: 6, Duration: 1.5},
		"Failed":   []testRow{{Name: "pkg.C.fails" + hostile, Href: "pkg/C/fails_/", Duration: 0.25, Age: 2}},
		"Children": []testRow{{Name: "pkg" + hostile, Href: "pkg/", Fail: 1, Skip: 2, Pass: 3, Total: 6}}, "ChildKind": "Package",
	}, []string{
		`<h1 id="test-title">Test Result</h1>`, `1 failure, 2 skipped, 6 tests in all · took 1.500 s`,
		`<a href="pkg/C/fails_/">pkg.C.fails` + escaped + `</a></td><td>0.250 s</td><td>2</td>`,
		`<th scope="col">Package</th>`, `<a href="pkg/">pkg` + escaped + `</a>`, `href="/job/j/3/testReport/api/json?pretty=true"`,
	}},
	{"fingerprint", map[string]any{
		"Hash": "b1946ac92492d2347c6235b4d2611184", "FileName": "a" + hostile + ".txt", "Timestamp": time.Now(),
		"Original": artifactLink{Name: "j #3", Href: "/job/j/3/"},
		"Usages": []struct {
			Job, URL string
			Builds   []artifactLink
		}{{Job: "j" + hostile, URL: "/job/j/", Builds: []artifactLink{{Name: "#3–#4", Href: "/job/j/3/"}}}},
	}, []string{
		`<h1>a` + escaped + `.txt</h1>`, `<code>b1946ac92492d2347c6235b4d2611184</code>`, `<a href="/job/j/3/">j #3</a>`,
		`<a href="/job/j/">j` + escaped + `</a></td><td><a href="/job/j/3/">#3–#4</a>`,
	}},
	{"mail", &mailForm{Host: "smtp" + hostile, Port: "2525", Security: "starttls", Admin: "ci@example.com", To: "me@example.com",
		Errors: map[string]string{"mail.smtpPort": "bad port", "form": "Failed to send out e-mail: " + hostile}, Sent: ""}, []string{
		`id="form-error">Failed to send out e-mail: ` + escaped, `id="smtp-host" name="mail.smtpHost" value="smtp` + escaped + `"`,
		`value="2525" aria-invalid="true"`, `bad port`, `<option value="starttls" selected>`, `action="/manage/mail/configure"`,
		`formaction="/manage/mail/sendTestMail"`, `id="test-recipient" name="mail.testRecipient" value="me@example.com"`,
	}},
	{"build", map[string]any{
		"JobName": "j", "Number": int64(5), "URL": "/job/j/5/", "Color": "blue", "Result": "UNSTABLE", "StartedAt": time.Now(), "Duration": time.Second,
		"Artifacts": []artifactLink{{Name: "out/a" + hostile + ".txt", Href: "/job/j/5/artifact/out/a%3C.txt"}}, "MoreArtifacts": true,
		"Tests": junit.Summary{FailCount: 1, SkipCount: 0, TotalCount: 4}, "KeepLog": true, "CanKeep": true, "DiskUsage": "3 KB",
	}, []string{
		`<a href="/job/j/5/artifact/">Build Artifacts</a>`, `<a href="/job/j/5/artifact/out/a%3C.txt">out/a` + escaped + `.txt</a>`,
		`All the artifacts…`, `href="/job/j/5/artifact/*zip*/archive.zip"`, `<a href="/job/j/5/testReport/">Test Result</a> (<span class="error">1 failure</span>, 4 tests)`,
		`Disk usage: 3 KB`, `This build is kept forever.`, `action="/job/j/5/toggleLogKeep"`, `Don't keep this build forever`,
	}},
	{"job", map[string]any{
		"Name": "j", "URL": "/job/j/", "Color": "yellow",
		"TestTrend":     testTrend([]testreport.Point{{Number: 4, Summary: junit.Summary{FailCount: 1, TotalCount: 3}}, {Number: 3, Summary: junit.Summary{TotalCount: 3}}}),
		"LastArtifacts": []artifactLink{{Name: "app.jar", Href: "/job/j/3/artifact/app.jar"}}, "LastSuccessfulURL": "/job/j/3/",
		"CanWorkspace": true, "DiskUsage": "1.5 MB",
	}, []string{
		`<h2 id="test-trend-h">Test Result Trend</h2>`, `<a href="/job/j/4/testReport/">`, `#4: 1 failed, 0 skipped, 3 in all`, `class="bar-failure"`,
		`<a href="/job/j/3/artifact/">Last Successful Artifacts</a>`, `<a href="/job/j/3/artifact/app.jar">app.jar</a>`,
		`id="workspace-link" href="/job/j/ws/"`, `Disk usage of its builds: 1.5 MB`,
	}},
}
