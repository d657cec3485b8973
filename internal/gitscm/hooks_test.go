package gitscm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// TestNotifyCommit: /git/notifyCommit's rules over real jobs and builds.
func TestNotifyCommit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := serve(t, "app.git")
	one := r.commit("one", map[string]string{"a.txt": "one\n"})
	r.commit("two", map[string]string{"a.txt": "two\n"})
	polled := w.job("polled", gitJobXML(r.url, "*/main", "", scmTrigger("", false), `echo "commit=$GIT_COMMIT"`))
	w.job("no-trigger", gitJobXML(r.url, "*/main", "", "", "true"))
	w.job("ignores-hooks", gitJobXML(r.url, "*/main", "", scmTrigger("", true), "true"))
	w.job("ignores-notify", gitJobXML(r.url, "*/main", "<hudson.plugins.git.extensions.impl.IgnoreNotifyCommit/>", scmTrigger("", false), "true"))
	w.job("feature-only", gitJobXML(r.url, "*/feature", "", scmTrigger("", false), "true"))
	w.job("elsewhere", gitJobXML("https://git.example.com/other.git", "*/main", "", scmTrigger("", false), "true"))
	notify := func(t *testing.T, q url.Values) *NotifyResult {
		t.Helper()
		n, err := git.ParseNotifyCommit(q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := w.plugin.NotifyCommit(ctx, n, "http://jeeves.example/")
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// The URL matches loosely: another scheme, no port, no .git.
	loose := "http://127.0.0.1/app"

	t.Run("without a sha1 the matching job polls, and its poll builds it", func(t *testing.T) {
		res := notify(t, url.Values{"url": {loose}, "branches": {"main"}})
		if res.Body != "Scheduled polling of polled\n" || len(res.Triggered) != 1 || res.Triggered[0] != "http://jeeves.example/job/polled/" {
			t.Fatalf("%+v", res)
		}
		b := w.await()
		if b.JobID != polled.ID || b.Causes[0].Kind != model.CauseSCM || b.Result != model.Success {
			t.Fatalf("%+v\n%s", b, w.log(b))
		}
	})
	t.Run("with a sha1 the matching job builds that commit, whatever its branch spec says", func(t *testing.T) {
		res := notify(t, url.Values{"url": {loose}, "branches": {"main"}, "sha1": {one}})
		if res.Body != "Scheduled polled\n" || len(res.Scheduled) != 1 {
			t.Fatalf("%+v", res)
		}
		b := w.await()
		log := w.log(b)
		if b.JobID != polled.ID || b.Result != model.Success {
			t.Fatalf("%+v\n%s", b, log)
		}
		mustContain(t, "console", log, "commit notification "+one+"\n", "Checking out Revision "+one+" (origin/main)\n", "commit="+one+"\n")
	})
	t.Run("a repository no job uses is said so", func(t *testing.T) {
		res := notify(t, url.Values{"url": {"https://git.example.com/nobody.git"}, "branches": {"main"}})
		if res.Body != "No git jobs using repository: https://git.example.com/nobody.git and branches: main\n" || len(res.Triggered) != 0 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("a branch no spec matches is said so", func(t *testing.T) {
		res := notify(t, url.Values{"url": {loose}, "branches": {"release"}})
		if !strings.HasPrefix(res.Body, "No git jobs using repository: ") {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("a disabled job matches, but nothing is scheduled or said", func(t *testing.T) {
		w.job("off", strings.Replace(gitJobXML("https://git.example.com/off.git", "*/main", "", scmTrigger("", false), "true"),
			"<project>", "<project><disabled>true</disabled>", 1))
		res := notify(t, url.Values{"url": {"https://git.example.com/off.git"}})
		if res.Body != "" || len(res.Triggered) != 0 {
			t.Fatalf("%+v", res)
		}
	})
	w.noBuild()
}

func TestNotifyAccess(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	tok, value, err := w.settings.GenerateNotifyToken(ctx, "ci")
	if err != nil || len(value) != 32 || tok.Hash == value {
		t.Fatalf("%+v %q %v", tok, value, err)
	}
	cases := []struct {
		mode    string
		token   string
		sha1    bool
		status  int
		message string
	}{
		{"", "", false, 401, git.NotifyTokenRequired},
		{"", "wrong", false, 403, git.NotifyTokenInvalid},
		{"", value, false, 0, ""},
		{NotifyTokenForSHA1, "", false, 0, ""},
		{NotifyTokenForSHA1, "", true, 401, git.NotifyTokenRequiredForSHA1},
		{NotifyTokenForSHA1, "wrong", true, 403, git.NotifyTokenInvalid},
		{NotifyTokenForSHA1, value, true, 0, ""},
		{NotifyTokenNever, "", true, 0, ""},
	}
	for _, c := range cases {
		tok := map[string]string{"": "no token", "wrong": "a wrong token", value: "the token"}[c.token]
		mode := c.mode
		if mode == "" {
			mode = "the default"
		}
		name := fmt.Sprintf("%s, %s, sha1 given %v: status %d", mode, tok, c.sha1, c.status)
		t.Run(name, func(t *testing.T) {
			v := w.settings.Get()
			v.NotifyCommitAccess = c.mode
			got := v.CheckNotifyAccess(c.token, c.sha1)
			if got.OK != (c.status == 0) || got.Status != c.status || got.Message != c.message {
				t.Fatalf("%+v", got)
			}
		})
	}
	t.Run("a revoked token is refused", func(t *testing.T) {
		if err := w.settings.RevokeNotifyToken(ctx, tok.UUID); err != nil {
			t.Fatal(err)
		}
		if got := w.settings.Get().CheckNotifyAccess(value, false); got.Status != 403 {
			t.Fatalf("%+v", got)
		}
	})
}

// TestGitHubPush: a push to a job's repository makes it poll, and a poll
// that finds changes builds it as pushed by the pusher.
func TestGitHubPush(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := serve(t, "acme/app.git")
	r.commit("one", nil)
	gh := `<com.cloudbees.jenkins.GitHubPushTrigger plugin="github@1.37.3.1"><spec></spec></com.cloudbees.jenkins.GitHubPushTrigger>`
	j := w.job("gh", gitJobXML(r.url, "*/main", "", gh, "true"))
	w.job("gh-other", gitJobXML("https://github.com/acme/other.git", "*/main", "", gh, "true"))
	w.job("no-gh-trigger", gitJobXML(r.url, "*/main", "", scmTrigger("", false), "true"))
	body := []byte(`{"ref":"refs/heads/main","repository":{"html_url":"https://127.0.0.1/Acme/App"},"pusher":{"name":"alice"}}`)
	push, err := git.ParseGitHubPush(body, "application/json")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the job whose remote names the pushed repository polls, and builds", func(t *testing.T) {
		if got := w.plugin.GitHubPush(push, "192.0.2.7 ⇒ http://jeeves.example/github-webhook/"); len(got) != 1 || got[0] != "gh" {
			t.Fatalf("%v", got)
		}
		b := w.await()
		if b.JobID != j.ID || b.Causes[0].Kind != model.CauseGitHubPush {
			t.Fatalf("%+v", b)
		}
		mustContain(t, "console", w.log(b), "Started by GitHub push by alice\n")
		mustContain(t, "GitHub polling log", w.read(GitHubPollingLogKey(j.ID)), "Started by event from 192.0.2.7 ⇒ http://jeeves.example/github-webhook/ on ",
			"No existing build. Scheduling a new one.")
		w.noBuild()
	})

	t.Run("signatures are checked against the configured hook secrets", func(t *testing.T) {
		if msg, err := w.plugin.VerifyGitHub(ctx, body, "", ""); msg != "" || err != nil {
			t.Fatalf("without a secret: %q %v", msg, err)
		}
		w.creds.add(&credentials.Credential{ID: "gh-hook", Kind: credentials.KindSecretText, Secret: "hook-secret"})
		v := w.settings.Get()
		v.GitHubHookSecrets = []string{"missing", "gh-hook"}
		if err := w.settings.Set(ctx, v); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, sig256, sig1, want string
		}{
			{"a good sha256 signature passes", git.GitHubSignature([]byte("hook-secret"), body), "", ""},
			{"a signature of another secret fails", git.GitHubSignature([]byte("other"), body), "", GitHubSignatureInvalid},
			{"a signature of another body fails", git.GitHubSignature([]byte("hook-secret"), append(body, ' ')), "", GitHubSignatureInvalid},
			{"no signature fails", "", "", GitHubSignatureMissing},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got, err := w.plugin.VerifyGitHub(ctx, body, c.sig256, c.sig1); got != c.want || err != nil {
					t.Fatalf("%q %v", got, err)
				}
			})
		}
	})
}

// TestGitLabHook: GitLab's push hook builds the pushed branch's tip at
// once, with the trigger's token and filters.
func TestGitLabHook(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := serve(t, "app.git")
	r.commit("one", nil)
	r.git("checkout", "-q", "-b", "feature")
	feature := r.commit("feature", map[string]string{"f.txt": "f\n"})
	r.git("checkout", "-q", "main")
	trigger := func(secret, extra string) string {
		return `<com.dabsquared.gitlabjenkins.GitLabPushTrigger plugin="gitlab-plugin@1.9.6"><spec></spec><triggerOnPush>true</triggerOnPush>` +
			`<ciSkip>true</ciSkip><branchFilterType>All</branchFilterType><secretToken>` + secret + `</secretToken>` + extra +
			`</com.dabsquared.gitlabjenkins.GitLabPushTrigger>`
	}
	j := w.job("gl", gitJobXML(r.url, "*/main", "", trigger("s3cret", ""), `echo "commit=$GIT_COMMIT"`))
	event := func(ref, after, message string) []byte {
		b, _ := json.Marshal(map[string]any{
			"object_kind": "push", "ref": ref, "before": strings.Repeat("1", 40), "after": after, "user_name": "Gina",
			"repository": map[string]any{"url": r.url, "git_http_url": r.url},
			"commits":    []any{map[string]any{"id": after, "message": message}},
		})
		return b
	}
	t.Run("a push with the right token builds the pushed branch at once", func(t *testing.T) {
		ans, err := w.plugin.GitLabHook(ctx, j, "Push Hook", "s3cret", event("refs/heads/feature", feature, "feature"), false)
		if err != nil || ans.Status != 200 || ans.Item == nil {
			t.Fatalf("%+v %v", ans, err)
		}
		b := w.await()
		log := w.log(b)
		if b.Result != model.Success {
			t.Fatalf("%+v\n%s", b, log)
		}
		mustContain(t, "console", log, "Started by GitLab push by Gina\n", "Checking out Revision "+feature+" (origin/feature)\n", "commit="+feature+"\n")
	})
	for _, c := range []struct {
		name, event, token string
		body               []byte
		canBuild           bool
		status             int
	}{
		{"a wrong token is refused", "Push Hook", "nope", event("refs/heads/main", feature, "x"), true, 401},
		{"no token is refused", "Push Hook", "", event("refs/heads/main", feature, "x"), true, 401},
		{"a [ci-skip] commit is skipped", "Push Hook", "s3cret", event("refs/heads/main", feature, "wip [ci-skip]"), false, 200},
		{"a deleted branch is skipped", "Push Hook", "s3cret", event("refs/heads/main", strings.Repeat("0", 40), "x"), false, 200},
		{"another event is ignored", "Note Hook", "s3cret", event("refs/heads/main", feature, "x"), false, 200},
		{"a tag push is ignored without triggerOnTagPush", "Tag Push Hook", "s3cret", event("refs/tags/v1", feature, "x"), false, 200},
		{"a body that is not JSON is a 400", "Push Hook", "s3cret", []byte("{"), false, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			ans, err := w.plugin.GitLabHook(ctx, j, c.event, c.token, c.body, c.canBuild)
			if err != nil || ans.Status != c.status || ans.Item != nil {
				t.Fatalf("%+v %v", ans, err)
			}
		})
	}
	t.Run("without a secret token the caller needs Job/Build", func(t *testing.T) {
		open := w.job("gl-open", gitJobXML(r.url, "*/main", "", trigger("", ""), "true"))
		ans, _ := w.plugin.GitLabHook(ctx, open, "Push Hook", "", event("refs/heads/main", feature, "x"), false)
		if ans.Status != 403 || !ans.NeedsBuildPermission || ans.Item != nil {
			t.Fatalf("%+v", ans)
		}
		ans, _ = w.plugin.GitLabHook(ctx, open, "Push Hook", "", event("refs/heads/main", feature, "x"), true)
		if ans.Item == nil {
			t.Fatalf("%+v", ans)
		}
		w.await()
	})
	t.Run("a branch the filter excludes is skipped", func(t *testing.T) {
		f := w.job("gl-filtered", gitJobXML(r.url, "*/main", "", strings.Replace(trigger("s3cret", "<excludeBranchesSpec>feature</excludeBranchesSpec>"),
			"<branchFilterType>All</branchFilterType>", "<branchFilterType>NameBasedFilter</branchFilterType>", 1), "true"))
		if ans, _ := w.plugin.GitLabHook(ctx, f, "Push Hook", "s3cret", event("refs/heads/feature", feature, "x"), false); ans.Item != nil {
			t.Fatalf("%+v", ans)
		}
	})
	t.Run("a Jenkins-encrypted token is used through the decrypter, and refuses everything without it", func(t *testing.T) {
		e := w.job("gl-enc", gitJobXML(r.url, "*/main", "", trigger("{AQAAABAAAAAQ}", ""), "true"))
		if ans, _ := w.plugin.GitLabHook(ctx, e, "Push Hook", "s3cret", event("refs/heads/main", feature, "x"), true); ans.Status != 401 {
			t.Fatalf("%+v", ans)
		}
	})
	w.noBuild()
}

