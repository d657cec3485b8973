package git

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func TestExtensions(t *testing.T) {
	f := newFixture(t)
	shas := branches(f)
	run := func(t *testing.T, spec, ext string, prev *BuildData, n int) (*Result, string) {
		t.Helper()
		res, console, err := f.checkout(scmFor(t, f.url, spec, ext), prev, n, func(c *Checkout) {
			c.JobName, c.JobDisplayName = "app", "folder » app"
		})
		if err != nil {
			t.Fatalf("checkout: %v\n%s", err, console)
		}
		return res, console
	}
	fresh := func(t *testing.T) { f.ws = filepath.Join(t.TempDir(), "ws") }

	t.Run("LocalBranch ** checks the remote branch out under its own name", func(t *testing.T) {
		fresh(t)
		const ext = `<hudson.plugins.git.extensions.impl.LocalBranch><localBranch>**</localBranch></hudson.plugins.git.extensions.impl.LocalBranch>`
		res, console := run(t, "*/main", ext, nil, 1)
		if got := gitOut(t, f.ws, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
			t.Errorf("HEAD is %s\n%s", got, console)
		}
		if env := scmFor(t, f.url, "*/main", ext).Environment(EnvInput{This: res.BuildData}); env["GIT_LOCAL_BRANCH"] != "main" {
			t.Errorf("GIT_LOCAL_BRANCH = %q", env["GIT_LOCAL_BRANCH"])
		}
		// The second build deletes the branch and makes it again.
		_, console = run(t, "*/main", ext, res.BuildData, 2)
		if !strings.Contains(console, " > git branch -D main # timeout=10\n > git checkout -b main "+shas["main"]+" # timeout=10\n") {
			t.Errorf("console:\n%s", console)
		}
	})

	t.Run("LocalBranch with a name uses that name", func(t *testing.T) {
		fresh(t)
		const ext = `<hudson.plugins.git.extensions.impl.LocalBranch><localBranch>ci-${X}</localBranch></hudson.plugins.git.extensions.impl.LocalBranch>`
		res, console, err := f.checkout(scmFor(t, f.url, "*/main", ext), nil, 1, func(c *Checkout) { c.BuildEnv = map[string]string{"X": "run"} })
		if err != nil {
			t.Fatal(err, console)
		}
		if got := gitOut(t, f.ws, "symbolic-ref", "HEAD"); got != "refs/heads/ci-run" {
			t.Errorf("HEAD is %s", got)
		}
		if env := scmFor(t, f.url, "*/main", ext).Environment(EnvInput{This: res.BuildData}); env["GIT_LOCAL_BRANCH"] != "ci-${X}" {
			t.Errorf("GIT_LOCAL_BRANCH = %q (the plugin sets the unexpanded value)", env["GIT_LOCAL_BRANCH"])
		}
	})

	t.Run("RelativeTargetDirectory checks out below the workspace", func(t *testing.T) {
		fresh(t)
		const ext = `<hudson.plugins.git.extensions.impl.RelativeTargetDirectory><relativeTargetDir>src/app</relativeTargetDir></hudson.plugins.git.extensions.impl.RelativeTargetDirectory>`
		res, _ := run(t, "*/main", ext, nil, 1)
		if !exists(filepath.Join(f.ws, "src", "app", "m.txt")) || exists(filepath.Join(f.ws, "m.txt")) || res.Dir != filepath.Join(f.ws, "src", "app") {
			t.Errorf("files are not in src/app (dir %s)", res.Dir)
		}
		if env := scmFor(t, f.url, "*/main", ext).Environment(EnvInput{This: res.BuildData}); env["GIT_CHECKOUT_DIR"] != "src/app" {
			t.Errorf("GIT_CHECKOUT_DIR = %q", env["GIT_CHECKOUT_DIR"])
		}
	})

	t.Run("RelativeTargetDirectory outside the workspace is refused", func(t *testing.T) {
		fresh(t)
		const ext = `<hudson.plugins.git.extensions.impl.RelativeTargetDirectory><relativeTargetDir>../elsewhere</relativeTargetDir></hudson.plugins.git.extensions.impl.RelativeTargetDirectory>`
		_, console, err := f.checkout(scmFor(t, f.url, "*/main", ext), nil, 1, nil)
		if err == nil || !strings.Contains(console, "ERROR: The relative target directory '../elsewhere' is outside the workspace\n") {
			t.Errorf("err = %v\n%s", err, console)
		}
	})

	t.Run("WipeWorkspace deletes the workspace and clones again", func(t *testing.T) {
		fresh(t)
		const ext = `<hudson.plugins.git.extensions.impl.WipeWorkspace/>`
		res, _ := run(t, "*/main", ext, nil, 1)
		os.WriteFile(filepath.Join(f.ws, "stray.txt"), []byte("x"), 0o644)
		_, console := run(t, "*/main", ext, res.BuildData, 2)
		if exists(filepath.Join(f.ws, "stray.txt")) || !strings.Contains(console, "Wiping out workspace first.\n") || !strings.Contains(console, "Cloning the remote Git repository\n") {
			t.Errorf("console:\n%s", console)
		}
	})

	t.Run("CleanBeforeCheckout and CleanCheckout remove untracked and ignored files", func(t *testing.T) {
		for _, ext := range []string{"CleanBeforeCheckout", "CleanCheckout"} {
			fresh(t)
			x := "<hudson.plugins.git.extensions.impl." + ext + "/>"
			res, _ := run(t, "*/main", x, nil, 1)
			os.WriteFile(filepath.Join(f.ws, "untracked.txt"), []byte("x"), 0o644)
			os.WriteFile(filepath.Join(f.ws, "m.txt"), []byte("edited"), 0o644)
			_, console := run(t, "*/main", x, res.BuildData, 2)
			if exists(filepath.Join(f.ws, "untracked.txt")) {
				t.Errorf("%s left an untracked file:\n%s", ext, console)
			}
			if b, _ := os.ReadFile(filepath.Join(f.ws, "m.txt")); string(b) != "m\n" {
				t.Errorf("%s left an edit: %q", ext, b)
			}
			if !strings.Contains(console, "Cleaning workspace\n") || !strings.Contains(console, " > git clean -fdx # timeout=10\n") {
				t.Errorf("%s console:\n%s", ext, console)
			}
		}
	})

	t.Run("CloneOption shallow and noTags fetch one commit and no tag", func(t *testing.T) {
		fresh(t)
		const ext = `<hudson.plugins.git.extensions.impl.CloneOption><shallow>true</shallow><noTags>true</noTags><depth>1</depth><timeout>3</timeout></hudson.plugins.git.extensions.impl.CloneOption>`
		_, console := run(t, "*/main", ext, nil, 1)
		if n := gitOut(t, f.ws, "rev-list", "--count", "HEAD"); n != "1" {
			t.Errorf("%s commits in a shallow clone", n)
		}
		if tags := gitOut(t, f.ws, "tag"); tags != "" {
			t.Errorf("tags %q", tags)
		}
		for _, want := range []string{"Using shallow clone with depth 1\n", "Avoid fetching tags\n", " > git fetch --no-tags --force --progress --depth=1 -- ", " # timeout=3\n"} {
			if !strings.Contains(console, want) {
				t.Errorf("console lacks %q:\n%s", want, console)
			}
		}
	})

	t.Run("CloneOption honorRefspec fetches the configured refspec only", func(t *testing.T) {
		fresh(t)
		x := `<scm class="hudson.plugins.git.GitSCM"><configVersion>2</configVersion><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig>
<url>` + f.url + `</url><refspec>+refs/heads/main:refs/remotes/origin/main</refspec></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>
<branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches>
<extensions><hudson.plugins.git.extensions.impl.CloneOption><honorRefspec>true</honorRefspec></hudson.plugins.git.extensions.impl.CloneOption></extensions></scm>`
		s, err := Parse([]byte(x))
		if err != nil {
			t.Fatal(err)
		}
		_, console, err := f.checkout(s, nil, 1, nil)
		if err != nil {
			t.Fatal(err, console)
		}
		if refs := gitOut(t, f.ws, "for-each-ref", "--format=%(refname)", "refs/remotes"); refs != "refs/remotes/origin/main" {
			t.Errorf("remote refs %q\n%s", refs, console)
		}
	})

	t.Run("PruneStaleBranch drops remote branches that were deleted", func(t *testing.T) {
		fresh(t)
		const ext = `<hudson.plugins.git.extensions.impl.PruneStaleBranch/>`
		f.repo.git("branch", "doomed", "main")
		res, _ := run(t, "*/main", ext, nil, 1)
		f.repo.git("branch", "-D", "doomed")
		_, console := run(t, "*/main", ext, res.BuildData, 2)
		if refs := gitOut(t, f.ws, "for-each-ref", "--format=%(refname)", "refs/remotes/origin/doomed"); refs != "" {
			t.Errorf("doomed is still there\n%s", console)
		}
		if !strings.Contains(console, "Pruning obsolete local branches\n") || !strings.Contains(console, " --prune -- ") {
			t.Errorf("console:\n%s", console)
		}
	})

	t.Run("UserIdentity sets the identity variables and PerBuildTag tags the build", func(t *testing.T) {
		fresh(t)
		const ext = `<hudson.plugins.git.extensions.impl.UserIdentity><name>CI Bot</name><email>ci@example.com</email></hudson.plugins.git.extensions.impl.UserIdentity><hudson.plugins.git.extensions.impl.PerBuildTag/>`
		res, console := run(t, "*/main", ext, nil, 7)
		env := scmFor(t, f.url, "*/main", ext).Environment(EnvInput{This: res.BuildData, Global: &UserIdentity{Name: "Global", Email: "global@example.com"}})
		for k, v := range map[string]string{"GIT_COMMITTER_NAME": "CI Bot", "GIT_AUTHOR_NAME": "CI Bot", "GIT_COMMITTER_EMAIL": "ci@example.com", "GIT_AUTHOR_EMAIL": "ci@example.com"} {
			if env[k] != v {
				t.Errorf("%s = %q, want %q", k, env[k], v)
			}
		}
		if got := gitOut(t, f.ws, "for-each-ref", "--format=%(taggername) %(subject)", "refs/tags/jenkins-app-7"); got != "CI Bot Jenkins Build #7" {
			t.Errorf("tag %q\n%s", got, console)
		}
	})

	t.Run("the catch-up line names the job's full display name", func(t *testing.T) {
		fresh(t)
		res, console := run(t, "**", "", nil, 1)
		if !res.CatchUp || !strings.Contains(console, "Multiple candidate revisions\nScheduling another build to catch up with folder » app\n") {
			t.Errorf("console:\n%s", console)
		}
		res, console = run(t, "**", "<hudson.plugins.git.extensions.impl.BuildSingleRevisionOnly/>", nil, 1)
		if res.CatchUp || strings.Contains(console, "Scheduling another build") {
			t.Errorf("BuildSingleRevisionOnly still catches up:\n%s", console)
		}
	})
}

