package webui

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/gitscm"
)

func init() {
	pageCases = append(pageCases, gitPageCases...)
}

// gitPageCases are the git plugin's pages, and the other pages with
// their git parts, for TestEveryPageRendersWhatItIsGiven.
var gitPageCases = []struct {
	name string
	p    any
	want []string
}{
	{"polllog", pollLog{Heading: "Git Polling Log", Text: "Started on x\n[poll] " + hostile + "\nNo changes\n"}, []string{
		`<h1 id="poll-log-h">Git Polling Log</h1>`, `<pre class="console" id="poll-log">Started on x` + "\n[poll] " + escaped,
	}},
	{"polllog", pollLog{Heading: "Git Polling Log", Text: gitscm.PollingNotRun, NotRun: true}, []string{
		`<p class="muted" id="poll-log-none">Polling has not run yet.</p>`,
	}},
	{"changes", map[string]any{"Builds": []buildChanges{{Number: 3, URL: "/job/j/3/", Revision: "Revision abc (refs/remotes/origin/main)",
		Changes: []changeView{{ID: "abcdef0123", Short: "abcdef01", Title: "Fix " + hostile, Comment: "Fix " + hostile + "\n\nbody", Author: "Ada " + hostile, Email: "ada@example.com", Date: "2024-01-02 03:04:05 +0000",
			Paths: []git.ChangePath{{EditType: "edit", File: "src/" + hostile}}}}}}}, []string{
		`<h2><a href="/job/j/3/">#3</a></h2>`, `id="revision-3">Revision abc (refs/remotes/origin/main)`, `<strong>Fix ` + escaped + `</strong>`,
		`<code title="abcdef0123">abcdef01</code> by Ada ` + escaped + ` &lt;ada@example.com&gt; on 2024-01-02 03:04:05 &#43;0000`,
		`<span class="tag">edit</span> src/` + escaped, "body</pre>",
	}},
	{"changes", map[string]any{"Builds": []buildChanges(nil)}, []string{`id="no-changes">No changes in any of the builds.`}},
	{"job", map[string]any{"Name": "g", "URL": "/job/g/", "Color": "blue", "Trend": trendChart{},
		"Git": &jobGit{URL: "/job/g/", Changes: true, Poll: true, GitHub: true}}, []string{
		`href="/job/g/changes" id="job-changes"`, `href="/job/g/scmPollLog/" id="scm-poll-log"`, `href="/job/g/GitHubPollLog/" id="github-poll-log"`,
	}},
	{"build", map[string]any{"JobName": "g", "Number": int64(2), "URL": "/job/g/2/", "Color": "blue", "StartedAt": time.Now(), "Duration": time.Second,
		"Git": &buildGit{URL: "/job/g/2/", Revision: "Revision 0123 (" + hostile + ")", Changes: 2, Changed: true, PollLog: true}}, []string{
		`<p id="git-revision">Revision 0123 (` + escaped + `)</p>`, `href="/job/g/2/changes" id="build-changes">Changes (2)</a>`, `href="/job/g/2/pollingLog/" id="build-polling-log"`,
	}},
	{"configure", map[string]any{"Name": "g", "URL": "/job/g/", "XML": "<project/>",
		"Form": jobForm{CheckURL: "/job/g/descriptorByName/hudson.triggers.TimerTrigger/checkSpec",
			Git: gitSection{SCM: configxml.SCMGit, URL: "https://example.com/" + hostile, Branches: "*/main\n" + hostile, MoreRemotes: 2, Kept: []string{"CleanCheckout"},
				Credentials: []credOption{{ID: "key", Name: "git " + hostile, Selected: true}}, Poll: true, PollSpec: "H/5 * * * *", PollCheck: fieldCheck{"ok", "Would next run soon"}},
			Errors: map[string]string{"scm.url": "Please enter Git repository."}}}, []string{
		`id="scm-git" checked`, `id="git-url" name="scm.url" value="https://example.com/` + escaped + `"`, `id="git-url-error">Please enter Git repository.`,
		`<option value="key" selected>git ` + escaped + `</option>`, ">\n*/main\n" + escaped + "</textarea>", `2 more repositories are kept as they are`,
		`Also kept as they are (edit them in config.xml): CleanCheckout.`, `id="pollscm" name="pollscm" value="true" checked`,
		`id="pollscm-spec" name="pollscm.spec" rows="2" aria-describedby="pollscm-check" data-check="/job/g/descriptorByName/hudson.triggers.TimerTrigger/checkSpec"`,
		`<p class="check-ok">Would next run soon</p>`,
	}},
	{"configure", map[string]any{"Name": "s", "URL": "/job/s/", "XML": "<project/>",
		"Form": jobForm{Git: gitSection{SCM: configxml.SCMOther, Other: "Subversion (hudson.scm.SubversionSCM)"}}}, []string{
		`<input type="hidden" name="scm" value="keep">`, `checks out with Subversion (hudson.scm.SubversionSCM), which the form keeps`,
	}},
	{"manage", map[string]any{"Executors": "2", "Quiet": "5", "Errors": map[string]string{}, "Git": &gitSettingsForm{Root: "/", Crumb: "crumb-1",
		V: gitscm.Values{HostKeyVerification: "AcceptFirstConnectionStrategy", ApprovedHostKeys: "host " + hostile, GlobalConfigName: "Jeeves " + hostile,
			NotifyCommitAccess: gitscm.NotifyTokenForSHA1, NotifyTokens: []gitscm.NotifyToken{{UUID: "u-1", Name: "hook " + hostile}}},
		HostKeys: hostKeyStrategies, Access: notifyAccessModes, Secrets: []secretOption{{ID: "gh", Name: "gh " + hostile, Checked: true}, {ID: "gone", Name: "gone", Checked: true, Missing: true}},
		NewToken: &newNotifyToken{Name: "new " + hostile, Value: "0123abcd"}, Errors: map[string]string{"hostKeyVerification": "Unknown " + hostile}}}, []string{
		`action="/manage/git/configure"`, `<option value="AcceptFirstConnectionStrategy" selected>Accept first connection</option>`, `id="approved-host-keys"`,
		"host " + escaped + "</textarea>", `name="globalConfigName" value="Jeeves ` + escaped + `"`, `value="disabled-for-polling" checked`,
		`name="gitHubHookSecrets" value="gh" checked> gh ` + escaped, `gone (no such credential: it verifies nothing)`,
		`<code id="new-notify-token-value">0123abcd</code>`, `<strong>new ` + escaped + `</strong>`, `<td>hook ` + escaped + `</td>`,
		`action="/manage/git/revokeToken?uuid=u-1"`, `action="/manage/git/generateToken"`, `<p class="error field-error" role="alert">Unknown ` + escaped + `</p>`,
	}},
}

