// Package queue is the build queue and its executors. It is event-driven:
// a trigger, a finished build or the end of a quiet period wakes the
// dispatcher at once; there is no periodic tick.
package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/runner"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// LeftItemLifetime is how long an item that left the queue stays
// readable at /queue/item/N/, as in Jenkins.
const LeftItemLifetime = 5 * time.Minute

// Config sets up a Queue.
type Config struct {
	Executors   int
	QuietPeriod time.Duration // the global default
	Home        string        // JENKINS_HOME; workspaces live under it
	// RootURL is the configured root URL; builds get it as JENKINS_URL,
	// JOB_URL and BUILD_URL. Without one they get ListenURL, the address
	// jeeves listens on (unset too: no such variables, as in Jenkins). A
	// URL made from a request's headers never reaches a build.
	RootURL   string
	ListenURL string
	// Env is the environment builds inherit, before Jenkins's variables
	// are added; nil: this process's environment, minus every JEEVES_*
	// variable (see InheritedEnv).
	Env    []string
	Logger *slog.Logger
	// OnFinish, when set, is called after each build is recorded as
	// finished (tests and live pages wait on it).
	OnFinish func(model.Build)
	// Permits decides what a finished build may trigger. When nil, no
	// build triggers any downstream project.
	Permits Permits
}

// Permits reports whether by may see job (Job/Read: otherwise the job
// does not exist for them) and start it (Job/Build). by is nil for a
// build whose authority was never recorded; it is judged as anonymous.
type Permits func(by *model.Authority, job *model.Job) (see, build bool)

// Store is the slice of the store the queue uses: its items, and the
// builds it starts and finishes.
type Store interface {
	store.Queue
	store.Builds
}

// Queue holds waiting items and runs builds on a fixed set of executors.
type Queue struct {
	cfg   Config
	store Store
	jobs  *jobs.Service

	mu        sync.Mutex
	waiting   []*model.QueueItem
	running   map[buildKey]*running
	executors []bool // busy flags; may be longer than limit after a shrink
	limit     int    // executors in use for new builds (SetExecutors)
	// The defaults an admin changes at run time (SetDefaults).
	quietNanos atomic.Int64
	rootURL    atomic.Pointer[string]
	stopping   bool
	quiet      bool   // quieting down: no new builds start
	offline    string // the built-in node is offline for this reason ("" = online)
	isOffline  bool
	held       map[int64]int // jobs whose builds may not start now (Hold), and how many holds each

	wake    chan struct{}
	done    chan struct{}
	builds  sync.WaitGroup
	stopped chan struct{}
}

type buildKey struct {
	job    int64
	number int64
}

type running struct {
	build     model.Build
	cancel    context.CancelCauseFunc
	finished  chan struct{}
	workspace string
}

