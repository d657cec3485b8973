package discard

import (
	"iter"
	"math"
	"slices"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Build is what the discarder needs to know of a build.
type Build struct {
	Number int
	// Start is the build's timestamp (Run.getTimestamp: when it was
	// scheduled to start), compared with the days limits.
	Start time.Time
	// Building is true while the build runs, post-build steps included.
	Building bool
	// Keep is true when the build is kept forever (keepLog) or for
	// another reason Jenkins would give (Run.getWhyKeepLog).
	Keep bool
	// HasArtifacts is true while the build has artifacts.
	HasArtifacts bool
}

// History is a job's builds as the discarder reads them. Each method
// returns an iterator the discarder may stop early, which must then
// release what it holds. A store implements each with one indexed query
// on (job, number), read row by row:
//
//	Newest(skip)          ORDER BY number DESC LIMIT -1 OFFSET skip
//	Oldest()              ORDER BY number ASC
//	OldestWithArtifacts() WHERE has_artifacts ORDER BY number ASC
//	WithArtifactsBelow(n) WHERE has_artifacts AND number < n ORDER BY number DESC
//
// (the last two best served by an index on (job, number) limited to rows
// with artifacts).
type History interface {
	// Newest yields the builds newest first, leaving out the skip newest.
	Newest(skip int) iter.Seq2[Build, error]
	// Oldest yields the builds oldest first.
	Oldest() iter.Seq2[Build, error]
	// OldestWithArtifacts yields the builds that have artifacts, oldest
	// first.
	OldestWithArtifacts() iter.Seq2[Build, error]
	// WithArtifactsBelow yields the builds numbered below n that have
	// artifacts, newest first.
	WithArtifactsBelow(n int) iter.Seq2[Build, error]
}

// Protected names the builds that only RemoveLastBuild lets go: the
// job's last successful build (the newest finished build whose result is
// SUCCESS or UNSTABLE) and its last stable build (the newest finished
// with SUCCESS), as they were before discarding; 0 when there is none.
type Protected struct {
	LastSuccessful int
	LastStable     int
}

// Successful and Stable tell which finished builds count for Protected.
func Successful(r model.Result) bool { return r == model.Success || r == model.Unstable }

// Stable is true for a SUCCESS.
func Stable(r model.Result) bool { return r == model.Success }

// Decision is what to discard: builds to delete whole, and builds to
// strip of their artifacts (never one that is deleted), each list in the
// order Jenkins acts.
type Decision struct {
	Delete          []int
	DeleteArtifacts []int
}

// Plan applies the rotator to a job's history as LogRotator.perform does,
// four passes in this order, none touching a build that is kept (Keep),
// still running, or the last successful or last stable build (unless
// RemoveLastBuild):
//
//  1. NumToKeep: every build after the NumToKeep newest is deleted. Kept
//     and running builds count among the newest.
//  2. DaysToKeep: going from the oldest build, every build is deleted
//     until the first that started less than DaysToKeep calendar days
//     before now (in now's location, as Jenkins uses the controller's
//     time zone).
//  3. ArtifactNumToKeep: like 1 on the builds left, but only their
//     artifacts are deleted.
//  4. ArtifactDaysToKeep: like 2 on the builds left that have artifacts.
//     Jenkins stops at the first recent build whether or not it has
//     artifacts; the two differ only for builds whose start times do not
//     increase with their numbers.
//
// A negative limit is no limit. (Jenkins treats only -1 so: a smaller
// number of builds to keep makes it fail, and a negative number of days
// makes it delete every build it may.) Only builds that have artifacts
// are listed for artifact deletion.
//
// Plan reads only what it needs: the builds after the newest NumToKeep,
// the old builds up to the first recent one, and the builds with
// artifacts beyond those it keeps, so its cost follows what it deletes
// and the builds it must keep, not the length of the history.
func (r LogRotator) Plan(h History, p Protected, now time.Time) (Decision, error) {
	var d Decision
	deleted := map[int]bool{}
	stripped := map[int]bool{}
	protect := func(b Build) bool {
		if b.Keep || b.Building {
			return true
		}
		return !r.RemoveLastBuild && b.Number != 0 && (b.Number == p.LastSuccessful || b.Number == p.LastStable)
	}
	del := func(b Build) {
		if !protect(b) && !deleted[b.Number] {
			deleted[b.Number] = true
			d.Delete = append(d.Delete, b.Number)
		}
	}
	strip := func(b Build) {
		if b.HasArtifacts && !protect(b) && !deleted[b.Number] && !stripped[b.Number] {
			stripped[b.Number] = true
			d.DeleteArtifacts = append(d.DeleteArtifacts, b.Number)
		}
	}

	if r.NumToKeep >= 0 {
		for b, err := range h.Newest(r.NumToKeep) {
			if err != nil {
				return d, err
			}
			del(b)
		}
	}
	if r.DaysToKeep >= 0 {
		cutoff := now.AddDate(0, 0, -r.DaysToKeep)
		for b, err := range h.Oldest() {
			if err != nil {
				return d, err
			}
			if deleted[b.Number] {
				continue
			}
			if !b.Start.Before(cutoff) {
				break
			}
			del(b)
		}
	}
	if r.ArtifactNumToKeep >= 0 {
		// Find the last of the ArtifactNumToKeep newest builds left;
		// every build with artifacts below it is stripped.
		below := math.MaxInt
		if r.ArtifactNumToKeep > 0 {
			seen := 0
			below = 0
			for b, err := range h.Newest(0) {
				if err != nil {
					return d, err
				}
				if deleted[b.Number] {
					continue
				}
				if seen++; seen == r.ArtifactNumToKeep {
					below = b.Number
					break
				}
			}
		}
		if below > 0 {
			for b, err := range h.WithArtifactsBelow(below) {
				if err != nil {
					return d, err
				}
				strip(b)
			}
		}
	}
	if r.ArtifactDaysToKeep >= 0 {
		cutoff := now.AddDate(0, 0, -r.ArtifactDaysToKeep)
		for b, err := range h.OldestWithArtifacts() {
			if err != nil {
				return d, err
			}
			if deleted[b.Number] {
				continue
			}
			if !b.Start.Before(cutoff) {
				break
			}
			strip(b)
		}
	}
	return d, nil
}

// Slice is a History held in memory: the job's builds, newest first.
type Slice []Build

// Newest implements History.
func (s Slice) Newest(skip int) iter.Seq2[Build, error] {
	return func(yield func(Build, error) bool) {
		for _, b := range s[min(max(skip, 0), len(s)):] {
			if !yield(b, nil) {
				return
			}
		}
	}
}

// Oldest implements History.
func (s Slice) Oldest() iter.Seq2[Build, error] {
	return func(yield func(Build, error) bool) {
		for _, b := range slices.Backward(s) {
			if !yield(b, nil) {
				return
			}
		}
	}
}

// OldestWithArtifacts implements History.
func (s Slice) OldestWithArtifacts() iter.Seq2[Build, error] {
	return func(yield func(Build, error) bool) {
		for _, b := range slices.Backward(s) {
			if b.HasArtifacts && !yield(b, nil) {
				return
			}
		}
	}
}

// WithArtifactsBelow implements History.
func (s Slice) WithArtifactsBelow(n int) iter.Seq2[Build, error] {
	return func(yield func(Build, error) bool) {
		for _, b := range s {
			if b.Number < n && b.HasArtifacts && !yield(b, nil) {
				return
			}
		}
	}
}
