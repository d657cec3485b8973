package server_test

import (
	"context"
	"encoding/json"
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

	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// Git jobs over HTTP, against real repositories served by git daemon:
// what a build's api/json, pages and console show of its checkout, the
// polling logs, and the Configure form's source section.

// needGit skips (or, under CI, fails) a test without git.
func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is required: apt-get install git")
		}
		t.Skip("git is not installed: apt-get install git")
	}
}

// gitRepo is a repository the test commits to, served by git daemon.
type gitRepo struct {
	t    *testing.T
	dir  string
	url  string // git://127.0.0.1:port/name
	tick int
}

// servedRepo makes a repository with one commit on main and serves it.
func servedRepo(t *testing.T, name string) *gitRepo {
	t.Helper()
	needGit(t)
	base := t.TempDir()
	r := &gitRepo{t: t, dir: filepath.Join(base, name)}
	r.git("init", "-q", "-b", "main", r.dir)
	r.commit("First commit", map[string]string{"README": "hello\n"})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("git", "daemon", "--reuseaddr", "--export-all", "--base-path="+base, "--listen=127.0.0.1", "--port="+strconv.Itoa(port), base)
	// Its own process group, killed whole: the daemon's workers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	eventually(t, "git daemon to listen", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	r.url = "git://127.0.0.1:" + strconv.Itoa(port) + "/" + name
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	if args[0] != "init" {
		cmd.Dir = r.dir
	}
	date := fmt.Sprintf("@%d +0200", 1700000000+r.tick*60)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+r.t.TempDir(),
		"GIT_AUTHOR_NAME=Ada Author", "GIT_AUTHOR_EMAIL=ada@example.com", "GIT_COMMITTER_NAME=Carl Committer", "GIT_COMMITTER_EMAIL=carl@example.com",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files and commits them; it returns the commit's SHA-1.
func (r *gitRepo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.tick++
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(r.dir, name), []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
		r.git("add", name)
	}
	r.git("commit", "-q", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// gitSCMXML is a job checking url's main branch out, polling only when
// a hook asks, whose step prints the git variables.
func gitSCMXML(url string) string {
	return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <scm class="hudson.plugins.git.GitSCM" plugin="git@5.7.0">
    <configVersion>2</configVersion>
    <userRemoteConfigs>
      <hudson.plugins.git.UserRemoteConfig>
        <url>` + url + `</url>
      </hudson.plugins.git.UserRemoteConfig>
    </userRemoteConfigs>
    <branches>
      <hudson.plugins.git.BranchSpec>
        <name>*/main</name>
      </hudson.plugins.git.BranchSpec>
    </branches>
    <extensions/>
  </scm>
  <triggers>
    <hudson.triggers.SCMTrigger>
      <spec></spec>
      <ignorePostCommitHooks>false</ignorePostCommitHooks>
    </hudson.triggers.SCMTrigger>
  </triggers>
  <builders>
    <hudson.tasks.Shell>
      <command>echo "GIT_COMMIT=$GIT_COMMIT GIT_BRANCH=$GIT_BRANCH GIT_URL=$GIT_URL"; cat README</command>
    </hudson.tasks.Shell>
  </builders>
</project>`
}

// buildNow triggers a build of job with the admin token and waits for it.
func (rs *routeStack) buildNow(t *testing.T, job string) model.Build {
	t.Helper()
	if r := rs.asToken(t, "POST", "job/"+job+"/build?delay=0sec", ""); r.status != 201 {
		t.Fatalf("build: %d %s", r.status, r.body)
	}
	return rs.waitBuild(t, job)
}

func TestGitBuildOverHTTP(t *testing.T) {
	repo := servedRepo(t, "app")
	first := repo.git("rev-parse", "HEAD")
	rs := newRouteStack(t)
	rs.createJob(t, "app", gitSCMXML(repo.url))

	b1 := rs.buildNow(t, "app")
	log1 := rs.asToken(t, "GET", "job/app/1/consoleText", "").body
	t.Run("the first build checks out as the git plugin does and its steps get the GIT variables", func(t *testing.T) {
		for _, want := range []string{
			"No credentials specified\n",
			" > git fetch --tags --force --progress -- " + repo.url + " +refs/heads/*:refs/remotes/origin/*",
			"Checking out Revision " + first + " (refs/remotes/origin/main)\n",
			"Commit message: \"First commit\"\n",
			"First time build. Skipping changelog.\n",
			"GIT_COMMIT=" + first + " GIT_BRANCH=origin/main GIT_URL=" + repo.url + "\n",
			"hello\n",
			"Finished: SUCCESS\n",
		} {
			if !strings.Contains(log1, want) {
				t.Errorf("the console lacks %q:\n%s", want, log1)
			}
		}
		if b1.Result != model.Success {
			t.Fatalf("result %s", b1.Result)
		}
	})

	second := repo.commit("Second commit\n\nWith a body.", map[string]string{"README": "hello again\n", "NEW": "x"})
	b2 := rs.buildNow(t, "app")
	var api struct {
		Actions   []map[string]any
		Causes    []any
		ChangeSet struct {
			Class string `json:"_class"`
			Kind  string
			Items []struct {
				Class         string `json:"_class"`
				CommitID, Msg string
				Comment       string
				AffectedPaths []string
				Author        struct{ FullName, AbsoluteURL string }
				AuthorEmail   string
				Paths         []struct{ EditType, File string }
			}
		}
	}
	t.Run("the next build's api/json has its BuildData and its changeSet", func(t *testing.T) {
		if b2.Result != model.Success {
			t.Fatalf("result %s", b2.Result)
		}
		if err := json.Unmarshal([]byte(rs.asToken(t, "GET", "job/app/2/api/json", "").body), &api); err != nil {
			t.Fatal(err)
		}
		var bd map[string]any
		for _, a := range api.Actions {
			if a["_class"] == "hudson.plugins.git.util.BuildData" {
				bd = a
			}
		}
		if bd == nil {
			t.Fatalf("no BuildData in %v", api.Actions)
		}
		last := bd["lastBuiltRevision"].(map[string]any)
		branch := last["branch"].([]any)[0].(map[string]any)
		if last["SHA1"] != second || branch["name"] != "refs/remotes/origin/main" || bd["remoteUrls"].([]any)[0] != repo.url {
			t.Errorf("BuildData %v", bd)
		}
		byBranch := bd["buildsByBranchName"].(map[string]any)["refs/remotes/origin/main"].(map[string]any)
		if byBranch["buildNumber"] != float64(2) || byBranch["_class"] != "hudson.plugins.git.util.Build" {
			t.Errorf("buildsByBranchName %v", byBranch)
		}
		cs := api.ChangeSet
		if cs.Class != "hudson.plugins.git.GitChangeSetList" || cs.Kind != "git" || len(cs.Items) != 1 {
			t.Fatalf("changeSet %+v", cs)
		}
		it := cs.Items[0]
		if it.Class != "hudson.plugins.git.GitChangeSet" || it.CommitID != second || it.Msg != "Second commit" || it.Comment != "Second commit\n\nWith a body.\n" ||
			it.Author.FullName != "Carl Committer" || it.AuthorEmail != "carl@example.com" || it.Author.AbsoluteURL != rs.url+"user/carl%20committer" ||
			len(it.Paths) != 2 || strings.Join(it.AffectedPaths, ",") != "NEW,README" {
			t.Errorf("change %+v", it)
		}
	})
	t.Run("the first build's changeSet is an empty git change set", func(t *testing.T) {
		var b struct {
			ChangeSet struct {
				Class string `json:"_class"`
				Items []any
			}
		}
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/app/1/api/json?tree=changeSet[*]", "").body), &b)
		if b.ChangeSet.Class != "hudson.plugins.git.GitChangeSetList" || len(b.ChangeSet.Items) != 0 {
			t.Fatalf("%+v", b)
		}
	})
	t.Run("the job's api/json names its SCM", func(t *testing.T) {
		var j struct {
			SCM struct {
				Class string `json:"_class"`
			}
		}
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/app/api/json", "").body), &j)
		if j.SCM.Class != "hudson.plugins.git.GitSCM" {
			t.Fatalf("%+v", j)
		}
	})
	t.Run("the Changes pages and the build page show the revision and the change", func(t *testing.T) {
		for path, wants := range map[string][]string{
			"job/app/2/changes": {"Revision " + second + " (refs/remotes/origin/main)", "<strong>Second commit</strong>", "by Carl Committer &lt;carl@example.com&gt;", `<span class="tag">add</span> NEW`},
			"job/app/changes":   {`<a href="` + rs.url + `job/app/2/">#2</a>`, "<strong>Second commit</strong>"},
			"job/app/2/":        {`<p id="git-revision">Revision ` + second + " (refs/remotes/origin/main)</p>", `id="build-changes">Changes (1)</a>`},
			"job/app/1/changes": {"No changes.", "Revision " + first},
			"job/app/":          {`href="` + rs.url + `job/app/changes" id="job-changes"`, `id="scm-poll-log"`},
		} {
			page := rs.asSession(t, "GET", path, nil)
			if page.status != 200 {
				t.Fatalf("%s: %d %s", path, page.status, page.body)
			}
			for _, w := range wants {
				if !strings.Contains(page.body, w) {
					t.Errorf("%s lacks %s", path, w)
				}
			}
		}
	})
	t.Run("the polling log says polling has not run, then what a notifyCommit's poll found", func(t *testing.T) {
		if p := rs.asSession(t, "GET", "job/app/scmPollLog/", nil); p.status != 200 || !strings.Contains(p.body, "Polling has not run yet.") {
			t.Fatalf("%d %s", p.status, p.body)
		}
		v := rs.app.GitSettings.Get()
		v.NotifyCommitAccess = "disabled"
		if err := rs.app.GitSettings.Set(context.Background(), v); err != nil {
			t.Fatal(err)
		}
		third := repo.commit("Third", map[string]string{"README": "3\n"})
		if r := rs.raw(t, "GET", "git/notifyCommit?url="+url.QueryEscape(repo.url), "", nil); r.status != 200 || r.body != "Scheduled polling of app\n" ||
			r.header.Get("Triggered") != rs.url+"job/app/" {
			t.Fatalf("%d %q %v", r.status, r.body, r.header)
		}
		b3 := rs.waitBuild(t, "app")
		page := html.UnescapeString(rs.asSession(t, "GET", "job/app/scmPollLog/", nil).body)
		for _, w := range []string{"Started on ", "[poll] Latest remote head revision on refs/heads/main is: " + third, "Changes found"} {
			if !strings.Contains(page, w) {
				t.Errorf("the polling log lacks %q:\n%s", w, page)
			}
		}
		var api struct {
			Actions []struct {
				Class  string `json:"_class"`
				Causes []struct {
					Class            string `json:"_class"`
					ShortDescription string
				}
			}
		}
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/app/"+itoa(b3.Number)+"/api/json", "").body), &api)
		if c := api.Actions[0].Causes[0]; c.Class != "hudson.triggers.SCMTrigger$SCMTriggerCause" || c.ShortDescription != "Started by an SCM change" {
			t.Errorf("cause %+v", c)
		}
		text := rs.asToken(t, "GET", "job/app/"+itoa(b3.Number)+"/pollingLog/pollingLog", "")
		if text.status != 200 || !strings.HasPrefix(text.header.Get("Content-Type"), "text/plain") || !strings.Contains(text.body, "Changes found") {
			t.Errorf("the build's polling log: %d %s", text.status, text.body)
		}
		if p := rs.asToken(t, "GET", "job/app/1/pollingLog/", ""); p.status != 404 {
			t.Errorf("a build not started by polling has a polling log: %d", p.status)
		}
	})
	t.Run("a notifyCommit with a sha1 builds that commit, with the plugin's cause", func(t *testing.T) {
		if r := rs.raw(t, "POST", "git/notifyCommit?url="+url.QueryEscape(repo.url)+"&sha1="+first, "", nil); r.status != 200 || r.body != "Scheduled app\n" {
			t.Fatalf("%d %q", r.status, r.body)
		}
		b := rs.waitBuild(t, "app")
		log := rs.asToken(t, "GET", "job/app/"+itoa(b.Number)+"/consoleText", "").body
		if !strings.Contains(log, "commit notification "+first) || !strings.Contains(log, "Checking out Revision "+first) {
			t.Errorf("%s", log)
		}
		var api struct {
			Actions []struct {
				Causes []struct {
					Class string `json:"_class"`
				}
			}
		}
		json.Unmarshal([]byte(rs.asToken(t, "GET", "job/app/"+itoa(b.Number)+"/api/json", "").body), &api)
		if api.Actions[0].Causes[0].Class != "hudson.plugins.git.GitStatus$CommitHookCause" {
			t.Errorf("%+v", api)
		}
	})
}