func TestGitSectionOfAStoredProject(t *testing.T) {
	for _, c := range []struct {
		name string
		xml  string
		want gitSection
	}{
		{"a GitSCM shows its first remote and branches, and Poll SCM its schedule",
			`<project><scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url> https://example.com/a.git </url><credentialsId>k</credentialsId></hudson.plugins.git.UserRemoteConfig><hudson.plugins.git.UserRemoteConfig><url>git://x/b</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs><branches><hudson.plugins.git.BranchSpec><name>main</name></hudson.plugins.git.BranchSpec><hudson.plugins.git.BranchSpec><name>refs/tags/*</name></hudson.plugins.git.BranchSpec></branches></scm><triggers><hudson.triggers.SCMTrigger><spec>@hourly</spec></hudson.triggers.SCMTrigger></triggers></project>`,
			gitSection{SCM: configxml.SCMGit, URL: "https://example.com/a.git", CredentialsID: "k", Branches: "main\nrefs/tags/*", MoreRemotes: 1, Poll: true, PollSpec: "@hourly"}},
		{"a project without an SCM offers Jenkins's default branch", `<project/>`, gitSection{SCM: configxml.SCMNone, Branches: "*/master"}},
		{"a document that cannot be read shows the defaults", `<project>`, gitSection{SCM: configxml.SCMNone, Branches: "*/master"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := gitSectionOf([]byte(c.xml)); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestGitFormChecksWhatWasTyped(t *testing.T) {
	long := strings.Repeat("x", maxGitURL+1)
	for _, c := range []struct {
		name   string
		form   url.Values
		want   *configxml.SCMForm
		errors map[string]string
	}{
		{"a form without the section leaves the source alone", url.Values{"description": {"d"}}, nil, nil},
		{"None checks nothing else", url.Values{"scm": {"none"}, "scm.url": {""}}, &configxml.SCMForm{SCM: configxml.SCMNone}, nil},
		{"Git with a URL, trimmed, and branches one per line",
			url.Values{"scm": {"git"}, "scm.url": {" git@example.com:a/b.git "}, "scm.credentialsId": {"key"}, "scm.branches": {"*/main\r\n\r\n refs/tags/v* \r\n"}, "pollscm": {"true"}, "pollscm.spec": {"H/5 * * * *"}},
			&configxml.SCMForm{SCM: configxml.SCMGit, URL: "git@example.com:a/b.git", CredentialsID: "key", Branches: []string{"*/main", "refs/tags/v*"}, Poll: true, PollSpec: "H/5 * * * *"}, nil},
		{"Git without branches builds any branch", url.Values{"scm": {"git"}, "scm.url": {"https://example.com/r.git"}},
			&configxml.SCMForm{SCM: configxml.SCMGit, URL: "https://example.com/r.git", Branches: []string{"**"}}, nil},
		{"a kept SCM keeps it and still sets polling", url.Values{"scm": {"keep"}, "pollscm": {"true"}},
			&configxml.SCMForm{SCM: configxml.SCMOther, Poll: true}, nil},
		{"Git without a URL is refused beside the field", url.Values{"scm": {"git"}, "scm.url": {"  "}}, nil,
			map[string]string{"scm.url": "Please enter Git repository."}},
		{"a URL of two lines is refused", url.Values{"scm": {"git"}, "scm.url": {"https://a\nb"}}, nil,
			map[string]string{"scm.url": "The repository URL must be one line"}},
		{"a URL over its bound is refused", url.Values{"scm": {"git"}, "scm.url": {long}}, nil,
			map[string]string{"scm.url": "Repository URL is 4097 bytes long; the limit is 4096 bytes"}},
		{"too many branches are refused", url.Values{"scm": {"git"}, "scm.url": {"u"}, "scm.branches": {strings.Repeat("b\n", maxBranches+1)}}, nil,
			map[string]string{"scm.branches": "At most 100 branch specifiers"}},
		{"an unknown SCM is refused", url.Values{"scm": {"svn"}}, nil, map[string]string{"scm.url": "Unknown source code management: svn"}},
		{"a polling schedule that does not parse is refused with the schedule's message", url.Values{"scm": {"none"}, "pollscm": {"true"}, "pollscm.spec": {"H H H"}}, nil,
			map[string]string{"pollscm": "Invalid input: \"H H H\": line 1:5: unexpected end of line; expected ',' or a space followed by the month field"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := readForm(c.form)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := f.gitForm("job")
			if ok != (c.errors == nil) {
				t.Fatalf("ok %v, errors %v", ok, f.Errors)
			}
			if c.errors != nil {
				for field, msg := range c.errors {
					if f.Errors[field] != msg {
						t.Errorf("%s: %q, want %q", field, f.Errors[field], msg)
					}
				}
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}
