// Package executor runs builds: one build from the moment its queue item
// is handed over to the moment its result is recorded. It records the
// build's start, leases its workspace on the node, builds its
// environment, writes its console log through a blob.Store (masking
// password parameters with internal/mask), runs its steps through the node's launcher,
// tells its subscribers the steps are done, kills what the build left
// running, and records the result, waiting out a full disk. At start it
// ends the builds a dead predecessor left running.
//
// Which build runs on which node and executor is the scheduler's
// business; the executor runs what it is given.
package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/mask"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/workspace"
)

// KillGrace is how long a stopped build's processes get between SIGTERM
// and SIGKILL.
const KillGrace = 3 * time.Second

// Config sets up an Executor.
type Config struct {
	// Home is JENKINS_HOME: builds get it as JENKINS_HOME, and it is part
	// of every build's cookie.
	Home string
	// RootURL is the configured root URL; builds get it as JENKINS_URL,
	// JOB_URL and BUILD_URL. Without one they get ListenURL, the address
	// jeeves listens on (unset too: no such variables, as in Jenkins). A
	// URL made from a request's headers never reaches a build.
	RootURL   string
	ListenURL string
	// Env is the environment builds inherit, before Jenkins's variables
	// are added; nil: none (see InheritedEnv for what jeeves passes).
	Env    []string
	Logger *slog.Logger
	// KillGrace replaces the package's KillGrace when set.
	KillGrace time.Duration
}

// Registry hears of builds starting and finishing: the jobs service,
// which keeps each job's latest builds in memory.
type Registry interface {
	BuildStarted(jobID, number int64)
	BuildFinished(jobID, number int64, result model.Result)
}

// Node is a machine builds run on, as the executor needs it.
type Node struct {
	Name       string   // NODE_NAME
	Labels     []string // NODE_LABELS: its labels and its name
	Launcher   launcher.Launcher
	Workspaces *workspace.Set
	// BuiltIn marks the controller's own node. Builds elsewhere (on
	// agents) do not inherit jeeves's environment (Config.Env): the
	// environment their machine gives its processes is their base.
	BuiltIn bool
	// Env is the node's environment variables ("NAME=value", its
	// EnvironmentVariablesNodeProperty): they override the inherited
	// environment, and Jenkins's variables override them.
	Env []string
}

// StepsDone is what a build's subscribers get once its steps are over
// and its result is known, while its console is still open: Jenkins's
// publishers (BuildTrigger, the artifact archiver) run at this point,
// inside the build, so whoever sees the build finished also sees what
// they did.
type StepsDone struct {
	Job    *model.Job // the job as the build ran it
	Build  model.Build
	By     *model.Authority // whom the build acts for; nil: never recorded
	Result model.Result
	// Console is the build's console log, before its "Finished:" line;
	// password parameters written to it are masked.
	Console   io.Writer
	Node      *Node
	Workspace string
}

// Aborted is the cause a build is stopped with; By names who. Reason,
// when set, is the console's line instead of "Aborted by …". Detach
// (jeeves shuts down) leaves a build whose step runs durably on an agent
// running there, for the next start to resume; other builds it aborts.
type Aborted struct {
	By, Reason string
	Detach     bool
}

func (a *Aborted) Error() string {
	if a.Reason != "" {
		return a.Reason
	}
	return "aborted by " + a.By
}

// Executor runs builds. It is safe for concurrent use.
type Executor struct {
	cfg     Config
	builds  store.Builds
	logs    blob.Store
	reg     Registry
	rootURL atomic.Pointer[string]
	agents  atomic.Bool

	mu           sync.Mutex
	runs         map[*Run]struct{}
	stepsDone    []func(context.Context, *StepsDone)
	contributors []Contributor
	finished     []func(model.Build)
	stopping     bool
	done         chan struct{} // closed by Shutdown
	inProgress   sync.WaitGroup
}

// New returns an executor that records builds in builds, keeps their
// logs in logs, and tells reg of their start and end.
func New(cfg Config, builds store.Builds, logs blob.Store, reg Registry) *Executor {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.KillGrace == 0 {
		cfg.KillGrace = KillGrace
	}
	e := &Executor{cfg: cfg, builds: builds, logs: logs, reg: reg, runs: map[*Run]struct{}{}, done: make(chan struct{})}
	e.rootURL.Store(&cfg.RootURL)
	return e
}

// SetRootURL changes the configured root URL ("" = Config.ListenURL) for
// builds started from now on.
func (e *Executor) SetRootURL(u string) { e.rootURL.Store(&u) }

// SetAgents says whether any agent is configured: builds then say, in
// their console, which node they run on, as Jenkins's do.
func (e *Executor) SetAgents(any bool) { e.agents.Store(any) }

// OnStepsDone subscribes fn to every build's end of steps (see
// StepsDone). Subscribers run in the order they subscribed, in the
// build's goroutine; ctx is not cancelled when the build is aborted.
func (e *Executor) OnStepsDone(fn func(ctx context.Context, ev *StepsDone)) {
	e.mu.Lock()
	e.stepsDone = append(e.stepsDone, fn)
	e.mu.Unlock()
}

