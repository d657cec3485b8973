package gitscm

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

const envStep = `echo "commit=$GIT_COMMIT branch=$GIT_BRANCH prev=${GIT_PREVIOUS_COMMIT:-none} prevok=${GIT_PREVIOUS_SUCCESSFUL_COMMIT:-none} url=$GIT_URL"; cat a.txt`

// TestBuildsCheckOut runs whole builds of a GitSCM job through the farm:
// the executor, the local launcher and the git contributor, against a
// repository served by git daemon.
func TestBuildsCheckOut(t *testing.T) {
	w := newWorld(t)
	r := serve(t, "app.git")
	one := r.commit("one", map[string]string{"a.txt": "first\n"})
	j := w.job("app", gitJobXML(r.url, "*/main", "", "", envStep))

	b1, log1 := w.build(j)
	t.Run("the first build checks out with the plugin's lines and runs its step in the checkout", func(t *testing.T) {
		if b1.Result != model.Success {
			t.Fatalf("%s:\n%s", b1.Result, log1)
		}
		mustContain(t, "console", log1,
			"The recommended git tool is: NONE\nNo credentials specified\n",
			"Cloning the remote Git repository\nCloning repository "+r.url+"\n",
			" > git fetch --tags --force --progress -- "+r.url+" +refs/heads/*:refs/remotes/origin/* # timeout=10\n",
			"Checking out Revision "+one+" (refs/remotes/origin/main)\n",
			`Commit message: "one"`+"\n",
			"First time build. Skipping changelog.\n",
			"\nfirst\n")
		if strings.Contains(log1, "jeeves cannot run Git") || strings.Contains(log1, "not run by jeeves") {
			t.Errorf("the console says Git is not run:\n%s", log1)
		}
	})
	t.Run("the step gets the GIT_* variables", func(t *testing.T) {
		mustContain(t, "console", log1, "commit="+one+" branch=origin/main prev=none prevok=none url="+r.url+"\n")
	})
	t.Run("the build keeps its BuildData and an empty changelog", func(t *testing.T) {
		bd, err := ReadBuildData(w.blobs, j.ID, b1.Number)
		if err != nil || bd == nil || bd.LastBuiltRevision().SHA1 != one || bd.LastBuild.Number != 1 {
			t.Fatalf("%+v %v", bd, err)
		}
		changes, ok, err := ReadChanges(w.blobs, j, b1.Number)
		if err != nil || !ok || len(changes) != 0 {
			t.Fatalf("%v %v %v", changes, ok, err)
		}
	})

	two := r.commit("two: change a", map[string]string{"a.txt": "second\n", "b.txt": "new\n"})
	b2, log2 := w.build(j)
	t.Run("the second build fetches what changed and shows the change", func(t *testing.T) {
		if b2.Result != model.Success {
			t.Fatalf("%s:\n%s", b2.Result, log2)
		}
		mustContain(t, "console", log2,
			"Fetching changes from the remote Git repository\n",
			"Checking out Revision "+two+" (refs/remotes/origin/main)\n",
			`Commit message: "two: change a"`+"\n",
			" > git rev-list --no-walk "+one+" # timeout=10\n",
			"commit="+two+" branch=origin/main prev="+one+" prevok="+one+" url="+r.url+"\n",
			"\nsecond\n")
		changes, ok, err := ReadChanges(w.blobs, j, b2.Number)
		if err != nil || !ok || len(changes) != 1 {
			t.Fatalf("%+v %v %v", changes, ok, err)
		}
		c := changes[0]
		if c.CommitID != two || c.Title != "two: change a" || c.Author != "Carl Committer" || len(c.Paths) != 2 ||
			c.Paths[0] != (git.ChangePath{EditType: "edit", File: "a.txt"}) || c.Paths[1] != (git.ChangePath{EditType: "add", File: "b.txt"}) {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("the changeSet and the BuildData action have Jenkins's api/json shape", func(t *testing.T) {
		changes, _, _ := ReadChanges(w.blobs, j, b2.Number)
		cs, _ := json.Marshal(git.ChangeSetAPI(changes, nil))
		mustContain(t, "changeSet", string(cs), `"_class":"hudson.plugins.git.GitChangeSetList"`, `"kind":"git"`,
			`"commitId":"`+two+`"`, `"msg":"two: change a"`, `"affectedPaths":["a.txt","b.txt"]`)
		bd, _ := ReadBuildData(w.blobs, j.ID, b2.Number)
		a, _ := json.Marshal(bd.API())
		mustContain(t, "BuildData", string(a), `"_class":"hudson.plugins.git.util.BuildData"`,
			`"lastBuiltRevision":{"SHA1":"`+two+`"`, `"remoteUrls":["`+r.url+`"]`, `"buildNumber":2`)
	})
	t.Run("the job's Changes page lists each build's revision and changes, newest first", func(t *testing.T) {
		got, err := JobChanges(w.blobs, j, []int64{2, 1})
		if err != nil || len(got) != 2 || got[0].Number != 2 || got[0].Revision.SHA1 != two || len(got[0].Changes) != 1 ||
			got[1].Revision.SHA1 != one || len(got[1].Changes) != 0 {
			t.Fatalf("%+v %v", got, err)
		}
	})

	t.Run("a failed build does not move GIT_PREVIOUS_SUCCESSFUL_COMMIT", func(t *testing.T) {
		fj := w.job("flaky", gitJobXML(r.url, "*/main", "", "", envStep+`; test -e fail && exit 1; touch fail`))
		w.build(fj) // passes, leaves the marker
		three := r.commit("three", map[string]string{"a.txt": "third\n"})
		if b, log := w.build(fj); b.Result != model.Failure { // fails on the marker
			t.Fatalf("%s\n%s", b.Result, log)
		}
		four := r.commit("four", nil)
		os.Remove(filepath.Join(w.workspace(fj), "fail"))
		b, log := w.build(fj)
		if b.Result != model.Success {
			t.Fatalf("%s\n%s", b.Result, log)
		}
		mustContain(t, "console", log, "commit="+four+" branch=origin/main prev="+three+" prevok="+two+" ")
	})
}

// TestBadInputFailsPromptly: what cannot be checked out fails the build
// before its step, with git's own message and the plugin's line.
func TestBadInputFailsPromptly(t *testing.T) {
	w := newWorld(t)
	r := serve(t, "app.git")
	r.commit("one", map[string]string{"a.txt": "a\n"})
	local := t.TempDir()
	lr := newRepo(t, local)
	lr.commit("local", map[string]string{"a.txt": "a\n"})
	cases := []struct {
		name, url, branch string
		want              []string
	}{
		{"a repository that does not exist", strings.Replace(r.url, "app.git", "nope.git", 1), "*/main",
			[]string{"ERROR: Error cloning remote repo 'origin'\n", "no such repository", "ERROR: Error cloning remote repo 'origin'"}},
		{"a branch spec that matches nothing", r.url, "*/nope",
			[]string{"ERROR: " + git.NoRevisionMessage + "\n"}},
		{"a local path, refused by default (SECURITY-2478)", local, "*/main",
			[]string{"ERROR: " + git.LocalCheckoutMessage(local) + "\n"}},
		{"a file:// URL, refused by default", "file://" + local, "*/main",
			[]string{"ERROR: " + git.LocalCheckoutMessage("file://"+local) + "\n"}},
		{"an unreachable host", "git://127.0.0.1:1/app.git", "*/main",
			[]string{"ERROR: Error cloning remote repo 'origin'\n", "Connection refused"}},
	}
	for i, c := range cases {
		t.Run(c.name+" fails the build with git's message", func(t *testing.T) {
			j := w.job("bad"+string(rune('a'+i)), gitJobXML(c.url, c.branch, "", "", "echo STEP-RAN"))
			b, log := w.build(j)
			if b.Result != model.Failure {
				t.Fatalf("%s:\n%s", b.Result, log)
			}
			mustContain(t, "console", log, c.want...)
			if strings.Contains(log, "STEP-RAN") {
				t.Errorf("the step ran:\n%s", log)
			}
			if bd, _ := ReadBuildData(w.blobs, j.ID, b.Number); bd != nil {
				t.Errorf("a failed checkout left BuildData %+v", bd)
			}
		})
	}
	t.Run("the local-checkout setting lets a local path check out", func(t *testing.T) {
		v := w.settings.Get()
		v.AllowLocalCheckout = true
		if err := w.settings.Set(context.Background(), v); err != nil {
			t.Fatal(err)
		}
		defer func() {
			v.AllowLocalCheckout = false
			w.settings.Set(context.Background(), v)
		}()
		j := w.job("local-allowed", gitJobXML("file://"+local, "*/main", "", "", "cat a.txt"))
		if b, log := w.build(j); b.Result != model.Success || !strings.Contains(log, "\na\n") {
			t.Fatalf("%s:\n%s", b.Result, log)
		}
	})
	t.Run("a GitSCM jeeves cannot read fails the build unrun", func(t *testing.T) {
		xml := strings.Replace(gitJobXML(r.url, "*/main", "", "", "echo STEP-RAN"), "<configVersion>2</configVersion>", "<configVersion>two</configVersion>", 1)
		b, log := w.build(w.job("unreadable", xml))
		if b.Result != model.Failure || strings.Contains(log, "STEP-RAN") {
			t.Fatalf("%s:\n%s", b.Result, log)
		}
		mustContain(t, "console", log, "ERROR: The Git configuration of this job cannot be read: <configVersion> must be an integer")
	})
}

// TestJJBOutputChecksOut: what Jenkins Job Builder writes for
// "scm: - git:" (legacy elements, CloneOption, CheckoutOption,
// WipeWorkspace, branch "**", a browser) checks out.
func TestJJBOutputChecksOut(t *testing.T) {
	w := newWorld(t)
	r := serve(t, "project.git")
	sha := r.commit("one", map[string]string{"a.txt": "jjb\n"})
	data, err := os.ReadFile(filepath.Join("..", "git", "testdata", "scm", "jjb-current.xml"))
	if err != nil {
		t.Fatal(err)
	}
	xml := strings.Replace(string(data), "https://example.com/project.git", r.url, 1)
	xml = strings.Replace(xml, "<credentialsId>deploy-https</credentialsId>", "", 1)
	xml = strings.Replace(xml, `<triggers class="vector"/>`,
		`<triggers class="vector"/><builders><hudson.tasks.Shell><command>cat a.txt; echo "branch=$GIT_BRANCH"</command></hudson.tasks.Shell></builders>`, 1)
	j := w.job("jjb", xml)
	os.MkdirAll(w.workspace(j), 0o755)
	os.WriteFile(filepath.Join(w.workspace(j), "stale.txt"), []byte("x"), 0o644)
	b, log := w.build(j)
	if b.Result != model.Success {
		t.Fatalf("%s:\n%s", b.Result, log)
	}
	mustContain(t, "console", log, "Wiping out workspace first.\n", "Checking out Revision "+sha+" (origin/main)\n",
		" # timeout=20\n", "\njjb\n+ echo branch=origin/main\nbranch=origin/main\n")
	if _, err := os.Stat(filepath.Join(w.workspace(j), "stale.txt")); err == nil {
		t.Error("WipeWorkspace left a file")
	}
}

// TestPruneMirrors: the mirror of a repository no job uses any more is
// removed; the others stay, and a parametrized URL keeps them all.
func TestPruneMirrors(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	kept, gone := serve(t, "kept.git"), serve(t, "gone.git")
	kept.commit("one", nil)
	gone.commit("one", nil)
	a := w.job("a", gitJobXML(kept.url, "*/main", "", "", "true"))
	b := w.job("b", gitJobXML(gone.url, "*/main", "", "", "true"))
	for _, j := range []*model.Job{a, b} {
		if bld, log := w.build(j); bld.Result != model.Success {
			t.Fatalf("%s\n%s", bld.Result, log)
		}
	}
	cache := CacheDir(w.home)
	if _, err := os.Stat(git.MirrorDir(cache, gone.url)); err != nil {
		t.Fatalf("no mirror was made: %v", err)
	}
	if err := w.js.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	t.Run("a parametrized URL keeps every mirror", func(t *testing.T) {
		p := w.job("param", gitJobXML("${REPO}", "*/main", "", "", "true"))
		if removed, err := w.plugin.PruneMirrors(ctx); err != nil || len(removed) != 0 {
			t.Fatalf("%v %v", removed, err)
		}
		if err := w.js.Delete(ctx, p.Name); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the mirror no job uses is removed, the other kept", func(t *testing.T) {
		removed, err := w.plugin.PruneMirrors(ctx)
		if err != nil || len(removed) != 1 || removed[0] != git.MirrorDir(cache, gone.url) {
			t.Fatalf("%v %v", removed, err)
		}
		if _, err := os.Stat(git.MirrorDir(cache, kept.url)); err != nil {
			t.Fatal(err)
		}
		if bld, log := w.build(a); bld.Result != model.Success {
			t.Fatalf("%s\n%s", bld.Result, log)
		}
	})
}

// TestConcurrentBuildsShareTheMirror: builds of several jobs of one
// repository at once make and use one mirror, under its lock.
func TestConcurrentBuildsShareTheMirror(t *testing.T) {
	w := newWorld(t)
	r := serve(t, "app.git")
	sha := r.commit("one", map[string]string{"a.txt": "shared\n"})
	zero := time.Duration(0)
	for i := 0; i < 4; i++ {
		j := w.job("j"+strconv.Itoa(i), gitJobXML(r.url, "*/main", "", "", "cat a.txt"))
		if _, _, err := w.farm.Schedule(context.Background(), j, model.Cause{Kind: model.CauseUser}, nil, nil, &zero); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 4; i++ {
		b := w.await()
		if log := w.log(b); b.Result != model.Success || !strings.Contains(log, "Checking out Revision "+sha) || !strings.Contains(log, "\nshared\n") {
			t.Fatalf("%s:\n%s", b.Result, log)
		}
	}
	entries, _ := os.ReadDir(CacheDir(w.home))
	mirrors := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".git") {
			mirrors++
		}
	}
	if mirrors != 1 {
		t.Fatalf("%d mirrors: %v", mirrors, entries)
	}
}
