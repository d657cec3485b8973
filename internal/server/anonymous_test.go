package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/server"
)

// anonymousHoldsEverything grants anonymous Administer (and so every
// permission) under the matrix strategy.
var anonymousHoldsEverything = authz.Strategy{Strategy: authz.Matrix, Grants: []authz.Grant{
	{Type: "USER", Sid: "anonymous", Permissions: []string{authz.Administer}},
	{Type: "GROUP", Sid: "authenticated", Permissions: []string{authz.Read, authz.ItemRead, authz.ViewRead}},
}}

// anonymousCrumb is the crumb anonymous callers get.
func (rs *routeStack) anonymousCrumb(t *testing.T) string {
	t.Helper()
	r := rs.raw(t, "GET", "crumbIssuer/api/json", "", nil)
	var c struct{ Crumb string }
	if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Crumb == "" {
		t.Fatalf("anonymous crumb: %d %s", r.status, r.body)
	}
	return c.Crumb
}

// TestEveryRouteAsAnonymousHoldingEveryPermission drives every route of
// routes.go, with GET and with its state-changing method, as anonymous
// granted every permission: handlers must cope with a caller that has
// no user, so none may answer 5xx or panic (the route stack fails any
// test during which a handler panicked).
func TestEveryRouteAsAnonymousHoldingEveryPermission(t *testing.T) {
	rs := newRouteStack(t)
	ctx := context.Background()
	grant := func() {
		if err := rs.app.Authz.Set(ctx, anonymousHoldsEverything); err != nil {
			t.Fatal(err)
		}
	}
	grant()
	crumb := rs.anonymousCrumb(t)
	for _, r := range server.Routes {
		path := r.Path
		methods := []string{"GET"}
		if rest, ok := strings.CutPrefix(path, "DELETE "); ok {
			path, methods = rest, []string{"DELETE"}
		} else if r.Kind == server.RouteAction || r.Kind == server.RouteReadWrite {
			methods = append(methods, "POST")
		}
		for _, method := range methods {
			t.Run(fmt.Sprintf("%s %s as anonymous holding every permission", method, path), func(t *testing.T) {
				// A route may change the strategy or take the node
				// offline: put both back for the next.
				t.Cleanup(func() { rs.reset(); grant() })
				p := rs.fixtures(t, path)
				h := map[string]string{}
				body := ""
				if method != "GET" {
					h["Jenkins-Crumb"] = crumb
					body = rs.bodyFor(p)
				}
				res := rs.raw(t, method, p, body, h)
				if res.status >= 500 {
					t.Fatalf("%d\n%s", res.status, res.body)
				}
			})
		}
	}
}

// TestAnonymousTriggersAndStops: with anonymous read only, the job's
// remote trigger token starts a build; with Job/Cancel, anonymous stops
// one. Both once panicked on the missing user.
func TestAnonymousTriggersAndStops(t *testing.T) {
	rs := newRouteStack(t)
	ctx := context.Background()
	admin := basic("admin", rs.adminToken)
	create := func(name, xml string) {
		if r := rs.raw(t, "POST", "createItem?name="+name, xml, admin); r.status != 200 {
			t.Fatalf("create %s: %d %s", name, r.status, r.body)
		}
	}
	create("remote", `<project><authToken>s3cr3t</authToken><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`)
	create("long", `<project><builders><hudson.tasks.Shell><command>sleep 60</command></hudson.tasks.Shell></builders></project>`)
	strategy := func(anonymous ...string) {
		if err := rs.app.Authz.Set(ctx, authz.Strategy{Strategy: authz.Matrix, Grants: []authz.Grant{
			{Type: "USER", Sid: "anonymous", Permissions: anonymous},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	waitFinished := func(t *testing.T, job string) model.Build {
		t.Helper()
		j, err := rs.jobs.Get(job)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.After(30 * time.Second)
		for {
			select {
			case b := <-rs.finished:
				if b.JobID == j.ID {
					return b
				}
			case <-deadline:
				t.Fatalf("no build of %s finished", job)
			}
		}
	}
	console := func(t *testing.T, job string, n int64) string {
		return rs.raw(t, "GET", fmt.Sprintf("job/%s/%d/consoleText", job, n), "", admin).body
	}

	t.Run("anonymous with read starts a build with the job's token", func(t *testing.T) {
		strategy(authz.Read, authz.ItemRead)
		res := rs.raw(t, "GET", "job/remote/build?token=s3cr3t", "", nil)
		if res.status != 201 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		b := waitFinished(t, "remote")
		if text := console(t, "remote", b.Number); !strings.HasPrefix(text, "Started by remote host 127.0.0.1") {
			t.Fatalf("console:\n%s", text)
		}
	})
	t.Run("anonymous with Job/Build starts a build as user anonymous", func(t *testing.T) {
		strategy(authz.Read, authz.ItemRead, authz.ItemBuild)
		res := rs.raw(t, "POST", "job/remote/build", "", map[string]string{"Jenkins-Crumb": rs.anonymousCrumb(t)})
		if res.status != 201 {
			t.Fatalf("%d %s", res.status, res.body)
		}
		b := waitFinished(t, "remote")
		if text := console(t, "remote", b.Number); !strings.HasPrefix(text, "Started by user anonymous") {
			t.Fatalf("console:\n%s", text)
		}
	})
	t.Run("anonymous with Job/Cancel stops a running build", func(t *testing.T) {
		strategy(authz.Read, authz.ItemRead, authz.ItemCancel)
		res := rs.raw(t, "POST", "job/long/build?delay=0sec", "", admin)
		if res.status != 201 {
			t.Fatalf("trigger: %d %s", res.status, res.body)
		}
		j, _ := rs.jobs.Get("long")
		deadline := time.Now().Add(30 * time.Second)
		for !rs.q.Busy(j.ID) {
			if time.Now().After(deadline) {
				t.Fatal("the build never started")
			}
			time.Sleep(10 * time.Millisecond) // the queue has no start event to wait on
		}
		j, _ = rs.jobs.Get("long")
		stop := rs.raw(t, "POST", fmt.Sprintf("job/long/%d/stop", j.Status.LastNumber), "", map[string]string{"Jenkins-Crumb": rs.anonymousCrumb(t)})
		if stop.status != 302 {
			t.Fatalf("stop: %d %s", stop.status, stop.body)
		}
		b := waitFinished(t, "long")
		if text := console(t, "long", b.Number); b.Result != model.Aborted || !strings.Contains(text, "Aborted by anonymous") {
			t.Fatalf("%s, console:\n%s", b.Result, text)
		}
	})
}
