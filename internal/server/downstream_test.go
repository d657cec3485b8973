package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// triggerXML is a job that runs true and then triggers children.
func triggerXML(children string, extra ...string) string {
	return `<project>` + strings.Join(extra, "") + `<builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders>` +
		`<publishers><hudson.tasks.BuildTrigger><childProjects>` + children + `</childProjects>` +
		`<threshold><name>SUCCESS</name><ordinal>0</ordinal><color>BLUE</color><completeBuild>true</completeBuild></threshold>` +
		`</hudson.tasks.BuildTrigger></publishers></project>`
}

// grantsXML is an AuthorizationMatrixProperty granting each entry
// ("USER:perm:sid"); nonInheriting drops the global grants.
func grantsXML(nonInheriting bool, entries ...string) string {
	var b strings.Builder
	b.WriteString("<properties><hudson.security.AuthorizationMatrixProperty>")
	if nonInheriting {
		b.WriteString(`<inheritanceStrategy class="org.jenkinsci.plugins.matrixauth.inheritance.NonInheritingStrategy"/>`)
	}
	for _, e := range entries {
		b.WriteString("<permission>" + e + "</permission>")
	}
	b.WriteString("</hudson.security.AuthorizationMatrixProperty></properties>")
	return b.String()
}

// downstreamWorld is the route stack with alice, who may configure and
// build team-a, team-b and nightly, create jobs, and see (not build)
// secret-job and prod-deploy; hidden-job she cannot see at all.
type downstreamWorld struct {
	*routeStack
	alice     map[string]string // password Basic with her crumb
	admin     map[string]string // admin's full token
	teamToken map[string]string // admin's token: scope build, jobs team-*
	done      map[int64][]model.Build
}

func newDownstreamWorld(t *testing.T) *downstreamWorld {
	t.Helper()
	rs := newRouteStack(t)
	ctx := context.Background()
	if _, err := rs.au.CreateUser(ctx, "alice", "alice-pw", "Alice", "", false); err != nil {
		t.Fatal(err)
	}
	if err := rs.app.Authz.Set(ctx, authz.Strategy{Strategy: authz.Matrix, Grants: []authz.Grant{
		{Type: "GROUP", Sid: "authenticated", Permissions: []string{authz.Read, authz.ItemRead, authz.ViewRead}},
		{Type: "USER", Sid: "alice", Permissions: []string{authz.ItemCreate}},
	}}); err != nil {
		t.Fatal(err)
	}
	teamTok, _, err := rs.au.GenerateToken(ctx, "admin", "team", auth.TokenOptions{Scopes: []string{"build"}, Jobs: "team-*"})
	if err != nil {
		t.Fatal(err)
	}
	w := &downstreamWorld{routeStack: rs, admin: basic("admin", rs.adminToken), teamToken: basic("admin", teamTok), done: map[int64][]model.Build{}}
	aliceCrumb := rs.raw(t, "GET", "crumbIssuer/api/json", "", basic("alice", "alice-pw"))
	var c struct{ Crumb string }
	if err := json.Unmarshal([]byte(aliceCrumb.body), &c); err != nil {
		t.Fatal(err)
	}
	w.alice = basic("alice", "alice-pw")
	w.alice["Jenkins-Crumb"] = c.Crumb
	aliceMay := grantsXML(false, "USER:hudson.model.Item.Configure:alice", "USER:hudson.model.Item.Build:alice")
	w.create(t, "team-b", triggerXML("prod-deploy", aliceMay))
	w.create(t, "team-a", triggerXML("team-b", aliceMay))
	w.create(t, "secret-job", shellXML)
	w.create(t, "prod-deploy", shellXML)
	w.create(t, "hidden-job", `<project>`+grantsXML(true, "USER:hudson.model.Item.Read:admin")+`</project>`)
	return w
}

func (w *downstreamWorld) create(t *testing.T, name, xml string) {
	t.Helper()
	if r := w.raw(t, "POST", "createItem?name="+name, xml, w.admin); r.status != 200 {
		t.Fatalf("create %s: %d %s", name, r.status, r.body)
	}
}

// build triggers job as caller and waits for that build to finish.
func (w *downstreamWorld) build(t *testing.T, job string, caller map[string]string) model.Build {
	t.Helper()
	r := w.raw(t, "POST", "job/"+job+"/build?delay=0sec", "", caller)
	if r.status != 201 {
		t.Fatalf("build %s: %d %s", job, r.status, r.body)
	}
	return w.wait(t, job)
}

// wait returns the next finished build of job not returned before.
func (w *downstreamWorld) wait(t *testing.T, job string) model.Build {
	t.Helper()
	j, err := w.jobs.Get(job)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(30 * time.Second)
	for len(w.done[j.ID]) == 0 {
		select {
		case b := <-w.finished:
			w.done[b.JobID] = append(w.done[b.JobID], b)
		case <-deadline:
			t.Fatalf("no build of %s finished", job)
		}
	}
	b := w.done[j.ID][0]
	w.done[j.ID] = w.done[j.ID][1:]
	return b
}

