package server

import (
	"encoding/json"
	"net/url"
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
