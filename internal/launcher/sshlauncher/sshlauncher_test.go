package sshlauncher

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// syncBuf is a bytes.Buffer safe for concurrent use.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func config(srv *sshtest.Server) sshagent.Config {
	return sshagent.Config{
		Name: "agent1", Host: srv.Addr, Port: srv.Port,
		Auth:              sshagent.Auth{User: srv.User, Signers: []ssh.Signer{srv.ClientKey}},
		HostKey:           sshagent.ManuallyProvided{Key: srv.HostKey.PublicKey()},
		RemoteFS:          srv.Home + "/agent",
		LaunchTimeout:     3 * time.Second,
		MaxRetries:        -1,
		RetryWait:         200 * time.Millisecond,
		KeepAliveInterval: 200 * time.Millisecond,
		KeepAliveCountMax: 3,
		OfflineTimeout:    20 * time.Second,
		Reconnect:         true,
	}
}

func dial(t *testing.T, cfg sshagent.Config) *sshagent.Agent {
	t.Helper()
	a, err := sshagent.Dial(ctx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestProcesses(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	a := dial(t, config(srv))
	l := New(Fixed(a))
	ws := a.RemoteFS() + "/workspace/job"
	if err := l.MkdirAll(ctx(t), ws, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Run("a process runs in its directory with its environment, and says how it ended", func(t *testing.T) {
		var out syncBuf
		p, err := l.Start(ctx(t), launcher.Proc{Argv: []string{"sh", "-c", `pwd; echo "$A $` + launcher.CookieVar + `"; echo err >&2; exit 3`},
			Dir: ws, Env: []string{"A=a"}, Stdout: &out, Stderr: &out, Cookie: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		code, err := p.Wait()
		if err != nil || code != 3 || out.String() != ws+"\na c1\nerr\n" {
			t.Fatalf("%d %v %q", code, err, out.String())
		}
		d, ok := p.(launcher.Durable)
		if !ok || !strings.HasPrefix(d.Handle(), ws+"@tmp/durable-") || d.Offset() != int64(len(out.String())) {
			t.Fatalf("durable %v: %+v", ok, d)
		}
	})
	t.Run("Kill stops the process's group, TERM first", func(t *testing.T) {
		var out syncBuf
		p, err := l.Start(ctx(t), launcher.Proc{Argv: []string{"sh", "-c", `trap 'echo term; exit 9' TERM; echo up; while :; do sleep 0.05; done`}, Dir: ws, Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		sshtest.Eventually(t, 10*time.Second, "the process starts", func() bool { return strings.Contains(out.String(), "up") })
		if err := p.Kill(5 * time.Second); err != nil {
			t.Fatal(err)
		}
		if code, err := p.Wait(); err != nil || code != 9 || !strings.Contains(out.String(), "term") {
			t.Fatalf("%d %v %q", code, err, out.String())
		}
	})
	t.Run("KillAll kills what carries a cookie and spares dontKillMe", func(t *testing.T) {
		p, err := l.Start(ctx(t), launcher.Proc{Argv: []string{"sh", "-c", `setsid sleep 2001 </dev/null >/dev/null 2>&1 &
BUILD_ID=dontKillMe setsid sleep 2002 </dev/null >/dev/null 2>&1 &`}, Dir: ws, Cookie: "c2"})
		if err != nil {
			t.Fatal(err)
		}
		p.Wait()
		if n, err := l.KillAll(ctx(t), time.Second, "c2", "c3"); err != nil || n != 1 {
			t.Fatalf("%d %v", n, err)
		}
		if n, _ := l.KillAll(ctx(t), time.Second, "c2"); n != 0 {
			t.Fatalf("left %d", n)
		}
	})
	t.Run("a process is found again by its handle, from an offset", func(t *testing.T) {
		var out syncBuf
		p, err := l.Start(ctx(t), launcher.Proc{Argv: []string{"sh", "-c", `echo one; sleep 0.5; echo two`}, Dir: ws, Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		sshtest.Eventually(t, 10*time.Second, "the first line", func() bool { return out.String() == "one\n" })
		d := p.(launcher.Durable)
		if !d.Detach() {
			t.Fatal("ended already")
		}
		other := New(Fixed(dial(t, config(srv))))
		var rest syncBuf
		q, err := other.Reattach(ctx(t), d.Handle(), 4, &rest)
		if err != nil {
			t.Fatal(err)
		}
		if code, err := q.Wait(); err != nil || code != 0 || rest.String() != "two\n" {
			t.Fatalf("%d %v %q", code, err, rest.String())
		}
		if _, err := p.Wait(); !errors.Is(err, sshagent.ErrDetached) {
			t.Fatalf("the process let go of: %v", err)
		}
	})
}

func TestAgentGoneForGood(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(srv)
	cfg.OfflineTimeout = 1500 * time.Millisecond
	a := dial(t, cfg)
	l := New(Fixed(a))
	ws := a.RemoteFS() + "/workspace/job"
	if err := l.MkdirAll(ctx(t), ws, 0o755); err != nil {
		t.Fatal(err)
	}
	var out syncBuf
	p, err := l.Start(ctx(t), launcher.Proc{Argv: []string{"sh", "-c", `echo up; sleep 30`}, Dir: ws, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	sshtest.Eventually(t, 10*time.Second, "the process starts", func() bool { return out.String() == "up\n" })
	srv.LinkDown()
	defer srv.LinkUp()
	code, err := p.Wait()
	if code == 0 || !errors.Is(err, launcher.ErrOffline) || !strings.Contains(err.Error(), "Agent went offline during the build") {
		t.Fatalf("%d %v", code, err)
	}
}

func TestFiles(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	a := dial(t, config(srv))
	l := New(Fixed(a))
	c := ctx(t)
	root := a.RemoteFS() + "/tree"
	for _, d := range []string{"a/b", "a.d", "c"} {
		if err := l.MkdirAll(c, root+"/"+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a/b/f", "a/g", "a.txt", "a.d/h", "c/i", "z"} {
		if err := l.WriteFile(c, root+"/"+f, strings.NewReader(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The agent's files are on this machine too: the local launcher
	// walks them as fs.WalkDir does.
	walk := func(l launcher.Launcher, skip string) []string {
		var got []string
		err := l.Walk(c, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			got = append(got, strings.TrimPrefix(p, root)+map[bool]string{true: "/"}[d.IsDir()])
			if p == root+"/"+skip {
				return fs.SkipDir
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, skip := range []string{"", "a", "a/g", "c"} {
		t.Run("Walk lists the tree as fs.WalkDir does, skipping "+skip, func(t *testing.T) {
			got, want := walk(l, skip), walk(local.New(), skip)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
		})
	}
	t.Run("Walk of a missing root calls fn once with the error", func(t *testing.T) {
		calls := 0
		err := l.Walk(c, root+"/nope", func(p string, d fs.DirEntry, err error) error {
			calls++
			return err
		})
		if calls != 1 || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%d %v", calls, err)
		}
	})
	t.Run("the other file operations reach the agent", func(t *testing.T) {
		f, err := l.CreateTemp(c, "", "jeeves*.sh", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Rename(c, f, root+"/moved"); err != nil {
			t.Fatal(err)
		}
		r, err := l.Open(c, root+"/moved")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "x" {
			t.Fatalf("%q", b)
		}
		if err := l.Remove(c, root+"/moved"); err != nil {
			t.Fatal(err)
		}
		d, err := l.MkdirTemp(c, root, "t-*")
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := l.Stat(c, d); err != nil || !fi.IsDir() {
			t.Fatal(err)
		}
		list, err := l.ReadDir(c, root)
		if err != nil || len(list) != 6 {
			t.Fatalf("%v %v", list, err)
		}
		if err := l.RemoveAll(c, root); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Stat(c, root); !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	})
}
