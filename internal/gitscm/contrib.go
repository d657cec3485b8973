package gitscm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

var _ executor.Contributor = (*Plugin)(nil)

// For is the git checkout of a build of job, when job's SCM is
// hudson.plugins.git.GitSCM (executor.Contributor). The part claims
// GitSCM (and the SCM trigger while the poller runs, the GitHub and
// GitLab push triggers once the edge serves their hooks), which configxml
// lists as not run by jeeves.
func (p *Plugin) For(job *model.Job) *executor.Part {
	if !bytes.Contains(job.ConfigXML, []byte(git.SCMClass)) {
		return nil
	}
	scm, err := git.Parse(job.ConfigXML)
	if errors.Is(err, git.ErrNotGit) {
		return nil
	}
	runs := []string{git.SCMClass}
	if p.polling.Load() {
		runs = append(runs, SCMTriggerClass)
	}
	if p.hooks.Load() {
		runs = append(runs, GitHubTriggerClass, GitLabTriggerClass)
	}
	return &executor.Part{
		Name: "git",
		Runs: runs,
		Checkout: func(ctx context.Context, b *executor.Build) error {
			if err != nil {
				// A GitSCM the git package cannot read: the build must
				// not run its steps without their sources.
				fmt.Fprintf(b.Console(), "ERROR: The Git configuration of this job cannot be read: %v\n", err)
				return err
			}
			return p.checkout(ctx, b, scm)
		},
	}
}

// checkout checks the job's repository out into the build's workspace
// as the git plugin does: through the build's launcher, with the
// previous builds' BuildData, the credentials the remotes name, the
// commit a hook asked for; then it records the BuildData and the
// changelog with the build, sets the GIT_* variables for the steps, and
// schedules a catch-up build when more than one revision was new.
func (p *Plugin) checkout(ctx context.Context, b *executor.Build, scm *git.SCM) error {
	job, n, out := b.Job, b.Build.Number, b.Console()
	v := p.cfg.Settings.Get()
	p.keepPollingLog(b)
	creds, err := resolveCredentials(ctx, p.cfg.Credentials, scm, job)
	if err != nil {
		fmt.Fprintf(out, "ERROR: The credentials of the Git remotes cannot be read: %v\n", err)
		return err
	}
	h, err := p.history(ctx, job.ID, n)
	if err != nil {
		fmt.Fprintf(out, "ERROR: The earlier builds' Git build data cannot be read: %v\n", err)
		return err
	}
	env := b.Env()
	cache := ""
	if root := cacheRoot(b.Workspace, job.Name); root != "" {
		cache = CacheDir(root)
	}
	var commit *git.RequestedCommit
	if sha, repo := model.Revision(b.Build.Causes); sha != "" {
		commit = &git.RequestedCommit{SHA1: sha, RepoURL: repo}
	}
	co := &git.Checkout{
		SCM:            scm,
		Runner:         &Runner{L: b.Launcher, Ctx: ctx, Dir: b.Workspace, Env: env},
		Workspace:      b.Workspace,
		TmpDir:         b.TmpDir,
		CacheDir:       cache,
		Env:            env,
		BuildEnv:       envMap(env),
		Credentials:    creds,
		HostKeys:       hostKeys(v, cache),
		Previous:       h.at(0),
		BuildNumber:    int(n),
		Commit:         commit,
		JobName:        job.Name,
		JobDisplayName: FullDisplayName(job.Name),
		Identity:       v.Identity(),
		AllowLocal:     v.AllowLocalCheckout,
		Log:            out,
	}
	res, err := co.Run(ctx)
	if err != nil {
		return err
	}
	if err := writeBuildData(p.cfg.Blobs, job.ID, n, res.BuildData); err != nil {
		fmt.Fprintf(out, "ERROR: jeeves could not record the Git build data: %v\n", err)
		return err
	}
	if _, err := p.cfg.Blobs.Put(ChangelogKey(job.ID, n), bytes.NewReader(res.Changelog)); err != nil {
		fmt.Fprintf(out, "ERROR: jeeves could not record the changelog: %v\n", err)
		return err
	}
	vars := scm.Environment(git.EnvInput{
		This:               res.BuildData,
		PreviousBuilt:      h.at(h.find(builtBuild)),
		PreviousSuccessful: h.at(h.find(successfulBuild)),
		Global:             v.Identity(),
	})
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.SetEnv(k, vars[k])
	}
	if res.CatchUp {
		cause := model.Cause{Kind: model.CauseSCM,
			Note: "This build was triggered by build " + strconv.FormatInt(n, 10) + " because more than one build candidate was found."}
		if _, err := p.schedule(context.WithoutCancel(ctx), job, cause); err != nil {
			fmt.Fprintf(out, "WARNING: the build to catch up with could not be scheduled: %v\n", err)
		}
	}
	return nil
}

