package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/flash"
	"github.com/jeeves-ci/jeeves/internal/server"
	"github.com/jeeves-ci/jeeves/internal/webui"
)

// browserPost POSTs body to path as the web UI's forms do: the session
// cookie, the crumb and the jeeves-form field in the body, Accept HTML,
// and the page the form was on as Referer and the server as Origin.
func (rs *routeStack) browserPost(t *testing.T, path, referer, body string, session *http.Cookie, crumb string) rawResp {
	t.Helper()
	v, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	v.Set("jeeves-form", "1")
	if crumb != "" {
		v.Set("Jenkins-Crumb", crumb)
	}
	h := map[string]string{"Accept": "text/html", "Origin": strings.TrimSuffix(rs.url, "/"), "Referer": rs.url + referer, "Sec-Fetch-Site": "same-origin"}
	return rs.raw(t, "POST", path, v.Encode(), h, session)
}

// browserGet follows a Location as a browser does.
func (rs *routeStack) browserGet(t *testing.T, location string, session *http.Cookie) rawResp {
	t.Helper()
	if !strings.HasPrefix(location, rs.url) {
		t.Fatalf("Location %q is not on this server (%s)", location, rs.url)
	}
	return rs.raw(t, "GET", strings.TrimPrefix(location, rs.url), "", map[string]string{"Accept": "text/html"}, session)
}

// newSession logs user in through the login form and returns the
// session cookie and its crumb.
func (rs *routeStack) newSession(t *testing.T, user, password string) (*http.Cookie, string) {
	t.Helper()
	res := rs.raw(t, "POST", "j_spring_security_check", url.Values{"j_username": {user}, "j_password": {password}}.Encode(), nil)
	var ck *http.Cookie
	for _, c := range res.cookies {
		if c.Name == rs.au.CookieName() && c.Value != "" {
			ck = c
		}
	}
	if ck == nil {
		t.Fatalf("login as %s gave no session: %d %s", user, res.status, res.body)
	}
	r := rs.raw(t, "GET", "crumbIssuer/api/json", "", nil, ck)
	var c struct{ Crumb string }
	if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Crumb == "" {
		t.Fatalf("crumb: %d %s", r.status, r.body)
	}
	return ck, c.Crumb
}

