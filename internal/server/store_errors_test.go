package server_test

import (
	"strings"
	"testing"
)

// TestAnAPIObjectWhoseHistoryCannotBeReadIsAnError: when the store
// cannot be read, a job's api/json answers 500 (with a reference in the
// log) instead of a job that quietly has no builds, permalinks or health
// report, and the dashboard does not show a history it could not read.
func TestAnAPIObjectWhoseHistoryCannotBeReadIsAnError(t *testing.T) {
	rs := newRouteStack(t)
	rs.createJob(t, "hist", triggerXML(""))
	if r := rs.asToken(t, "POST", "job/hist/build?delay=0sec", ""); r.status != 201 {
		t.Fatalf("build: %d %s", r.status, r.body)
	}
	rs.waitBuild(t, "hist")
	cases := []struct{ name, path string }{
		{"the builds", "job/hist/api/json?tree=builds[number]"},
		{"the builds in full", "job/hist/api/json?tree=builds[number,result]"},
		{"a permalink", "job/hist/api/json?tree=lastBuild[number]"},
		{"the health report", "job/hist/api/json?tree=healthReport[score]"},
		{"the dashboard", ""},
	}
	for _, c := range cases {
		t.Run(c.name+" read from a working store answer 200", func(t *testing.T) {
			if r := rs.asToken(t, "GET", c.path, ""); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	// The token is cached now: the requests below authenticate without
	// the store, and find the job in the registry; only the history is
	// read from the store.
	rs.app.Store.Close()
	rs.app.UI.ForgetSummaries()
	for _, c := range cases {
		t.Run(c.name+" read from a broken store answer 500, not an empty history", func(t *testing.T) {
			r := rs.asToken(t, "GET", c.path, "")
			if r.status != 500 || !strings.Contains(r.body, "Internal error (reference") {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
}
