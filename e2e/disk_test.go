package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of size on a new directory. It needs root:
// without it the test skips, or fails under CI (.ci/run runs as root).
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	needRoot(t, "it mounts a small tmpfs to fill")
	need(t, "mount", "mount", "apt-get install mount")
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount -t tmpfs -o %s: %v %s (this test needs root)", opts, err, out)
	}
	t.Cleanup(func() {
		// Lazily: a killed build's process may still be leaving it.
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file in dir until the disk refuses with ENOSPC, and
// returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// The last, short write may have left part of a page: fill it too.
	for {
		if _, err := f.Write(chunk[:1]); err != nil {
			break
		}
	}
	return path
}

// TestFullDisk: with the disk holding the home full, requests that must
// write say why (507 and X-Error), a build whose log cannot be written
// ends FAILURE saying why, nothing is corrupted, and once space returns
// jeeves works again without a restart.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	dir := mountTmpfs(t, "size=16m")
	home := filepath.Join(dir, "home")
	gate := filepath.Join(t.TempDir(), "gate")
	wrote := filepath.Join(t.TempDir(), "wrote")
	j := start(t, home, nil, "--executors", "2")
	t.Cleanup(func() { killHomeProcesses(home) })
	tok := j.adminToken(t)
	j.createJob(t, "before", shellJob("echo kept-before"))
	if b := j.waitBuild(t, j.trigger(t, "before")); *b.Result != "SUCCESS" {
		t.Fatalf("first build %s", *b.Result)
	}
	before := j.must(t, 200, req{path: "job/before/1/consoleText", user: "admin", secret: tok}).body
	// writer's step waits at the gate, then prints more than the disk holds.
	j.createJob(t, "writer", shellJob(gateScript(gate)+"\nseq 1 300000 || { touch "+wrote+"; exit 1; }"))
	writer := j.trigger(t, "writer")
	waitFor(t, "the writer build to run", func() bool {
		r := j.do(t, req{path: "job/writer/1/consoleText", user: "admin", secret: tok})
		return r.status == 200 && strings.Contains(r.body, "started writer")
	})
	filler := fill(t, dir)

	t.Run("a request that must write answers 507 with the reason in the body and X-Error", func(t *testing.T) {
		for _, r := range []req{
			{method: "POST", path: "job/before/build", user: "admin", secret: tok},
			{method: "POST", path: "createItem?name=new", user: "admin", secret: tok,
				header: map[string]string{"Content-Type": "application/xml"}, body: shellJob("echo new")},
		} {
			got := j.do(t, r)
			if got.status != 507 || !strings.Contains(got.header.Get("X-Error"), "disk holding its home is full") ||
				!strings.Contains(got.body, "no space left on device") {
				t.Errorf("%s %s: %d X-Error %q\n%s", r.method, r.path, got.status, got.header.Get("X-Error"), got.body)
			}
		}
	})
	t.Run("reads still work", func(t *testing.T) {
		j.must(t, 200, req{path: "api/json", user: "admin", secret: tok})
		if got := j.must(t, 200, req{path: "job/before/1/consoleText", user: "admin", secret: tok}).body; got != before {
			t.Fatalf("log changed:\n%s", got)
		}
	})
	t.Run("a build whose log cannot be written waits, shown running, until its result can be recorded", func(t *testing.T) {
		if err := os.WriteFile(gate, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the step to fail writing", func() bool { _, err := os.Stat(wrote); return err == nil })
		waitFor(t, "jeeves to report it cannot record the result", func() bool {
			return strings.Contains(j.logBuf.String(), "cannot record build result")
		})
		if !strings.Contains(j.logBuf.String(), `msg="cannot write build log" job=writer build=1 err=`) {
			t.Errorf("jeeves's log does not say the build log could not be written:\n%s", j.logBuf.String())
		}
		var b struct{ Building bool }
		j.json(t, "job/writer/1/api/json", &b)
		if !b.Building {
			t.Fatal("the build shows finished though its result is not recorded")
		}
	})

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	t.Run("once space returns, that build ends FAILURE with the reason in its log", func(t *testing.T) {
		b := j.waitBuild(t, writer)
		log := j.must(t, 200, req{path: "job/writer/1/consoleText", user: "admin", secret: tok}).body
		if *b.Result != "FAILURE" || !strings.Contains(log, "\nERROR: jeeves could not write all of this console log (write: no space left on device); output is missing\nFinished: FAILURE\n") {
			t.Fatalf("%s\n%s", *b.Result, log[max(0, len(log)-500):])
		}
	})
	t.Run("once space returns, jeeves works again without a restart", func(t *testing.T) {
		// "new" is the job whose creation the full disk refused: nothing
		// of it was left behind.
		j.createJob(t, "new", shellJob("echo new"))
		for _, name := range []string{"before", "new"} {
			if b := j.waitBuild(t, j.trigger(t, name)); *b.Result != "SUCCESS" {
				t.Fatalf("%s: %s", name, *b.Result)
			}
		}
		if got := j.must(t, 200, req{path: "job/before/1/consoleText", user: "admin", secret: tok}).body; got != before {
			t.Fatalf("log changed:\n%s", got)
		}
	})
	j.stop()
	t.Run("the database passes its integrity check", func(t *testing.T) {
		integrityCheck(t, home)
	})
}

// TestBadHome: jeeves refuses to start on a home it cannot write, and
// says which and why.
func TestBadHome(t *testing.T) {
	t.Parallel()
	readOnly := mountTmpfs(t, "size=1m,ro")
	full := mountTmpfs(t, "size=1m")
	fill(t, full)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, home, cause string }{
		{"a read-only home", readOnly, "read-only file system"},
		{"a home on a full disk", full, "no space left on device"},
		{"a home below a full disk", filepath.Join(full, "home"), "no space left on device"},
		{"a home that is a file", file, "not a directory"},
	}
	for _, c := range cases {
		t.Run(c.name+" stops jeeves with the path and the cause", func(t *testing.T) {
			cmd := exec.Command(binary, "serve", "--home", c.home, "--listen", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "JEEVES_ADMIN_PASSWORD="+adminPassword)
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("jeeves did not refuse to start:\n%s", out.String())
			}
			if code := cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(out.String(), c.home) || !strings.Contains(out.String(), c.cause) {
				t.Fatalf("exit code %d, output:\n%s", code, out.String())
			}
		})
	}
}
