package e2e

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The web UI over plain HTTP: what every page must carry, and the pages
// and forms the browser test does not walk (Manage, users, settings that
// survive a restart, a 50 MB console, Configure).

var (
	inlineScript = regexp.MustCompile(`(?is)<script(?:\s[^>]*)?>\s*[^<\s]`)
	onHandler    = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	postForm     = regexp.MustCompile(`(?is)<form[^>]*method="post"[^>]*>.*?</form>`)
)

// page GETs a UI page as a browser would (password Basic, Accept HTML).
func (j *jeeves) page(t *testing.T, path string) resp {
	t.Helper()
	return j.must(t, 200, req{path: path, user: "admin", secret: adminPassword, header: map[string]string{"Accept": "text/html"}})
}

// form POSTs a urlencoded form with admin's password and crumb, as the
// UI's forms do.
func (j *jeeves) form(t *testing.T, path string, v url.Values) resp {
	t.Helper()
	v.Set("Jenkins-Crumb", j.crumb(t, "admin", adminPassword))
	return j.do(t, req{method: "POST", path: path, user: "admin", secret: adminPassword, body: v.Encode(),
		header: map[string]string{"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"}})
}

func TestUIPages(t *testing.T) {
	j := start(t, "", nil)
	j.createJob(t, "plain", shellJob("echo plain"))
	j.waitBuild(t, j.trigger(t, "plain"))
	j.createJob(t, "folder", `<com.cloudbees.hudson.plugins.folder.Folder/>`)
	pages := []string{"", "job/plain/", "job/plain/1/", "job/plain/1/console", "job/plain/configure", "job/plain/delete",
		"view/all/newJob", "job/folder/", "job/folder/newJob", "me/security/", "user/admin/security/",
		"manage/", "manage/users/", "manage/audit/", "login"}
	for _, p := range pages {
		t.Run("/"+p+" forbids inline script, and each of its POST forms carries the crumb", func(t *testing.T) {
			r := j.page(t, p)
			csp := r.header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy: %q", csp)
			}
			if m := inlineScript.FindString(r.body); m != "" {
				t.Errorf("inline script: %s", m)
			}
			if m := onHandler.FindString(r.body); m != "" {
				t.Errorf("inline event handler: %s", m)
			}
			for _, f := range postForm.FindAllString(r.body, -1) {
				if strings.Contains(f, `action="`+j.url+`j_spring_security_check"`) {
					continue // the login form, as in Jenkins
				}
				if !strings.Contains(f, `name="Jenkins-Crumb" value="`) {
					t.Errorf("a POST form without the crumb:\n%s", f)
				}
			}
			for _, want := range []string{`<meta name="viewport"`, `lang="en"`} {
				if !strings.Contains(r.body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
		})
	}

	t.Run("the audit page lists changes newest first and filters by action", func(t *testing.T) {
		// The page lets long actions wrap at their slashes (<wbr>).
		body := strings.ReplaceAll(j.page(t, "manage/audit/?action=POST+/job/plain/build").body, "<wbr>", "")
		if !strings.Contains(body, "POST /job/plain/build") || strings.Contains(body, "POST /createItem") {
			t.Errorf("filtered audit page:\n%s", body)
		}
		all := strings.ReplaceAll(j.page(t, "manage/audit/").body, "<wbr>", "")
		if i, k := strings.Index(all, "POST /job/plain/build"), strings.Index(all, "generateNewToken"); i < 0 || k < 0 || i > k {
			t.Errorf("audit page is not newest first (build at %d, the first token at %d)", i, k)
		}
		j.must(t, 403, req{path: "manage/audit/"})
	})

	t.Run("static assets are served under a content hash and cached for good", func(t *testing.T) {
		css := regexp.MustCompile(`href="([^"]*/static/[0-9a-f]+/jeeves\.css)"`).FindStringSubmatch(j.page(t, "login").body)
		if css == nil {
			t.Fatal("no stylesheet link")
		}
		r := j.must(t, 200, req{path: strings.TrimPrefix(css[1], j.url)})
		if !strings.Contains(r.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
			t.Errorf("headers: %v", r.header)
		}
		j.must(t, 404, req{path: "static/0123456789ab/jeeves.css"})
	})

	t.Run("the dashboard lists the job with its ball, last success and Build Now", func(t *testing.T) {
		body := j.page(t, "").body
		for _, want := range []string{`class="ball ball-blue"`, `aria-label="Build plain now"`, `href="` + j.url + `job/plain/1/"`, "Build Queue", "Build Executor Status", "New Item"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %s", want)
			}
		}
	})
}