// keepPollingLog keeps with a build started by polling the polling log
// that started it (SCMTriggerCause.onAddedTo): the job's last polling
// log, or a catch-up cause's own text.
func (p *Plugin) keepPollingLog(b *executor.Build) {
	for _, c := range b.Build.Causes {
		var r io.Reader
		switch {
		case c.Kind == model.CauseSCM && c.Note != "":
			r = strings.NewReader(c.Note + "\n")
		case c.Kind == model.CauseSCM, c.Kind == model.CauseGitHubPush:
			key := PollingLogKey(b.Job.ID)
			if c.Kind == model.CauseGitHubPush {
				key = GitHubPollingLogKey(b.Job.ID)
			}
			f, err := p.cfg.Blobs.Open(key)
			if err != nil {
				continue
			}
			defer f.Close()
			r = f
		default:
			continue
		}
		if _, err := p.cfg.Blobs.Put(BuildPollingLogKey(b.Job.ID, b.Build.Number), r); err != nil {
			p.cfg.Logger.Warn("cannot keep the polling log with the build", "job", b.Job.Name, "build", b.Build.Number, "err", err)
		}
		return
	}
}

// history is a job's builds before one, newest first, with the BuildData
// each recorded, read as needed.
type history struct {
	blobs  blob.Store
	jobID  int64
	builds []*model.Build
	data   map[int64]*git.BuildData
	read   map[int64]bool
}

// history reads the builds of job before number (all of them when
// number is 0).
func (p *Plugin) history(ctx context.Context, jobID, number int64) (*history, error) {
	all, err := p.cfg.Builds.Builds(ctx, jobID, 0)
	if err != nil {
		return nil, err
	}
	h := &history{blobs: p.cfg.Blobs, jobID: jobID, data: map[int64]*git.BuildData{}, read: map[int64]bool{}}
	for _, b := range all {
		if number == 0 || b.Number < number {
			h.builds = append(h.builds, b)
		}
	}
	return h, nil
}

// at is the newest BuildData recorded at or before builds[i], as the git
// plugin's getBuildData walks back; nil when there is none (or i < 0).
// A BuildData that cannot be read counts as none.
func (h *history) at(i int) *git.BuildData {
	if i < 0 {
		return nil
	}
	for ; i < len(h.builds); i++ {
		n := h.builds[i].Number
		if !h.read[n] {
			h.read[n] = true
			bd, err := ReadBuildData(h.blobs, h.jobID, n)
			if err == nil {
				h.data[n] = bd
			}
		}
		if bd := h.data[n]; bd != nil {
			return bd
		}
	}
	return nil
}

// find is the index of the newest build that pass accepts; -1 if none.
func (h *history) find(pass func(*model.Build) bool) int {
	for i, b := range h.builds {
		if pass(b) {
			return i
		}
	}
	return -1
}

// builtBuild is Run.getPreviousBuiltBuild's test: finished, and not
// NOT_BUILT.
func builtBuild(b *model.Build) bool {
	return !b.Building && b.Result != "" && b.Result != model.NotBuilt
}

// successfulBuild is Run.getPreviousSuccessfulBuild's: finished SUCCESS
// or UNSTABLE.
func successfulBuild(b *model.Build) bool {
	return !b.Building && (b.Result == model.Success || b.Result == model.Unstable)
}

// envMap is an environment as a map, later entries winning.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// FullDisplayName is a job's full display name as Jenkins prints it:
// its folders and its name joined by " » ".
func FullDisplayName(fullName string) string { return strings.ReplaceAll(fullName, "/", " » ") }