// TestGitSourceInTheConfigureForm: the Configure and New Item forms'
// source section creates a GitSCM, changes its URL and branches, turns
// Poll SCM on and off and goes back to None, keeping the rest; what it
// refuses comes back beside its field with nothing stored.
func TestGitSourceInTheConfigureForm(t *testing.T) {
	rs := newRouteStack(t)
	page := rs.asSession(t, "GET", "view/all/newJob", nil)
	form := formValues(t, page.body, "new-item-form")
	form.Set("name", "from-ui")
	form.Set("scm", "git")
	form.Set("scm.url", "https://example.com/acme/app.git")
	form.Set("scm.branches", "*/main\nrelease/*")
	form.Set("pollscm", "true")
	form.Set("pollscm.spec", "H/15 * * * *")
	form.Set("shell", "make")
	t.Run("New Item with Git writes a GitSCM and an SCMTrigger", func(t *testing.T) {
		if r := rs.asSession(t, "POST", "view/all/newJob", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		xml := rs.configXML(t, "from-ui")
		for _, want := range []string{`<scm class="hudson.plugins.git.GitSCM">`, "<url>https://example.com/acme/app.git</url>", "<name>*/main</name>", "<name>release/*</name>",
			"<spec>H/15 * * * *</spec>"} {
			if !strings.Contains(xml, want) {
				t.Errorf("config.xml lacks %s:\n%s", want, xml)
			}
		}
	})
	t.Run("Configure changes the URL and the branches in place and keeps the rest", func(t *testing.T) {
		before := rs.configXML(t, "from-ui")
		f := formValues(t, rs.asSession(t, "GET", "job/from-ui/configure", nil).body, "configure-form")
		if f.Get("scm") != "git" || f.Get("scm.url") != "https://example.com/acme/app.git" || f.Get("pollscm") != "true" {
			t.Fatalf("the form shows %v", f)
		}
		f.Set("scm.url", "git@example.com:acme/app.git")
		f.Set("scm.branches", "*/main")
		if r := rs.asSession(t, "POST", "job/from-ui/configSubmit", f); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		want := strings.Replace(before, "https://example.com/acme/app.git", "git@example.com:acme/app.git", 1)
		want = strings.Replace(want, "\n      <hudson.plugins.git.BranchSpec>\n        <name>release/*</name>\n      </hudson.plugins.git.BranchSpec>", "", 1)
		if got := rs.configXML(t, "from-ui"); got != want {
			t.Fatalf("config.xml:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("a Git source without a URL comes back with the plugin's message and nothing stored", func(t *testing.T) {
		before := rs.configXML(t, "from-ui")
		f := formValues(t, rs.asSession(t, "GET", "job/from-ui/configure", nil).body, "configure-form")
		f.Set("scm.url", "")
		f.Set("pollscm.spec", "not a schedule")
		r := rs.asSession(t, "POST", "job/from-ui/configSubmit", f)
		if r.status != 400 || !strings.Contains(r.body, `id="git-url-error">Please enter Git repository.`) || !strings.Contains(r.body, `Invalid input: &#34;not a schedule&#34;`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if rs.configXML(t, "from-ui") != before {
			t.Fatal("a refused form changed config.xml")
		}
	})
	t.Run("None and Poll SCM off leave a NullSCM and no SCMTrigger", func(t *testing.T) {
		f := formValues(t, rs.asSession(t, "GET", "job/from-ui/configure", nil).body, "configure-form")
		f.Set("scm", "none")
		f.Del("pollscm")
		if r := rs.asSession(t, "POST", "job/from-ui/configSubmit", f); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		xml := rs.configXML(t, "from-ui")
		if !strings.Contains(xml, `<scm class="hudson.scm.NullSCM"/>`) || strings.Contains(xml, "SCMTrigger") || !strings.Contains(xml, "<command>make</command>") {
			t.Fatalf("%s", xml)
		}
	})
	t.Run("the credentials offered are those a job may use with git", func(t *testing.T) {
		createSecretText(t, rs, "not-for-git", "s")
		if _, err := rs.app.Creds.CreateXML(context.Background(), credstoreActor(), []byte(`<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope><id>deploy</id><username>ci</username><password>pw</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`)); err != nil {
			t.Fatal(err)
		}
		if _, err := rs.app.Creds.CreateXML(context.Background(), credstoreActor(), []byte(`<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>SYSTEM</scope><id>jeeves-only</id><username>ci</username><password>pw</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`)); err != nil {
			t.Fatal(err)
		}
		page := rs.asSession(t, "GET", "job/from-ui/configure", nil).body
		// The git picker only: the bindings section offers secret texts.
		picker := page[strings.Index(page, `id="git-credentials"`):]
		picker = picker[:strings.Index(picker, "</select>")]
		if !strings.Contains(picker, `<option value="deploy">`) || strings.Contains(picker, `value="not-for-git"`) || strings.Contains(picker, `value="jeeves-only"`) {
			t.Fatalf("the picker:\n%s", picker)
		}
	})
}

// TestGitSettingsOnTheManagePage: the settings form stores what it is
// given and refuses a bad value beside its field, storing nothing; a
// notifyCommit token made there is shown once and works.
func TestGitSettingsOnTheManagePage(t *testing.T) {
	rs := newRouteStack(t)
	page := rs.asSession(t, "GET", "manage/", nil)
	form := formValues(t, page.body, "git-settings-form")
	form.Set("allowLocalCheckout", "true")
	form.Set("globalConfigName", "Jeeves CI")
	t.Run("the settings are saved", func(t *testing.T) {
		if r := rs.asSession(t, "POST", "manage/git/configure", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if v := rs.app.GitSettings.Get(); !v.AllowLocalCheckout || v.GlobalConfigName != "Jeeves CI" {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("an unknown host key strategy is refused beside its field", func(t *testing.T) {
		form.Set("hostKeyVerification", "TrustEveryone")
		form.Set("allowLocalCheckout", "")
		r := rs.asSession(t, "POST", "manage/git/configure", form)
		if r.status != 400 || !strings.Contains(r.body, "Unknown host key verification strategy") {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if !rs.app.GitSettings.Get().AllowLocalCheckout {
			t.Fatal("a refused form changed the settings")
		}
	})
	t.Run("a token made on the page is shown once and accepted by notifyCommit", func(t *testing.T) {
		r := rs.asSession(t, "POST", "manage/git/generateToken", url.Values{"apiTokenName": {"forge"}})
		i := strings.Index(r.body, `id="new-notify-token-value">`)
		if r.status != 200 || i < 0 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		value := r.body[i+len(`id="new-notify-token-value">`):][:32]
		if a := rs.raw(t, "GET", "git/notifyCommit?url=https://example.com/x.git&token="+value, "", nil); a.status != 200 {
			t.Fatalf("%d %s", a.status, a.body)
		}
		if again := rs.asSession(t, "GET", "manage/", nil); strings.Contains(again.body, value) {
			t.Fatal("the token's value is shown again")
		}
	})
	t.Run("the plugin's API makes and revokes tokens as JSON", func(t *testing.T) {
		r := rs.asToken(t, "POST", "descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/generate?apiTokenName=api", "")
		var g struct {
			Status string
			Data   struct{ UUID, Name, Value string }
		}
		if err := json.Unmarshal([]byte(r.body), &g); err != nil || g.Status != "ok" || len(g.Data.Value) != 32 || g.Data.Name != "api" {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := rs.asToken(t, "POST", "descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/revoke?apiTokenUuid="+g.Data.UUID, ""); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if a := rs.raw(t, "GET", "git/notifyCommit?url=https://example.com/x.git&token="+g.Data.Value, "", nil); a.status != 403 {
			t.Fatalf("a revoked token: %d %s", a.status, a.body)
		}
		if r := rs.asToken(t, "POST", "descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/revoke", ""); r.status != 400 || !strings.Contains(r.body, "API token UUID cannot be empty") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}

func credstoreActor() credstore.Actor { return credstore.Actor{User: "admin"} }