func TestUIForms(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	outer := t
	j := start(t, home, nil)

	t.Run("New Item with bad input shows the reason and stores nothing", func(t *testing.T) {
		for _, c := range []struct{ name, field, value, want string }{
			{"an unsafe name", "name", "a<b", "unsafe character"},
			{"a choice without choices", "param.kind", "choice", "needs at least one choice"},
			{"a bad timer spec", "timer", "every day", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				v := url.Values{"name": {"formjob"}, "mode": {"hudson.model.FreeStyleProject"}, "shell": {"echo hi"},
					"param.kind": {"string"}, "param.name": {"P"}, "param.default": {""}, "param.choices": {""}, "param.description": {""}}
				v.Set(c.field, c.value)
				r := j.form(t, "view/all/newJob", v)
				if r.status != 400 || !strings.Contains(r.body, `id="form-error"`) || !strings.Contains(r.body, c.want) {
					t.Fatalf("%d\n%s", r.status, r.body)
				}
				j.must(t, 404, req{path: "job/formjob/api/json", user: "admin", secret: adminPassword})
			})
		}
	})

	t.Run("Configure keeps what the form does not show", func(t *testing.T) {
		j.createJob(t, "kept", `<project><authToken>s3cret</authToken><builders><hudson.tasks.Shell><command>echo one</command></hudson.tasks.Shell><hudson.tasks.Ant><targets>x</targets></hudson.tasks.Ant></builders></project>`)
		body := j.page(t, "job/kept/configure").body
		if !strings.Contains(body, "hudson.tasks.Ant") {
			t.Errorf("the page does not say the Ant step is kept")
		}
		r := j.form(t, "job/kept/configSubmit", url.Values{"description": {"new words"}, "shell": {"echo two"}, "timer": {""}})
		if r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		xml := j.must(t, 200, req{path: "job/kept/config.xml", user: "admin", secret: adminPassword}).body
		for _, want := range []string{"<authToken>s3cret</authToken>", "hudson.tasks.Ant", "echo two", "new words"} {
			if !strings.Contains(xml, want) {
				t.Errorf("config.xml lacks %s:\n%s", want, xml)
			}
		}
		if strings.Contains(xml, "echo one") {
			t.Errorf("the old shell step is still there:\n%s", xml)
		}
	})

	t.Run("the raw config.xml editor refuses bad XML with the reason", func(t *testing.T) {
		r := j.form(t, "job/kept/configSubmit", url.Values{"mode": {"xml"}, "config.xml": {"<project><builders>"}})
		if r.status != 400 || !strings.Contains(r.body, `id="form-error"`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})

	t.Run("settings changed in Manage apply at once and survive a restart", func(t *testing.T) {
		r := j.form(t, "manage/configure", url.Values{"executors": {"3"}, "quietPeriod": {"7"}, "csrf": {"true"}, "rootURL": {"https://ci.example.com"}})
		if r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var root struct {
			NumExecutors int
			QuietPeriod  int
			URL          string
		}
		check := func(when string) {
			j.json(t, "api/json", &root)
			if root.NumExecutors != 3 || root.URL != "https://ci.example.com/" {
				t.Errorf("%s: numExecutors %d, url %q", when, root.NumExecutors, root.URL)
			}
			var comp struct{ Computer []struct{ Executors []any } }
			j.json(t, "computer/api/json?depth=1", &comp)
			if len(comp.Computer) == 0 || len(comp.Computer[0].Executors) != 3 {
				t.Errorf("%s: executors %+v", when, comp)
			}
		}
		check("at once")
		bad := j.form(t, "manage/configure", url.Values{"executors": {"-1"}, "quietPeriod": {"0"}})
		if bad.status != 400 || !strings.Contains(bad.body, "executors") {
			t.Errorf("executors=-1: %d", bad.status)
		}
		j.stop()
		j = start(outer, home, nil)
		check("after a restart")
		// The harness starts jeeves with --quiet-period 0: a flag given
		// explicitly wins over the saved value, for that run.
		body := j.page(t, "manage/").body
		if !strings.Contains(body, `name="executors" type="number" min="0" max="1024" value="3"`) || !strings.Contains(body, `name="quietPeriod" type="number" min="0" max="86400" value="0"`) {
			t.Errorf("the Manage page does not show executors 3 (saved) and quiet period 0 (--quiet-period 0)")
		}
		// Back to the root URL each request uses, for the tests below.
		if r := j.form(t, "manage/configure", url.Values{"executors": {"3"}, "quietPeriod": {"0"}, "csrf": {"true"}}); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})

	t.Run("an admin creates a user, resets their password and deletes them", func(t *testing.T) {
		r := j.form(t, "securityRealm/createAccountByAdmin", url.Values{"jeeves-form": {"1"}, "username": {"carol"}, "password1": {"pw-1"}, "password2": {"pw-1"}})
		if r.status != 303 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if !strings.Contains(j.page(t, "manage/users/").body, `href="`+j.url+`user/carol/"`) {
			t.Error("carol is not listed")
		}
		dup := j.form(t, "securityRealm/createAccountByAdmin", url.Values{"jeeves-form": {"1"}, "username": {"carol"}, "password1": {"x"}, "password2": {"x"}})
		if dup.status != 400 || !strings.Contains(dup.body, "already taken") {
			t.Errorf("a second carol: %d", dup.status)
		}
		j.must(t, 200, req{path: "api/json", user: "carol", secret: "pw-1"})
		if r := j.form(t, "user/carol/security/password", url.Values{"password1": {"pw-2"}, "password2": {"pw-2"}}); r.status != 200 || !strings.Contains(r.body, "was changed") {
			t.Fatalf("reset: %d %s", r.status, r.body)
		}
		j.must(t, 401, req{path: "api/json", user: "carol", secret: "pw-1"})
		j.must(t, 200, req{path: "api/json", user: "carol", secret: "pw-2"})
		if r := j.form(t, "user/carol/doDelete", url.Values{}); r.status != 302 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		j.must(t, 401, req{path: "api/json", user: "carol", secret: "pw-2"})
		if r := j.form(t, "user/admin/doDelete", url.Values{}); r.status != 400 {
			t.Errorf("deleting oneself: %d", r.status)
		}
	})

	t.Run("a 50 MB console page shows the tail and links to the full log", func(t *testing.T) {
		j.createJob(t, "big", shellJob("set +x; yes 0123456789012345678901234567890123456789012345678901234567890123456789012345678 | head -c 52428800; echo; echo the-end"))
		j.waitBuild(t, j.trigger(t, "big"))
		r := j.page(t, "job/big/1/console")
		if len(r.body) > 400<<10 || !strings.Contains(r.body, "the-end") || !strings.Contains(r.body, `id="full-log"`) || !strings.Contains(r.body, "Finished: SUCCESS") {
			t.Fatalf("console page: %d bytes, tail or link missing", len(r.body))
		}
	})
}

