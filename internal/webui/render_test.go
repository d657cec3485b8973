package webui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// hostile is what a user may type into any name or text that a page
// shows: it must come out escaped, never as markup.
const hostile = `<script>alert("x")</script>`

// escaped is hostile as html/template writes it in text.
const escaped = `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`

// pageCases are, for each page, the data a handler gives it and what
// the page must show of it.
var pageCases = []struct {
	name string
	p    any
	want []string
}{
	{"dashboard", map[string]any{
		"Jobs": []dashboardRow{{Name: "a" + hostile, URL: "/job/a/", Ball: Ball("blue_anime"), CanBuild: true, LastSuccess: 3, SuccessAgo: "1 min", Duration: "2 sec",
			Health: &builds.Health{Score: 60, Description: "Build stability: 2 out of the last 5 builds failed.", Bucket: "40to59"}}},
		"Queue":     []queueRow{{ID: 7, Name: "waiting", URL: "/job/waiting/", Why: "In the quiet period", CanCancel: true}},
		"Executors": []executorRow{{Build: "a #4", URL: "/job/a/4/console", Progress: progressOf(30*time.Second, time.Minute)}, {Build: "b #1", URL: "/job/b/1/console", Progress: progressOf(time.Second, 0)}, {}},
		"CanCreate": true, "NewItemPath": "view/all/newJob", "Offline": "maintenance " + hostile,
	}, []string{
		`<a href="/job/a/">a` + escaped + `</a>`, `class="ball ball-blue ball-anime"`, `aria-label="Success, building"`, `1 min ago</time> · #3`, `<td data-label="Last Duration">2 sec</td>`,
		`class="weather weather-40to59" role="img" aria-label="Build stability: 2 out of the last 5 builds failed. Score 60%"`,
		`<progress class="" max="100" value="50" aria-label="Started 30 sec ago; estimated remaining time: 30 sec (50%)"`,
		`<progress class="" aria-label="Started 1 sec ago; no estimate yet"`, `<td data-label="Last Failure">N/A</td>`,
		`formaction="/job/a/build?delay=0sec"`, `id="new-item" href="/view/all/newJob"`,
		`action="/queue/cancelItem?id=7"`, `In the quiet period`, `<a href="/job/a/4/console">a #4</a>`, `<span class="muted">Idle</span>`,
		`The built-in node is offline: maintenance ` + escaped,
	}},
	{"job", map[string]any{
		"Name": "j" + hostile, "URL": "/job/j/", "Color": "red_anime", "Description": "about " + hostile,
		"CanBuild": true, "CanConfigure": true, "CanDelete": true,
		"Params":   []model.ParamDef{{Kind: model.ParamString, Name: "WHO", Default: "world" + hostile}, {Kind: model.ParamPassword, Name: "PW"}},
		"Builds":   []historyRow{{Number: 2, Color: "blue", Duration: 1500 * time.Millisecond}, {Number: 3, Color: "grey_anime", Building: true}},
		"Trend":    trend([]*model.Build{{Number: 2, Result: model.Success, Duration: time.Second}}),
		"Upstream": []trail{{"up" + hostile, "/job/up/"}}, "NotRun": []model.Unsupported{{Kind: model.KindSCM, Name: "Git", Class: "hudson.plugins.git.GitSCM"}},
		"Health": &builds.Health{Score: 100, Description: "Build stability: No recent builds failed.", Bucket: "80plus"},
	}, []string{
		`class="weather weather-80plus" role="img" aria-label="Build stability: No recent builds failed. Score 100%"`,
		`<text class="axis-title" x="263" y="214" text-anchor="middle">Build</text>`, `Duration (seconds)</text>`, `aria-hidden="true">#2</text>`,
		`j` + escaped, `aria-label="Failed, building"`, `<p class="description">about ` + escaped + `</p>`,
		`id="configure" href="/job/j/configure"`, `action="/job/j/disable"`, `id="delete" href="/job/j/delete"`,
		`action="/job/j/buildWithParameters?delay=0sec"`, `name="WHO" value="world` + escaped + `"`, `type="password" id="param-1" name="PW"`,
		`<a href="/job/j/2/">#2</a>`, `<td data-label="Duration" class="nowrap">1.5 sec</td>`, `<td data-label="Duration" class="nowrap">running</td>`, `#2 SUCCESS 1 sec`,
		`Upstream Projects: <a href="/job/up/">up` + escaped + `</a>`, `id="not-run"`, `builds fail, since they cannot do without it`,
	}},
	{"build", map[string]any{
		"JobName": "j" + hostile, "Number": int64(5), "URL": "/job/j/5/", "Color": "grey_anime", "Building": true, "CanStop": true,
		"StartedAt": time.Now(), "Elapsed": 2 * time.Second, "Causes": []string{"Started by user " + hostile},
		"Params": []model.ParamValue{{Name: "P", Value: "v" + hostile}}, "Console": true, "Text": "line " + hostile + "\n", "Size": int64(42),
		"Skipped": "1.0 MB",
	}, []string{
		`j` + escaped + ` #5`, `action="/job/j/5/stop"`, `<dd id="result">Running</dd>`, `2 sec so far`,
		`<dd>Started by user ` + escaped + `</dd>`, `<th scope="row">P</th><td class="words">v` + escaped + `</td>`,
		`data-progressive="/job/j/5/logText/progressiveText" data-start="42" data-more="true">line ` + escaped,
		`Skipping 1.0 MB of the log.`,
	}},
	{"configure", map[string]any{
		"Name": "j" + hostile, "URL": "/job/j/", "Error": "bad " + hostile, "XML": "<project>" + hostile + "</project>",
		"Form": jobForm{Description: "d" + hostile, Disabled: true, Timer: "H * * * *", TimerCheck: fieldCheck{"ok", "Would next run at noon"},
			Parameterized: true, Params: []paramRow{{ParamDef: model.ParamDef{Kind: model.ParamBoolean, Name: "B" + hostile, Default: "true"}, Orig: "0"}},
			Blank: paramRow{ParamDef: model.ParamDef{Kind: model.ParamString}},
			Steps: []stepRow{{Command: "echo " + hostile, Orig: "0"}}, Kept: []string{"Git (hudson.plugins.git.GitSCM)"}},
	}, []string{
		`Configure j` + escaped, `id="form-error">bad ` + escaped, `action="/job/j/configSubmit"`, `id="tab-form" aria-current="page"`, `href="/job/j/configure?tab=xml" id="tab-xml"`,
		">\nd" + escaped + "</textarea>", `id="disabled" name="disabled" value="true" checked`, `<p class="check-ok">Would next run at noon</p>`,
		`<input type="hidden" name="parameterized" value="false">`, `id="parameterized" name="parameterized" value="true" checked`,
		`<option value="boolean" selected>Boolean Parameter</option>`, `name="param.name" value="B` + escaped + `"`, `<option value="true" selected>Yes (true)</option>`,
		`<template id="param-template">`, `data-kind="choice">Choice Parameter</button>`, `<template id="step-template">`,
		`name="shell.orig" value="0"`, ">\necho " + escaped + "</textarea>", `<li>Git (hudson.plugins.git.GitSCM)</li>`,
		`<button type="submit" id="save">Save</button>`, `id="form-note"`,
	}},
	{"configure", map[string]any{
		"Name": "j", "URL": "/job/j/", "Tab": "xml", "XML": "<project>" + hostile + "</project>", "Redacted": "{jeeves-redacted-password-default}",
		"Form": jobForm{Description: "never shown"},
	}, []string{
		`id="tab-xml" aria-current="page"`, `<input type="hidden" name="mode" value="xml">`, ">\n&lt;project&gt;" + escaped + "&lt;/project&gt;</textarea>",
		`id="xml-note"`, `What you save last is what the job has`, `<code>{jeeves-redacted-password-default}</code>: leave them so to keep them`, `id="save-xml"`,
	}},
	{"newjob", map[string]any{
		"Action": "/view/all/newJob", "Error": "taken " + hostile, "Name": "n" + hostile, "NameError": "in use",
		"Mode": "com.cloudbees.hudson.plugins.folder.Folder", "Form": jobForm{Errors: map[string]string{"timer": "bad spec"}, Timer: "x"},
		"XMLName": "x" + hostile, "XML": "<p/>", "XMLError": "not XML",
	}, []string{
		`id="form-error">taken ` + escaped, `action="/view/all/newJob"`, `id="name" name="name" value="n` + escaped + `"`, `id="name-error">in use`,
		`value="com.cloudbees.hudson.plugins.folder.Folder" checked`, `<p class="error field-error" role="alert">bad spec</p>`,
		`id="xml-name" name="name" value="x` + escaped + `"`, `id="xml-error">not XML`,
	}},
	{"login", map[string]any{"From": "/job/x/?a=" + hostile, "Failed": true}, []string{
		`Invalid username or password`, `action="/j_spring_security_check"`, `name="from" value="/job/x/?a=` + escaped + `"`,
	}},
	{"message", map[string]any{"Heading": "Delete " + hostile, "Text": "Sure?", "Detail": "It goes.", "Form": "/job/x/doDelete", "Button": "Yes", "Back": "/job/x/", "Error": true}, []string{
		`<h1>Delete ` + escaped + `</h1>`, `<p class="error" role="alert">Sure?</p>`, `action="/job/x/doDelete"`, `id="confirm">Yes</button>`, `id="back" href="/job/x/">Go back</a>`,
	}},
	{"security", map[string]any{
		"UserID": "bob", "Self": false, "Base": "/user/bob/security/",
		"Tokens":   []*model.Token{{UUID: "u-1", Name: "ci" + hostile, CreatedAt: time.Now(), Scopes: []string{"read"}, Jobs: "team-*"}},
		"NewToken": "11abc", "NewTokenName": "fresh" + hostile, "Error": "no " + hostile, "PasswordMessage": "changed",
		"Typed":         tokenForm{Name: "typed" + hostile, Expiry: "30", Scopes: map[string]bool{"build": true}},
		"ExpiryOptions": [][2]string{{"never", "Never"}, {"30", "In 30 days"}}, "ScopeNames": []string{"read", "build"},
	}, []string{
		`<h1>Security: bob</h1>`, `<code id="new-token-value">11abc</code>`, `<strong>fresh` + escaped + `</strong>`, `id="token-error">no ` + escaped,
		`data-token-uuid="u-1"`, `<td class="name">ci` + escaped + `</td>`, `<td data-label="Scopes">read; jobs team-*</td>`, `action="/user/bob/security/revoke?tokenUuid=u-1"`,
		`id="token-name" name="newTokenName" placeholder="Default name" maxlength="200" value="typed` + escaped + `"`,
		`<option value="30" selected>In 30 days</option>`, `value="build" checked`, `id="password-message">changed`, `action="/user/bob/security/password"`,
	}},
	{"manage", map[string]any{"Error": "wrong", "Executors": "2", "Quiet": "5", "CSRF": true, "RootURL": "https://ci.example.com/" + hostile,
		"Errors": map[string]string{"rootURL": "bad URL"}}, []string{
		`id="form-error">wrong`, `id="executors" name="executors" type="number" min="0" max="1024" value="2"`, `value="5"`,
		`value="https://ci.example.com/` + escaped + `"`, `id="rooturl-error">bad URL`, `id="csrf" name="csrf" value="true" checked`, `id="manage-credentials"`,
	}},
	{"users", map[string]any{"Users": []*model.User{{ID: "admin", Admin: true}, {ID: "bob", FullName: "Bob " + hostile}}, "Self": "admin",
		"Typed": &userForm{Username: "carol" + hostile, Errors: map[string]string{"password2": "Password didn't match"}}}, []string{
		`<a href="/user/bob/">bob</a></td><td data-label="Name">Bob ` + escaped + `</td>`, `action="/user/bob/doDelete"`,
		`id="username" name="username" value="carol` + escaped + `"`, `id="password2-error">Password didn&#39;t match`,
	}},
	{"audit", map[string]any{"Q": audit.Query{User: "bob" + hostile}, "Total": 1, "Next": "/manage/audit/?offset=100",
		"Entries": []auditRow{{Entry: audit.Entry{Time: time.Date(2024, 5, 1, 12, 3, 4, 0, time.UTC), User: "bob", Auth: "token", TokenUUID: "u-1", Addr: "127.0.0.1", Action: "POST /job/" + hostile, Status: 403, Detail: "d"}, Token: "ci" + hostile}}}, []string{
		`id="f-user" name="user" value="bob` + escaped + `"`, `1 matching entries`, `<td data-label="Action" class="words">POST /<wbr>job/<wbr>&lt;script&gt;alert(&#34;x&#34;)&lt;/<wbr>script&gt;</td>`, `<td data-label="Status" class="nowrap">403</td>`,
		`<span class="token" title="Token UUID u-1">‘ci` + escaped + `’<span class="sr"> (UUID u-1)</span></span>`, `<a href="/manage/audit/?offset=100">Older</a>`,
		`<time datetime="2024-05-01T12:03:04Z" title="2024-05-01 12:03:04 UTC">2024-05-01 12:03:04 UTC</time>`,
	}},
	{"error", map[string]any{"Status": 403, "Heading": "Access Denied", "Perm": "Job/Configure", "From": "/job/x/?a=" + hostile, "Root": "/",
		"Login": "/login?from=%2Fjob%2Fx%2F"}, []string{
		`<p class="status muted">Error 403</p>`, `<h1 id="error-h">Access Denied</h1>`, `id="error-message">admin is missing the Job/Configure permission</p>`,
		`You are signed in as <strong>Ad ` + escaped + `</strong> (admin).`, `<summary class="button secondary">Sign in as another user</summary>`,
		`action="/j_spring_security_check"`, `name="from" value="/job/x/?a=` + escaped + `"`, `href="/login?from=%2Fjob%2Fx%2F"`,
	}},
	{"apihelp", map[string]any{"Kind": "Project", "Class": "hudson.model.FreeStyleProject", "URL": "/job/j" + hostile + "/", "Props": []string{"name", "color"},
		"Tree": "builds[number]", "TreeURL": "/job/j/api/json?tree=builds%5Bnumber%5D", "Actions": []apiAction{{"POST", "build?delay=0sec", "Build it " + hostile}}}, []string{
		`<h1>Project: REST API</h1>`, `id="api-json"`, `<code>name</code>, <code>color</code>`, `id="api-tree"><code>tree=builds[number]</code>`,
		`<td data-label="What it does">Build it ` + escaped + `</td>`, `/<wbr>build?<wbr>delay=<wbr>0sec</code>`,
	}},
	{"plugins", map[string]any{"Core": []configxml.Feature{{Name: "Freestyle projects", What: "shell " + hostile}},
		"Plugins": []configxml.Feature{{Name: "Git", Plugin: "git", What: "checkout"}}}, []string{
		`id="no-plugins">jeeves has no plugins`, `<th scope="row" data-label="Feature">Freestyle projects</th><td data-label="What jeeves does">shell ` + escaped + `</td>`,
		`<td data-label="Plugin"><code>git</code></td>`,
	}},
}