// OnFinished subscribes fn to every build's end, once its result is
// recorded and its executor free again: fn gets the finished build.
func (e *Executor) OnFinished(fn func(model.Build)) {
	e.mu.Lock()
	e.finished = append(e.finished, fn)
	e.mu.Unlock()
}

// Run is a running build.
type Run struct {
	build     model.Build
	workspace string
	remote    bool // on an agent: detached, not aborted, at shutdown
	cancel    context.CancelCauseFunc
	finished  chan struct{}
}

// Build is the build as it started.
func (r *Run) Build() model.Build { return r.build }

// Workspace is where the build works, on its node.
func (r *Run) Workspace() string { return r.workspace }

// Abort stops the build on behalf of by; it ends ABORTED. Done says
// when it has.
func (r *Run) Abort(by string) { r.cancel(&Aborted{By: by}) }

// Done is closed once the build has ended and its result is recorded
// (or given up on at shutdown).
func (r *Run) Done() <-chan struct{} { return r.finished }

// ErrStopping is returned by Start once Shutdown has begun.
var ErrStopping = errors.New("jeeves is shutting down")

// Start records a build of the queue item it (it leaves the queue in the
// same transaction) as running on executor slot of node, and runs it.
// done is called once the build is recorded finished, before Done is
// closed: the scheduler frees the executor then.
func (e *Executor) Start(it *model.QueueItem, job *model.Job, node *Node, slot int, done func()) (*Run, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopping {
		return nil, ErrStopping
	}
	b := model.Build{
		JobID: job.ID, JobName: job.Name, QueueID: it.ID, Building: true,
		StartedAt: time.Now(), Causes: it.Causes, Params: it.Params, Executor: slot,
	}
	if !node.BuiltIn {
		b.BuiltOn = node.Name
	}
	if err := e.builds.StartBuild(context.Background(), it.ID, &b); err != nil {
		return nil, err
	}
	e.reg.BuildStarted(job.ID, b.Number)
	ws, release := node.Workspaces.Lease(job.Name)
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &Run{build: b, workspace: ws, remote: !node.BuiltIn, cancel: cancel, finished: make(chan struct{})}
	e.runs[r] = struct{}{}
	e.inProgress.Add(1)
	go e.run(ctx, r, job, it.Auth, node, release, done, nil, nil)
	return r, nil
}

// run runs a build acting for by; from the step resume names when it
// resumes one a previous run of jeeves left running (cp being its
// checkpoint).
func (e *Executor) run(ctx context.Context, r *Run, job *model.Job, by *model.Authority, node *Node, release, done func(), resume *resumePoint, cp *checkpoint) {
	defer e.inProgress.Done()
	b := &r.build
	result := model.Failure
	parts := e.parts(job)
	key := blob.LogKey(b.JobID, b.Number)
	log, err := e.logs.Append(key)
	// note is what the log still needs to say once it can be written: why
	// output is missing (a full disk), and how the build ended.
	var note string
	// The subscribers (downstream triggers) run before the build is
	// recorded as finished, as Jenkins's publishers run inside the build:
	// whoever sees it finished also sees what they did.
	stepsDone := func(console io.Writer, result model.Result) {
		e.publishStepsDone(&StepsDone{Job: job, Build: *b, By: by, Result: result, Console: console, Node: node, Workspace: r.workspace})
	}
	var tr *tracker
	if err != nil {
		e.cfg.Logger.Error("cannot open build log", "job", b.JobName, "build", b.Number, "err", err)
		stepsDone(io.Discard, result)
		note = fmt.Sprintf("ERROR: jeeves could not write this console log (%v); the build did not run\nFinished: %s\n", store.Cause(err), result)
	} else {
		console := &counter{w: log}
		if info, err := e.logs.Stat(key); err == nil {
			console.n.Store(info.Size)
		}
		// Password parameters show as **** in the console, with the
		// rules bound credentials follow (internal/mask: their encoded
		// forms too; values shorter than mask.MinLen are not masked and
		// the console says so). Only builds that have one pay for the
		// copy; the rest write straight to the log, which the local
		// launcher hands to the steps as their output.
		var out io.Writer = log
		if !node.BuiltIn {
			// A build on an agent counts its console, for its checkpoint.
			out = console
			at := checkpoint{Node: node.Name, Slot: b.Executor, Workspace: r.workspace, By: by, Step: -1}
			if cp != nil {
				at = *cp
			}
			tr = newTracker(e.logs, b.JobID, b.Number, at, console, e.cfg.Logger)
		}
		var masker *mask.Masker
		var secrets, notes []string
		for _, v := range b.Params {
			if v.Kind != model.ParamPassword || v.Value == "" {
				continue
			}
			secrets = append(secrets, v.Value)
			if !mask.Maskable(v.Value) {
				notes = append(notes, fmt.Sprintf("Warning: the value of the password parameter %s has fewer than %d characters and is not masked in this log", v.Name, mask.MinLen))
			}
		}
		if mask.Needed(secrets) {
			masker = mask.NewMasker(out, secrets)
			out = masker
		}
		var logErr error
		cookie := Cookie(e.cfg.Home, b.JobID, b.Number)
		result, logErr = runSteps(ctx, steps{
			job: job, build: b, workspace: r.workspace, env: e.environment(job, b, node, r.workspace),
			log: out, notes: notes, launcher: node.Launcher, cookie: cookie,
			grace: e.cfg.KillGrace, beforeFinish: stepsDone,
			parts: parts,
			ctx: &Build{
				Job: job, Build: b, By: by, Node: node, Launcher: node.Launcher,
				TmpDir: r.workspace + "@tmp", Blobs: e.logs, Cookie: cookie,
			},
			node: node, agents: e.agents.Load(), tracker: tr, resume: resume,
		})
		if masker != nil {
			if err := masker.Close(); err != nil && logErr == nil {
				logErr = err
			}
		}
		log.Close()
		if result == "" {
			// Detached: the step goes on on its agent, and the build
			// stays running in the store, for the next start.
			e.cfg.Logger.Info("left a build running on its agent", "job", b.JobName, "build", b.Number, "node", node.Name)
			e.detached(r, release, done)
			return
		}
		if logErr != nil {
			e.cfg.Logger.Error("cannot write build log", "job", b.JobName, "build", b.Number, "err", logErr)
			note = fmt.Sprintf("\nERROR: jeeves could not write all of this console log (%v); output is missing\nFinished: %s\n", store.Cause(logErr), result)
		}
	}
	e.finish(r, job, parts, result, key, note, release, done)
	if tr != nil {
		tr.remove()
	}
}