func TestUIBuildWithParameters(t *testing.T) {
	j := start(t, "", nil)
	j.createJob(t, "params", `<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>
<hudson.model.PasswordParameterDefinition><name>SECRET</name><defaultValue>s3cret-default</defaultValue></hudson.model.PasswordParameterDefinition>
<hudson.model.BooleanParameterDefinition><name>FLAG</name><defaultValue>true</defaultValue></hudson.model.BooleanParameterDefinition>
<hudson.model.ChoiceParameterDefinition><name>ENV</name><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>dev</string><string>prod</string></a></choices></hudson.model.ChoiceParameterDefinition>
<hudson.model.TextParameterDefinition><name>NOTES</name><defaultValue>a
b</defaultValue></hudson.model.TextParameterDefinition>
</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>
<builders><hudson.tasks.Shell><command>test "$SECRET" = s3cret-default; echo "flag=$FLAG env=$ENV"</command></hudson.tasks.Shell></builders></project>`)
	body := j.page(t, "job/params/").body
	for _, want := range []string{`type="password"`, `type="checkbox" id="param-1" name="FLAG" value="true" checked`, `<select id="param-2" name="ENV"><option>dev</option><option>prod</option></select>`, `<textarea id="param-3" name="NOTES"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the parameters form lacks %s", want)
		}
	}
	if strings.Contains(body, "s3cret-default") {
		t.Fatal("the password parameter's default was sent to the browser")
	}
	// What a browser sends with the password left empty and the box unticked.
	r := j.form(t, "job/params/buildWithParameters?delay=0sec", url.Values{"jeeves-form": {"1"}, "SECRET": {""}, "ENV": {"prod"}, "NOTES": {"x"}})
	if r.status != 303 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var b struct{ Result string }
	waitFor(t, "the build to finish", func() bool {
		if r := j.do(t, req{path: "job/params/lastCompletedBuild/api/json", user: "admin", secret: adminPassword}); r.status == 200 {
			json.Unmarshal([]byte(r.body), &b)
		}
		return b.Result != ""
	})
	log := j.must(t, 200, req{path: "job/params/1/consoleText", user: "admin", secret: adminPassword}).body
	if b.Result != "SUCCESS" || !strings.Contains(log, "flag=false env=prod") {
		t.Fatalf("%s\n%s", b.Result, log)
	}
}
