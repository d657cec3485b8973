// Package scheduler turns due queue items into builds: it gives each to a
// free executor of a node that can take it, as Jenkins's Queue.maintain
// and LoadBalancer do. A node can take a build when it is online, has a
// free executor and carries the job's label (a job without one runs
// anywhere). A job that is not concurrent waits while one of its builds
// runs; nothing starts while jeeves quiets down or shuts down.
//
// It is event-driven: the queue's Ready event, a build's end, a change of
// executors, holds, quiet-down or a node's state wake it at once; there
// is no periodic tick.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
	"github.com/jeeves-ci/jeeves/internal/workspace"
)

// ErrBusy is returned by HoldIdle when a build of one of the jobs runs.
var ErrBusy = workspace.ErrBusy

// Jobs finds jobs by id: the jobs service.
type Jobs interface {
	ByID(id int64) (*model.Job, error)
}

// Run is a running build, as the executor runs it.
type Run interface {
	Build() model.Build
	Abort(by string)
	Done() <-chan struct{}
}

// Starter starts builds: the executor.
type Starter interface {
	// Start makes the queue item it a build of job on executor slot of
	// node, and runs it; done is called once the build is over, and
	// frees the executor.
	Start(it *model.QueueItem, job *model.Job, node *executor.Node, slot int, done func()) (Run, error)
}

// Label selects the nodes a job may run on, as Jenkins's
// hudson.model.Label. Today's only kind is Atom; the agents add label
// expressions ("linux && !arm").
type Label interface {
	// Matches reports whether a node carrying atoms (its labels and its
	// own name) is selected.
	Matches(atoms []string) bool
}

// Atom is a label that one name selects: a label of nodes, or a node's
// name.
type Atom string

// Matches implements Label.
func (a Atom) Matches(atoms []string) bool { return slices.Contains(atoms, string(a)) }

// Balancer chooses, among the nodes that can take a build of job now,
// the one it runs on: Jenkins's LoadBalancer. candidates is never empty.
type Balancer interface {
	Choose(job *model.Job, candidates []*executor.Node) int
}

// FirstFit chooses the first node that can take the build, in the order
// the nodes were given. With one node it is what Jenkins's default,
// LoadBalancer.CONSISTENT_HASH, does; a consistent hash of the job's name
// over the nodes' belongs here once there are agents.
type FirstFit struct{}

// Choose implements Balancer.
func (FirstFit) Choose(*model.Job, []*executor.Node) int { return 0 }

// Config sets up a Scheduler.
type Config struct {
	Logger *slog.Logger
	// LabelOf is the label a job's builds need; nil, or a nil Label: any
	// node.
	LabelOf  func(*model.Job) Label
	Balancer Balancer // nil: FirstFit
}

// NodeConfig is a node builds run on and its number of executors.
type NodeConfig struct {
	Node      *executor.Node
	Executors int
}

// computer is a node's state: Jenkins's Computer.
type computer struct {
	node    *executor.Node
	atoms   []string   // its labels and its name
	slots   []*running // the build on each executor; nil: idle. Longer than limit after a shrink, while those builds finish.
	limit   int        // executors in use for new builds
	offline bool
	reason  string
}

// free is the first idle executor that may take a build, or -1.
func (c *computer) free() int {
	return slices.Index(c.slots[:c.limit], nil)
}

type buildKey struct{ job, number int64 }

type running struct {
	run  Run
	key  buildKey
	on   *computer
	slot int
}

// Scheduler assigns due items to executors.
type Scheduler struct {
	cfg     Config
	q       *queue.Queue
	jobs    Jobs
	starter Starter

	mu        sync.Mutex
	computers []*computer // the built-in node first
	running   map[buildKey]*running
	held      map[int64]int // jobs whose builds may not start now (Hold), and how many holds each
	quiet     bool          // quieting down: no new builds start
	stopping  bool
	due       []queue.DueItem // scratch for startDue
	cands     []*computer     // scratch for pick
	candNodes []*executor.Node

	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
}

