package git

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestCheckoutFirstAndSecondBuild(t *testing.T) {
	for _, mirror := range []bool{false, true} {
		name := "without a mirror"
		if mirror {
			name = "through a mirror"
		}
		t.Run("a first build clones and a second fetches "+name, func(t *testing.T) {
			f := newFixture(t)
			first := f.repo.commit("Add hello", map[string]string{"hello.txt": "hello\n"})
			s := scmFor(t, f.url, "*/main", "")
			mod := func(c *Checkout) {
				if !mirror {
					c.CacheDir = ""
				}
			}
			res, console, err := f.checkout(s, nil, 1, mod)
			if err != nil {
				t.Fatalf("first checkout: %v\n%s", err, console)
			}
			if res.Revision.SHA1 != first {
				t.Errorf("built %s, want %s", res.Revision.SHA1, first)
			}
			if got, _ := os.ReadFile(filepath.Join(f.ws, "hello.txt")); string(got) != "hello\n" {
				t.Errorf("hello.txt = %q", got)
			}
			paths := map[string]string{f.ws: "/WS", f.cache: "/CACHE"}
			suffix := ""
			if mirror {
				suffix = "-mirror"
			}
			golden(t, "console/first"+suffix+".txt", normalize(console, paths))

			second := f.repo.commit("Change hello\n\nWith a body.", map[string]string{"hello.txt": "hello again\n", "new.txt": "new\n"})
			res2, console2, err := f.checkout(s, res.BuildData, 2, mod)
			if err != nil {
				t.Fatalf("second checkout: %v\n%s", err, console2)
			}
			if res2.Revision.SHA1 != second {
				t.Errorf("built %s, want %s", res2.Revision.SHA1, second)
			}
			if len(res2.Changes) != 1 || res2.Changes[0].CommitID != second || res2.Changes[0].Title != "Change hello" {
				t.Errorf("changes = %+v", res2.Changes)
			}
			golden(t, "console/second"+suffix+".txt", normalize(console2, paths))
			if strings.Contains(console2, "Cloning") {
				t.Errorf("the second build cloned again:\n%s", console2)
			}
		})
	}
}

// branches makes main, feature/x, release-1 and a tag v1.2 in the
// fixture's repository, each a commit on its own, oldest first.
func branches(f *fixture) map[string]string {
	r := f.repo
	shas := map[string]string{}
	shas["base"] = r.commit("base", map[string]string{"a.txt": "a\n"})
	r.git("tag", "-a", "-m", "release 1.2", "v1.2")
	r.git("checkout", "-q", "-b", "feature/x")
	shas["feature/x"] = r.commit("feature", map[string]string{"f.txt": "f\n"})
	r.git("checkout", "-q", "-b", "release-1", "main")
	shas["release-1"] = r.commit("release", map[string]string{"r.txt": "r\n"})
	r.git("checkout", "-q", "main")
	shas["main"] = r.commit("main work", map[string]string{"m.txt": "m\n"})
	return shas
}

