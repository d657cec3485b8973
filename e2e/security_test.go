package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPasswordThrottling: repeated password failures from one address
// end in 429 with Retry-After, even for the right password, while API
// tokens keep working.
func TestPasswordThrottling(t *testing.T) {
	j := start(t, "", nil, "--throttle-failures", "3", "--throttle-address-failures", "50")
	tok := j.adminToken(t)
	for i := 0; i < 4; i++ {
		j.must(t, 401, req{path: "api/json", user: "admin", secret: "guess" + strconv.Itoa(i)})
	}
	t.Run("the right password now waits with 429 and Retry-After", func(t *testing.T) {
		r := j.must(t, 429, req{path: "api/json", user: "admin", secret: adminPassword})
		if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
			t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
		}
		if !strings.Contains(r.body, "Too many failed password attempts") {
			t.Fatalf("%s", r.body)
		}
	})
	t.Run("the login form is throttled too", func(t *testing.T) {
		j.must(t, 429, req{method: "POST", path: "j_spring_security_check",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body:   "j_username=admin&j_password=" + adminPassword})
	})
	t.Run("an API token is not throttled", func(t *testing.T) {
		j.must(t, 200, req{path: "api/json", user: "admin", secret: tok})
	})
}

// genToken calls generateNewToken as admin (password + crumb) with extra
// form fields and returns the decoded answer.
func (j *jeeves) genToken(t *testing.T, form url.Values) (status string, data map[string]any, message string) {
	t.Helper()
	r := j.must(t, 200, req{method: "POST", path: "me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken",
		user: "admin", secret: adminPassword,
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Jenkins-Crumb": j.crumb(t, "admin", adminPassword)},
		body:   form.Encode()})
	var g struct {
		Status  string
		Message string
		Data    map[string]any
	}
	if err := json.Unmarshal([]byte(r.body), &g); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return g.Status, g.Data, g.Message
}

