package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

const buildCols = `b.job_id, j.name, b.number, b.queue_id, b.result, b.building, b.started_at, b.duration_ms, b.causes, b.params, b.executor, b.display_name, b.description, b.keep_log, b.has_artifacts, b.disk_bytes, b.built_on`

func scanBuild(row interface{ Scan(...any) error }) (*model.Build, error) {
	var b model.Build
	var started, dur int64
	var causes, params string
	err := row.Scan(&b.JobID, &b.JobName, &b.Number, &b.QueueID, &b.Result, &b.Building, &started, &dur, &causes, &params, &b.Executor, &b.DisplayName, &b.Description, &b.KeepLog, &b.HasArtifacts, &b.DiskUsage, &b.BuiltOn)
	if err != nil {
		return nil, mapErr(err)
	}
	b.StartedAt = fromMS(started)
	b.Duration = time.Duration(dur) * time.Millisecond
	if err := json.Unmarshal([]byte(causes), &b.Causes); err != nil {
		return nil, fmt.Errorf("build %s #%d causes: %w", b.JobName, b.Number, err)
	}
	if err := json.Unmarshal([]byte(params), &b.Params); err != nil {
		return nil, fmt.Errorf("build %s #%d params: %w", b.JobName, b.Number, err)
	}
	return &b, nil
}

// StartBuild implements store.Builds, in one transaction: a number is
// never used twice, even across crashes.
func (s *Store) StartBuild(ctx context.Context, queueID int64, b *model.Build) error {
	causes, err := json.Marshal(b.Causes)
	if err != nil {
		return err
	}
	params, err := json.Marshal(b.Params)
	if err != nil {
		return err
	}
	// The statements are prepared once (stmt): a build start is on the
	// path from trigger to running.
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.queryRow(ctx, `UPDATE jobs SET next_build_number = next_build_number + 1 WHERE id = ? RETURNING next_build_number - 1`, b.JobID).Scan(&b.Number); err != nil {
			return err
		}
		if _, err := s.exec(ctx, `INSERT INTO builds (job_id, number, queue_id, result, building, started_at, causes, params, executor, built_on) VALUES (?, ?, ?, '', 1, ?, ?, ?, ?, ?)`,
			b.JobID, b.Number, queueID, ms(b.StartedAt), string(causes), string(params), b.Executor, b.BuiltOn); err != nil {
			return err
		}
		if queueID != 0 {
			_, err := s.exec(ctx, `UPDATE queue SET state = 'left', build_number = ?, left_at = ? WHERE id = ?`, b.Number, ms(b.StartedAt), queueID)
			return err
		}
		return nil
	})
}

// FinishBuild implements store.Builds.
func (s *Store) FinishBuild(ctx context.Context, jobID, number int64, result model.Result, d time.Duration) error {
	_, err := s.exec(ctx, `UPDATE builds SET result = ?, building = 0, duration_ms = ? WHERE job_id = ? AND number = ?`,
		string(result), d.Milliseconds(), jobID, number)
	return err
}

// SetBuildDescription implements store.Builds.
func (s *Store) SetBuildDescription(ctx context.Context, jobID, number int64, description string) error {
	return s.change(ctx, `UPDATE builds SET description = ? WHERE job_id = ? AND number = ?`, description, jobID, number)
}

// SetBuildInfo implements store.Builds, in one statement.
func (s *Store) SetBuildInfo(ctx context.Context, jobID, number int64, displayName, description string) error {
	return s.change(ctx, `UPDATE builds SET display_name = ?, description = ? WHERE job_id = ? AND number = ?`, displayName, description, jobID, number)
}

// Build implements store.Builds.
func (s *Store) Build(ctx context.Context, jobID, number int64) (*model.Build, error) {
	return scanBuild(s.queryRow(ctx, `SELECT `+buildCols+` FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.job_id = ? AND b.number = ?`, jobID, number))
}

// Builds implements store.Builds.
func (s *Store) Builds(ctx context.Context, jobID int64, limit int) ([]*model.Build, error) {
	if limit <= 0 {
		limit = -1
	}
	return s.queryBuilds(ctx, `SELECT `+buildCols+` FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.job_id = ? ORDER BY b.number DESC LIMIT ?`, jobID, limit)
}

