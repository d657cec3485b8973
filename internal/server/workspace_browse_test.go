package server_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWorkspaceBrowsingOverHTTP: /job/X/ws/ shows the job's workspace to
// callers with Job/Workspace only, as Jenkins's DirectoryBrowserSupport
// does (files, listings, zips named after the workspace), hides links and
// @tmp, answers "no workspace" when there is none, and the page's Wipe
// Out Current Workspace empties it.
func TestWorkspaceBrowsingOverHTTP(t *testing.T) {
	rs := newRouteStack(t)
	rs.createJob(t, "wsjob", shellJobXML("mkdir -p src; echo code > src/main.c; ln -sf /etc/passwd leak; ln -sf src/main.c inner", ""))
	t.Run("a job without a workspace answers 404 no workspace", func(t *testing.T) {
		if r := rs.asToken(t, "GET", "job/wsjob/ws/", ""); r.status != 404 || !strings.Contains(r.body, "no workspace") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	rs.runJob(t, "wsjob", "")
	if err := os.MkdirAll(filepath.Join(rs.home, "workspace", "wsjob@tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Run("the workspace lists its files, links left out", func(t *testing.T) {
		r := rs.asSession(t, "GET", "job/wsjob/ws/", nil)
		if r.status != 200 || !strings.Contains(r.body, `href="src/"`) || strings.Contains(r.body, "leak") || strings.Contains(r.body, "inner") || strings.Contains(r.body, "@tmp") {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if !strings.Contains(r.body, `id="wipe"`) {
			t.Fatal("no Wipe Out Current Workspace button for a caller who may build")
		}
	})
	t.Run("a file is served; a link, even to a file inside, is not found", func(t *testing.T) {
		if r := rs.asToken(t, "GET", "job/wsjob/ws/src/main.c", ""); r.status != 200 || r.body != "code\n" {
			t.Fatalf("%d %q", r.status, r.body)
		}
		for _, p := range []string{"leak", "inner", "src/../leak", "%2e%2e/%2e%2e/secrets/initialAdminPassword"} {
			if r := rs.asToken(t, "GET", "job/wsjob/ws/"+p, ""); r.status != 404 && r.status != 400 || strings.Contains(r.body, "root:") {
				t.Errorf("%s: %d %s", p, r.status, r.body)
			}
		}
	})
	t.Run("the zip's entries start with the workspace's name", func(t *testing.T) {
		r := rs.asToken(t, "GET", "job/wsjob/ws/*zip*/wsjob.zip", "")
		zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
		if err != nil {
			t.Fatalf("%d %v", r.status, err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		if !slices.Equal(names, []string{"wsjob/src/main.c"}) {
			t.Fatalf("%v", names)
		}
	})
	t.Run("a reader without Job/Workspace is refused, naming it", func(t *testing.T) {
		r := rs.raw(t, "GET", "job/wsjob/ws/src/main.c", "", basic("bob", "bob-pw"))
		if r.status != 403 || r.header.Get("X-Required-Permission") != "hudson.model.Item.Workspace" {
			t.Fatalf("%d %v", r.status, r.header)
		}
	})
	t.Run("Wipe Out Current Workspace from the page empties it", func(t *testing.T) {
		form := formValues(t, rs.asSession(t, "GET", "job/wsjob/ws/", nil).body, "wipe-form")
		if r := rs.asSession(t, "POST", "job/wsjob/doWipeOutWorkspace", form); r.status >= 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := rs.asToken(t, "GET", "job/wsjob/ws/", ""); r.status != 404 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}
