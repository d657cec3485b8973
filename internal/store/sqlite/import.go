package sqlite

import (
	"context"
	"encoding/json"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// ImportBuilds implements store.Builds. Called inside InTx, as seeding
// a home does for thousands of jobs, its statements are prepared once
// for the whole transaction.
func (s *Store) ImportBuilds(ctx context.Context, jobID int64, builds []model.Build) error {
	if len(builds) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		var last int64
		for _, b := range builds {
			causes := []byte("[]")
			if b.Causes != nil {
				var err error
				if causes, err = json.Marshal(b.Causes); err != nil {
					return err
				}
			}
			if _, err := s.exec(ctx, `INSERT INTO builds (job_id, number, queue_id, result, building, started_at, duration_ms, causes, params, executor) VALUES (?, ?, 0, ?, 0, ?, ?, ?, '[]', 0)`,
				jobID, b.Number, string(b.Result), ms(b.StartedAt), b.Duration.Milliseconds(), string(causes)); err != nil {
				return err
			}
			last = max(last, b.Number)
		}
		return s.change(ctx, `UPDATE jobs SET next_build_number = max(next_build_number, ?) WHERE id = ?`, last+1, jobID)
	})
}