// TestScopedTokens covers tokens beyond Jenkins: scopes, a job glob,
// expiry, rotation and the listing, with bad requests refused whole.
func TestScopedTokens(t *testing.T) {
	j := start(t, "", nil)
	j.createJob(t, "team-a", shellJob("true"))
	j.createJob(t, "other", shellJob("true"))
	value := func(t *testing.T, form url.Values) string {
		t.Helper()
		status, data, msg := j.genToken(t, form)
		if status != "ok" {
			t.Fatalf("generateNewToken %v: %s", form, msg)
		}
		return data["tokenValue"].(string)
	}
	as := func(tok string, r req) req { r.user, r.secret = "admin", tok; return r }

	t.Run("a read token reads but cannot build, with Jenkins's 403 headers", func(t *testing.T) {
		read := value(t, url.Values{"newTokenName": {"ro"}, "scope": {"read"}})
		j.must(t, 200, as(read, req{path: "api/json"}))
		r := j.must(t, 403, as(read, req{method: "POST", path: "job/team-a/build"}))
		if r.header.Get("X-Required-Permission") != "hudson.model.Item.Build" || r.header.Get("X-You-Are-Authenticated-As") != "admin" {
			t.Fatalf("%v", r.header)
		}
		j.must(t, 403, as(read, req{method: "POST", path: "me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken"}))
	})
	t.Run("a build token builds but cannot configure", func(t *testing.T) {
		build := value(t, url.Values{"newTokenName": {"ci"}, "scope": {"build"}})
		j.must(t, 201, as(build, req{method: "POST", path: "job/team-a/build?delay=0sec"}))
		j.must(t, 403, as(build, req{method: "POST", path: "job/team-a/config.xml", body: shellJob("false")}))
	})
	t.Run("a job glob hides every other job", func(t *testing.T) {
		team := value(t, url.Values{"newTokenName": {"team"}, "jobs": {"team-*"}})
		j.must(t, 200, as(team, req{path: "job/team-a/api/json"}))
		j.must(t, 404, as(team, req{path: "job/other/api/json"}))
		j.must(t, 404, as(team, req{method: "POST", path: "job/other/build"}))
		var root struct{ Jobs []struct{ Name string } }
		if err := json.Unmarshal([]byte(j.must(t, 200, as(team, req{path: "api/json"})).body), &root); err != nil {
			t.Fatal(err)
		}
		if len(root.Jobs) != 1 || root.Jobs[0].Name != "team-a" {
			t.Fatalf("jobs = %+v", root.Jobs)
		}
	})
	t.Run("expiry in days and on a date", func(t *testing.T) {
		_, data, _ := j.genToken(t, url.Values{"newTokenName": {"week"}, "expirationDuration": {"7"}})
		if want := time.Now().AddDate(0, 0, 7).Format("2006-01-02"); data["expirationDate"] != want {
			t.Fatalf("expirationDate %v, want %s", data["expirationDate"], want)
		}
		j.must(t, 200, as(data["tokenValue"].(string), req{path: "api/json"}))
		_, data, _ = j.genToken(t, url.Values{"newTokenName": {"date"}, "expirationDuration": {"custom"}, "tokenExpiration": {"2099-12-31"}})
		if data["expirationDate"] != "2099-12-31" {
			t.Fatalf("%v", data)
		}
	})
	t.Run("bad requests are refused and store nothing", func(t *testing.T) {
		var before struct{ Tokens []any }
		j.json(t, "me/apiTokens/api/json", &before)
		for _, form := range []url.Values{
			{"scope": {"everything"}},
			{"jobs": {"team-["}},
			{"expirationDuration": {"custom"}, "tokenExpiration": {"2001-01-01"}},
			{"expirationDuration": {"custom"}, "tokenExpiration": {"next tuesday"}},
			{"expirationDuration": {"-3"}},
		} {
			if status, _, msg := j.genToken(t, form); status != "error" || msg == "" {
				t.Fatalf("%v: %s %s", form, status, msg)
			}
		}
		var after struct{ Tokens []any }
		j.json(t, "me/apiTokens/api/json", &after)
		if len(after.Tokens) != len(before.Tokens) {
			t.Fatalf("%d tokens, want %d", len(after.Tokens), len(before.Tokens))
		}
	})
	t.Run("rotate issues a new value and ends the old one", func(t *testing.T) {
		status, data, _ := j.genToken(t, url.Values{"newTokenName": {"rot"}, "scope": {"read"}})
		if status != "ok" {
			t.Fatal(status)
		}
		old := data["tokenValue"].(string)
		r := j.must(t, 200, req{method: "POST", path: "me/descriptorByName/jenkins.security.ApiTokenProperty/rotate?tokenUuid=" + data["tokenUuid"].(string),
			user: "admin", secret: j.adminToken(t)})
		var g struct {
			Status string
			Data   map[string]any
		}
		json.Unmarshal([]byte(r.body), &g)
		if g.Status != "ok" || g.Data["tokenName"] != "rot" || fmt.Sprint(g.Data["scopes"]) != "[read]" {
			t.Fatalf("%s", r.body)
		}
		j.must(t, 401, as(old, req{path: "api/json"}))
		j.must(t, 200, as(g.Data["tokenValue"].(string), req{path: "api/json"}))
	})
	t.Run("the listing shows scopes, jobs, expiry and last use, never values", func(t *testing.T) {
		body := j.must(t, 200, req{path: "user/admin/apiTokens/api/json?depth=1", user: "admin", secret: j.adminToken(t)}).body
		var l struct {
			Tokens []struct {
				Name, UUID     string
				Scopes         []string
				Jobs           *string
				ExpirationDate *int64
				UseCount       int64
				LastUseIP      *string
			}
		}
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatal(err)
		}
		byName := map[string]int{}
		for i, tk := range l.Tokens {
			byName[tk.Name] = i
		}
		team := l.Tokens[byName["team"]]
		week := l.Tokens[byName["week"]]
		if team.Jobs == nil || *team.Jobs != "team-*" || team.UseCount == 0 || week.ExpirationDate == nil || fmt.Sprint(l.Tokens[byName["ro"]].Scopes) != "[read]" {
			t.Fatalf("%s", body)
		}
		if strings.Contains(body, "tokenValue") || strings.Contains(body, `"hash"`) {
			t.Fatalf("the listing leaks secrets: %s", body)
		}
	})
}

// TestTokenLifetimePolicy: an admin maximum refuses (or caps) longer
// token requests.
func TestTokenLifetimePolicy(t *testing.T) {
	refuse := start(t, "", nil, "--token-max-days", "30")
	if status, _, msg := refuse.genToken(t, url.Values{"newTokenName": {"forever"}}); status != "error" || !strings.Contains(msg, "at most 30 days") {
		t.Fatalf("%s %s", status, msg)
	}
	if status, _, msg := refuse.genToken(t, url.Values{"expirationDuration": {"10"}}); status != "ok" {
		t.Fatalf("%s %s", status, msg)
	}
	capped := start(t, "", nil, "--token-max-days", "30", "--token-max-days-policy", "cap")
	_, data, _ := capped.genToken(t, url.Values{"newTokenName": {"forever"}})
	if want := time.Now().AddDate(0, 0, 30).Format("2006-01-02"); data["expirationDate"] != want {
		t.Fatalf("expirationDate %v, want %s", data["expirationDate"], want)
	}
}