func TestSubmodules(t *testing.T) {
	f := newFixture(t)
	sub := newRepo(t, filepath.Join(f.served, "lib.git"))
	sub.commit("lib", map[string]string{"lib.txt": "lib\n"})
	libURL := strings.Replace(f.url, "app.git", "lib.git", 1)
	f.repo.commit("base", map[string]string{"a.txt": "a\n"})
	f.repo.git("-c", "protocol.allow=always", "submodule", "add", "-q", libURL, "lib")
	f.repo.git("commit", "-q", "-m", "add lib")
	const ext = `<hudson.plugins.git.extensions.impl.SubmoduleOption><recursiveSubmodules>true</recursiveSubmodules><threads>2</threads></hudson.plugins.git.extensions.impl.SubmoduleOption>`
	_, console, err := f.checkout(scmFor(t, f.url, "*/main", ext), nil, 1, nil)
	if err != nil {
		t.Fatalf("checkout: %v\n%s", err, console)
	}
	t.Run("the submodule is checked out", func(t *testing.T) {
		if b, _ := os.ReadFile(filepath.Join(f.ws, "lib", "lib.txt")); string(b) != "lib\n" {
			t.Errorf("lib/lib.txt = %q\n%s", b, console)
		}
		if !strings.Contains(console, " > git submodule update --init --recursive --jobs=2 # timeout=10\n") {
			t.Errorf("console:\n%s", console)
		}
	})
}

