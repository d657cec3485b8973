package scheduler

import (
	"context"
	"errors"
	"fmt"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"sync"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// fakeRun is a build that runs until the test ends or aborts it.
type fakeRun struct {
	b       model.Build
	node    *executor.Node
	slot    int
	done    func()
	over    chan struct{}
	once    sync.Once
	aborted string
}

func (r *fakeRun) Build() model.Build    { return r.b }
func (r *fakeRun) Done() <-chan struct{} { return r.over }
func (r *fakeRun) Abort(by string)       { r.aborted = by; r.end() }

// end finishes the build as the executor does: the executor is freed,
// then Done is closed.
func (r *fakeRun) end() {
	r.once.Do(func() { r.done(); close(r.over) })
}

// fakeStarter starts fake builds, numbering each job's from 1.
type fakeStarter struct {
	mu      sync.Mutex
	numbers map[int64]int64
	fail    int // how many starts fail before they work again
	started chan *fakeRun
}

func (f *fakeStarter) Start(it *model.QueueItem, job *model.Job, node *executor.Node, slot int, done func()) (Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return nil, errors.New("database is locked")
	}
	f.numbers[job.ID]++
	r := &fakeRun{b: model.Build{JobID: job.ID, JobName: job.Name, Number: f.numbers[job.ID], Executor: slot, Building: true, QueueID: it.ID},
		node: node, slot: slot, done: done, over: make(chan struct{})}
	f.started <- r
	return r, nil
}

type world struct {
	s       *Scheduler
	q       *queue.Queue
	js      *jobs.Service
	starter *fakeStarter
	node    *executor.Node
}

// newWorld is a scheduler over a real queue on SQLite, with one node
// (the built-in) of n executors and builds that run until ended.
func newWorld(t *testing.T, n int, cfg Config) *world {
	t.Helper()
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
	q, err := queue.New(ctx, queue.Config{}, st)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{q: q, js: js, starter: &fakeStarter{numbers: map[int64]int64{}, started: make(chan *fakeRun, 64)},
		node: &executor.Node{Name: "built-in", Labels: []string{"built-in"}}}
	if w.s, err = New(cfg, q, js, w.starter, NodeConfig{Node: w.node, Executors: n}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.s.Shutdown()
		for {
			select {
			case r := <-w.starter.started:
				r.end()
			default:
				return
			}
		}
	})
	return w
}

