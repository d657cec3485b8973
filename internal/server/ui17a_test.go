package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/authz"
)

// The pages of items, views, nodes, people and history over real HTTP:
// what they show, what their forms do and refuse, and the checks and
// completions their scripts fetch.

// uiForm POSTs v as one of the web UI's forms, with header's
// credentials (an API token: no session, so a refused form's page is
// the answer itself rather than held for a redirect).
func (rs *routeStack) uiForm(t *testing.T, path string, v url.Values, header map[string]string) rawResp {
	t.Helper()
	v = cloneValues(v)
	v.Set("jeeves-form", "1")
	h := map[string]string{"Accept": "text/html"}
	for k, x := range header {
		h[k] = x
	}
	return rs.raw(t, "POST", path, v.Encode(), h)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	return out
}

// page GETs path with header, wanting status.
func (rs *routeStack) page(t *testing.T, path string, header map[string]string, status int) string {
	t.Helper()
	r := rs.raw(t, "GET", path, "", header)
	if r.status != status {
		t.Fatalf("GET %s: %d, want %d\n%s", path, r.status, status, r.body)
	}
	return r.body
}

func has(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the answer lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("answer:\n%s", body)
	}
}

func TestItemPages(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	rs.adminDo(t, "POST", "createItem?name=src", postedXML)
	rs.adminDo(t, "POST", "createItem?name=team&mode=com.cloudbees.hudson.plugins.folder.Folder", "")
	rs.adminDo(t, "POST", "job/team/createItem?name=inner", shellXML)
	src := job(t, rs, "src")

	t.Run("Copy from makes the item from the source's config.xml and opens its Configure page", func(t *testing.T) {
		res := rs.browserPost(t, "view/all/newJob", "view/all/newJob", "mode=copy&name=copied&from=src", rs.session, rs.sessionCrumb)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"job/copied/configure" {
			t.Fatalf("%d %q\n%s", res.status, res.header.Get("Location"), res.body)
		}
		if got := string(job(t, rs, "copied").ConfigXML); got != string(src.ConfigXML) {
			t.Fatalf("the copy's config.xml:\n%s\nwant the source's:\n%s", got, src.ConfigXML)
		}
	})
	t.Run("in a folder Copy from names its source from the folder, or from the top with a leading slash", func(t *testing.T) {
		for _, c := range []struct{ name, from, source string }{{"c1", "inner", "team/inner"}, {"c2", "/src", "src"}} {
			res := rs.uiForm(t, "job/team/newJob", url.Values{"mode": {"copy"}, "name": {c.name}, "from": {c.from}}, admin)
			if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"job/team/job/"+c.name+"/configure" {
				t.Fatalf("from %s: %d %q", c.from, res.status, res.header.Get("Location"))
			}
			if string(job(t, rs, "team/"+c.name).ConfigXML) != string(job(t, rs, c.source).ConfigXML) {
				t.Fatalf("team/%s is not a copy of %s", c.name, c.source)
			}
		}
	})
	t.Run("Copy from that cannot copy comes back as typed, the reason beside its field, and stores nothing", func(t *testing.T) {
		for _, c := range []struct{ name, from, want string }{
			{"n1", "", "Enter the name of the item to copy"},
			{"n2", "nope", "No such item: nope"},
			{"a&lt;b", "src", "is an unsafe character"},
			{"src", "src", "A job already exists with the name ‘src’"},
			{"", "src", "Enter an item name"},
		} {
			name, _ := url.QueryUnescape(strings.ReplaceAll(c.name, "&lt;", "%3C"))
			res := rs.uiForm(t, "view/all/newJob", url.Values{"mode": {"copy"}, "name": {name}, "from": {c.from}}, admin)
			if res.status != http.StatusBadRequest {
				t.Fatalf("%q from %q: %d, want 400", name, c.from, res.status)
			}
			has(t, res.body, c.want, `id="copy-name" name="name" value="`+c.name+`"`, `id="form-error"`)
			if name != "src" && name != "" {
				if _, err := rs.jobs.Get(name); err == nil {
					t.Fatalf("%q was stored", name)
				}
			}
		}
	})
	t.Run("Copy from needs Job/ExtendedRead on its source", func(t *testing.T) {
		if _, err := rs.au.CreateUser(context.Background(), "carol", "carol-pw", "", "", false); err != nil {
			t.Fatal(err)
		}
		st := stackStrategy
		st.Grants = append(slices.Clone(st.Grants), authz.Grant{Type: "USER", Sid: "carol", Permissions: []string{authz.ItemCreate}})
		if err := rs.app.Authz.Set(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rs.reset)
		h := basic("carol", "carol-pw")
		h["Jenkins-Crumb"] = crumbOf(t, rs, h)
		res := rs.uiForm(t, "view/all/newJob", url.Values{"mode": {"copy"}, "name": {"stolen"}, "from": {"src"}}, h)
		if res.status != http.StatusForbidden || res.header.Get("X-Required-Permission") != authz.ItemExtRead {
			t.Fatalf("%d %q", res.status, res.header.Get("X-Required-Permission"))
		}
		if _, err := rs.jobs.Get("stolen"); err == nil {
			t.Fatal("the copy was made")
		}
	})
	t.Run("checkJobName says what is wrong with a new item's name as it is typed", func(t *testing.T) {
		for _, c := range []struct{ path, want string }{
			{"view/all/checkJobName?value=", ""},
			{"view/all/checkJobName?value=fine", ""},
			{"view/all/checkJobName?value=a%3Cb", `<div class="error">‘&lt;’ is an unsafe character</div>`},
			{"view/all/checkJobName?value=src", `<div class="error">A job already exists with the name ‘src’</div>`},
			{"job/team/view/all/checkJobName?value=inner", `<div class="error">A job already exists with the name ‘inner’</div>`},
			{"job/team/view/all/checkJobName?value=src", ""},
		} {
			r := rs.raw(t, "GET", c.path, "", admin)
			if r.status != 200 || r.body != c.want || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %d %q, want %q", c.path, r.status, r.body, c.want)
			}
		}
		if r := rs.raw(t, "GET", "view/all/checkJobName?value=x", "", basic("bob", "bob-pw")); r.status != 403 {
			t.Errorf("bob, who may not create, was answered %d", r.status)
		}
	})
	t.Run("Copy from's completion offers the items whose names start with what is typed", func(t *testing.T) {
		complete := func(path string) []string {
			t.Helper()
			r := rs.raw(t, "GET", path, "", admin)
			var got struct {
				Class       string `json:"_class"`
				Suggestions []struct{ Name string }
			}
			if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != 200 || got.Class != "hudson.model.AutoCompletionCandidates" {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			var names []string
			for _, s := range got.Suggestions {
				names = append(names, s.Name)
			}
			return names
		}
		root := "view/all/descriptorByName/hudson.model.AllView/autoCompleteCopyNewItemFrom?value="
		folder := "job/team/view/all/descriptorByName/hudson.model.AllView/autoCompleteCopyNewItemFrom?value="
		for _, c := range []struct {
			path string
			want []string
		}{
			{root + "S", []string{"src"}},
			{root + "team/", []string{"team/c1", "team/c2", "team/inner"}},
			{folder + "in", []string{"inner"}},
			{folder + "/s", []string{"/src"}},
		} {
			if got := complete(c.path); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.path, got, c.want)
			}
		}
	})
	t.Run("the Rename page posts to confirmRename, whose refusal comes back as typed", func(t *testing.T) {
		rs.adminDo(t, "POST", "createItem?name=old", shellXML)
		body := rs.page(t, "job/old/confirm-rename", admin, 200)
		has(t, body, `action="`+rs.url+`job/old/confirmRename"`, `id="newName" name="newName" value="old"`, `data-check="`+rs.url+`job/old/checkNewName"`)
		for _, c := range []struct{ newName, want string }{
			{"a<b", "is an unsafe character"},
			{"src", "A job already exists with the name ‘src’"},
		} {
			res := rs.uiForm(t, "job/old/confirmRename", url.Values{"newName": {c.newName}}, admin)
			if res.status != 400 {
				t.Fatalf("%s: %d", c.newName, res.status)
			}
			has(t, res.body, c.want, `id="newName-check"`, `id="rename-form"`)
			job(t, rs, "old")
		}
		res := rs.uiForm(t, "job/old/confirmRename", url.Values{"newName": {" new "}}, admin)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"job/new/" {
			t.Fatalf("%d %q", res.status, res.header.Get("Location"))
		}
		job(t, rs, "new")
	})
	t.Run("checkNewName says what is wrong with the new name as it is typed", func(t *testing.T) {
		for _, c := range []struct{ value, want string }{
			{"new", `<div class="warning">The new name is the same as the current name.</div>`},
			{"src", `<div class="error">The name “src” is already in use.</div>`},
			{"a%2Fb", `<div class="error">‘/’ is an unsafe character</div>`},
			{"renamed", ""},
		} {
			r := rs.raw(t, "GET", "job/new/checkNewName?newName="+c.value, "", admin)
			if r.status != 200 || r.body != c.want {
				t.Errorf("%s: %d %q, want %q", c.value, r.status, r.body, c.want)
			}
		}
		if r := rs.raw(t, "GET", "job/new/checkNewName?newName=x", "", basic("bob", "bob-pw")); r.status != 403 {
			t.Errorf("bob, who may not configure, was answered %d", r.status)
		}
	})
	t.Run("a job and a folder offer Rename; deleting a folder says what goes with it", func(t *testing.T) {
		has(t, rs.page(t, "job/src/", admin, 200), `id="rename" href="`+rs.url+`job/src/confirm-rename"`)
		has(t, rs.page(t, "job/team/", admin, 200), `id="rename" href="`+rs.url+`job/team/confirm-rename"`, `href="`+rs.url+`job/team/newJob"`)
		has(t, rs.page(t, "job/team/delete", admin, 200), "and the 3 items in it, with their builds?")
	})
}

// crumbOf is the crumb of the caller header authenticates.
func crumbOf(t *testing.T, rs *routeStack, header map[string]string) string {
	t.Helper()
	r := rs.raw(t, "GET", "crumbIssuer/api/json", "", header)
	var c struct{ Crumb string }
	if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Crumb == "" {
		t.Fatalf("crumb: %d %s", r.status, r.body)
	}
	return c.Crumb
}

// The Rename form under Post/Redirect/Get, with
// TestEveryUIFormPOSTAnswersSeeOther's.
func init() {
	uiPOSTRoutes = append(uiPOSTRoutes, []struct {
		route, referer, body string
		setup                func(t *testing.T, rs *routeStack, path string)
		held                 string
		status               int
	}{
		{route: "job/{job}/confirmRename?newName={fresh}", referer: "job/{job}/confirm-rename"},
	}...)
}
