package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFailuresAreClear4xx covers the failure paths: each answers a clear
// 4xx with a message, and nothing is stored half-way.
func TestFailuresAreClear4xx(t *testing.T) {
	j := start(t, "", nil, "--executors", "1")
	tok := j.adminToken(t)
	j.createJob(t, "ok-job", shellJob("true"))
	xmlHdr := map[string]string{"Content-Type": "application/xml"}

	cases := []struct {
		name   string
		r      req
		status int
		inBody string
		xError string
	}{
		{"a wrong token is 401", req{path: "api/json", user: "admin", secret: "11" + strings.Repeat("0", 32)}, 401, "", ""},
		{"a wrong password is 401", req{path: "api/json", user: "admin", secret: "nope"}, 401, "", ""},
		{"an unknown user is 401", req{path: "api/json", user: "mallory", secret: "x"}, 401, "", ""},
		{"no credentials on a protected URL is 403", req{path: "api/json"}, 403, "Authentication required", ""},
		{"a wrong crumb is 403", req{method: "POST", path: "job/ok-job/build", user: "admin", secret: adminPassword,
			header: map[string]string{"Jenkins-Crumb": strings.Repeat("a", 64)}}, 403, "No valid crumb was included in the request", ""},
		{"a GET on build is 405", req{path: "job/ok-job/build", user: "admin", secret: tok}, 405, "This URL requires POST", ""},
		{"malformed XML is 400", req{method: "POST", path: "createItem?name=broken", user: "admin", secret: tok, header: xmlHdr,
			body: "<project><description>unclosed</project>"}, 400, "", ""},
		{"an unknown job is 404", req{path: "job/no-such-job/api/json", user: "admin", secret: tok}, 404, "", ""},
		{"an unknown build is 404", req{path: "job/ok-job/999/api/json", user: "admin", secret: tok}, 404, "", ""},
		{"a bad tree is 400", req{path: "api/json?tree=jobs[name", user: "admin", secret: tok}, 400, "Malformed tree expression", ""},
		{"a name with a slash is 400 with X-Error", req{method: "POST", path: "createItem?name=" + url.QueryEscape("a/b"), user: "admin", secret: tok,
			header: xmlHdr, body: shellJob("true")}, 400, "", "‘/’ is an unsafe character"},
		{"a name with dots is 400 with X-Error", req{method: "POST", path: "createItem?name=..", user: "admin", secret: tok,
			header: xmlHdr, body: shellJob("true")}, 400, "", "“..” is not an allowed name"},
		{"a name with a control character is 400", req{method: "POST", path: "createItem?name=a%01b", user: "admin", secret: tok,
			header: xmlHdr, body: shellJob("true")}, 400, "", ""},
		{"a duplicate name is 400", req{method: "POST", path: "createItem?name=ok-job", user: "admin", secret: tok,
			header: xmlHdr, body: shellJob("true")}, 400, "", "A job already exists with the name ‘ok-job’"},
		{"createItem without a name is 400", req{method: "POST", path: "createItem", user: "admin", secret: tok,
			header: xmlHdr, body: shellJob("true")}, 400, "", "Query parameter 'name' is required"},
		{"createItem without a content type is 400", req{method: "POST", path: "createItem?name=x", user: "admin", secret: tok,
			body: shellJob("true")}, 400, "", "No Content-Type header set"},
		{"an unknown item type is 400", req{method: "POST", path: "createItem?name=pipe", user: "admin", secret: tok, header: xmlHdr,
			body: "<flow-definition/>"}, 400, "", "No item type ‘flow-definition’ is known"},
		{"an over-large body is 413", req{method: "POST", path: "createItem?name=huge", user: "admin", secret: tok, header: xmlHdr,
			body: "<project><description>" + strings.Repeat("x", 5<<20) + "</description></project>"}, 413, "", ""},
		{"buildWithParameters on a plain job is 400", req{method: "POST", path: "job/ok-job/buildWithParameters", user: "admin", secret: tok},
			400, "ok-job is not parameterized", ""},
		{"a bad delay is 400", req{method: "POST", path: "job/ok-job/build?delay=soon", user: "admin", secret: tok}, 400, "Invalid time duration", ""},
		{"a bad config.xml update is 400", req{method: "POST", path: "job/ok-job/config.xml", user: "admin", secret: tok, header: xmlHdr,
			body: "not xml"}, 400, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := j.must(t, c.status, c.r)
			if c.inBody != "" && !strings.Contains(r.body, c.inBody) {
				t.Errorf("body lacks %q:\n%s", c.inBody, r.body)
			}
			if c.xError != "" && r.header.Get("X-Error") != c.xError {
				t.Errorf("X-Error %q, want %q", r.header.Get("X-Error"), c.xError)
			}
			if r.status == 401 && r.header.Get("WWW-Authenticate") != `Basic realm="Jenkins"` {
				t.Errorf("401 without the Basic challenge")
			}
			if r.header.Get("X-Jenkins") == "" {
				t.Errorf("no X-Jenkins header")
			}
		})
	}

	t.Run("nothing was stored half-way", func(t *testing.T) {
		var root struct{ Jobs []struct{ Name string } }
		j.json(t, "api/json", &root)
		if len(root.Jobs) != 1 || root.Jobs[0].Name != "ok-job" {
			t.Fatalf("jobs after failed requests: %+v", root.Jobs)
		}
		cfg := j.must(t, 200, req{path: "job/ok-job/config.xml", user: "admin", secret: tok})
		if cfg.body != shellJob("true") {
			t.Fatalf("config.xml changed by a failed update:\n%s", cfg.body)
		}
	})
}

