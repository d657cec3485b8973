package sqlite

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Bulk writes many jobs and finished builds inside one transaction. It is
// for preparing a home before jeeves starts (the benchmark seeds 1,000
// jobs and 100,000 builds this way in seconds); a running server records
// builds through StartBuild and FinishBuild.
type Bulk struct {
	ctx context.Context
	s   *Store
}

// Bulk runs fn with a Bulk writer in one write transaction, committed only
// if fn succeeds.
func (s *Store) Bulk(ctx context.Context, fn func(*Bulk) error) error {
	return s.InTx(ctx, func(ctx context.Context) error { return fn(&Bulk{ctx: ctx, s: s}) })
}

// CreateJob adds a job as Store.CreateJob does and returns its id.
func (b *Bulk) CreateJob(name string, configXML []byte, now time.Time) (int64, error) {
	j, err := b.s.CreateJob(b.ctx, name, configXML, now, nil)
	if err != nil {
		return 0, err
	}
	return j.ID, nil
}

// AddBuilds records finished builds of a job as ImportBuilds does.
func (b *Bulk) AddBuilds(jobID int64, builds []model.Build) error {
	return b.s.ImportBuilds(b.ctx, jobID, builds)
}

// ImportBuilds implements store.Builds.
func (s *Store) ImportBuilds(ctx context.Context, jobID int64, builds []model.Build) error {
	if len(builds) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		var max int64
		for _, bl := range builds {
			causes := []byte("[]")
			if bl.Causes != nil {
				var err error
				if causes, err = json.Marshal(bl.Causes); err != nil {
					return err
				}
			}
			if _, err := s.exec(ctx, `INSERT INTO builds (job_id, number, queue_id, result, building, started_at, duration_ms, causes, params, executor) VALUES (?, ?, 0, ?, 0, ?, ?, ?, '[]', 0)`,
				jobID, bl.Number, string(bl.Result), ms(bl.StartedAt), bl.Duration.Milliseconds(), string(causes)); err != nil {
				return err
			}
			if bl.Number > max {
				max = bl.Number
			}
		}
		return s.change(ctx, `UPDATE jobs SET next_build_number = max(next_build_number, ?) WHERE id = ?`, max+1, jobID)
	})
}
