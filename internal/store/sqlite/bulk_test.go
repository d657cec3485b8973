package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

func TestBulkWritesJobsAndBuildsTheServerReads(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	var id int64
	err = seed(ctx, st, func(b bulk) error {
		var err error
		if id, err = b.CreateJob("seeded", []byte("<project/>"), now); err != nil {
			return err
		}
		builds := make([]model.Build, 3)
		for i := range builds {
			builds[i] = model.Build{Number: int64(i + 1), Result: model.Success, StartedAt: now, Duration: time.Second,
				Causes: []model.Cause{{Kind: model.CauseUser, UserID: "admin"}}}
		}
		builds[2].Result = model.Failure
		return b.AddBuilds(id, builds)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the job takes its next number after the seeded builds", func(t *testing.T) {
		j, err := st.Job(ctx, "seeded")
		if err != nil {
			t.Fatal(err)
		}
		if j.NextBuildNumber != 4 {
			t.Fatalf("next build number %d, want 4", j.NextBuildNumber)
		}
	})
	t.Run("the builds read back finished, with their results and causes", func(t *testing.T) {
		bs, err := st.Builds(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != 3 || bs[0].Number != 3 || bs[0].Result != model.Failure || bs[0].Building || len(bs[0].Causes) != 1 {
			t.Fatalf("builds %+v", bs)
		}
	})
	t.Run("a second job with the same name is refused and nothing is half-written", func(t *testing.T) {
		err := seed(ctx, st, func(b bulk) error {
			if _, err := b.CreateJob("other", []byte("<project/>"), now); err != nil {
				return err
			}
			_, err := b.CreateJob("seeded", []byte("<project/>"), now)
			return err
		})
		if !errors.Is(err, store.ErrExists) {
			t.Fatalf("err %v, want ErrExists", err)
		}
		if _, err := st.Job(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the rolled-back job is there: %v", err)
		}
	})
}
