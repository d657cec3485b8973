package git

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestMirrors(t *testing.T) {
	f := newFixture(t)
	f.repo.commit("one", map[string]string{"a.txt": "a\n"})
	s := scmFor(t, f.url, "*/main", "")
	mirrorDir := MirrorDir(f.cache, f.url)
	checkout := func(t *testing.T, prev *BuildData, n int) (*Result, string) {
		t.Helper()
		res, console, err := f.checkout(s, prev, n, nil)
		if err != nil {
			t.Fatalf("checkout: %v\n%s", err, console)
		}
		return res, console
	}

	t.Run("a workspace borrows its objects from the mirror", func(t *testing.T) {
		f.ws = filepath.Join(t.TempDir(), "ws")
		checkout(t, nil, 1)
		alt, _ := os.ReadFile(filepath.Join(f.ws, ".git", "objects", "info", "alternates"))
		if strings.TrimSpace(string(alt)) != filepath.Join(mirrorDir, "objects") {
			t.Errorf("alternates = %q", alt)
		}
		if n := gitOut(t, f.ws, "count-objects"); !strings.HasPrefix(n, "0 objects") {
			t.Errorf("the workspace has objects of its own: %s", n)
		}
		cfg, _ := os.ReadFile(filepath.Join(f.ws, ".git", "config"))
		if !strings.Contains(string(cfg), "url = "+f.url) {
			t.Errorf("remote.origin.url is not the remote's URL:\n%s", cfg)
		}
	})

	t.Run("builds of two workspaces at once share the mirror", func(t *testing.T) {
		f.repo.commit("two", map[string]string{"b.txt": "b\n"})
		var wg sync.WaitGroup
		errs := make([]error, 4)
		logs := make([]string, 4)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				var log syncBuffer
				c := &Checkout{SCM: s, Runner: LocalRunner{}, Workspace: filepath.Join(t.TempDir(), "ws"),
					TmpDir: t.TempDir(), CacheDir: f.cache, Env: testEnv(f.home), BuildNumber: 1, Log: &log}
				_, errs[i] = c.Run(context.Background())
				logs[i] = log.String()
			}(i)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("checkout %d: %v\n%s", i, err, logs[i])
			}
		}
	})

	corruptions := []struct {
		name   string
		break_ func()
		want   string
	}{
		{"a mirror whose objects were lost is mended by the next fetch", func() {
			packs, _ := filepath.Glob(filepath.Join(mirrorDir, "objects", "pack", "*"))
			for _, p := range packs {
				os.Remove(p)
			}
		}, "Checking out Revision"},
		{"a mirror whose packs are damaged is rebuilt", func() {
			packs, _ := filepath.Glob(filepath.Join(mirrorDir, "objects", "pack", "*.pack"))
			for _, p := range packs {
				os.WriteFile(p, []byte("garbage"), 0o644)
			}
		}, "The git mirror " + mirrorDir + " is rebuilt"},
		{"a mirror left half-made is rebuilt", func() {
			os.Remove(filepath.Join(mirrorDir, mirrorIDFile))
		}, "is rebuilt: it was not completely made"},
		{"a mirror whose fetch was interrupted and is damaged is rebuilt", func() {
			os.WriteFile(filepath.Join(mirrorDir, mirrorFetchMark), nil, 0o644)
			packs, _ := filepath.Glob(filepath.Join(mirrorDir, "objects", "pack", "*.pack"))
			for _, p := range packs {
				os.WriteFile(p, []byte("garbage"), 0o644)
			}
		}, "is rebuilt: its last fetch was interrupted and it is damaged"},
		{"a mirror that was deleted is made again and the workspace cloned again", func() {
			os.RemoveAll(mirrorDir)
		}, "The git mirror this workspace borrows objects from was rebuilt or removed: cloning again"},
	}
	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			f.ws = filepath.Join(t.TempDir(), "ws")
			res, _ := checkout(t, nil, 1)
			c.break_()
			sha := f.repo.commit("after "+c.name, map[string]string{"c.txt": c.name})
			res2, console := checkout(t, res.BuildData, 2)
			if res2.Revision.SHA1 != sha {
				t.Errorf("built %s, want %s", res2.Revision.SHA1, sha)
			}
			if !strings.Contains(console, c.want) {
				t.Errorf("console lacks %q:\n%s", c.want, console)
			}
			if out := gitOut(t, f.ws, "fsck", "--connectivity-only"); strings.Contains(out, "missing") {
				t.Errorf("the workspace is damaged: %s", out)
			}
			if _, err := os.Stat(filepath.Join(mirrorDir, mirrorFetchMark)); err == nil {
				t.Error("the interrupted-fetch mark is still there")
			}
		})
	}

	t.Run("PruneMirrors removes the mirrors no job uses, and their workspaces recover", func(t *testing.T) {
		f.ws = filepath.Join(t.TempDir(), "ws")
		res, _ := checkout(t, nil, 1)
		other := MirrorDir(f.cache, "https://example.com/unused.git")
		os.MkdirAll(other, 0o755)
		removed, err := PruneMirrors(context.Background(), LocalRunner{}, f.cache, []string{f.url})
		if err != nil || len(removed) != 1 || removed[0] != other {
			t.Fatalf("removed %v, %v", removed, err)
		}
		if _, err := os.Stat(mirrorDir); err != nil {
			t.Error("the used mirror was removed")
		}
		removed, err = PruneMirrors(context.Background(), LocalRunner{}, f.cache, nil)
		if err != nil || len(removed) != 1 {
			t.Fatalf("removed %v, %v", removed, err)
		}
		_, console := checkout(t, res.BuildData, 2)
		if !strings.Contains(console, "cloning again") {
			t.Errorf("console:\n%s", console)
		}
	})

	t.Run("PruneMirrors on a missing cache does nothing", func(t *testing.T) {
		removed, err := PruneMirrors(context.Background(), LocalRunner{}, filepath.Join(t.TempDir(), "none"), nil)
		if err != nil || len(removed) != 0 {
			t.Errorf("removed %v, %v", removed, err)
		}
	})
}

func TestLocalRunnerLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	r := LocalRunner{}
	unlock, err := r.Lock(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a second holder waits until the first unlocks", func(t *testing.T) {
		got := make(chan func(), 1)
		go func() {
			u, err := r.Lock(context.Background(), p)
			if err != nil {
				t.Error(err)
			}
			got <- u
		}()
		select {
		case u := <-got:
			u()
			t.Fatal("the lock was taken twice")
		default:
		}
		unlock()
		(<-got)()
	})
	t.Run("waiting ends when the context does", func(t *testing.T) {
		u, _ := r.Lock(context.Background(), p)
		defer u()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := r.Lock(ctx, p); err == nil {
			t.Error("Lock succeeded")
		}
	})
}

func TestMirrorRefspecs(t *testing.T) {
	cases := []struct {
		in   []string
		tags bool
		want string
	}{
		{[]string{"+refs/heads/*:refs/remotes/origin/*"}, true, "+refs/heads/*:refs/heads/* +refs/tags/*:refs/tags/*"},
		{[]string{"+refs/heads/main:refs/remotes/origin/main"}, false, "+refs/heads/main:refs/heads/main"},
		{[]string{"+refs/pull/*/head:refs/remotes/origin/pr/*", "^refs/heads/x"}, false, "+refs/pull/*/head:refs/pull/*/head ^refs/heads/x"},
		{[]string{"main:origin/main"}, false, "+refs/heads/main:refs/heads/main"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.in, " ")+" is fetched into the mirror as "+c.want, func(t *testing.T) {
			if got := strings.Join(mirrorRefspecs(c.in, c.tags), " "); got != c.want {
				t.Errorf("mirrorRefspecs = %q", got)
			}
		})
	}
}