// New creates the queue, recovering from an unclean stop: builds the
// store still marks as running are ended ABORTED, with a line in their log
// saying why, and waiting items are picked up again.
func New(ctx context.Context, cfg Config, st Store, js *jobs.Service) (*Queue, error) {
	if cfg.Executors < 0 {
		return nil, fmt.Errorf("executors must not be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Env == nil {
		cfg.Env = InheritedEnv(os.Environ())
	}
	q := &Queue{
		cfg:       cfg,
		store:     st,
		jobs:      js,
		running:   map[buildKey]*running{},
		executors: make([]bool, cfg.Executors),
		limit:     cfg.Executors,
		wake:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		stopped:   make(chan struct{}),
	}
	q.quietNanos.Store(int64(cfg.QuietPeriod))
	q.rootURL.Store(&cfg.RootURL)
	stale, err := st.RunningBuilds(ctx)
	if err != nil {
		return nil, err
	}
	// The dead server's builds may have left processes running: end them
	// first, so that nothing writes to a log after it says it is over.
	cookies := make([]string, len(stale))
	for i, b := range stale {
		cookies[i] = runner.Cookie(cfg.Home, b.JobID, b.Number)
	}
	if n := runner.KillProcesses(runner.KillGrace, cookies...); n > 0 {
		cfg.Logger.Info("killed processes left by builds of the previous run", "processes", n)
	}
	for _, b := range stale {
		path := logPath(cfg.Home, b.JobID, b.Number)
		// The build lasted until its log was last written.
		var d time.Duration
		note := "jeeves stopped while this build was running\nBuild was aborted\nFinished: ABORTED\n"
		if fi, err := os.Stat(path); err == nil {
			d = max(0, fi.ModTime().Sub(b.StartedAt))
			if fi.Size() > 0 && !endsWithNewline(path, fi.Size()) {
				note = "\n" + note // the crash cut a line short
			}
		}
		if _, err := appendNote(path, note); err != nil {
			cfg.Logger.Error("cannot end the log of a build the previous run left running", "job", b.JobName, "build", b.Number, "err", err)
		}
		if err := st.FinishBuild(ctx, b.JobID, b.Number, model.Aborted, d); err != nil {
			return nil, err
		}
		js.BuildFinished(b.JobID, b.Number, model.Aborted)
	}
	if q.waiting, err = st.Waiting(ctx); err != nil {
		return nil, err
	}
	q.emptyTrash()
	st.ForgetLeftItems(ctx, time.Now().Add(-LeftItemLifetime))
	go q.dispatch()
	return q, nil
}

// Schedule puts a build of job, acting for by, in the queue after quiet
// (the job's or the global quiet period when quiet is nil). An
// equivalent item already waiting (same job, same parameters, acting for
// the same authority) absorbs the request instead, as in Jenkins;
// created is false then. Requests acting for different authorities are
// not folded together, so what a build may trigger is never decided by
// someone else's request.
func (q *Queue) Schedule(ctx context.Context, job *model.Job, cause model.Cause, by *model.Authority, params []model.ParamValue, quiet *time.Duration) (item *model.QueueItem, created bool, err error) {
	now := time.Now()
	d := time.Duration(q.quietNanos.Load())
	if job.Config.QuietPeriod != nil {
		d = time.Duration(*job.Config.QuietPeriod) * time.Second
	}
	if quiet != nil {
		d = *quiet
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopping {
		return nil, false, errors.New("jeeves is shutting down")
	}
	for _, it := range q.waiting {
		if it.JobID == job.ID && slices.Equal(it.Params, params) && model.SameAuthority(it.Auth, by) {
			if !slices.Contains(it.Causes, cause) {
				it.Causes = append(it.Causes, cause)
			}
			if err := q.store.UpdateWaiting(ctx, it); err != nil {
				return nil, false, err
			}
			c := *it
			return &c, false, nil
		}
	}
	it := &model.QueueItem{
		JobID: job.ID, JobName: job.Name, Causes: []model.Cause{cause}, Params: params,
		EnqueuedAt: now, DueAt: now.Add(d), Auth: by,
	}
	if err := q.store.Enqueue(ctx, it); err != nil {
		return nil, false, err
	}
	q.waiting = append(q.waiting, it)
	q.poke()
	c := *it
	return &c, true, nil
}

func (q *Queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// dispatch starts due items whenever something changes.
func (q *Queue) dispatch() {
	defer close(q.stopped)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := q.startDue()
		timer.Stop()
		if !next.IsZero() {
			timer.Reset(time.Until(next))
		}
		select {
		case <-q.done:
			return
		case <-q.wake:
		case <-timer.C:
		}
	}
}

// startDue starts every item that is due and can run, and returns when
// the next waiting item becomes due (zero if none).
func (q *Queue) startDue() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next time.Time
	now := time.Now()
	for i := 0; i < len(q.waiting); i++ {
		it := q.waiting[i]
		if q.stopping || q.quiet || q.isOffline {
			break
		}
		if it.DueAt.After(now) {
			if next.IsZero() || it.DueAt.Before(next) {
				next = it.DueAt
			}
			continue
		}
		exec := slices.Index(q.executors[:q.limit], false)
		if exec < 0 {
			break
		}
		job, err := q.jobs.ByID(it.JobID)
		if err != nil { // the job is gone
			q.waiting = slices.Delete(q.waiting, i, i+1)
			i--
			continue
		}
		if q.held[job.ID] > 0 || !job.Config.Concurrent && q.jobRunning(job.ID) {
			continue
		}
		if err := q.start(it, job, exec); err != nil {
			q.cfg.Logger.Error("cannot start build", "job", job.Name, "queue_id", it.ID, "err", err)
			// Leave it waiting; try again a little later.
			if next.IsZero() || now.Add(time.Second).Before(next) {
				next = now.Add(time.Second)
			}
			continue
		}
		q.waiting = slices.Delete(q.waiting, i, i+1)
		i--
	}
	return next
}

func (q *Queue) jobRunning(jobID int64) bool {
	for k := range q.running {
		if k.job == jobID {
			return true
		}
	}
	return false
}

// start records the build and runs it on executor exec. Called with q.mu.
func (q *Queue) start(it *model.QueueItem, job *model.Job, exec int) error {
	b := model.Build{
		JobID: job.ID, JobName: job.Name, QueueID: it.ID, Building: true,
		StartedAt: time.Now(), Causes: it.Causes, Params: it.Params, Executor: exec,
	}
	if err := q.store.StartBuild(context.Background(), it.ID, &b); err != nil {
		return err
	}
	q.jobs.BuildStarted(job.ID, b.Number)
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &running{build: b, cancel: cancel, finished: make(chan struct{}), workspace: q.workspace(job)}
	q.running[buildKey{job.ID, b.Number}] = r
	q.executors[exec] = true
	q.builds.Add(1)
	go q.run(ctx, r, job, it.Auth)
	return nil
}

// workspace picks the job's workspace; concurrent builds get @2, @3…
// Called with q.mu.
func (q *Queue) workspace(job *model.Job) string {
	base := q.workspaceBase(job.Name)
	inUse := map[string]bool{}
	for k, r := range q.running {
		if k.job == job.ID {
			inUse[r.workspace] = true
		}
	}
	ws := base
	for n := 2; inUse[ws]; n++ {
		ws = base + "@" + strconv.Itoa(n)
	}
	return ws
}

// run runs a build acting for by.
func (q *Queue) run(ctx context.Context, r *running, job *model.Job, by *model.Authority) {
	defer q.builds.Done()
	b := &r.build
	result := model.Failure
	path := logPath(q.cfg.Home, b.JobID, b.Number)
	err := os.MkdirAll(filepath.Dir(path), 0o700)
	var log *os.File
	if err == nil {
		log, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	}
	// note is what the log still needs to say once it can be written: why
	// output is missing (a full disk), and how the build ended.
	var note string
	// Downstream projects are scheduled before the build is recorded as
	// finished, as Jenkins's publishers run inside the build: whoever sees
	// it finished also sees what it triggered.
	downstream := func(log io.Writer, result model.Result) {
		q.triggerDownstream(log, job, b.Number, result, by)
	}
	if err != nil {
		q.cfg.Logger.Error("cannot open build log", "job", b.JobName, "build", b.Number, "err", err)
		downstream(io.Discard, result)
		note = fmt.Sprintf("ERROR: jeeves could not write this console log (%v); the build did not run\nFinished: %s\n", errCause(err), result)
	} else {
		// Password parameters show as **** in the console. Only builds
		// that have one pay for the copy; the rest write straight to the
		// file.
		var out io.Writer = log
		var masker *runner.Masker
		var secrets []string
		for _, v := range b.Params {
			if v.Kind == model.ParamPassword && v.Value != "" {
				secrets = append(secrets, v.Value)
			}
		}
		if len(secrets) > 0 {
			masker = runner.NewMasker(log, secrets)
			out = masker
		}
		var logErr error
		result, logErr = runner.Run(ctx, runner.Spec{
			Job: job, Build: b, Workspace: r.workspace, TmpDir: os.TempDir(),
			Env: q.environment(job, b, r.workspace), Log: out,
			Cookie:       runner.Cookie(q.cfg.Home, b.JobID, b.Number),
			BeforeFinish: downstream,
		})
		if masker != nil {
			if err := masker.Close(); err != nil && logErr == nil {
				logErr = err
			}
		}
		log.Close()
		if logErr != nil {
			q.cfg.Logger.Error("cannot write build log", "job", b.JobName, "build", b.Number, "err", logErr)
			note = fmt.Sprintf("\nERROR: jeeves could not write all of this console log (%v); output is missing\nFinished: %s\n", errCause(logErr), result)
		}
	}
	d := time.Since(b.StartedAt)
	// If jeeves shuts down with the disk still full, the build stays marked
	// running in the store, and the next start ends it ABORTED with a line
	// saying so.
	recorded := q.record(b, result, d, path, note)
	if recorded {
		q.jobs.BuildFinished(b.JobID, b.Number, result)
	}
	q.mu.Lock()
	delete(q.running, buildKey{b.JobID, b.Number})
	q.executors[b.Executor] = false
	q.mu.Unlock()
	r.cancel(nil)
	close(r.finished)
	q.poke()
	if recorded && q.cfg.OnFinish != nil {
		fb := *b
		fb.Building, fb.Result, fb.Duration = false, result, d
		q.cfg.OnFinish(fb)
	}
}

// record appends note (if any) to the build's log and records its result.
// When the disk refuses either, it keeps trying, with the build still
// shown running and its executor taken, until the write goes through
// (space returned) or jeeves shuts down; it reports whether the result
// was recorded.
func (q *Queue) record(b *model.Build, result model.Result, d time.Duration, path, note string) bool {
	wait := 50 * time.Millisecond
	for failures := 0; ; failures++ {
		n, err := appendNote(path, note)
		note = note[n:] // a short write is not written twice
		if err == nil {
			err = q.store.FinishBuild(context.Background(), b.JobID, b.Number, result, d)
		}
		if err == nil {
			if failures > 0 {
				q.cfg.Logger.Info("build result recorded after all", "job", b.JobName, "build", b.Number, "result", result)
			}
			return true
		}
		if failures == 0 {
			q.cfg.Logger.Error("cannot record build result; retrying until the disk takes it", "job", b.JobName, "build", b.Number, "err", err)
		}
		select {
		case <-q.done:
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// logPath is the file of a build's console log: its blob's (blob.LogKey)
// in the home, which the build's processes write directly.
func logPath(home string, jobID, number int64) string {
	p, err := blob.NewDir(home).Path(blob.LogKey(jobID, number))
	if err != nil {
		panic(err) // LogKey makes clean keys
	}
	return p
}

// appendNote appends note to the log at path and says how much of it
// was written; an empty note is a no-op.
func appendNote(path, note string) (int, error) {
	if note == "" {
		return 0, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := f.WriteString(note)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// endsWithNewline reports whether the file at path, of size bytes, ends
// with a newline.
func endsWithNewline(path string, size int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return true
	}
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, size-1)
	return err != nil || b[0] == '\n'
}

// errCause is an error's last part, without the file path in front.
func errCause(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// environment is the build's process environment (§7.1).
func (q *Queue) environment(job *model.Job, b *model.Build, ws string) []string {
	rootURL := *q.rootURL.Load()
	if rootURL == "" {
		rootURL = q.cfg.ListenURL
	}
	if rootURL != "" && !strings.HasSuffix(rootURL, "/") {
		rootURL += "/"
	}
	num := strconv.FormatInt(b.Number, 10)
	jobURL := rootURL + JobPath(job.Name)
	vars := []string{
		"BUILD_NUMBER=" + num,
		"BUILD_ID=" + num,
		"BUILD_DISPLAY_NAME=#" + num,
		"BUILD_TAG=jenkins-" + strings.ReplaceAll(job.Name, "/", "-") + "-" + num,
		"JOB_NAME=" + job.Name,
		"JOB_BASE_NAME=" + job.BaseName(),
		"WORKSPACE=" + ws,
		"WORKSPACE_TMP=" + ws + "@tmp",
		"JENKINS_HOME=" + q.cfg.Home,
		"HUDSON_HOME=" + q.cfg.Home,
		"EXECUTOR_NUMBER=" + strconv.Itoa(b.Executor),
		"NODE_NAME=built-in",
		"NODE_LABELS=built-in",
		"CI=true",
	}
	if rootURL != "" {
		vars = append(vars,
			"JENKINS_URL="+rootURL, "HUDSON_URL="+rootURL,
			"JOB_URL="+jobURL, "BUILD_URL="+jobURL+num+"/")
	}
	for _, p := range b.Params {
		vars = append(vars, p.Name+"="+p.Value)
		if up := strings.ToUpper(p.Name); up != p.Name {
			vars = append(vars, up+"="+p.Value)
		}
	}
	// Later entries win in os/exec, so Jenkins's variables override the
	// inherited ones. Clip: builds run at once and must not share the
	// inherited slice's spare capacity.
	return append(slices.Clip(q.cfg.Env), vars...)
}

// InheritedEnv is the part of the server's environment (environ, as
// os.Environ gives it) that builds inherit: all of it but the JEEVES_*
// variables. Those configure jeeves itself, and one of them,
// JEEVES_ADMIN_PASSWORD, is a secret; every variable jeeves reads is
// named JEEVES_*, so none of its settings reaches a build. Jenkins
// likewise gives builds on the built-in node the controller's
// environment.
func InheritedEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "JEEVES_") {
			out = append(out, kv)
		}
	}
	return out
}

// JobPath is a job's URL path below the root: job/a/job/b/.
func JobPath(fullName string) string {
	var sb strings.Builder
	for _, seg := range strings.Split(fullName, "/") {
		sb.WriteString("job/")
		sb.WriteString(pathEscape(seg))
		sb.WriteString("/")
	}
	return sb.String()
}

// triggerDownstream schedules the job's downstream projects
// (hudson.tasks.BuildTrigger) when the result is at least its threshold,
// each only if the build's authority by may build it, and says on log
// what it did with each, as Jenkins's BuildTrigger.execute does. Project
// names are relative to the job's folder, or absolute with a "/".
func (q *Queue) triggerDownstream(log io.Writer, job *model.Job, number int64, result model.Result, by *model.Authority) {
	cfg := job.Config
	if cfg.Threshold == "" || len(cfg.Children) == 0 || result.Rank() > cfg.Threshold.Rank() {
		return
	}
	// The job may have been renamed while it ran: use its current name.
	if cur, err := q.jobs.ByID(job.ID); err == nil {
		job = cur
	}
	if by == nil {
		fmt.Fprintln(log, "Warning: this build has no associated authentication (it was queued, or its job configured, before jeeves recorded who did), so downstream projects are triggered only if an anonymous user may build them; save the job's configuration again to fix this")
	}
	for _, name := range cfg.Children {
		name = strings.TrimSpace(name)
		child, err := q.jobs.Get(Resolve(job.Name, name))
		see, build := false, false
		if err == nil && q.cfg.Permits != nil {
			see, build = q.cfg.Permits(by, child)
		}
		switch {
		case !see:
			// The same words whether it does not exist or may not be
			// seen: the console tells no one what they cannot see.
			fmt.Fprintf(log, "No such project ‘%s’, or no permission to see it: not triggered\n", name)
		case !build:
			fmt.Fprintf(log, "You have no permission to build %s\n", child.Name)
		case jobs.IsFolder(child):
			fmt.Fprintf(log, "%s is not buildable\n", child.Name)
		case child.Config.Disabled:
			fmt.Fprintf(log, "%s is disabled. Triggering skipped\n", child.Name)
		default:
			cause := model.Cause{Kind: model.CauseUpstream, Project: job.Name, Build: number}
			_, created, err := q.Schedule(context.Background(), child, cause, by, model.DefaultParams(child.Config.Params), nil)
			switch {
			case err != nil:
				q.cfg.Logger.Error("cannot trigger downstream project", "job", job.Name, "downstream", child.Name, "err", err)
				fmt.Fprintf(log, "ERROR: cannot trigger %s: %v\n", child.Name, err)
			case created:
				fmt.Fprintf(log, "Triggering a new build of %s\n", child.Name)
			default:
				fmt.Fprintf(log, "%s is already in the queue\n", child.Name)
			}
		}
	}
}

// Resolve turns a project name as written in a job's config (relative to
// the job's folder, or absolute with a leading "/") into a full name.
func Resolve(from, name string) string {
	name = strings.TrimSpace(name)
	if strings.HasPrefix(name, "/") {
		return strings.Trim(name, "/")
	}
	if parent := jobs.Parent(from); parent != "" {
		return parent + "/" + name
	}
	return name
}