// uiPOSTRoutes is every route in routes.go that one of the web UI's forms
// POSTs to, with the page the form is on and what a successful POST
// sends.
var uiPOSTRoutes = []struct {
	route, referer, body string
	setup                func(t *testing.T, rs *routeStack, path string)
	held                 string // the answer is a page, shown once by the GET after the 303
	notice               string // the notice the page after the 303 shows once
	status               int    // the status of the GET after the 303; 0 = 200
}{
	{route: "job/{job}/{n}/stop", referer: "job/{job}/{n}/console"},
	{route: "job/{job}/{n}/doDelete", referer: "job/{job}/{n}/", notice: "Deleted job-"},
	{route: "job/{job}/configSubmit", referer: "job/{job}/configure", body: "mode=xml&config.xml=" + url.QueryEscape(shellXML), notice: "Saved"},
	{route: "queue/cancelItem?id={item}", referer: "", notice: "Cancelled ‘waiting-"},
	{route: "job/{job}/enable", referer: "job/{job}/", notice: "Enabled ‘job-"},
	{route: "job/{job}/disable", referer: "job/{job}/", notice: "Disabled ‘job-"},
	{route: "job/{job}/build?delay=0sec", referer: "", notice: "Build scheduled"},
	{route: "job/{job}/buildWithParameters?delay=0sec", referer: "job/{job}/", body: "WHO=world", notice: "Build scheduled", setup: func(t *testing.T, rs *routeStack, path string) {
		job := strings.Split(path, "/")[1]
		r := rs.raw(t, "POST", "job/"+job+"/config.xml", `<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>`+
			`<hudson.model.StringParameterDefinition><name>WHO</name><defaultValue>x</defaultValue></hudson.model.StringParameterDefinition>`+
			`</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><builders/></project>`, basic("admin", rs.adminToken))
		if r.status != 200 {
			t.Fatalf("making %s parameterized: %d %s", job, r.status, r.body)
		}
	}},
	{route: "job/{job}/doDelete", referer: "job/{job}/delete", notice: "Deleted ‘job-"},
	{route: "newJob", referer: "newJob", body: "name=ui-a&mode=hudson.model.FreeStyleProject&shell=true", notice: "Created ‘ui-a’"},
	{route: "view/all/newJob", referer: "view/all/newJob", body: "name=ui-b&mode=hudson.model.FreeStyleProject&shell=true", notice: "Created ‘ui-b’"},
	{route: "job/{folder}/newJob", referer: "job/{folder}/newJob", body: "name=ui-c&mode=hudson.model.FreeStyleProject&shell=true", notice: "/ui-c’"},
	{route: "job/{folder}/view/all/newJob", referer: "job/{folder}/view/all/newJob", body: "name=ui-d&mode=hudson.model.FreeStyleProject&shell=true", notice: "/ui-d’"},
	{route: "manage/configure", referer: "manage/", body: "executors=2&quietPeriod=0&csrf=true", notice: "Saved"},
	{route: "user/{user}/security/generate?newTokenName={fresh}", referer: "user/{user}/security/", held: `id="new-token-value"`},
	{route: "user/{user}/security/revoke?tokenUuid={token}", referer: "user/{user}/security/", notice: "Revoked the token ‘victim-"},
	{route: "user/{victim}/security/password", referer: "user/{victim}/security/", body: "password1=new-pw&password2=new-pw", held: "was changed"},
	{route: "user/{victim}/doDelete", referer: "manage/users/", notice: "Deleted the user ‘victim-"},
	{route: "securityRealm/createAccountByAdmin?username={fresh}&password1=pw&password2=pw", referer: "manage/users/", notice: "Created the user ‘fresh-"},
	// Log out ends the session the test holds: it uses one of its own,
	// and lands on the dashboard as anonymous (refused under this matrix).
	{route: "logout", referer: "", status: http.StatusForbidden},
	// Sign in has no session yet: the GET uses the one it opened.
	{route: "j_spring_security_check", referer: "login", body: "j_username=admin&j_password=pw"},
	{route: "job/{job}/doWipeOutWorkspace", referer: "job/{job}/ws/"},
	{route: "job/{job}/{n}/toggleLogKeep", referer: "job/{job}/{n}/"},
	{route: "manage/mail/configure", referer: "manage/mail", body: "mail.smtpHost=smtp.example.com&mail.adminAddress=ci%40example.com"},
	// No SMTP server here: the test mail's answer is its failure (400),
	// shown once by the GET after the 303.
	{route: "manage/mail/sendTestMail", referer: "manage/mail", body: "mail.smtpHost=&mail.testRecipient=me%40example.com",
		held: "Failed to send out e-mail: no SMTP server is set", status: http.StatusBadRequest},
}

