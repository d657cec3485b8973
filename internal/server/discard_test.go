package server_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestDiscardOldBuildsOverHTTP: a job's LogRotator discards after each
// build what the HTTP history then no longer shows, as Jenkins's does:
// builds past numToKeep go, a build kept forever stays, and builds past
// artifactNumToKeep keep their record but lose their artifacts.
func TestDiscardOldBuildsOverHTTP(t *testing.T) {
	rs := newRouteStack(t)
	xml := strings.Replace(shellJobXML("echo $BUILD_NUMBER > n.txt", archiving("n.txt")), "<project>",
		`<project><properties><jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator">`+
			`<daysToKeep>-1</daysToKeep><numToKeep>2</numToKeep><artifactDaysToKeep>-1</artifactDaysToKeep><artifactNumToKeep>1</artifactNumToKeep>`+
			`</strategy></jenkins.model.BuildDiscarderProperty></properties>`, 1)
	rs.runJob(t, "rotated", xml)
	if r := rs.asToken(t, "POST", "job/rotated/1/toggleLogKeep", ""); r.status != 302 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for range 3 {
		rs.runJob(t, "rotated", "")
	}
	history := func() []int {
		var j struct{ Builds []struct{ Number int } }
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/rotated/api/json?tree=builds[number]", "").body), &j)
		var out []int
		for _, b := range j.Builds {
			out = append(out, b.Number)
		}
		return out
	}
	artifacts := func(n string) string {
		return rs.asToken(t, "GET", "job/rotated/"+n+"/api/json?tree=artifacts[relativePath]", "").body
	}
	eventually(t, "the discarder to leave #4, #3 and the kept #1", func() bool {
		return slices.Equal(history(), []int{4, 3, 1}) && strings.Contains(artifacts("3"), `"artifacts":[]`)
	})
	t.Run("the discarded build is gone from every URL", func(t *testing.T) {
		for _, p := range []string{"job/rotated/2/api/json", "job/rotated/2/artifact/n.txt", "job/rotated/2/consoleText"} {
			if r := rs.asToken(t, "GET", p, ""); r.status != 404 {
				t.Errorf("%s: %d", p, r.status)
			}
		}
	})
	t.Run("the newest build keeps its artifacts, the kept one too; the one past artifactNumToKeep lost its", func(t *testing.T) {
		if !strings.Contains(artifacts("4"), `"relativePath":"n.txt"`) || !strings.Contains(artifacts("1"), `"relativePath":"n.txt"`) {
			t.Fatalf("%s\n%s", artifacts("4"), artifacts("1"))
		}
		if r := rs.asToken(t, "GET", "job/rotated/3/artifact/n.txt", ""); r.status != 404 {
			t.Fatalf("%d", r.status)
		}
		if r := rs.asToken(t, "GET", "job/rotated/3/consoleText", ""); r.status != 200 {
			t.Fatalf("the stripped build's log: %d", r.status)
		}
	})
}