// TestEveryPageRendersWhatItIsGiven renders each page with the data its
// handler gives it, in the layout, and reads back its key elements:
// what a user typed comes out escaped, never as markup.
func TestEveryPageRendersWhatItIsGiven(t *testing.T) {
	u, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]bool{}
	for _, c := range append(pageCases, outputPageCases...) {
		tested[c.name] = true
		t.Run("the "+c.name+" page shows its data, escaped", func(t *testing.T) {
			var buf bytes.Buffer
			pg := page{Title: "T" + hostile, Root: "/", Static: "static/h/", Crumb: "crumb-1", Version: "9.9", P: c.p,
				User: &model.User{ID: "admin", FullName: "Ad " + hostile}, Admin: true, Trail: []trail{{"step" + hostile, "/step/"}}}
			if err := u.Render(&buf, c.name, pg); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			if strings.Contains(got, hostile) {
				t.Fatalf("the page holds %s unescaped:\n%s", hostile, got)
			}
			for _, w := range append([]string{
				`<title>T` + escaped + ` [Jenkins]</title>`, `href="/static/h/jeeves.css"`, `<a href="/step/">step` + escaped + `</a>`,
				`aria-label="User menu for admin">Ad ` + escaped + `</summary>`, `href="/manage/"`, `jeeves 9.9`,
			}, c.want...) {
				if !strings.Contains(got, w) {
					t.Errorf("the page lacks %s", w)
				}
			}
			if strings.Contains(got, `<form method="post"`) && !strings.Contains(got, `name="Jenkins-Crumb" value="crumb-1"`) {
				t.Error("a form of the page carries no crumb")
			}
			if t.Failed() {
				t.Log(got)
			}
		})
	}
	for name := range u.pages {
		if !tested[name] {
			t.Errorf("page %s has no case here", name)
		}
	}
}

// TestAnonymousPagesOfferToSignIn: without a user, the layout has the
// sign-in link and neither the user menu nor Manage.
func TestAnonymousPagesOfferToSignIn(t *testing.T) {
	u, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := u.Render(&buf, "login", page{Title: "Sign in", Root: "/", P: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	if !strings.Contains(got, `<a class="login" href="/login">Log in</a>`) || strings.Contains(got, "user-menu") || strings.Contains(got, "/manage/") {
		t.Fatalf("the anonymous layout:\n%s", got)
	}
}
