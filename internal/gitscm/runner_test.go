package gitscm

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/usererr"
	"github.com/jeeves-ci/jeeves/internal/workspace"
)

// TestRunner: git.Runner over the local launcher keeps git.Runner's
// contract.
func TestRunner(t *testing.T) {
	needTool(t, "flock", "apt-get install util-linux")
	dir := t.TempDir()
	r := &Runner{L: local.New(), Ctx: context.Background(), Env: testEnv(dir)}
	t.Run("a command runs in its directory with exactly its environment, and its status is returned", func(t *testing.T) {
		var out bytes.Buffer
		code, err := r.Run(context.Background(), dir, []string{"A=1"}, []string{"/bin/sh", "-c", `pwd; echo "A=$A HOME=$HOME"; exit 3`}, &out, &out)
		if err != nil || code != 3 || out.String() != dir+"\nA=1 HOME=\n" {
			t.Fatalf("%d %v %q", code, err, out.String())
		}
	})
	t.Run("a cancelled command is stopped with its children", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var out syncBuffer
		done := make(chan error, 1)
		go func() {
			_, err := r.Run(ctx, dir, nil, []string{"/bin/sh", "-c", "sleep 100 & echo started; wait"}, &out, &out)
			done <- err
		}()
		for i := 0; !strings.Contains(out.String(), "started"); i++ {
			if i > 1000 {
				t.Fatal("the command did not start")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the cancelled command did not end")
		}
	})
	t.Run("a file is written with its mode, also over a read-only one", func(t *testing.T) {
		p := filepath.Join(dir, "key")
		for i, content := range []string{"one", "two"} {
			if err := r.WriteFile(p, []byte(content), 0o400); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		fi, err := os.Stat(p)
		data, _ := r.ReadFile(p)
		if err != nil || fi.Mode().Perm() != 0o400 || string(data) != "two" {
			t.Fatalf("%v %v %q", fi.Mode(), err, data)
		}
	})
	t.Run("Mkdir refuses what exists, Stat and ReadFile say what does not", func(t *testing.T) {
		d := filepath.Join(dir, "private")
		if err := r.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := r.Mkdir(d, 0o700); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("second Mkdir: %v", err)
		}
		if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 {
			t.Fatalf("mode %v", fi.Mode())
		}
		if ok, isDir, err := r.Stat(d); !ok || !isDir || err != nil {
			t.Fatalf("%v %v %v", ok, isDir, err)
		}
		if ok, _, err := r.Stat(filepath.Join(dir, "none")); ok || err != nil {
			t.Fatalf("%v %v", ok, err)
		}
		if _, err := r.ReadFile(filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a lock excludes another holder until it is released", func(t *testing.T) {
		p := filepath.Join(dir, "mirror.lock")
		unlock, err := r.Lock(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if _, err := r.Lock(ctx, p); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a second holder got the lock: %v", err)
		}
		unlock()
		unlock() // a second release does nothing
		again, err := r.Lock(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		again()
	})
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := LoadSettings(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the defaults are Jenkins's: no local checkouts, the known hosts file, a token always", func(t *testing.T) {
		v := s.Get()
		if v.AllowLocalCheckout || v.HostKeys().Strategy != 0 || v.Identity() != nil || v.CheckNotifyAccess("", false).Status != 401 {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("values are stored and read back at the next start", func(t *testing.T) {
		v := Values{AllowLocalCheckout: true, HostKeyVerification: "ManuallyProvidedKeyVerificationStrategy", ApprovedHostKeys: "host ssh-ed25519 AAAA",
			GlobalConfigName: "jeeves", GlobalConfigEmail: "ci@example.com", NotifyCommitAccess: NotifyTokenNever}
		if err := s.Set(ctx, v); err != nil {
			t.Fatal(err)
		}
		again, err := LoadSettings(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		got := again.Get()
		if !got.AllowLocalCheckout || got.HostKeys().KnownHosts != "host ssh-ed25519 AAAA" || got.Identity().Email != "ci@example.com" ||
			got.NotifyCommitAccess != NotifyTokenNever {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("Set keeps the tokens, whatever the form sent", func(t *testing.T) {
		tok, _, err := s.GenerateNotifyToken(ctx, "hook")
		if err != nil {
			t.Fatal(err)
		}
		v := s.Get()
		v.NotifyTokens = []NotifyToken{{UUID: "forged", Name: "x", Hash: strings.Repeat("a", 64)}}
		if err := s.Set(ctx, v); err != nil {
			t.Fatal(err)
		}
		if got := s.Get().NotifyTokens; len(got) != 1 || got[0] != tok {
			t.Fatalf("%+v", got)
		}
		if err := s.RevokeNotifyToken(ctx, "nope"); !errors.Is(err, ErrNoToken) {
			t.Fatalf("%v", err)
		}
	})
	for _, c := range []struct {
		name  string
		v     Values
		field string
	}{
		{"an unknown host key strategy is refused", Values{HostKeyVerification: "Trust"}, "hostKeyVerification"},
		{"an unknown access control is refused", Values{NotifyCommitAccess: "off"}, "notifyCommitAccess"},
		{"a two-line identity is refused", Values{GlobalConfigName: "a\nb"}, "globalConfigName"},
		{"a huge known_hosts is refused", Values{ApprovedHostKeys: strings.Repeat("x", maxKnownHosts+1)}, "approvedHostKeys"},
		{"an empty hook secret id is refused", Values{GitHubHookSecrets: []string{""}}, "gitHubHookSecrets"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := s.Get()
			err := s.Set(ctx, c.v)
			var ue *usererr.Error
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &ue) || ue.Field != c.field {
				t.Fatalf("%v", err)
			}
			if after := s.Get(); after.HostKeyVerification != before.HostKeyVerification || after.NotifyCommitAccess != before.NotifyCommitAccess {
				t.Fatalf("stored half-way: %+v", after)
			}
		})
	}
}

// TestRecoverRemovesLeftCredentials: the credentials' files of checkouts
// and polls a jeeves killed mid-way left are removed at the next start;
// other files in @tmp and other jobs' stay.
func TestRecoverRemovesLeftCredentials(t *testing.T) {
	home := t.TempDir()
	l := local.New()
	node := &executor.Node{Name: "built-in", Launcher: l, Workspaces: workspace.New(l, home, nil)}
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{home}, parts...)...)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("-----BEGIN OPENSSH PRIVATE KEY-----"), 0o400); err != nil {
			t.Fatal(err)
		}
		return p
	}
	left := []string{
		mk("workspace", "f", "app@tmp", "jeeves-git-0011", "key-ab"),
		mk("workspace", "f", "app@2@tmp", "jeeves-git-2233", "key-cd"),
		mk("caches", "git-poll", "jeeves-git-4455", "askpass.sh"),
	}
	kept := []string{
		mk("workspace", "f", "app@tmp", "secretFiles", "x"),
		mk("workspace", "f", "other@tmp", "jeeves-git-6677", "key-ef"),
		mk("workspace", "f", "app", "jeeves-git-8899"),
	}
	p := New(Config{Launcher: l, Home: home})
	p.Recover(context.Background(), node, []*model.Build{{JobName: "f/app", Number: 3}})
	for _, f := range left {
		if _, err := os.Stat(filepath.Dir(f)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there (%v)", f, err)
		}
	}
	for _, f := range kept {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
