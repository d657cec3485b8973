package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEveryMethodNeedsACrumb drives the real binary: a DELETE with the
// session cookie and no crumb, or from another site, deletes nothing;
// with the crumb it deletes; and another site cannot sign a browser in.
func TestEveryMethodNeedsACrumb(t *testing.T) {
	j := start(t, "", nil)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	login := func(header map[string]string) resp {
		h := map[string]string{}
		for k, v := range form {
			h[k] = v
		}
		for k, v := range header {
			h[k] = v
		}
		return j.do(t, req{method: "POST", path: "j_spring_security_check", header: h,
			body: "j_username=admin&j_password=" + url.QueryEscape(adminPassword)})
	}
	r := login(nil)
	if r.status != 302 {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	var cookies []*http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		cookies = append(cookies, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	var crumb struct{ Crumb string }
	if err := json.Unmarshal([]byte(j.must(t, 200, req{path: "crumbIssuer/api/json", cookies: cookies}).body), &crumb); err != nil {
		t.Fatal(err)
	}
	j.createJob(t, "doomed", shellJob("true"))
	exists := func() bool {
		return j.do(t, req{path: "job/doomed/api/json", user: "admin", secret: j.adminToken(t)}).status == 200
	}

	t.Run("DELETE with the session and no crumb is refused", func(t *testing.T) {
		r := j.do(t, req{method: "DELETE", path: "job/doomed/", cookies: cookies})
		if r.status != 403 || !strings.Contains(r.body, "No valid crumb") || !exists() {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("DELETE from another site with the session and the crumb is refused", func(t *testing.T) {
		r := j.do(t, req{method: "DELETE", path: "job/doomed/", cookies: cookies,
			header: map[string]string{"Jenkins-Crumb": crumb.Crumb, "Sec-Fetch-Site": "cross-site"}})
		if r.status != 403 || !exists() {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("DELETE with the session and the crumb deletes", func(t *testing.T) {
		j.must(t, 200, req{method: "DELETE", path: "job/doomed/", cookies: cookies, header: map[string]string{"Jenkins-Crumb": crumb.Crumb}})
		if exists() {
			t.Fatal("the job is still there")
		}
	})
	t.Run("a sign-in posted from another site is refused and opens no session", func(t *testing.T) {
		r := login(map[string]string{"Origin": "https://evil.example"})
		if r.status != 403 || r.header.Get("Set-Cookie") != "" || !strings.Contains(r.body, "Cross-site sign-in refused") {
			t.Fatalf("%d Set-Cookie %q\n%s", r.status, r.header.Get("Set-Cookie"), r.body)
		}
	})
}
