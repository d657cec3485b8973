package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// merge is the union of header sets; later ones win.
func merge(hs ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, h := range hs {
		for k, v := range h {
			out[k] = v
		}
	}
	return out
}

// TestBuildsNeverGetARequestDerivedRootURL: without a configured root
// URL, what a client sends in Host or X-Forwarded-Host reaches neither
// the build's environment nor the stored queue item; builds get the
// address jeeves listens on.
func TestBuildsNeverGetARequestDerivedRootURL(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	job := `<project><builders><hudson.tasks.Shell><command>echo "ROOT=$JENKINS_URL BUILD=$BUILD_URL JOB=$JOB_URL"</command></hudson.tasks.Shell></builders></project>`
	for _, name := range []string{"env", "held"} {
		if r := rs.raw(t, "POST", "createItem?name="+name, job, admin); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	// Two triggers of "held" that stay queued, one with each header.
	for _, h := range []map[string]string{
		{"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"},
		{"Host": "attacker.example:8443"},
	} {
		req, err := http.NewRequest("POST", rs.url+"job/held/build?delay=3600sec", nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range merge(admin, h) {
			req.Header.Set(k, v)
		}
		req.Host = h["Host"]
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("trigger: %d", res.StatusCode)
		}
	}
	t.Run("the stored queue item holds no URL from the request", func(t *testing.T) {
		items, err := rs.app.Store.Waiting(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		stored, err := json.Marshal(items)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 || strings.Contains(string(stored), "attacker") {
			t.Fatalf("the queue holds %d items, want some, none with the attacker's host: %s", len(items), stored)
		}
	})
	t.Run("the build's environment has the listen address, not the request's", func(t *testing.T) {
		r := rs.raw(t, "POST", "job/env/build?delay=0sec", "", merge(admin, map[string]string{"X-Forwarded-Host": "attacker.example"}))
		if r.status != 201 {
			t.Fatalf("%d", r.status)
		}
		b := rs.waitBuild(t, "env")
		log := rs.raw(t, "GET", "job/env/"+strconv.FormatInt(b.Number, 10)+"/consoleText", "", admin).body
		if strings.Contains(log, "attacker") {
			t.Fatalf("the build saw the attacker's host:\n%s", log)
		}
		want := "ROOT=" + rs.url + " BUILD=" + rs.url + "job/env/" + strconv.FormatInt(b.Number, 10) + "/ JOB=" + rs.url + "job/env/\n"
		if !strings.Contains(log, want) {
			t.Fatalf("console lacks %q:\n%s", want, log)
		}
	})
}
