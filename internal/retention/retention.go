// Package retention discards old builds as Jenkins's "Discard old
// builds" (BuildDiscarderProperty with a LogRotator, or the legacy
// <logRotator>) does, and counts the disk builds take:
//
//   - Discarder.For is a build contributor for every job: once a build
//     is recorded finished it adds the size of the build's console log
//     to the build's disk usage, then applies the job's rotator
//     (discard.LogRotator.Plan) to its history, as Jenkins's
//     GlobalBuildDiscarderListener does after each build. Builds go
//     through the builds service (record, log and everything below the
//     build's key), artifacts through the archive; kept builds, running
//     builds and the last successful and stable builds stay, as
//     LogRotator keeps them.
//   - Discarder.Run applies every job's rotator periodically (Jenkins's
//     hourly BackgroundGlobalBuildDiscarder), so idle jobs are trimmed.
//
// One pass runs at a time per job. A pass reads the history lazily, a
// page at a time, so its cost follows the builds it deletes and the
// builds it must keep, not the length of the history.
package retention

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/buildstep"
	"github.com/jeeves-ci/jeeves/internal/discard"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// Store is what the discarder reads and records.
type Store interface {
	BuildMarks(ctx context.Context, jobID int64, q store.MarkQuery) ([]store.BuildMark, error)
	PermalinkNumber(ctx context.Context, jobID int64, p model.Permalink) (int64, bool, error)
	AddBuildDisk(ctx context.Context, jobID, number, delta int64) error
}

// Builds deletes a build with its log and what it left (builds.Service).
type Builds interface {
	Delete(ctx context.Context, jobID, number int64) error
}

// Artifacts deletes a build's artifacts (archive.Service).
type Artifacts interface {
	DeleteArtifacts(ctx context.Context, jobID, number int64) error
}

// Jobs lists the jobs for the periodic pass (jobs.Service).
type Jobs interface {
	List() []*model.Job
}

// Config sets up a Discarder.
type Config struct {
	Logger *slog.Logger
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Discarder discards old builds. Create it with New.
type Discarder struct {
	st     Store
	builds Builds
	arts   Artifacts
	jobs   Jobs
	logs   blob.Store
	log    *slog.Logger
	now    func() time.Time

	mu    sync.Mutex
	locks map[int64]*jobLock
}

type jobLock struct {
	mu    sync.Mutex
	users int
}

// New returns a discarder over the store, deleting builds through
// builds and artifacts through arts; logs is where console logs are
// (their size is counted), jobs what the periodic pass walks.
func New(cfg Config, st Store, builds Builds, arts Artifacts, jobs Jobs, logs blob.Store) *Discarder {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Discarder{st: st, builds: builds, arts: arts, jobs: jobs, logs: logs, log: cfg.Logger, now: cfg.Now, locks: map[int64]*jobLock{}}
}

var _ executor.Contributor = (*Discarder)(nil)

// Rotator is the job's build discarder as its config.xml says (the
// property, else the legacy <logRotator>), with an artifact archiver's
// legacy <latestOnly>true</latestOnly> applied as Jenkins migrates it;
// nil when the job discards nothing.
func Rotator(configXML []byte) (*discard.LogRotator, error) {
	r, err := discard.FromJob(configXML)
	if err != nil {
		return nil, err
	}
	if e := buildstep.Publisher(configXML, artifact.ArchiverClass); e != nil {
		if a, err := artifact.ArchiverFromElement(e); err == nil && a.LatestOnly {
			r = discard.MigrateLatestOnly(r)
		}
	}
	if r != nil && r.Keeps() {
		return nil, nil
	}
	return r, nil
}

// For implements executor.Contributor: every build's log counts in its
// disk usage, and a job with a rotator discards after each build.
func (d *Discarder) For(job *model.Job) *executor.Part {
	p := &executor.Part{Name: "Discard old builds", Runs: []string{discard.PropertyClass, discard.PipelinePropertyClass, discard.RotatorClass}}
	p.Finished = func(ctx context.Context, b model.Build) {
		if info, err := d.logs.Stat(blob.LogKey(b.JobID, b.Number)); err == nil {
			if err := d.st.AddBuildDisk(ctx, b.JobID, b.Number, info.Size); err != nil && !errors.Is(err, store.ErrNotFound) {
				d.log.Warn("cannot count a build's log in its disk usage", "job", job.Name, "build", b.Number, "err", err)
			}
		}
		if _, err := d.Discard(ctx, job); err != nil {
			d.log.Error("failed to rotate logs", "job", job.Name, "err", err)
		}
	}
	return p
}

// lock serializes the passes over one job.
func (d *Discarder) lock(jobID int64) func() {
	d.mu.Lock()
	l := d.locks[jobID]
	if l == nil {
		l = &jobLock{}
		d.locks[jobID] = l
	}
	l.users++
	d.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		d.mu.Lock()
		if l.users--; l.users == 0 {
			delete(d.locks, jobID)
		}
		d.mu.Unlock()
	}
}

