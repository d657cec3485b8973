package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// secretXML is a job no one but administrators may see: its matrix
// inherits nothing and grants nothing.
const secretXML = `<project><properties><hudson.security.AuthorizationMatrixProperty>` +
	`<inheritanceStrategy class="org.jenkinsci.plugins.matrixauth.inheritance.NonInheritingStrategy"/>` +
	`</hudson.security.AuthorizationMatrixProperty></properties>` +
	`<builders><hudson.tasks.Shell><command>sleep 30</command></hudson.tasks.Shell></builders></project>`

// TestHiddenJobsStayHidden: a job a caller cannot see is named in no
// answer of theirs (views, the queue, the executors, builds), and asking
// about it answers exactly as asking about a job that does not exist.
func TestHiddenJobsStayHidden(t *testing.T) {
	rs := newRouteStack(t)
	ctx := context.Background()
	// Everyone logged in reads jobs and views and configures views.
	rs.adminDo(t, "POST", "manage/security/authorization", `{"strategy":"matrix","grants":[{"type":"GROUP","sid":"authenticated","permissions":[`+
		`"hudson.model.Hudson.Read","hudson.model.Item.Read","hudson.model.View.Read","hudson.model.View.Configure"]}]}`)
	rs.adminDo(t, "POST", "createItem?name=secret-job", secretXML)
	rs.adminDo(t, "POST", "createItem?name=secret-queued", secretXML)
	rs.adminDo(t, "POST", "createItem?name=public-job", shellXML)
	rs.adminDo(t, "POST", "createItem?name=public-down", shellXML)
	for _, v := range []string{"u", "v", "w"} {
		rs.adminDo(t, "POST", "createView?name="+v+"&mode=hudson.model.ListView", "")
	}
	for _, v := range []string{"u", "v"} {
		rs.adminDo(t, "POST", "view/"+v+"/addJobToView?name=secret-job", "")
		rs.adminDo(t, "POST", "view/"+v+"/addJobToView?name=public-job", "")
	}

	get := func(name string) *model.Job {
		j, err := rs.jobs.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	schedule := func(j *model.Job, cause model.Cause, delay time.Duration) *model.QueueItem {
		it, _, err := rs.q.Schedule(ctx, j, cause, &model.Authority{User: "admin"}, nil, &delay)
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	upstream := model.Cause{Kind: model.CauseUpstream, Project: "secret-job", Build: 1}
	// public-down #1 ran, started by secret-job; another waits.
	down := get("public-down")
	schedule(down, upstream, 0)
	for deadline := time.After(20 * time.Second); ; {
		select {
		case b := <-rs.finished:
			if b.JobID != down.ID {
				continue
			}
		case <-deadline:
			t.Fatal("public-down #1 never finished")
		}
		break
	}
	schedule(down, upstream, time.Hour)
	hiddenItem := schedule(get("secret-queued"), model.Cause{Kind: model.CauseUser, UserID: "admin"}, time.Hour)
	// secret-job runs on an executor.
	schedule(get("secret-job"), model.Cause{Kind: model.CauseUser, UserID: "admin"}, 0)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		busy := false
		for _, b := range rs.q.Executors() {
			busy = busy || b != nil && b.JobID == get("secret-job").ID
		}
		if busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("secret-job never started")
		}
	}
	missingItem := hiddenItem.ID + 1000

	glob, _ := rs.newToken(t, "public", auth.TokenOptions{Jobs: "public-*"})
	callers := []struct {
		name   string
		header map[string]string
	}{
		{"bob, whom the matrix hides them from", withCrumb(basic("bob", "bob-pw"), rs.bobCrumb)},
		{"admin's public-* token", basic("admin", glob)},
	}
	for _, c := range callers {
		do := func(t *testing.T, method, path, body string) rawResp {
			t.Helper()
			return rs.raw(t, method, path, body, c.header)
		}
		// same asks about a hidden object and a missing one, whose names
		// (or ids) are hiddenKey and missingKey, and wants the same answer
		// but for the name itself.
		same := func(t *testing.T, method, hidden, missing, hiddenKey, missingKey string) {
			t.Helper()
			h, m := do(t, method, hidden, ""), do(t, method, missing, "")
			hb, mb := strings.ReplaceAll(h.body, hiddenKey, "X"), strings.ReplaceAll(m.body, missingKey, "X")
			if h.status != m.status || hb != mb || h.header.Get("X-Error") != m.header.Get("X-Error") {
				t.Fatalf("hidden: %d %q %s\nmissing: %d %q %s", h.status, h.header.Get("X-Error"), h.body, m.status, m.header.Get("X-Error"), m.body)
			}
		}
		hides := func(t *testing.T, path string) {
			t.Helper()
			res := do(t, "GET", path, "")
			if res.status != 200 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			if strings.Contains(res.body, "secret") {
				t.Fatalf("the answer names a hidden job:\n%s", res.body)
			}
		}
		t.Run("for "+c.name, func(t *testing.T) {
			t.Run("addJobToView answers a hidden job as a missing one, and adds nothing", func(t *testing.T) {
				same(t, "POST", "view/w/addJobToView?name=secret-job", "view/w/addJobToView?name=no-such-job", "secret-job", "no-such-job")
				if v, _ := rs.app.Views.Get("w"); strings.Contains(string(v.ConfigXML), "secret") {
					t.Fatalf("view w now lists a hidden job:\n%s", v.ConfigXML)
				}
			})
			t.Run("removeJobFromView answers a hidden job as a missing one, and removes nothing", func(t *testing.T) {
				same(t, "POST", "view/u/removeJobFromView?name=secret-job", "view/u/removeJobFromView?name=no-such-job", "secret-job", "no-such-job")
				if v, _ := rs.app.Views.Get("u"); !strings.Contains(string(v.ConfigXML), "secret-job") {
					t.Fatalf("view u lost its hidden job:\n%s", v.ConfigXML)
				}
			})
			t.Run("a view's config.xml does not name a hidden job", func(t *testing.T) { hides(t, "view/v/config.xml") })
			t.Run("a view's api/json does not name a hidden job", func(t *testing.T) { hides(t, "view/v/api/json?depth=2") })
			t.Run("the root's api/json does not name a hidden job", func(t *testing.T) { hides(t, "api/json?depth=2") })
			t.Run("posting back a view's config.xml keeps the hidden jobs in it", func(t *testing.T) {
				read := do(t, "GET", "view/v/config.xml", "")
				if res := do(t, "POST", "view/v/config.xml", read.body); res.status != 200 {
					t.Fatalf("%d %s", res.status, res.body)
				}
				if v, _ := rs.app.Views.Get("v"); !strings.Contains(string(v.ConfigXML), "secret-job") || !strings.Contains(string(v.ConfigXML), "public-job") {
					t.Fatalf("view v changed:\n%s", v.ConfigXML)
				}
			})
			t.Run("the queue does not name a hidden job, not even as an upstream cause", func(t *testing.T) { hides(t, "queue/api/json?depth=2") })
			t.Run("a hidden queue item answers as a missing one", func(t *testing.T) {
				same(t, "GET", "queue/item/"+itoa(hiddenItem.ID)+"/api/json", "queue/item/"+itoa(missingItem)+"/api/json", itoa(hiddenItem.ID), itoa(missingItem))
			})
			t.Run("cancelling a hidden queue item answers as cancelling a missing one", func(t *testing.T) {
				same(t, "POST", "queue/cancelItem?id="+itoa(hiddenItem.ID), "queue/cancelItem?id="+itoa(missingItem), itoa(hiddenItem.ID), itoa(missingItem))
			})
			t.Run("the executors do not show a hidden job's build", func(t *testing.T) { hides(t, "computer/api/json?depth=2") })
			t.Run("the built-in node does not show a hidden job's build", func(t *testing.T) { hides(t, "computer/(built-in)/api/json?depth=1") })
			t.Run("a build does not name a hidden upstream job", func(t *testing.T) { hides(t, "job/public-down/1/api/json?depth=2") })
			t.Run("a build's page does not name a hidden upstream job", func(t *testing.T) { hides(t, "job/public-down/1/") })
			t.Run("a hidden job answers as a missing one", func(t *testing.T) {
				same(t, "GET", "job/secret-job/api/json", "job/no-such-job/api/json", "secret-job", "no-such-job")
			})
		})
	}
	t.Run("an administrator still sees the hidden job in the view and the cause", func(t *testing.T) {
		for _, p := range []string{"view/v/config.xml", "queue/api/json?depth=2", "job/public-down/1/api/json"} {
			if res := rs.raw(t, "GET", p, "", basic("admin", rs.adminToken)); !strings.Contains(res.body, "secret-") {
				t.Errorf("%s: %d %s", p, res.status, res.body)
			}
		}
	})
}
