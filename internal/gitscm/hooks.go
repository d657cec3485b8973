package gitscm

import (
	"context"
	"errors"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// NotifyResult is what /git/notifyCommit answers, and what it did.
type NotifyResult struct {
	// Body is the 200 text/plain answer, a line per job
	// ("Scheduled polling of …", "Scheduled …") or "No git jobs found" /
	// "No git jobs using repository: … and branches: …".
	Body string
	// Triggered are the values of the answer's Triggered headers: the
	// absolute URLs of the first ten jobs, then "<N more>".
	Triggered []string
	// Scheduled and Polled name the jobs it scheduled a build of and the
	// jobs whose polling it started (for the audit log).
	Scheduled, Polled []string
}

// NotifyCommit does what GitStatus.doNotifyCommit does once the request
// passed the token rules (Values.CheckNotifyAccess): for every job whose
// GitSCM has a remote that loosely matches the URL, no
// IgnoreNotifyCommit, an SCM trigger that does not ignore post-commit
// hooks, and a branch spec matching one of the branches, it schedules a
// build of the sha1 ("commit notification <sha1>", built whatever the
// branch specs say) or, without a sha1 (or with a parametrized spec),
// starts polling the job in the background. Disabled jobs match but are
// left alone. rootURL is jeeves's root URL, for the Triggered headers.
// The jobs are read as SYSTEM: every job is considered, whoever asked.
func (p *Plugin) NotifyCommit(ctx context.Context, n *git.NotifyCommit, rootURL string) (*NotifyResult, error) {
	res := &NotifyResult{}
	anyGit, matched := false, false
	var outcomes []git.NotifyOutcome
	var poll []*model.Job
	for _, j := range p.cfg.Jobs.List() {
		scm, err := git.Parse(j.ConfigXML)
		if errors.Is(err, git.ErrNotGit) || j.Config.Kind != "project" {
			continue
		}
		anyGit = true
		if err != nil {
			continue
		}
		t := ReadTriggers(j.ConfigXML)
		m := n.Match(scm, git.Trigger{HasSCMTrigger: t.SCM != nil, IgnorePostCommitHooks: t.SCM != nil && t.SCM.IgnorePostCommitHooks})
		if !m.Matched {
			continue
		}
		matched = true
		if j.Config.Disabled {
			continue
		}
		o := git.NotifyOutcome{FullDisplayName: FullDisplayName(j.Name), AbsoluteURL: rootURL + executor.JobPath(j.Name)}
		if m.Build {
			cause := model.Cause{Kind: model.CauseCommitHook, Commit: n.SHA1, RepoURL: m.RepoURL}
			if _, err := p.schedule(ctx, j, cause); err != nil {
				return nil, err
			}
			o.Built = true
			res.Scheduled = append(res.Scheduled, j.Name)
		} else {
			poll = append(poll, j)
			res.Polled = append(res.Polled, j.Name)
		}
		outcomes = append(outcomes, o)
	}
	res.Body, res.Triggered = n.NotifyCommitResponse(outcomes, anyGit)
	if len(outcomes) == 0 && matched {
		res.Body = "" // only disabled jobs matched: GitStatus says nothing
	}
	p.pollInBackground(poll, pollReq{kind: pollSCM})
	return res, nil
}

// Answers of the GitHub hook (/github-webhook/) to a delivery whose
// signature does not verify. The GitHub plugin answers 400.
const (
	GitHubSignatureMissing = "Signature must be specified in the header X-Hub-Signature-256"
	GitHubSignatureInvalid = "No valid signature found: the signature does not match any hook secret configured in jeeves"
)

// VerifyGitHub checks a GitHub delivery's signature (the raw body, and
// the X-Hub-Signature-256 and X-Hub-Signature headers) against the hook
// secrets of the settings: "" when it passes (or no secret is
// configured, as the GitHub plugin then checks nothing), else the 400
// answer's text. The secrets are secret text credentials, resolved by
// id; a secret that cannot be resolved verifies nothing.
func (p *Plugin) VerifyGitHub(ctx context.Context, body []byte, sig256, sig1 string) (string, error) {
	ids := p.cfg.Settings.Get().GitHubHookSecrets
	if len(ids) == 0 {
		return "", nil
	}
	header := sig256
	if header == "" {
		header = sig1
	}
	if header == "" {
		return GitHubSignatureMissing, nil
	}
	for _, id := range ids {
		if p.cfg.Credentials == nil {
			break
		}
		c, err := p.cfg.Credentials.Resolve(ctx, id, nil)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		if c == nil || c.Kind != credentials.KindSecretText {
			continue
		}
		if git.VerifyGitHubSignature([]byte(c.Secret.Reveal()), body, header) {
			return "", nil
		}
	}
	return GitHubSignatureInvalid, nil
}

// GitHubPush does what the GitHub plugin does with a push event whose
// signature passed: every job with a GitHubPushTrigger and a GitSCM
// remote naming the pushed repository (host, owner and name, compared
// without case, unlike the plugin) polls, in the background, and a job
// whose poll finds changes is built, "Started by GitHub push by
// <pusher>". origin says where the event came from, for the polling
// log's "Started by event from <origin> on <date>" (the GitHub plugin
// writes the request's address and the hook's URL). It returns the jobs
// it started polling (for the audit log); the hook's answer is 200 with
// an empty body whatever they are.
func (p *Plugin) GitHubPush(push *git.GitHubPush, origin string) []string {
	var jobs []*model.Job
	var names []string
	for _, j := range p.cfg.Jobs.List() {
		if j.Config.Kind != "project" || !ReadTriggers(j.ConfigXML).GitHub {
			continue
		}
		scm, err := git.Parse(j.ConfigXML)
		if err != nil {
			continue
		}
		for _, r := range scm.Remotes {
			if git.SameGitHubRepo(push.RepoURL, r.URL) {
				jobs = append(jobs, j)
				names = append(names, j.Name)
				break
			}
		}
	}
	p.pollInBackground(jobs, pollReq{kind: pollGitHub, origin: origin, pusher: push.Pusher})
	return names
}

// GitLabAnswer is the answer to a GitLab hook request.
type GitLabAnswer struct {
	Status  int    // 200 unless refused
	Message string // the refusal's text ("" with 200)
	// NeedsBuildPermission: the job's trigger has no secret token, so
	// the caller must have Job/Build on it (the plugin's authenticated
	// endpoint, on by default); the edge checks, and answers 403
	// "<user> is missing the Job/Build permission" without it.
	NeedsBuildPermission bool
	// Item is the queue item scheduled; nil when nothing was.
	Item *model.QueueItem
}

// GitLabHook does what the GitLab plugin does with a request to
// /project/<job path> for job, with the X-Gitlab-Event and
// X-Gitlab-Token headers and the raw body; canBuild says whether the
// caller has Job/Build on the job. A job without a GitLabPushTrigger
// ignores it. The trigger's secret token, when set, must match (401
// "Invalid token"); without one the caller needs Job/Build. A push
// (or a tag push, with triggerOnTagPush) that passes the trigger's
// branch filter and is not a branch deletion or a "[ci-skip]" commit
// schedules a build at once, "Started by GitLab push by <user>", of the
// pushed branch's tip (remotes/<remote>/<branch> with one remote, the
// pushed commit otherwise), whatever the branch specs say. Other events
// are ignored (200).
func (p *Plugin) GitLabHook(ctx context.Context, job *model.Job, event, token string, body []byte, canBuild bool) (GitLabAnswer, error) {
	ok := GitLabAnswer{Status: 200}
	t := ReadTriggers(job.ConfigXML).GitLab
	if t == nil {
		return ok, nil
	}
	switch secret, err := p.gitlabSecret(t.SecretToken); {
	case err != nil:
		return GitLabAnswer{Status: 401, Message: "Invalid token"}, nil
	case secret == "":
		if !canBuild {
			return GitLabAnswer{Status: 403, NeedsBuildPermission: true}, nil
		}
	case !git.VerifyGitLabToken(secret, token):
		return GitLabAnswer{Status: 401, Message: "Invalid token"}, nil
	}
	switch event {
	case "Push Hook":
		if !t.OnPush {
			return ok, nil
		}
	case "Tag Push Hook":
		if !t.OnTagPush {
			return ok, nil
		}
	default:
		return ok, nil
	}
	push, err := git.ParseGitLabPush(body)
	if err != nil {
		return GitLabAnswer{Status: 400, Message: err.Error()}, nil
	}
	branch := strings.TrimPrefix(push.Ref, "refs/heads/")
	if push.Deleted || push.After == "" || (t.CISkip && push.CISkip) || !t.MatchesBranch(branch) || job.Config.Disabled {
		return ok, nil
	}
	scm, err := git.Parse(job.ConfigXML)
	if err != nil {
		return ok, nil // not a git job: nothing to build a revision of
	}
	commit := push.After
	if repos := scm.Repositories(); len(repos) == 1 && strings.HasPrefix(push.Ref, "refs/heads/") {
		commit = "remotes/" + repos[0].Name + strings.TrimPrefix(push.Ref, "refs/heads")
	}
	// The requested commit is built only if it comes from one of the
	// job's remotes (RevisionParameterAction.canOriginateFrom): name the
	// remote the push's http or ssh URL is.
	repoURL := push.RepoURL
	for _, r := range scm.Remotes {
		if git.SameURI(r.URL, push.RepoURL) || (push.RepoSSHURL != "" && git.SameURI(r.URL, push.RepoSSHURL)) {
			repoURL = r.URL
			break
		}
	}
	cause := model.Cause{Kind: model.CauseGitLabPush, UserName: push.UserName, Commit: commit, RepoURL: repoURL}
	it, err := p.schedule(ctx, job, cause)
	if err != nil {
		return GitLabAnswer{}, err
	}
	ok.Item = it
	return ok, nil
}

// gitlabSecret is a trigger's secret token in clear: "" when none is
// set; an error for one a Jenkins encrypted that cannot be decrypted.
func (p *Plugin) gitlabSecret(stored string) (string, error) {
	if stored == "" || !(strings.HasPrefix(stored, "{") && strings.HasSuffix(stored, "}")) {
		return stored, nil
	}
	if p.cfg.Decrypt == nil {
		return "", errors.New("the GitLab secret token is encrypted by Jenkins and cannot be read")
	}
	return p.cfg.Decrypt(stored)
}
