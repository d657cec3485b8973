package sqlite_test

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// bulk seeds a store with jobs and finished builds inside one
// transaction, as the benchmarks' seeding does.
type bulk struct {
	ctx context.Context
	st  *sqlite.Store
}

func (b bulk) CreateJob(name string, configXML []byte, now time.Time) (int64, error) {
	j, err := b.st.CreateJob(b.ctx, name, configXML, now, nil)
	if err != nil {
		return 0, err
	}
	return j.ID, nil
}

func (b bulk) AddBuilds(jobID int64, builds []model.Build) error {
	return b.st.ImportBuilds(b.ctx, jobID, builds)
}

func seed(ctx context.Context, st *sqlite.Store, fn func(bulk) error) error {
	return st.InTx(ctx, func(ctx context.Context) error { return fn(bulk{ctx, st}) })
}
