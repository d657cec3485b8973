package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Bulk writes many jobs and finished builds inside one transaction. It is
// for preparing a home before jeeves starts (the benchmark seeds 1,000
// jobs and 100,000 builds this way in seconds); a running server records
// builds through StartBuild and FinishBuild.
type Bulk struct {
	ctx   context.Context
	tx    *sql.Tx
	job   *sql.Stmt
	build *sql.Stmt
	next  *sql.Stmt
}

// Bulk runs fn with a Bulk writer in one write transaction, committed only
// if fn succeeds.
func (s *Store) Bulk(ctx context.Context, fn func(*Bulk) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		b := &Bulk{ctx: ctx, tx: tx}
		var err error
		if b.job, err = tx.PrepareContext(ctx, `INSERT INTO jobs (name, config_xml, next_build_number, created_at) VALUES (?, ?, 1, ?)`); err != nil {
			return err
		}
		defer b.job.Close()
		if b.build, err = tx.PrepareContext(ctx, `INSERT INTO builds (job_id, number, queue_id, result, building, started_at, duration_ms, causes, params, executor) VALUES (?, ?, 0, ?, 0, ?, ?, ?, '[]', 0)`); err != nil {
			return err
		}
		defer b.build.Close()
		if b.next, err = tx.PrepareContext(ctx, `UPDATE jobs SET next_build_number = max(next_build_number, ?) WHERE id = ?`); err != nil {
			return err
		}
		defer b.next.Close()
		return fn(b)
	})
}

// CreateJob adds a job as Store.CreateJob does and returns its id.
func (b *Bulk) CreateJob(name string, configXML []byte, now time.Time) (int64, error) {
	res, err := b.job.ExecContext(b.ctx, name, configXML, ms(now))
	if isUniqueViolation(err) {
		return 0, ErrExists
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// AddBuilds records finished builds of a job (Number, Result, StartedAt,
// Duration and Causes are used) and moves the job's next build number past
// the highest of them.
func (b *Bulk) AddBuilds(jobID int64, builds []model.Build) error {
	var max int64
	for _, bl := range builds {
		causes, err := json.Marshal(bl.Causes)
		if err != nil {
			return err
		}
		if bl.Causes == nil {
			causes = []byte("[]")
		}
		if _, err := b.build.ExecContext(b.ctx, jobID, bl.Number, string(bl.Result), ms(bl.StartedAt), bl.Duration.Milliseconds(), string(causes)); err != nil {
			return err
		}
		if bl.Number > max {
			max = bl.Number
		}
	}
	if len(builds) == 0 {
		return nil
	}
	_, err := b.next.ExecContext(b.ctx, max+1, jobID)
	return err
}
