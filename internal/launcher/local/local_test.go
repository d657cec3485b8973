package local

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/launcher"
)

func TestHasCookie(t *testing.T) {
	want := [][]byte{[]byte(launcher.CookieVar + "=abc")}
	cases := []struct {
		name string
		env  []string
		kill bool
	}{
		{"a process with the build's cookie is killed", []string{"PATH=/bin", launcher.CookieVar + "=abc", "BUILD_ID=7"}, true},
		{"a process with another build's cookie is spared", []string{launcher.CookieVar + "=abd"}, false},
		{"a process without a cookie is spared", []string{"PATH=/bin"}, false},
		{"a cookie that only starts the same is not the cookie", []string{launcher.CookieVar + "=abcd"}, false},
		{"BUILD_ID=dontKillMe opts out", []string{launcher.CookieVar + "=abc", "BUILD_ID=dontKillMe"}, false},
		{"BUILD_ID=dontKillMe before the cookie opts out too", []string{"BUILD_ID=dontKillMe", launcher.CookieVar + "=abc"}, false},
		{"JENKINS_NODE_COOKIE=dontKillMe opts out", []string{launcher.CookieVar + "=dontKillMe"}, false},
		{"dontKillMe in another variable does not opt out", []string{launcher.CookieVar + "=abc", "X=dontKillMe"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := []byte(strings.Join(c.env, "\x00") + "\x00")
			if got := hasCookie(env, want); got != c.kill {
				t.Fatalf("hasCookie(%q) = %v, want %v", c.env, got, c.kill)
			}
		})
	}
}

