package jobs_test

import (
	"context"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

const project = `<project><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`

// Children hands out the stored jobs without copying them, so a change
// must replace a job, never change it in place.
func TestListedJobsStayAsTheyWereListed(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b", "A", "c"} {
		if _, err := s.Create(ctx, "", name, []byte(project), nil); err != nil {
			t.Fatal(err)
		}
	}
	listed := s.Children("")
	if len(listed) != 3 || listed[0].Name != "A" || listed[1].Name != "b" || listed[2].Name != "c" {
		t.Fatalf("listed %v, want A, b, c", names(listed))
	}
	b := listed[1]
	s.BuildStarted(b.ID, 1)
	s.BuildFinished(b.ID, 1, model.Failure)
	if _, err := s.UpdateConfig(ctx, "b", []byte(`<project><description>new</description></project>`), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rename(ctx, "c", "0-first"); err != nil {
		t.Fatal(err)
	}
	t.Run("a job listed before a build keeps the status it was listed with", func(t *testing.T) {
		if b.Status != (model.JobStatus{}) || b.Config.Description != "" {
			t.Fatalf("the listed job changed: %+v %q", b.Status, b.Config.Description)
		}
	})
	t.Run("a new listing shows the build, the new config and the new name in order", func(t *testing.T) {
		now := s.Children("")
		if got := names(now); len(got) != 3 || got[0] != "0-first" || got[1] != "A" || got[2] != "b" {
			t.Fatalf("listed %v, want 0-first, A, b", got)
		}
		nb := now[2]
		if nb.Status.CompletedNumber != 1 || nb.Status.CompletedResult != model.Failure || nb.NextBuildNumber != 2 || nb.Config.Description != "new" {
			t.Fatalf("b now %+v next %d %q", nb.Status, nb.NextBuildNumber, nb.Config.Description)
		}
	})
	t.Run("a deleted job leaves the listing", func(t *testing.T) {
		if err := s.Delete(ctx, "A"); err != nil {
			t.Fatal(err)
		}
		if got := names(s.Children("")); len(got) != 2 || got[0] != "0-first" || got[1] != "b" {
			t.Fatalf("listed %v", got)
		}
	})
}

func names(js []*model.Job) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.Name
	}
	return out
}

func TestResolve(t *testing.T) {
	cases := []struct{ from, name, want string }{
		{"up", "child", "child"},
		{"f/up", "child", "f/child"},
		{"f/up", " child ", "f/child"},
		{"f/up", "/top", "top"},
		{"f/up", "/g/x/", "g/x"},
	}
	for _, c := range cases {
		t.Run(c.name+" named in "+c.from+" is "+c.want, func(t *testing.T) {
			if got := jobs.Resolve(c.from, c.name); got != c.want {
				t.Fatalf("Resolve(%q, %q) = %q", c.from, c.name, got)
			}
		})
	}
}
