package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/gitscm"
	"github.com/jeeves-ci/jeeves/internal/server"
)

// The git plugin's routes in the route table's tests: the effects of its
// actions, the fixtures its placeholders need, and the hooks, which no
// caller needs a crumb for.

func init() {
	for path, e := range gitRouteEffects {
		routeEffects[path] = e
	}
	uiPOSTRoutes = append(uiPOSTRoutes, gitUIPOSTRoutes...)
}

// gitUIPOSTRoutes are the git settings' forms on the Manage page, for
// TestEveryUIFormPOSTAnswersSeeOther.
var gitUIPOSTRoutes = []struct {
	route, referer, body string
	setup                func(t *testing.T, rs *routeStack, path string)
	held                 string
	notice               string
	status               int
}{
	{route: "manage/git/configure", referer: "manage/", body: "hostKeyVerification=AcceptFirstConnectionStrategy&notifyCommitAccess=enabled", notice: "Saved the git settings"},
	{route: "manage/git/generateToken?apiTokenName={fresh}", referer: "manage/", held: `id="new-notify-token-value"`},
	{route: "manage/git/revokeToken?uuid={gittoken}", referer: "manage/", notice: "Revoked the notifyCommit token"},
}

// gitRouteEffects are the effects of the git plugin's action routes.
var gitRouteEffects = map[string]routeEffect{
	"descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/generate?apiTokenName={fresh}":  {done: notifyTokenNamed("{fresh}")},
	"descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/revoke?apiTokenUuid={gittoken}": {done: notifyTokenGone},
	// The job polls its repository (which does not answer): its polling
	// log says so.
	"job/{job}/polling": {
		prepare: func(t *testing.T, rs *routeStack, fx map[string]string) {
			if _, err := rs.jobs.UpdateConfig(context.Background(), fx["{job}"], []byte(gitJobXML(`<hudson.triggers.SCMTrigger><spec></spec></hudson.triggers.SCMTrigger>`)), nil); err != nil {
				t.Fatal(err)
			}
		},
		// The answer waits for the poll, which fails at once.
		done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
			_, err := blob.NewDir(rs.home).Stat(gitscm.PollingLogKey(job(t, rs, fx["{job}"]).ID))
			return err == nil
		},
	},
	"manage/git/configure": {done: func(t *testing.T, rs *routeStack, _ map[string]string, _ rawResp) bool {
		v := rs.app.GitSettings.Get()
		return v.AllowLocalCheckout && v.HostKeyVerification == "AcceptFirstConnectionStrategy"
	}},
	"manage/git/generateToken?apiTokenName={fresh}": {done: notifyTokenNamed("{fresh}")},
	"manage/git/revokeToken?uuid={gittoken}":        {done: notifyTokenGone},
}

func notifyTokenNamed(name string) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return slices.ContainsFunc(rs.app.GitSettings.Get().NotifyTokens, func(tok gitscm.NotifyToken) bool { return tok.Name == fill(name, fx) })
	}
}

func notifyTokenGone(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
	return !slices.ContainsFunc(rs.app.GitSettings.Get().NotifyTokens, func(tok gitscm.NotifyToken) bool { return tok.UUID == fx["{gittoken}"] })
}

// gitFixtures fills the git plugin's placeholders: a notifyCommit token
// ({gittoken}), a repository URL ({repo}); and it gives the build {n} a
// polling log when the path reads it.
func (rs *routeStack) gitFixtures(t *testing.T, path string, repl map[string]string) {
	t.Helper()
	ctx := context.Background()
	if strings.Contains(path, "{gittoken}") {
		tok, _, err := rs.app.GitSettings.GenerateNotifyToken(ctx, fmt.Sprintf("hook-%d", rs.n))
		if err != nil {
			t.Fatal(err)
		}
		repl["{gittoken}"] = tok.UUID
	}
	repl["{repo}"] = url.QueryEscape(unreachableRepo)
	if strings.Contains(path, "/pollingLog") && repl["{n}"] != "" {
		j := job(t, rs, repl["{job}"])
		n, _ := strconv.ParseInt(repl["{n}"], 10, 64)
		if _, err := blob.NewDir(rs.home).Put(gitscm.BuildPollingLogKey(j.ID, n), strings.NewReader("Started on a test\nChanges found\n")); err != nil {
			t.Fatal(err)
		}
	}
}

