package builds

import (
	"context"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Page returns up to limit of a job's builds numbered below before
// (before <= 0: the newest), newest first, and whether older builds
// follow: a page of the job's history, read alone however long the
// history is.
func (s *Service) Page(ctx context.Context, jobID, before int64, limit int) (page []*model.Build, more bool, err error) {
	bs, err := s.store.BuildsBefore(ctx, jobID, before, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(bs) > limit {
		return bs[:limit], true, nil
	}
	return bs, false, nil
}

// PageAfter returns up to limit of a job's builds numbered just above
// after, newest first, and whether newer builds follow: the page of
// history before the one that starts at after.
func (s *Service) PageAfter(ctx context.Context, jobID, after int64, limit int) (page []*model.Build, more bool, err error) {
	bs, err := s.store.BuildsAfter(ctx, jobID, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(bs) > limit {
		return bs[1:], true, nil
	}
	return bs, false, nil
}

// Adjacent is the number of the build before number and of the one
// after it, skipping deleted numbers; 0 where there is none.
func (s *Service) Adjacent(ctx context.Context, jobID, number int64) (prev, next int64, err error) {
	return s.store.AdjacentBuilds(ctx, jobID, number)
}

// ByUser returns up to limit builds the user started (their first
// cause names the user), of every job, newest first.
func (s *Service) ByUser(ctx context.Context, userID string, limit int) ([]*model.Build, error) {
	return s.store.UserBuilds(ctx, userID, limit)
}