func (w *world) job(t *testing.T, name string, concurrent bool) *model.Job {
	t.Helper()
	xml := "<project><concurrentBuild>" + fmt.Sprint(concurrent) + "</concurrentBuild></project>"
	j, err := w.js.Create(context.Background(), "", name, []byte(xml), nil)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

var atOnce = time.Duration(0)

// schedule queues a build of j due at once; by tells items of one job
// apart.
func (w *world) schedule(t *testing.T, j *model.Job, by string) *model.QueueItem {
	t.Helper()
	it, created, err := w.q.Schedule(context.Background(), j, model.Cause{Kind: model.CauseUser, UserID: by}, &model.Authority{User: by}, nil, &atOnce)
	if err != nil || !created {
		t.Fatalf("schedule: %v, created %v", err, created)
	}
	return it
}

// started waits for the next build to start.
func (w *world) started(t *testing.T) *fakeRun {
	t.Helper()
	select {
	case r := <-w.starter.started:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("no build started")
		return nil
	}
}

// startsNothing runs one pass of the scheduler and checks it started
// nothing (a pass of its own loop started nothing either, or it would
// be seen here).
func (w *world) startsNothing(t *testing.T) {
	t.Helper()
	w.s.startDue()
	select {
	case r := <-w.starter.started:
		t.Fatalf("%s #%d started", r.b.JobName, r.b.Number)
	default:
	}
}

func (w *world) why(t *testing.T, id int64) queue.Waiting {
	t.Helper()
	got, err := w.q.Item(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return *got
}

func TestStarting(t *testing.T) {
	w := newWorld(t, 2, Config{})
	solo := w.job(t, "solo", false)
	many := w.job(t, "many", true)

	first := w.schedule(t, solo, "a")
	r1 := w.started(t)
	t.Run("a due item starts on the first free executor of the node", func(t *testing.T) {
		if r1.b.JobID != solo.ID || r1.b.QueueID != first.ID || r1.slot != 0 || r1.node != w.node {
			t.Fatalf("started %+v on %s slot %d", r1.b, r1.node.Name, r1.slot)
		}
		if b, ok := w.s.Running(solo.ID, 1); !ok || b.Number != 1 || !w.s.Busy(solo.ID) {
			t.Fatalf("running %+v %v", b, ok)
		}
	})
	second := w.schedule(t, solo, "b")
	t.Run("a job that is not concurrent waits while its build runs, and says so", func(t *testing.T) {
		w.startsNothing(t)
		if got := w.why(t, second.ID); !got.Blocked || got.Why != "Build #1 is already in progress" {
			t.Fatalf("item %+v", got)
		}
	})
	t.Run("a concurrent job's builds start at once, side by side", func(t *testing.T) {
		w.schedule(t, many, "a")
		r := w.started(t)
		if r.b.JobID != many.ID || r.slot != 1 {
			t.Fatalf("started %+v slot %d", r.b, r.slot)
		}
		third := w.schedule(t, many, "b")
		w.startsNothing(t)
		if got := w.why(t, third.ID); got.Blocked || got.Why != "Waiting for next available executor" {
			t.Fatalf("item %+v", got)
		}
		if ex := w.s.Executors(); len(ex) != 2 || ex[0].JobID != solo.ID || ex[1].JobID != many.ID {
			t.Fatalf("executors %+v", ex)
		}
	})
	t.Run("the end of a build starts the next waiting item at once, oldest first", func(t *testing.T) {
		r1.end()
		r := w.started(t)
		if r.b.JobID != solo.ID || r.b.QueueID != second.ID || r.slot != 0 {
			t.Fatalf("started %+v slot %d", r.b, r.slot)
		}
	})
}

func TestSetExecutors(t *testing.T) {
	w := newWorld(t, 0, Config{})
	j := w.job(t, "j", true)
	w.schedule(t, j, "a")
	w.schedule(t, j, "b")
	t.Run("with no executor nothing starts", func(t *testing.T) {
		w.startsNothing(t)
		if ex := w.s.Executors(); len(ex) != 0 {
			t.Fatalf("executors %+v", ex)
		}
	})
	w.s.SetExecutors(2)
	a, b := w.started(t), w.started(t)
	t.Run("growing starts waiting builds at once", func(t *testing.T) {
		if a.slot != 0 || b.slot != 1 {
			t.Fatalf("slots %d %d", a.slot, b.slot)
		}
	})
	w.s.SetExecutors(1)
	third := w.schedule(t, j, "c")
	t.Run("shrinking lets running builds finish and starts none on the executors that go", func(t *testing.T) {
		if ex := w.s.Executors(); len(ex) != 2 || ex[1] == nil {
			t.Fatalf("executors %+v", ex)
		}
		b.end()
		w.startsNothing(t)
		if ex := w.s.Executors(); len(ex) != 1 {
			t.Fatalf("executors after the build on the one that goes ended: %+v", ex)
		}
		a.end()
		if r := w.started(t); r.b.QueueID != third.ID || r.slot != 0 {
			t.Fatalf("started %+v slot %d", r.b, r.slot)
		}
	})
	t.Run("a negative count is no executor", func(t *testing.T) {
		w.s.SetExecutors(-1)
		if ex := w.s.Executors(); len(ex) != 1 { // the running build still shows
			t.Fatalf("executors %+v", ex)
		}
	})
	if _, err := New(Config{}, w.q, w.js, w.starter, NodeConfig{Node: w.node, Executors: -1}); err == nil {
		t.Fatal("a node with negative executors was accepted")
	}
}

func TestLabels(t *testing.T) {
	labels := map[string]Label{"linux": Atom("linux"), "here": Atom("built-in")}
	w := newWorld(t, 2, Config{LabelOf: func(j *model.Job) Label { return labels[j.Name] }})
	linux := w.schedule(t, w.job(t, "linux", false), "a")
	t.Run("a job whose label no node carries does not start", func(t *testing.T) {
		w.startsNothing(t)
		if got := w.why(t, linux.ID); got.Why != "Waiting for next available executor" {
			t.Fatalf("item %+v", got)
		}
	})
	t.Run("a job labelled with the node's name, or with no label, starts there", func(t *testing.T) {
		w.schedule(t, w.job(t, "here", false), "a")
		w.schedule(t, w.job(t, "any", false), "a")
		for _, name := range []string{"here", "any"} {
			if r := w.started(t); r.b.JobName != name || r.node != w.node {
				t.Fatalf("started %s on %s, want %s", r.b.JobName, r.node.Name, name)
			}
		}
	})
}

func TestNothingStarts(t *testing.T) {
	cases := []struct {
		name   string
		stop   func(w *world, j *model.Job) (resume func())
		why    string
		probes bool // another job still starts meanwhile
	}{
		{name: "while jeeves quiets down", stop: func(w *world, _ *model.Job) func() {
			w.s.QuietDown(true)
			return func() { w.s.QuietDown(false) }
		}, why: "Waiting for next available executor"},
		{name: "while the node is offline", stop: func(w *world, _ *model.Job) func() {
			w.s.SetOffline(true, "maintenance")
			if off, why := w.s.Offline(); !off || why != "maintenance" {
				panic("not offline")
			}
			return func() { w.s.SetOffline(false, "") }
		}, why: "Waiting for next available executor"},
		{name: "while the job is held", stop: func(w *world, j *model.Job) func() {
			return w.s.Hold([]int64{j.ID})
		}, why: "Waiting for next available executor", probes: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 2, Config{})
			j := w.job(t, "j", false)
			resume := c.stop(w, j)
			it := w.schedule(t, j, "a")
			if c.probes {
				w.schedule(t, w.job(t, "probe", false), "a")
				if r := w.started(t); r.b.JobName != "probe" {
					t.Fatalf("started %s", r.b.JobName)
				}
			}
			w.startsNothing(t)
			if got := w.why(t, it.ID); got.Why != c.why {
				t.Fatalf("item %+v", got)
			}
			resume()
			if r := w.started(t); r.b.QueueID != it.ID {
				t.Fatalf("started %+v", r.b)
			}
		})
	}
	t.Run("a job with a running build cannot be held idle", func(t *testing.T) {
		w := newWorld(t, 1, Config{})
		j := w.job(t, "j", false)
		w.schedule(t, j, "a")
		w.started(t)
		if _, err := w.s.HoldIdle([]int64{j.ID}); !errors.Is(err, ErrBusy) {
			t.Fatalf("hold idle: %v", err)
		}
		release, err := w.s.HoldIdle([]int64{w.job(t, "idle", false).ID})
		if err != nil {
			t.Fatal(err)
		}
		release()
		release()
	})
	t.Run("once jeeves shuts down, and items say so", func(t *testing.T) {
		w := newWorld(t, 1, Config{})
		j := w.job(t, "j", false)
		w.s.QuietDown(true)
		it := w.schedule(t, j, "a")
		w.s.Shutdown()
		w.s.QuietDown(false)
		w.startsNothing(t)
		if got := w.why(t, it.ID); got.Why != "Jenkins is about to shut down" {
			t.Fatalf("item %+v", got)
		}
	})
}

