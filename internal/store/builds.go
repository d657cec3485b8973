package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

const buildCols = `b.job_id, j.name, b.number, b.queue_id, b.result, b.building, b.started_at, b.duration_ms, b.causes, b.params, b.executor, b.display_name, b.description`

func scanBuild(row interface{ Scan(...any) error }) (*model.Build, error) {
	var b model.Build
	var started, dur int64
	var causes, params string
	err := row.Scan(&b.JobID, &b.JobName, &b.Number, &b.QueueID, &b.Result, &b.Building, &started, &dur, &causes, &params, &b.Executor, &b.DisplayName, &b.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
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

// StartBuild takes a queue item out of the queue and records its build
// with the job's next number, in one transaction: a number is never used
// twice, even across crashes. It fills in b.Number.
func (s *Store) StartBuild(ctx context.Context, queueID int64, b *model.Build) error {
	causes, err := json.Marshal(b.Causes)
	if err != nil {
		return err
	}
	params, err := json.Marshal(b.Params)
	if err != nil {
		return err
	}
	// The statements are prepared once (txStmt): a build start is on the
	// path from trigger to running.
	return s.tx(ctx, func(tx *sql.Tx) error {
		next, err := s.txStmt(ctx, tx, `UPDATE jobs SET next_build_number = next_build_number + 1 WHERE id = ? RETURNING next_build_number - 1`)
		if err != nil {
			return err
		}
		if err := next.QueryRowContext(ctx, b.JobID).Scan(&b.Number); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		insert, err := s.txStmt(ctx, tx, `INSERT INTO builds (job_id, number, queue_id, result, building, started_at, causes, params, executor) VALUES (?, ?, ?, '', 1, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		if _, err := insert.ExecContext(ctx, b.JobID, b.Number, queueID, ms(b.StartedAt), string(causes), string(params), b.Executor); err != nil {
			return err
		}
		if queueID != 0 {
			left, err := s.txStmt(ctx, tx, `UPDATE queue SET state = 'left', build_number = ?, left_at = ? WHERE id = ?`)
			if err != nil {
				return err
			}
			_, err = left.ExecContext(ctx, b.Number, ms(b.StartedAt), queueID)
			return err
		}
		return nil
	})
}

// FinishBuild records a build's result and duration.
func (s *Store) FinishBuild(ctx context.Context, jobID, number int64, result model.Result, d time.Duration) error {
	_, err := s.exec(ctx, `UPDATE builds SET result = ?, building = 0, duration_ms = ? WHERE job_id = ? AND number = ?`,
		string(result), d.Milliseconds(), jobID, number)
	return err
}

// SetBuildDescription sets a build's description (Run.doSubmitDescription).
func (s *Store) SetBuildDescription(ctx context.Context, jobID, number int64, description string) error {
	return s.updateBuild(ctx, `UPDATE builds SET description = ? WHERE job_id = ? AND number = ?`, description, jobID, number)
}

// SetBuildInfo sets a build's display name ("" = "#N") and description
// together (Run.doConfigSubmit), so neither is stored without the other.
func (s *Store) SetBuildInfo(ctx context.Context, jobID, number int64, displayName, description string) error {
	return s.updateBuild(ctx, `UPDATE builds SET display_name = ?, description = ? WHERE job_id = ? AND number = ?`, displayName, description, jobID, number)
}

func (s *Store) updateBuild(ctx context.Context, q string, args ...any) error {
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Build returns one build of a job.
func (s *Store) Build(ctx context.Context, jobID, number int64) (*model.Build, error) {
	return scanBuild(s.queryRow(ctx, `SELECT `+buildCols+` FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.job_id = ? AND b.number = ?`, jobID, number))
}

// Builds lists a job's builds, newest first; limit <= 0 means all.
func (s *Store) Builds(ctx context.Context, jobID int64, limit int) ([]*model.Build, error) {
	if limit <= 0 {
		limit = -1
	}
	return s.queryBuilds(ctx, `SELECT `+buildCols+` FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.job_id = ? ORDER BY b.number DESC LIMIT ?`, jobID, limit)
}

// BuildNumbers lists a job's build numbers, newest first; limit <= 0
// means all.
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
	return out, rows.Err()
}

// RunningBuilds lists every build still marked as building.
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
	return out, rows.Err()
}

// Permalink names a "last build of a kind" link (§4.7).
type Permalink string

// The permalinks Jenkins offers.
const (
	LastBuild             Permalink = "lastBuild"
	LastStableBuild       Permalink = "lastStableBuild"
	LastSuccessfulBuild   Permalink = "lastSuccessfulBuild"
	LastFailedBuild       Permalink = "lastFailedBuild"
	LastUnstableBuild     Permalink = "lastUnstableBuild"
	LastUnsuccessfulBuild Permalink = "lastUnsuccessfulBuild"
	LastCompletedBuild    Permalink = "lastCompletedBuild"
	FirstBuild            Permalink = "firstBuild"
)

// Permalinks lists every permalink but firstBuild, in Jenkins's order.
var Permalinks = []Permalink{LastBuild, LastCompletedBuild, LastFailedBuild, LastStableBuild, LastSuccessfulBuild, LastUnstableBuild, LastUnsuccessfulBuild}

// permalinkResults are the results a permalink's build may have; the
// newest finished build with one of them is the permalink's.
var permalinkResults = map[Permalink][]model.Result{
	LastStableBuild:       {model.Success},
	LastSuccessfulBuild:   {model.Success, model.Unstable},
	LastFailedBuild:       {model.Failure},
	LastUnstableBuild:     {model.Unstable},
	LastUnsuccessfulBuild: {model.Unstable, model.Failure, model.NotBuilt, model.Aborted},
}

// PermalinkNumber resolves a permalink to a build number; 0 when there is
// no such build; ok is false for an unknown permalink name. Each lookup
// walks an index from the newest build and stops at the first match, so
// its cost does not grow with the job's history.
func (s *Store) PermalinkNumber(ctx context.Context, jobID int64, p Permalink) (n int64, ok bool, err error) {
	var q string
	switch p {
	case FirstBuild:
		q = `SELECT number FROM builds WHERE job_id = ? ORDER BY number LIMIT 1`
	case LastBuild:
		q = `SELECT number FROM builds WHERE job_id = ? ORDER BY number DESC LIMIT 1`
	case LastCompletedBuild:
		q = `SELECT number FROM builds WHERE job_id = ? AND building = 0 ORDER BY number DESC LIMIT 1`
	}
	if q != "" {
		err = s.queryRow(ctx, q, jobID).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, true, nil
		}
		return n, true, err
	}
	results, known := permalinkResults[p]
	if !known {
		return 0, false, nil
	}
	for _, r := range results {
		var m int64
		err := s.queryRow(ctx, `SELECT number FROM builds INDEXED BY builds_result WHERE job_id = ? AND result = ? AND building = 0 ORDER BY number DESC LIMIT 1`, jobID, string(r)).Scan(&m)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, true, err
		}
		n = max(n, m)
	}
	return n, true, nil
}

// RecentResults returns the results of up to n most recent completed
// builds, newest first (for the health report).
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
	return out, rows.Err()
}

// LogPath is where a build's console log lives. Paths use the job's id,
// not its name, so a name never reaches the filesystem and a rename moves
// nothing.
func (s *Store) LogPath(jobID, number int64) string {
	return filepath.Join(s.home, "builds", strconv.FormatInt(jobID, 10), strconv.FormatInt(number, 10)+".log")
}

// RemoveJobFiles deletes a job's logs.
func (s *Store) RemoveJobFiles(jobID int64) error {
	return os.RemoveAll(filepath.Join(s.home, "builds", strconv.FormatInt(jobID, 10)))
}

// JobStatuses summarises every job's newest build and newest finished
// build in one query, for the in-memory job registry. It looks up a few
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
	return out, rows.Err()
}

// DeleteBuild removes a build and its log file.
func (s *Store) DeleteBuild(ctx context.Context, jobID, number int64) error {
	res, err := s.exec(ctx, `DELETE FROM builds WHERE job_id = ? AND number = ?`, jobID, number)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if err := os.Remove(s.LogPath(jobID, number)); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// JobStatus summarises one job's newest builds (see JobStatuses).
func (s *Store) JobStatus(ctx context.Context, jobID int64) (model.JobStatus, error) {
	var st model.JobStatus
	bs, err := s.Builds(ctx, jobID, 1)
	if err != nil || len(bs) == 0 {
		return st, err
	}
	st.LastNumber, st.LastBuilding = bs[0].Number, bs[0].Building
	n, _, err := s.PermalinkNumber(ctx, jobID, LastCompletedBuild)
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