// BuildNumbers implements store.Builds.
func (s *Store) BuildNumbers(ctx context.Context, jobID int64, limit int) ([]int64, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.query(ctx, `SELECT number FROM builds WHERE job_id = ? ORDER BY number DESC LIMIT ?`, jobID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, mapErr(rows.Err())
}

// RunningBuilds implements store.Builds.
func (s *Store) RunningBuilds(ctx context.Context) ([]*model.Build, error) {
	return s.queryBuilds(ctx, `SELECT `+buildCols+` FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.building = 1 ORDER BY b.started_at`)
}

func (s *Store) queryBuilds(ctx context.Context, q string, args ...any) ([]*model.Build, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.Build
	for rows.Next() {
		b, err := scanBuild(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}

// PermalinkNumber implements store.Builds. Each lookup walks an index
// from the newest build and stops at the first match, so its cost does
// not grow with the job's history.
func (s *Store) PermalinkNumber(ctx context.Context, jobID int64, p model.Permalink) (n int64, ok bool, err error) {
	var q string
	switch p {
	case model.FirstBuild:
		q = `SELECT number FROM builds WHERE job_id = ? ORDER BY number LIMIT 1`
	case model.LastBuild:
		q = `SELECT number FROM builds WHERE job_id = ? ORDER BY number DESC LIMIT 1`
	case model.LastCompletedBuild:
		q = `SELECT number FROM builds WHERE job_id = ? AND building = 0 ORDER BY number DESC LIMIT 1`
	}
	if q != "" {
		err = s.queryRow(ctx, q, jobID).Scan(&n)
		if errors.Is(err, store.ErrNotFound) {
			return 0, true, nil
		}
		return n, true, err
	}
	results := p.Results()
	if results == nil {
		return 0, false, nil
	}
	for _, r := range results {
		var m int64
		err := s.queryRow(ctx, `SELECT number FROM builds INDEXED BY builds_result WHERE job_id = ? AND result = ? AND building = 0 ORDER BY number DESC LIMIT 1`, jobID, string(r)).Scan(&m)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, true, err
		}
		n = max(n, m)
	}
	return n, true, nil
}

// RecentResults implements store.Builds.
func (s *Store) RecentResults(ctx context.Context, jobID int64, n int) ([]model.Result, error) {
	rows, err := s.query(ctx, `SELECT result FROM builds WHERE job_id = ? AND building = 0 AND result IN ('SUCCESS','UNSTABLE','FAILURE') ORDER BY number DESC LIMIT ?`, jobID, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Result
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, model.Result(r))
	}
	return out, mapErr(rows.Err())
}

// JobStatuses implements store.Builds in one query. It looks up a few
// builds per job from the newest down, so start-up does not read the
// whole history.
func (s *Store) JobStatuses(ctx context.Context) (map[int64]model.JobStatus, error) {
	rows, err := s.query(ctx, `SELECT j.id,
		coalesce((SELECT number FROM builds WHERE job_id = j.id ORDER BY number DESC LIMIT 1), 0),
		coalesce((SELECT building FROM builds WHERE job_id = j.id ORDER BY number DESC LIMIT 1), 0),
		coalesce((SELECT number FROM builds WHERE job_id = j.id AND building = 0 ORDER BY number DESC LIMIT 1), 0),
		coalesce((SELECT result FROM builds WHERE job_id = j.id AND building = 0 ORDER BY number DESC LIMIT 1), '')
		FROM jobs j`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]model.JobStatus{}
	for rows.Next() {
		var job int64
		var st model.JobStatus
		var result string
		if err := rows.Scan(&job, &st.LastNumber, &st.LastBuilding, &st.CompletedNumber, &result); err != nil {
			return nil, err
		}
		if st.LastNumber == 0 {
			continue
		}
		st.CompletedResult = model.Result(result)
		out[job] = st
	}
	return out, mapErr(rows.Err())
}

// DeleteBuild implements store.Builds.
func (s *Store) DeleteBuild(ctx context.Context, jobID, number int64) error {
	return s.change(ctx, `DELETE FROM builds WHERE job_id = ? AND number = ?`, jobID, number)
}

// SetKeepLog implements store.Builds.
func (s *Store) SetKeepLog(ctx context.Context, jobID, number int64, keep bool) error {
	return s.change(ctx, `UPDATE builds SET keep_log = ? WHERE job_id = ? AND number = ?`, keep, jobID, number)
}

// JobStatus implements store.Builds.
func (s *Store) JobStatus(ctx context.Context, jobID int64) (model.JobStatus, error) {
	var st model.JobStatus
	bs, err := s.Builds(ctx, jobID, 1)
	if err != nil || len(bs) == 0 {
		return st, err
	}
	st.LastNumber, st.LastBuilding = bs[0].Number, bs[0].Building
	n, _, err := s.PermalinkNumber(ctx, jobID, model.LastCompletedBuild)
	if err != nil || n == 0 {
		return st, err
	}
	b, err := s.Build(ctx, jobID, n)
	if err != nil {
		return st, err
	}
	st.CompletedNumber, st.CompletedResult = n, b.Result
	return st, nil
}