// resetGit puts the git settings back to their defaults (tokens stay).
func (rs *routeStack) resetGit() {
	if err := rs.app.GitSettings.Set(context.Background(), gitscm.Values{}); err != nil {
		panic(err)
	}
}

// unreachableRepo is a repository URL nothing answers at: the builds and
// polls the hooks start fail at once instead of reaching a network.
const unreachableRepo = "git://127.0.0.1:1/acme/app.git"

// gitJobXML is a job checking unreachableRepo out, with triggers.
func gitJobXML(triggers string) string {
	return `<project><scm class="hudson.plugins.git.GitSCM"><configVersion>2</configVersion><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>` +
		unreachableRepo + `</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs><branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches></scm><triggers>` +
		triggers + `</triggers><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`
}

// hookCase is a request to a hook that must act, whoever sends it.
type hookCase struct {
	method, path string
	header       map[string]string
	body         string
	done         func(t *testing.T, rs *routeStack) bool
}

// hookCases make, for a hook route, a job it acts on and the request.
var hookCases = map[string]func(t *testing.T, rs *routeStack, n int) hookCase{
	"git/notifyCommit?url={repo}": func(t *testing.T, rs *routeStack, n int) hookCase {
		name := fmt.Sprintf("notified-%d", n)
		rs.createJob(t, name, gitJobXML(`<hudson.triggers.SCMTrigger><spec></spec></hudson.triggers.SCMTrigger>`))
		_, token, err := rs.app.GitSettings.GenerateNotifyToken(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		sha := randomSHA(t)
		return hookCase{method: "POST", path: "git/notifyCommit?url=" + url.QueryEscape(unreachableRepo) + "&sha1=" + sha + "&token=" + token,
			done: func(t *testing.T, rs *routeStack) bool {
				return built(t, rs, map[string]string{"{job}": name}, rawResp{})
			}}
	},
	"github-webhook/": func(t *testing.T, rs *routeStack, n int) hookCase {
		name := fmt.Sprintf("pushed-%d", n)
		rs.createJob(t, name, strings.Replace(gitJobXML(`<com.cloudbees.jenkins.GitHubPushTrigger><spec></spec></com.cloudbees.jenkins.GitHubPushTrigger>`),
			"acme/app", fmt.Sprintf("acme/app%d", n), 1))
		body := fmt.Sprintf(`{"ref":"refs/heads/main","repository":{"html_url":"http://127.0.0.1/acme/app%d"},"pusher":{"name":"alice"}}`, n)
		return hookCase{method: "POST", path: "github-webhook/", header: map[string]string{"X-GitHub-Event": "push"}, body: body,
			done: func(t *testing.T, rs *routeStack) bool {
				_, err := blob.NewDir(rs.home).Stat(gitscm.GitHubPollingLogKey(job(t, rs, name).ID))
				return err == nil
			}}
	},
	"project/{job}": func(t *testing.T, rs *routeStack, n int) hookCase {
		name := fmt.Sprintf("gitlab-%d", n)
		rs.createJob(t, name, gitJobXML(`<com.dabsquared.gitlabjenkins.GitLabPushTrigger><spec></spec><triggerOnPush>true</triggerOnPush><secretToken>s3cret-`+name+`</secretToken></com.dabsquared.gitlabjenkins.GitLabPushTrigger>`))
		return hookCase{method: "POST", path: "project/" + name,
			header: map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "s3cret-" + name},
			body:   `{"object_kind":"push","ref":"refs/heads/main","before":"` + strings.Repeat("0", 40) + `","after":"` + randomSHA(t) + `","user_name":"Gita","repository":{"git_http_url":"` + unreachableRepo + `"},"commits":[{"message":"m"}]}`,
			done: func(t *testing.T, rs *routeStack) bool {
				return built(t, rs, map[string]string{"{job}": name}, rawResp{})
			}}
	},
}

