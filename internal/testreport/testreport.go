// Package testreport records builds' JUnit test reports as Jenkins's
// "Publish JUnit test result report" (the junit plugin's
// JUnitResultArchiver) does, over the blob store:
//
//   - Service.For is the publisher as a build contributor: it finds the
//     report files through the build's launcher, parses and merges them
//     (junit.Archiver.Record), freezes the report against the reports of
//     the builds before, stores it below the build's key with its case
//     index and its summary, and makes the build UNSTABLE on failures
//     (FAILURE when the step fails), with the plugin's console lines.
//   - The edge reads a build's report (Report: testReport/api/json and
//     the suite and case pages), its summary (Summary: the
//     TestResultAction among the build's actions, the health report)
//     and a job's trend (Trend), each from one blob per build.
package testreport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/buildstep"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/junit"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/wsfs"
)

// Keys of what a build's report leaves, below blob.BuildKey.
func reportKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/junit/report.json"
}
func indexKey(jobID, number int64) string { return blob.BuildKey(jobID, number) + "/junit/index.json" }
func summaryKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/junit/summary.json"
}

// Store is what the service reads and records in the store.
type Store interface {
	BuildNumbers(ctx context.Context, jobID int64, limit int) ([]int64, error)
	AddBuildDisk(ctx context.Context, jobID, number, delta int64) error
}

// Config sets up a Service.
type Config struct {
	Logger *slog.Logger
	// Limits bound what a report keeps; zero: junit.DefaultLimits.
	Limits junit.Limits
}

// Service records and reads test reports. Create it with New.
type Service struct {
	cfg   Config
	blobs blob.Store
	st    Store
	log   *slog.Logger
}

// New returns the service over the blob store and the store.
func New(cfg Config, blobs blob.Store, st Store) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, blobs: blobs, st: st, log: cfg.Logger}
}

var _ executor.Contributor = (*Service)(nil)

// For implements executor.Contributor: the recorder takes part in the
// builds of jobs with a <hudson.tasks.junit.JUnitResultArchiver>
// publisher.
func (s *Service) For(job *model.Job) *executor.Part {
	e := buildstep.Publisher(job.ConfigXML, junit.ArchiverClass)
	if e == nil {
		return nil
	}
	a, err := junit.ArchiverFromElement(e)
	return &executor.Part{Name: junit.DisplayName, Runs: []string{junit.ArchiverClass}, Publish: func(ctx context.Context, b *executor.Build) {
		if err != nil {
			fail(b, &buildstep.Error{Step: junit.DisplayName, Message: err.Error(), Exception: true})
			return
		}
		s.record(ctx, b, a)
	}}
}

func fail(b *executor.Build, e *buildstep.Error) {
	fmt.Fprintln(b.Console(), e.Line())
	b.SetResult(model.Failure)
}

func lookup(env []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && strings.EqualFold(k, name) {
				return v, true
			}
		}
		return "", false
	}
}

// record runs the recorder in build b as JUnitResultArchiver.perform
// does.
func (s *Service) record(ctx context.Context, b *executor.Build, a junit.Archiver) {
	out := b.Console()
	for _, u := range a.Unknown {
		fmt.Fprintf(out, "WARNING: jeeves does not run <%s> of ‘%s’; it is kept in config.xml but ignored\n", u, junit.DisplayName)
	}
	in := junit.Input{Result: b.Result, Lookup: lookup(b.Env()), Root: b.Workspace, BuildStart: b.Build.StartedAt, Limits: s.cfg.Limits}
	_, set := a.Set(in)
	dir, err := wsfs.Open(ctx, b.Launcher, b.Workspace, set.Descend)
	if err != nil {
		fail(b, &buildstep.Error{Step: junit.DisplayName, Message: err.Error(), Exception: true})
		return
	}
	defer dir.Close()
	res, err := a.Record(ctx, dir.FS, in)
	if err != nil {
		fail(b, &buildstep.Error{Step: junit.DisplayName, Message: err.Error(), Exception: true})
		return
	}
	for _, l := range res.Lines {
		fmt.Fprintln(out, l)
	}
	if res.Fail != nil {
		fail(b, res.Fail)
		return
	}
	if res.Report != nil {
		jobID, number := b.Build.JobID, b.Build.Number
		res.Report.Freeze(int(number), s.previous(ctx, jobID, number))
		size, err := s.store(jobID, number, res.Report, a.HealthScaleFactor)
		if err != nil {
			for _, k := range []string{summaryKey(jobID, number), reportKey(jobID, number), indexKey(jobID, number)} {
				s.blobs.Delete(k)
			}
			fail(b, &buildstep.Error{Step: junit.DisplayName, Message: store.FileError(err).Error(), Exception: true})
			return
		}
		if err := s.st.AddBuildDisk(ctx, jobID, number, size); err != nil {
			s.log.Error("cannot record a test report's size", "job", b.Job.Name, "build", number, "err", err)
		}
	}
	if res.Unstable {
		before := b.Result
		b.SetResult(model.Unstable)
		if b.Result != before {
			// AbstractBuild.perform's line for a step that changed the
			// result.
			fmt.Fprintf(out, "Build step '%s' changed build result to %s\n", junit.DisplayName, b.Result)
		}
	}
}

// MaxLookBack bounds how many earlier builds are looked at for the
// reports a new one is frozen against (junit.MaxPrevious of them).
const MaxLookBack = 100

