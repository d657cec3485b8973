package server

import (
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
