package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

func TestPermalinksFindTheNewestBuildOfTheirKind(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// #1 SUCCESS, #2 FAILURE, #3 UNSTABLE, #4 SUCCESS, #5 ABORTED, then #6 running.
	results := []model.Result{model.Success, model.Failure, model.Unstable, model.Success, model.Aborted}
	var id int64
	err = seed(ctx, st, func(b bulk) error {
		var err error
		if id, err = b.CreateJob("j", []byte("<project/>"), time.Now()); err != nil {
			return err
		}
		var bs []model.Build
		for i, r := range results {
			bs = append(bs, model.Build{Number: int64(i + 1), Result: r, StartedAt: time.Now()})
		}
		return b.AddBuilds(id, bs)
	})
	if err != nil {
		t.Fatal(err)
	}
	running := model.Build{JobID: id, StartedAt: time.Now(), Building: true}
	if err := st.StartBuild(ctx, 0, &running); err != nil || running.Number != 6 {
		t.Fatalf("start: %v, #%d", err, running.Number)
	}
	empty, err := st.CreateJob(ctx, "empty", []byte("<project/>"), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		link       model.Permalink
		job, empty int64
	}{
		{model.FirstBuild, 1, 0},
		{model.LastBuild, 6, 0},
		{model.LastCompletedBuild, 5, 0},
		{model.LastStableBuild, 4, 0},
		{model.LastSuccessfulBuild, 4, 0},
		{model.LastFailedBuild, 2, 0},
		{model.LastUnstableBuild, 3, 0},
		{model.LastUnsuccessfulBuild, 5, 0},
	}
	for _, c := range cases {
		t.Run(string(c.link)+" is the newest build of its kind, and 0 in a job without builds", func(t *testing.T) {
			n, ok, err := st.PermalinkNumber(ctx, id, c.link)
			if err != nil || !ok || n != c.job {
				t.Fatalf("got %d %v %v, want %d", n, ok, err, c.job)
			}
			n, ok, err = st.PermalinkNumber(ctx, empty.ID, c.link)
			if err != nil || !ok || n != c.empty {
				t.Fatalf("empty job: got %d %v %v, want 0", n, ok, err)
			}
		})
	}
	t.Run("an unknown permalink is not ok", func(t *testing.T) {
		if _, ok, err := st.PermalinkNumber(ctx, id, "lastGreatBuild"); ok || err != nil {
			t.Fatalf("ok %v, err %v", ok, err)
		}
	})
}

func TestJobStatusesSummariseEachJobsNewestBuilds(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var done, never int64
	err = seed(ctx, st, func(b bulk) error {
		var err error
		if done, err = b.CreateJob("done", []byte("<project/>"), time.Now()); err != nil {
			return err
		}
		if never, err = b.CreateJob("never", []byte("<project/>"), time.Now()); err != nil {
			return err
		}
		return b.AddBuilds(done, []model.Build{{Number: 1, Result: model.Success}, {Number: 2, Result: model.Failure}})
	})
	if err != nil {
		t.Fatal(err)
	}
	running := model.Build{JobID: done, StartedAt: time.Now(), Building: true}
	if err := st.StartBuild(ctx, 0, &running); err != nil {
		t.Fatal(err)
	}
	got, err := st.JobStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a job with a running build has it newest and its last finished one completed", func(t *testing.T) {
		want := model.JobStatus{LastNumber: 3, LastBuilding: true, CompletedNumber: 2, CompletedResult: model.Failure}
		if got[done] != want {
			t.Fatalf("got %+v, want %+v", got[done], want)
		}
	})
	t.Run("a job never built is absent", func(t *testing.T) {
		if _, ok := got[never]; ok {
			t.Fatalf("got %+v", got[never])
		}
	})
}