// detached lets go of a build left running on its agent: its executor is
// freed, and it is not recorded finished.
func (e *Executor) detached(r *Run, release, done func()) {
	release()
	e.mu.Lock()
	delete(e.runs, r)
	e.mu.Unlock()
	done()
	r.cancel(nil)
	close(r.finished)
}

// finish records a build's result (with note appended to its log), frees
// its executor, and tells the contributors' Finished and the subscribers.
func (e *Executor) finish(r *Run, job *model.Job, parts []*Part, result model.Result, key, note string, release, done func()) {
	b := &r.build
	d := time.Since(b.StartedAt)
	// If jeeves shuts down with the disk still full, the build stays marked
	// running in the store, and the next start ends it ABORTED with a line
	// saying so.
	recorded := e.record(b, result, d, key, note)
	if recorded {
		e.reg.BuildFinished(b.JobID, b.Number, result)
	}
	release()
	e.mu.Lock()
	delete(e.runs, r)
	finished := e.finished
	e.mu.Unlock()
	done()
	r.cancel(nil)
	close(r.finished)
	if recorded {
		fb := *b
		fb.Building, fb.Result, fb.Duration = false, result, d
		for _, p := range parts {
			if p.Finished != nil {
				p.Finished(context.Background(), fb)
			}
		}
		for _, fn := range finished {
			fn(fb)
		}
	}
}

func (e *Executor) publishStepsDone(ev *StepsDone) {
	e.mu.Lock()
	subs := e.stepsDone
	e.mu.Unlock()
	for _, fn := range subs {
		fn(context.Background(), ev)
	}
}

// record appends note (if any) to the build's log and records its result.
// When the disk refuses either, it keeps trying, with the build still
// shown running and its executor taken, until the write goes through
// (space returned) or jeeves shuts down; it reports whether the result
// was recorded.
func (e *Executor) record(b *model.Build, result model.Result, d time.Duration, key, note string) bool {
	wait := 50 * time.Millisecond
	for failures := 0; ; failures++ {
		n, err := e.appendNote(key, note)
		note = note[n:] // a short write is not written twice
		if err == nil {
			err = e.builds.FinishBuild(context.Background(), b.JobID, b.Number, result, d)
		}
		if err == nil {
			if failures > 0 {
				e.cfg.Logger.Info("build result recorded after all", "job", b.JobName, "build", b.Number, "result", result)
			}
			return true
		}
		if failures == 0 {
			e.cfg.Logger.Error("cannot record build result; retrying until the disk takes it", "job", b.JobName, "build", b.Number, "err", err)
		}
		select {
		case <-e.done:
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// Shutdown starts no more builds, gives running ones up to grace to
// finish, then aborts the rest and waits until they are recorded. A
// build on an agent whose step runs durably there is not aborted but
// left running, still marked running in the store: the next start
// resumes it (see Resume). A build whose result the disk refuses is
// given up on at once: the next start ends it.
func (e *Executor) Shutdown(grace time.Duration) {
	e.mu.Lock()
	if !e.stopping {
		e.stopping = true
		close(e.done)
	}
	e.mu.Unlock()
	all := make(chan struct{})
	go func() { e.inProgress.Wait(); close(all) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-all:
		return
	case <-t.C:
	}
	e.mu.Lock()
	for r := range e.runs {
		// A build on an agent whose step runs durably is left running
		// there (Detach), for the next start to resume; the rest are
		// aborted.
		r.cancel(&Aborted{By: "jeeves shutting down", Reason: fmt.Sprintf("jeeves is shutting down: the build did not finish within the shutdown grace (%s)", grace), Detach: r.remote})
	}
	e.mu.Unlock()
	<-all
}