// Discard applies the job's rotator to its builds now (Job.logRotate)
// and returns what it discarded. A job without a rotator discards
// nothing. Builds that cannot be deleted are skipped, and their errors
// returned together, as Jenkins gathers them.
func (d *Discarder) Discard(ctx context.Context, job *model.Job) (discard.Decision, error) {
	r, err := Rotator(job.ConfigXML)
	if err != nil || r == nil {
		return discard.Decision{}, err
	}
	defer d.lock(job.ID)()
	var p discard.Protected
	for _, x := range []struct {
		link model.Permalink
		dst  *int
	}{{model.LastSuccessfulBuild, &p.LastSuccessful}, {model.LastStableBuild, &p.LastStable}} {
		n, _, err := d.st.PermalinkNumber(ctx, job.ID, x.link)
		if err != nil {
			return discard.Decision{}, err
		}
		*x.dst = int(n)
	}
	plan, err := r.Plan(&history{ctx: ctx, st: d.st, jobID: job.ID}, p, d.now())
	if err != nil {
		return discard.Decision{}, err
	}
	var done discard.Decision
	var failed []string
	var errs []error
	for _, n := range plan.Delete {
		if err := d.builds.Delete(ctx, job.ID, int64(n)); err != nil && !errors.Is(err, store.ErrNotFound) {
			failed = append(failed, "#"+strconv.Itoa(n))
			errs = append(errs, err)
			continue
		}
		done.Delete = append(done.Delete, n)
	}
	for _, n := range plan.DeleteArtifacts {
		if err := d.arts.DeleteArtifacts(ctx, job.ID, int64(n)); err != nil {
			failed = append(failed, "#"+strconv.Itoa(n))
			errs = append(errs, err)
			continue
		}
		done.DeleteArtifacts = append(done.DeleteArtifacts, n)
	}
	if len(errs) > 0 {
		return done, fmt.Errorf("failed to rotate logs for %s [%s]: %w", job.Name, strings.Join(failed, ", "), errors.Join(errs...))
	}
	return done, nil
}

// DiscardAll applies every job's rotator once.
func (d *Discarder) DiscardAll(ctx context.Context) error {
	var errs []error
	for _, j := range d.jobs.List() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := d.Discard(ctx, j); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Period is how often Run discards, as Jenkins's periodic background
// build discarder.
const Period = time.Hour

// Run applies every job's rotator every period (Period when 0), until
// ctx ends.
func (d *Discarder) Run(ctx context.Context, period time.Duration) {
	if period <= 0 {
		period = Period
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := d.DiscardAll(ctx); err != nil && ctx.Err() == nil {
				d.log.Error("periodic background build discarder", "err", err)
			}
		}
	}
}

// pageSize is how many builds one read of the history returns.
const pageSize = 256

// history is a job's builds as discard.History reads them, a page at a
// time from the store.
type history struct {
	ctx   context.Context
	st    Store
	jobID int64
}

func mark(m store.BuildMark) discard.Build {
	return discard.Build{Number: int(m.Number), Start: m.StartedAt, Building: m.Building, Keep: m.KeepLog, HasArtifacts: m.HasArtifacts}
}

// pages yields the builds q selects, page after page.
func (h *history) pages(q store.MarkQuery) iter.Seq2[discard.Build, error] {
	return func(yield func(discard.Build, error) bool) {
		q.Limit = pageSize
		for {
			ms, err := h.st.BuildMarks(h.ctx, h.jobID, q)
			if err != nil {
				yield(discard.Build{}, err)
				return
			}
			for _, m := range ms {
				if !yield(mark(m), nil) {
					return
				}
			}
			if len(ms) < pageSize {
				return
			}
			q.After, q.Skip = ms[len(ms)-1].Number, 0
		}
	}
}

func (h *history) Newest(skip int) iter.Seq2[discard.Build, error] {
	return h.pages(store.MarkQuery{Skip: skip})
}

func (h *history) Oldest() iter.Seq2[discard.Build, error] {
	return h.pages(store.MarkQuery{Oldest: true})
}

func (h *history) OldestWithArtifacts() iter.Seq2[discard.Build, error] {
	return h.pages(store.MarkQuery{Oldest: true, WithArtifacts: true})
}

func (h *history) WithArtifactsBelow(n int) iter.Seq2[discard.Build, error] {
	if n <= 1 {
		return func(func(discard.Build, error) bool) {}
	}
	return h.pages(store.MarkQuery{After: int64(n), WithArtifacts: true})
}
