package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// testHistory: a job's history read a page at a time, a build's
// neighbours, and the builds a user started.
func testHistory(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	job := createJob(t, st, "paged")
	other := createJob(t, st, "other")
	createUser(t, st, "alice")
	base := now()
	var imported []model.Build
	for n := int64(1); n <= 9; n++ {
		if n == 5 {
			continue // deleted long ago: the history has a hole
		}
		cause := model.Cause{Kind: model.CauseTimer}
		if n%2 == 1 {
			cause = model.Cause{Kind: model.CauseUser, UserID: "alice"}
		}
		imported = append(imported, model.Build{Number: n, Result: model.Success, StartedAt: base.Add(time.Duration(n) * time.Minute), Causes: []model.Cause{cause}})
	}
	must(t, st.ImportBuilds(ctx, job.ID, imported))
	must(t, st.ImportBuilds(ctx, other.ID, []model.Build{
		{Number: 1, Result: model.Failure, StartedAt: base.Add(90 * time.Second), Causes: []model.Cause{{Kind: model.CauseUser, UserID: "ALICE"}}},
		{Number: 2, Result: model.Success, StartedAt: base.Add(time.Hour), Causes: []model.Cause{{Kind: model.CauseTimer}, {Kind: model.CauseUser, UserID: "alice"}}},
	}))
	numbers := func(bs []*model.Build) []int64 {
		var out []int64
		for _, b := range bs {
			out = append(out, b.Number)
		}
		return out
	}

	t.Run("a page of history starts below its number, newest first, across holes", func(t *testing.T) {
		for _, c := range []struct {
			before int64
			limit  int
			want   []int64
		}{
			{0, 3, []int64{9, 8, 7}},
			{7, 3, []int64{6, 4, 3}},
			{3, 3, []int64{2, 1}},
			{1, 3, nil},
			{100, 2, []int64{9, 8}},
			{0, 0, []int64{9, 8, 7, 6, 4, 3, 2, 1}},
		} {
			bs, err := st.BuildsBefore(ctx, job.ID, c.before, c.limit)
			must(t, err)
			if got := numbers(bs); !slices.Equal(got, c.want) {
				t.Errorf("before %d, limit %d: %v, want %v", c.before, c.limit, got, c.want)
			}
			for _, b := range bs {
				if b.JobName != "paged" || b.Result != model.Success {
					t.Errorf("a paged build reads back as %+v", b)
				}
			}
		}
	})
	t.Run("the page above a build ends just above it, newest first, across holes", func(t *testing.T) {
		for _, c := range []struct {
			after int64
			limit int
			want  []int64
		}{
			{1, 3, []int64{4, 3, 2}},
			{4, 3, []int64{8, 7, 6}},
			{7, 3, []int64{9, 8}},
			{9, 3, nil},
			{0, 0, []int64{9, 8, 7, 6, 4, 3, 2, 1}},
		} {
			bs, err := st.BuildsAfter(ctx, job.ID, c.after, c.limit)
			must(t, err)
			if got := numbers(bs); !slices.Equal(got, c.want) {
				t.Errorf("after %d, limit %d: %v, want %v", c.after, c.limit, got, c.want)
			}
		}
	})
	t.Run("a build's neighbours skip the numbers no build has", func(t *testing.T) {
		for _, c := range []struct{ n, prev, next int64 }{
			{4, 3, 6}, {5, 4, 6}, {1, 0, 2}, {9, 8, 0}, {42, 9, 0},
		} {
			prev, next, err := st.AdjacentBuilds(ctx, job.ID, c.n)
			must(t, err)
			if prev != c.prev || next != c.next {
				t.Errorf("around #%d: %d and %d, want %d and %d", c.n, prev, next, c.prev, c.next)
			}
		}
		if prev, next, err := st.AdjacentBuilds(ctx, 1<<40, 1); err != nil || prev != 0 || next != 0 {
			t.Errorf("an unknown job: %d %d %v", prev, next, err)
		}
	})
	t.Run("a user's builds are those they started first, of every job, newest first, without case", func(t *testing.T) {
		bs, err := st.UserBuilds(ctx, "Alice", 10)
		must(t, err)
		var got [][2]int64
		for _, b := range bs {
			got = append(got, [2]int64{b.JobID, b.Number})
		}
		want := [][2]int64{{job.ID, 9}, {job.ID, 7}, {job.ID, 3}, {other.ID, 1}, {job.ID, 1}}
		if !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
		if bs, err := st.UserBuilds(ctx, "alice", 2); err != nil || len(bs) != 2 || bs[0].Number != 9 {
			t.Fatalf("limited: %v %v", numbers(bs), err)
		}
		if bs, err := st.UserBuilds(ctx, "nobody", 10); err != nil || len(bs) != 0 {
			t.Fatalf("nobody's: %v %v", numbers(bs), err)
		}
	})
}
