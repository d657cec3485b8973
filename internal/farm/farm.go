// Package farm is the build farm as the HTTP edge sees it: the waiting
// queue (internal/queue), the scheduler that gives due items to the
// executors of the nodes (internal/scheduler), the executor that runs
// each build through its node's launcher (internal/executor), and the
// downstream triggers that subscribe to the end of builds
// (internal/downstream), put together behind one type. Its nodes are the
// built-in node, on the local launcher, and the agents the nodes service
// sets (SetNode, RemoveNode) as they are configured, connect and go.
//
// It holds no logic of its own beyond delegating: each method is the
// part's that owns it.
package farm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/downstream"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
	"github.com/jeeves-ci/jeeves/internal/scheduler"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/workspace"
)

// ErrBusy is returned when a job's workspace is in use by a build, or a
// job to hold idle has a build running.
var ErrBusy = workspace.ErrBusy

// Config sets up a Farm.
type Config struct {
	Executors   int           // of the built-in node
	QuietPeriod time.Duration // the global default
	Home        string        // JENKINS_HOME; workspaces live under it
	// RootURL is the configured root URL; builds get it as JENKINS_URL,
	// JOB_URL and BUILD_URL. Without one they get ListenURL, the address
	// jeeves listens on (unset too: no such variables, as in Jenkins). A
	// URL made from a request's headers never reaches a build.
	RootURL   string
	ListenURL string
	// Env is the environment builds inherit, before Jenkins's variables
	// are added; nil: this process's environment, minus every JEEVES_*
	// variable (see executor.InheritedEnv).
	Env    []string
	Logger *slog.Logger
	// OnFinish, when set, is called after each build is recorded as
	// finished (tests wait on it).
	OnFinish func(model.Build)
	// Permits decides what a finished build may trigger. When nil, no
	// build triggers any downstream project.
	Permits downstream.Permits
	// Logs keeps the builds' console logs; nil: a blob.Dir on Home.
	Logs blob.Store
	// Launcher reaches the built-in node; nil: the local launcher.
	Launcher launcher.Launcher
	// Contributors take part in builds (executor.Contributor), in this
	// order: they are registered before the recovery from an unclean
	// stop, so those that are executor.Recoverers clean up after the
	// builds it ends, and before any build starts, so that a waiting item
	// picked up again at start is built with them.
	Contributors []executor.Contributor
	// Agents gives the agents' nodes to the builds that a previous run
	// of jeeves left running on them (see executor.Resume); nil: those
	// builds end FAILURE, their agent unknown.
	Agents Agents
}

// Agents is the nodes service as the farm needs it at start.
type Agents interface {
	// Await returns the node of the agent named name once it is
	// connected, or an error once it has stayed away longer than the
	// agents' offline timeout (or ctx ends).
	Await(ctx context.Context, name string) (*executor.Node, error)
}

// Store is the part of the store the farm uses.
type Store interface {
	store.Queue
	store.Builds
}

// Jobs is what the farm needs of the jobs service.
type Jobs interface {
	executor.Registry
	ByID(id int64) (*model.Job, error)
	Get(fullName string) (*model.Job, error)
}

// Farm is the queue, the nodes' executors and what runs builds.
type Farm struct {
	queue  *queue.Queue
	sched  *scheduler.Scheduler
	exec   *executor.Executor
	logger *slog.Logger

	mu     sync.Mutex
	agents map[string]scheduler.NodeConfig
	nodes  []*executor.Node // the built-in node's
}

