package farm

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// TestWiring runs builds through the farm as the server does, on SQLite
// and the local launcher: the parts are put together as they were in
// the one queue package.
func TestWiring(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	js, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	finished := make(chan model.Build, 8)
	f, err := New(ctx, Config{Executors: 1, QuietPeriod: time.Hour, Home: home, ListenURL: "http://127.0.0.1:1/",
		OnFinish: func(b model.Build) { finished <- b },
		Permits:  func(*model.Authority, *model.Job) (bool, bool) { return true, true },
	}, st, js)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Shutdown(0) })
	create := func(name, xml string) *model.Job {
		j, err := js.Create(ctx, "", name, []byte(xml), &model.Authority{User: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	child := create("child", `<project><builders><hudson.tasks.Shell><command>echo child</command></hudson.tasks.Shell></builders></project>`)
	up := create("up", `<project><builders><hudson.tasks.Shell><command>echo "url=$JENKINS_URL"</command></hudson.tasks.Shell></builders>
<publishers><hudson.tasks.BuildTrigger><childProjects>child</childProjects><threshold><name>SUCCESS</name></threshold></hudson.tasks.BuildTrigger></publishers></project>`)
	log := func(b model.Build) string {
		r, err := blob.NewDir(home).Open(blob.LogKey(b.JobID, b.Number))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		s, _ := io.ReadAll(r)
		return string(s)
	}
	// await is the next build of job to finish; the others that finish
	// meanwhile are kept for their turn (a downstream build may finish
	// before its upstream's end is told).
	var early []model.Build
	await := func(job *model.Job) model.Build {
		for i, b := range early {
			if b.JobID == job.ID {
				early = append(early[:i], early[i+1:]...)
				return b
			}
		}
		for {
			select {
			case b := <-finished:
				if b.JobID == job.ID {
					return b
				}
				early = append(early, b)
			case <-time.After(30 * time.Second):
				t.Fatal("no build of", job.Name, "finished")
				return model.Build{}
			}
		}
	}

	f.SetDefaults(0, "https://ci.example/")
	if _, _, err := f.Schedule(ctx, up, model.Cause{Kind: model.CauseUser, UserID: "admin"}, &model.Authority{User: "admin"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	b := await(up)
	t.Run("SetDefaults reaches the queue's quiet period and the builds' root URL", func(t *testing.T) {
		if b.JobID != up.ID || b.Result != model.Success || !strings.Contains(log(b), "\nurl=https://ci.example/\n") {
			t.Fatalf("%+v:\n%s", b, log(b))
		}
	})
	t.Run("the downstream trigger writes in the upstream console before Finished, and its build runs", func(t *testing.T) {
		if !strings.HasSuffix(log(b), "Triggering a new build of child\nFinished: SUCCESS\n") {
			t.Fatalf("console:\n%s", log(b))
		}
		if c := await(child); c.JobID != child.ID || !strings.HasPrefix(log(c), `Started by upstream project "up" build number 1`) {
			t.Fatalf("%+v:\n%s", c, log(c))
		}
	})
	t.Run("after Shutdown nothing is scheduled", func(t *testing.T) {
		f.Shutdown(time.Second)
		if _, _, err := f.Schedule(ctx, up, model.Cause{Kind: model.CauseUser}, nil, nil, nil); err == nil {
			t.Fatal("scheduled after shutdown")
		}
		if items := f.Items(); len(items) != 0 {
			t.Fatalf("items %+v", items)
		}
	})
}

// recoverer is a contributor that records the builds it is asked to
// clean up after.
type recoverer struct{ stale chan []*model.Build }

func (recoverer) For(*model.Job) *executor.Part { return nil }
func (r recoverer) Recover(_ context.Context, _ *executor.Node, stale []*model.Build) {
	r.stale <- stale
}

// TestContributorsRecover: the contributors given to New are registered
// before the recovery, so they clean up after the builds a dead jeeves
// left running.
func TestContributorsRecover(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	js, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	j, err := js.Create(ctx, "", "left", []byte(`<project/>`), nil)
	if err != nil {
		t.Fatal(err)
	}
	left := &model.Build{JobID: j.ID, StartedAt: time.Now(), Building: true}
	if err := st.StartBuild(ctx, 0, left); err != nil {
		t.Fatal(err)
	}
	r := recoverer{stale: make(chan []*model.Build, 1)}
	f, err := New(ctx, Config{Executors: 1, Home: home, Contributors: []executor.Contributor{r}}, st, js)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Shutdown(0) })
	select {
	case stale := <-r.stale:
		if len(stale) != 1 || stale[0].Number != left.Number || stale[0].JobName != "left" {
			t.Fatalf("%+v", stale)
		}
	default:
		t.Fatal("the contributor was not asked to recover")
	}
}

// contributorFunc is an executor.Contributor from a function.
type contributorFunc func(*model.Job) *executor.Part

func (f contributorFunc) For(j *model.Job) *executor.Part { return f(j) }

// TestContributorsTakePartFromTheStart: the contributors of the
// configuration are registered before the farm picks up the items a
// previous run left waiting, so those are built with them too.
func TestContributorsTakePartFromTheStart(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	js, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	j, err := js.Create(ctx, "", "left", []byte(`<project><builders><hudson.tasks.Shell><command>echo step</command></hudson.tasks.Shell></builders></project>`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Enqueue(ctx, &model.QueueItem{JobID: j.ID, Causes: []model.Cause{{Kind: model.CauseTimer}}, EnqueuedAt: time.Now(), DueAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	finished := make(chan model.Build, 1)
	part := &executor.Part{Name: "scm", Runs: []string{"x.SCM"},
		Checkout: func(_ context.Context, b *executor.Build) error {
			io.WriteString(b.Console(), "checked out\n")
			return nil
		}}
	f, err := New(ctx, Config{Executors: 1, Home: home, OnFinish: func(b model.Build) { finished <- b },
		Contributors: []executor.Contributor{contributorFunc(func(*model.Job) *executor.Part { return part })}}, st, js)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Shutdown(0) })
	var b model.Build
	select {
	case b = <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting item was not built")
	}
	r, err := blob.NewDir(home).Open(blob.LogKey(b.JobID, b.Number))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	log, _ := io.ReadAll(r)
	if !strings.Contains(string(log), "checked out\n") || b.Result != model.Success {
		t.Fatalf("%s:\n%s", b.Result, log)
	}
	t.Run("the job page's list leaves out what a contributor runs", func(t *testing.T) {
		job := &model.Job{Config: model.JobConfig{Unsupported: []model.Unsupported{{Kind: model.KindSCM, Class: "x.SCM"}}}}
		if got := f.Unsupported(job); len(got) != 0 {
			t.Fatalf("%v", got)
		}
	})
}
