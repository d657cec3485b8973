package sqlite_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// TestAuthoritySurvivesARestart: whom a job's builds act for, and whom
// each waiting item acts for, are read back after the store is reopened,
// so a restart never widens (or loses) what a queued build may trigger.
func TestAuthoritySurvivesARestart(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	alice := &model.Authority{User: "alice"}
	token := &model.Authority{User: "admin", Scopes: []string{"build"}, Jobs: "team-*"}
	job, err := st.CreateJob(ctx, "saved", []byte("<project/>"), time.Now(), alice)
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := st.CreateJob(ctx, "legacy", []byte("<project/>"), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateJobConfig(ctx, legacy.ID, []byte("<project/>"), token); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*model.Authority{token, nil, {}} {
		it := &model.QueueItem{JobID: job.ID, EnqueuedAt: time.Now(), DueAt: time.Now().Add(time.Hour), Auth: a}
		if err := st.Enqueue(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	if st, err = sqlite.Open(home); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t.Run("each job's saver is read back", func(t *testing.T) {
		for name, want := range map[string]*model.Authority{"saved": alice, "legacy": token} {
			j, err := st.Job(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(j.ConfiguredBy, want) {
				t.Errorf("%s: configured by %+v, want %+v", name, j.ConfiguredBy, want)
			}
		}
	})
	t.Run("each waiting item's authority is read back, nil and anonymous told apart", func(t *testing.T) {
		items, err := st.Waiting(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []*model.Authority{token, nil, {}}
		if len(items) != len(want) {
			t.Fatalf("%d items", len(items))
		}
		for i, it := range items {
			if !reflect.DeepEqual(it.Auth, want[i]) {
				t.Errorf("item %d: %+v, want %+v", i, it.Auth, want[i])
			}
		}
	})
}
