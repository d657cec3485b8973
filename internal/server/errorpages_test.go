package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/request"
)

// TestErrorPagesAreStyledForBrowsersAndJenkinsForClients: a browser
// (Accept names HTML) is answered a refusal with a page of the site — its
// header, navigation and CSP, and what to do next — while API clients
// keep Jenkins's exact status, headers and body.
func TestErrorPagesAreStyledForBrowsersAndJenkinsForClients(t *testing.T) {
	rs := newRouteStack(t)
	if r := rs.raw(t, "POST", "createItem?name=base", shellXML, basic("admin", rs.adminToken)); r.status != 200 {
		t.Fatal(r.status, r.body)
	}
	bob, _ := rs.newSession(t, "bob", "bob-pw")
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	site := []string{`<header class="top">`, `<nav class="crumbs" aria-label="Breadcrumb">`, `id="rest-api"`, `<main id="main">`}
	cases := []struct {
		name, method, path string
		header             map[string]string
		cookie             *http.Cookie
		status             int
		page               []string          // what the browser's page shows
		client             []string          // what Jenkins's page shows an API client
		headers            map[string]string // headers both get
	}{
		{name: "a page that does not exist", method: "GET", path: "job/missing/", cookie: rs.session, status: 404,
			page:   []string{`<h1 id="error-h">Not Found</h1>`, `There is nothing at <code>/job/missing/</code>`, `id="to-dashboard"`},
			client: []string{"<h2>HTTP ERROR 404 Not Found</h2>", "<tr><th>URI:</th><td>/job/missing/</td></tr>"}},
		{name: "a signed-in user without the permission", method: "GET", path: "manage/", cookie: bob, status: 403,
			page: []string{`<h1 id="error-h">Access Denied</h1>`, `bob is missing the Overall/Administer permission`, `You are signed in as <strong>Bob</strong> (bob).`,
				`Sign in as another user`, `action="` + rs.url + `j_spring_security_check"`, `name="from" value="/manage/"`},
			client:  []string{"<h1>Access Denied</h1>", "<p>bob is missing the Overall/Administer permission</p>"},
			headers: map[string]string{"X-Required-Permission": "hudson.model.Hudson.Administer", "X-You-Are-Authenticated-As": "bob"}},
		{name: "an anonymous caller", method: "GET", path: "job/base/", status: 403,
			page: []string{`<h1 id="error-h">Sign in to see this page</h1>`, `You are not signed in.`, `name="from" value="/job/base/"`,
				`href="` + rs.url + `login?from=%2Fjob%2Fbase%2F"`, `id="sign-in"`},
			client:  []string{"<title>Authentication required</title>", "<meta http-equiv='refresh' content='1;url=" + rs.url + "login?from=%2Fjob%2Fbase%2F'/>"},
			headers: map[string]string{"X-Required-Permission": "hudson.model.Hudson.Read"}},
		{name: "a GET of an action", method: "GET", path: "job/base/build", cookie: rs.session, status: 405,
			page: []string{`<h1 id="error-h">This URL requires POST</h1>`, `<code>` + rs.url + `job/base/build</code>`, `form method="post" name="retry" action="` + rs.url + `job/base/build"`,
				`name="Jenkins-Crumb" value="` + rs.sessionCrumb + `"`, `proceed with caution`},
			client:  []string{"<h1>This URL requires POST</h1>", `<form method="post" name="retry"><input type="submit" value="Retry using POST"></form>`},
			headers: map[string]string{"Allow": "POST"}},
		{name: "a malformed tree", method: "GET", path: "api/json?tree=" + url.QueryEscape("a["), cookie: rs.session, status: 400,
			page:   []string{`<h1 id="error-h">Bad request</h1>`, `id="error-message"`},
			client: []string{"<h2>HTTP ERROR 400 "}},
		{name: "wrong credentials", method: "GET", path: "api/json", header: basic("admin", "wrong"), status: 401,
			page:    []string{`<h1 id="error-h">Wrong user name, password or token</h1>`},
			client:  []string{"<h2>HTTP ERROR 401 Unauthorized</h2>"},
			headers: map[string]string{"WWW-Authenticate": `Basic realm="Jenkins"`}},
	}
	for _, c := range cases {
		for _, accept := range []string{browser, "", "*/*", "application/json"} {
			who := "a browser"
			if accept != browser {
				who = "a client with Accept " + map[bool]string{true: "unset", false: accept}[accept == ""]
			}
			t.Run(c.name+": "+who+" gets "+map[bool]string{true: "the site's page", false: "Jenkins's page"}[accept == browser], func(t *testing.T) {
				h := map[string]string{}
				for k, v := range c.header {
					h[k] = v
				}
				if accept != "" {
					h["Accept"] = accept
				}
				r := rs.raw(t, c.method, c.path, "", h, c.cookie)
				if r.status != c.status {
					t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
				}
				if got := r.header.Get("Content-Security-Policy"); got != request.CSP {
					t.Errorf("Content-Security-Policy %q", got)
				}
				for k, v := range c.headers {
					if got := r.header.Get(k); got != v {
						t.Errorf("%s: %q, want %q", k, got, v)
					}
				}
				want, not := c.client, site
				if accept == browser {
					want, not = append(append([]string{}, site...), c.page...), c.client
				}
				for _, w := range want {
					if !strings.Contains(r.body, w) {
						t.Errorf("the page lacks %s", w)
					}
				}
				for _, w := range not {
					if strings.Contains(r.body, w) {
						t.Errorf("the page holds %s", w)
					}
				}
				if t.Failed() {
					t.Log(r.body)
				}
			})
		}
	}

	t.Run("the browser's retry carries the crumb and runs the action", func(t *testing.T) {
		r := rs.browserPost(t, "job/base/build", "job/base/build", "", rs.session, rs.sessionCrumb)
		if r.status != http.StatusSeeOther {
			t.Fatalf("retry: %d %s", r.status, r.body)
		}
	})

	t.Run("an XMLHttpRequest of an anonymous caller still gets Jenkins's empty 403", func(t *testing.T) {
		r := rs.raw(t, "GET", "job/base/", "", map[string]string{"Accept": browser, "X-Requested-With": "XMLHttpRequest"})
		if r.status != 403 || r.body != "" {
			t.Fatalf("%d %q", r.status, r.body)
		}
	})
}