// previous are the indexes of the reports of the builds before number,
// newest first, each read only when Freeze asks it for a case the newer
// ones do not have.
func (s *Service) previous(ctx context.Context, jobID, number int64) []junit.Lookup {
	ns, err := s.st.BuildNumbers(ctx, jobID, MaxLookBack+1)
	if err != nil {
		s.log.Warn("cannot list the builds before a test report", "job", jobID, "build", number, "err", err)
		return nil
	}
	var out []junit.Lookup
	for _, n := range ns {
		if n >= number {
			continue
		}
		if _, err := s.blobs.Stat(indexKey(jobID, n)); err != nil {
			continue
		}
		out = append(out, &lazyIndex{s: s, key: indexKey(jobID, n)})
		if len(out) == junit.MaxPrevious {
			break
		}
	}
	return out
}

// lazyIndex is an earlier build's case index, read at its first use.
type lazyIndex struct {
	s    *Service
	key  string
	ix   junit.CaseIndex
	read bool
}

func (l *lazyIndex) Case(suite, fullName string) (junit.PrevCase, bool) {
	if !l.read {
		l.read = true
		if r, err := l.s.blobs.Open(l.key); err == nil {
			l.ix, err = junit.DecodeIndex(r)
			r.Close()
			if err != nil {
				l.s.log.Warn("cannot read an earlier test report", "key", l.key, "err", err)
			}
		}
	}
	return l.ix.Case(suite, fullName)
}

// Summary is what a build's report says in brief: the counts of its
// TestResultAction, and the scale of its health report.
type Summary struct {
	junit.Summary
	// HealthScaleFactor is the archiver's, when the build ran.
	HealthScaleFactor float64
}

type storedSummary struct {
	FailCount         int     `json:"failCount"`
	SkipCount         int     `json:"skipCount"`
	TotalCount        int     `json:"totalCount"`
	HealthScaleFactor float64 `json:"healthScaleFactor"`
}

// store writes the report, its index and its summary (last: a build
// has a report once its summary is there), and returns their bytes.
func (s *Service) store(jobID, number int64, r *junit.Report, scale float64) (int64, error) {
	var total int64
	put := func(key string, write func(io.Writer) error) error {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return err
		}
		n, err := s.blobs.Put(key, &buf)
		total += n
		return err
	}
	sum := r.Summarize()
	for _, step := range []struct {
		key   string
		write func(io.Writer) error
	}{
		{reportKey(jobID, number), r.Encode},
		{indexKey(jobID, number), r.Index().EncodeIndex},
		{summaryKey(jobID, number), func(w io.Writer) error {
			return json.NewEncoder(w).Encode(storedSummary{sum.FailCount, sum.SkipCount, sum.TotalCount, scale})
		}},
	} {
		if err := put(step.key, step.write); err != nil {
			return total, err
		}
	}
	return total, nil
}

// Report reads a build's test report, frozen as it was recorded:
// Export gives testReport/api/json, SuitesNamed and Packages the suite
// and class pages, and each Case's Export a case's api/json.
// store.ErrNotFound when the build has no report.
func (s *Service) Report(ctx context.Context, jobID, number int64) (*junit.Report, error) {
	if _, err := s.blobs.Stat(summaryKey(jobID, number)); err != nil {
		return nil, err
	}
	r, err := s.blobs.Open(reportKey(jobID, number))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return junit.DecodeReport(r)
}

// Summary reads a build's report summary: Summary.Action() is the
// TestResultAction among the build's actions, Summary.Health(scale) its
// health report. store.ErrNotFound when the build has no report.
func (s *Service) Summary(ctx context.Context, jobID, number int64) (*Summary, error) {
	r, err := s.blobs.Open(summaryKey(jobID, number))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var st storedSummary
	if err := json.NewDecoder(io.LimitReader(r, 1<<16)).Decode(&st); err != nil {
		return nil, fmt.Errorf("test summary of build %d #%d: %w", jobID, number, err)
	}
	return &Summary{Summary: junit.Summary{FailCount: st.FailCount, SkipCount: st.SkipCount, TotalCount: st.TotalCount}, HealthScaleFactor: st.HealthScaleFactor}, nil
}

// Point is one build of a job's test-result trend.
type Point struct {
	Number int64
	junit.Summary
}

// MaxTrend bounds the builds a trend reads.
const MaxTrend = 1000

// Trend is the test results of a job's newest builds that have a
// report, newest first, looking at up to limit builds (at most
// MaxTrend; 0: MaxTrend): the job page's test-result trend. Each build
// costs one small blob read.
func (s *Service) Trend(ctx context.Context, jobID int64, limit int) ([]Point, error) {
	if limit <= 0 || limit > MaxTrend {
		limit = MaxTrend
	}
	ns, err := s.st.BuildNumbers(ctx, jobID, limit)
	if err != nil {
		return nil, err
	}
	out := []Point{}
	for _, n := range ns {
		sum, err := s.Summary(ctx, jobID, n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Point{Number: n, Summary: sum.Summary})
	}
	return out, nil
}

// Find walks a report's pages as testReport/<package>/<class>/<case>/
// names them, each by its URL-safe name (junit.Safe; "(root)" for the
// package of classes without one): give "" for the parts the URL does
// not have. What the URL names is the last part found; store.ErrNotFound
// when a name matches nothing. The first of cases sharing a name is
// found.
func Find(r *junit.Report, pkg, class, name string) (*junit.Package, *junit.Class, *junit.Case, error) {
	if pkg == "" {
		return nil, nil, nil, nil
	}
	for _, p := range r.Packages() {
		if junit.Safe(p.Name) != pkg {
			continue
		}
		if class == "" {
			return p, nil, nil, nil
		}
		for _, c := range p.Classes {
			if junit.Safe(c.Name) != class {
				continue
			}
			if name == "" {
				return p, c, nil, nil
			}
			for _, k := range c.Cases {
				if junit.Safe(k.Name()) == name {
					return p, c, k, nil
				}
			}
		}
	}
	return nil, nil, nil, store.ErrNotFound
}