func TestReadTriggers(t *testing.T) {
	x := []byte(`<?xml version='1.1' encoding='UTF-8'?>
<project><triggers class="vector">
<hudson.triggers.SCMTrigger><spec>H/5 * * * *
# nightly
H 2 * * *</spec><ignorePostCommitHooks>true</ignorePostCommitHooks></hudson.triggers.SCMTrigger>
<com.cloudbees.jenkins.GitHubPushTrigger><spec/></com.cloudbees.jenkins.GitHubPushTrigger>
<com.dabsquared.gitlabjenkins.GitLabPushTrigger><triggerOnPush>false</triggerOnPush><branchFilterType>RegexBasedFilter</branchFilterType>
<targetBranchRegex>release-.*</targetBranchRegex><secretToken>tok</secretToken></com.dabsquared.gitlabjenkins.GitLabPushTrigger>
</triggers></project>`)
	tr := ReadTriggers(x)
	if tr.SCM == nil || tr.SCM.Spec != "H/5 * * * *\n# nightly\nH 2 * * *" || !tr.SCM.IgnorePostCommitHooks || !tr.GitHub || tr.GitLab == nil {
		t.Fatalf("%+v", tr)
	}
	g := tr.GitLab
	if g.OnPush || !g.CISkip || g.SecretToken != "tok" || !g.MatchesBranch("release-1") || g.MatchesBranch("main") {
		t.Fatalf("%+v", g)
	}
	if tr := ReadTriggers([]byte("<project/>")); tr.SCM != nil || tr.GitHub || tr.GitLab != nil {
		t.Fatalf("%+v", tr)
	}
}
