// Package gitscm is jeeves's git plugin: it checks GitSCM jobs out in
// their builds, polls their repositories on their SCM triggers' schedules,
// and does what /git/notifyCommit, GitHub's and GitLab's push hooks ask.
// The checkout, the polling decision and the hooks' rules are
// internal/git's; this package runs them against jeeves's services: the
// executor, the queue, the job registry, the builds, the blob store, the
// credentials and the settings.
//
// # Builds
//
// A Plugin is an executor.Contributor. For a job whose config.xml has a
// hudson.plugins.git.GitSCM it checks the repository out before the
// build wrappers and steps, through the build's launcher (Runner: git and
// every file on the build's machine, mirrors in <node root>/caches/git),
// with the credentials its remotes name (Credentials), the commit a hook
// asked for (model.Cause.Commit), and the earlier builds' BuildData. The
// steps get the GIT_* variables. What the build leaves is in the blob
// store below its blob.BuildKey: BuildDataKey, ChangelogKey,
// BuildPollingLogKey. A checkout that fails ends the build FAILURE before
// its steps, the console ending with git's message and the plugin's line.
// The part claims GitSCM (executor.Part.Runs), which configxml lists as
// not run: without a registered Plugin such jobs fail unrun.
//
// # Polling and hooks
//
// Run polls each job with a hudson.triggers.SCMTrigger at its schedule's
// minutes (H hashed from the job's full name), sleeping in between; Poll
// polls given jobs now. The jobs of one cycle share one "git ls-remote"
// per URL and credential. Each poll writes the job's polling log
// (PollingLogKey) as SCMTrigger does and schedules a build, "Started by
// an SCM change", when the remote has heads the job has not built.
//
// # What the HTTP edge calls
//
//	/git/notifyCommit (GET, POST; no login, no crumb):
//	    n, err := git.ParseNotifyCommit(query)        // *git.NotifyError: its Status and Message
//	    a := settings.Get().CheckNotifyAccess(query.Get("token"), n.SHA1 != "")
//	    if !a.OK { answer a.Status, a.Message }
//	    res, err := plugin.NotifyCommit(ctx, n, rootURL)
//	    200 text/plain res.Body; a "Triggered" header per res.Triggered;
//	    audit res.Scheduled and res.Polled
//	/github-webhook and /github-webhook/ (POST; no login, no crumb, no redirect):
//	    "ping": 200; other events but "push": 400 "Hook should contain event type"
//	    msg, err := plugin.VerifyGitHub(ctx, rawBody, X-Hub-Signature-256, X-Hub-Signature)
//	    if msg != "" { 400 msg }
//	    push, err := git.ParseGitHubPush(rawBody, contentType)   // 400 err.Error()
//	    jobs := plugin.GitHubPush(push, origin)                  // 200, empty body
//	/project/<job path> (POST; no crumb):
//	    ans, err := plugin.GitLabHook(ctx, job, X-Gitlab-Event, X-Gitlab-Token, rawBody, canBuild)
//	    ans.NeedsBuildPermission: 403 "<user> is missing the Job/Build permission";
//	    else ans.Status with ans.Message
//	/job/X/scmPollLog/:            OpenPollingLog(blobs, PollingLogKey(job.ID)), PollingNotRun if blob.ErrNotFound
//	/job/X/GitHubPollLog/:         OpenPollingLog(blobs, GitHubPollingLogKey(job.ID))
//	/job/X/N/pollingLog/[pollingLog]: OpenPollingLog(blobs, BuildPollingLogKey(job.ID, n))
//	/job/X/N/api/json "actions":   ReadBuildData(blobs, job.ID, n) → bd.API() (nil: no action)
//	/job/X/N/api/json "changeSet": ReadChanges(blobs, job, n) → git.ChangeSetAPI(changes, authorURL);
//	                               ok false: hudson.scm.EmptyChangeLogSet
//	/job/X/N/changes:              ReadChanges, and ReadBuildData's LastBuiltRevision
//	/job/X/changes:                JobChanges(blobs, job, build numbers newest first)
//	the job page's "Not run by jeeves": farm.Unsupported(job)
//	the git settings (Manage Jenkins): Settings.Get, Settings.Set (field errors are
//	    usererr.Error with Field), GenerateNotifyToken, RevokeNotifyToken
//
// The causes this package schedules are model.CauseSCM
// (hudson.triggers.SCMTrigger$SCMTriggerCause), model.CauseCommitHook
// (hudson.plugins.git.GitStatus$CommitHookCause),
// model.CauseGitHubPush (com.cloudbees.jenkins.GitHubPushCause) and
// model.CauseGitLabPush
// (com.dabsquared.gitlabjenkins.cause.GitLabWebHookCause).
//
// # Wiring
//
// The Plugin is made before the farm, which runs its checkouts from the
// first build on, and is given the farm's queue after:
//
//	gitSettings, err := gitscm.LoadSettings(ctx, st)
//	git := gitscm.New(gitscm.Config{Jobs: js, Builds: st, Blobs: blobs,
//		Credentials: gitscm.CredentialsFunc(func(ctx context.Context, id string, j *model.Job) (*credentials.Credential, error) {
//			if j == nil { // jeeves's own: the GitHub hook secrets
//				return credService.ResolveForJeeves(ctx, id, "GitHub hook signature")
//			}
//			return credService.Resolve(ctx, id, credstore.Build{JobID: j.ID, JobName: j.Name})
//		}),
//		Settings: gitSettings, Launcher: local.New(),
//		Home: home, Env: executor.InheritedEnv(os.Environ()), Logger: logger})
//	f, err := farm.New(ctx, farm.Config{…, Contributors: []executor.Contributor{…, git}}, st, js)
//	git.SetQueue(f)
//	go git.Run(ctx)
//	defer git.Close()
//
// A Plugin is also an executor.Recoverer: at start it removes the
// credentials' files of checkouts a killed jeeves left in WORKSPACE@tmp
// (Recover), and New those of its polls.
package gitscm