// TestEveryUIFormPOSTAnswersSeeOther drives every route a UI form posts
// to as a browser does, and asserts Post/Redirect/Get: a successful POST
// answers 303 See Other to a page the browser can GET; a page the POST
// produced (a new token, a message) is shown by that GET once.
func TestEveryUIFormPOSTAnswersSeeOther(t *testing.T) {
	rs := newRouteStack(t)
	inTable := map[string]bool{}
	for _, r := range server.Routes {
		inTable[r.Path] = true
	}
	for _, row := range uiPOSTRoutes {
		if !inTable[row.route] {
			t.Errorf("%s is not a route in server.Routes.go", row.route)
			continue
		}
		t.Run("POST "+row.route+" from its form answers 303 to a page", func(t *testing.T) {
			t.Cleanup(rs.reset)
			both := strings.SplitN(rs.fixtures(t, row.route+"|"+row.referer), "|", 2)
			path, referer := both[0], both[1]
			if row.setup != nil {
				row.setup(t, rs, path)
			}
			session, crumb := rs.session, rs.sessionCrumb
			switch row.route {
			case "logout":
				session, crumb = rs.newSession(t, "admin", "pw")
			case "j_spring_security_check":
				session, crumb = nil, ""
			}
			res := rs.browserPost(t, path, referer, row.body, session, crumb)
			loc := res.header.Get("Location")
			if res.status != http.StatusSeeOther || loc == "" {
				t.Fatalf("want 303 See Other with a Location, got %d %q\n%s", res.status, loc, res.body)
			}
			for _, ck := range res.cookies {
				if ck.Name == rs.au.CookieName() {
					session = ck
				}
			}
			want := row.status
			if want == 0 {
				want = http.StatusOK
			}
			page := rs.browserGet(t, loc, session)
			if page.status != want || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET %s after the POST: %d %s, want %d HTML\n%s", loc, page.status, page.header.Get("Content-Type"), want, page.body)
			}
			shown := row.held
			if row.notice != "" {
				// A success says what it did, once, as a status notice.
				shown = html.EscapeString(row.notice)
				if !strings.Contains(page.body, `<p class="flash" role="status">`) {
					t.Fatalf("the GET after the 303 shows no notice:\n%s", page.body)
				}
			}
			if shown == "" {
				if strings.Contains(loc, webui.FlashParam+"=") {
					t.Fatalf("a success without a page or notice to show went through the flash store: %s", loc)
				}
				if strings.Contains(page.body, `class="flash"`) {
					t.Fatalf("a success without a notice shows one:\n%s", page.body)
				}
				return
			}
			if !strings.Contains(page.body, shown) {
				t.Fatalf("the GET after the 303 does not show %q:\n%s", shown, page.body)
			}
			if again := rs.browserGet(t, loc, session); again.status != 200 || strings.Contains(again.body, shown) {
				t.Fatalf("reloading %s shows %q again (%d)", loc, shown, again.status)
			}
		})
	}

	t.Run("every POST form in the templates posts to a route of this table", func(t *testing.T) {
		covered := map[string]bool{}
		for _, row := range uiPOSTRoutes {
			path, _, _ := strings.Cut(row.route, "?")
			covered[path[strings.LastIndex(path, "/")+1:]] = true
		}
		files, err := filepath.Glob("../webui/templates/*.html")
		if err != nil || len(files) == 0 {
			t.Fatalf("templates: %v", err)
		}
		action := regexp.MustCompile(`(?:action|formaction)="([^"]*)"`)
		form := regexp.MustCompile(`(?is)<form[^>]*method="post".*?</form>`)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, fm := range form.FindAllString(string(b), -1) {
				for _, m := range action.FindAllStringSubmatch(fm, -1) {
					a, _, _ := strings.Cut(m[1], "?")
					a = regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(a, "/")
					seg := a[strings.LastIndex(a, "/")+1:]
					if seg == "" {
						continue // the action is all template (a page's own Form): its routes are in the table
					}
					if strings.HasPrefix(seg, "enable") || strings.HasPrefix(seg, "disable") {
						seg = "enable"
					}
					if !covered[seg] {
						t.Errorf("%s: a form posts to …/%s, which TestEveryUIFormPOSTAnswersSeeOther does not drive", filepath.Base(f), seg)
					}
				}
			}
		}
	})
}