// TestBrowserSession logs in with the form, as a browser does, and
// checks that session POSTs need the session's crumb.
func TestBrowserSession(t *testing.T) {
	j := start(t, "", nil)
	j.createJob(t, "web", shellJob("true"))

	t.Run("an anonymous browser is sent to the login page", func(t *testing.T) {
		r := j.must(t, 403, req{path: "job/web/", header: map[string]string{"Accept": "text/html"}})
		if !strings.Contains(r.body, "login?from=%2Fjob%2Fweb%2F") {
			t.Fatalf("no login redirect:\n%s", r.body)
		}
	})
	t.Run("the login page has Jenkins's form", func(t *testing.T) {
		r := j.must(t, 200, req{path: "login"})
		for _, want := range []string{`name="j_username"`, `name="j_password"`, `action="` + j.url + `j_spring_security_check"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("login page lacks %s", want)
			}
		}
	})
	t.Run("a wrong password goes to loginError, which is 401", func(t *testing.T) {
		r := j.must(t, 302, req{method: "POST", path: "j_spring_security_check",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "j_username=admin&j_password=bad"})
		if !strings.HasSuffix(r.header.Get("Location"), "/loginError") {
			t.Fatalf("Location %q", r.header.Get("Location"))
		}
		j.must(t, 401, req{path: "loginError"})
	})

	login := j.must(t, 302, req{method: "POST", path: "j_spring_security_check",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   "j_username=admin&j_password=" + url.QueryEscape(adminPassword) + "&from=%2Fjob%2Fweb%2F"})
	var session *http.Cookie
	for _, c := range (&http.Response{Header: login.header}).Cookies() {
		if strings.HasPrefix(c.Name, "JSESSIONID.") {
			session = c
		}
	}
	t.Run("login sets an HttpOnly SameSite=Lax session cookie and goes to from", func(t *testing.T) {
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v", session)
		}
		if login.header.Get("Location") != j.url+"job/web/" {
			t.Fatalf("Location %q", login.header.Get("Location"))
		}
	})
	cookies := []*http.Cookie{{Name: session.Name, Value: session.Value}}
	t.Run("the session reads the API and /me", func(t *testing.T) {
		r := j.must(t, 200, req{path: "me/api/json", cookies: cookies})
		var me struct{ ID string }
		json.Unmarshal([]byte(r.body), &me)
		if me.ID != "admin" {
			t.Fatalf("me: %s", r.body)
		}
	})
	t.Run("a session POST without a crumb is 403", func(t *testing.T) {
		r := j.must(t, 403, req{method: "POST", path: "job/web/build", cookies: cookies})
		if !strings.Contains(r.body, "No valid crumb") {
			t.Fatal(r.body)
		}
	})
	t.Run("a crumb made for password auth does not fit the session", func(t *testing.T) {
		j.must(t, 403, req{method: "POST", path: "job/web/build", cookies: cookies,
			header: map[string]string{"Jenkins-Crumb": j.crumb(t, "admin", adminPassword)}})
	})
	var sessionCrumb string
	t.Run("a session POST with its crumb, in the header or the form, triggers the job", func(t *testing.T) {
		var c struct{ Crumb string }
		json.Unmarshal([]byte(j.must(t, 200, req{path: "crumbIssuer/api/json", cookies: cookies}).body), &c)
		sessionCrumb = c.Crumb
		j.must(t, 201, req{method: "POST", path: "job/web/build", cookies: cookies, header: map[string]string{"Jenkins-Crumb": c.Crumb}})
		j.must(t, 201, req{method: "POST", path: "job/web/build", cookies: cookies,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "Jenkins-Crumb=" + c.Crumb})
	})
	t.Run("logout is a POST; a GET changes nothing", func(t *testing.T) {
		j.must(t, 200, req{path: "logout", cookies: cookies})
		j.must(t, 200, req{path: "me/api/json", cookies: cookies})
		j.must(t, 302, req{method: "POST", path: "logout", cookies: cookies, header: map[string]string{"Jenkins-Crumb": sessionCrumb}})
		j.must(t, 403, req{path: "me/api/json", cookies: cookies})
	})
}

// TestFirstStart checks the generated admin password, as Jenkins's
// initialAdminPassword.
func TestFirstStart(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	j := start(t, home, []string{"JEEVES_ADMIN_PASSWORD="})
	pwFile := filepath.Join(home, "secrets", "initialAdminPassword")
	st, err := os.Stat(pwFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("initialAdminPassword mode %v, want 0600", st.Mode().Perm())
	}
	pw, _ := os.ReadFile(pwFile)
	password := strings.TrimSpace(string(pw))
	if len(password) < 16 {
		t.Fatalf("password %q is too short", password)
	}
	j.must(t, 200, req{path: "api/json", user: "admin", secret: password})
	if n := strings.Count(j.logBuf.String(), password); n != 1 {
		t.Errorf("the password appears %d times in the log, want once", n)
	}
	t.Run("whoAmI works anonymously", func(t *testing.T) {
		r := j.must(t, 200, req{path: "whoAmI/api/json"})
		var w struct {
			Class         string `json:"_class"`
			Anonymous     bool
			Authenticated bool
			Name          string
		}
		json.Unmarshal([]byte(r.body), &w)
		if w.Class != "hudson.security.WhoAmI" || !w.Anonymous || !w.Authenticated || w.Name != "anonymous" {
			t.Fatalf("whoAmI: %s", r.body)
		}
	})
	t.Run("headers identify the server on every answer", func(t *testing.T) {
		for _, path := range []string{"api/json", "whoAmI/api/json", "login", "no/such/thing"} {
			r := j.do(t, req{path: path, user: "admin", secret: password})
			if r.header.Get("X-Jenkins") == "" || len(r.header.Get("X-Jenkins-Session")) != 8 ||
				r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("X-Frame-Options") == "" {
				t.Errorf("%s: headers %v", path, r.header)
			}
		}
	})
}
