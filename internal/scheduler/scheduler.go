// Package scheduler turns due queue items into builds: it gives each to a
// free executor of a node that can take it, as Jenkins's Queue.maintain
// and LoadBalancer do. The nodes are the built-in node and the agents
// (SetNode, RemoveNode), each with its executors, labels and mode. A
// node can take a build when it is online (connected, not marked
// offline), has a free executor and label.CanTake accepts it: the job's
// label expression (Jenkins's grammar, internal/label) matches the
// node's labels and name, and an EXCLUSIVE node takes only jobs with
// one. Among those, the Balancer chooses: by default Jenkins's
// CONSISTENT_HASH, so a job keeps to one node while it has a free
// executor. A job that is not concurrent waits while one of its builds
// runs; nothing starts while jeeves quiets down or shuts down. Why says
// why an item waits, in Jenkins's words (label.Why).
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
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/label"
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

// Balancer chooses, among the nodes that can take a build of job now,
// the one it runs on: Jenkins's LoadBalancer. candidates is never empty;
// Choose returns an index into it.
type Balancer interface {
	Choose(job *model.Job, candidates []Candidate) int
}

// Candidate is a node that can take a build now, with its idle
// executors.
type Candidate struct {
	Node *executor.Node
	Idle int
}

// ConsistentHash is Jenkins's default LoadBalancer.CONSISTENT_HASH: the
// candidates on a hash ring (each idle executor a hundred points, keyed
// by the node's name, the built-in node's being ""), walked from the
// hash of the job's full name. A job keeps to one node, and its
// workspace, while that node has a free executor.
type ConsistentHash struct{}

// Choose implements Balancer.
func (ConsistentHash) Choose(job *model.Job, candidates []Candidate) int {
	cands := make([]label.Candidate, len(candidates))
	for i, c := range candidates {
		cands[i] = label.Candidate{Name: hashName(c.Node), IdleExecutors: c.Idle}
	}
	name, ok := label.Choose(job.Name, cands)
	if !ok {
		return 0
	}
	for i, c := range cands {
		if c.Name == name {
			return i
		}
	}
	return 0
}

// hashName is a node's name on the hash ring: Jenkins names the built-in
// node "" there.
func hashName(n *executor.Node) string {
	if n.BuiltIn {
		return ""
	}
	return n.Name
}

// FirstFit chooses the first node that can take the build, in the order
// the nodes are kept (the built-in node first, then the agents by name).
type FirstFit struct{}

// Choose implements Balancer.
func (FirstFit) Choose(*model.Job, []Candidate) int { return 0 }

// LabelOf is the label expression a job's builds need, read from its
// configuration (AssignedLabel) as Jenkins.getLabel reads one: an
// expression that does not parse is one atom. nil: any node.
func LabelOf(job *model.Job) *label.Expr { return label.ParseLax(job.Config.AssignedLabel) }

// Config sets up a Scheduler.
type Config struct {
	Logger *slog.Logger
	// LabelOf is the label expression a job's builds need (nil: any
	// node); nil: the package's LabelOf.
	LabelOf  func(*model.Job) *label.Expr
	Balancer Balancer // nil: ConsistentHash
}

// NodeConfig is a node builds run on, its executors and its state.
type NodeConfig struct {
	Node      *executor.Node
	Executors int
	// Exclusive is mode EXCLUSIVE: only jobs whose label expression
	// matches the node run there.
	Exclusive bool
	// Connected says an agent is connected (the built-in node always
	// is); an agent that is not takes no builds.
	Connected bool
	// Offline is a user's mark (toggleOffline): no new builds; Reason is
	// their message.
	Offline bool
	Reason  string
}

// computer is a node's state: Jenkins's Computer.
type computer struct {
	node      *executor.Node // nil for a node known only from an adopted build, until SetNode
	name      string
	atoms     map[string]bool // its labels and its name
	slots     []*running      // the build on each executor; nil: idle. Longer than limit after a shrink, while those builds finish.
	limit     int             // executors in use for new builds
	exclusive bool
	connected bool
	offline   bool
	reason    string
}

// free is the first idle executor that may take a build, or -1.
func (c *computer) free() int {
	return slices.Index(c.slots[:min(c.limit, len(c.slots))], nil)
}

// idle counts the executors that may take a build now.
func (c *computer) idle() int {
	n := 0
	for _, e := range c.slots[:min(c.limit, len(c.slots))] {
		if e == nil {
			n++
		}
	}
	return n
}

