// Package builds serves what the HTTP edge reads and changes of builds:
// their records (one, a job's newest, their numbers, the build a
// permalink names, recent results), a build's description and display
// name, whether it is kept forever, its console log, and deleting a
// finished build with its log.
// Records are in the store (store.Builds); logs are blobs (blob.LogKey).
// Builds are started and finished by the queue, not here.
package builds

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Statuses is told a job's status after one of its builds is deleted:
// the job registry (jobs.Service), which caches it.
type Statuses interface {
	SetStatus(jobID int64, status model.JobStatus)
}

// Store is what the service keeps in the store: the builds, and a
// job's disk usage.
type Store interface {
	store.Builds
	JobDiskUsage(ctx context.Context, jobID int64) (int64, error)
}

// Service reads and changes builds. Create it with New.
type Service struct {
	store    Store
	blobs    blob.Store
	statuses Statuses
	deleted  []func(jobID, number int64) // set before use; read-only afterwards
}

// OnDeleted registers fn to be called after a build's record is deleted
// (what remembers a job's history forgets it). Register it before the
// service is used.
func (s *Service) OnDeleted(fn func(jobID, number int64)) { s.deleted = append(s.deleted, fn) }

// New returns the service over the store's builds and the home's blobs,
// keeping statuses up to date.
func New(st Store, blobs blob.Store, statuses Statuses) *Service {
	return &Service{store: st, blobs: blobs, statuses: statuses}
}

// Get returns one build; store.ErrNotFound if there is none.
func (s *Service) Get(ctx context.Context, jobID, number int64) (*model.Build, error) {
	return s.store.Build(ctx, jobID, number)
}

// List returns a job's builds, newest first; limit <= 0 means all.
func (s *Service) List(ctx context.Context, jobID int64, limit int) ([]*model.Build, error) {
	return s.store.Builds(ctx, jobID, limit)
}

// Numbers returns a job's build numbers, newest first; limit <= 0 means
// all.
func (s *Service) Numbers(ctx context.Context, jobID int64, limit int) ([]int64, error) {
	return s.store.BuildNumbers(ctx, jobID, limit)
}

// Permalink is the number of the build permalink p names: 0 when there
// is no such build, ok false when p is no permalink.
func (s *Service) Permalink(ctx context.Context, jobID int64, p model.Permalink) (n int64, ok bool, err error) {
	return s.store.PermalinkNumber(ctx, jobID, p)
}

// PermalinkBuild is the build permalink p names; nil when there is none
// (or p is no permalink).
func (s *Service) PermalinkBuild(ctx context.Context, jobID int64, p model.Permalink) (*model.Build, error) {
	n, _, err := s.store.PermalinkNumber(ctx, jobID, p)
	if err != nil || n == 0 {
		return nil, err
	}
	return s.store.Build(ctx, jobID, n)
}

// RecentResults returns the results of up to n newest builds that ended
// SUCCESS, UNSTABLE or FAILURE, newest first: the health report's.
func (s *Service) RecentResults(ctx context.Context, jobID int64, n int) ([]model.Result, error) {
	return s.store.RecentResults(ctx, jobID, n)
}

// JobDiskUsage is the bytes a job's builds take (their logs, artifacts
// and reports, as counted when written): one row, whatever the
// history. A build's own is model.Build.DiskUsage.
func (s *Service) JobDiskUsage(ctx context.Context, jobID int64) (int64, error) {
	return s.store.JobDiskUsage(ctx, jobID)
}

// SetDescription sets a build's description (Run.doSubmitDescription);
// store.ErrNotFound if there is no such build.
func (s *Service) SetDescription(ctx context.Context, jobID, number int64, description string) error {
	return s.store.SetBuildDescription(ctx, jobID, number, description)
}

// SetInfo sets a build's display name ("" = "#N") and description
// together (Run.doConfigSubmit); store.ErrNotFound if there is no such
// build.
func (s *Service) SetInfo(ctx context.Context, jobID, number int64, displayName, description string) error {
	return s.store.SetBuildInfo(ctx, jobID, number, displayName, description)
}

// ErrKept is the kind of the refusal to delete a build kept forever.
var ErrKept = errors.New("build is kept")

// FullDisplayName is how Jenkins names a build in messages and mail
// subjects (Run.getFullDisplayName): the job's full name with " » "
// between folders, then the build's display name or "#N".
func FullDisplayName(b *model.Build) string {
	display := b.DisplayName
	if display == "" {
		display = "#" + strconv.FormatInt(b.Number, 10)
	}
	return strings.ReplaceAll(b.JobName, "/", " » ") + " " + display
}

// SetKeepLog keeps a build forever, or stops keeping it (Jenkins's
// Run.keepLog, what toggleLogKeep flips): a kept build is never
// discarded and cannot be deleted. store.ErrNotFound if there is no such
// build.
func (s *Service) SetKeepLog(ctx context.Context, jobID, number int64, keep bool) error {
	return s.store.SetKeepLog(ctx, jobID, number, keep)
}

// Delete removes a finished build and its log, and brings its job's
// status up to date; store.ErrNotFound if there is no such build, a
// refusal of kind ErrKept (Jenkins's words) for a build kept forever.
// The caller refuses a running build (it must be stopped first).
func (s *Service) Delete(ctx context.Context, jobID, number int64) error {
	b, err := s.store.Build(ctx, jobID, number)
	if err != nil {
		return err
	}
	if b.KeepLog {
		return usererr.New(ErrKept, "Unable to delete "+FullDisplayName(b)+": This record is explicitly marked to be kept.")
	}
	if err := s.store.DeleteBuild(ctx, jobID, number); err != nil {
		return err
	}
	for _, fn := range s.deleted {
		fn(jobID, number)
	}
	// The log, and what the build left beside it (artifacts, reports).
	for _, key := range []string{blob.LogKey(jobID, number), blob.BuildKey(jobID, number)} {
		if err := s.blobs.Delete(key); err != nil {
			return store.FileError(err)
		}
	}
	status, err := s.store.JobStatus(ctx, jobID)
	if err != nil {
		return err
	}
	s.statuses.SetStatus(jobID, status)
	return nil
}

// Log is a build's console log opened for reading: Size bytes as it was
// when opened (a running build's grows afterwards). Read it with ReadAt
// or a section of it; Close it when done.
type Log struct {
	blob.Reader
	Size int64
}

// OpenLog opens a build's console log; store.ErrNotFound when the build
// has written none yet.
func (s *Service) OpenLog(jobID, number int64) (*Log, error) {
	r, err := s.blobs.Open(blob.LogKey(jobID, number))
	if err != nil {
		return nil, err
	}
	size, err := r.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = r.Seek(0, io.SeekStart)
	}
	if err != nil {
		r.Close()
		return nil, err
	}
	return &Log{Reader: r, Size: size}, nil
}
