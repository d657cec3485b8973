package store

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Records keeps what builds leave besides their log as the discarder
// and the HTTP edge read it: whether a build has artifacts, and the
// disk its log, artifacts and reports take, per build and summed per
// job. Reading either costs one row, whatever the history.
type Records interface {
	// SetBuildArtifacts records whether a build has artifacts and adds
	// delta bytes (negative when artifacts are deleted) to its disk
	// usage and its job's; ErrNotFound if there is no such build.
	SetBuildArtifacts(ctx context.Context, jobID, number int64, has bool, delta int64) error
	// AddBuildDisk adds delta bytes to a build's disk usage and its
	// job's; ErrNotFound if there is no such build.
	AddBuildDisk(ctx context.Context, jobID, number, delta int64) error
	// JobDiskUsage is the sum of a job's builds' disk usage; 0 for a job
	// without builds, ErrNotFound if there is no job jobID.
	JobDiskUsage(ctx context.Context, jobID int64) (int64, error)
	// BuildMarks lists a page of a job's builds as q selects them, each
	// page one indexed range read: its cost follows the page, not the
	// history.
	BuildMarks(ctx context.Context, jobID int64, q MarkQuery) ([]BuildMark, error)
}

// BuildMark is a build as the discarder weighs it.
type BuildMark struct {
	Number       int64
	StartedAt    time.Time
	Building     bool
	Result       model.Result // "" while building
	KeepLog      bool
	HasArtifacts bool
}

// MarkQuery selects a page of BuildMarks.
type MarkQuery struct {
	// Oldest lists the oldest first; otherwise the newest first.
	Oldest bool
	// After, when not 0, starts after that build number in the listing's
	// order: below it newest first, above it oldest first.
	After int64
	// Skip leaves out the first Skip builds of the listing (after After).
	Skip int
	// WithArtifacts lists only builds that have artifacts.
	WithArtifacts bool
	// Limit is the page's size; at most Limit builds are returned (1
	// when Limit is below 1).
	Limit int
}

// Fingerprints keeps the fingerprints of archived files by MD5, as
// Jenkins's fingerprint records: where a file was first produced and
// every build that recorded it. A build's usages go with the build, and
// a fingerprint with its last usage.
type Fingerprints interface {
	// RecordFingerprints records that build number of job jobID used
	// each file of uses: a fingerprint seen for the first time is
	// created (named after the file, with the build as its original
	// when the build produced it) at now; one already known gets the
	// build among its usages. All at once; ErrNotFound if there is no
	// such build.
	RecordFingerprints(ctx context.Context, jobID, number int64, uses []FingerprintUse, now time.Time) error
	// Fingerprint returns the record of an MD5 (lower-case hex);
	// ErrNotFound if none.
	Fingerprint(ctx context.Context, md5 string) (*FingerprintRecord, error)
}

// FingerprintUse is a file a build recorded.
type FingerprintUse struct {
	MD5      string // lower-case hex
	FileName string // the file's base name
	// Produced says the build made the file (artifact.Produced), so
	// that it is the original of a fingerprint seen first here.
	Produced bool
}

// FingerprintRecord is what is known of a file by its MD5.
type FingerprintRecord struct {
	MD5      string
	FileName string
	// OriginalJob is the full name of the job whose build OriginalNumber
	// produced the file ("" when no recording build produced it): its
	// current name, or the last it had when it is gone.
	OriginalJob    string
	OriginalNumber int64
	// CreatedAt is when the file was first recorded.
	CreatedAt time.Time
	// Usages are the builds that recorded the file, by job full name,
	// sorted by name.
	Usages []FingerprintUsage
}

// FingerprintUsage is one job's builds that recorded a file.
type FingerprintUsage struct {
	Job     string
	Numbers []int64 // ascending
}
