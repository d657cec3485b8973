package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

const folderXML = `<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder@6.9">
  <description>a folder</description>
  <properties/>
</com.cloudbees.hudson.plugins.folder.Folder>`

// TestFolders covers items inside folders to any depth (only folders
// have jobs: Backstage reads a jobs key as a folder's).
func TestFolders(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	post := func(t *testing.T, path, body string) resp {
		return j.do(t, req{method: "POST", path: path, user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/xml"}, body: body})
	}
	if r := post(t, "createItem?name=team", folderXML); r.status != 200 {
		t.Fatalf("create folder: %d %s", r.status, r.body)
	}
	if r := post(t, "job/team/createItem?name=inner", folderXML); r.status != 200 {
		t.Fatalf("create inner folder: %d %s", r.status, r.body)
	}
	if r := post(t, "job/team/job/inner/createItem?name=deep", shellJob(`echo "$JOB_NAME $JOB_BASE_NAME"`)); r.status != 200 {
		t.Fatalf("create deep job: %d %s", r.status, r.body)
	}

	t.Run("a folder lists its jobs and has Folder's class", func(t *testing.T) {
		var f struct {
			Class    string `json:"_class"`
			FullName string
			Jobs     []struct {
				Class string `json:"_class"`
				Name  string
				URL   string
			}
		}
		j.json(t, "job/team/api/json", &f)
		if f.Class != "com.cloudbees.hudson.plugins.folder.Folder" || f.FullName != "team" || len(f.Jobs) != 1 || f.Jobs[0].Name != "inner" ||
			f.Jobs[0].URL != j.url+"job/team/job/inner/" {
			t.Fatalf("%+v", f)
		}
	})
	t.Run("a job has no jobs key", func(t *testing.T) {
		r := j.must(t, 200, req{path: "job/team/job/inner/job/deep/api/json", user: "admin", secret: tok})
		var m map[string]any
		json.Unmarshal([]byte(r.body), &m)
		if _, has := m["jobs"]; has || m["fullName"] != "team/inner/deep" || m["fullDisplayName"] != "team » inner » deep" {
			t.Fatalf("%v", m)
		}
	})
	t.Run("a job deep inside builds with its full name in JOB_NAME", func(t *testing.T) {
		r := j.must(t, 201, req{method: "POST", path: "job/team/job/inner/job/deep/build", user: "admin", secret: tok})
		b := j.waitBuild(t, r.header.Get("Location"))
		text := j.must(t, 200, req{path: "job/team/job/inner/job/deep/" + itoa(b.Number) + "/consoleText", user: "admin", secret: tok}).body
		if !strings.Contains(text, "team/inner/deep deep") {
			t.Fatal(text)
		}
	})
	t.Run("the root lists only top-level items", func(t *testing.T) {
		var root struct{ Jobs []struct{ Name string } }
		j.json(t, "api/json", &root)
		if len(root.Jobs) != 1 || root.Jobs[0].Name != "team" {
			t.Fatalf("%+v", root.Jobs)
		}
	})
	t.Run("createItem in a missing folder is 404", func(t *testing.T) {
		if r := post(t, "job/nope/createItem?name=x", shellJob("true")); r.status != 404 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("a name clash inside a folder is 400 with X-Error", func(t *testing.T) {
		r := post(t, "job/team/createItem?name=inner", shellJob("true"))
		if r.status != 400 || r.header.Get("X-Error") == "" {
			t.Fatalf("status %d X-Error %q", r.status, r.header.Get("X-Error"))
		}
	})
	t.Run("renaming a folder moves everything inside it", func(t *testing.T) {
		j.must(t, 302, req{method: "POST", path: "job/team/doRename?newName=crew", user: "admin", secret: tok})
		j.must(t, 200, req{path: "job/crew/job/inner/job/deep/api/json", user: "admin", secret: tok})
		j.must(t, 200, req{path: "job/crew/job/inner/job/deep/1/consoleText", user: "admin", secret: tok})
		j.must(t, 404, req{path: "job/team/api/json", user: "admin", secret: tok})
	})
	t.Run("deleting a folder deletes what is inside", func(t *testing.T) {
		j.must(t, 302, req{method: "POST", path: "job/crew/doDelete", user: "admin", secret: tok})
		j.must(t, 404, req{path: "job/crew/job/inner/job/deep/api/json", user: "admin", secret: tok})
		if r := post(t, "createItem?name=crew", shellJob("true")); r.status != 200 {
			t.Fatalf("the name is free again: %d %s", r.status, r.body)
		}
	})
}

// TestItemOperations covers copy, rename, enable/disable, description,
// DELETE and the redirect after a POST: a literal 302, to JSON for API
// clients and to the page for browsers.
func TestItemOperations(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	do := func(t *testing.T, method, path string, header map[string]string) resp {
		return j.do(t, req{method: method, path: path, user: "admin", secret: tok, header: header})
	}
	j.createJob(t, "orig", shellJob("echo orig"))

	t.Run("copy makes the same config.xml under a new name", func(t *testing.T) {
		r := do(t, "POST", "createItem?name=copy&mode=copy&from=orig", nil)
		if r.status != 302 || r.header.Get("Location") != j.url+"job/copy/api/json" {
			t.Fatalf("status %d Location %q", r.status, r.header.Get("Location"))
		}
		a := do(t, "GET", "job/orig/config.xml", nil).body
		b := do(t, "GET", "job/copy/config.xml", nil).body
		if a != b {
			t.Fatal("the copy's config.xml differs")
		}
	})
	t.Run("copy from a missing job is 400", func(t *testing.T) {
		if r := do(t, "POST", "createItem?name=x&mode=copy&from=missing", nil); r.status != 400 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("a browser is sent to the HTML page, a script to JSON", func(t *testing.T) {
		r := do(t, "POST", "job/copy/disable", map[string]string{"Accept": "text/html,application/xhtml+xml"})
		if r.status != 302 || r.header.Get("Location") != j.url+"job/copy/" {
			t.Fatalf("status %d Location %q", r.status, r.header.Get("Location"))
		}
		r = do(t, "POST", "job/copy/enable", nil)
		if r.status != 302 || r.header.Get("Location") != j.url+"job/copy/api/json" {
			t.Fatalf("status %d Location %q", r.status, r.header.Get("Location"))
		}
		if got := do(t, "GET", strings.TrimPrefix(r.header.Get("Location"), j.url), nil); got.status != 200 || got.header.Get("X-Error") != "" {
			t.Fatalf("the redirect target answers %d", got.status)
		}
	})
	t.Run("disable flips buildable, edits only <disabled>, and refuses builds", func(t *testing.T) {
		before := do(t, "GET", "job/orig/config.xml", nil).body
		do(t, "POST", "job/orig/disable", nil)
		after := do(t, "GET", "job/orig/config.xml", nil).body
		if strings.Replace(before, "<description>made by a test</description>", "<description>made by a test</description>", 1) == after ||
			!strings.Contains(after, "<disabled>true</disabled>") || !strings.Contains(after, "<command>echo orig</command>") {
			t.Fatalf("config.xml after disable:\n%s", after)
		}
		var job struct {
			Buildable bool
			Color     string
		}
		j.json(t, "job/orig/api/json", &job)
		if job.Buildable || job.Color != "disabled" {
			t.Fatalf("%+v", job)
		}
		if r := do(t, "POST", "job/orig/build", nil); r.status != 409 {
			t.Fatalf("build of a disabled job: %d", r.status)
		}
		do(t, "POST", "job/orig/enable", nil)
		j.json(t, "job/orig/api/json", &job)
		if !job.Buildable {
			t.Fatalf("%+v", job)
		}
	})
	t.Run("a GET on enable changes nothing", func(t *testing.T) {
		do(t, "POST", "job/orig/disable", nil)
		if r := do(t, "GET", "job/orig/enable", nil); r.status != 405 {
			t.Fatalf("status %d", r.status)
		}
		var job struct{ Buildable bool }
		j.json(t, "job/orig/api/json", &job)
		if job.Buildable {
			t.Fatal("a GET enabled the job")
		}
		do(t, "POST", "job/orig/enable", nil)
	})
	t.Run("submitting a description keeps the rest of config.xml", func(t *testing.T) {
		r := j.do(t, req{method: "POST", path: "job/orig/description", user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "description=new+%3Cwords%3E"})
		if r.status != 302 {
			t.Fatalf("status %d", r.status)
		}
		if got := do(t, "GET", "job/orig/description", nil).body; got != "new <words>" {
			t.Fatalf("description %q", got)
		}
		if x := do(t, "GET", "job/orig/config.xml", nil).body; !strings.Contains(x, "<description>new &lt;words&gt;</description>") {
			t.Fatal(x)
		}
	})
	t.Run("rename keeps builds and redirects to the renamed job", func(t *testing.T) {
		j.waitBuild(t, j.trigger(t, "orig"))
		r := do(t, "POST", "job/orig/doRename?newName=renamed", nil)
		if r.status != 302 || r.header.Get("Location") != j.url+"job/renamed/api/json" {
			t.Fatalf("status %d Location %q", r.status, r.header.Get("Location"))
		}
		if got := do(t, "GET", "job/renamed/1/consoleText", nil); got.status != 200 || !strings.Contains(got.body, "orig") {
			t.Fatalf("%d %s", got.status, got.body)
		}
		if r := do(t, "POST", "job/renamed/doRename?newName=copy", nil); r.status != 400 {
			t.Fatalf("rename onto an existing name: %d", r.status)
		}
		if r := do(t, "POST", "job/renamed/doRename?newName=a%2Fb", nil); r.status != 400 {
			t.Fatalf("rename to a bad name: %d", r.status)
		}
	})
	t.Run("DELETE on a job's URL deletes it", func(t *testing.T) {
		if r := do(t, "DELETE", "job/copy/", nil); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		j.must(t, 404, req{path: "job/copy/api/json", user: "admin", secret: tok})
	})
	t.Run("quietDown holds new builds until cancelQuietDown", func(t *testing.T) {
		j.must(t, 302, req{method: "POST", path: "quietDown", user: "admin", secret: tok})
		var root struct{ QuietingDown bool }
		j.json(t, "api/json", &root)
		if !root.QuietingDown {
			t.Fatal("quietingDown is false")
		}
		loc := j.trigger(t, "renamed")
		var item struct {
			Class string `json:"_class"`
		}
		j.json(t, strings.TrimPrefix(loc, j.url)+"api/json", &item)
		if item.Class == "hudson.model.Queue$LeftItem" {
			t.Fatal("a build started while quieting down")
		}
		j.must(t, 302, req{method: "POST", path: "cancelQuietDown", user: "admin", secret: tok})
		j.waitBuild(t, loc)
	})
}

// TestViews covers the all view and list views (python-jenkins's and
// node-jenkins's view calls).
func TestViews(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	j.createJob(t, "app", shellJob("true"))
	j.createJob(t, "lib", shellJob("true"))
	send := func(t *testing.T, path, ct, body string) resp {
		return j.do(t, req{method: "POST", path: path, user: "admin", secret: tok, header: map[string]string{"Content-Type": ct}, body: body})
	}
	const viewXML = `<?xml version="1.0" encoding="UTF-8"?>
<hudson.model.ListView>
  <name>team</name>
  <description>our jobs</description>
  <filterExecutors>false</filterExecutors>
  <filterQueue>false</filterQueue>
  <properties class="hudson.model.View$PropertyList"/>
  <jobNames>
    <comparator class="hudson.util.CaseInsensitiveComparator"/>
    <string>app</string>
  </jobNames>
  <jobFilters/>
  <columns/>
  <recurse>false</recurse>
</hudson.model.ListView>`

	t.Run("the all view is there, matched without case", func(t *testing.T) {
		var v struct {
			Class string `json:"_class"`
			Name  string
			Jobs  []struct{ Name string }
		}
		j.json(t, "view/All/api/json", &v)
		if v.Class != "hudson.model.AllView" || v.Name != "all" || len(v.Jobs) != 2 {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("createView takes Jenkins's XML", func(t *testing.T) {
		if r := send(t, "createView?name=team", "text/xml; charset=utf-8", viewXML); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var v struct {
			Class             string `json:"_class"`
			Name, Description string
			Jobs              []struct{ Name string }
		}
		j.json(t, "view/team/api/json", &v)
		if v.Class != "hudson.model.ListView" || v.Description != "our jobs" || len(v.Jobs) != 1 || v.Jobs[0].Name != "app" {
			t.Fatalf("%+v", v)
		}
		if got := j.must(t, 200, req{path: "view/team/config.xml", user: "admin", secret: tok}).body; got != viewXML {
			t.Fatalf("config.xml:\n%s", got)
		}
	})
	t.Run("the root lists the views", func(t *testing.T) {
		var root struct{ Views []struct{ Name, URL string } }
		j.json(t, "api/json", &root)
		if len(root.Views) != 2 || root.Views[1].Name != "team" || root.Views[1].URL != j.url+"view/team/" {
			t.Fatalf("%+v", root.Views)
		}
	})
	t.Run("addJobToView and removeJobFromView edit the list", func(t *testing.T) {
		j.must(t, 200, req{method: "POST", path: "view/team/addJobToView?name=lib", user: "admin", secret: tok})
		j.must(t, 200, req{method: "POST", path: "view/team/removeJobFromView?name=app", user: "admin", secret: tok})
		var v struct{ Jobs []struct{ Name string } }
		j.json(t, "view/team/api/json", &v)
		if len(v.Jobs) != 1 || v.Jobs[0].Name != "lib" {
			t.Fatalf("%+v", v)
		}
		if r := j.do(t, req{method: "POST", path: "view/team/addJobToView?name=ghost", user: "admin", secret: tok}); r.status != 400 {
			t.Fatalf("adding a missing job: %d", r.status)
		}
	})
	t.Run("a renamed job stays in its views", func(t *testing.T) {
		j.must(t, 302, req{method: "POST", path: "job/lib/doRename?newName=core", user: "admin", secret: tok})
		var v struct{ Jobs []struct{ Name string } }
		j.json(t, "view/team/api/json", &v)
		if len(v.Jobs) != 1 || v.Jobs[0].Name != "core" {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("createView from the form (node-jenkins) makes an empty list view", func(t *testing.T) {
		r := send(t, "createView", "application/x-www-form-urlencoded", "name=empty&mode=hudson.model.ListView&json=%7B%7D")
		if r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		j.must(t, 200, req{path: "view/empty/api/json", user: "admin", secret: tok})
	})
	t.Run("a view name that collides is 400 with X-Error", func(t *testing.T) {
		for _, name := range []string{"team", "all"} {
			r := send(t, "createView?name="+name, "application/xml", viewXML)
			if r.status != 400 || r.header.Get("X-Error") == "" {
				t.Fatalf("%s: status %d X-Error %q", name, r.status, r.header.Get("X-Error"))
			}
		}
	})
	t.Run("an unknown view type is 400", func(t *testing.T) {
		if r := send(t, "createView?name=d", "application/xml", "<hudson.plugins.Dashboard/>"); r.status != 400 {
			t.Fatalf("status %d", r.status)
		}
	})
	t.Run("doDelete removes the view", func(t *testing.T) {
		j.must(t, 302, req{method: "POST", path: "view/team/doDelete", user: "admin", secret: tok})
		j.must(t, 404, req{path: "view/team/api/json", user: "admin", secret: tok})
	})
}

// TestNodesAndTolerantPaths covers /computer, /label, /pluginManager and
// the tolerant paths clients send (doubled and trailing slashes,
// /api/json after an action).
func TestNodesAndTolerantPaths(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	get := func(t *testing.T, path string) resp {
		return j.must(t, 200, req{path: path, user: "admin", secret: tok})
	}
	j.createJob(t, "slow", shellJob("sleep 30"))

	t.Run("the built-in node shows the build each executor runs", func(t *testing.T) {
		loc := j.trigger(t, "slow")
		var item struct{ Executable *struct{ Number int64 } }
		for item.Executable == nil {
			j.json(t, strings.TrimPrefix(loc, j.url)+"api/json", &item)
		}
		for _, name := range []string{"(master)", "(built-in)"} {
			var n struct {
				Class       string `json:"_class"`
				DisplayName string
				Offline     bool
				Executors   []struct {
					Idle              bool
					CurrentExecutable *struct {
						Number int64
						URL    string
					}
				}
			}
			j.json(t, "computer/"+name+"/api/json?depth=2", &n)
			busy := 0
			for _, e := range n.Executors {
				if e.CurrentExecutable != nil && strings.HasSuffix(e.CurrentExecutable.URL, "/job/slow/1/") {
					busy++
				}
			}
			if n.Class != "hudson.model.Hudson$MasterComputer" || n.Offline || len(n.Executors) != 2 || busy != 1 {
				t.Fatalf("%s: %+v", name, n)
			}
		}
		var set struct {
			BusyExecutors, TotalExecutors int
			Computer                      []struct{ DisplayName string }
		}
		j.json(t, "computer/api/json", &set)
		if set.BusyExecutors != 1 || set.TotalExecutors != 2 || len(set.Computer) != 1 {
			t.Fatalf("%+v", set)
		}
		j.must(t, 302, req{method: "POST", path: "job/slow/1/stop", user: "admin", secret: tok})
	})
	t.Run("an unknown label answers 200 with no nodes", func(t *testing.T) {
		var l struct {
			Name  string
			Nodes []any
		}
		json.Unmarshal([]byte(get(t, "label/linux%20&&%20docker/api/json").body), &l)
		if l.Name != "linux && docker" || l.Nodes == nil || len(l.Nodes) != 0 {
			t.Fatalf("%+v", l)
		}
	})
	t.Run("the plugin manager honestly lists no plugins", func(t *testing.T) {
		if r := get(t, "pluginManager/api/json?depth=2"); r.body != `{"_class":"hudson.LocalPluginManager","plugins":[]}` {
			t.Fatal(r.body)
		}
	})
	t.Run("trailing slashes and doubled slashes are tolerated", func(t *testing.T) {
		get(t, "job/slow/config.xml/")
		get(t, "job/slow//1/api/json?depth=1")
		get(t, "job/slow/1/consoleText/")
		get(t, "job/slow/1/logText/progressiveText/?start=0")
	})
	t.Run("HEAD on api/json answers like GET without a body", func(t *testing.T) {
		r := j.do(t, req{method: http.MethodHead, path: "job/slow/api/json", user: "admin", secret: tok})
		if r.status != 200 || r.body != "" || r.header.Get("X-Jenkins") == "" {
			t.Fatalf("%d %q", r.status, r.body)
		}
		if r := j.do(t, req{method: http.MethodHead, path: "job/nope/api/json", user: "admin", secret: tok}); r.status != 404 {
			t.Fatalf("HEAD on a missing job: %d", r.status)
		}
	})
	t.Run("a range on a scalar is tolerated", func(t *testing.T) {
		get(t, "job/slow/api/json?tree=name,inQueue{0,50}")
	})
	t.Run("X-Error appears only on failures", func(t *testing.T) {
		if r := get(t, "api/json"); r.header.Get("X-Error") != "" {
			t.Fatal("X-Error on a success")
		}
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestAgents covers permanent agents as clients create them: stored,
// listed as never-connected (offline) nodes, configured, toggled and
// deleted, with bad input refused and nothing stored.
func TestAgents(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	outer := t
	j := start(t, home, nil)
	tok := j.adminToken(t)
	as := func(r req) req { r.user, r.secret = "admin", tok; return r }
	create := func(name, typ, js string) resp {
		q := url.Values{"name": {name}, "type": {typ}, "json": {js}}
		return j.do(t, as(req{method: "POST", path: "computer/doCreateItem?" + q.Encode()}))
	}
	// gojenkins's CreateNode: everything in the query, its misspelt
	// retentionsStrategy key included.
	gj := `{"name":"gj","nodeDescription":"from go","remoteFS":"/srv/gj","numExecutors":"2","labelString":"go linux","mode":"NORMAL","type":"hudson.slaves.DumbSlave$DescriptorImpl","retentionsStrategy":{"stapler-class":"hudson.slaves.RetentionStrategy$Always"},"launcher":{"stapler-class":"hudson.slaves.JNLPLauncher"}}`

	t.Run("a query-string create answers 302 and lists the agent offline", func(t *testing.T) {
		r := create("gj", "hudson.slaves.DumbSlave$DescriptorImpl", gj)
		if r.status != 302 || !strings.HasSuffix(r.header.Get("Location"), "computer/api/json") {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
		var set struct {
			Computer []struct {
				DisplayName  string
				Offline      bool
				NumExecutors int
			}
		}
		j.json(t, "computer/api/json", &set)
		if len(set.Computer) != 2 || set.Computer[1].DisplayName != "gj" || !set.Computer[1].Offline || set.Computer[1].NumExecutors != 2 {
			t.Fatalf("%+v", set)
		}
	})
	t.Run("bad agents are refused with a message and not stored", func(t *testing.T) {
		cases := []struct{ name, typ, js, want string }{
			{"gj", "hudson.slaves.DumbSlave", gj, "Agent called ‘gj’ already exists"},
			{"(built-in)", "hudson.slaves.DumbSlave", "{}", "built-in node"},
			{"a/b", "hudson.slaves.DumbSlave", "{}", "unsafe character"},
			{"x", "hudson.plugins.ec2.EC2Slave", "{}", "No node type"},
			{"x", "hudson.slaves.DumbSlave", `{"numExecutors":0}`, "number of executors"},
			{"x", "hudson.slaves.DumbSlave", `{"mode":"SOMETIMES"}`, "mode"},
			{"x", "hudson.slaves.DumbSlave", `{not json`, "not a JSON object"},
		}
		for _, c := range cases {
			r := create(c.name, c.typ, c.js)
			if r.status != 400 || !strings.Contains(r.header.Get("X-Error"), c.want) {
				t.Fatalf("%s/%s: %d X-Error %q", c.name, c.typ, r.status, r.header.Get("X-Error"))
			}
		}
		j.must(t, 404, as(req{path: "computer/x/api/json"}))
	})
	t.Run("config.xml reads back, takes edits, and refuses a rename or bad XML", func(t *testing.T) {
		x := j.must(t, 200, as(req{path: "computer/gj/config.xml"})).body
		if !strings.Contains(x, "<remoteFS>/srv/gj</remoteFS>") || !strings.Contains(x, "<label>go linux</label>") {
			t.Fatalf("%s", x)
		}
		edited := strings.Replace(x, "<numExecutors>2</numExecutors>", "<numExecutors>4</numExecutors>", 1)
		j.must(t, 200, as(req{method: "POST", path: "computer/gj/config.xml", body: edited}))
		j.must(t, 400, as(req{method: "POST", path: "computer/gj/config.xml", body: strings.Replace(x, "<name>gj</name>", "<name>other</name>", 1)}))
		j.must(t, 400, as(req{method: "POST", path: "computer/gj/config.xml", body: "<slave><numExecutors>-1</numExecutors></slave>"}))
		j.must(t, 400, as(req{method: "POST", path: "computer/gj/config.xml", body: "<project/>"}))
		if got := j.must(t, 200, as(req{path: "computer/gj/config.xml"})).body; got != edited {
			t.Fatalf("config.xml after refused posts:\n%s", got)
		}
	})
	t.Run("labels find the agent", func(t *testing.T) {
		var l struct {
			Nodes []struct{ NodeName string }
		}
		j.json(t, "label/linux/api/json", &l)
		if len(l.Nodes) != 1 || l.Nodes[0].NodeName != "gj" {
			t.Fatalf("%+v", l)
		}
	})
	t.Run("toggleOffline and the agent survive a restart", func(t *testing.T) {
		j.must(t, 302, as(req{method: "POST", path: "computer/gj/toggleOffline?offlineMessage=disk+swap"}))
		j.stop()
		j = start(outer, home, nil) // lives until TestAgents ends
		var n struct {
			TemporarilyOffline bool
			OfflineCauseReason string
			NumExecutors       int
		}
		j.json(t, "computer/gj/api/json", &n)
		if !n.TemporarilyOffline || n.OfflineCauseReason != "disk swap" || n.NumExecutors != 4 {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("doDelete removes it; a GET cannot", func(t *testing.T) {
		j.must(t, 405, req{path: "computer/gj/doDelete", user: "admin", secret: adminPassword})
		j.must(t, 302, req{method: "POST", path: "computer/gj/doDelete", user: "admin", secret: j.adminToken(t)})
		j.must(t, 404, req{path: "computer/gj/api/json", user: "admin", secret: adminPassword})
	})
}
