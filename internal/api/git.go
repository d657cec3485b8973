package api

import (
	"errors"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/gitscm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// The git plugin's part of the remote access API: the push hooks
// (/git/notifyCommit, /github-webhook/, GitLab's /project/<job path>),
// the notifyCommit tokens an administrator makes, and what a build's
// api/json shows of its checkout (BuildData in "actions", the
// "changeSet").

// NotifyCommit is GET or POST /git/notifyCommit (the git plugin's
// GitStatus.doNotifyCommit): url, branches, sha1 and token come from the
// query or a form. It needs no login and no crumb; the notifyCommit
// token rules of the git settings decide (401 without a token, 403 with
// a wrong one). It answers 200 text/plain, a line per job it scheduled a
// build or a poll of, with a Triggered header per job (after ten, one
// "<N more>"), and audits what it did.
func (a *API) NotifyCommit(c *request.Call) error {
	switch c.R.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		return request.NewError(http.StatusMethodNotAllowed, "notifyCommit answers GET and POST")
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	form := c.R.Form
	n, err := git.ParseNotifyCommit(form)
	var ne *git.NotifyError
	if errors.As(err, &ne) {
		c.AuditDetail = "notifyCommit refused: " + ne.Message
		return request.NewError(ne.Status, ne.Message)
	}
	if err != nil {
		return err
	}
	if acc := a.git.Settings().Get().CheckNotifyAccess(form.Get("token"), n.SHA1 != ""); !acc.OK {
		c.AuditDetail = "notifyCommit refused: " + acc.Message
		return request.NewError(acc.Status, acc.Message)
	}
	res, err := a.git.NotifyCommit(c.Ctx(), n, c.Root)
	if err != nil {
		return err
	}
	c.AuditDetail = "notifyCommit " + git.MaskURL(n.URL) + hookOutcome(res.Scheduled, res.Polled)
	h := c.W.Header()
	for _, t := range res.Triggered {
		h.Add("Triggered", t)
	}
	h.Set("Content-Type", "text/plain;charset=utf-8")
	c.W.WriteHeader(http.StatusOK)
	if c.R.Method == http.MethodHead {
		return nil
	}
	_, err = c.W.Write([]byte(res.Body))
	return err
}

// hookOutcome says, for the audit log, which jobs a hook built and which
// it started polling.
func hookOutcome(built, polled []string) string {
	var parts []string
	if len(built) > 0 {
		parts = append(parts, "built "+strings.Join(built, ", "))
	}
	if len(polled) > 0 {
		parts = append(parts, "polling "+strings.Join(polled, ", "))
	}
	if len(parts) == 0 {
		return ": no job"
	}
	return ": " + strings.Join(parts, "; ")
}

// GitHub's event header, and the events the hook knows.
const (
	gitHubEventHeader = "X-GitHub-Event"
	gitHubNoEvent     = "Hook should contain event type"
)

// GitHubWebhook is POST /github-webhook/ (and /github-webhook, answered
// alike, never redirected: GitHub does not follow redirects), the GitHub
// plugin's GitHubWebHook. It needs no login and no crumb. A "ping" is
// answered 200; another event but "push" 400 "Hook should contain event
// type". With hook secrets configured the signature (X-Hub-Signature-256,
// else X-Hub-Signature) must verify (400 otherwise). Each job with a
// GitHubPushTrigger and a remote naming the pushed repository polls in
// the background; the answer is 200 with an empty body whatever they
// find. Every delivery is audited with what it did.
func (a *API) GitHubWebhook(c *request.Call) error {
	if c.R.Method != http.MethodPost {
		return request.NewError(http.StatusMethodNotAllowed, "Method POST required")
	}
	event := c.R.Header.Get(gitHubEventHeader)
	switch event {
	case "ping":
		c.AuditDetail = "GitHub ping"
		c.W.WriteHeader(http.StatusOK)
		return nil
	case "push":
	default:
		c.AuditDetail = "GitHub hook refused: " + gitHubNoEvent
		return request.BadRequest(gitHubNoEvent)
	}
	body, err := request.ReadBody(c)
	if err != nil {
		return err
	}
	msg, err := a.git.VerifyGitHub(c.Ctx(), body, c.R.Header.Get("X-Hub-Signature-256"), c.R.Header.Get("X-Hub-Signature"))
	if err != nil {
		return err
	}
	if msg != "" {
		c.AuditDetail = "GitHub push refused: " + msg
		return request.BadRequest(msg)
	}
	push, err := git.ParseGitHubPush(body, c.R.Header.Get("Content-Type"))
	if err != nil {
		c.AuditDetail = "GitHub push refused: " + err.Error()
		return request.BadRequest(err.Error())
	}
	polled := a.git.GitHubPush(push, c.Addr+" ⇒ "+c.Root+"github-webhook/")
	c.AuditDetail = "GitHub push to " + git.MaskURL(push.RepoURL) + " by " + push.Pusher + hookOutcome(nil, polled)
	c.W.WriteHeader(http.StatusOK)
	return nil
}

// GitLabProject is POST /project/<job full name> (the GitLab plugin's
// GitLabWebHook): the job is found whoever asks (404 when there is
// none; 409 for a folder), then the job's GitLabPushTrigger decides: its
// secret token must match X-Gitlab-Token (401 "Invalid token"), or,
// without one, the caller needs Job/Build on the job (403 "<user> is
// missing the Job/Build permission"). A push the trigger accepts
// schedules a build of the pushed branch's tip at once. It needs no
// crumb; the answer is 200 with an empty body. Every request is audited
// with what it did.
func (a *API) GitLabProject(c *request.Call, p []string) error {
	if len(p) == 0 {
		return request.NotFound()
	}
	name := strings.Join(p, "/")
	job, err := a.jobs.Get(name)
	if err != nil {
		return request.NotFound()
	}
	if c.R.Method != http.MethodPost {
		return request.NewError(http.StatusMethodNotAllowed, "Method POST required")
	}
	event := c.R.Header.Get("X-Gitlab-Event")
	if jobs.IsFolder(job) {
		c.AuditDetail = "GitLab " + event + " refused: " + name + " is a folder"
		return request.Conflict(event + " is not supported for this project")
	}
	body, err := request.ReadBody(c)
	if err != nil {
		return err
	}
	ans, err := a.git.GitLabHook(c.Ctx(), job, event, c.R.Header.Get("X-Gitlab-Token"), body, c.HasOn(job, authz.ItemBuild))
	if err != nil {
		return err
	}
	if ans.NeedsBuildPermission {
		msg := c.ID.Name() + " is missing the Job/Build permission"
		c.AuditDetail = "GitLab " + event + " for " + name + " refused: " + msg
		return request.NewError(http.StatusForbidden, msg)
	}
	if ans.Status != http.StatusOK {
		c.AuditDetail = "GitLab " + event + " for " + name + " refused: " + ans.Message
		return request.NewError(ans.Status, ans.Message)
	}
	if ans.Item != nil {
		c.AuditDetail = "GitLab " + event + hookOutcome([]string{name}, nil)
	} else {
		c.AuditDetail = "GitLab " + event + " for " + name + ": nothing to build"
	}
	c.W.WriteHeader(http.StatusOK)
	return nil
}

// NotifyTokenClass is the descriptor of the notifyCommit tokens
// (…/descriptorByName/<class>/generate and /revoke).
const NotifyTokenClass = "hudson.plugins.git.ApiTokenPropertyConfiguration"

// GenerateNotifyToken is POST
// /descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/generate?apiTokenName=…
// (Overall/Administer): a new notifyCommit access token, answered once
// as {"status":"ok","data":{"uuid","name","value"}}; only its hash is
// kept.
func (a *API) GenerateNotifyToken(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	tok, value, err := a.git.Settings().GenerateNotifyToken(c.Ctx(), c.R.Form.Get("apiTokenName"))
	if err != nil {
		return refusedSetting(err)
	}
	return request.WriteJSON(c, map[string]any{"status": "ok", "data": map[string]string{"uuid": tok.UUID, "name": tok.Name, "value": value}})
}

// RevokeNotifyToken is POST …/ApiTokenPropertyConfiguration/revoke?apiTokenUuid=…
// (Overall/Administer): the token goes; an unknown uuid is answered 200
// as the plugin does, a missing one 400.
func (a *API) RevokeNotifyToken(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	uuid := strings.TrimSpace(c.R.Form.Get("apiTokenUuid"))
	if uuid == "" {
		return request.BadRequest("API token UUID cannot be empty")
	}
	if err := a.git.Settings().RevokeNotifyToken(c.Ctx(), uuid); err != nil && !errors.Is(err, gitscm.ErrNoToken) {
		return refusedSetting(err)
	}
	c.W.WriteHeader(http.StatusOK)
	return nil
}

// refusedSetting is a git setting's refusal as a 400 with its message;
// anything else as itself.
func refusedSetting(err error) error {
	if errors.Is(err, gitscm.ErrInvalid) {
		return request.BadRequest(usererr.Message(err))
	}
	return err
}

// gitBuildData is the BuildData action of a build that checked a git
// repository out (hudson.plugins.git.util.BuildData, every property
// shown at any depth as its @ExportedBean(defaultVisibility=999) says);
// nil when the build has none.
func (a *API) gitBuildData(c *request.Call, job *model.Job, number int64) *export.Object {
	bd, err := a.git.BuildData(job.ID, number)
	if err != nil {
		c.Fail(err)
		return nil
	}
	if bd == nil {
		return nil
	}
	names := make([]string, 0, len(bd.BuildsByBranchName))
	for name, b := range bd.BuildsByBranchName {
		if b != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	byBranch := make([]export.Prop, len(names))
	for i, name := range names {
		b := bd.BuildsByBranchName[name]
		byBranch[i] = propVis(name, 999, newObject("hudson.plugins.git.util.Build",
			propVis("buildNumber", 999, b.Number), propVis("buildResult", 999, nil),
			propVis("marked", 999, revisionObject(b.Marked)), propVis("revision", 999, revisionObject(b.Revision))))
	}
	var last any
	if r := bd.LastBuiltRevision(); r != nil {
		last = revisionObject(*r)
	}
	urls := append([]string{}, bd.RemoteURLs...)
	sort.Strings(urls)
	return newObject(git.BuildDataClass,
		propVis("buildsByBranchName", 999, &export.Object{Props: byBranch}),
		propVis("lastBuiltRevision", 999, last),
		propVis("remoteUrls", 999, urls),
		propVis("scmName", 999, bd.ScmName))
}

// revisionObject is a hudson.plugins.git.Revision: its SHA1 and the
// branches it was built as.
func revisionObject(r git.Revision) *export.Object {
	branches := make([]*export.Object, len(r.Branches))
	for i, b := range r.Branches {
		branches[i] = newObject("", propVis("SHA1", 999, b.SHA1), propVis("name", 999, b.Name))
	}
	return newObject("", propVis("SHA1", 999, r.SHA1), propVis("branch", 999, branches))
}

// changeSetObject is a build's "changeSet": its git changes
// (hudson.plugins.git.GitChangeSetList, oldest first), or Jenkins's
// empty change set when it has no git changelog. An author's absoluteUrl
// is their user page on this server, as Jenkins names the user it finds
// or creates for a changelog's author.
func (a *API) changeSetObject(c *request.Call, job *model.Job, number int64) *export.Object {
	changes, ok, err := a.git.Changes(job, number)
	if err != nil {
		c.Fail(err)
	}
	if !ok || err != nil {
		return newObject("hudson.scm.EmptyChangeLogSet", prop("items", []*export.Object{}), prop("kind", nil))
	}
	items := make([]*export.Object, len(changes))
	for i, ch := range changes {
		paths := make([]*export.Object, len(ch.Paths))
		affected := make([]string, 0, len(ch.Paths))
		seen := map[string]bool{}
		for j, p := range ch.Paths {
			paths[j] = newObject("", propVis("editType", 999, p.EditType), propVis("file", 999, p.File))
			if !seen[p.File] {
				seen[p.File] = true
				affected = append(affected, p.File)
			}
		}
		items[i] = newObject("hudson.plugins.git.GitChangeSet",
			propVis("affectedPaths", 999, affected),
			propVis("commitId", 999, ch.CommitID),
			propVis("timestamp", 999, ch.Timestamp),
			propVis("author", 999, newObject("",
				propVis("absoluteUrl", 999, c.Root+"user/"+url.PathEscape(strings.ToLower(ch.Author))),
				propVis("fullName", 999, ch.Author))),
			propVis("authorEmail", 999, ch.AuthorEmail),
			propVis("comment", 999, ch.Comment),
			propVis("date", 999, ch.Date),
			propVis("id", 999, ch.CommitID),
			propVis("msg", 999, ch.Title),
			propVis("paths", 999, paths))
	}
	return newObject(git.ChangeSetClass, propVis("items", 999, items), propVis("kind", 999, "git"))
}

// gitCauseClass is the Jenkins class of the causes the git plugin, the
// GitHub plugin and the GitLab plugin give builds; "" for other kinds.
func gitCauseClass(k model.CauseKind) string {
	switch k {
	case model.CauseSCM:
		return "hudson.triggers.SCMTrigger$SCMTriggerCause"
	case model.CauseCommitHook:
		return "hudson.plugins.git.GitStatus$CommitHookCause"
	case model.CauseGitHubPush:
		return "com.cloudbees.jenkins.GitHubPushCause"
	case model.CauseGitLabPush:
		return "com.dabsquared.gitlabjenkins.cause.GitLabWebHookCause"
	}
	return ""
}

// scmClass is the class of a job's SCM, as its api/json "scm" names it:
// the first SCM of its config.xml jeeves lists (a GitSCM, which the git
// contributor runs, or another plugin's), else hudson.scm.NullSCM.
func scmClass(job *model.Job) string {
	for _, u := range job.Config.Unsupported {
		if u.Kind == model.KindSCM {
			return u.Class
		}
	}
	return "hudson.scm.NullSCM"
}

// PollNow is POST /job/X/polling (AbstractProject.doPolling, Job/Build):
// the job polls its repository now if it has a Poll SCM trigger. The
// answer waits for the poll a little (pollWait), to say what it found;
// a longer poll goes on, and the job's polling log (scmPollLog) will
// say. The caller is sent to the job.
func (a *API) PollNow(c *request.Call, job *model.Job) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ItemBuild); err != nil {
		return err
	}
	var done <-chan gitscm.PollResult
	ok := false
	if a.git != nil {
		done, ok = a.git.SchedulePolling(job)
	}
	switch {
	case !ok:
		c.Notify("‘" + job.Name + "’ does not poll: it has no Poll SCM trigger, or is disabled")
	default:
		t := time.NewTimer(pollWait)
		defer t.Stop()
		select {
		case r := <-done:
			switch {
			case r.Err != nil:
				c.Notify("Polling failed: see the polling log")
			case r.Item != nil:
				c.Notify("Polling found changes: build scheduled")
			case r.Changes:
				c.Notify("Polling found changes")
			default:
				c.Notify("Polling found no changes")
			}
		case <-t.C:
			c.Notify("Polling scheduled")
		case <-c.Ctx().Done():
			return c.Ctx().Err()
		}
	}
	u := c.Root + executor.JobPath(job.Name)
	return request.RedirectAfterPost(c, u, u)
}

// pollWait is how long /job/X/polling waits for the poll it starts.
const pollWait = 10 * time.Second