func TestBranchSpecCheckouts(t *testing.T) {
	f := newFixture(t)
	shas := branches(f)
	cases := []struct {
		spec       string
		wantSHA    string
		wantBranch string // the first branch name recorded
		gitBranch  string // GIT_BRANCH
		catchUp    bool
	}{
		{"*/main", shas["main"], "refs/remotes/origin/main", "origin/main", false},
		{"main", shas["main"], "origin/main", "origin/main", false},
		{"origin/main", shas["main"], "refs/remotes/origin/main", "origin/main", false},
		{"refs/heads/main", shas["main"], "refs/remotes/origin/main", "origin/main", false},
		{"refs/tags/v1.2", shas["base"], "refs/tags/v1.2", "refs/tags/v1.2", false},
		{shas["feature/x"][:10], shas["feature/x"], "detached", "detached", false},
		{shas["release-1"], shas["release-1"], "detached", "detached", false},
		{"*/feature/*", shas["feature/x"], "origin/feature/x", "origin/feature/x", false},
		{"*/release-*", shas["release-1"], "origin/release-1", "origin/release-1", false},
		{":^origin/rel.*", shas["release-1"], "origin/release-1", "origin/release-1", false},
		// ** sees feature/x, release-1, main (tips) and the tag (an
		// ancestor): the oldest commit first, and a catch-up build.
		{"**", shas["feature/x"], "origin/feature/x", "origin/feature/x", true},
	}
	for i, c := range cases {
		t.Run("the spec "+c.spec+" builds "+c.wantBranch, func(t *testing.T) {
			f.ws = filepath.Join(t.TempDir(), "ws")
			res, console, err := f.checkout(scmFor(t, f.url, c.spec, ""), nil, i+1, nil)
			if err != nil {
				t.Fatalf("checkout: %v\n%s", err, console)
			}
			if res.Revision.SHA1 != c.wantSHA || res.Revision.Branches[0].Name != c.wantBranch {
				t.Errorf("built %v, want %s (%s)\n%s", res.Revision, c.wantSHA, c.wantBranch, console)
			}
			if res.CatchUp != c.catchUp {
				t.Errorf("catch-up = %v, want %v\n%s", res.CatchUp, c.catchUp, console)
			}
			env := scmFor(t, f.url, c.spec, "").Environment(EnvInput{This: res.BuildData})
			if env["GIT_BRANCH"] != c.gitBranch || env["GIT_COMMIT"] != c.wantSHA {
				t.Errorf("GIT_BRANCH=%q GIT_COMMIT=%q", env["GIT_BRANCH"], env["GIT_COMMIT"])
			}
			head, _ := exec.Command("git", "-C", f.ws, "rev-parse", "HEAD").Output()
			if strings.TrimSpace(string(head)) != c.wantSHA {
				t.Errorf("HEAD is %s", head)
			}
			if sym, err := exec.Command("git", "-C", f.ws, "symbolic-ref", "-q", "HEAD").Output(); err == nil {
				t.Errorf("HEAD is not detached: %s", sym)
			}
		})
	}

	t.Run("** builds each new branch once, then the last again", func(t *testing.T) {
		f.ws = filepath.Join(t.TempDir(), "ws")
		s := scmFor(t, f.url, "**", "")
		var data *BuildData
		var built []string
		for n := 1; n <= 4; n++ {
			res, console, err := f.checkout(s, data, n, nil)
			if err != nil {
				t.Fatalf("build %d: %v\n%s", n, err, console)
			}
			data = res.BuildData
			built = append(built, res.Revision.SHA1)
		}
		want := []string{shas["feature/x"], shas["release-1"], shas["main"], shas["main"]}
		if strings.Join(built, " ") != strings.Join(want, " ") {
			t.Errorf("built %v, want %v", built, want)
		}
	})

	t.Run("a spec that matches nothing aborts with the plugin's message", func(t *testing.T) {
		f.ws = filepath.Join(t.TempDir(), "ws")
		_, console, err := f.checkout(scmFor(t, f.url, "*/nope", ""), nil, 1, nil)
		var ae *AbortError
		if !asAbort(err, &ae) || ae.Message != NoRevisionMessage {
			t.Fatalf("err = %v", err)
		}
		if !strings.HasSuffix(console, " > git rev-parse refs/remotes/origin/nope^{commit} # timeout=10\n > git rev-parse origin/nope^{commit} # timeout=10\nERROR: "+NoRevisionMessage+"\n") {
			t.Errorf("console:\n%s", console)
		}
	})

	t.Run("a notifyCommit sha1 is built whatever the spec, as the first branch containing it", func(t *testing.T) {
		f.ws = filepath.Join(t.TempDir(), "ws")
		res, console, err := f.checkout(scmFor(t, f.url, "*/main", ""), nil, 1, func(c *Checkout) {
			c.Commit = &RequestedCommit{SHA1: shas["base"], RepoURL: f.url}
		})
		if err != nil {
			t.Fatalf("checkout: %v\n%s", err, console)
		}
		if res.Revision.SHA1 != shas["base"] || res.Revision.Branches[0].Name != "origin/feature/x" {
			t.Errorf("built %v\n%s", res.Revision, console)
		}
		if !strings.Contains(console, " > git branch -a -v --no-abbrev --contains "+shas["base"]+" # timeout=10\n") {
			t.Errorf("console:\n%s", console)
		}
	})

	t.Run("a ref name is built as its tip, as GitLab's push hook asks", func(t *testing.T) {
		f.ws = filepath.Join(t.TempDir(), "ws")
		res, console, err := f.checkout(scmFor(t, f.url, "*/main", ""), nil, 1, func(c *Checkout) {
			c.Commit = &RequestedCommit{SHA1: "remotes/origin/feature/x", RepoURL: f.url}
		})
		if err != nil {
			t.Fatalf("checkout: %v\n%s", err, console)
		}
		if res.Revision.SHA1 != shas["feature/x"] || !strings.Contains(console, " > git rev-parse remotes/origin/feature/x^{commit} # timeout=10\n") {
			t.Errorf("built %v\n%s", res.Revision, console)
		}
	})

	t.Run("a requested name that could be an option or a range fails unrun", func(t *testing.T) {
		for _, name := range []string{"--output=/tmp/x", "main..feature", "-n"} {
			f.ws = filepath.Join(t.TempDir(), "ws")
			_, console, err := f.checkout(scmFor(t, f.url, "*/main", ""), nil, 1, func(c *Checkout) {
				c.Commit = &RequestedCommit{SHA1: name, RepoURL: f.url}
			})
			if err == nil || strings.Contains(console, "rev-parse "+name) {
				t.Errorf("%q: err = %v\n%s", name, err, console)
			}
		}
	})

	t.Run("a sha1 from another repository is skipped", func(t *testing.T) {
		f.ws = filepath.Join(t.TempDir(), "ws")
		res, console, err := f.checkout(scmFor(t, f.url, "*/main", ""), nil, 1, func(c *Checkout) {
			c.Commit = &RequestedCommit{SHA1: shas["base"], RepoURL: "https://elsewhere.example/x.git"}
		})
		if err != nil {
			t.Fatalf("checkout: %v\n%s", err, console)
		}
		if res.Revision.SHA1 != shas["main"] || !strings.Contains(console, "skipping resolution of commit "+shas["base"]+", since it originates from another repository\n") {
			t.Errorf("built %v\n%s", res.Revision, console)
		}
	})
}