// New returns a scheduler that starts q's due items with starter on
// nodes (the built-in node first), and says why q's due items wait. It
// runs until Stop.
func New(cfg Config, q *queue.Queue, js Jobs, starter Starter, nodes ...NodeConfig) (*Scheduler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Balancer == nil {
		cfg.Balancer = FirstFit{}
	}
	if len(nodes) == 0 {
		return nil, errors.New("no node to run builds on")
	}
	s := &Scheduler{
		cfg: cfg, q: q, jobs: js, starter: starter,
		running: map[buildKey]*running{}, held: map[int64]int{},
		wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{}),
	}
	for _, n := range nodes {
		if n.Executors < 0 {
			return nil, fmt.Errorf("executors must not be negative")
		}
		s.computers = append(s.computers, &computer{
			node: n.Node, atoms: append(slices.Clip(n.Node.Labels), n.Node.Name),
			slots: make([]*running, n.Executors), limit: n.Executors,
		})
	}
	q.SetBlocker(s)
	go s.loop()
	return s, nil
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// loop starts due items whenever something changes.
func (s *Scheduler) loop() {
	defer close(s.stopped)
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		if next := s.startDue(); !next.IsZero() {
			retry.Reset(time.Until(next))
		}
		select {
		case <-s.done:
			return
		case <-s.q.Ready():
		case <-s.wake:
		case <-retry.C:
		}
	}
}

// startDue starts every due item that can run now. It returns when to
// try again for items whose start failed (zero: no need).
func (s *Scheduler) startDue() (retry time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping || s.quiet {
		return time.Time{}
	}
	now := time.Now()
	s.due = s.q.Due(now, s.due)
	for _, it := range s.due {
		if !s.anyFree() {
			break
		}
		job, err := s.jobs.ByID(it.JobID)
		if err != nil { // the job is gone
			s.q.Forget(it.ID)
			continue
		}
		if s.held[job.ID] > 0 || !job.Config.Concurrent && s.jobRunning(job.ID) {
			continue
		}
		c := s.pick(job)
		if c == nil {
			continue
		}
		err = s.q.Take(it.ID, func(it *model.QueueItem) error { return s.start(it, job, c) })
		switch {
		case errors.Is(err, queue.ErrNotFound): // cancelled meanwhile
		case err != nil:
			s.cfg.Logger.Error("cannot start build", "job", job.Name, "queue_id", it.ID, "err", err)
			// Leave it waiting; try again a little later.
			retry = now.Add(time.Second)
		}
	}
	return retry
}

// start starts the item on c's first free executor. Called with s.mu,
// from the queue's Take.
func (s *Scheduler) start(it *model.QueueItem, job *model.Job, c *computer) error {
	slot := c.free()
	e := &running{on: c, slot: slot}
	// done needs s.mu, held until e is registered.
	run, err := s.starter.Start(it, job, c.node, slot, func() { s.finished(e) })
	if err != nil {
		return err
	}
	b := run.Build()
	e.run, e.key = run, buildKey{b.JobID, b.Number}
	c.slots[slot] = e
	s.running[e.key] = e
	return nil
}

// finished frees the executor of a build that ended.
func (s *Scheduler) finished(e *running) {
	s.mu.Lock()
	delete(s.running, e.key)
	e.on.slots[e.slot] = nil
	s.mu.Unlock()
	s.poke()
}

// anyFree reports whether an online node has an idle executor. Called
// with s.mu.
func (s *Scheduler) anyFree() bool {
	for _, c := range s.computers {
		if !c.offline && c.free() >= 0 {
			return true
		}
	}
	return false
}

// pick chooses the node a build of job runs on, or nil when none can
// take it now. Called with s.mu.
func (s *Scheduler) pick(job *model.Job) *computer {
	var label Label
	if s.cfg.LabelOf != nil {
		label = s.cfg.LabelOf(job)
	}
	s.cands, s.candNodes = s.cands[:0], s.candNodes[:0]
	for _, c := range s.computers {
		if c.offline || c.free() < 0 || label != nil && !label.Matches(c.atoms) {
			continue
		}
		s.cands = append(s.cands, c)
		s.candNodes = append(s.candNodes, c.node)
	}
	switch len(s.cands) {
	case 0:
		return nil
	case 1:
		return s.cands[0]
	}
	return s.cands[s.cfg.Balancer.Choose(job, s.candNodes)]
}

// jobRunning reports whether a build of the job runs. Called with s.mu.
func (s *Scheduler) jobRunning(jobID int64) bool {
	for k := range s.running {
		if k.job == jobID {
			return true
		}
	}
	return false
}

// Why implements queue.Blocker, in Jenkins's words.
func (s *Scheduler) Why(it *model.QueueItem) (why string, blocked bool) {
	s.mu.Lock()
	var last int64
	for k := range s.running {
		if k.job == it.JobID && k.number > last {
			last = k.number
		}
	}
	stopping := s.stopping
	s.mu.Unlock()
	job, err := s.jobs.ByID(it.JobID)
	switch {
	case last > 0 && err == nil && !job.Config.Concurrent:
		return fmt.Sprintf("Build #%d is already in progress", last), true
	case stopping:
		return "Jenkins is about to shut down", false
	default:
		return "Waiting for next available executor", false
	}
}

