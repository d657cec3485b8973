package builds

import (
	"context"
	"fmt"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Health is Jenkins's build stability report of a job
// (hudson.model.HealthReport from Job.getBuildHealth): a score from 0 to
// 100 over its last five completed builds, the words for it, and the
// bucket of its weather icon.
type Health struct {
	Score       int
	Description string // "Build stability: 2 out of the last 5 builds failed."
	Bucket      string // 80plus, 60to79, 40to59, 20to39 or 00to19 (icon-health-…)
}

// HealthBuilds is how many completed builds the report reads.
const HealthBuilds = 5

// HealthOf is the report of results (SUCCESS, UNSTABLE or FAILURE,
// newest first, as RecentResults gives them); ok is false when there are
// none, and Jenkins reports nothing.
func HealthOf(results []model.Result) (h Health, ok bool) {
	if len(results) == 0 {
		return Health{}, false
	}
	failed := 0
	for _, r := range results {
		if r == model.Failure {
			failed++
		}
	}
	total := len(results)
	h.Score = 100 * (total - failed) / total
	switch failed {
	case 0:
		h.Description = "Build stability: No recent builds failed."
	case total:
		h.Description = "Build stability: All recent builds failed."
	default:
		h.Description = fmt.Sprintf("Build stability: %d out of the last %d builds failed.", failed, total)
	}
	switch {
	case h.Score <= 20:
		h.Bucket = "00to19"
	case h.Score <= 40:
		h.Bucket = "20to39"
	case h.Score <= 60:
		h.Bucket = "40to59"
	case h.Score <= 80:
		h.Bucket = "60to79"
	default:
		h.Bucket = "80plus"
	}
	return h, true
}

// Health is the report of the job with jobID; ok is false when it has
// no completed build.
func (s *Service) Health(ctx context.Context, jobID int64) (h Health, ok bool, err error) {
	results, err := s.store.RecentResults(ctx, jobID, HealthBuilds)
	if err != nil {
		return Health{}, false, err
	}
	h, ok = HealthOf(results)
	return h, ok, nil
}

// EstimatedDuration is how long the next build of the job with jobID is
// expected to take, as Jenkins's Job.getEstimatedDuration: the average
// of its last three successful or unstable builds among its newest
// twenty; ok is false when there is none.
func (s *Service) EstimatedDuration(ctx context.Context, jobID int64) (d time.Duration, ok bool, err error) {
	bs, err := s.store.Builds(ctx, jobID, 20)
	if err != nil {
		return 0, false, err
	}
	var sum time.Duration
	n := 0
	for _, b := range bs {
		if !b.Building && (b.Result == model.Success || b.Result == model.Unstable) {
			sum += b.Duration
			if n++; n == 3 {
				break
			}
		}
	}
	if n == 0 {
		return 0, false, nil
	}
	return sum / time.Duration(n), true, nil
}