func TestBadRemotes(t *testing.T) {
	f := newFixture(t)
	f.repo.commit("one", map[string]string{"a.txt": "a\n"})
	cases := []struct {
		name, url string
		allow     bool
		message   string // the ERROR line's text
		console   string // more the console must show
	}{
		{"a repository that does not exist fails with git's message", strings.Replace(f.url, "app.git", "nope.git", 1), false,
			"Error cloning remote repo 'origin'", "fatal: remote error: no such repository: /nope.git"},
		{"a server that is not there fails at once", "git://127.0.0.1:1/x.git", false,
			"Error cloning remote repo 'origin'", "Connection refused"},
		{"a file:// remote is refused", "file://" + filepath.Join(f.served, "app.git"), false,
			LocalCheckoutMessage("file://" + filepath.Join(f.served, "app.git")), ""},
		{"a local path is refused", filepath.Join(f.served, "app.git"), false,
			LocalCheckoutMessage(filepath.Join(f.served, "app.git")), ""},
		{"an option for a URL is refused", "--upload-pack=touch /tmp/x", false,
			"Error cloning remote repo 'origin'", "Invalid remote URL: --upload-pack=touch /tmp/x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.ws = filepath.Join(t.TempDir(), "ws")
			_, console, err := f.checkout(scmFor(t, c.url, "*/main", ""), nil, 1, nil)
			var ae *AbortError
			if !asAbort(err, &ae) || ae.Message != c.message {
				t.Fatalf("err = %v, want %q\n%s", err, c.message, console)
			}
			if !strings.HasSuffix(console, "ERROR: "+c.message+"\n") || !strings.Contains(console, c.console) {
				t.Errorf("console:\n%s", console)
			}
			if names, _ := os.ReadDir(f.ws); len(names) > 1 || len(names) == 1 && names[0].Name() != ".git" {
				t.Errorf("the workspace holds %v", names)
			}
		})
	}
	t.Run("local checkouts work when allowed", func(t *testing.T) {
		f.ws = filepath.Join(t.TempDir(), "ws")
		_, console, err := f.checkout(scmFor(t, filepath.Join(f.served, "app.git"), "*/main", ""), nil, 1, func(c *Checkout) {
			c.AllowLocal = true
		})
		if err != nil {
			t.Fatalf("checkout: %v\n%s", err, console)
		}
	})
	t.Run("an empty URL is refused with the plugin's message", func(t *testing.T) {
		s := scmFor(t, f.url, "*/main", "")
		s.Remotes[0].URL = ""
		_, console, err := f.checkout(s, nil, 1, nil)
		if err == nil || !strings.Contains(console, "ERROR: Git repository URL 1 is an empty string in job definition. Checkout requires a valid repository URL\n") {
			t.Errorf("err = %v\n%s", err, console)
		}
	})
}