// takes reports whether new builds may start on c.
func (c *computer) takes() bool { return c.node != nil && c.connected && !c.offline }

// resize sets c's executors to n: growing starts waiting builds at once;
// shrinking lets builds running on the executors that go finish.
func (c *computer) resize(n int) {
	n = max(n, 0)
	for len(c.slots) < n {
		c.slots = append(c.slots, nil)
	}
	c.limit = n
}

// configure applies cfg to c.
func (c *computer) configure(cfg NodeConfig) {
	c.node, c.name = cfg.Node, cfg.Node.Name
	c.atoms = map[string]bool{cfg.Node.Name: true}
	for _, l := range cfg.Node.Labels {
		c.atoms[l] = true
	}
	if cfg.Node.BuiltIn {
		// Jobs of Jenkins installs from before 2.307 name the built-in
		// node "master".
		c.atoms["master"] = true
	}
	c.exclusive, c.connected = cfg.Exclusive, cfg.Connected || cfg.Node.BuiltIn
	c.offline, c.reason = cfg.Offline, cfg.Reason
	if !c.offline {
		c.reason = ""
	}
	c.resize(cfg.Executors)
}

// labelNode is c as label.Why and label.CanTake see it.
func (c *computer) labelNode() label.Node {
	return label.Node{
		Name: c.name, Atoms: c.atoms, Online: c.takes(), Exclusive: c.exclusive,
		Accepting: !c.offline, IdleExecutors: c.idle(),
	}
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
	candNodes []Candidate

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
		cfg.Balancer = ConsistentHash{}
	}
	if cfg.LabelOf == nil {
		cfg.LabelOf = LabelOf
	}
	if len(nodes) == 0 {
		return nil, errors.New("no node to run builds on")
	}
	s := &Scheduler{
		cfg: cfg, q: q, jobs: js, starter: starter,
		running: map[buildKey]*running{}, held: map[int64]int{},
		wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{}),
	}
	for i, n := range nodes {
		if n.Executors < 0 {
			return nil, fmt.Errorf("executors must not be negative")
		}
		if i == 0 {
			n.Connected = true
		}
		c := &computer{}
		c.configure(n)
		s.computers = append(s.computers, c)
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
	for after := int64(0); s.anyFree(); {
		// A page of due items at a time: most starts need the first.
		s.due = s.q.DueAfter(now, s.due, after, duePage)
		if len(s.due) == 0 {
			break
		}
		after = s.due[len(s.due)-1].ID
		if r := s.startPage(now); !r.IsZero() {
			retry = r
		}
		if len(s.due) < duePage {
			break
		}
	}
	return retry
}

// duePage is how many due items startDue reads from the queue at once.
const duePage = 64

// startPage starts what it can of s.due. Called with s.mu.
func (s *Scheduler) startPage(now time.Time) (retry time.Time) {
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
		if c.takes() && c.free() >= 0 {
			return true
		}
	}
	return false
}

