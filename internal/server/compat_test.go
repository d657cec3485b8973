package server_test

import (
	"encoding/json"
	"html"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// TestBuildAnswersEachClientInItsForm: POST /job/N/build answers 201 with
// the queue item's Location to everyone, with Jenkins's empty body for
// clients that do not accept text (gojenkins decodes every body as JSON)
// and "Started build for job N" for those that do (curl's */*).
func TestBuildAnswersEachClientInItsForm(t *testing.T) {
	rs := newRouteStack(t)
	job := strings.TrimSuffix(strings.TrimPrefix(rs.fixtures(t, "job/{job}/"), "job/"), "/")
	for _, tc := range []struct {
		accept string
		text   bool
	}{
		{"", false},
		{"application/json", false},
		{"application/json, text/javascript", false},
		{"*/*", true},
		{"text/*", true},
		{"text/plain", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},
		{"*/*, text/plain;q=0", false},
		{"text/plain; q=0.0", false},
	} {
		name := "with Accept " + tc.accept
		if tc.accept == "" {
			name = "without an Accept header"
		}
		t.Run(name+" the body is "+map[bool]string{true: "the text", false: "empty"}[tc.text], func(t *testing.T) {
			h := basic("admin", rs.adminToken)
			if tc.accept != "" {
				h["Accept"] = tc.accept
			}
			res := rs.raw(t, "POST", "job/"+job+"/build?delay=3600sec", "", h)
			if res.status != 201 || !strings.HasPrefix(res.header.Get("Location"), rs.url+"queue/item/") {
				t.Fatalf("%d Location %q, want 201 and the queue item", res.status, res.header.Get("Location"))
			}
			want := ""
			if tc.text {
				want = "Started build for job " + job + "\n"
			}
			if res.body != want {
				t.Fatalf("body %q, want %q", res.body, want)
			}
			if !tc.text && res.header.Get("Content-Length") != "0" {
				t.Fatalf("Content-Length %q, want 0", res.header.Get("Content-Length"))
			}
		})
	}
}

// TestEndpointsRealClientsCall drives the URLs jcli, gojenkins and the
// web UI call that jeeves did not answer: the first step of a new node,
// a node's log, descriptions of users and builds, a build's display
// name, deleting a user through the security realm, and queue items of
// jobs in folders.
func TestEndpointsRealClientsCall(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	form := func(h map[string]string) map[string]string {
		out := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	getJSON := func(t *testing.T, path string, v any) {
		t.Helper()
		res := rs.raw(t, "GET", path, "", admin)
		if res.status != 200 {
			t.Fatalf("GET %s: %d %s", path, res.status, res.body)
		}
		if err := json.Unmarshal([]byte(res.body), v); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, res.body)
		}
	}
	nodeExists := func(t *testing.T, name string) bool {
		return rs.raw(t, "GET", "computer/"+name+"/api/json", "", admin).status == 200
	}

	t.Run("computer/createItem with the agent's mode checks the name and creates nothing", func(t *testing.T) {
		res := rs.raw(t, "POST", "computer/createItem?name=step-one&mode=hudson.slaves.DumbSlave", "", admin)
		if res.status != 200 || !strings.Contains(res.body, "step-one") {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if nodeExists(t, "step-one") {
			t.Fatal("the first step created the agent")
		}
	})
	t.Run("computer/createItem refuses bad modes and names with Jenkins's 400s", func(t *testing.T) {
		rs.fixtures(t, "computer/{node}/") // agent-N exists
		taken := "agent-" + itoa(int64(rs.n))
		for _, tc := range []struct{ query, xerror string }{
			{"name=x1&mode=hudson.plugins.Cloudy", "No node type ‘hudson.plugins.Cloudy’ is known"},
			{"name=x2", "No mode given"},
			{"name=x3&type=hudson.slaves.DumbSlave", "No mode given"},
			{"mode=hudson.slaves.DumbSlave", "Query parameter 'name' is required"},
			{"name=" + taken + "&mode=hudson.slaves.DumbSlave", "Agent called ‘" + taken + "’ already exists"},
			{"name=x4&mode=copy&from=nope", "No such agent: nope"},
			{"name=x5&mode=copy", "Specify which agent to copy"},
		} {
			res := rs.raw(t, "POST", "computer/createItem?"+tc.query, "", admin)
			if res.status != 400 || res.header.Get("X-Error") != tc.xerror {
				t.Errorf("%s: %d X-Error %q, want 400 %q", tc.query, res.status, res.header.Get("X-Error"), tc.xerror)
			}
		}
		for _, n := range []string{"x1", "x2", "x3", "x4", "x5"} {
			if nodeExists(t, n) {
				t.Errorf("%s was stored by a refused request", n)
			}
		}
	})
	t.Run("computer/createItem creates from a posted config.xml and copies with mode=copy", func(t *testing.T) {
		xml := `<slave><name>ignored</name><description>from xml</description><remoteFS>/srv</remoteFS><numExecutors>2</numExecutors><mode>NORMAL</mode><label>linux arm</label></slave>`
		if res := rs.raw(t, "POST", "computer/createItem?name=from-xml", xml, admin); res.status != 200 {
			t.Fatalf("XML: %d %s", res.status, res.body)
		}
		if res := rs.raw(t, "POST", "computer/createItem", "name=copied&mode=copy&from=from-xml", form(admin)); res.status != 302 {
			t.Fatalf("copy: %d %s", res.status, res.body)
		}
		for _, name := range []string{"from-xml", "copied"} {
			var n struct {
				Description  string
				NumExecutors int
			}
			getJSON(t, "computer/"+name+"/api/json", &n)
			if n.Description != "from xml" || n.NumExecutors != 2 {
				t.Errorf("%s: %+v", name, n)
			}
			cfg := rs.raw(t, "GET", "computer/"+name+"/config.xml", "", admin).body
			if !strings.Contains(cfg, "<name>"+name+"</name>") || !strings.Contains(cfg, "<label>linux arm</label>") {
				t.Errorf("%s config.xml:\n%s", name, cfg)
			}
		}
	})
	t.Run("a node's log is empty with more to come", func(t *testing.T) {
		node := strings.TrimSuffix(rs.fixtures(t, "computer/{node}/"), "/")
		for _, p := range []string{node, "computer/(built-in)"} {
			res := rs.raw(t, "GET", p+"/logText/progressiveText?start=0", "", admin)
			if res.status != 200 || res.body != "" || res.header.Get("X-Text-Size") != "0" || res.header.Get("X-More-Data") != "true" {
				t.Errorf("%s: %d %q X-Text-Size %q X-More-Data %q", p, res.status, res.body, res.header.Get("X-Text-Size"), res.header.Get("X-More-Data"))
			}
		}
	})
	t.Run("a user's description is stored and shown", func(t *testing.T) {
		res := rs.raw(t, "POST", "user/admin/submitDescription", "description=Runs+the+place", form(admin))
		if res.status != 302 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		var u struct{ Description *string }
		getJSON(t, "user/admin/api/json", &u)
		if u.Description == nil || *u.Description != "Runs the place" {
			t.Fatalf("description %v", u.Description)
		}
	})
	t.Run("another user may not set a user's description", func(t *testing.T) {
		h := form(basic("bob", "bob-pw"))
		h["Jenkins-Crumb"] = rs.bobCrumb
		if res := rs.raw(t, "POST", "user/admin/submitDescription", "description=mine", h); res.status != 403 {
			t.Fatalf("%d %s", res.status, res.body)
		}
	})
	t.Run("securityRealm/user/NAME/doDelete deletes the user", func(t *testing.T) {
		p := rs.fixtures(t, "securityRealm/user/{victim}/doDelete")
		victim := strings.Split(p, "/")[2]
		if res := rs.raw(t, "POST", p, "", admin); res.status != 302 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if res := rs.raw(t, "GET", "user/"+victim+"/api/json", "", admin); res.status != 404 {
			t.Fatalf("the user is still there: %d", res.status)
		}
	})
	t.Run("a build's description and display name are stored and shown", func(t *testing.T) {
		b := strings.TrimSuffix(rs.fixtures(t, "job/{job}/{n}/"), "/")
		if res := rs.raw(t, "POST", b+"/submitDescription", "description=first+words", form(admin)); res.status != 302 {
			t.Fatalf("submitDescription: %d %s", res.status, res.body)
		}
		var got struct {
			DisplayName, FullDisplayName string
			Description                  *string
		}
		getJSON(t, b+"/api/json", &got)
		if got.Description == nil || *got.Description != "first words" || got.DisplayName != "#1" {
			t.Fatalf("after submitDescription: %+v", got)
		}
		body := "json=" + url.QueryEscape(`{"displayName":"  release 1.0 ","description":"shipped"}`) + "&Submit=Save"
		if res := rs.raw(t, "POST", b+"/configSubmit", body, form(admin)); res.status != 302 {
			t.Fatalf("configSubmit: %d %s", res.status, res.body)
		}
		getJSON(t, b+"/api/json", &got)
		job := strings.Split(b, "/")[1]
		if got.DisplayName != "release 1.0" || got.FullDisplayName != job+" release 1.0" || *got.Description != "shipped" {
			t.Fatalf("after configSubmit: %+v", got)
		}
		body = "json=" + url.QueryEscape(`{"displayName":"","description":""}`)
		rs.raw(t, "POST", b+"/configSubmit", body, form(admin))
		getJSON(t, b+"/api/json", &got)
		if got.DisplayName != "#1" || got.Description != nil {
			t.Fatalf("after clearing: %+v", got)
		}
	})
	t.Run("a build's configSubmit without the json field is Stapler's 400 and changes nothing", func(t *testing.T) {
		b := strings.TrimSuffix(rs.fixtures(t, "job/{job}/{n}/"), "/")
		for _, tc := range []struct{ body, msg string }{
			{"displayName=x&description=y", "This page expects a form submission"},
			{"", "Nothing is submitted"},
			{"json=" + url.QueryEscape(`{"displayName":"only"}`), "The json field must hold both displayName and description"},
			{"json=not-json", "The json field is not a JSON object"},
		} {
			res := rs.raw(t, "POST", b+"/configSubmit", tc.body, form(admin))
			if res.status != 400 || !strings.Contains(res.body, tc.msg) {
				t.Errorf("%q: %d, want 400 %q\n%s", tc.body, res.status, tc.msg, res.body)
			}
		}
		var got struct{ DisplayName string }
		getJSON(t, b+"/api/json", &got)
		if got.DisplayName != "#1" {
			t.Fatalf("a refused configSubmit changed the build: %+v", got)
		}
	})
	t.Run("a queue item's task name is the job's own name inside a folder", func(t *testing.T) {
		p := rs.fixtures(t, "job/{folder}/job/{job}/")
		if res := rs.raw(t, "POST", p+"build?delay=3600sec", "", admin); res.status != 201 {
			t.Fatalf("build: %d %s", res.status, res.body)
		}
		job := strings.Split(p, "/")[3]
		var q struct {
			Items []struct{ Task struct{ Name, URL string } }
		}
		getJSON(t, "queue/api/json", &q)
		for _, it := range q.Items {
			if strings.HasSuffix(it.Task.URL, p) {
				if it.Task.Name != job {
					t.Fatalf("task.name %q, want %q", it.Task.Name, job)
				}
				return
			}
		}
		t.Fatalf("no queue item for %s in %+v", p, q.Items)
	})
}

// TestViewsAsJenkinsHasThem: "My View" is created and read like a list
// view; itemCategories answers Jenkins's categories; a view's createItem
// creates as /createItem does (a list view then lists the item); and a
// list view's configSubmit changes what the form sets, keeps the rest
// and stores nothing when refused.
func TestViewsAsJenkinsHasThem(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	form := func(h map[string]string) map[string]string {
		out := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	bob := form(basic("bob", "bob-pw"))
	bob["Jenkins-Crumb"] = rs.bobCrumb
	type view struct {
		Class       string `json:"_class"`
		Name        string
		Description *string
		Jobs        []struct{ Name string }
	}
	getView := func(t *testing.T, name string, h map[string]string) view {
		t.Helper()
		res := rs.raw(t, "GET", "view/"+name+"/api/json", "", h)
		if res.status != 200 {
			t.Fatalf("GET view/%s: %d %s", name, res.status, res.body)
		}
		var v view
		if err := json.Unmarshal([]byte(res.body), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	jobNames := func(v view) string {
		var ns []string
		for _, j := range v.Jobs {
			ns = append(ns, j.Name)
		}
		return strings.Join(ns, " ")
	}
	for _, name := range []string{"alpha", "beta", "gamma"} {
		if res := rs.raw(t, "POST", "createItem?name="+name, shellXML, admin); res.status != 200 {
			t.Fatalf("create %s: %d %s", name, res.status, res.body)
		}
	}

	t.Run("a My View is created from the form and lists the jobs the caller may configure", func(t *testing.T) {
		body := "name=mine&mode=hudson.model.MyView&json=" + url.QueryEscape(`{"name":"mine","mode":"hudson.model.MyView"}`)
		if res := rs.raw(t, "POST", "createView", body, form(admin)); res.status != 302 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		v := getView(t, "mine", admin)
		if v.Class != "hudson.model.MyView" || v.Name != "mine" || jobNames(v) != "alpha beta gamma" {
			t.Fatalf("admin sees %+v", v)
		}
		if v := getView(t, "mine", basic("bob", "bob-pw")); v.Class != "hudson.model.MyView" || len(v.Jobs) != 0 {
			t.Fatalf("bob, who may configure nothing, sees %+v", v)
		}
		cfg := rs.raw(t, "GET", "view/mine/config.xml", "", admin).body
		if !strings.Contains(cfg, "<hudson.model.MyView>") {
			t.Fatalf("config.xml:\n%s", cfg)
		}
	})
	t.Run("a My View is created from Jenkins's XML", func(t *testing.T) {
		xml := `<hudson.model.MyView><name>mine2</name><filterExecutors>false</filterExecutors><filterQueue>false</filterQueue><properties class="hudson.model.View$PropertyList"/></hudson.model.MyView>`
		if res := rs.raw(t, "POST", "createView?name=mine2", xml, admin); res.status != 200 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if v := getView(t, "mine2", admin); v.Class != "hudson.model.MyView" {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("an unknown view type or none is Jenkins's 400 and nothing is stored", func(t *testing.T) {
		for _, tc := range []struct{ body, xerror string }{
			{"name=odd&mode=hudson.plugins.nested_view.NestedView", "No view type ‘hudson.plugins.nested_view.NestedView’ is known"},
			{"name=odd", "No view type is specified"},
		} {
			res := rs.raw(t, "POST", "createView", tc.body, form(admin))
			if res.status != 400 || res.header.Get("X-Error") != tc.xerror {
				t.Errorf("%s: %d X-Error %q, want 400 %q", tc.body, res.status, res.header.Get("X-Error"), tc.xerror)
			}
		}
		if res := rs.raw(t, "GET", "view/odd/api/json", "", admin); res.status != 404 {
			t.Fatalf("view odd was stored: %d", res.status)
		}
	})
	t.Run("itemCategories answers Jenkins's categories to those who may create", func(t *testing.T) {
		rs.raw(t, "POST", "createView?name=team&mode=hudson.model.ListView", "", admin)
		for _, p := range []string{"view/all/itemCategories?depth=3", "view/team/itemCategories?depth=3"} {
			res := rs.raw(t, "GET", p, "", admin)
			var cats struct {
				Class      string `json:"_class"`
				Categories []struct {
					ID, Name  string
					MinToShow int
					Order     int
					Items     []map[string]any
				}
			}
			if res.status != 200 || json.Unmarshal([]byte(res.body), &cats) != nil || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
				t.Fatalf("%s: %d %s", p, res.status, res.body)
			}
			if cats.Class != "jenkins.model.item_category.Categories" || len(cats.Categories) != 2 ||
				cats.Categories[0].ID != "standalone-projects" || cats.Categories[0].Items[0]["class"] != "hudson.model.FreeStyleProject" ||
				cats.Categories[1].ID != "nested-projects" || cats.Categories[1].Items[0]["class"] != "com.cloudbees.hudson.plugins.folder.Folder" {
				t.Fatalf("%s: %s", p, res.body)
			}
			if !strings.Contains(res.header.Get("Cache-Control"), "no-store") {
				t.Errorf("%s: Cache-Control %q", p, res.header.Get("Cache-Control"))
			}
			if res := rs.raw(t, "GET", p, "", basic("bob", "bob-pw")); res.status != 403 {
				t.Errorf("%s as bob: %d, want 403", p, res.status)
			}
		}
	})
	t.Run("a view's createItem creates the job and a list view lists it", func(t *testing.T) {
		if res := rs.raw(t, "POST", "view/team/createItem?name=made-in-team", shellXML, admin); res.status != 200 {
			t.Fatalf("XML: %d %s", res.status, res.body)
		}
		body := "name=made-by-form&mode=hudson.model.FreeStyleProject&json=" + url.QueryEscape(`{"name":"made-by-form","mode":"hudson.model.FreeStyleProject","addToCurrentView":false}`)
		if res := rs.raw(t, "POST", "view/team/createItem", body, form(admin)); res.status != 302 {
			t.Fatalf("form: %d %s", res.status, res.body)
		}
		if res := rs.raw(t, "POST", "view/all/createItem?name=made-in-all", shellXML, admin); res.status != 200 {
			t.Fatalf("all: %d %s", res.status, res.body)
		}
		for _, j := range []string{"made-in-team", "made-by-form", "made-in-all"} {
			if res := rs.raw(t, "GET", "job/"+j+"/api/json", "", admin); res.status != 200 {
				t.Errorf("job %s was not created: %d", j, res.status)
			}
		}
		if got := jobNames(getView(t, "team", admin)); got != "made-in-team" {
			t.Fatalf("team lists %q, want made-in-team only", got)
		}
	})
	t.Run("a list view's configSubmit sets what the form says and keeps the rest", func(t *testing.T) {
		xml := `<hudson.model.ListView><name>cfg</name><filterExecutors>false</filterExecutors><filterQueue>false</filterQueue><properties class="hudson.model.View$PropertyList"/><jobNames><comparator class="hudson.util.CaseInsensitiveComparator"/></jobNames><jobFilters/><columns><hudson.views.StatusColumn/><hudson.views.JobColumn/></columns><recurse>false</recurse></hudson.model.ListView>`
		if res := rs.raw(t, "POST", "createView?name=cfg", xml, admin); res.status != 200 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		rs.raw(t, "POST", "job/gamma/disable", "", admin)
		body := "name=renamed&item_alpha=on&item_gamma=on&useincluderegex=on&includeRegex=b.*&statusFilter=1&json=" +
			url.QueryEscape(`{"name":"renamed","description":"Team jobs","filterExecutors":true,"recurse":false}`)
		if res := rs.raw(t, "POST", "view/cfg/configSubmit", body, form(admin)); res.status != 302 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if res := rs.raw(t, "GET", "view/cfg/api/json", "", admin); res.status != 404 {
			t.Errorf("the old name still answers: %d", res.status)
		}
		v := getView(t, "renamed", admin)
		// alpha ticked, beta by the regex, gamma ticked but disabled (status filter: enabled only).
		if v.Description == nil || *v.Description != "Team jobs" || jobNames(v) != "alpha beta" {
			t.Fatalf("after configSubmit: %+v (jobs %s)", v, jobNames(v))
		}
		cfg := rs.raw(t, "GET", "view/renamed/config.xml", "", admin).body
		for _, want := range []string{"<name>renamed</name>", "<columns><hudson.views.StatusColumn/><hudson.views.JobColumn/></columns>",
			"<filterExecutors>true</filterExecutors>", "<includeRegex>b.*</includeRegex>", "<statusFilter>true</statusFilter>", "<string>gamma</string>"} {
			if !strings.Contains(cfg, want) {
				t.Errorf("config.xml lacks %s:\n%s", want, cfg)
			}
		}
		// Without useincluderegex the regex goes, as in Jenkins.
		body = "name=renamed&item_gamma=on&statusFilter=2&json=" + url.QueryEscape(`{"description":"Disabled ones"}`)
		if res := rs.raw(t, "POST", "view/renamed/configSubmit", body, form(admin)); res.status != 302 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if v := getView(t, "renamed", admin); jobNames(v) != "gamma" || *v.Description != "Disabled ones" {
			t.Fatalf("second configSubmit: %+v", v)
		}
	})
	t.Run("a refused configSubmit changes nothing", func(t *testing.T) {
		before := rs.raw(t, "GET", "view/renamed/config.xml", "", admin).body
		for _, tc := range []struct{ body, msg string }{
			{"name=renamed&description=x", "This page expects a form submission"},
			{"name=renamed&useincluderegex=on&includeRegex=(&json=%7B%7D", "is not valid"},
			{"name=team&json=%7B%7D", `A view already exists with the name "team"`},
			{"name=all&json=%7B%7D", `A view already exists with the name "all"`},
			{"name=a%2Fb&json=%7B%7D", "unsafe character"},
			{"json=%7B%7D", "No name is specified"},
		} {
			res := rs.raw(t, "POST", "view/renamed/configSubmit", tc.body, form(admin))
			if res.status != 400 || !strings.Contains(html.UnescapeString(res.body), tc.msg) {
				t.Errorf("%s: %d, want 400 %q\n%s", tc.body, res.status, tc.msg, res.body)
			}
		}
		if after := rs.raw(t, "GET", "view/renamed/config.xml", "", admin).body; after != before {
			t.Fatalf("config.xml changed:\n%s\n---\n%s", before, after)
		}
		if res := rs.raw(t, "POST", "view/renamed/configSubmit", "name=renamed&json=%7B%7D", bob); res.status != 403 {
			t.Fatalf("bob: %d", res.status)
		}
	})
}

// TestPermalinksAreFullBuilds: a job's permalinks (lastBuild,
// lastCompletedBuild, firstBuild…) and a left queue item's executable are
// builds: {number,url} at the default depth, every field a build has
// when depth= or tree= reaches into them, as Jenkins exports a Run
// wherever it appears (Backstage filters lastBuild.actions).
func TestPermalinksAreFullBuilds(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	b := rs.fixtures(t, "job/{job}/{n}/")
	job := "job/" + strings.Split(b, "/")[1] + "/"
	get := func(t *testing.T, path string) map[string]any {
		t.Helper()
		res := rs.raw(t, "GET", path, "", admin)
		var m map[string]any
		if res.status != 200 || json.Unmarshal([]byte(res.body), &m) != nil {
			t.Fatalf("GET %s: %d %s", path, res.status, res.body)
		}
		return m
	}
	keys := func(v any) string {
		m, _ := v.(map[string]any)
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, ",")
	}
	permalinks := []string{"firstBuild", "lastBuild", "lastCompletedBuild", "lastSuccessfulBuild", "lastStableBuild"}
	full := []string{"actions", "building", "description", "displayName", "duration", "fullDisplayName", "id", "number", "result", "timestamp", "url"}

	t.Run("at the default depth a permalink is its number and url", func(t *testing.T) {
		m := get(t, job+"api/json")
		for _, l := range permalinks {
			if got := keys(m[l]); got != "_class,number,url" {
				t.Errorf("%s: %s", l, got)
			}
		}
	})
	t.Run("at depth 1 every permalink is the whole build", func(t *testing.T) {
		m := get(t, job+"api/json?depth=1")
		for _, l := range permalinks {
			got := keys(m[l])
			for _, k := range full {
				if !strings.Contains(","+got+",", ","+k+",") {
					t.Errorf("%s lacks %s: %s", l, k, got)
				}
			}
		}
	})
	t.Run("a tree picks a permalink's build fields, actions included", func(t *testing.T) {
		m := get(t, job+"api/json?tree=lastBuild[number,result,building,timestamp,duration,actions[*]]")
		lb, _ := m["lastBuild"].(map[string]any)
		if keys(lb) != "_class,actions,building,duration,number,result,timestamp" || lb["result"] != "SUCCESS" {
			t.Fatalf("lastBuild %v", lb)
		}
		if acts, ok := lb["actions"].([]any); !ok || len(acts) == 0 {
			t.Fatalf("actions %v", lb["actions"])
		}
	})
	t.Run("Backstage's project list gets lastBuild's actions as an array", func(t *testing.T) {
		tree := "jobs[actions[*],lastBuild[number,url,fullDisplayName,displayName,building,result,timestamp,duration,actions[*[*[*[*]]]]],jobs{0,1},url,name,fullName,displayName,fullDisplayName,inQueue]{0,50}"
		m := get(t, "api/json?tree="+url.QueryEscape(tree))
		jobs, _ := m["jobs"].([]any)
		found := false
		for _, j := range jobs {
			jm := j.(map[string]any)
			if lb, ok := jm["lastBuild"].(map[string]any); ok {
				found = true
				if _, ok := lb["actions"].([]any); !ok {
					t.Fatalf("%v: lastBuild.actions is %v", jm["name"], lb["actions"])
				}
				if _, ok := jm["jobs"]; ok {
					t.Fatalf("%v: a freestyle job has jobs", jm["name"])
				}
			}
		}
		if !found {
			t.Fatal("no job with a lastBuild")
		}
	})
	t.Run("a left queue item's executable is the whole build at depth 1", func(t *testing.T) {
		m := get(t, b+"api/json")
		id := int64(m["queueId"].(float64))
		item := "queue/item/" + itoa(id) + "/api/json"
		if got := keys(get(t, item)["executable"]); got != "_class,number,url" {
			t.Errorf("depth 0: %s", got)
		}
		if got := keys(get(t, item+"?depth=1")["executable"]); !strings.Contains(got, "actions") || !strings.Contains(got, "result") {
			t.Errorf("depth 1: %s", got)
		}
	})
}
