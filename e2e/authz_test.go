package e2e

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// matrixJob is a freestyle job whose config.xml carries matrix-auth's
// per-job permissions.
func matrixJob(inheritance string, entries ...string) string {
	var b strings.Builder
	b.WriteString("<project><properties><hudson.security.AuthorizationMatrixProperty>")
	if inheritance != "" {
		b.WriteString(`<inheritanceStrategy class="org.jenkinsci.plugins.matrixauth.inheritance.` + inheritance + `"/>`)
	}
	for _, e := range entries {
		b.WriteString("<permission>" + e + "</permission>")
	}
	b.WriteString("</hudson.security.AuthorizationMatrixProperty></properties>" +
		"<builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>")
	return b.String()
}

// jobNames lists the jobs a caller sees at the root.
func (j *jeeves) jobNames(t *testing.T, r req) []string {
	t.Helper()
	r.path = "api/json?tree=jobs[name]"
	var root struct{ Jobs []struct{ Name string } }
	if err := json.Unmarshal([]byte(j.must(t, 200, r).body), &root); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range root.Jobs {
		out = append(out, x.Name)
	}
	sort.Strings(out)
	return out
}

// TestPermissionMatrix covers Jenkins's two strategies: logged-in users
// can do anything (with optional anonymous read), and a matrix, global
// over HTTP and per job from config.xml's AuthorizationMatrixProperty.
func TestPermissionMatrix(t *testing.T) {
	home := t.TempDir() + "/home"
	j := start(t, home, nil)
	admin := j.adminToken(t)
	asAdmin := func(r req) req { r.user, r.secret = "admin", admin; return r }
	for _, u := range []string{"alice", "bob"} {
		j.must(t, 302, asAdmin(req{method: "POST", path: "securityRealm/createAccountByAdmin",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body:   "username=" + u + "&password1=" + u + "-pw&password2=" + u + "-pw"}))
	}
	as := func(user string, r req) req { r.user, r.secret = user, user+"-pw"; return r }
	// Password POSTs need a crumb; tokens would not, but this test is
	// about the caller's permissions, so it keeps the crumb in the way.
	post := func(user, path, body string) req {
		r := as(user, req{method: "POST", path: path, body: body,
			header: map[string]string{"Jenkins-Crumb": j.crumb(t, user, user+"-pw")}})
		if body != "" {
			r.header["Content-Type"] = "application/xml"
		}
		return r
	}
	setStrategy := func(t *testing.T, want int, body string) resp {
		t.Helper()
		return j.must(t, want, asAdmin(req{method: "POST", path: "manage/security/authorization",
			header: map[string]string{"Content-Type": "application/json"}, body: body}))
	}
	j.createJob(t, "public", shellJob("true"))
	j.createJob(t, "secret", matrixJob("NonInheritingStrategy",
		"USER:hudson.model.Item.Read:bob", "hudson.model.Item.Build:bob"))

	t.Run("by default a logged-in user may do anything but administer", func(t *testing.T) {
		j.must(t, 201, post("bob", "job/public/build?delay=0sec", ""))
		r := j.must(t, 403, as("bob", req{path: "manage/security/authorization"}))
		if r.header.Get("X-Required-Permission") != "hudson.model.Hudson.Administer" || r.header.Get("X-You-Are-Authenticated-As") != "bob" {
			t.Fatalf("403 headers: %v", r.header)
		}
		if got := j.jobNames(t, as("bob", req{})); !reflect.DeepEqual(got, []string{"public", "secret"}) {
			t.Fatalf("bob sees %v", got)
		}
	})
	t.Run("anonymous read lets anonymous read, not build", func(t *testing.T) {
		j.must(t, 403, req{path: "api/json"})
		setStrategy(t, 200, `{"strategy":"loggedInUsersCanDoAnything","anonymousRead":true}`)
		j.must(t, 200, req{path: "job/public/api/json"})
		var c struct{ Crumb string }
		json.Unmarshal([]byte(j.must(t, 200, req{path: "crumbIssuer/api/json"}).body), &c)
		r := j.must(t, 403, req{method: "POST", path: "job/public/build", header: map[string]string{"Jenkins-Crumb": c.Crumb}})
		if r.header.Get("X-Required-Permission") != "hudson.model.Item.Build" {
			t.Fatalf("%v", r.header)
		}
	})

	setStrategy(t, 200, `{"strategy":"matrix","grants":[
		{"type":"GROUP","sid":"authenticated","permissions":["hudson.model.Hudson.Read"]},
		{"type":"USER","sid":"alice","permissions":["hudson.model.Item.Read","hudson.model.Item.Build"]}]}`)

	t.Run("with the matrix, a job hidden from a user is a 404 and is never listed", func(t *testing.T) {
		if got := j.jobNames(t, as("alice", req{})); !reflect.DeepEqual(got, []string{"public"}) {
			t.Fatalf("alice sees %v", got)
		}
		j.must(t, 404, as("alice", req{path: "job/secret/api/json"}))
		j.must(t, 404, post("alice", "job/secret/build", ""))
		if got := j.jobNames(t, as("bob", req{})); !reflect.DeepEqual(got, []string{"secret"}) {
			t.Fatalf("bob sees %v", got)
		}
		j.must(t, 404, as("bob", req{path: "job/public/"}))
		var view struct{ Jobs []any }
		json.Unmarshal([]byte(j.must(t, 200, as("bob", req{path: "view/all/api/json"})).body), &view)
		if len(view.Jobs) != 1 {
			t.Fatalf("bob's all view lists %d jobs", len(view.Jobs))
		}
	})
	t.Run("a per-job grant from config.xml gives that job's permission", func(t *testing.T) {
		j.must(t, 201, post("bob", "job/secret/build?delay=0sec", ""))
		j.must(t, 201, post("alice", "job/public/build?delay=0sec", ""))
	})
	t.Run("a missing permission is a 403 with Jenkins's headers", func(t *testing.T) {
		r := j.must(t, 403, post("bob", "job/secret/config.xml", shellJob("false")))
		h := r.header
		if h.Get("X-You-Are-Authenticated-As") != "bob" || h.Get("X-Required-Permission") != "hudson.model.Item.Configure" ||
			!reflect.DeepEqual(h.Values("X-Permission-Implied-By"), []string{
				"hudson.security.Permission.GenericConfigure", "hudson.security.Permission.GenericUpdate",
				"hudson.security.Permission.GenericWrite", "hudson.model.Hudson.Administer"}) {
			t.Fatalf("403 headers: %v", h)
		}
		j.must(t, 403, post("alice", "job/public/doDelete", ""))
		j.must(t, 403, post("alice", "createItem?name=x", shellJob("true")))
	})
	t.Run("the first admin keeps every permission", func(t *testing.T) {
		if got := j.jobNames(t, asAdmin(req{})); !reflect.DeepEqual(got, []string{"public", "secret"}) {
			t.Fatalf("admin sees %v", got)
		}
		j.must(t, 200, asAdmin(req{method: "POST", path: "job/secret/config.xml", body: matrixJob("NonInheritingStrategy",
			"USER:hudson.model.Item.Read:bob", "hudson.model.Item.Build:bob")}))
	})
	t.Run("a token's scope still limits what its owner may do", func(t *testing.T) {
		var g struct{ Data struct{ TokenValue string } }
		json.Unmarshal([]byte(j.must(t, 200, post("alice", "me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken?newTokenName=ro&scope=read", "")).body), &g)
		j.must(t, 200, req{path: "job/public/api/json", user: "alice", secret: g.Data.TokenValue})
		j.must(t, 403, req{method: "POST", path: "job/public/build", user: "alice", secret: g.Data.TokenValue})
	})
	t.Run("bad strategies and unknown permissions are refused and change nothing", func(t *testing.T) {
		for _, body := range []string{
			`{"strategy":"matrix","grants":[{"type":"USER","sid":"bob","permissions":["hudson.model.Item.Fly"]}]}`,
			`{"strategy":"everyone-is-admin"}`,
			`{"strategy":"matrix","grants":[{"type":"ROLE","sid":"bob","permissions":[]}]}`,
			`{"strategy":"matrix","surprise":1}`,
			`not json`,
		} {
			if r := setStrategy(t, 400, body); r.header.Get("X-Error") == "" {
				t.Errorf("%s: no X-Error", body)
			}
		}
		j.must(t, 400, asAdmin(req{method: "POST", path: "createItem?name=bad", header: map[string]string{"Content-Type": "application/xml"},
			body: matrixJob("", "hudson.model.Item.Fly:bob")}))
		j.must(t, 404, asAdmin(req{path: "job/bad/api/json"}))
		j.must(t, 403, post("alice", "manage/security/authorization", ""))
	})
	t.Run("the strategy survives a restart", func(t *testing.T) {
		j.stop()
		j = start(t, home, nil)
		var st struct {
			Strategy string
			Grants   []struct{ Sid string }
		}
		j.json(t, "manage/security/authorization", &st)
		if st.Strategy != "matrix" || len(st.Grants) != 2 {
			t.Fatalf("after restart: %+v", st)
		}
		j.must(t, 404, as("alice", req{path: "job/secret/api/json"}))
		j.must(t, 200, as("bob", req{path: "job/secret/api/json"}))
	})
}