func TestStopAndCancel(t *testing.T) {
	w := newWorld(t, 2, Config{})
	j := w.job(t, "j", true)
	w.schedule(t, j, "a")
	w.schedule(t, j, "b")
	a, b := w.started(t), w.started(t)
	t.Run("Stop aborts a running build on behalf of someone and waits for it", func(t *testing.T) {
		if !w.s.Stop(j.ID, a.b.Number, "alice") {
			t.Fatal("not running")
		}
		if a.aborted != "alice" {
			t.Fatalf("aborted by %q", a.aborted)
		}
		if w.s.Stop(j.ID, a.b.Number, "alice") {
			t.Fatal("stopped twice")
		}
	})
	t.Run("CancelJob drops the waiting items and aborts the running builds", func(t *testing.T) {
		w.s.QuietDown(true)
		it := w.schedule(t, j, "c")
		if err := w.s.CancelJob(context.Background(), j.ID, "bob", true); err != nil {
			t.Fatal(err)
		}
		if b.aborted != "bob" || w.s.Busy(j.ID) {
			t.Fatalf("aborted by %q, busy %v", b.aborted, w.s.Busy(j.ID))
		}
		if got := w.why(t, it.ID); !got.Item.Cancelled {
			t.Fatalf("item %+v", got)
		}
	})
}

func TestStartErrors(t *testing.T) {
	t.Run("an item whose start fails waits, and is tried again", func(t *testing.T) {
		w := newWorld(t, 1, Config{})
		w.starter.mu.Lock()
		w.starter.fail = 1
		w.starter.mu.Unlock()
		it := w.schedule(t, w.job(t, "j", false), "a")
		if r := w.started(t); r.b.QueueID != it.ID {
			t.Fatalf("started %+v", r.b)
		}
	})
	t.Run("an item whose job is gone is dropped", func(t *testing.T) {
		w := newWorld(t, 1, Config{})
		j := w.job(t, "j", false)
		w.s.QuietDown(true)
		w.schedule(t, j, "a")
		if err := w.js.Delete(context.Background(), "j"); err != nil {
			t.Fatal(err)
		}
		w.s.QuietDown(false)
		w.startsNothing(t)
		if items := w.q.Items(); len(items) != 0 {
			t.Fatalf("items %+v", items)
		}
	})
}