func TestEnvironment(t *testing.T) {
	s := scmFor(t, "https://example.com/a.git", "*/main", "")
	rev := func(sha string) Revision {
		return Revision{SHA1: sha, Branches: []Branch{{Name: "refs/remotes/origin/main", SHA1: sha}}}
	}
	data := func(sha string, n int) *BuildData {
		bd := newBuildData(s)
		bd.saveBuild(&Build{Marked: rev(sha), Revision: rev(sha), Number: n})
		return bd
	}
	const a, b, c = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "cccccccccccccccccccccccccccccccccccccccc"
	t.Run("previous and previous successful commits are per branch", func(t *testing.T) {
		env := s.Environment(EnvInput{This: data(c, 3), PreviousBuilt: data(b, 2), PreviousSuccessful: data(a, 1)})
		want := map[string]string{"GIT_COMMIT": c, "GIT_BRANCH": "origin/main", "GIT_PREVIOUS_COMMIT": b,
			"GIT_PREVIOUS_SUCCESSFUL_COMMIT": a, "GIT_URL": "https://example.com/a.git"}
		if len(env) != len(want) {
			t.Errorf("env = %v", env)
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s = %q, want %q", k, env[k], v)
			}
		}
	})
	t.Run("a build without a revision has only GIT_URL", func(t *testing.T) {
		env := s.Environment(EnvInput{})
		if len(env) != 1 || env["GIT_URL"] != "https://example.com/a.git" {
			t.Errorf("env = %v", env)
		}
	})
	t.Run("two remotes give GIT_URL_1 and GIT_URL_2", func(t *testing.T) {
		s2, _ := Parse([]byte(`<scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs>
<hudson.plugins.git.UserRemoteConfig><url>https://a/x.git</url></hudson.plugins.git.UserRemoteConfig>
<hudson.plugins.git.UserRemoteConfig><url>https://b/y.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm>`))
		env := s2.Environment(EnvInput{Global: &UserIdentity{Name: "Jenkins"}})
		if env["GIT_URL"] != "https://a/x.git" || env["GIT_URL_1"] != "https://a/x.git" || env["GIT_URL_2"] != "https://b/y.git" ||
			env["GIT_AUTHOR_NAME"] != "Jenkins" || env["GIT_AUTHOR_EMAIL"] != "" {
			t.Errorf("env = %v", env)
		}
	})
}