func randomSHA(t *testing.T) string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// TestHookRoutesByCaller drives every hook of the route table as each
// kind of caller, with no crumb and with a wrong one: servers call hooks
// without a session or a crumb, so none is needed, and the hook's own
// rule (a notifyCommit token, a trigger's secret token; no signature is
// configured here) lets anyone through, the job's permissions unasked.
// A browser's cross-site request to a hook is still refused, and does
// nothing.
func TestHookRoutesByCaller(t *testing.T) {
	rs := newRouteStack(t)
	callers := []struct {
		name   string
		header map[string]string
	}{
		{"anonymous", nil},
		{"a user without any permission on the job", basic("bob", "bob-pw")},
		{"admin's password", basic("admin", "pw")},
		{"admin's token", basic("admin", rs.adminToken)},
	}
	n := 0
	for _, r := range server.Routes {
		if r.Kind != server.RouteHook {
			continue
		}
		setup := hookCases[r.Path]
		if setup == nil {
			t.Errorf("hook %s has no case in hookCases", r.Path)
			continue
		}
		for _, c := range callers {
			for _, crumb := range []string{"no crumb", "a wrong crumb"} {
				t.Run(fmt.Sprintf("%s as %s with %s acts", r.Path, c.name, crumb), func(t *testing.T) {
					t.Cleanup(rs.reset)
					n++
					hc := setup(t, rs, n)
					h := map[string]string{}
					for k, v := range c.header {
						h[k] = v
					}
					for k, v := range hc.header {
						h[k] = v
					}
					if crumb == "a wrong crumb" {
						h["Jenkins-Crumb"] = "0123456789abcdef0123456789abcdef"
					}
					res := rs.raw(t, hc.method, hc.path, hc.body, h)
					if res.status != 200 {
						t.Fatalf("%d %s", res.status, res.body)
					}
					eventually(t, "the hook's effect", func() bool { return hc.done(t, rs) })
				})
			}
		}
		t.Run(r.Path+" from another site in a browser is refused and does nothing", func(t *testing.T) {
			t.Cleanup(rs.reset)
			n++
			hc := setup(t, rs, n)
			h := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
			for k, v := range hc.header {
				h[k] = v
			}
			res := rs.raw(t, hc.method, hc.path, hc.body, h, rs.session)
			if res.status != 403 {
				t.Fatalf("%d %s", res.status, res.body)
			}
			if hc.done(t, rs) {
				t.Fatal("a refused hook acted")
			}
		})
	}
}