// TestRefusedUIFormShowsOnceAfterRedirect: a UI form refused as invalid
// answers 303 back to the page it came from, which shows the refusal
// (with its 4xx status) once; reloading that page GETs it afresh and
// posts nothing, and nothing was stored.
func TestRefusedUIFormShowsOnceAfterRedirect(t *testing.T) {
	rs := newRouteStack(t)
	cases := []struct {
		name, route, referer, body, want string
		status                           int
		stored                           func(t *testing.T) bool
	}{
		{name: "New Item with an unsafe name", route: "view/all/newJob", referer: "view/all/newJob",
			body: "name=a%3Cb&mode=hudson.model.FreeStyleProject&shell=true", want: "unsafe character", status: 400,
			stored: func(t *testing.T) bool { _, err := rs.jobs.Get("a<b"); return err == nil }},
		{name: "Configure with a broken config.xml", route: "job/{job}/configSubmit", referer: "job/{job}/configure",
			body: "mode=xml&config.xml=" + url.QueryEscape("<project><builders>"), want: `id="form-error"`, status: 400},
		{name: "Manage with a negative number of executors", route: "manage/configure", referer: "manage/",
			body: "executors=-1&quietPeriod=0&csrf=true", want: "number of executors must be between", status: 400,
			stored: func(t *testing.T) bool { return rs.app.Settings.Get().Executors == -1 }},
		{name: "Create User without a name", route: "securityRealm/createAccountByAdmin", referer: "manage/users/",
			body: "username=&password1=x&password2=x", want: "User name is required", status: 400},
		{name: "Generate with a bad expiry", route: "user/admin/security/generate", referer: "user/admin/security/",
			body: "newTokenName=bad&expirationDuration=soon", want: "expirationDuration must be", status: 400,
			stored: func(t *testing.T) bool {
				toks, _ := rs.au.Tokens(context.Background(), "admin")
				for _, tk := range toks {
					if tk.Name == "bad" {
						return true
					}
				}
				return false
			}},
		{name: "a password change whose two passwords differ", route: "user/{victim}/security/password", referer: "user/{victim}/security/",
			body: "password1=one-pw&password2=two-pw", want: "do not match", status: 400},
		{name: "Build with Parameters with a choice not offered", route: "job/{job}/buildWithParameters?delay=0sec", referer: "job/{job}/",
			body: "ENV=nowhere", want: "nowhere", status: 400},
		{name: "deleting oneself from the users page", route: "user/admin/doDelete", referer: "manage/users/",
			want: "You cannot delete yourself", status: 400},
	}
	for _, c := range cases {
		t.Run(c.name+" answers 303 and shows the reason once", func(t *testing.T) {
			t.Cleanup(rs.reset)
			both := strings.SplitN(rs.fixtures(t, c.route+"|"+c.referer), "|", 2)
			path, referer := both[0], both[1]
			if strings.Contains(c.route, "buildWithParameters") {
				job := strings.Split(path, "/")[1]
				r := rs.raw(t, "POST", "job/"+job+"/config.xml", `<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>`+
					`<hudson.model.ChoiceParameterDefinition><name>ENV</name><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>dev</string><string>prod</string></a></choices></hudson.model.ChoiceParameterDefinition>`+
					`</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><builders/></project>`, basic("admin", rs.adminToken))
				if r.status != 200 {
					t.Fatalf("making %s parameterized: %d %s", job, r.status, r.body)
				}
			}
			res := rs.browserPost(t, path, referer, c.body, rs.session, rs.sessionCrumb)
			loc := res.header.Get("Location")
			if res.status != http.StatusSeeOther || !strings.HasPrefix(loc, rs.url+referer+"?"+webui.FlashParam+"=") {
				t.Fatalf("want 303 to %s?%s=…, got %d %q\n%s", rs.url+referer, webui.FlashParam, res.status, loc, res.body)
			}
			if strings.Contains(res.body, c.want) {
				t.Errorf("the 303 carries the page")
			}
			first := rs.browserGet(t, loc, rs.session)
			if first.status != c.status || !strings.Contains(first.body, c.want) {
				t.Fatalf("GET %s: %d, want %d showing %q\n%s", loc, first.status, c.status, c.want, first.body)
			}
			if cc := first.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			reload := rs.browserGet(t, loc, rs.session)
			if reload.status != 200 || strings.Contains(reload.body, c.want) {
				t.Fatalf("reloading %s: %d, still showing %q\n%s", loc, reload.status, c.want, reload.body)
			}
			if c.stored != nil && c.stored(t) {
				t.Fatalf("the refused form stored something")
			}
		})
	}
}

