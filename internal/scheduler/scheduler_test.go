package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/label"
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
		node: &executor.Node{Name: "built-in", Labels: []string{"built-in"}, BuiltIn: true}}
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
	labels := map[string]*label.Expr{"linux": label.Atom("linux"), "here": label.Atom("built-in")}
	w := newWorld(t, 2, Config{LabelOf: func(j *model.Job) *label.Expr { return labels[j.Name] }})
	linux := w.schedule(t, w.job(t, "linux", false), "a")
	t.Run("a job whose label no node carries does not start, and the node says why", func(t *testing.T) {
		w.startsNothing(t)
		if got := w.why(t, linux.ID); got.Why != "‘built-in’ doesn’t have label ‘linux’" {
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

// labelled creates a job whose builds need the label expression expr
// ("" runs anywhere).
func (w *world) labelled(t *testing.T, name, expr string, concurrent bool) *model.Job {
	t.Helper()
	where := "<canRoam>true</canRoam>"
	if expr != "" {
		where = "<assignedNode>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(expr) + "</assignedNode><canRoam>false</canRoam>"
	}
	j, err := w.js.Create(context.Background(), "", name, []byte("<project>"+where+"<concurrentBuild>"+fmt.Sprint(concurrent)+"</concurrentBuild></project>"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// agent adds an agent to the scheduler.
func (w *world) agent(t *testing.T, name string, executors int, labels string, mutate ...func(*NodeConfig)) *executor.Node {
	t.Helper()
	n := &executor.Node{Name: name, Labels: append(label.ParseAtoms(labels), name)}
	cfg := NodeConfig{Node: n, Executors: executors, Connected: true}
	for _, m := range mutate {
		m(&cfg)
	}
	if err := w.s.SetNode(cfg); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAgents(t *testing.T) {
	w := newWorld(t, 1, Config{})
	a1 := w.agent(t, "agent1", 2, "linux x86")
	w.agent(t, "agent2", 1, "linux arm", func(c *NodeConfig) { c.Connected = false })
	excl := w.agent(t, "special", 1, "gpu", func(c *NodeConfig) { c.Exclusive = true })
	busy := w.job(t, "busy", false)
	w.schedule(t, busy, "a")
	if r := w.started(t); r.node != w.node {
		t.Fatalf("a job without canRoam ran on %s, not the built-in node", r.node.Name)
	}
	t.Run("a label expression picks the nodes it matches, up to their executors", func(t *testing.T) {
		j := w.labelled(t, "x86", "linux && !arm", true)
		for _, by := range []string{"a", "b"} {
			w.schedule(t, j, by)
			if r := w.started(t); r.node != a1 {
				t.Fatalf("started on %s", r.node.Name)
			}
		}
		it := w.schedule(t, j, "c")
		w.startsNothing(t)
		if got := w.why(t, it.ID); got.Why != "Waiting for next available executor on ‘agent1’" {
			t.Fatalf("why %q", got.Why)
		}
		if ex := w.s.NodeExecutors("agent1"); len(ex) != 2 || ex[0] == nil || ex[1] == nil {
			t.Fatalf("executors %+v", ex)
		}
		w.q.Cancel(context.Background(), it.ID)
	})
	cases := []struct{ expr, why string }{
		{"arm", "‘agent2’ is offline"},
		{"linux", "Waiting for next available executor on ‘linux’"},
		{"windows", "There are no nodes with the label ‘windows’"},
		{"linux && (", "There are no nodes with the label ‘linux && (’"},
	}
	for i, c := range cases {
		t.Run("a job waiting for "+c.expr+" says "+c.why, func(t *testing.T) {
			it := w.schedule(t, w.labelled(t, fmt.Sprint("job-", i), c.expr, false), "a")
			w.startsNothing(t)
			if got := w.why(t, it.ID); got.Why != c.why {
				t.Fatalf("why %q", got.Why)
			}
			w.q.Cancel(context.Background(), it.ID)
		})
	}
	t.Run("an EXCLUSIVE node takes only jobs whose expression matches it", func(t *testing.T) {
		roam := w.labelled(t, "roam", "", false)
		it := w.schedule(t, roam, "a")
		w.startsNothing(t)
		if got := w.why(t, it.ID); !strings.Contains(got.Why, "‘special’ is reserved for jobs with matching label expression") {
			t.Fatalf("why %q", got.Why)
		}
		w.q.Cancel(context.Background(), it.ID)
		w.schedule(t, w.labelled(t, "gpu-job", "gpu", false), "a")
		if r := w.started(t); r.node != excl {
			t.Fatalf("started on %s", r.node.Name)
		}
	})
	t.Run("an agent marked offline takes no new builds, and one connecting takes them", func(t *testing.T) {
		w.agent(t, "agent2", 1, "linux arm", func(c *NodeConfig) { c.Offline, c.Reason = true, "maintenance" })
		it := w.schedule(t, w.labelled(t, "arm-job", "arm", false), "a")
		w.startsNothing(t)
		if got := w.why(t, it.ID); got.Why != "‘agent2’ is offline" {
			t.Fatalf("why %q", got.Why)
		}
		a2 := w.agent(t, "agent2", 1, "linux arm")
		if r := w.started(t); r.node != a2 || r.b.QueueID != it.ID {
			t.Fatalf("started %+v on %s", r.b, r.node.Name)
		}
	})
	t.Run("a removed agent takes no new builds; its running build goes on", func(t *testing.T) {
		w.s.RemoveNode("special")
		it := w.schedule(t, w.labelled(t, "gpu-2", "gpu", false), "a")
		w.startsNothing(t)
		if got := w.why(t, it.ID); got.Why != "There are no nodes with the label ‘gpu’" {
			t.Fatalf("why %q", got.Why)
		}
		if w.s.NodeExecutors("special") != nil {
			t.Fatal("the removed node still shows")
		}
	})
}

func TestConsistentHash(t *testing.T) {
	w := newWorld(t, 0, Config{})
	nodes := map[string]*executor.Node{}
	for _, n := range []string{"a1", "a2", "a3"} {
		nodes[n] = w.agent(t, n, 2, "pool")
	}
	for _, name := range []string{"j1", "j2", "j3", "j4", "j5", "j6"} {
		t.Run(name+" keeps to one node while it is free", func(t *testing.T) {
			j := w.labelled(t, name, "pool", false)
			var first *executor.Node
			for range 3 {
				w.schedule(t, j, "a")
				r := w.started(t)
				if first == nil {
					first = r.node
				} else if r.node != first {
					t.Fatalf("ran on %s, then %s", first.Name, r.node.Name)
				}
				r.end()
			}
			cands := []Candidate{{Node: nodes["a1"], Idle: 2}, {Node: nodes["a2"], Idle: 2}, {Node: nodes["a3"], Idle: 2}}
			if got := cands[ConsistentHash{}.Choose(j, cands)].Node; got != first {
				t.Fatalf("ConsistentHash chooses %s, the scheduler %s", got.Name, first.Name)
			}
		})
	}
	t.Run("the jobs spread over the nodes", func(t *testing.T) {
		used := map[string]bool{}
		for i := range 20 {
			j := &model.Job{Name: fmt.Sprintf("job-%d", i)}
			cands := []Candidate{{Node: nodes["a1"], Idle: 2}, {Node: nodes["a2"], Idle: 2}, {Node: nodes["a3"], Idle: 2}}
			used[cands[ConsistentHash{}.Choose(j, cands)].Node.Name] = true
		}
		if len(used) != 3 {
			t.Fatalf("used only %v", used)
		}
	})
}

func TestAdopt(t *testing.T) {
	w := newWorld(t, 1, Config{})
	j := w.labelled(t, "j", "linux", true)
	var adopted *fakeRun
	err := w.s.Adopt("agent1", 1, func(done func()) (Run, error) {
		adopted = &fakeRun{b: model.Build{JobID: j.ID, JobName: j.Name, Number: 7, Building: true}, slot: 1, done: done, over: make(chan struct{})}
		return adopted, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an adopted build shows on its node's executor, even before the node connects", func(t *testing.T) {
		if b, ok := w.s.Running(j.ID, 7); !ok || b.Number != 7 {
			t.Fatalf("running %v %+v", ok, b)
		}
		if ex := w.s.NodeExecutors("agent1"); len(ex) != 2 || ex[1] == nil || ex[1].Number != 7 {
			t.Fatalf("executors %+v", ex)
		}
	})
	t.Run("its executor stays taken once the node connects", func(t *testing.T) {
		a1 := w.agent(t, "agent1", 2, "linux")
		w.schedule(t, j, "a")
		if r := w.started(t); r.node != a1 || r.slot != 0 {
			t.Fatalf("started on %s slot %d", r.node.Name, r.slot)
		}
		it := w.schedule(t, j, "b")
		w.startsNothing(t)
		adopted.end()
		if r := w.started(t); r.b.QueueID != it.ID || r.slot != 1 {
			t.Fatalf("started %+v slot %d", r.b, r.slot)
		}
	})
}

// TestAnItemBehindManyBlockedOnesStarts: the scheduler reads due items a
// page at a time; an item that can start behind more than a page of
// blocked ones (a job that is not concurrent, its build running) still
// starts, and the blocked ones keep their order.
func TestAnItemBehindManyBlockedOnesStarts(t *testing.T) {
	w := newWorld(t, 2, Config{})
	solo := w.job(t, "solo", false)
	other := w.job(t, "other", false)
	w.schedule(t, solo, "first")
	running := w.started(t)
	var blocked []*model.QueueItem
	for i := range 3*duePage + 5 {
		blocked = append(blocked, w.schedule(t, solo, fmt.Sprint("u", i)))
	}
	last := w.schedule(t, other, "late")
	r := w.started(t)
	if r.b.JobID != other.ID || r.b.QueueID != last.ID {
		t.Fatalf("started %+v, want other's item %d", r.b, last.ID)
	}
	running.end()
	if r := w.started(t); r.b.QueueID != blocked[0].ID {
		t.Fatalf("started item %d, want the oldest blocked one, %d", r.b.QueueID, blocked[0].ID)
	}
}
