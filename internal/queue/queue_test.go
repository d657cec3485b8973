package queue

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// world is a queue on a real SQLite store with two jobs.
type world struct {
	st     *sqlite.Store
	q      *Queue
	a, b   *model.Job
	home   string
	config Config
}

func newWorld(t *testing.T, cfg Config) *world {
	t.Helper()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &world{st: st, home: home, config: cfg}
	for _, name := range []string{"a", "b"} {
		j, err := st.CreateJob(context.Background(), name, []byte("<project/>"), time.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if name == "a" {
			w.a = j
		} else {
			w.b = j
		}
	}
	w.q = w.open(t)
	return w
}

// open makes a queue on the world's store, as a start of jeeves does.
func (w *world) open(t *testing.T) *Queue {
	t.Helper()
	q, err := New(context.Background(), w.config, w.st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q
}

var (
	atOnce = time.Duration(0)
	hour   = time.Hour
	alice  = &model.Authority{User: "alice"}
	bob    = &model.Authority{User: "bob"}
	user   = model.Cause{Kind: model.CauseUser, UserID: "alice"}
	timer  = model.Cause{Kind: model.CauseTimer}
)

func (w *world) schedule(t *testing.T, j *model.Job, cause model.Cause, by *model.Authority, params []model.ParamValue, quiet *time.Duration) (*model.QueueItem, bool) {
	t.Helper()
	it, created, err := w.q.Schedule(context.Background(), j, cause, by, params, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return it, created
}

// awaitReady waits for the queue's Ready event.
func awaitReady(t *testing.T, q *Queue) {
	t.Helper()
	select {
	case <-q.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("Ready never fired")
	}
}

func TestFolding(t *testing.T) {
	w := newWorld(t, Config{QuietPeriod: time.Hour})
	p1 := []model.ParamValue{{Name: "P", Value: "1"}}
	p2 := []model.ParamValue{{Name: "P", Value: "2"}}
	first, created := w.schedule(t, w.a, user, alice, p1, nil)
	if !created {
		t.Fatal("the first request made no item")
	}
	cases := []struct {
		name   string
		job    *model.Job
		cause  model.Cause
		by     *model.Authority
		params []model.ParamValue
		folds  bool
		causes int // the first item's causes after the request
	}{
		{name: "the same cause for the same job, parameters and authority folds, and is kept once", job: w.a, cause: user, by: alice, params: p1, folds: true, causes: 1},
		{name: "another cause folds too, and is added", job: w.a, cause: timer, by: alice, params: p1, folds: true, causes: 2},
		{name: "other parameters make a new item", job: w.a, cause: user, by: alice, params: p2, causes: 2},
		{name: "another authority makes a new item", job: w.a, cause: user, by: bob, params: p1, causes: 2},
		{name: "no authority is not anyone's", job: w.a, cause: user, params: p1, causes: 2},
		{name: "another job makes a new item", job: w.b, cause: user, by: alice, params: p1, causes: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it, created := w.schedule(t, c.job, c.cause, c.by, c.params, nil)
			if created == c.folds || (it.ID == first.ID) != c.folds {
				t.Fatalf("created %v, item %d (first %d)", created, it.ID, first.ID)
			}
			got, err := w.q.Item(context.Background(), first.ID)
			if err != nil || len(got.Item.Causes) != c.causes {
				t.Fatalf("first item %+v %v", got, err)
			}
		})
	}
	t.Run("a restart finds the same items, with the same ids and causes", func(t *testing.T) {
		before := w.q.Items()
		after := w.open(t).Items()
		if len(after) != len(before) || len(after) != 5 {
			t.Fatalf("%d items after, %d before", len(after), len(before))
		}
		for i := range after {
			if after[i].Item.ID != before[i].Item.ID || len(after[i].Item.Causes) != len(before[i].Item.Causes) {
				t.Fatalf("item %d: %+v, was %+v", i, after[i].Item, before[i].Item)
			}
		}
	})
}

// TestFoldingCommits: requests that name a commit to build fold only
// into an item that builds the same commit, as Jenkins's
// RevisionParameterAction decides.
func TestFoldingCommits(t *testing.T) {
	w := newWorld(t, Config{QuietPeriod: time.Hour})
	commit := func(sha string) model.Cause {
		return model.Cause{Kind: model.CauseCommitHook, Commit: sha, RepoURL: "https://example.com/app.git"}
	}
	first, _ := w.schedule(t, w.a, commit("aaaa"), nil, nil, nil)
	cases := []struct {
		name  string
		cause model.Cause
		folds bool
	}{
		{name: "the same commit folds", cause: commit("aaaa"), folds: true},
		{name: "another commit makes a new item", cause: commit("bbbb")},
		{name: "a request without a commit does not fold into one that has", cause: timer},
		{name: "the same commit from another repository makes a new item",
			cause: model.Cause{Kind: model.CauseCommitHook, Commit: "aaaa", RepoURL: "https://example.com/other.git"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it, created := w.schedule(t, w.a, c.cause, nil, nil, nil)
			if created == c.folds || (it.ID == first.ID) != c.folds {
				t.Fatalf("created %v, item %d (first %d)", created, it.ID, first.ID)
			}
		})
	}
	t.Run("a commit does not fold into an item without one", func(t *testing.T) {
		plain, _ := w.schedule(t, w.b, timer, nil, nil, nil)
		it, created := w.schedule(t, w.b, commit("aaaa"), nil, nil, nil)
		if !created || it.ID == plain.ID {
			t.Fatalf("created %v, item %d (plain %d)", created, it.ID, plain.ID)
		}
	})
	t.Run("the commit outlives a restart", func(t *testing.T) {
		for _, wt := range w.open(t).Items() {
			if wt.Item.ID == first.ID {
				if c, repo := model.Revision(wt.Item.Causes); c != "aaaa" || repo != "https://example.com/app.git" {
					t.Fatalf("causes %+v", wt.Item.Causes)
				}
				return
			}
		}
		t.Fatal("the first item is gone")
	})
}

func TestQuietPeriod(t *testing.T) {
	seconds := func(n int) *int { return &n }
	short := 20 * time.Millisecond
	t.Run("an item waits out the global quiet period, and says so", func(t *testing.T) {
		w := newWorld(t, Config{QuietPeriod: time.Hour})
		w.schedule(t, w.a, user, nil, nil, nil)
		items := w.q.Items()
		if len(items) != 1 || items[0].Ready || !strings.HasPrefix(items[0].Why, "In the quiet period. Expires in 59 min") {
			t.Fatalf("items %+v", items)
		}
		if due := w.q.Due(time.Now(), nil); len(due) != 0 {
			t.Fatalf("due %+v", due)
		}
	})
	t.Run("the job's quiet period replaces the global one, and a request's replaces both", func(t *testing.T) {
		w := newWorld(t, Config{QuietPeriod: time.Hour})
		job := *w.a
		job.Config.QuietPeriod = seconds(0)
		w.schedule(t, &job, user, nil, nil, nil)
		w.schedule(t, w.b, user, nil, nil, &atOnce)
		if due := w.q.Due(time.Now(), nil); len(due) != 2 {
			t.Fatalf("due %+v", due)
		}
		job.Config.QuietPeriod = seconds(0)
		w.schedule(t, &job, user, alice, nil, &hour)
		if due := w.q.Due(time.Now(), nil); len(due) != 2 {
			t.Fatalf("due %+v", due)
		}
	})
	t.Run("Ready fires when an item due at once is added", func(t *testing.T) {
		w := newWorld(t, Config{QuietPeriod: time.Hour})
		w.schedule(t, w.a, user, nil, nil, &atOnce)
		awaitReady(t, w.q)
	})
	t.Run("Ready fires when the earliest quiet period ends, whatever the order of scheduling", func(t *testing.T) {
		w := newWorld(t, Config{})
		w.schedule(t, w.a, user, nil, nil, &hour)
		it, _ := w.schedule(t, w.b, user, nil, nil, &short)
		awaitReady(t, w.q)
		due := w.q.Due(time.Now(), nil)
		if len(due) != 1 || due[0].ID != it.ID {
			t.Fatalf("due %+v", due)
		}
		if items := w.q.Items(); !items[1].Ready || items[1].Why != "Waiting for next available executor" {
			t.Fatalf("items %+v", items)
		}
	})
	t.Run("SetQuietPeriod changes the period of items scheduled later", func(t *testing.T) {
		w := newWorld(t, Config{QuietPeriod: time.Hour})
		w.q.SetQuietPeriod(0)
		w.schedule(t, w.a, user, nil, nil, nil)
		if due := w.q.Due(time.Now(), nil); len(due) != 1 {
			t.Fatalf("due %+v", due)
		}
	})
	t.Run("items the store held that are due fire Ready at start", func(t *testing.T) {
		w := newWorld(t, Config{})
		w.schedule(t, w.a, user, nil, nil, &atOnce)
		q := w.open(t)
		awaitReady(t, q)
	})
}

func TestCancel(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, Config{QuietPeriod: time.Hour})
	it, _ := w.schedule(t, w.a, user, nil, nil, nil)
	other, _ := w.schedule(t, w.b, user, nil, nil, nil)
	if err := w.q.Cancel(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	t.Run("a cancelled item leaves the queue", func(t *testing.T) {
		if items := w.q.Items(); len(items) != 1 || items[0].Item.ID != other.ID {
			t.Fatalf("items %+v", items)
		}
		if w.q.JobItem(w.a.ID) != nil {
			t.Fatal("the job still has an item")
		}
	})
	t.Run("it stays readable for a while, as left and cancelled", func(t *testing.T) {
		got, err := w.q.Item(ctx, it.ID)
		if err != nil || got.Item.State != model.QueueLeft || !got.Item.Cancelled {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("cancelling it again, or an item that never was, is ErrNotFound", func(t *testing.T) {
		for _, id := range []int64{it.ID, 999} {
			if err := w.q.Cancel(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("cancel %d: %v", id, err)
			}
		}
		if _, err := w.q.Item(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("item: %v", err)
		}
	})
	t.Run("CancelJob takes every item of the job", func(t *testing.T) {
		w.schedule(t, w.b, user, alice, nil, nil)
		if err := w.q.CancelJob(ctx, w.b.ID); err != nil {
			t.Fatal(err)
		}
		if items := w.q.Items(); len(items) != 0 {
			t.Fatalf("items %+v", items)
		}
		if after := w.open(t).Items(); len(after) != 0 {
			t.Fatalf("after a restart %+v", after)
		}
	})
}

// blocker blocks every item of one job.
type blocker int64

func (b blocker) Why(it *model.QueueItem) (string, bool) {
	if it.JobID == int64(b) {
		return "Build #1 is already in progress", true
	}
	return "Waiting for next available executor", false
}

func TestTake(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, Config{})
	it, _ := w.schedule(t, w.a, user, nil, nil, &atOnce)
	w.schedule(t, w.b, user, nil, nil, &atOnce)
	t.Run("the blocker says why a due item waits", func(t *testing.T) {
		w.q.SetBlocker(blocker(w.a.ID))
		items := w.q.Items()
		if !items[0].Blocked || items[0].Why != "Build #1 is already in progress" || items[1].Blocked {
			t.Fatalf("items %+v", items)
		}
		if j := w.q.JobItem(w.a.ID); j == nil || !j.Blocked {
			t.Fatalf("job item %+v", j)
		}
	})
	t.Run("a start that fails leaves the item waiting", func(t *testing.T) {
		err := w.q.Take(it.ID, func(*model.QueueItem) error { return errors.New("disk full") })
		if err == nil || len(w.q.Items()) != 2 {
			t.Fatalf("take: %v, items %+v", err, w.q.Items())
		}
	})
	t.Run("a start that succeeds takes the item out", func(t *testing.T) {
		err := w.q.Take(it.ID, func(got *model.QueueItem) error {
			if got.ID != it.ID {
				t.Errorf("start got item %d", got.ID)
			}
			b := &model.Build{JobID: got.JobID, StartedAt: time.Now()}
			return w.st.StartBuild(ctx, got.ID, b)
		})
		if err != nil || len(w.q.Items()) != 1 {
			t.Fatalf("take: %v, items %+v", err, w.q.Items())
		}
		left, err := w.q.Item(ctx, it.ID)
		if err != nil || left.Item.State != model.QueueLeft || left.Item.BuildNumber != 1 {
			t.Fatalf("left item %+v %v", left, err)
		}
	})
	t.Run("an item no longer waiting cannot be taken", func(t *testing.T) {
		if err := w.q.Take(it.ID, func(*model.QueueItem) error { t.Fatal("started"); return nil }); !errors.Is(err, ErrNotFound) {
			t.Fatalf("take: %v", err)
		}
	})
	t.Run("a closed queue refuses new items and keeps the waiting ones", func(t *testing.T) {
		w.q.Close()
		if _, _, err := w.q.Schedule(ctx, w.a, user, nil, nil, nil); !errors.Is(err, ErrStopping) {
			t.Fatalf("schedule: %v", err)
		}
		if len(w.open(t).Items()) != 1 {
			t.Fatal("the waiting item was lost")
		}
	})
}