// pick chooses the node a build of job runs on, or nil when none can
// take it now: those online with a free executor that can take it
// (label.CanTake: its label expression matches, an EXCLUSIVE node only
// for a job with one), then the Balancer's choice. Called with s.mu.
func (s *Scheduler) pick(job *model.Job) *computer {
	l := s.cfg.LabelOf(job)
	s.cands, s.candNodes = s.cands[:0], s.candNodes[:0]
	for _, c := range s.computers {
		if !c.takes() || c.free() < 0 || label.CanTake(c.labelNode(), l) != "" {
			continue
		}
		s.cands = append(s.cands, c)
		s.candNodes = append(s.candNodes, Candidate{Node: c.node, Idle: c.idle()})
	}
	switch len(s.cands) {
	case 0:
		return nil
	case 1:
		return s.cands[0]
	}
	i := s.cfg.Balancer.Choose(job, s.candNodes)
	if i < 0 || i >= len(s.cands) {
		i = 0
	}
	return s.cands[i]
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

// Why implements queue.Blocker, in Jenkins's words: another build of a
// job that is not concurrent runs ("Build #3 is already in progress"),
// jeeves shuts down, or label.Why: what the nodes the job's label
// expression selects say ("There are no nodes with the label ‘x’",
// "‘agent1’ is offline", "Waiting for next available executor on
// ‘linux’"…).
func (s *Scheduler) Why(it *model.QueueItem) (why string, blocked bool) {
	job, err := s.jobs.ByID(it.JobID)
	s.mu.Lock()
	defer s.mu.Unlock()
	var last int64
	for k := range s.running {
		if k.job == it.JobID && k.number > last {
			last = k.number
		}
	}
	switch {
	case last > 0 && err == nil && !job.Config.Concurrent:
		return fmt.Sprintf("Build #%d is already in progress", last), true
	case s.stopping:
		return label.MsgShuttingDown, false
	case err != nil:
		return label.MsgWaiting, false
	}
	in := label.WhyInput{Label: s.cfg.LabelOf(job), HasAgents: len(s.computers) > 1}
	for _, c := range s.computers {
		n := c.labelNode()
		in.Nodes = append(in.Nodes, n)
		if n.Online && n.IdleExecutors > 0 {
			if r := label.CanTake(n, in.Label); r != "" {
				in.Refusals = append(in.Refusals, r)
			}
		}
	}
	return label.Why(in), false
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

// NodeExecutors describes each executor of the node named name: the
// build it runs, if any (executors beyond its count, after a shrink,
// show while their builds finish); nil for a node the scheduler does
// not know.
func (s *Scheduler) NodeExecutors(name string) []*model.Build {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.computer(name)
	if c == nil {
		return nil
	}
	out := make([]*model.Build, len(c.slots))
	for i, e := range c.slots {
		if e != nil {
			b := e.run.Build()
			out[i] = &b
		}
	}
	for len(out) > c.limit && out[len(out)-1] == nil {
		out = out[:len(out)-1]
	}
	return out
}

// computer is the node named name, or nil. Called with s.mu.
func (s *Scheduler) computer(name string) *computer {
	for _, c := range s.computers {
		if c.name == name {
			return c
		}
	}
	return nil
}

// SetNode adds an agent, or changes one (by its name): its executors,
// labels, mode and state. Builds running on it go on; new builds start
// there only while it is connected and not marked offline. The built-in
// node is not changed here (SetExecutors, SetOffline).
func (s *Scheduler) SetNode(cfg NodeConfig) error {
	if cfg.Node == nil || cfg.Node.BuiltIn {
		return errors.New("SetNode: not an agent")
	}
	if cfg.Executors < 0 {
		return fmt.Errorf("executors must not be negative")
	}
	s.mu.Lock()
	c := s.computer(cfg.Node.Name)
	if c == nil {
		c = &computer{}
		s.computers = append(s.computers, c)
	}
	c.configure(cfg)
	// The built-in node first, then the agents by name.
	slices.SortStableFunc(s.computers[1:], func(a, b *computer) int { return strings.Compare(a.name, b.name) })
	s.mu.Unlock()
	s.poke()
	return nil
}

// RemoveNode forgets the agent named name: no build starts there any
// more; builds running there go on until they end.
func (s *Scheduler) RemoveNode(name string) {
	s.mu.Lock()
	for i, c := range s.computers {
		if i > 0 && c.name == name {
			s.computers = slices.Delete(s.computers, i, i+1)
			break
		}
	}
	s.mu.Unlock()
	s.poke()
}

// Adopt gives a build that was running before jeeves restarted its
// executor again: executor slot of the node named node (known or not
// yet: an agent that has not connected again), so that no other build
// takes it. start makes the Run; done, which it must call once the build
// is over, frees the executor.
func (s *Scheduler) Adopt(node string, slot int, start func(done func()) (Run, error)) error {
	if slot < 0 {
		return fmt.Errorf("adopt: executor %d", slot)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.computer(node)
	if c == nil {
		c = &computer{name: node, atoms: map[string]bool{node: true}}
		s.computers = append(s.computers, c)
		slices.SortStableFunc(s.computers[1:], func(a, b *computer) int { return strings.Compare(a.name, b.name) })
	}
	for len(c.slots) <= slot {
		c.slots = append(c.slots, nil)
	}
	if c.slots[slot] != nil {
		// Two builds claim one executor: the second gets one of its own
		// beyond the node's count, shown while it finishes.
		slot = len(c.slots)
		c.slots = append(c.slots, nil)
	}
	e := &running{on: c, slot: slot}
	run, err := start(func() { s.finished(e) })
	if err != nil {
		return err
	}
	b := run.Build()
	e.run, e.key = run, buildKey{b.JobID, b.Number}
	c.slots[slot] = e
	s.running[e.key] = e
	return nil
}

// SetExecutors changes the number of executors of the built-in node at
// run time. Growing starts waiting builds at once; shrinking lets builds
// running on the executors that go finish, and starts none there.
func (s *Scheduler) SetExecutors(n int) {
	s.mu.Lock()
	s.computers[0].resize(n)
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