// The BuildData and changeSet of a second build, as api/json shows them.
func TestAPIShapes(t *testing.T) {
	f := newFixture(t)
	f.repo.commit("Add hello", map[string]string{"hello.txt": "hello\n", "old.txt": "old\n", "gone.txt": "gone\n"})
	s := scmFor(t, f.url, "*/main", "")
	res, console, err := f.checkout(s, nil, 1, nil)
	if err != nil {
		t.Fatal(err, console)
	}
	f.repo.git("mv", "old.txt", "renamed.txt")
	f.repo.commit("Rename, delete and edit files in one commit whose subject line is longer than seventy-two characters\n\nThe body.", map[string]string{"gone.txt": "", "hello.txt": "hello, world\n", "added.txt": "new\n"})
	f.repo.commit("A second change", map[string]string{"hello.txt": "bye\n"})
	res2, console, err := f.checkout(s, res.BuildData, 2, nil)
	if err != nil {
		t.Fatal(err, console)
	}
	out, err := json.MarshalIndent(map[string]any{
		"action":    res2.BuildData.API(),
		"changeSet": ChangeSetAPI(res2.Changes, func(name string) string { return "http://jeeves/user/" + name }),
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "api/second-build.json", normalize(string(out), map[string]string{f.url: "git://127.0.0.1:PORT/app.git"}))
	t.Run("the BuildData's URL name is git", func(t *testing.T) {
		if res2.BuildData.URLName() != "git" || res2.BuildData.DisplayName() != "Git Build Data" {
			t.Error(res2.BuildData.URLName(), res2.BuildData.DisplayName())
		}
	})
}
