package git

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPoll(t *testing.T) {
	f := newFixture(t)
	first := f.repo.commit("one", map[string]string{"a.txt": "a\n"})
	f.repo.git("branch", "other")
	calls := map[string]int{}
	var lsErr error
	heads := func(url string, cred *Credential) (*Heads, error) {
		calls[url]++
		if lsErr != nil {
			return nil, lsErr
		}
		return LsRemote(context.Background(), LocalRunner{}, testEnv(f.home), f.tmp, url, cred, HostKeys{})
	}
	built := func(sha string, n int) *BuildData {
		s := scmFor(t, f.url, "*/main", "")
		bd := newBuildData(s)
		r := Revision{SHA1: sha, Branches: []Branch{{Name: "refs/remotes/origin/main", SHA1: sha}}}
		bd.saveBuild(&Build{Marked: r, Revision: r, Number: n})
		return bd
	}
	poll := func(spec, ext string, has bool, data *BuildData) PollResult {
		t.Helper()
		res, err := Poll(PollInput{SCM: scmFor(t, f.url, spec, ext), HasLastBuild: has, LastBuildData: data, Heads: heads})
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		return res
	}
	t.Run("a job never built is built", func(t *testing.T) {
		res := poll("*/main", "", false, nil)
		if !res.Changes || strings.Join(res.Lines, "\n") != "Using strategy: Default\n[poll] No previous build, so forcing an initial build." {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("a head already built means no changes, in the plugin's words", func(t *testing.T) {
		res := poll("*/main", "", true, built(first, 4))
		want := "Using strategy: Default\n" +
			"[poll] Last Built Revision: Revision " + first + " (refs/remotes/origin/main)\n" +
			"The recommended git tool is: NONE\n" +
			"No credentials specified\n" +
			" > git --version # timeout=10\n" +
			" > git --version # 'git version X'\n" +
			" > git ls-remote -h -- " + f.url + " # timeout=10\n" +
			"Found 2 remote heads on " + f.url + "\n" +
			"[poll] Latest remote head revision on refs/heads/main is: " + first + " - already built by 4"
		if got := versionLn.ReplaceAllString(strings.Join(res.Lines, "\n"), "'git version X'"); res.Changes || got != want {
			t.Errorf("changes %v, lines:\n%s\nwant:\n%s", res.Changes, got, want)
		}
	})
	t.Run("a new commit means changes", func(t *testing.T) {
		second := f.repo.commit("two", map[string]string{"b.txt": "b\n"})
		res := poll("main", "", true, built(first, 4))
		if !res.Changes || res.Lines[len(res.Lines)-1] != "[poll] Latest remote head revision on refs/heads/main is: "+second {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("heads outside the refspecs are ignored", func(t *testing.T) {
		x := `<scm class="hudson.plugins.git.GitSCM"><configVersion>2</configVersion><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig>
<url>` + f.url + `</url><refspec>+refs/heads/other:refs/remotes/origin/other</refspec></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>
<branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches></scm>`
		s, _ := Parse([]byte(x))
		res, err := Poll(PollInput{SCM: s, HasLastBuild: true, LastBuildData: built(first, 4), Heads: heads})
		all := strings.Join(res.Lines, "\n")
		if err != nil || res.Changes || !strings.Contains(all, "Ignoring refs/heads/main as it doesn't match any of the configured refspecs") ||
			!strings.Contains(all, "The branch specifier */main matched none of the 1 remote heads") {
			t.Errorf("result %+v %v", res, err)
		}
	})
	t.Run("wildcard specs and file-looking extensions need a workspace", func(t *testing.T) {
		for spec, ext := range map[string]string{
			"**":     "",
			"*/main": "<hudson.plugins.git.extensions.impl.PathRestriction><includedRegions>src/.*</includedRegions></hudson.plugins.git.extensions.impl.PathRestriction>",
		} {
			res := poll(spec, ext, true, built(first, 1))
			if !res.NeedsWorkspace || res.Changes || res.Reason == "" {
				t.Errorf("%s %s: %+v", spec, ext, res)
			}
		}
	})
	t.Run("RemoteOnly decides wildcard specs by the remote heads, and says which extension it leaves out", func(t *testing.T) {
		pathRestriction := "<hudson.plugins.git.extensions.impl.PathRestriction><includedRegions>src/.*</includedRegions></hudson.plugins.git.extensions.impl.PathRestriction>"
		for _, c := range []struct {
			spec, ext string
			data      *BuildData
			changes   bool
			line      string
		}{
			{spec: "**", data: built(first, 1), changes: true, line: "[poll] Latest remote head revision on refs/heads/main is: "},
			{spec: "*/other", data: built(first, 1), line: "[poll] Latest remote head revision on refs/heads/other is: " + first + " - already built by 1"},
			{spec: "*/main", ext: pathRestriction, data: built(first, 1), changes: true,
				line: "[poll] The git extension hudson.plugins.git.extensions.impl.PathRestriction is not run by jeeves: the remote heads decide without it"},
		} {
			res, err := Poll(PollInput{SCM: scmFor(t, f.url, c.spec, c.ext), HasLastBuild: true, LastBuildData: c.data, Heads: heads, RemoteOnly: true})
			if err != nil || res.NeedsWorkspace || res.Changes != c.changes || !strings.Contains(strings.Join(res.Lines, "\n"), c.line) {
				t.Errorf("%s %s: %+v %v", c.spec, c.ext, res, err)
			}
		}
	})
	t.Run("one ls-remote answer can serve many jobs", func(t *testing.T) {
		cache := map[string]*Heads{}
		memo := func(url string, cred *Credential) (*Heads, error) {
			if h, ok := cache[url]; ok {
				return h, nil
			}
			h, err := heads(url, cred)
			cache[url] = h
			return h, err
		}
		before := calls[f.url]
		for i := 0; i < 5; i++ {
			if _, err := Poll(PollInput{SCM: scmFor(t, f.url, "*/main", ""), HasLastBuild: true, Heads: memo}); err != nil {
				t.Fatal(err)
			}
		}
		if calls[f.url]-before != 1 {
			t.Errorf("%d ls-remote calls for five polls", calls[f.url]-before)
		}
	})
	t.Run("a remote that answers no heads means changes", func(t *testing.T) {
		res, err := Poll(PollInput{SCM: scmFor(t, f.url, "*/main", ""), HasLastBuild: true,
			Heads: func(string, *Credential) (*Heads, error) { return &Heads{Refs: map[string]string{}}, nil }})
		if err != nil || !res.Changes || res.Lines[len(res.Lines)-1] != "[poll] Couldn't get remote head revision" {
			t.Errorf("result %+v %v", res, err)
		}
	})
	t.Run("an ls-remote failure is the poll's error", func(t *testing.T) {
		lsErr = errors.New("boom")
		defer func() { lsErr = nil }()
		if _, err := Poll(PollInput{SCM: scmFor(t, f.url, "*/main", ""), HasLastBuild: true, Heads: heads}); err == nil {
			t.Error("Poll succeeded")
		}
	})
	t.Run("ls-remote of a missing repository fails with git's message", func(t *testing.T) {
		_, err := LsRemote(context.Background(), LocalRunner{}, testEnv(f.home), f.tmp, strings.Replace(f.url, "app", "nope", 1), nil, HostKeys{})
		if err == nil || !strings.Contains(err.Error(), "no such repository") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestParseChangelog(t *testing.T) {
	raw := "commit 1111111111111111111111111111111111111111\ntree 2222222222222222222222222222222222222222\n" +
		"parent 3333333333333333333333333333333333333333\n" +
		"author Ada Author <ada@example.com> 2015-09-30 08:21:24 -0600\n" +
		"committer Carl Committer <carl@example.com> 2015-09-30 09:00:00 +0200\n\n" +
		"    Fix it\n    \n    Details here.\n\n" +
		":100644 100644 4444444444444444444444444444444444444444 5555555555555555555555555555555555555555 M\tsrc/a.go\n" +
		":100644 100644 4444444444444444444444444444444444444444 5555555555555555555555555555555555555555 R087\told.go\tnew.go\n" +
		":100644 100644 4444444444444444444444444444444444444444 5555555555555555555555555555555555555555 C100\tbase.go\tcopy.go\n" +
		":000000 100644 0000000000000000000000000000000000000000 5555555555555555555555555555555555555555 A\tadded.go\n" +
		"commit 6666666666666666666666666666666666666666\ntree 2222222222222222222222222222222222222222\nparent \n" +
		"author Ada Author <ada@example.com> 2015-09-29 08:21:24 +0000\n" +
		"committer Carl Committer <carl@example.com> 2015-09-29 08:21:24 +0000\n\n    First\n"
	t.Run("commits come oldest first with the committer as author", func(t *testing.T) {
		cs := ParseChangelog([]byte(raw), false)
		if len(cs) != 2 || cs[0].CommitID != "6666666666666666666666666666666666666666" || cs[1].Author != "Carl Committer" {
			t.Fatalf("changes %+v", cs)
		}
		c := cs[1]
		if c.Comment != "Fix it\n\nDetails here.\n" || c.Title != "Fix it" || c.Date != "2015-09-30 09:00:00 +0200" || c.Timestamp != 1443596400000 {
			t.Errorf("change %+v", c)
		}
		want := []ChangePath{{"edit", "src/a.go"}, {"delete", "old.go"}, {"add", "new.go"}, {"add", "copy.go"}, {"add", "added.go"}}
		if len(c.Paths) != len(want) {
			t.Fatalf("paths %+v", c.Paths)
		}
		for i := range want {
			if c.Paths[i] != want[i] {
				t.Errorf("path %d = %+v, want %+v", i, c.Paths[i], want[i])
			}
		}
	})
	t.Run("AuthorInChangelog uses the author", func(t *testing.T) {
		cs := ParseChangelog([]byte(raw), true)
		if cs[1].Author != "Ada Author" || cs[1].AuthorEmail != "ada@example.com" || cs[1].Date != "2015-09-30 08:21:24 -0600" {
			t.Errorf("change %+v", cs[1])
		}
	})
	t.Run("an empty changelog has no changes", func(t *testing.T) {
		if cs := ParseChangelog(nil, false); len(cs) != 0 {
			t.Errorf("changes %+v", cs)
		}
	})
}

// The cases of the plugin's GitChangeSetTest for splitString.
func TestSplitTitle(t *testing.T) {
	long := "The quick brown fox jumps over the lazy dog and keeps running far beyond the limit"
	cases := []struct{ in, want string }{
		{"short", "short"},
		{long, "The quick brown fox jumps over the lazy dog and keeps running far beyond"},
		{strings.Repeat("x", 80), strings.Repeat("x", 80)},
		{strings.Repeat("x", 80) + " tail", strings.Repeat("x", 80)},
		{"first line\nsecond", "first line"},
	}
	for _, c := range cases {
		t.Run(c.in[:min(len(c.in), 20)]+" is cut as the plugin cuts it", func(t *testing.T) {
			if got := splitTitle(c.in, 72); got != c.want {
				t.Errorf("splitTitle = %q, want %q", got, c.want)
			}
		})
	}
}

func FuzzParseChangelog(f *testing.F) {
	f.Add([]byte("commit abc\nauthor A <a> 2015-09-30 08:21:24 -0600\n    msg\n:100644 100644 4444444444444444444444444444444444444444 5555555555555555555555555555555555555555 R087\told\tnew\n"), false)
	f.Fuzz(func(t *testing.T, raw []byte, author bool) {
		cs := ParseChangelog(raw, author)
		ChangeSetAPI(cs, nil)
	})
}
