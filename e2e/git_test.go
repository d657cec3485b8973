package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Git jobs with the real binary over real HTTP, against repositories the
// tests make and serve with git daemon: a job written by JJB checks out,
// shows its BuildData, changeSet and Changes pages; /git/notifyCommit's
// token rules, polling and builds; a missing repository and a file://
// remote; GitHub's push hook and its signature.

// gitDaemon is git daemon serving every repository under base.
type gitDaemon struct {
	t    *testing.T
	git  string // the git binary
	base string
	root string // git://host:port/
}

// serveGit starts git daemon on a free loopback port, exporting every
// repository made under its base, and stops it (and its workers) when
// the test ends.
func serveGit(t *testing.T) *gitDaemon {
	t.Helper()
	return serveGitOn(t, "127.0.0.1")
}

// serveGitOn is serveGit listening on host (an IPv4 address of this
// machine): an agent in a network namespace of its own reaches the host
// side of its link, not the host's loopback.
func serveGitOn(t *testing.T, host string) *gitDaemon {
	t.Helper()
	d := &gitDaemon{t: t, git: need(t, "git", "git", "apt-get install git"), base: t.TempDir()}
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command(d.git, "daemon", "--reuseaddr", "--export-all", "--base-path="+d.base,
		"--listen="+host, "--port="+port, d.base)
	// Its own process group, killed whole: the daemon's workers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr lockedBuffer
	stderr.mu = make(chan struct{}, 1)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	waitFor(t, "git daemon to listen on "+port, func() bool {
		select {
		case <-exited:
			t.Fatalf("git daemon exited:\n%s", stderr.String())
		default:
		}
		c, err := net.Dial("tcp", host+":"+port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	d.root = "git://" + host + ":" + port + "/"
	return d
}

// gitRepo is a repository the test commits to.
type gitRepo struct {
	d    *gitDaemon
	dir  string
	url  string // as git daemon serves it
	tick int
}

// repo makes a repository at path under the daemon's base with one
// commit, "First commit", on main.
func (d *gitDaemon) repo(path string) *gitRepo {
	d.t.Helper()
	r := &gitRepo{d: d, dir: filepath.Join(d.base, path), url: d.root + path}
	r.git("init", "-q", "-b", "main", r.dir)
	r.commit("First commit", "README", "hello\n")
	return r
}

// git runs git in the repository with a fixed identity and clock.
func (r *gitRepo) git(args ...string) string {
	r.d.t.Helper()
	cmd := exec.Command(r.d.git, args...)
	if args[0] != "init" {
		cmd.Dir = r.dir
	}
	date := fmt.Sprintf("@%d +0200", 1700000000+r.tick*60)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Ada Author", "GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Carl Committer", "GIT_COMMITTER_EMAIL=carl@example.com",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.d.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes one file and commits it; it returns the commit's SHA-1.
func (r *gitRepo) commit(msg, file, content string) string {
	r.d.t.Helper()
	r.tick++
	if err := os.WriteFile(filepath.Join(r.dir, file), []byte(content), 0o644); err != nil {
		r.d.t.Fatal(err)
	}
	r.git("add", file)
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// gitJobXML is a freestyle job checking url's main branch out, with an
// SCM trigger that polls only when a hook asks (trigger "scm") or a
// GitHub push trigger ("github"), whose step prints GIT_COMMIT.
func gitJobXML(url, trigger string) string {
	triggers := map[string]string{
		"scm":    `<hudson.triggers.SCMTrigger><spec></spec><ignorePostCommitHooks>false</ignorePostCommitHooks></hudson.triggers.SCMTrigger>`,
		"github": `<com.cloudbees.jenkins.GitHubPushTrigger plugin="github@1.40.0"><spec></spec></com.cloudbees.jenkins.GitHubPushTrigger>`,
	}[trigger]
	return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <scm class="hudson.plugins.git.GitSCM" plugin="git@5.7.0">
    <configVersion>2</configVersion>
    <userRemoteConfigs>
      <hudson.plugins.git.UserRemoteConfig>
        <url>` + xmlEscape(url) + `</url>
      </hudson.plugins.git.UserRemoteConfig>
    </userRemoteConfigs>
    <branches>
      <hudson.plugins.git.BranchSpec>
        <name>*/main</name>
      </hudson.plugins.git.BranchSpec>
    </branches>
    <extensions/>
  </scm>
  <triggers>` + triggers + `</triggers>
  <builders>
    <hudson.tasks.Shell>
      <command>echo "GIT_COMMIT=$GIT_COMMIT"</command>
    </hudson.tasks.Shell>
  </builders>
</project>`
}

// gitBuild is what the tests read of a build's api/json.
type gitBuild struct {
	Number  int64
	Result  *string
	Actions []struct {
		Class  string `json:"_class"`
		Causes []struct {
			Class            string `json:"_class"`
			ShortDescription string
		}
		LastBuiltRevision *struct {
			SHA1   string
			Branch []struct{ SHA1, Name string }
		}
		RemoteUrls []string
	}
	ChangeSet struct {
		Class string `json:"_class"`
		Kind  string
		Items []struct {
			CommitID, Msg string
			Author        struct{ FullName string }
			AffectedPaths []string
		}
	}
}

// cause is the build's first cause.
func (b gitBuild) cause() string {
	for _, a := range b.Actions {
		if len(a.Causes) > 0 {
			return a.Causes[0].Class + ": " + a.Causes[0].ShortDescription
		}
	}
	return ""
}

// lastBuilt is the SHA-1 of the build's BuildData, "" without one.
func (b gitBuild) lastBuilt() string {
	for _, a := range b.Actions {
		if a.Class == "hudson.plugins.git.util.BuildData" && a.LastBuiltRevision != nil {
			return a.LastBuiltRevision.SHA1
		}
	}
	return ""
}

// nextBuild waits for job's build number n to finish and returns it with
// its console.
func (j *jeeves) nextBuild(t *testing.T, job string, n int64) (gitBuild, string) {
	t.Helper()
	path := "job/" + job + "/" + strconv.FormatInt(n, 10) + "/"
	var b struct{ Building bool }
	waitWithin(t, "build "+path+" to finish", 60*time.Second, func() bool {
		r := j.do(t, req{path: path + "api/json", user: "admin", secret: adminPassword})
		if r.status == 404 {
			return false
		}
		j.json(t, path+"api/json", &b)
		return !b.Building
	})
	var gb gitBuild
	j.json(t, path+"api/json", &gb)
	return gb, j.must(t, 200, req{path: path + "consoleText", user: "admin", secret: adminPassword}).body
}

// nextBuildNumber is the job's nextBuildNumber.
func (j *jeeves) nextBuildNumber(t *testing.T, job string) int64 {
	t.Helper()
	var v struct{ NextBuildNumber int64 }
	j.json(t, "job/"+job+"/api/json", &v)
	return v.NextBuildNumber
}

// queueLength is how many items wait in the queue.
func (j *jeeves) queueLength(t *testing.T) int {
	t.Helper()
	var q struct{ Items []any }
	j.json(t, "queue/api/json", &q)
	return len(q.Items)
}

// gitSettings posts the Manage page's git settings form with the admin
// token (no crumb is needed with a token), as a script would.
func (j *jeeves) gitSettings(t *testing.T, form url.Values) {
	t.Helper()
	j.must(t, 303, req{method: "POST", path: "manage/git/configure", user: "admin", secret: j.adminToken(t),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: form.Encode()})
}

// lacks lists which of wants text does not contain.
func lacks(text string, wants ...string) []string {
	var missing []string
	for _, w := range wants {
		if !strings.Contains(text, w) {
			missing = append(missing, w)
		}
	}
	return missing
}

// TestGitJobWrittenByJJB: a job JJB writes from `scm: - git:` YAML checks
// out as the git plugin does, prints GIT_COMMIT, keeps its BuildData and
// the changeSet of the next build, and has Changes pages.
func TestGitJobWrittenByJJB(t *testing.T) {
	need(t, "jenkins-job-builder", jjb, "apt-get install jenkins-job-builder")
	d := serveGit(t)
	repo := d.repo("app.git")
	first := repo.git("rev-parse", "HEAD")
	j := start(t, "", nil)

	work := t.TempDir()
	ini := filepath.Join(work, "jenkins_jobs.ini")
	os.WriteFile(ini, []byte("[job_builder]\nignore_cache=True\n\n[jenkins]\nurl="+j.url+
		"\nuser=admin\npassword="+j.adminToken(t)+"\nquery_plugins_info=False\n"), 0o600)
	yaml := filepath.Join(work, "jobs.yaml")
	os.WriteFile(yaml, []byte(`- job:
    name: jjb-git
    scm:
      - git:
          url: `+repo.url+`
          branches:
            - '*/main'
    triggers:
      - pollscm:
          cron: ''
    builders:
      - shell: 'echo "GIT_COMMIT=$GIT_COMMIT GIT_BRANCH=$GIT_BRANCH"'
`), 0o600)
	cmd := exec.CommandContext(scriptContext(t), jjb, "--conf", ini, "update", yaml)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(work, "cache"), "HOME="+work, "NO_PROXY=*", "no_proxy=*")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("jenkins-jobs update: %v\n%s", err, out)
	}

	t.Run("the first build checks out as the git plugin does and its step sees GIT_COMMIT", func(t *testing.T) {
		b := j.waitBuild(t, j.trigger(t, "jjb-git"))
		log := j.must(t, 200, req{path: "job/jjb-git/1/consoleText", user: "admin", secret: adminPassword}).body
		if m := lacks(log,
			" > git fetch --tags --force --progress -- "+repo.url+" +refs/heads/*:refs/remotes/origin/*",
			"Checking out Revision "+first+" (refs/remotes/origin/main)\n",
			"Commit message: \"First commit\"\n",
			"GIT_COMMIT="+first+" GIT_BRANCH=origin/main\n",
			"Finished: SUCCESS\n"); len(m) > 0 || *b.Result != "SUCCESS" {
			t.Fatalf("result %s; the console lacks %q:\n%s", *b.Result, m, log)
		}
	})
	second := repo.commit("Second commit", "NEW", "x\n")
	t.Run("the next build's api/json has BuildData with lastBuiltRevision and a changeSet of the new commit", func(t *testing.T) {
		b := j.waitBuild(t, j.trigger(t, "jjb-git"))
		if *b.Result != "SUCCESS" {
			t.Fatalf("result %s", *b.Result)
		}
		var gb gitBuild
		j.json(t, "job/jjb-git/2/api/json", &gb)
		if gb.lastBuilt() != second {
			t.Errorf("lastBuiltRevision %q, want %s: %+v", gb.lastBuilt(), second, gb.Actions)
		}
		cs := gb.ChangeSet
		if cs.Class != "hudson.plugins.git.GitChangeSetList" || cs.Kind != "git" || len(cs.Items) != 1 ||
			cs.Items[0].CommitID != second || cs.Items[0].Msg != "Second commit" || cs.Items[0].Author.FullName != "Carl Committer" ||
			strings.Join(cs.Items[0].AffectedPaths, ",") != "NEW" {
			t.Errorf("changeSet %+v", cs)
		}
	})
	t.Run("the job's and the build's Changes pages show the commit", func(t *testing.T) {
		for path, wants := range map[string][]string{
			"job/jjb-git/changes":   {"Second commit", "#2"},
			"job/jjb-git/2/changes": {"Revision " + second + " (refs/remotes/origin/main)", "Second commit", "NEW"},
			"job/jjb-git/1/changes": {"No changes.", "Revision " + first},
		} {
			page := j.must(t, 200, req{path: path, user: "admin", secret: adminPassword}).body
			if m := lacks(html.UnescapeString(page), wants...); len(m) > 0 {
				t.Errorf("%s lacks %q", path, m)
			}
		}
	})
}

// TestGitHooksAndPolling: /git/notifyCommit's token rules, the poll it
// starts (and its log at scmPollLog), the build of a sha1 it names, and
// its answer to a repository no job uses; GitHub's push hook with and
// without a valid signature.
func TestGitHooksAndPolling(t *testing.T) {
	d := serveGit(t)
	repo := d.repo("app.git")
	j := start(t, "", nil)
	j.createJob(t, "app", gitJobXML(repo.url, "scm"))
	if b := j.waitBuild(t, j.trigger(t, "app")); *b.Result != "SUCCESS" {
		t.Fatalf("the first build: %s", *b.Result)
	}
	notify := func(query string) resp {
		return j.do(t, req{path: "git/notifyCommit?" + query})
	}
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}

	t.Run("without a token notifyCommit is refused by default and schedules nothing", func(t *testing.T) {
		r := notify(q("url", repo.url))
		if r.status != 401 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if n := j.nextBuildNumber(t, "app"); n != 2 || j.queueLength(t) != 0 {
			t.Fatalf("next build %d, queue %d", n, j.queueLength(t))
		}
	})
	var token string
	t.Run("with a token made through the plugin's API notifyCommit polls, and the poll's changes start a build", func(t *testing.T) {
		r := j.must(t, 200, req{method: "POST", path: "descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/generate?apiTokenName=hook",
			user: "admin", secret: j.adminToken(t)})
		i := strings.Index(r.body, `"value":"`)
		if i < 0 {
			t.Fatalf("generate: %s", r.body)
		}
		token = r.body[i+len(`"value":"`):][:32]
		third := repo.commit("Third commit", "README", "3\n")
		r = notify(q("url", repo.url, "token", token))
		if r.status != 200 || r.body != "Scheduled polling of app\n" || r.header.Get("Triggered") != j.url+"job/app/" {
			t.Fatalf("%d %q %v", r.status, r.body, r.header)
		}
		b, log := j.nextBuild(t, "app", 2)
		if b.cause() != "hudson.triggers.SCMTrigger$SCMTriggerCause: Started by an SCM change" || b.lastBuilt() != third ||
			!strings.Contains(log, "Checking out Revision "+third) {
			t.Fatalf("cause %q, revision %q:\n%s", b.cause(), b.lastBuilt(), log)
		}
		page := html.UnescapeString(j.must(t, 200, req{path: "job/app/scmPollLog/", user: "admin", secret: adminPassword}).body)
		if m := lacks(page, "Git Polling Log", "[poll] Latest remote head revision on refs/heads/main is: "+third, "Changes found"); len(m) > 0 {
			t.Errorf("the polling log lacks %q:\n%s", m, page)
		}
		text := j.must(t, 200, req{path: "job/app/2/pollingLog/pollingLog", user: "admin", secret: adminPassword})
		if !strings.HasPrefix(text.header.Get("Content-Type"), "text/plain") || !strings.Contains(text.body, "Changes found") {
			t.Errorf("the build's polling log: %s", text.body)
		}
	})
	t.Run("a notifyCommit with a sha1 and the token builds that commit with the commit hook's cause", func(t *testing.T) {
		first := repo.git("rev-list", "--max-parents=0", "HEAD")
		r := notify(q("url", repo.url, "sha1", first, "token", token))
		if r.status != 200 || r.body != "Scheduled app\n" {
			t.Fatalf("%d %q", r.status, r.body)
		}
		b, log := j.nextBuild(t, "app", 3)
		if b.cause() != "hudson.plugins.git.GitStatus$CommitHookCause: commit notification "+first || !strings.Contains(log, "Checking out Revision "+first) {
			t.Fatalf("cause %q:\n%s", b.cause(), log)
		}
	})
	t.Run("a wrong token is refused with 403", func(t *testing.T) {
		if r := notify(q("url", repo.url, "token", strings.Repeat("0", 32))); r.status != 403 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("with access allowed without a token, a poll that finds nothing new logs it and builds nothing", func(t *testing.T) {
		j.gitSettings(t, url.Values{"notifyCommitAccess": {"disabled"}})
		r := notify(q("url", repo.url))
		if r.status != 200 || r.body != "Scheduled polling of app\n" {
			t.Fatalf("%d %q", r.status, r.body)
		}
		// The last build (3) checked out the first commit, recorded as on
		// origin/main; main's head was built by build 2, so the poll finds
		// nothing new (BuildData.hasBeenBuilt).
		first := repo.git("rev-list", "--max-parents=0", "HEAD")
		var page string
		waitFor(t, "the poll after build 3 to finish", func() bool {
			page = html.UnescapeString(j.must(t, 200, req{path: "job/app/scmPollLog/", user: "admin", secret: adminPassword}).body)
			return strings.Contains(page, "[poll] Last Built Revision: Revision "+first+" (origin/main)") &&
				(strings.Contains(page, "No changes") || strings.Contains(page, "Changes found"))
		})
		if m := lacks(page, " - already built by 2", "No changes"); len(m) > 0 {
			t.Fatalf("the polling log lacks %q:\n%s", m, page)
		}
		if n := j.nextBuildNumber(t, "app"); n != 4 || j.queueLength(t) != 0 {
			t.Fatalf("next build %d, queue %d", n, j.queueLength(t))
		}
	})
	t.Run("POST /job/X/polling polls now, as Jenkins's doPolling, and the changes it finds start a build", func(t *testing.T) {
		fourth := repo.commit("Fourth commit", "README", "4\n")
		r := j.do(t, req{method: "POST", path: "job/app/polling", user: "admin", secret: j.adminToken(t)})
		if r.status != 302 || r.header.Get("Location") != j.url+"job/app/" {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
		b, log := j.nextBuild(t, "app", 4)
		if b.cause() != "hudson.triggers.SCMTrigger$SCMTriggerCause: Started by an SCM change" || b.lastBuilt() != fourth {
			t.Fatalf("cause %q, revision %q:\n%s", b.cause(), b.lastBuilt(), log)
		}
		if r := j.do(t, req{path: "job/app/polling", user: "admin", secret: j.adminToken(t)}); r.status == 302 || r.status == 200 {
			t.Fatalf("a GET polled: %d", r.status)
		}
	})
	t.Run("a URL no job uses gets the plugin's answer and schedules nothing", func(t *testing.T) {
		other := d.root + "other.git"
		before := j.nextBuildNumber(t, "app")
		r := notify(q("url", other))
		if r.status != 200 || r.body != "No git jobs using repository: "+other+" and branches: \n" || r.header.Get("Triggered") != "" {
			t.Fatalf("%d %q %v", r.status, r.body, r.header)
		}
		if n := j.nextBuildNumber(t, "app"); n != before || j.queueLength(t) != 0 {
			t.Fatalf("next build %d, queue %d", n, j.queueLength(t))
		}
	})

	// GitHub: a repository at owner/name.git, a job with the push
	// trigger, a hook secret configured.
	hooked := d.repo("acme/hooked.git")
	j.createJob(t, "hooked", gitJobXML(hooked.url, "github"))
	const secret = "hook-secret-value"
	if code, body := postXML(t, j, "admin:"+j.adminToken(t), credDomain+"createCredentials",
		`<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>gh-hook</id><secret>`+secret+
			`</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`); code != 200 {
		t.Fatalf("creating the hook secret: %d %s", code, body)
	}
	j.gitSettings(t, url.Values{"notifyCommitAccess": {"disabled"}, "gitHubHookSecrets": {"gh-hook"}})
	payload := `{"ref":"refs/heads/main","after":"` + hooked.git("rev-parse", "HEAD") + `","repository":{"html_url":"http` +
		strings.TrimPrefix(d.root, "git") + `acme/hooked"},"pusher":{"name":"ada"}}`
	sign := func(key string) string {
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(payload))
		return "sha256=" + hex.EncodeToString(mac.Sum(nil))
	}
	deliver := func(signature string) resp {
		h := map[string]string{"Content-Type": "application/json", "X-GitHub-Event": "push"}
		if signature != "" {
			h["X-Hub-Signature-256"] = signature
		}
		return j.do(t, req{method: "POST", path: "github-webhook/", header: h, body: payload})
	}
	for _, c := range []struct{ name, signature, answer string }{
		{"a GitHub push signed with another secret is refused with 400 and schedules nothing", sign("not-the-secret"), "No valid signature found"},
		{"a GitHub push without a signature is refused with 400 and schedules nothing", "", "Signature must be specified in the header X-Hub-Signature-256"},
		{"a GitHub push with a malformed signature is refused with 400 and schedules nothing", "sha256=zz", "No valid signature found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := deliver(c.signature)
			if r.status != 400 || !strings.Contains(r.body, c.answer) {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if n := j.nextBuildNumber(t, "hooked"); n != 1 || j.queueLength(t) != 0 {
				t.Fatalf("next build %d, queue %d", n, j.queueLength(t))
			}
			page := j.must(t, 200, req{path: "job/hooked/GitHubPollLog/", user: "admin", secret: adminPassword}).body
			if !strings.Contains(page, "Polling has not run yet.") {
				t.Fatalf("the hook log:\n%s", page)
			}
		})
	}
	t.Run("a GitHub push signed with the secret polls and builds, started by the pusher", func(t *testing.T) {
		if r := deliver(sign(secret)); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		b, _ := j.nextBuild(t, "hooked", 1)
		if b.cause() != "com.cloudbees.jenkins.GitHubPushCause: Started by GitHub push by ada" || *b.Result != "SUCCESS" {
			t.Fatalf("cause %q, result %v", b.cause(), *b.Result)
		}
	})
	t.Run("the audit log records the refused hooks with why", func(t *testing.T) {
		var a struct {
			Entries []struct {
				Status int
				Detail string
			}
		}
		j.json(t, "manage/audit/api/json?limit=1000", &a)
		var details []string
		for _, e := range a.Entries {
			details = append(details, fmt.Sprint(e.Status, " ", e.Detail))
		}
		all := strings.Join(details, "\n")
		if m := lacks(all, "400 GitHub push refused: No valid signature found", "400 GitHub push refused: Signature must be specified",
			"401 notifyCommit refused:", "403 notifyCommit refused:"); len(m) > 0 {
			t.Fatalf("the audit log lacks %q:\n%s", m, all)
		}
	})
}

// TestGitBadRemotes: a repository that does not exist fails the build
// with git's message; a file:// remote is refused with the SECURITY-2478
// message naming jeeves's setting, and builds once the setting allows it.
func TestGitBadRemotes(t *testing.T) {
	d := serveGit(t)
	repo := d.repo("app.git")
	j := start(t, "", nil)
	local := "file://" + repo.dir
	for _, c := range []struct {
		name, job, url string
		wants          []string
	}{
		{"a repository git daemon does not serve fails the build with git's message", "missing", d.root + "missing.git",
			[]string{"ERROR: Error cloning remote repo 'origin'", "repository not exported", "Finished: FAILURE"}},
		{"a file:// remote is refused with the SECURITY-2478 message and how to allow it in jeeves", "local", local,
			[]string{"Checkout of Git remote '" + local + "' aborted because it references a local directory, which may be insecure.",
				`with the git setting "Allow checkouts of local repositories" (allowLocalCheckout) on the Manage jeeves page`, "Finished: FAILURE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			j.createJob(t, c.job, gitJobXML(c.url, "scm"))
			b := j.waitBuild(t, j.trigger(t, c.job))
			log := j.must(t, 200, req{path: "job/" + c.job + "/1/consoleText", user: "admin", secret: adminPassword}).body
			if m := lacks(log, c.wants...); len(m) > 0 || *b.Result != "FAILURE" {
				t.Fatalf("result %s; the console lacks %q:\n%s", *b.Result, m, log)
			}
			if strings.Contains(log, "GIT_COMMIT=") {
				t.Fatalf("the step ran in an empty workspace:\n%s", log)
			}
		})
	}
	t.Run("with local checkouts allowed on Manage the file:// remote builds", func(t *testing.T) {
		j.gitSettings(t, url.Values{"allowLocalCheckout": {"true"}})
		b := j.waitBuild(t, j.trigger(t, "local"))
		log := j.must(t, 200, req{path: "job/local/2/consoleText", user: "admin", secret: adminPassword}).body
		if *b.Result != "SUCCESS" || !strings.Contains(log, "GIT_COMMIT="+repo.git("rev-parse", "HEAD")) {
			t.Fatalf("result %s:\n%s", *b.Result, log)
		}
	})
}

// TestBrowserGit walks the git pages in a real browser, with a
// screenshot of each: the Configure form's Source Code Management set to
// Git (URL and branch) with Poll SCM, saved and built; the build's Changes page after
// a new commit; the git settings and a notifyCommit token on Manage.
func TestBrowserGit(t *testing.T) {
	d := serveGit(t)
	repo := d.repo("app.git")
	j := start(t, "", nil)
	ctx := browser(t)
	tok := j.adminToken(t)
	j.createJob(t, "ui-git", shellJob(`echo "GIT_COMMIT=$GIT_COMMIT"; cat README`))
	run(t, ctx, "login",
		chromedp.Navigate(j.url+"login"),
		chromedp.WaitVisible(chromedp.CSS("#j_username")),
		chromedp.SendKeys(chromedp.CSS("#j_username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#j_password"), adminPassword),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#user-menu")),
	)

	t.Run("Configure's Git section writes a GitSCM, and Build Now checks it out", func(t *testing.T) {
		run(t, ctx, "configure-git",
			chromedp.Navigate(j.url+"job/ui-git/configure"),
			chromedp.WaitVisible(chromedp.CSS("#scm-git")),
			click("#scm-git"),
			chromedp.WaitVisible(chromedp.CSS("#git-url")),
			chromedp.SendKeys(chromedp.CSS("#git-url"), repo.url),
			chromedp.SetValue(chromedp.CSS("#git-branches"), "*/main"),
			// Poll SCM with no schedule: polled only when a hook asks.
			click("#pollscm"),
		)
		run(t, ctx, "configure-git-saved",
			click("#save"),
			chromedp.WaitVisible(chromedp.CSS("#job-title")),
		)
		xml := j.must(t, 200, req{path: "job/ui-git/config.xml", user: "admin", secret: tok}).body
		if m := lacks(xml, `<scm class="hudson.plugins.git.GitSCM">`, "<url>"+repo.url+"</url>", "<name>*/main</name>", "<hudson.triggers.SCMTrigger>", "cat README"); len(m) > 0 {
			t.Fatalf("config.xml lacks %q:\n%s", m, xml)
		}
		run(t, ctx, "git-build",
			click("#build-now"),
			chromedp.WaitVisible(chromedp.CSS(`#history a[href$="/1/"]`)),
			chromedp.Navigate(j.url+"job/ui-git/1/console"),
			waitText("#console", "Finished: SUCCESS"),
		)
		if m := lacks(get(t, ctx, text("#console")), "Checking out Revision "+repo.git("rev-parse", "HEAD"), `Commit message: "First commit"`, "hello"); len(m) > 0 {
			t.Fatalf("the console lacks %q", m)
		}
	})
	t.Run("the build page leads to its Changes, which list the new commit and its files", func(t *testing.T) {
		second := repo.commit("Second commit", "NEW", "x\n")
		if b := j.waitBuild(t, j.trigger(t, "ui-git")); *b.Result != "SUCCESS" {
			t.Fatalf("result %s", *b.Result)
		}
		run(t, ctx, "build-changes",
			chromedp.Navigate(j.url+"job/ui-git/2/"),
			waitText("#git-revision", second),
			click("#build-changes"),
			waitText("#changes-2", "Second commit"),
			waitText("#changes-2", "NEW"),
		)
		run(t, ctx, "job-changes",
			chromedp.Navigate(j.url+"job/ui-git/changes"),
			waitText("#changes-2", "Second commit"),
		)
	})
	t.Run("Manage saves the git settings, and a token made there works with notifyCommit", func(t *testing.T) {
		run(t, ctx, "manage-git",
			chromedp.Navigate(j.url+"manage/#git"),
			chromedp.WaitVisible(chromedp.CSS("#git-settings-form")),
			click("#allow-local-checkout"),
			chromedp.SetValue(chromedp.CSS("#git-name"), "Jeeves CI"),
		)
		run(t, ctx, "manage-git-saved",
			click("#save-git-settings"),
			chromedp.WaitVisible(chromedp.CSS("#git-settings-form")),
		)
		if checked := get(t, ctx, chromedp.Evaluate[bool](`document.querySelector("#allow-local-checkout").checked`)); !checked {
			t.Fatal("allowLocalCheckout was not saved")
		}
		if name := get(t, ctx, chromedp.Evaluate[string](`document.querySelector("#git-name").value`)); name != "Jeeves CI" {
			t.Fatalf("user.name is %q", name)
		}
		run(t, ctx, "manage-git-token",
			chromedp.SendKeys(chromedp.CSS("#notify-token-name"), "forge"),
			click("#generate-notify-token"),
			chromedp.WaitVisible(chromedp.CSS("#new-notify-token-value")),
		)
		value := get(t, ctx, text("#new-notify-token-value"))
		r := j.do(t, req{path: "git/notifyCommit?" + url.Values{"url": {repo.url}, "token": {value}}.Encode()})
		if r.status != 200 || r.body != "Scheduled polling of ui-git\n" {
			t.Fatalf("notifyCommit with the page's token: %d %q", r.status, r.body)
		}
	})
}
