package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEveryStateChangingMethodNeedsACrumb: not only POST but DELETE, PUT,
// PATCH and any other method but GET, HEAD and OPTIONS needs the crumb
// from a session or a password, needs none with an API token, and is
// refused from another site even with the crumb.
func TestEveryStateChangingMethodNeedsACrumb(t *testing.T) {
	rs := newRouteStack(t)
	with := func(h map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range h {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	password := basic("admin", "pw")
	token := basic("admin", rs.adminToken)
	cases := []struct {
		name   string
		method string
		path   string
		header map[string]string
		cookie *http.Cookie
		want   int
		body   string // what the answer must contain
	}{
		{"DELETE on a job with a session and no crumb is refused", "DELETE", "job/{job}/", nil, rs.session, 403, "No valid crumb"},
		{"DELETE on a job with password Basic and no crumb is refused", "DELETE", "job/{job}/", password, nil, 403, "No valid crumb"},
		{"DELETE on a view with a session and no crumb is refused", "DELETE", "view/{view}/", nil, rs.session, 403, "No valid crumb"},
		{"DELETE on a view with password Basic and no crumb is refused", "DELETE", "view/{view}/", password, nil, 403, "No valid crumb"},
		{"DELETE on a job with a session and a wrong crumb is refused", "DELETE", "job/{job}/", map[string]string{"Jenkins-Crumb": "0123456789abcdef"}, rs.session, 403, "No valid crumb"},
		{"DELETE on a job with a session and its crumb deletes it", "DELETE", "job/{job}/", map[string]string{"Jenkins-Crumb": rs.sessionCrumb}, rs.session, 200, ""},
		{"DELETE on a job with password Basic and its crumb deletes it", "DELETE", "job/{job}/", with(password, "Jenkins-Crumb", rs.adminCrumb), nil, 200, ""},
		{"DELETE on a view with a session and its crumb deletes it", "DELETE", "view/{view}/", map[string]string{"Jenkins-Crumb": rs.sessionCrumb}, rs.session, 200, ""},
		{"DELETE on a view with password Basic and its crumb deletes it", "DELETE", "view/{view}/", with(password, "Jenkins-Crumb", rs.adminCrumb), nil, 200, ""},
		{"DELETE on a job with an API token needs no crumb", "DELETE", "job/{job}/", token, nil, 200, ""},
		{"DELETE on a view with an API token needs no crumb", "DELETE", "view/{view}/", token, nil, 200, ""},
		{"DELETE from another site with the cookie and the crumb is refused", "DELETE", "job/{job}/",
			map[string]string{"Jenkins-Crumb": rs.sessionCrumb, "Sec-Fetch-Site": "cross-site"}, rs.session, 403, "Cross-site request refused"},
		{"DELETE with another site's Origin and the cookie and the crumb is refused", "DELETE", "view/{view}/",
			map[string]string{"Jenkins-Crumb": rs.sessionCrumb, "Origin": "https://evil.example"}, rs.session, 403, "Cross-site request refused"},
		{"DELETE from another site with password Basic and the crumb is refused", "DELETE", "job/{job}/",
			with(password, "Jenkins-Crumb", rs.adminCrumb, "Sec-Fetch-Site", "cross-site"), nil, 403, "Cross-site request refused"},
		{"DELETE from the same origin with the cookie and the crumb deletes", "DELETE", "job/{job}/",
			map[string]string{"Jenkins-Crumb": rs.sessionCrumb, "Sec-Fetch-Site": "same-origin", "Origin": strings.TrimSuffix(rs.url, "/")}, rs.session, 200, ""},
		{"PUT with a session and no crumb is refused", "PUT", "job/{job}/config.xml", nil, rs.session, 403, "No valid crumb"},
		{"PATCH with password Basic and no crumb is refused", "PATCH", "job/{job}/description", password, nil, 403, "No valid crumb"},
		{"a made-up method with a session and no crumb is refused", "PURGE", "job/{job}/", nil, rs.session, 403, "No valid crumb"},
		{"OPTIONS needs no crumb", "OPTIONS", "job/{job}/api/json", password, nil, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := rs.fixtures(t, tc.path)
			res := rs.raw(t, tc.method, p, "", tc.header, tc.cookie)
			if res.status != tc.want || !strings.Contains(res.body, tc.body) {
				t.Fatalf("%s %s: %d, want %d with %q\n%s", tc.method, p, res.status, tc.want, tc.body, res.body)
			}
			// A refused DELETE left the object in place; an accepted one
			// removed it.
			if tc.method == "DELETE" {
				api := rs.raw(t, "GET", p+"api/json", "", token)
				if gone := api.status == 404; gone != (tc.want == 200) {
					t.Fatalf("after %d, GET %sapi/json answers %d", res.status, p, api.status)
				}
			}
		})
	}
}

// TestLoginRefusesCrossSite: a page on another site cannot sign its
// visitor in to an account of its choosing (login CSRF); same-origin
// forms and scripts without Origin sign in as before.
func TestLoginRefusesCrossSite(t *testing.T) {
	rs := newRouteStack(t)
	self := strings.TrimSuffix(rs.url, "/")
	cases := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"a post marked cross-site by the browser is refused", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"a post marked same-site (a sibling subdomain) is refused", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"a post with another site's Origin from an old browser is refused", map[string]string{"Origin": "https://evil.example"}, 403},
		{"a post with Origin null (a sandboxed frame) is refused", map[string]string{"Origin": "null"}, 403},
		{"a cross-site post with a matching Origin is still refused", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": self}, 403},
		{"the same-origin form signs in", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": self}, 302},
		{"a same-origin form from an old browser signs in", map[string]string{"Origin": self}, 302},
		{"a script without Origin signs in", nil, 302},
		{"a typed URL (Sec-Fetch-Site none) signs in", map[string]string{"Sec-Fetch-Site": "none"}, 302},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := rs.raw(t, "POST", "j_spring_security_check", "j_username=bob&j_password=bob-pw", tc.header)
			if res.status != tc.want {
				t.Fatalf("%d, want %d\n%s", res.status, tc.want, res.body)
			}
			var session *http.Cookie
			for _, ck := range res.cookies {
				if ck.Name == rs.au.CookieName() && ck.Value != "" {
					session = ck
				}
			}
			if tc.want == 403 {
				if session != nil {
					t.Fatal("a refused sign-in set a session cookie")
				}
				if !strings.Contains(res.body, "Cross-site sign-in refused") {
					t.Fatalf("the refusal does not say why:\n%s", res.body)
				}
				return
			}
			if session == nil {
				t.Fatal("no session cookie")
			}
			who := rs.raw(t, "GET", "whoAmI/api/json", "", nil, session)
			if !strings.Contains(who.body, `"name":"bob"`) {
				t.Fatalf("the session is not bob's: %s", who.body)
			}
		})
	}
}