// TestGitHooksAnswerAsThePlugins: the texts and statuses of the git,
// GitHub and GitLab plugins' hooks, that a refused request schedules
// nothing, and that every request is in the audit log with what it did.
// Each case has jobs of its own ({s} in names and URLs), so the
// background work of one never shows in another.
func TestGitHooksAnswerAsThePlugins(t *testing.T) {
	rs := newRouteStack(t)
	ctx := context.Background()
	_, token, err := rs.app.GitSettings.GenerateNotifyToken(ctx, "tests")
	if err != nil {
		t.Fatal(err)
	}
	repo := strings.ReplaceAll(url.QueryEscape("git://127.0.0.1:1/acme/app{s}.git"), "%7Bs%7D", "{s}")
	push := func(repo string) string {
		return `{"ref":"refs/heads/main","repository":{"html_url":"` + repo + `"},"pusher":{"name":"alice"}}`
	}
	gitlabPush := `{"object_kind":"push","ref":"refs/heads/main","after":"` + strings.Repeat("a", 40) + `","user_name":"Gita","repository":{"git_http_url":"` + unreachableRepo + `"}}`
	jobsOf := func(s string) map[string]string {
		app := func(triggers string) string {
			return strings.Replace(gitJobXML(triggers), "acme/app", "acme/app"+s, 1)
		}
		return map[string]string{
			"polled" + s:        app(`<hudson.triggers.SCMTrigger><spec></spec></hudson.triggers.SCMTrigger>`),
			"hooked" + s:        app(`<com.cloudbees.jenkins.GitHubPushTrigger><spec></spec></com.cloudbees.jenkins.GitHubPushTrigger>`),
			"gitlab-open" + s:   app(`<com.dabsquared.gitlabjenkins.GitLabPushTrigger><spec></spec></com.dabsquared.gitlabjenkins.GitLabPushTrigger>`),
			"gitlab-secret" + s: app(`<com.dabsquared.gitlabjenkins.GitLabPushTrigger><spec></spec><secretToken>right</secretToken></com.dabsquared.gitlabjenkins.GitLabPushTrigger>`),
		}
	}
	// state is what a hook changes of the jobs: their next build
	// numbers, queue items and polling logs.
	state := func(t *testing.T, jobs map[string]string) string {
		t.Helper()
		var names []string
		for name := range jobs {
			names = append(names, name)
		}
		slices.Sort(names)
		var b strings.Builder
		blobs := blob.NewDir(rs.home)
		for _, name := range names {
			j := job(t, rs, name)
			fmt.Fprintf(&b, "%s next=%d queued=%v", name, j.NextBuildNumber, rs.q.JobItem(j.ID) != nil)
			for _, key := range []string{gitscm.PollingLogKey(j.ID), gitscm.GitHubPollingLogKey(j.ID)} {
				if _, err := blobs.Stat(key); err == nil {
					fmt.Fprintf(&b, " %s", key)
				}
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	type hookAnswer struct {
		name, method, path, body string
		header                   map[string]string
		setup                    func(t *testing.T)
		status                   int
		answer                   string // in the body
		audit                    string // in the audit entry's detail
		acted                    bool   // a build or poll was started
	}
	cases := []hookAnswer{
		{name: "notifyCommit without a token is refused with the plugin's 401", method: "GET", path: "git/notifyCommit?url=" + repo,
			status: 401, answer: "An access token is required. Please refer to Git plugin documentation", audit: "notifyCommit refused: An access token is required"},
		{name: "notifyCommit with a wrong token is refused with the plugin's 403", method: "GET", path: "git/notifyCommit?url=" + repo + "&token=wrong",
			status: 403, answer: "Invalid access token", audit: "notifyCommit refused: Invalid access token"},
		{name: "notifyCommit with an illegal sha1 is a 400", method: "GET", path: "git/notifyCommit?url=" + repo + "&sha1=xyz&token=" + token,
			status: 400, answer: "Illegal SHA1", audit: "Illegal SHA1"},
		{name: "notifyCommit without a url is a 400", method: "POST", path: "git/notifyCommit?token=" + token,
			status: 400, answer: "Required Query parameter url is missing", audit: "url is missing"},
		{name: "notifyCommit of a repository no job uses says so", method: "GET", path: "git/notifyCommit?url=" + url.QueryEscape("https://example.com/other.git") + "&token=" + token,
			status: 200, answer: "No git jobs using repository: https://example.com/other.git and branches: \n", audit: "notifyCommit https://example.com/other.git: no job"},
		{name: "notifyCommit with its token as a GET schedules polling, as the plugin does", method: "GET", path: "git/notifyCommit?url=" + repo + "&token=" + token,
			status: 200, answer: "Scheduled polling of polled{s}\n", audit: "polling polled{s}", acted: true},
		{name: "notifyCommit without a token where the settings need none", method: "POST", path: "git/notifyCommit?url=" + repo + "&sha1=" + strings.Repeat("b", 40),
			setup: func(t *testing.T) {
				v := rs.app.GitSettings.Get()
				v.NotifyCommitAccess = gitscm.NotifyTokenNever
				if err := rs.app.GitSettings.Set(ctx, v); err != nil {
					t.Fatal(err)
				}
			},
			status: 200, answer: "Scheduled polled{s}\n", audit: "built polled{s}", acted: true},
		{name: "a GET to the GitHub hook is a 405", method: "GET", path: "github-webhook/", status: 405},
		{name: "a GitHub delivery without an event is a 400", method: "POST", path: "github-webhook/", body: push("http://127.0.0.1/acme/app{s}"),
			status: 400, answer: "Hook should contain event type", audit: "Hook should contain event type"},
		{name: "a GitHub ping is a 200", method: "POST", path: "github-webhook", body: `{"zen":"x"}`, header: map[string]string{"X-GitHub-Event": "ping"},
			status: 200, audit: "GitHub ping"},
		{name: "a GitHub push without a payload is a 400", method: "POST", path: "github-webhook/", body: `{}`, header: map[string]string{"X-GitHub-Event": "push"},
			status: 400, answer: "Hook should contain payload", audit: "Hook should contain payload"},
		{name: "a GitHub push of a repository no job uses does nothing and answers 200", method: "POST", path: "github-webhook/", body: push("https://github.com/acme/unknown"),
			header: map[string]string{"X-GitHub-Event": "push"}, status: 200, audit: "GitHub push to https://github.com/acme/unknown by alice: no job"},
		{name: "a GitHub push with a bad signature is refused when a secret is configured", method: "POST", path: "github-webhook/", body: push("http://127.0.0.1/acme/app{s}"),
			header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + strings.Repeat("0", 64)},
			setup:  func(t *testing.T) { rs.gitHubSecret(t, "gh-hook", "hook-secret") },
			status: 400, answer: gitscm.GitHubSignatureInvalid, audit: "GitHub push refused: No valid signature"},
		{name: "a GitHub push without a signature is refused when a secret is configured", method: "POST", path: "github-webhook/", body: push("http://127.0.0.1/acme/app{s}"),
			header: map[string]string{"X-GitHub-Event": "push"},
			setup:  func(t *testing.T) { rs.gitHubSecret(t, "gh-hook", "hook-secret") },
			status: 400, answer: gitscm.GitHubSignatureMissing, audit: "Signature must be specified"},
		{name: "a GitHub push with a good signature polls the job", method: "POST", path: "github-webhook/", body: push("http://127.0.0.1/acme/app{s}"),
			header: map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "{signature}"},
			setup:  func(t *testing.T) { rs.gitHubSecret(t, "gh-hook", "hook-secret") },
			status: 200, audit: "polling hooked{s}", acted: true},
	}
	// The audit log writes at most ten refused anonymous requests a
	// minute from one address one by one: GitLab's cases are on a
	// server of their own.
	gitlab := []hookAnswer{
		{name: "GitLab for a job that does not exist is a 404", method: "POST", path: "project/nothing-here", body: gitlabPush,
			header: map[string]string{"X-Gitlab-Event": "Push Hook"}, status: 404},
		{name: "GitLab without a token for a job without a secret needs Job/Build", method: "POST", path: "project/gitlab-open{s}", body: gitlabPush,
			header: map[string]string{"X-Gitlab-Event": "Push Hook"}, status: 403, answer: "anonymous is missing the Job/Build permission", audit: "anonymous is missing the Job/Build permission"},
		{name: "GitLab without a token as a user without Job/Build is refused the same way", method: "POST", path: "project/gitlab-open{s}", body: gitlabPush,
			header: map[string]string{"X-Gitlab-Event": "Push Hook", "Authorization": basic("bob", "bob-pw")["Authorization"]}, status: 403, answer: "bob is missing the Job/Build permission", audit: "bob is missing"},
		{name: "GitLab with a wrong token is the plugin's 401", method: "POST", path: "project/gitlab-secret{s}", body: gitlabPush,
			header: map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "wrong"}, status: 401, answer: "Invalid token", audit: "refused: Invalid token"},
		{name: "GitLab as a user with Job/Build and no secret schedules the build", method: "POST", path: "project/gitlab-open{s}", body: gitlabPush,
			header: map[string]string{"X-Gitlab-Event": "Push Hook", "Authorization": basic("admin", "pw")["Authorization"]}, status: 200, audit: "built gitlab-open{s}", acted: true},
		{name: "a GitLab event the trigger ignores answers 200 and does nothing", method: "POST", path: "project/gitlab-secret{s}", body: `{}`,
			header: map[string]string{"X-Gitlab-Event": "Note Hook", "X-Gitlab-Token": "right"}, status: 200, audit: "nothing to build"},
	}
	for i, c := range append(cases, gitlab...) {
		if i == len(cases) {
			rs = newRouteStack(t)
		}
		t.Run(c.name, func(t *testing.T) {
			t.Cleanup(rs.reset)
			t.Cleanup(func() { rs.gitHubSecret(t, "", "") })
			s := "-" + strconv.Itoa(i)
			jobs := jobsOf(s)
			for name, xml := range jobs {
				rs.createJob(t, name, xml)
			}
			fill := func(v string) string { return strings.ReplaceAll(v, "{s}", s) }
			if c.setup != nil {
				c.setup(t)
			}
			header := map[string]string{}
			for k, v := range c.header {
				header[k] = fill(v)
			}
			if header["X-Hub-Signature-256"] == "{signature}" {
				header["X-Hub-Signature-256"] = git.GitHubSignature([]byte("hook-secret"), []byte(fill(c.body)))
			}
			before := state(t, jobs)
			res := rs.raw(t, c.method, fill(c.path), fill(c.body), header)
			if res.status != c.status || !strings.Contains(res.body, fill(c.answer)) {
				t.Fatalf("%d %q, want %d with %q", res.status, res.body, c.status, fill(c.answer))
			}
			if c.audit != "" && !rs.audited(t, fill(c.audit)) {
				t.Fatalf("no audit entry says %q", fill(c.audit))
			}
			if c.acted {
				eventually(t, "the hook's build or poll", func() bool { return state(t, jobs) != before })
				return
			}
			if after := state(t, jobs); after != before {
				t.Fatalf("a hook that did nothing changed the jobs:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

// gitHubSecret makes a secret text credential id holding secret the only
// GitHub hook secret; an empty id configures none.
func (rs *routeStack) gitHubSecret(t *testing.T, id, secret string) {
	t.Helper()
	ctx := context.Background()
	v := rs.app.GitSettings.Get()
	v.GitHubHookSecrets = nil
	if id != "" {
		if _, err := rs.app.Creds.Get(ctx, id); err != nil {
			createSecretText(t, rs, id, secret)
		}
		v.GitHubHookSecrets = []string{id}
	}
	if err := rs.app.GitSettings.Set(ctx, v); err != nil {
		t.Fatal(err)
	}
}

// audited reports whether an entry of the audit log says what.
func (rs *routeStack) audited(t *testing.T, what string) bool {
	t.Helper()
	entries, _, err := rs.audit.Find(audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(entries, func(e audit.Entry) bool { return strings.Contains(e.Detail, what) })
}

// createSecretText stores a GLOBAL secret text credential.
func createSecretText(t *testing.T, rs *routeStack, id, secret string) {
	t.Helper()
	_, err := rs.app.Creds.Create(context.Background(), credstore.Actor{User: "admin"},
		&credentials.Credential{ID: id, Scope: credentials.ScopeGlobal, Kind: credentials.KindSecretText, Secret: credentials.Secret(secret)})
	if err != nil {
		t.Fatal(err)
	}
}
