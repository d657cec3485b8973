package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// The history's queries; history_test.go checks that each reads an index.
const (
	buildsBeforeQuery   = `SELECT ` + buildCols + ` FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.job_id = ? AND b.number < ? ORDER BY b.number DESC LIMIT ?`
	buildsAfterQuery    = `SELECT ` + buildCols + ` FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.job_id = ? AND b.number > ? ORDER BY b.number LIMIT ?`
	adjacentBuildsQuery = `SELECT (SELECT max(number) FROM builds WHERE job_id = ? AND number < ?), (SELECT min(number) FROM builds WHERE job_id = ? AND number > ?)`
	// The expression is the builds_started_by index's, word for word.
	userBuildsQuery = `SELECT ` + buildCols + ` FROM builds b JOIN jobs j ON j.id = b.job_id WHERE json_extract(b.causes, '$[0].userId') = ? COLLATE NOCASE ORDER BY b.started_at DESC LIMIT ?`
)

// BuildsBefore implements store.Builds: it walks the primary key down
// from before, so a page costs the same however long the history is.
func (s *Store) BuildsBefore(ctx context.Context, jobID, before int64, limit int) ([]*model.Build, error) {
	if before <= 0 {
		before = 1 << 62
	}
	if limit <= 0 {
		limit = -1
	}
	return s.queryBuilds(ctx, buildsBeforeQuery, jobID, before, limit)
}

// BuildsAfter implements store.Builds: it walks the primary key up from
// after, and turns the page round.
func (s *Store) BuildsAfter(ctx context.Context, jobID, after int64, limit int) ([]*model.Build, error) {
	if limit <= 0 {
		limit = -1
	}
	bs, err := s.queryBuilds(ctx, buildsAfterQuery, jobID, after, limit)
	slices.Reverse(bs)
	return bs, err
}

// AdjacentBuilds implements store.Builds with two seeks of the primary
// key.
func (s *Store) AdjacentBuilds(ctx context.Context, jobID, number int64) (prev, next int64, err error) {
	var p, n sql.NullInt64
	if err := s.queryRow(ctx, adjacentBuildsQuery, jobID, number, jobID, number).Scan(&p, &n); err != nil {
		return 0, 0, err
	}
	return p.Int64, n.Int64, nil
}

// UserBuilds implements store.Builds through the builds_started_by
// index.
func (s *Store) UserBuilds(ctx context.Context, userID string, limit int) ([]*model.Build, error) {
	if limit <= 0 {
		limit = -1
	}
	return s.queryBuilds(ctx, userBuildsQuery, userID, limit)
}
