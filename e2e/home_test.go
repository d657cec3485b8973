package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildEnvironmentKeepsServerSecrets: a build inherits the server's
// environment, but no JEEVES_* variable: they configure jeeves, and
// JEEVES_ADMIN_PASSWORD is a secret.
func TestBuildEnvironmentKeepsServerSecrets(t *testing.T) {
	j := start(t, "", []string{"JEEVES_THROTTLE_FAILURES=7", "INHERITED_BY_BUILDS=yes"})
	j.createJob(t, "print-env", shellJob("env"))
	b := j.waitBuild(t, j.trigger(t, "print-env"))
	log := j.must(t, 200, req{path: strings.TrimPrefix(b.URL, j.url) + "consoleText", user: "admin", secret: j.adminToken(t)}).body
	t.Run("no JEEVES_ variable reaches the build", func(t *testing.T) {
		for _, line := range strings.Split(log, "\n") {
			if strings.HasPrefix(line, "JEEVES_") {
				t.Errorf("the build sees %s", line)
			}
		}
		if strings.Contains(log, adminPassword) {
			t.Errorf("the admin password is in the console:\n%s", log)
		}
	})
	t.Run("other server variables and Jenkins's own reach the build", func(t *testing.T) {
		for _, want := range []string{"\nINHERITED_BY_BUILDS=yes\n", "\nPATH=", "\nBUILD_NUMBER=1\n", "\nJOB_NAME=print-env\n"} {
			if !strings.Contains(log, want) {
				t.Errorf("console lacks %q:\n%s", strings.TrimSpace(want), log)
			}
		}
	})
}

// modeOf is path's permission bits; it fails the test if path is missing.
func modeOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// privatePaths are the home's parts that hold secrets, each with the
// mode it must have, once a build of job has run (its id is 1).
func privatePaths(home, job string) []struct {
	path string
	mode os.FileMode
} {
	return []struct {
		path string
		mode os.FileMode
	}{
		{home, 0o700},
		{filepath.Join(home, "jeeves.db"), 0o600},
		{filepath.Join(home, "jeeves.db-wal"), 0o600},
		{filepath.Join(home, "jeeves.db-shm"), 0o600},
		{filepath.Join(home, "builds"), 0o700},
		{filepath.Join(home, "builds", "1"), 0o700},
		{filepath.Join(home, "builds", "1", "1.log"), 0o600},
		{filepath.Join(home, "workspace"), 0o700},
		{filepath.Join(home, "workspace", job), 0o700},
		{filepath.Join(home, "audit"), 0o700},
		{filepath.Join(home, "audit", "audit.log"), 0o600},
		{filepath.Join(home, "secrets"), 0o700},
	}
}

// TestHomeIsPrivate: no other local user can read the home: not the
// database (password hashes, token hashes, password defaults), the
// console logs, the workspaces, the audit log or the secrets.
func TestHomeIsPrivate(t *testing.T) {
	t.Run("a new home, its database, logs and workspaces are created without group or other access", func(t *testing.T) {
		j := start(t, "", nil)
		j.createJob(t, "private", shellJob("echo secret > file"))
		j.waitBuild(t, j.trigger(t, "private"))
		for _, p := range privatePaths(j.home, "private") {
			if got := modeOf(t, p.path); got != p.mode {
				t.Errorf("%s: mode %v, want %v", p.path, got, p.mode)
			}
		}
		secrets, err := os.ReadDir(filepath.Join(j.home, "secrets"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range secrets {
			if got := modeOf(t, filepath.Join(j.home, "secrets", e.Name())); got != 0o600 {
				t.Errorf("secrets/%s: mode %v, want 0600", e.Name(), got)
			}
		}
		if strings.Contains(j.logBuf.String(), "made it private") {
			t.Errorf("a new home was reported as fixed:\n%s", j.logBuf.String())
		}
	})
	t.Run("an existing home open to others is made private at start, with one log line", func(t *testing.T) {
		first := start(t, "", nil)
		first.createJob(t, "private", shellJob("echo secret > file"))
		first.waitBuild(t, first.trigger(t, "private"))
		first.stop()
		// What an older jeeves left: everything readable by all.
		for _, p := range privatePaths(first.home, "private") {
			mode := os.FileMode(0o644)
			if p.mode == 0o700 {
				mode = 0o755
			}
			if err := os.Chmod(p.path, mode); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		j := start(t, first.home, nil)
		j.waitBuild(t, j.trigger(t, "private"))
		for _, p := range privatePaths(j.home, "private") {
			switch p.path {
			case filepath.Join(j.home, "builds", "1", "1.log"), filepath.Join(j.home, "workspace", "private"):
				continue // covered by their directories, whose modes are fixed
			}
			if got := modeOf(t, p.path); got != p.mode {
				t.Errorf("%s: mode %v, want %v", p.path, got, p.mode)
			}
		}
		var lines []string
		for _, line := range strings.Split(j.logBuf.String(), "\n") {
			if strings.Contains(line, "made it private") {
				lines = append(lines, line)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], "jeeves.db") || !strings.Contains(lines[0], "0755") {
			t.Fatalf("want one log line naming what was fixed, got %q:\n%s", lines, j.logBuf.String())
		}
		t.Log(lines[0])
	})
	t.Run("a home shared by every user, as /tmp is, is reported and left as it is", func(t *testing.T) {
		home := filepath.Join(t.TempDir(), "shared")
		if err := os.Mkdir(home, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(home, 0o777|os.ModeSticky); err != nil {
			t.Fatal(err)
		}
		j := start(t, home, nil)
		if fi, err := os.Stat(home); err != nil || fi.Mode()&(os.ModeSticky|os.ModePerm) != 0o777|os.ModeSticky {
			t.Fatalf("the shared directory's mode changed: %v %v", fi.Mode(), err)
		}
		if !strings.Contains(j.logBuf.String(), "give jeeves a directory of its own") {
			t.Fatalf("no line says the home is shared:\n%s", j.logBuf.String())
		}
	})
}

// TestRemovedWorkspacesLeftByAStopAreDeletedAtStart: a workspace is
// moved to HOME/trash before it is deleted; what a run did not finish
// deleting (it stopped, or a build left a tree it could not delete) goes
// at the next start.
func TestRemovedWorkspacesLeftByAStopAreDeletedAtStart(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	left := filepath.Join(home, "trash", "workspace-123", "old-job", "ro")
	if err := os.MkdirAll(left, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(left, "secret.txt"), []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(left, 0o500); err != nil { // as Go's module cache is
		t.Fatal(err)
	}
	start(t, home, nil)
	if entries, err := os.ReadDir(filepath.Join(home, "trash")); err != nil || len(entries) > 0 {
		t.Fatalf("the trash holds %v (%v)", entries, err)
	}
}