func TestCheckoutIsCancelled(t *testing.T) {
	// A server that accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	f := newFixture(t)
	url := "git://" + l.Addr().String() + "/stuck.git"
	for _, mirror := range []bool{false, true} {
		t.Run(fmt.Sprintf("a checkout stuck on a silent server ends when cancelled (mirror %v)", mirror), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			var log syncBuffer
			go func() {
				s := scmFor(t, url, "*/main", "")
				s.Remotes[0].CredentialsID = "c"
				c := &Checkout{SCM: s, Runner: LocalRunner{}, Workspace: filepath.Join(t.TempDir(), "ws"),
					TmpDir: f.tmp, Env: testEnv(f.home), Log: &log,
					Credentials: map[string]*Credential{"c": {ID: "c", Username: "u", Password: "cancelled-secret"}}}
				if mirror {
					c.CacheDir = filepath.Join(t.TempDir(), "cache")
				}
				_, err := c.Run(ctx)
				done <- err
			}()
			conn := <-accepted // git is waiting for the server
			defer conn.Close()
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("the checkout did not end:\n%s", log.String())
			}
			if strings.Contains(log.String(), "ERROR:") {
				t.Errorf("a cancelled checkout printed an error:\n%s", log.String())
			}
			if names, _ := os.ReadDir(f.tmp); len(names) != 0 {
				t.Errorf("the credentials' directory outlived the cancelled checkout: %v", names)
			}
		})
	}
}

// The commit message line of a second build comes from the changelog;
// it must say what git's %s says.
func TestCommitMessageLine(t *testing.T) {
	f := newFixture(t)
	f.repo.commit("first", map[string]string{"a.txt": "a\n"})
	s := scmFor(t, f.url, "*/main", "")
	res, console, err := f.checkout(s, nil, 1, nil)
	if err != nil {
		t.Fatal(err, console)
	}
	for i, msg := range []string{
		"Subject line\ncontinued here\n\nBody",
		"  indented subject  \n\n  body",
		"only",
		"tabs\tinside",
		"trailing spaces   \nnext line",
	} {
		t.Run(fmt.Sprintf("message %d is shown as git shows it", i), func(t *testing.T) {
			f.repo.commit(msg, map[string]string{"a.txt": msg})
			want := gitOut(t, f.repo.dir, "log", "-1", "--format=%s")
			var next *Result
			next, console, err = f.checkout(s, res.BuildData, i+2, nil)
			if err != nil {
				t.Fatal(err, console)
			}
			res = next
			if !strings.Contains(console, "\nCommit message: \""+want+"\"\n > git rev-list --no-walk ") {
				t.Errorf("want %q in:\n%s", want, console)
			}
		})
	}
}

func TestCheckoutRefusesBadPlaces(t *testing.T) {
	f := newFixture(t)
	f.repo.commit("one", map[string]string{"a.txt": "a\n"})
	cases := []struct {
		name string
		mod  func(*Checkout)
		want string
	}{
		{"a relative workspace", func(c *Checkout) { c.Workspace = "ws" }, "The workspace 'ws' is not an absolute path"},
		{"credentials inside the workspace", func(c *Checkout) { c.TmpDir = filepath.Join(c.Workspace, "tmp") },
			"The temporary directory for credentials must not be inside the workspace"},
		{"mirrors inside the workspace", func(c *Checkout) { c.CacheDir = filepath.Join(c.Workspace, "cache") },
			"The git cache directory and the workspace must not contain each other"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused", func(t *testing.T) {
			_, console, err := f.checkout(scmFor(t, f.url, "*/main", ""), nil, 1, c.mod)
			var ae *AbortError
			if !asAbort(err, &ae) || ae.Message != c.want || console != "ERROR: "+c.want+"\n" {
				t.Errorf("err = %v\n%s", err, console)
			}
		})
	}
	t.Run("an extension jeeves does not run is named in the console", func(t *testing.T) {
		_, console, err := f.checkout(scmFor(t, f.url, "*/main", "<hudson.plugins.git.extensions.impl.SparseCheckoutPaths/>"), nil, 1, nil)
		if err != nil || !strings.Contains(console, "The git extension hudson.plugins.git.extensions.impl.SparseCheckoutPaths is not run by jeeves\n") {
			t.Errorf("err = %v\n%s", err, console)
		}
	})
}