// New puts the farm together on the built-in node, recovering from an
// unclean stop: builds the store still marks as running are ended
// ABORTED, with a line in their log saying why (their processes killed
// first), waiting items are picked up again, and workspaces a removal
// left in the trash are deleted.
func New(ctx context.Context, cfg Config, st Store, js Jobs) (*Farm, error) {
	if cfg.Executors < 0 {
		return nil, errors.New("executors must not be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Env == nil {
		cfg.Env = executor.InheritedEnv(os.Environ())
	}
	if cfg.Logs == nil {
		cfg.Logs = blob.NewDir(cfg.Home)
	}
	if cfg.Launcher == nil {
		cfg.Launcher = local.New()
	}
	builtIn := &executor.Node{
		Name: model.BuiltInNode, Labels: []string{model.BuiltInNode}, Launcher: cfg.Launcher, BuiltIn: true,
		Workspaces: workspace.New(cfg.Launcher, cfg.Home, cfg.Logger),
	}
	ex := executor.New(executor.Config{
		Home: cfg.Home, RootURL: cfg.RootURL, ListenURL: cfg.ListenURL, Env: cfg.Env, Logger: cfg.Logger,
	}, st, cfg.Logs, js)
	for _, c := range cfg.Contributors {
		ex.Register(c)
	}
	resumable, err := ex.Recover(ctx, builtIn)
	if err != nil {
		return nil, err
	}
	q, err := queue.New(ctx, queue.Config{QuietPeriod: cfg.QuietPeriod, Logger: cfg.Logger}, st)
	if err != nil {
		return nil, err
	}
	builtIn.Workspaces.EmptyTrash(ctx)
	ex.OnStepsDone(downstream.New(js, q, cfg.Permits, cfg.Logger).StepsDone)
	if cfg.OnFinish != nil {
		ex.OnFinished(cfg.OnFinish)
	}
	sched, err := scheduler.New(scheduler.Config{Logger: cfg.Logger}, q, js, starter{ex},
		scheduler.NodeConfig{Node: builtIn, Executors: cfg.Executors})
	if err != nil {
		q.Close()
		return nil, err
	}
	f := &Farm{queue: q, sched: sched, exec: ex, logger: cfg.Logger, agents: map[string]scheduler.NodeConfig{}, nodes: []*executor.Node{builtIn}}
	await := func(ctx context.Context, name string) (*executor.Node, error) {
		if cfg.Agents == nil {
			return nil, fmt.Errorf("the agent ‘%s’ is not known", name)
		}
		return cfg.Agents.Await(ctx, name)
	}
	for _, res := range resumable {
		job, err := js.ByID(res.Build.JobID)
		if err != nil {
			cfg.Logger.Error("a build left running on an agent has no job", "job", res.Build.JobID, "build", res.Build.Number, "err", err)
			continue
		}
		err = sched.Adopt(res.Node, res.Slot, func(done func()) (scheduler.Run, error) {
			r, err := ex.Resume(res, job, await, done)
			if err != nil {
				return nil, err
			}
			return r, nil
		})
		if err != nil {
			cfg.Logger.Error("cannot resume a build left running on an agent", "job", job.Name, "build", res.Build.Number, "err", err)
		}
	}
	return f, nil
}

// SetNode adds an agent, or changes one (by name): its node, executors,
// mode and state (see scheduler.NodeConfig).
func (f *Farm) SetNode(cfg scheduler.NodeConfig) error {
	if err := f.sched.SetNode(cfg); err != nil {
		return err
	}
	f.mu.Lock()
	f.agents[cfg.Node.Name] = cfg
	f.exec.SetAgents(len(f.agents) > 0)
	f.mu.Unlock()
	return nil
}

// RemoveNode forgets an agent: builds running there go on.
func (f *Farm) RemoveNode(name string) {
	f.sched.RemoveNode(name)
	f.mu.Lock()
	delete(f.agents, name)
	f.exec.SetAgents(len(f.agents) > 0)
	f.mu.Unlock()
}

// NodeExecutors: see scheduler.Scheduler.NodeExecutors.
func (f *Farm) NodeExecutors(name string) []*model.Build { return f.sched.NodeExecutors(name) }

// workspaceSets are the workspaces of the built-in node and of the
// agents connected now.
func (f *Farm) workspaceSets() []*workspace.Set {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*workspace.Set
	for _, n := range f.nodes {
		out = append(out, n.Workspaces)
	}
	for _, a := range f.agents {
		if a.Connected && a.Node.Workspaces != nil {
			out = append(out, a.Node.Workspaces)
		}
	}
	return out
}

// AgentWorkspaceTimeout bounds how long removing or moving a job's
// workspace waits for one agent.
const AgentWorkspaceTimeout = 30 * time.Second

// starter is the executor as the scheduler starts builds.
type starter struct{ ex *executor.Executor }

func (s starter) Start(it *model.QueueItem, job *model.Job, node *executor.Node, slot int, done func()) (scheduler.Run, error) {
	r, err := s.ex.Start(it, job, node, slot, done)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Queue is the waiting queue (the timer triggers schedule into it).
func (f *Farm) Queue() *queue.Queue { return f.queue }

// Schedule: see queue.Queue.Schedule.
func (f *Farm) Schedule(ctx context.Context, job *model.Job, cause model.Cause, by *model.Authority, params []model.ParamValue, quiet *time.Duration) (*model.QueueItem, bool, error) {
	return f.queue.Schedule(ctx, job, cause, by, params, quiet)
}

// Unsupported: see executor.Executor.Unsupported.
func (f *Farm) Unsupported(job *model.Job) []model.Unsupported { return f.exec.Unsupported(job) }

// Items: see queue.Queue.Items.
func (f *Farm) Items() []queue.Waiting { return f.queue.Items() }

// Item: see queue.Queue.Item.
func (f *Farm) Item(ctx context.Context, id int64) (*queue.Waiting, error) {
	return f.queue.Item(ctx, id)
}

// JobItem: see queue.Queue.JobItem.
func (f *Farm) JobItem(jobID int64) *queue.Waiting { return f.queue.JobItem(jobID) }

// Cancel: see queue.Queue.Cancel.
func (f *Farm) Cancel(ctx context.Context, id int64) error { return f.queue.Cancel(ctx, id) }

// Running: see scheduler.Scheduler.Running.
func (f *Farm) Running(jobID, number int64) (model.Build, bool) {
	return f.sched.Running(jobID, number)
}

// Executors: see scheduler.Scheduler.Executors.
func (f *Farm) Executors() []*model.Build { return f.sched.Executors() }

// Stop: see scheduler.Scheduler.Stop.
func (f *Farm) Stop(jobID, number int64, by string) bool { return f.sched.Stop(jobID, number, by) }

// CancelJob: see scheduler.Scheduler.CancelJob.
func (f *Farm) CancelJob(ctx context.Context, jobID int64, by string, abortRunning bool) error {
	return f.sched.CancelJob(ctx, jobID, by, abortRunning)
}

// Busy: see scheduler.Scheduler.Busy.
func (f *Farm) Busy(jobID int64) bool { return f.sched.Busy(jobID) }

// QuietDown: see scheduler.Scheduler.QuietDown.
func (f *Farm) QuietDown(on bool) { f.sched.QuietDown(on) }

// QuietingDown: see scheduler.Scheduler.QuietingDown.
func (f *Farm) QuietingDown() bool { return f.sched.QuietingDown() }

// SetOffline: see scheduler.Scheduler.SetOffline.
func (f *Farm) SetOffline(on bool, reason string) { f.sched.SetOffline(on, reason) }

// Offline: see scheduler.Scheduler.Offline.
func (f *Farm) Offline() (bool, string) { return f.sched.Offline() }

// Hold: see scheduler.Scheduler.Hold.
func (f *Farm) Hold(ids []int64) (release func()) { return f.sched.Hold(ids) }

// HoldIdle: see scheduler.Scheduler.HoldIdle.
func (f *Farm) HoldIdle(ids []int64) (release func(), err error) { return f.sched.HoldIdle(ids) }

// SetExecutors: see scheduler.Scheduler.SetExecutors.
func (f *Farm) SetExecutors(n int) { f.sched.SetExecutors(n) }

// SetDefaults changes the global quiet period for builds scheduled from
// now on, and the configured root URL ("" = Config.ListenURL) for builds
// started from now on.
func (f *Farm) SetDefaults(quiet time.Duration, rootURL string) {
	f.queue.SetQuietPeriod(quiet)
	f.exec.SetRootURL(rootURL)
}

// RemoveWorkspace deletes the workspaces of the item named fullName on
// the built-in node and the agents connected now (see
// workspace.Set.Remove); ErrBusy while a build works in one. An agent
// that cannot be reached keeps its workspace (Jenkins does not delete
// agents' workspaces with their job either).
func (f *Farm) RemoveWorkspace(fullName string) error {
	return f.eachWorkspaceSet(func(ctx context.Context, s *workspace.Set) error { return s.Remove(ctx, fullName) })
}

// MoveWorkspace moves the workspaces of an item renamed from oldName to
// newName on the built-in node and the agents connected now (see
// workspace.Set.Move).
func (f *Farm) MoveWorkspace(oldName, newName string) error {
	return f.eachWorkspaceSet(func(ctx context.Context, s *workspace.Set) error { return s.Move(ctx, oldName, newName) })
}

// eachWorkspaceSet calls fn for each node's workspaces; an agent's error
// other than ErrBusy is logged, not returned.
func (f *Farm) eachWorkspaceSet(fn func(context.Context, *workspace.Set) error) error {
	var errs []error
	for i, s := range f.workspaceSets() {
		if i == 0 {
			errs = append(errs, fn(context.Background(), s))
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), AgentWorkspaceTimeout)
		err := fn(ctx, s)
		cancel()
		if err != nil && !errors.Is(err, ErrBusy) {
			f.logger.Warn("cannot change a job's workspace on an agent", "err", err)
			err = nil
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Workspace is where builds of job work (wsfs.Locator): on the
// built-in node, its workspace there.
func (f *Farm) Workspace(_ context.Context, job *model.Job) (launcher.Launcher, string, error) {
	n := f.nodes[0]
	return n.Launcher, n.Workspaces.Path(job.Name), nil
}

// WipeWorkspace deletes the job's workspace (and its @N siblings),
// unless a build of the job is running in it.
func (f *Farm) WipeWorkspace(name string) error { return f.RemoveWorkspace(name) }

// Shutdown stops starting builds, gives running ones up to grace to
// finish, then aborts the rest and waits for them to be recorded. Waiting
// items stay in the store and run after the next start.
func (f *Farm) Shutdown(grace time.Duration) {
	f.queue.Close()
	f.sched.Shutdown()
	f.exec.Shutdown(grace)
}
