package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wsJob says whether its workspace already held the file the previous
// build leaves there, then leaves it.
const wsJob = `<project><builders><hudson.tasks.Shell><command>if [ -e secret.txt ]; then echo FOUND-THE-OLD-FILE; else echo EMPTY-WORKSPACE; fi
echo s3cret &gt; secret.txt</command></hudson.tasks.Shell></builders></project>`

// slowJob leaves its file, then runs until it is stopped.
const slowJob = `<project><builders><hudson.tasks.Shell><command>echo s3cret &gt; secret.txt; exec sleep 600</command></hudson.tasks.Shell></builders></project>`

const emptyFolderXML = `<com.cloudbees.hudson.plugins.folder.Folder/>`

// pollUntil polls cond until it holds, failing the test after 30 s.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pathExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestWorkspaceGoesWithItsJob: a workspace belongs to its job, not to
// its name: it goes when the job (or its folder) is deleted and moves
// when it is renamed, so a new job of an old name never reads what the
// old one left there.
func TestWorkspaceGoesWithItsJob(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	post := func(t *testing.T, path, body string, want int) rawResp {
		t.Helper()
		r := rs.raw(t, "POST", path, body, admin)
		if r.status != want {
			t.Fatalf("POST %s: %d, want %d\n%s", path, r.status, want, r.body)
		}
		return r
	}
	create := func(t *testing.T, parent, name, xml string) {
		t.Helper()
		prefix := ""
		if parent != "" {
			prefix = jobPath(parent)
		}
		post(t, prefix+"createItem?name="+name, xml, 200)
	}
	ws := func(name string) string { return filepath.Join(rs.home, "workspace", filepath.FromSlash(name)) }
	wantFresh := func(t *testing.T, job string) {
		t.Helper()
		if log := rs.buildConsole(t, job); !strings.Contains(log, "\nEMPTY-WORKSPACE\n") {
			t.Fatalf("%s's build found what another job left:\n%s", job, log)
		}
	}
	wantKept := func(t *testing.T, job string) {
		t.Helper()
		if log := rs.buildConsole(t, job); !strings.Contains(log, "\nFOUND-THE-OLD-FILE\n") {
			t.Fatalf("%s's build lost its workspace:\n%s", job, log)
		}
	}
	// siblings plants what concurrent builds leave beside a workspace
	// (name@2) and a build's temporary directory (name@tmp).
	siblings := func(t *testing.T, job string) {
		t.Helper()
		for _, s := range []string{"@2", "@tmp"} {
			if err := os.MkdirAll(ws(job)+s, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ws(job)+s, "secret.txt"), []byte("s3cret"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	gone := func(t *testing.T, names ...string) {
		t.Helper()
		for _, n := range names {
			for _, s := range []string{"", "@2", "@tmp"} {
				if pathExists(ws(n) + s) {
					t.Errorf("%s is still there", ws(n)+s)
				}
			}
		}
	}

	t.Run("a deleted job's workspace goes with it, and a new job of its name starts empty", func(t *testing.T) {
		create(t, "", "del", wsJob)
		wantFresh(t, "del")
		siblings(t, "del")
		post(t, "job/del/doDelete", "", 302)
		gone(t, "del")
		create(t, "", "del", wsJob)
		wantFresh(t, "del")
	})
	t.Run("a job deleted with DELETE loses its workspace too", func(t *testing.T) {
		create(t, "", "del-method", wsJob)
		wantFresh(t, "del-method")
		if r := rs.raw(t, "DELETE", "job/del-method/", "", admin); r.status >= 400 {
			t.Fatalf("DELETE: %d %s", r.status, r.body)
		}
		gone(t, "del-method")
	})
	t.Run("a renamed job's workspace moves with it", func(t *testing.T) {
		create(t, "", "old-name", wsJob)
		wantFresh(t, "old-name")
		siblings(t, "old-name")
		post(t, "job/old-name/doRename?newName=new-name", "", 302)
		gone(t, "old-name")
		for _, s := range []string{"", "@2", "@tmp"} {
			if !pathExists(filepath.Join(ws("new-name")+s, "secret.txt")) {
				t.Errorf("%s did not move to %s", ws("old-name")+s, ws("new-name")+s)
			}
		}
		wantKept(t, "new-name")
		create(t, "", "old-name", wsJob)
		wantFresh(t, "old-name")
	})
	t.Run("a deleted folder's jobs' workspaces go with it", func(t *testing.T) {
		create(t, "", "f", emptyFolderXML)
		create(t, "f", "inner", wsJob)
		create(t, "f", "sub", emptyFolderXML)
		create(t, "f/sub", "deep", wsJob)
		wantFresh(t, "f/inner")
		wantFresh(t, "f/sub/deep")
		siblings(t, "f/inner")
		post(t, "job/f/doDelete", "", 302)
		gone(t, "f", "f/inner", "f/sub/deep")
		create(t, "", "f", emptyFolderXML)
		create(t, "f", "inner", wsJob)
		wantFresh(t, "f/inner")
	})
	t.Run("a renamed folder's jobs' workspaces move with it", func(t *testing.T) {
		create(t, "", "g", emptyFolderXML)
		create(t, "g", "inner", wsJob)
		wantFresh(t, "g/inner")
		post(t, "job/g/doRename?newName=h", "", 302)
		gone(t, "g")
		wantKept(t, "h/inner")
		create(t, "", "g", emptyFolderXML)
		create(t, "g", "inner", wsJob)
		wantFresh(t, "g/inner")
	})
	t.Run("a new job does not inherit a workspace left under its name", func(t *testing.T) {
		// As an older jeeves left them when it deleted a job.
		siblings(t, "left")
		if err := os.MkdirAll(ws("left"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws("left"), "secret.txt"), []byte("s3cret"), 0o600); err != nil {
			t.Fatal(err)
		}
		create(t, "", "left", wsJob)
		gone(t, "left")
		wantFresh(t, "left")
	})
	t.Run("a rename onto a workspace left under the new name does not inherit it", func(t *testing.T) {
		siblings(t, "taken")
		create(t, "", "moving", wsJob)
		wantFresh(t, "moving")
		post(t, "job/moving/doRename?newName=taken", "", 302)
		if pathExists(ws("taken") + "@2") {
			t.Errorf("the old %s@2 is still there", ws("taken"))
		}
		wantKept(t, "taken")
	})
	t.Run("a job deleted while it builds is stopped first, then its workspace goes", func(t *testing.T) {
		create(t, "", "busy", slowJob)
		post(t, "job/busy/build", "", 201)
		pollUntil(t, "the build to write its file", func() bool { return pathExists(filepath.Join(ws("busy"), "secret.txt")) })
		post(t, "job/busy/doDelete", "", 302)
		gone(t, "busy")
		create(t, "", "busy", wsJob)
		wantFresh(t, "busy")
	})
	t.Run("a folder is not renamed while a job in it builds, and its workspaces stay", func(t *testing.T) {
		create(t, "", "busy-folder", emptyFolderXML)
		create(t, "busy-folder", "j", slowJob)
		post(t, "job/busy-folder/job/j/build", "", 201)
		pollUntil(t, "the build to write its file", func() bool { return pathExists(filepath.Join(ws("busy-folder/j"), "secret.txt")) })
		r := rs.raw(t, "POST", "job/busy-folder/doRename?newName=moved", "", admin)
		if r.status != 400 || !strings.Contains(r.body, "building") {
			t.Fatalf("want 400 saying a job is building, got %d %s", r.status, r.body)
		}
		if !pathExists(filepath.Join(ws("busy-folder/j"), "secret.txt")) || pathExists(ws("moved")) {
			t.Fatal("the workspace moved")
		}
		post(t, "job/busy-folder/doDelete", "", 302)
		gone(t, "busy-folder")
	})
}