func (w *downstreamWorld) console(t *testing.T, b model.Build) string {
	t.Helper()
	return w.raw(t, "GET", fmt.Sprintf("job/%s/%d/consoleText", b.JobName, b.Number), "", w.admin).body
}

// untouched fails unless job was never built nor queued.
func (w *downstreamWorld) untouched(t *testing.T, job string) {
	t.Helper()
	var j struct {
		InQueue   bool
		LastBuild *struct{ Number int64 }
	}
	if err := json.Unmarshal([]byte(w.raw(t, "GET", "job/"+job+"/api/json", "", w.admin).body), &j); err != nil {
		t.Fatal(err)
	}
	if j.InQueue || j.LastBuild != nil {
		t.Fatalf("%s was triggered: %+v", job, j)
	}
}

// TestDownstreamNeedsBuildPermissionToSave: a configuration naming a
// downstream project its saver may see but not build is refused, by
// every way of saving one; names the saver cannot see are accepted (the
// check when the build ends covers them) so nothing hidden is revealed.
func TestDownstreamNeedsBuildPermissionToSave(t *testing.T) {
	w := newDownstreamWorld(t)
	aliceMay := grantsXML(false, "USER:hudson.model.Item.Configure:alice", "USER:hudson.model.Item.Build:alice")
	w.create(t, "triggers-secret", triggerXML("secret-job", grantsXML(false, "USER:hudson.model.Item.ExtendedRead:alice")))
	refused := []struct {
		name, method, path, body string
	}{
		{"posting config.xml", "POST", "job/team-a/config.xml", triggerXML("secret-job", aliceMay)},
		{"posting config.xml naming it among others", "POST", "job/team-a/config.xml", triggerXML("team-b, secret-job", aliceMay)},
		{"posting config.xml naming it absolutely", "POST", "job/team-a/config.xml", triggerXML("/secret-job", aliceMay)},
		{"creating a job from config.xml", "POST", "createItem?name=team-c", triggerXML("secret-job")},
		{"copying a job that triggers it", "POST", "createItem?name=team-d&mode=copy&from=triggers-secret", ""},
		{"the configure form's XML mode", "POST", "job/team-a/configSubmit", "mode=xml&config.xml=" + url.QueryEscape(triggerXML("secret-job", aliceMay))},
		{"the New Item form's XML mode", "POST", "view/all/newJob", "name=team-e&mode=xml&config.xml=" + url.QueryEscape(triggerXML("secret-job"))},
	}
	for _, tc := range refused {
		t.Run("alice cannot name secret-job by "+tc.name, func(t *testing.T) {
			before := w.raw(t, "GET", "job/team-a/config.xml", "", w.admin).body
			r := w.raw(t, tc.method, tc.path, tc.body, w.alice)
			if r.status != 400 || !strings.Contains(r.body, "You have no permission to build secret-job") {
				t.Fatalf("%d, want 400 naming secret-job\n%s", r.status, r.body)
			}
			if after := w.raw(t, "GET", "job/team-a/config.xml", "", w.admin).body; after != before {
				t.Fatalf("team-a's config changed:\n%s", after)
			}
			for _, name := range []string{"team-c", "team-d", "team-e"} {
				if r := w.raw(t, "GET", "job/"+name+"/api/json", "", w.admin); r.status != 404 {
					t.Fatalf("%s was created: %d", name, r.status)
				}
			}
		})
	}
	accepted := []struct{ name, children string }{
		{"a project she may build", "team-b"},
		{"a project that does not exist (it may be created later)", "not-yet"},
		{"a project she cannot see (refusing would reveal it)", "hidden-job"},
	}
	for _, tc := range accepted {
		t.Run("alice may name "+tc.name, func(t *testing.T) {
			if r := w.raw(t, "POST", "job/team-a/config.xml", triggerXML(tc.children, aliceMay), w.alice); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	t.Run("admin may name secret-job", func(t *testing.T) {
		if r := w.raw(t, "POST", "job/team-a/config.xml", triggerXML("secret-job", aliceMay), w.admin); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}

// TestDownstreamObeysPermissionsWhenTriggered: a finished build triggers
// only the projects whom it acts for may build, and its console says
// why the others were not started.
func TestDownstreamObeysPermissionsWhenTriggered(t *testing.T) {
	w := newDownstreamWorld(t)
	aliceMay := grantsXML(false, "USER:hudson.model.Item.Configure:alice", "USER:hudson.model.Item.Build:alice")

	t.Run("a token limited to team-* building team-b does not start prod-deploy", func(t *testing.T) {
		b := w.build(t, "team-b", w.teamToken)
		text := w.console(t, b)
		if !strings.Contains(text, "No such project ‘prod-deploy’, or no permission to see it: not triggered\nFinished: SUCCESS") {
			t.Fatalf("console:\n%s", text)
		}
		w.untouched(t, "prod-deploy")
	})
	t.Run("alice's build of a job admin set to trigger secret-job does not start it", func(t *testing.T) {
		// admin may name secret-job; alice may build team-a, not secret-job.
		if r := w.raw(t, "POST", "job/team-a/config.xml", triggerXML("secret-job, hidden-job, not-yet, team-b", aliceMay), w.admin); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		b := w.build(t, "team-a", w.alice)
		text := w.console(t, b)
		for _, line := range []string{
			"You have no permission to build secret-job\n",
			"No such project ‘hidden-job’, or no permission to see it: not triggered\n",
			"No such project ‘not-yet’, or no permission to see it: not triggered\n",
			"Triggering a new build of team-b\n",
		} {
			if !strings.Contains(text, line) {
				t.Fatalf("console lacks %q:\n%s", line, text)
			}
		}
		w.untouched(t, "secret-job")
		w.untouched(t, "hidden-job")
		// team-b acts for alice too: she may not build prod-deploy.
		tb := w.wait(t, "team-b")
		if text := w.console(t, tb); !strings.HasPrefix(text, `Started by upstream project "team-a"`) ||
			!strings.Contains(text, "You have no permission to build prod-deploy\n") {
			t.Fatalf("team-b console:\n%s", text)
		}
		w.untouched(t, "prod-deploy")
	})
	t.Run("admin's build starts them all", func(t *testing.T) {
		b := w.build(t, "team-a", w.admin)
		text := w.console(t, b)
		for _, line := range []string{"Triggering a new build of secret-job\n", "Triggering a new build of hidden-job\n", "Triggering a new build of team-b\n"} {
			if !strings.Contains(text, line) {
				t.Fatalf("console lacks %q:\n%s", line, text)
			}
		}
		for _, name := range []string{"secret-job", "hidden-job", "team-b", "prod-deploy"} {
			w.wait(t, name)
		}
	})
	t.Run("a remote trigger token's build acts for whoever saved the job", func(t *testing.T) {
		// alice saves nightly (token, triggers team-b); bob, who may build
		// nothing, uses the token: team-b starts, as alice may build it.
		w.create(t, "nightly", triggerXML("team-b", aliceMay))
		if r := w.raw(t, "POST", "job/nightly/config.xml", triggerXML("team-b", aliceMay, "<authToken>n1ght</authToken>"), w.alice); r.status != 200 {
			t.Fatalf("alice saves nightly: %d %s", r.status, r.body)
		}
		if r := w.raw(t, "GET", "job/nightly/build?token=n1ght", "", basic("bob", "bob-pw")); r.status != 201 {
			t.Fatalf("bob triggers nightly: %d %s", r.status, r.body)
		}
		if text := w.console(t, w.wait(t, "nightly")); !strings.Contains(text, "Triggering a new build of team-b\n") {
			t.Fatalf("console:\n%s", text)
		}
		w.wait(t, "team-b")
	})
	t.Run("a job whose saver was never recorded acts as anonymous, and says so", func(t *testing.T) {
		if _, err := w.jobs.Create(context.Background(), "", "legacy", []byte(triggerXML("team-b", "<authToken>old</authToken>")), nil); err != nil {
			t.Fatal(err)
		}
		if r := w.raw(t, "GET", "job/legacy/build?token=old", "", w.admin); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		text := w.console(t, w.wait(t, "legacy"))
		if !strings.Contains(text, "Warning: this build has no associated authentication") ||
			!strings.Contains(text, "No such project ‘team-b’, or no permission to see it: not triggered\n") {
			t.Fatalf("console:\n%s", text)
		}
	})
}

// TestQueueFoldsOnlySameAuthority: a request folds into a waiting item of
// the same job and parameters only when it acts for the same caller, so
// nobody's request decides what another's build may trigger.
func TestQueueFoldsOnlySameAuthority(t *testing.T) {
	w := newDownstreamWorld(t)
	item := func(caller map[string]string) string {
		r := w.raw(t, "POST", "job/team-b/build?delay=3600sec", "", caller)
		if r.status != 201 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		return r.header.Get("Location")
	}
	first := item(w.admin)
	if again := item(w.admin); again != first {
		t.Fatalf("the same caller got a second item: %s then %s", first, again)
	}
	if other := item(w.alice); other == first {
		t.Fatalf("alice's request folded into admin's item %s", first)
	}
	if other := item(w.teamToken); other == first {
		t.Fatalf("a scoped token's request folded into admin's item %s", first)
	}
}