// TestAuditLog: authentication failures, token uses (by uuid) and state
// changes are recorded under the home and served to admins, newest first.
func TestAuditLog(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	j.createJob(t, "audited", shellJob("true"))
	j.must(t, 401, req{path: "api/json", user: "mallory", secret: "guess"})
	j.must(t, 201, req{method: "POST", path: "job/audited/build?delay=0sec&token=s3cr3t-trigger", user: "admin", secret: tok})
	j.must(t, 200, req{path: "api/json", user: "admin", secret: tok})
	var uuid string
	{
		var l struct{ Tokens []struct{ UUID, Name string } }
		j.json(t, "me/apiTokens/api/json", &l)
		for _, x := range l.Tokens {
			if x.Name == "tests" {
				uuid = x.UUID
			}
		}
	}
	type entry struct {
		User, Auth, TokenUUID, Addr, Action, Detail string
		Status                                      int
		Time                                        int64
	}
	var log struct {
		Entries []entry
		Total   int
	}
	t.Run("failures, token uses and changes are there, newest first", func(t *testing.T) {
		j.json(t, "manage/audit/api/json", &log)
		var fail, build, read *entry
		for i := range log.Entries {
			e := &log.Entries[i]
			switch {
			case e.Action == "auth.failure" && e.User == "mallory":
				fail = e
			case e.Action == "POST /job/audited/build":
				build = e
			case e.Action == "GET /api/json" && e.Auth == "token":
				read = e
			}
			if i > 0 && e.Time > log.Entries[i-1].Time {
				t.Fatal("not newest first")
			}
		}
		if fail == nil || fail.Addr != "127.0.0.1" || build == nil || build.Status != 201 || build.TokenUUID != uuid || read == nil || read.TokenUUID != uuid {
			t.Fatalf("%+v", log.Entries)
		}
	})
	t.Run("filters and pages", func(t *testing.T) {
		var f struct {
			Entries []entry
			Total   int
		}
		j.json(t, "manage/audit/api/json?user=mallory", &f)
		if f.Total != 1 || f.Entries[0].Action != "auth.failure" {
			t.Fatalf("%+v", f)
		}
		j.json(t, "manage/audit/api/json?action=POST&limit=1", &f)
		if len(f.Entries) != 1 || !strings.HasPrefix(f.Entries[0].Action, "POST") || f.Total < 2 {
			t.Fatalf("%+v", f)
		}
		j.must(t, 400, req{path: "manage/audit/api/json?since=yesterday", user: "admin", secret: adminPassword})
		j.must(t, 400, req{path: "manage/audit/api/json?limit=100000", user: "admin", secret: adminPassword})
	})
	t.Run("only admins read it", func(t *testing.T) {
		j.must(t, 302, req{method: "POST", path: "securityRealm/createAccountByAdmin", user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body:   "username=eve&password1=eve-pw&password2=eve-pw&fullname=Eve&email=e%40x"})
		j.must(t, 403, req{path: "manage/audit/api/json", user: "eve", secret: "eve-pw"})
	})
	t.Run("no secret reaches the file", func(t *testing.T) {
		j.stop() // flushes
		files, err := filepath.Glob(filepath.Join(j.home, "audit", "*"))
		if err != nil || len(files) < 2 {
			t.Fatalf("audit files %v: %v", files, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{tok, adminPassword, "guess", "s3cr3t-trigger", "eve-pw"} {
				if strings.Contains(string(b), secret) {
					t.Fatalf("%s holds %q", f, secret)
				}
			}
		}
	})
}

// TestCrossSiteDefence: a cookie-authenticated POST with a valid crumb is
// still refused when the browser says it came from another site.
func TestCrossSiteDefence(t *testing.T) {
	j := start(t, "", nil)
	j.createJob(t, "web", shellJob("true"))
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	login := j.must(t, 302, req{method: "POST", path: "j_spring_security_check", header: form,
		body: "j_username=admin&j_password=" + url.QueryEscape(adminPassword)})
	var cookies []*http.Cookie
	for _, c := range (&http.Response{Header: login.header}).Cookies() {
		cookies = append(cookies, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	var crumb struct{ Crumb string }
	if err := json.Unmarshal([]byte(j.must(t, 200, req{path: "crumbIssuer/api/json", cookies: cookies}).body), &crumb); err != nil {
		t.Fatal(err)
	}
	post := func(extra map[string]string) resp {
		h := map[string]string{"Jenkins-Crumb": crumb.Crumb}
		for k, v := range extra {
			h[k] = v
		}
		return j.do(t, req{method: "POST", path: "job/web/build?delay=600sec", header: h, cookies: cookies})
	}
	cases := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"same origin is accepted", map[string]string{"Origin": strings.TrimSuffix(j.url, "/"), "Sec-Fetch-Site": "same-origin"}, 201},
		{"no Origin (an old browser or a script with the cookie) is accepted", nil, 201},
		{"another site's Origin is refused", map[string]string{"Origin": "https://evil.example"}, 403},
		{"Sec-Fetch-Site cross-site is refused", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"Sec-Fetch-Site same-site (a sibling subdomain) is refused", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := post(c.header); r.status != c.want {
				t.Fatalf("status %d, want %d: %s", r.status, c.want, r.body)
			}
		})
	}
}