// Running returns the running build of a job with that number, if any.
func (s *Scheduler) Running(jobID, number int64) (model.Build, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.running[buildKey{jobID, number}]
	if !ok {
		return model.Build{}, false
	}
	return e.run.Build(), true
}

// Busy reports whether a build of the job is running.
func (s *Scheduler) Busy(jobID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobRunning(jobID)
}

// Executors describes each executor of the built-in node: the build it
// runs, if any.
func (s *Scheduler) Executors() []*model.Build {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.computers[0]
	out := make([]*model.Build, len(c.slots))
	for i, e := range c.slots {
		if e != nil {
			b := e.run.Build()
			out[i] = &b
		}
	}
	// Executors beyond the limit (after a shrink) show while they finish.
	for len(out) > c.limit && out[len(out)-1] == nil {
		out = out[:len(out)-1]
	}
	return out
}

// SetExecutors changes the number of executors of the built-in node at
// run time. Growing starts waiting builds at once; shrinking lets builds
// running on the executors that go finish, and starts none there.
func (s *Scheduler) SetExecutors(n int) {
	n = max(n, 0)
	s.mu.Lock()
	c := s.computers[0]
	for len(c.slots) < n {
		c.slots = append(c.slots, nil)
	}
	c.limit = n
	s.mu.Unlock()
	s.poke()
}

// Stop aborts a running build on behalf of by, and waits until it has
// finished. It reports whether the build was running.
func (s *Scheduler) Stop(jobID, number int64, by string) bool {
	s.mu.Lock()
	e, ok := s.running[buildKey{jobID, number}]
	s.mu.Unlock()
	if !ok {
		return false
	}
	e.run.Abort(by)
	<-e.run.Done()
	return true
}

// CancelJob drops a job's waiting items and, with abortRunning, aborts
// its running builds (before the job is deleted or disabled), waiting
// for them to end. No build of the job starts meanwhile.
func (s *Scheduler) CancelJob(ctx context.Context, jobID int64, by string, abortRunning bool) error {
	s.mu.Lock()
	err := s.q.CancelJob(ctx, jobID)
	var runs []Run
	if abortRunning {
		for k, e := range s.running {
			if k.job == jobID {
				runs = append(runs, e.run)
			}
		}
	}
	s.mu.Unlock()
	for _, r := range runs {
		r.Abort(by)
	}
	for _, r := range runs {
		<-r.Done()
	}
	return err
}

// Hold keeps builds of the jobs ids from starting until release is
// called (waiting items stay waiting); builds already running go on.
// release may be called more than once.
func (s *Scheduler) Hold(ids []int64) (release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hold(ids)
}

// HoldIdle is Hold, when no build of the jobs ids is running; it returns
// ErrBusy, holding nothing, when one is.
func (s *Scheduler) HoldIdle(ids []int64) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.jobRunning(id) {
			return nil, ErrBusy
		}
	}
	return s.hold(ids), nil
}

// hold is Hold, called with s.mu.
func (s *Scheduler) hold(ids []int64) func() {
	for _, id := range ids {
		s.held[id]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			for _, id := range ids {
				if s.held[id]--; s.held[id] <= 0 {
					delete(s.held, id)
				}
			}
			s.mu.Unlock()
			s.poke()
		})
	}
}

// QuietDown stops (or, with on false, resumes) starting new builds, as
// Jenkins's "Prepare for shutdown"; running builds go on.
func (s *Scheduler) QuietDown(on bool) {
	s.mu.Lock()
	s.quiet = on
	s.mu.Unlock()
	s.poke()
}

// QuietingDown reports whether QuietDown is on.
func (s *Scheduler) QuietingDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quiet
}

// SetOffline takes the built-in node offline (no build starts there) for
// reason, or back online; running builds go on, as in Jenkins.
func (s *Scheduler) SetOffline(on bool, reason string) {
	s.mu.Lock()
	c := s.computers[0]
	c.offline, c.reason = on, reason
	if !on {
		c.reason = ""
	}
	s.mu.Unlock()
	s.poke()
}

// Offline reports whether the built-in node is offline, and why.
func (s *Scheduler) Offline() (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.computers[0]
	return c.offline, c.reason
}

// Shutdown stops starting builds, for good: jeeves is shutting down, and
// waiting items say so. Running builds are the executor's to end.
func (s *Scheduler) Shutdown() {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		<-s.stopped
		return
	}
	s.stopping = true
	s.mu.Unlock()
	close(s.done)
	<-s.stopped
}