// TestThePluginManagerSaysWhatIsBuiltIn: /pluginManager/ is a page that
// says jeeves has no plugins and lists what it has built in; its API
// stays an empty list of plugins.
func TestThePluginManagerSaysWhatIsBuiltIn(t *testing.T) {
	rs := newRouteStack(t)
	r := rs.raw(t, "GET", "pluginManager/", "", map[string]string{"Accept": "text/html"}, rs.session)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for _, w := range []string{"jeeves has no plugins", "Freestyle projects", "Build periodically", "This project is parameterized",
		"Folders", "<code>cloudbees-folder</code>", "Matrix Authorization Strategy", "<code>matrix-auth</code>"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the page lacks %s", w)
		}
	}
	// The contributors the server registers name themselves there.
	for _, w := range []string{"<code>git</code>", "<code>credentials-binding</code>"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the page lacks %s, which the server runs", w)
		}
	}
	if a := rs.raw(t, "GET", "pluginManager/api/json", "", basic("admin", rs.adminToken)); a.status != 200 || !strings.Contains(a.body, `"plugins":[]`) {
		t.Fatalf("the API: %d %s", a.status, a.body)
	}
}

// TestTheRESTAPIPageDescribesItsObject: the footer's REST API link leads
// to the page of the object the page shows, which names its kind, its
// properties and what scripts post to it.
func TestTheRESTAPIPageDescribesItsObject(t *testing.T) {
	rs := newRouteStack(t)
	p := rs.fixtures(t, "job/{job}/{n}/")
	job, n := strings.Split(p, "/")[1], strings.Split(p, "/")[2]
	html := map[string]string{"Accept": "text/html"}
	for _, c := range []struct {
		page, api string
		want      []string
	}{
		{"", "api/", []string{"<h1>Jenkins: REST API</h1>", "createItem?", "<code>jobs</code>"}},
		{"job/" + job + "/", "job/" + job + "/api/", []string{"<h1>Project: REST API</h1>", "buildWithParameters?", "<code>builds</code>", "hudson.model.FreeStyleProject"}},
		{"job/" + job + "/" + n + "/", "job/" + job + "/" + n + "/api/", []string{"<h1>Build: REST API</h1>", "consoleText", "<code>result</code>"}},
	} {
		t.Run("/"+c.page+" links to /"+c.api, func(t *testing.T) {
			pg := rs.raw(t, "GET", c.page, "", html, rs.session)
			if !strings.Contains(pg.body, `href="`+rs.url+c.api+`" id="rest-api"`) {
				t.Fatalf("the footer does not link to %s", c.api)
			}
			r := rs.raw(t, "GET", c.api, "", html, rs.session)
			if r.status != 200 || r.header.Get("Content-Security-Policy") != request.CSP {
				t.Fatalf("%d %q", r.status, r.header.Get("Content-Security-Policy"))
			}
			for _, w := range append(c.want, `<header class="top">`, `href="`+rs.url+c.api+`json?pretty=true"`) {
				if !strings.Contains(r.body, w) {
					t.Errorf("the API page lacks %s", w)
				}
			}
			if t.Failed() {
				t.Log(r.body)
			}
		})
	}
}
