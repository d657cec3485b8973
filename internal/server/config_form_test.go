package server_test

import (
	"encoding/json"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// importedXML is a job as Jenkins 2.4xx writes it, with Git, an SCM
// trigger, a build discarder, a Maven step between two shell steps, an
// artifact archiver, JUnit, a mailer and credentials binding.
func importedXML(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "configxml", "testdata", "imported.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// asSession sends a request as admin's browser session, with its crumb.
func (rs *routeStack) asSession(t *testing.T, method, path string, form url.Values) rawResp {
	t.Helper()
	body := ""
	if form != nil {
		body = form.Encode()
		if body == "" {
			body = "jeeves-form=1"
		}
	}
	return rs.raw(t, method, path, body, map[string]string{"Jenkins-Crumb": rs.sessionCrumb}, rs.session)
}

// asToken sends a request with admin's API token.
func (rs *routeStack) asToken(t *testing.T, method, path, body string) rawResp {
	t.Helper()
	return rs.raw(t, method, path, body, basic("admin", rs.adminToken))
}

// createJob stores a job from config.xml through the API.
func (rs *routeStack) createJob(t *testing.T, name, xml string) {
	t.Helper()
	if r := rs.asToken(t, "POST", "createItem?name="+url.QueryEscape(name), xml); r.status != 200 {
		t.Fatalf("createItem %s: %d %s", name, r.status, r.body)
	}
}

func (rs *routeStack) configXML(t *testing.T, name string) string {
	t.Helper()
	r := rs.asToken(t, "GET", "job/"+name+"/config.xml", "")
	if r.status != 200 {
		t.Fatalf("config.xml of %s: %d %s", name, r.status, r.body)
	}
	return r.body
}

var (
	formRE     = regexp.MustCompile(`(?s)<form[^>]*\bid="([^"]*)"[^>]*>(.*?)</form>`)
	inputRE    = regexp.MustCompile(`<input\b[^>]*>`)
	textareaRE = regexp.MustCompile(`(?s)<textarea\b([^>]*)>(.*?)</textarea>`)
	selectRE   = regexp.MustCompile(`(?s)<select\b([^>]*)>(.*?)</select>`)
	optionRE   = regexp.MustCompile(`<option\b([^>]*)>([^<]*)`)
	attrRE     = regexp.MustCompile(`([a-zA-Z.-]+)(?:="([^"]*)")?`)
	unsentRE   = regexp.MustCompile(`(?s)<template\b.*?</template>|<noscript>.*?</noscript>`)
)

func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// formValues is what a browser sends for the form with id on page: each
// field in document order as shown (a textarea loses the newline after
// its start tag, as HTML parsers drop it).
func formValues(t *testing.T, page, id string) url.Values {
	t.Helper()
	var body string
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		if m[1] == id {
			body = m[2]
		}
	}
	if body == "" {
		t.Fatalf("no form %q on the page:\n%s", id, page)
	}
	// A browser with script sends neither a <template>'s rows nor a
	// <noscript>'s.
	body = unsentRE.ReplaceAllString(body, "")
	type field struct {
		at          int
		name, value string
	}
	var fields []field
	for _, loc := range inputRE.FindAllStringIndex(body, -1) {
		a := attrs(body[loc[0]:loc[1]])
		if a["name"] == "" || (a["type"] == "checkbox" || a["type"] == "radio") && !strings.Contains(body[loc[0]:loc[1]], " checked") {
			continue
		}
		fields = append(fields, field{loc[0], a["name"], a["value"]})
	}
	for _, m := range textareaRE.FindAllStringSubmatchIndex(body, -1) {
		a := attrs(body[m[2]:m[3]])
		text := html.UnescapeString(body[m[4]:m[5]])
		text = strings.TrimPrefix(text, "\n")
		fields = append(fields, field{m[0], a["name"], text})
	}
	for _, m := range selectRE.FindAllStringSubmatchIndex(body, -1) {
		a := attrs(body[m[2]:m[3]])
		value := ""
		for i, o := range optionRE.FindAllStringSubmatch(body[m[4]:m[5]], -1) {
			oa := attrs(o[1])
			v, ok := oa["value"]
			if !ok {
				v = html.UnescapeString(o[2])
			}
			if i == 0 || strings.Contains(o[1], "selected") {
				value = v
			}
		}
		fields = append(fields, field{m[0], a["name"], value})
	}
	// Document order, as a browser sends them.
	for i := 1; i < len(fields); i++ {
		for j := i; j > 0 && fields[j].at < fields[j-1].at; j-- {
			fields[j], fields[j-1] = fields[j-1], fields[j]
		}
	}
	v := url.Values{}
	for _, f := range fields {
		v[f.name] = append(v[f.name], f.value)
	}
	return v
}

// replaceNth sets the n-th value of key.
func replaceNth(t *testing.T, v url.Values, key string, n int, value string) {
	t.Helper()
	if n >= len(v[key]) {
		t.Fatalf("the form has %d %s fields, not %d: %v", len(v[key]), key, n+1, v)
	}
	v[key][n] = value
}

func TestConfigureFormKeepsConfiguration(t *testing.T) {
	rs := newRouteStack(t)
	orig := importedXML(t)

	t.Run("the form names everything it keeps but does not edit", func(t *testing.T) {
		rs.createJob(t, "shown", orig)
		page := rs.asSession(t, "GET", "job/shown/configure", nil)
		if page.status != 200 {
			t.Fatalf("%d %s", page.status, page.body)
		}
		for _, want := range []string{
			"Kept as they are",
			"Invoke top-level Maven targets (hudson.tasks.Maven)",
			"Archive the artifacts (hudson.tasks.ArtifactArchiver)",
			"Publish JUnit test result report (hudson.tasks.junit.JUnitResultArchiver)",
			"E-mail Notification (hudson.tasks.Mailer)",
			// The credentials binding has its own section, which edits it.
			`name="binding.usernameVariable" value="NEXUS_USER"`,
			`<option value="nexus-deploy" selected>`,
			// The source section shows the GitSCM and Poll SCM, and names
			// the extension it keeps.
			`value="git@github.com:acme/app.git"`,
			`<option value="github-ssh" selected>github-ssh (not found, or not one jobs may use with git)</option>`,
			"*/main</textarea>",
			`name="pollscm" value="true" checked`,
			"H/5 * * * *</textarea>",
			"Also kept as they are (edit them in config.xml): CleanBeforeCheckout.",
		} {
			if !strings.Contains(html.UnescapeString(page.body), want) {
				t.Errorf("the Configure page does not show %q", want)
			}
		}
		if strings.Contains(html.UnescapeString(page.body), "Discard old builds (jenkins.model.BuildDiscarderProperty)") {
			t.Error("the Configure page says it keeps the build discarder, which its own section edits")
		}
		form := formValues(t, page.body, "configure-form")
		if form.Get("discard") != "true" || form.Get("discard.numToKeep") != "5" || form.Get("discard.daysToKeep") != "" {
			t.Errorf("the Discard old builds section does not show the job's LogRotator: %v", form)
		}
		if strings.Contains(page.body, "(org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper)") {
			t.Error("the Configure page says it keeps the credentials binding without editing it")
		}
		kept := page.body[strings.Index(page.body, `id="kept"`):]
		if kept = kept[:strings.Index(kept, "</div>")]; strings.Contains(kept, "GitSCM") || strings.Contains(kept, "SCMTrigger") {
			t.Errorf("the list of what the form does not edit names the Git source or Poll SCM, which it edits")
		}
	})

	t.Run("saving the form as shown keeps config.xml byte for byte", func(t *testing.T) {
		rs.createJob(t, "unchanged", orig)
		form := formValues(t, rs.asSession(t, "GET", "job/unchanged/configure", nil).body, "configure-form")
		if r := rs.asSession(t, "POST", "job/unchanged/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := rs.configXML(t, "unchanged"); got != orig {
			t.Fatalf("config.xml changed:\n%s", got)
		}
	})

	t.Run("a new description changes the description and nothing else", func(t *testing.T) {
		rs.createJob(t, "described", orig)
		form := formValues(t, rs.asSession(t, "GET", "job/described/configure", nil).body, "configure-form")
		form.Set("description", "Now with <b>bold</b> & more")
		if r := rs.asSession(t, "POST", "job/described/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		want := strings.Replace(orig, "<description>Builds and tests the app on every push to main.</description>",
			"<description>Now with &lt;b&gt;bold&lt;/b&gt; &amp; more</description>", 1)
		if got := rs.configXML(t, "described"); got != want {
			t.Fatalf("config.xml:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("an edited shell step stays after the Maven step", func(t *testing.T) {
		rs.createJob(t, "steps", orig)
		form := formValues(t, rs.asSession(t, "GET", "job/steps/configure", nil).body, "configure-form")
		replaceNth(t, form, "shell", 1, "./scripts/report.sh --all > target/report.txt")
		if r := rs.asSession(t, "POST", "job/steps/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		want := strings.Replace(orig, "./scripts/report.sh &gt; target/report.txt", "./scripts/report.sh --all &gt; target/report.txt", 1)
		if got := rs.configXML(t, "steps"); got != want {
			t.Fatalf("config.xml:\n%s", got)
		}
	})

	t.Run("an edited parameter stays between the other properties", func(t *testing.T) {
		rs.createJob(t, "params", orig)
		form := formValues(t, rs.asSession(t, "GET", "job/params/configure", nil).body, "configure-form")
		replaceNth(t, form, "param.default", 0, "release")
		if r := rs.asSession(t, "POST", "job/params/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		want := strings.Replace(orig, "<defaultValue>ci</defaultValue>", "<defaultValue>release</defaultValue>", 1)
		if got := rs.configXML(t, "params"); got != want {
			t.Fatalf("config.xml:\n%s", got)
		}
	})

	t.Run("a client that posts only the fields, without row indexes, keeps the rest too", func(t *testing.T) {
		rs.createJob(t, "bare", orig)
		form := url.Values{"description": {"bare"}, "timer": {""}, "shell": {"./scripts/prepare.sh \"$PROFILE\"", "./scripts/report.sh > target/report.txt"},
			"param.kind": {"string", "choice"}, "param.name": {"PROFILE", "JDK"}, "param.default": {"ci", ""},
			"param.choices": {"", "17\n21"}, "param.description": {"Maven profile to build with", ""}}
		if r := rs.asSession(t, "POST", "job/bare/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		want := strings.Replace(orig, "Builds and tests the app on every push to main.", "bare", 1)
		if got := rs.configXML(t, "bare"); got != want {
			t.Fatalf("config.xml:\n%s", got)
		}
		// An empty row removes the step at its position, and only it.
		form.Set("shell", "")
		form.Add("shell", "./scripts/report.sh > target/report.txt")
		if r := rs.asSession(t, "POST", "job/bare/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		want = strings.Replace(want, "    <hudson.tasks.Shell>\n      <command>./scripts/prepare.sh &quot;$PROFILE&quot;</command>\n      <configuredLocalRules/>\n    </hudson.tasks.Shell>\n", "", 1)
		if got := rs.configXML(t, "bare"); got != want {
			t.Fatalf("config.xml:\n%s", got)
		}
	})
}

func TestFormsFailingValidationKeepWhatWasTyped(t *testing.T) {
	rs := newRouteStack(t)
	orig := importedXML(t)
	rs.createJob(t, "typed", orig)

	t.Run("a bad schedule on Configure answers 400 with the form as typed and the reason under the schedule", func(t *testing.T) {
		form := formValues(t, rs.asSession(t, "GET", "job/typed/configure", nil).body, "configure-form")
		form.Set("description", "words typed & kept")
		form.Set("timer", "every day")
		replaceNth(t, form, "shell", 0, "echo typed step")
		r := rs.asSession(t, "POST", "job/typed/configSubmit", form)
		if r.status != 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		back := formValues(t, r.body, "configure-form")
		if back.Get("description") != "words typed & kept" || back.Get("timer") != "every day" || len(back["shell"]) == 0 || back["shell"][0] != "echo typed step" {
			t.Errorf("the form came back as %v", back)
		}
		timer := regexp.MustCompile(`(?s)<div id="timer-check"[^>]*>(.*?)</div>`).FindStringSubmatch(r.body)
		if timer == nil || !strings.Contains(timer[1], "field-error") || !strings.Contains(timer[1], "Invalid input") {
			t.Errorf("no error under the schedule: %q", timer)
		}
		if got := rs.configXML(t, "typed"); got != orig {
			t.Errorf("config.xml changed:\n%s", got)
		}
	})

	t.Run("a bad parameter row comes back as typed with its reason beside it", func(t *testing.T) {
		form := formValues(t, rs.asSession(t, "GET", "job/typed/configure", nil).body, "configure-form")
		replaceNth(t, form, "param.choices", 1, "")
		replaceNth(t, form, "param.description", 1, "a description typed")
		r := rs.asSession(t, "POST", "job/typed/configSubmit", form)
		if r.status != 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		row := regexp.MustCompile(`(?s)<fieldset class="param" aria-invalid="true">(.*?)</fieldset>`).FindStringSubmatch(r.body)
		if row == nil || !strings.Contains(row[1], "Choice parameter JDK needs at least one choice") || !strings.Contains(row[1], `value="a description typed"`) {
			t.Fatalf("the row does not carry its error and values:\n%s", r.body)
		}
		if got := rs.configXML(t, "typed"); got != orig {
			t.Errorf("config.xml changed:\n%s", got)
		}
	})

	t.Run("rows naming steps the job does not have are refused, not guessed", func(t *testing.T) {
		form := formValues(t, rs.asSession(t, "GET", "job/typed/configure", nil).body, "configure-form")
		replaceNth(t, form, "shell.orig", 1, "9")
		r := rs.asSession(t, "POST", "job/typed/configSubmit", form)
		if r.status != 400 || !strings.Contains(r.body, "reload the page") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})

	t.Run("New Item with a bad name keeps every field as typed", func(t *testing.T) {
		form := url.Values{"name": {"bad<name"}, "mode": {"hudson.model.FreeStyleProject"}, "description": {"typed description"},
			"timer": {"H 2 * * *"}, "shell": {"echo typed"}, "shell.orig": {""},
			"param.orig": {""}, "param.kind": {"choice"}, "param.name": {"C"}, "param.default": {""}, "param.choices": {"a\r\nb"}, "param.description": {"typed param"}}
		r := rs.asSession(t, "POST", "newJob", form)
		if r.status != 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		back := formValues(t, r.body, "new-item-form")
		if back.Get("name") != "bad<name" || back.Get("description") != "typed description" || back.Get("timer") != "H 2 * * *" ||
			back.Get("shell") != "echo typed" || back.Get("param.name") != "C" || back.Get("param.choices") != "a\nb" || back.Get("param.description") != "typed param" {
			t.Errorf("the form came back as %v", back)
		}
		if !regexp.MustCompile(`id="name-error">[^<]*unsafe character`).MatchString(r.body) {
			t.Errorf("no error beside the name:\n%s", r.body)
		}
		if !strings.Contains(r.body, "Would last have run at") {
			t.Errorf("no schedule hint under the schedule")
		}
		if res := rs.asToken(t, "GET", "job/bad%3Cname/api/json", ""); res.status != 404 {
			t.Errorf("a job was stored: %d", res.status)
		}
	})

	t.Run("New Item from a pasted config.xml that fails keeps the name and the XML", func(t *testing.T) {
		xml := "<project><builders>"
		r := rs.asSession(t, "POST", "newJob", url.Values{"name": {"pasted"}, "mode": {"xml"}, "config.xml": {xml}})
		if r.status != 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		back := formValues(t, r.body, "new-item-xml")
		if back.Get("name") != "pasted" || back.Get("config.xml") != xml || !strings.Contains(r.body, `id="xml-error"`) {
			t.Errorf("the form came back as %v", back)
		}
		r = rs.asSession(t, "POST", "newJob", url.Values{"name": {"typed"}, "mode": {"xml"}, "config.xml": {"<project/>"}})
		if r.status != 400 || !regexp.MustCompile(`id="xml-name-error">[^<]*already exists`).MatchString(r.body) {
			t.Errorf("a taken name is not refused beside the pasted form's name: %d\n%s", r.status, r.body)
		}
	})

	t.Run("the settings form keeps what was typed", func(t *testing.T) {
		r := rs.asSession(t, "POST", "manage/configure", url.Values{"executors": {"7"}, "quietPeriod": {"soon"}, "rootURL": {"https://typed.example/"}, "csrf": {"true"}})
		if r.status != 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		back := formValues(t, r.body, "settings-form")
		if back.Get("executors") != "7" || back.Get("quietPeriod") != "soon" || back.Get("rootURL") != "https://typed.example/" {
			t.Errorf("the form came back as %v", back)
		}
		if !regexp.MustCompile(`id="quiet-error">`).MatchString(r.body) {
			t.Errorf("no error beside the quiet period:\n%s", r.body)
		}
	})

	t.Run("the create user form keeps what was typed but the passwords", func(t *testing.T) {
		r := rs.asSession(t, "POST", "securityRealm/createAccountByAdmin", url.Values{"jeeves-form": {"1"}, "username": {"carol"},
			"password1": {"one"}, "password2": {"two"}, "fullname": {"Carol Typed"}, "email": {"carol@example.com"}})
		if r.status != 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		back := formValues(t, r.body, "create-user")
		if back.Get("username") != "carol" || back.Get("fullname") != "Carol Typed" || back.Get("email") != "carol@example.com" || back.Get("password1") != "" {
			t.Errorf("the form came back as %v", back)
		}
		if !regexp.MustCompile(`id="password2-error">[^<]*match`).MatchString(r.body) {
			t.Errorf("no error beside the confirmation:\n%s", r.body)
		}
	})

	t.Run("the token form keeps what was typed", func(t *testing.T) {
		r := rs.asSession(t, "POST", "user/admin/security/generate", url.Values{"newTokenName": {"typed-token"}, "expirationDuration": {"30"}, "scope": {"read", "nonsense"}, "jobs": {"team-*"}})
		if r.status != 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		back := formValues(t, r.body, "generate-form")
		if back.Get("newTokenName") != "typed-token" || back.Get("expirationDuration") != "30" || back.Get("jobs") != "team-*" || !strings.Contains(strings.Join(back["scope"], ","), "read") {
			t.Errorf("the form came back as %v", back)
		}
	})
}

func TestScheduleHint(t *testing.T) {
	rs := newRouteStack(t)
	rs.createJob(t, "timed", `<project><triggers><hudson.triggers.TimerTrigger><spec>H 2 * * *</spec></hudson.triggers.TimerTrigger></triggers></project>`)

	t.Run("the Configure page shows when a stored schedule would last and next have run", func(t *testing.T) {
		page := rs.asSession(t, "GET", "job/timed/configure", nil).body
		if !regexp.MustCompile(`<p class="check-ok">Would last have run at [A-Z][a-z]+day, [A-Z][a-z]+ \d+, \d{4} \d+:\d\d:00 [AP]M [^;]+; would next run at [^<]+\.</p>`).MatchString(page) {
			t.Fatalf("no hint:\n%s", page)
		}
	})
	for _, c := range []struct{ name, path, value, want string }{
		{"the job's check answers Jenkins's hint", "job/timed/", "H 2 * * *", `<div class="ok">Would last have run at `},
		{"the root's check answers too", "", "@hourly", `<div class="ok">Would last have run at `},
		{"a bad spec is an error", "job/timed/", "61 * * * *", `<div class="error">Invalid input: &#34;61 * * * *&#34;`},
		{"stars without white space are named", "", "** * * *", `<div class="error">You appear to be missing whitespace between * and *.</div>`},
		{"comments alone never run", "", "# nothing", `<div class="warning">No schedules so will never run</div>`},
		{"an impossible date is a warning", "", "0 0 31 2 *", `<div class="warning">This schedule will match dates only rarely`},
		{"an empty value says nothing", "", "", ``},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rs.asToken(t, "GET", c.path+"descriptorByName/hudson.triggers.TimerTrigger/checkSpec?value="+url.QueryEscape(c.value), "")
			if r.status != 200 || !strings.HasPrefix(r.body, c.want) || c.want == "" && r.body != "" {
				t.Fatalf("%d %q, want %q", r.status, r.body, c.want)
			}
		})
	}
	t.Run("H is hashed from the job's name", func(t *testing.T) {
		a := rs.asToken(t, "GET", "job/timed/descriptorByName/hudson.triggers.TimerTrigger/checkSpec?value=H+H+*+*+*", "").body
		b := rs.asToken(t, "GET", "descriptorByName/hudson.triggers.TimerTrigger/checkSpec?value=H+H+*+*+*", "").body
		if a == b {
			t.Errorf("the job's hint and the root's are the same: %s", a)
		}
	})
}

// waitBuild waits for a build of job to finish.
func (rs *routeStack) waitBuild(t *testing.T, job string) model.Build {
	t.Helper()
	j, err := rs.jobs.Get(job)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case b := <-rs.finished:
			if b.JobID == j.ID {
				return b
			}
		case <-deadline:
			t.Fatalf("no build of %s finished", job)
		}
	}
}

func TestNothingConfiguredIsSilentlyIgnored(t *testing.T) {
	rs := newRouteStack(t)
	rs.createJob(t, "imported", importedXML(t))
	rs.createJob(t, "archiving", `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <properties>
    <jenkins.model.BuildDiscarderProperty>
      <strategy class="hudson.tasks.LogRotator"><numToKeep>5</numToKeep></strategy>
    </jenkins.model.BuildDiscarderProperty>
  </properties>
  <builders><hudson.tasks.Shell><command>echo step ran; mkdir -p out; echo made &gt; out/made.txt</command></hudson.tasks.Shell></builders>
  <publishers>
    <hudson.tasks.ArtifactArchiver><artifacts>out/*</artifacts></hudson.tasks.ArtifactArchiver>
  </publishers>
  <buildWrappers>
    <hudson.plugins.timestamper.TimestamperBuildWrapper plugin="timestamper@1.26"/>
  </buildWrappers>
</project>`)

	t.Run("the job page lists what jeeves does not run", func(t *testing.T) {
		page := html.UnescapeString(rs.asSession(t, "GET", "job/imported/", nil).body)
		if strings.Contains(page, "GitSCM") {
			t.Errorf("the job page lists the Git SCM, which jeeves runs, as not run")
		}
		for _, want := range []string{"Not run by jeeves", "Invoke top-level Maven targets (hudson.tasks.Maven): builds fail"} {
			if !strings.Contains(page, want) {
				t.Errorf("the job page lacks %q", want)
			}
		}
		for _, ran := range []string{"Archive the artifacts", "E-mail Notification", "Publish JUnit test result report", "Discard old builds"} {
			if strings.Contains(page, ran) {
				t.Errorf("the job page says jeeves does not run %q, which it runs", ran)
			}
		}
		if page := rs.asSession(t, "GET", "job/archiving/", nil).body; strings.Contains(page, "builds fail") {
			t.Errorf("a job whose publishers only warn says its builds fail")
		}
	})

	t.Run("api/json keeps Jenkins's shape", func(t *testing.T) {
		var a, b map[string]any
		rs.createJob(t, "plain", shellXML)
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/imported/api/json", "").body), &a)
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/plain/api/json", "").body), &b)
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("keys differ: %d and %d", len(a), len(b))
		}
		for k := range a {
			if _, ok := b[k]; !ok {
				t.Errorf("api/json has %q", k)
			}
		}
	})

	t.Run("an unsupported SCM or step fails the build before any step runs", func(t *testing.T) {
		if r := rs.asToken(t, "POST", "job/imported/buildWithParameters?delay=0sec", ""); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		b := rs.waitBuild(t, "imported")
		if b.Result != model.Failure {
			t.Errorf("result %s", b.Result)
		}
		log := rs.asToken(t, "GET", "job/imported/"+itoa(b.Number)+"/consoleText", "").body
		for _, want := range []string{
			"ERROR: jeeves cannot run Invoke top-level Maven targets (hudson.tasks.Maven): ",
			"Finished: FAILURE\n",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("the console lacks %q:\n%s", want, log)
			}
		}
		if strings.Contains(log, "jeeves does not run Discard old builds") || strings.Contains(log, "jeeves does not run Archive the artifacts") {
			t.Errorf("the console says jeeves does not run what it runs:\n%s", log)
		}
		// jeeves runs the credentials binding (internal/credbind).
		if strings.Contains(log, "does not run Use secret text(s) or file(s)") {
			t.Errorf("the console says the credentials binding is not run:\n%s", log)
		}
		if strings.Contains(log, "prepare.sh") {
			t.Errorf("a step ran:\n%s", log)
		}
		if strings.Contains(log, "GitSCM") || strings.Contains(log, "git fetch") {
			t.Errorf("jeeves reports the Git SCM as not run, or checked out before a build that cannot run:\n%s", log)
		}
	})

	t.Run("unsupported wrappers warn before the steps, and the build runs and archives", func(t *testing.T) {
		if r := rs.asToken(t, "POST", "job/archiving/build?delay=0sec", ""); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		b := rs.waitBuild(t, "archiving")
		log := rs.asToken(t, "GET", "job/archiving/"+itoa(b.Number)+"/consoleText", "").body
		warn := strings.Index(log, "WARNING: jeeves does not run Add timestamps to the Console Output (hudson.plugins.timestamper.TimestamperBuildWrapper)")
		step := strings.Index(log, "step ran")
		archived := strings.Index(log, "Archiving artifacts")
		if b.Result != model.Success || warn < 0 || step < 0 || warn > step || archived < step ||
			strings.Contains(log, "jeeves does not run Archive the artifacts") {
			t.Fatalf("result %s, console:\n%s", b.Result, log)
		}
		if got := rs.asToken(t, "GET", "job/archiving/"+itoa(b.Number)+"/artifact/out/made.txt", ""); got.status != 200 || got.body != "made\n" {
			t.Fatalf("the archived file: %d %q", got.status, got.body)
		}
	})

	t.Run("a config.xml with unknown elements is served back byte for byte", func(t *testing.T) {
		if got := rs.configXML(t, "imported"); got != importedXML(t) {
			t.Fatalf("config.xml changed:\n%s", got)
		}
	})
}