// TestGeneratedTokenShownOnce: Generate on the Security page makes one
// token, shows its value on the GET after the 303 and never again: not on
// a reload, not to another session or user, not after five minutes, and
// never in a URL. API clients keep generateNewToken's JSON answer.
func TestGeneratedTokenShownOnce(t *testing.T) {
	rs := newRouteStack(t)
	tokenValue := regexp.MustCompile(`id="new-token-value">([0-9a-f]{34})<`)
	count := func(name string) int {
		toks, err := rs.au.Tokens(context.Background(), "admin")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tk := range toks {
			if tk.Name == name {
				n++
			}
		}
		return n
	}
	generate := func(t *testing.T, name string) string {
		t.Helper()
		res := rs.browserPost(t, "user/admin/security/generate", "me/security/", "newTokenName="+name, rs.session, rs.sessionCrumb)
		loc := res.header.Get("Location")
		if res.status != http.StatusSeeOther || !strings.HasPrefix(loc, rs.url+"me/security/?"+webui.FlashParam+"=") {
			t.Fatalf("Generate: %d %q, want 303 to me/security/?%s=…\n%s", res.status, loc, webui.FlashParam, res.body)
		}
		if tokenValue.MatchString(res.body) || regexp.MustCompile(`[0-9a-f]{34}`).MatchString(loc) {
			t.Fatalf("the 303 carries the token: %q %s", loc, res.body)
		}
		return loc
	}

	t.Run("the GET after Generate shows the value once; a reload shows none and makes none", func(t *testing.T) {
		loc := generate(t, "once")
		page := rs.browserGet(t, loc, rs.session)
		m := tokenValue.FindStringSubmatch(page.body)
		if page.status != 200 || m == nil {
			t.Fatalf("GET %s: %d, no token shown\n%s", loc, page.status, page.body)
		}
		if cc := page.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		if r := rs.raw(t, "GET", "api/json", "", basic("admin", m[1])); r.status != 200 {
			t.Errorf("the value shown does not authenticate: %d", r.status)
		}
		for i := 0; i < 2; i++ {
			again := rs.browserGet(t, loc, rs.session)
			if again.status != 200 || strings.Contains(again.body, `id="new-token-value"`) || strings.Contains(again.body, m[1]) {
				t.Fatalf("reload %d: %d, the value is shown again", i+1, again.status)
			}
		}
		if n := count("once"); n != 1 {
			t.Fatalf("%d tokens named once, want 1", n)
		}
	})

	t.Run("another session of the same user, or another user, does not get it", func(t *testing.T) {
		loc := generate(t, "bound")
		other, _ := rs.newSession(t, "admin", "pw")
		bob, _ := rs.newSession(t, "bob", "bob-pw")
		for _, ck := range []*http.Cookie{other, bob, nil} {
			if r := rs.browserGet(t, loc, ck); strings.Contains(r.body, `id="new-token-value"`) {
				t.Fatalf("another caller (%v) was shown the token", ck)
			}
		}
		if r := rs.browserGet(t, loc, rs.session); !tokenValue.MatchString(r.body) {
			t.Fatalf("the session that generated it no longer gets it: %d", r.status)
		}
	})

	t.Run("a second Generate before the GET replaces the first: one pending value per session", func(t *testing.T) {
		first := generate(t, "first")
		second := generate(t, "second")
		if r := rs.browserGet(t, first, rs.session); strings.Contains(r.body, `id="new-token-value"`) {
			t.Fatalf("the first pending value is still served")
		}
		if r := rs.browserGet(t, second, rs.session); !tokenValue.MatchString(r.body) || !strings.Contains(r.body, "second") {
			t.Fatalf("the second pending value is not served")
		}
	})

	t.Run("after five minutes the value is gone", func(t *testing.T) {
		loc := generate(t, "late")
		rs.app.Flash.SetClock(func() time.Time { return time.Now().Add(flash.Lifetime + time.Second) })
		t.Cleanup(func() { rs.app.Flash.SetClock(nil) })
		if r := rs.browserGet(t, loc, rs.session); strings.Contains(r.body, `id="new-token-value"`) {
			t.Fatalf("an expired value was shown")
		}
	})

	t.Run("with the store full the POST answers the page itself, as before", func(t *testing.T) {
		for i := 0; rs.app.Flash.Len() < flash.MaxEntries; i++ {
			if _, ok := rs.app.Flash.Put(fmt.Sprintf("filler-%d", i), "x", "page", 200, []byte("x")); !ok {
				t.Fatal("filling the store")
			}
		}
		t.Cleanup(rs.app.Flash.Clear)
		res := rs.browserPost(t, "user/admin/security/generate", "me/security/", "newTokenName=full", rs.session, rs.sessionCrumb)
		if res.status != 200 || !tokenValue.MatchString(res.body) {
			t.Fatalf("%d\n%s", res.status, res.body)
		}
		if got := rs.app.Flash.Len(); got != flash.MaxEntries {
			t.Fatalf("%d entries, want the cap %d", got, flash.MaxEntries)
		}
	})

	t.Run("generateNewToken over the API still answers the token in JSON", func(t *testing.T) {
		for _, h := range []map[string]string{basic("admin", rs.adminToken), {"Jenkins-Crumb": rs.sessionCrumb}} {
			ck := rs.session
			if h["Authorization"] != "" {
				ck = nil
			}
			r := rs.raw(t, "POST", "me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken", "newTokenName=api", h, ck)
			if r.status != 200 || !strings.Contains(r.body, `"tokenValue":"`) {
				t.Fatalf("%d %s", r.status, r.body)
			}
		}
	})

	t.Run("API callers keep Jenkins's 302 after an action", func(t *testing.T) {
		p := rs.fixtures(t, "job/{job}/disable")
		r := rs.raw(t, "POST", p, "", basic("admin", rs.adminToken))
		if r.status != http.StatusFound || !strings.HasSuffix(r.header.Get("Location"), "/api/json") {
			t.Fatalf("%d %q", r.status, r.header.Get("Location"))
		}
	})
}