// run starts sh -c script and waits for it.
func run(t *testing.T, l *Launcher, p launcher.Proc) (int, error) {
	t.Helper()
	pr, err := l.Start(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return pr.Wait()
}

func sh(script string) []string { return []string{"/bin/sh", "-c", script} }

func TestStart(t *testing.T) {
	l := New()
	dir := t.TempDir()
	t.Run("a process runs in its directory with exactly its environment and the cookie", func(t *testing.T) {
		var out bytes.Buffer
		code, err := run(t, l, launcher.Proc{Argv: sh(`pwd; echo "$A"; env | grep -c . ; echo "$` + launcher.CookieVar + `"`), Dir: dir,
			Env: []string{"A=a"}, Stdout: &out, Cookie: "c1"})
		if code != 0 || err != nil {
			t.Fatalf("exit %d, %v", code, err)
		}
		lines := strings.Fields(out.String())
		// sh adds PWD (and may add SHLVL, _) to what it was given.
		if len(lines) != 4 || lines[0] != dir || lines[1] != "a" || lines[3] != "c1" {
			t.Fatalf("output %q", out.String())
		}
		l.KillAll(context.Background(), time.Second, "c1")
	})
	t.Run("a file as output is written by the process itself", func(t *testing.T) {
		f, err := os.Create(filepath.Join(dir, "log"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if code, err := run(t, l, launcher.Proc{Argv: sh("echo out; echo err >&2"), Dir: dir, Stdout: f, Stderr: f}); code != 0 || err != nil {
			t.Fatalf("exit %d, %v", code, err)
		}
		if b, _ := os.ReadFile(f.Name()); string(b) != "out\nerr\n" {
			t.Fatalf("log %q", b)
		}
	})
	t.Run("the exit code is the process's", func(t *testing.T) {
		if code, err := run(t, l, launcher.Proc{Argv: sh("exit 3"), Dir: dir}); code != 3 || err != nil {
			t.Fatalf("exit %d, %v", code, err)
		}
	})
	t.Run("a process killed by a signal exits 128+n", func(t *testing.T) {
		if code, err := run(t, l, launcher.Proc{Argv: sh("kill -9 $$"), Dir: dir}); code != 128+9 || err != nil {
			t.Fatalf("exit %d, %v", code, err)
		}
	})
	t.Run("a program that cannot start is an error from Start", func(t *testing.T) {
		if _, err := l.Start(context.Background(), launcher.Proc{Argv: []string{filepath.Join(dir, "nope")}, Dir: dir}); err == nil {
			t.Fatal("started")
		}
	})
	t.Run("a daemon holding the output pipe does not hold up Wait", func(t *testing.T) {
		var out bytes.Buffer
		code, err := run(t, l, launcher.Proc{Argv: sh("sleep 1000 & echo done"), Dir: dir, Stdout: &out, Cookie: "pipe"})
		l.KillAll(context.Background(), time.Second, "pipe")
		if code != 0 || err != nil || out.String() != "done\n" {
			t.Fatalf("exit %d, %v, %q", code, err, out.String())
		}
	})
	t.Run("without a cookie, what a process leaves in its group dies with it", func(t *testing.T) {
		pidFile := filepath.Join(dir, "left")
		if code, err := run(t, l, launcher.Proc{Argv: sh("sleep 1000 & echo $! > " + pidFile), Dir: dir}); code != 0 || err != nil {
			t.Fatalf("exit %d, %v", code, err)
		}
		waitGone(t, readPid(t, pidFile))
	})
	t.Run("Kill stops the whole process group", func(t *testing.T) {
		pidFile := filepath.Join(dir, "child")
		pr, err := l.Start(context.Background(), launcher.Proc{Argv: sh("sleep 1000 & echo $! > " + pidFile + "; wait"), Dir: dir, Cookie: "kill"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the child to start", func() bool { fi, err := os.Stat(pidFile); return err == nil && fi.Size() > 0 })
		child := readPid(t, pidFile)
		pr.Kill(time.Second)
		if code, _ := pr.Wait(); code != 128+int(syscall.SIGTERM) {
			t.Fatalf("exit %d", code)
		}
		waitGone(t, child)
		l.KillAll(context.Background(), time.Second, "kill")
	})
}

func TestKillAll(t *testing.T) {
	l := New()
	dir := t.TempDir()
	// Each daemon detaches itself in its own way and writes its pid.
	script := `setsid sleep 1000 & echo $! > ` + dir + `/setsid
( ( sleep 1000 & echo $! > ` + dir + `/doublefork ) & )
BUILD_ID=dontKillMe sleep 1000 & echo $! > ` + dir + `/optout
wait_for() { while [ ! -s ` + dir + `/$1 ]; do sleep 0.01; done; }
wait_for setsid; wait_for doublefork; wait_for optout`
	if code, err := run(t, l, launcher.Proc{Argv: sh(script), Dir: dir, Env: os.Environ(), Cookie: "sweep"}); code != 0 || err != nil {
		t.Fatalf("exit %d, %v", code, err)
	}
	optout := readPid(t, filepath.Join(dir, "optout"))
	t.Cleanup(func() { syscall.Kill(optout, syscall.SIGKILL) })
	// Until it has exec'd sleep, the opted-out process is a fork of the
	// shell, with the shell's environment: the cookie and no opt-out.
	waitFor(t, "the opted-out process to run sleep", func() bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(optout) + "/cmdline")
		return err == nil && strings.HasPrefix(string(b), "sleep\x00")
	})
	n, err := l.KillAll(context.Background(), time.Second, "sweep")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("every process carrying the cookie is gone, however it detached", func(t *testing.T) {
		// Two daemons, and maybe a subshell of the double fork that had
		// not exited yet.
		if n < 2 {
			t.Errorf("signalled %d processes, want at least 2", n)
		}
		for _, name := range []string{"setsid", "doublefork"} {
			waitGone(t, readPid(t, filepath.Join(dir, name)))
		}
	})
	t.Run("a process that opted out with dontKillMe outlives the sweep", func(t *testing.T) {
		if !alive(optout) {
			t.Fatal("the dontKillMe process was killed")
		}
	})
	t.Run("a sweep for a cookie nothing carries signals nothing", func(t *testing.T) {
		if n, err := l.KillAll(context.Background(), time.Second, "none"); n != 0 || err != nil {
			t.Fatalf("%d, %v", n, err)
		}
	})
}

func TestFiles(t *testing.T) {
	l := New()
	ctx := context.Background()
	root := t.TempDir()
	t.Run("MkdirAll, WriteFile, Open, Stat and ReadDir work on the machine's paths", func(t *testing.T) {
		dir := filepath.Join(root, "a", "b")
		if err := l.MkdirAll(ctx, dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := l.WriteFile(ctx, filepath.Join(dir, "f"), strings.NewReader("hello"), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := l.Open(ctx, filepath.Join(dir, "f"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		fi, err := l.Stat(ctx, filepath.Join(dir, "f"))
		if string(b) != "hello" || err != nil || fi.Size() != 5 || fi.Mode().Perm() != 0o600 {
			t.Fatalf("read %q, stat %v %v", b, fi, err)
		}
		es, err := l.ReadDir(ctx, filepath.Join(root, "a"))
		if err != nil || len(es) != 1 || es[0].Name() != "b" {
			t.Fatalf("readdir %v %v", es, err)
		}
	})
	t.Run("CreateTemp writes a new private file and never follows one planted there", func(t *testing.T) {
		name, err := l.CreateTemp(ctx, root, "s*.sh", strings.NewReader("echo hi"))
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(name)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 || filepath.Dir(name) != root {
			t.Fatalf("%s: %v %v", name, fi, err)
		}
		if b, _ := os.ReadFile(name); string(b) != "echo hi" {
			t.Fatalf("content %q", b)
		}
		other, err := l.CreateTemp(ctx, root, "s*.sh", strings.NewReader(""))
		if err != nil || other == name {
			t.Fatalf("second temp %q %v", other, err)
		}
	})
	t.Run("Walk lists the tree in lexical order", func(t *testing.T) {
		var got []string
		err := l.Walk(ctx, filepath.Join(root, "a"), func(p string, d fs.DirEntry, err error) error {
			rel, _ := filepath.Rel(root, p)
			got = append(got, rel)
			return err
		})
		if err != nil || strings.Join(got, " ") != "a a/b a/b/f" {
			t.Fatalf("walk %q %v", got, err)
		}
	})
	t.Run("Rename and Remove move and delete", func(t *testing.T) {
		if err := l.Rename(ctx, filepath.Join(root, "a", "b", "f"), filepath.Join(root, "g")); err != nil {
			t.Fatal(err)
		}
		if err := l.Remove(ctx, filepath.Join(root, "g")); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Stat(ctx, filepath.Join(root, "g")); !os.IsNotExist(err) {
			t.Fatalf("stat after remove: %v", err)
		}
	})
	t.Run("RemoveAll removes a tree with read-only directories in it", func(t *testing.T) {
		// As root, permissions stop nothing and the first attempt
		// succeeds; as anyone else the directories are made writable
		// first.
		ro := filepath.Join(root, "ro", "pkg")
		if err := os.MkdirAll(ro, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(ro, "x"), nil, 0o400)
		os.Chmod(ro, 0o500)
		if err := l.RemoveAll(ctx, filepath.Join(root, "ro")); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(root, "ro")); !os.IsNotExist(err) {
			t.Fatalf("still there: %v", err)
		}
		if err := l.RemoveAll(ctx, filepath.Join(root, "ro")); err != nil {
			t.Fatalf("removing nothing: %v", err)
		}
	})
}

func readPid(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid %q", b)
	}
	return pid
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	waitFor(t, "process "+strconv.Itoa(pid)+" to be gone", func() bool { return !alive(pid) })
}

// waitFor polls cond (there is no event for a process's end elsewhere
// than its parent) until it holds, failing after a deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkKillAllNoneLeft is what every build pays at its end when it
// left nothing behind and ran for over a second: one scan of /proc.
func BenchmarkKillAllNoneLeft(b *testing.B) {
	l := New()
	for b.Loop() {
		l.KillAll(context.Background(), time.Second, "no-such-cookie")
	}
}

// BenchmarkKillAllAfterShortBuild is what a short build pays at its end:
// only processes newer than its first are read.
func BenchmarkKillAllAfterShortBuild(b *testing.B) {
	step := exec.Command("/bin/true")
	if err := step.Run(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		killProcesses(context.Background(), time.Second, scope{first: step.Process.Pid, since: time.Now()}, "no-such-cookie")
	}
}
