package gitscm

import (
	"context"
	"errors"
	"log/slog"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
)

// Jobs is what the plugin reads of the job registry (jobs.Service).
type Jobs interface {
	List() []*model.Job
	ByID(id int64) (*model.Job, error)
	// OnChange registers fn, called after any job changes.
	OnChange(fn func())
}

// Builds is what the plugin reads of a job's builds (store.Builds).
type Builds interface {
	// Builds lists a job's builds, newest first; limit <= 0: all.
	Builds(ctx context.Context, jobID int64, limit int) ([]*model.Build, error)
}

// Queue is where the plugin schedules builds (farm.Farm, queue.Queue).
type Queue interface {
	Schedule(ctx context.Context, job *model.Job, cause model.Cause, by *model.Authority, params []model.ParamValue, quiet *time.Duration) (*model.QueueItem, bool, error)
	// JobItem is the job's waiting item, nil if none.
	JobItem(jobID int64) *queue.Waiting
}

// Config sets up a Plugin.
type Config struct {
	Jobs   Jobs
	Builds Builds
	// Blobs keeps the builds' BuildData and changelogs and the jobs'
	// polling logs (see the *Key functions).
	Blobs blob.Store
	// Credentials resolves credentialsId; nil: none can be found.
	Credentials Credentials
	// Settings are the git settings; nil: Jenkins's defaults.
	Settings *Settings
	// Launcher reaches the built-in node, where polling runs
	// "git ls-remote", as Jenkins polls on the controller.
	Launcher launcher.Launcher
	// Home is JENKINS_HOME. Polling keeps its temporary files (an askpass
	// script, a key) below Home/caches/git-poll while it runs, and the
	// host keys "accept first connection" learns in
	// Home/caches/git/known_hosts, the built-in node's checkouts' file.
	Home string
	// Env is the environment polling runs git with: at least PATH and
	// HOME (~/.ssh/known_hosts).
	Env []string
	// PollThreads bounds the polls run at once (SCMTrigger's "Max # of
	// concurrent polling"); 0: 10, Jenkins's default.
	PollThreads int
	// Decrypt reads a GitLab trigger's secretToken that a Jenkins
	// encrypted ({…}); nil: such a token matches no request.
	Decrypt func(string) (string, error)
	Logger  *slog.Logger
	Now     func() time.Time
}

// Plugin is jeeves's git plugin: the SCM contributor that checks GitSCM
// jobs out (an executor.Contributor), the SCM trigger's poller (Run), and
// what the push hooks do (NotifyCommit, GitHubPush, GitLabPush).
type Plugin struct {
	cfg     Config
	queue   atomic.Pointer[queueBox]
	polling atomic.Bool // Run is running
	hooks   atomic.Bool // the HTTP edge serves the push hooks (ServeHooks)
	wake    chan struct{}

	// life bounds the polls hooks start, which outlive their request;
	// Close ends it.
	life    context.Context
	stop    context.CancelFunc
	bg      sync.WaitGroup
	threads chan struct{}

	mu      sync.Mutex
	entries map[int64]*entry // the SCM triggers' specs, by job id
	busy    map[int64]bool   // jobs being polled
}

type queueBox struct{ q Queue }

// New makes the plugin and subscribes it to job changes. Give it the
// queue with SetQueue once there is one, start its poller with Run, and
// Close it at shutdown.
func New(cfg Config) *Plugin {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PollThreads <= 0 {
		cfg.PollThreads = 10
	}
	life, stop := context.WithCancel(context.Background())
	p := &Plugin{cfg: cfg, wake: make(chan struct{}, 1), life: life, stop: stop,
		threads: make(chan struct{}, cfg.PollThreads), entries: map[int64]*entry{}, busy: map[int64]bool{}}
	if cfg.Jobs != nil {
		cfg.Jobs.OnChange(p.poke)
	}
	p.cleanPollTmp()
	return p
}

// SetQueue gives the plugin the queue it schedules builds into: the
// catch-up builds of checkouts, and the builds polling and hooks start.
// The farm that runs the checkouts owns the queue, and is made after the
// plugin: until SetQueue, nothing is scheduled (and the console or the
// log says so).
func (p *Plugin) SetQueue(q Queue) { p.queue.Store(&queueBox{q}) }

// ServeHooks tells the plugin that the HTTP edge serves the push hooks
// (/github-webhook/ and GitLab's /project/<job path>): from then on its
// part claims the GitHubPushTrigger and the GitLabPushTrigger of a git
// job, which are no longer reported as not run.
func (p *Plugin) ServeHooks() { p.hooks.Store(true) }

// errNoQueue is returned when something is to be scheduled before
// SetQueue.
var errNoQueue = errors.New("jeeves's build queue is not ready yet")

func (p *Plugin) schedule(ctx context.Context, job *model.Job, cause model.Cause) (*model.QueueItem, error) {
	b := p.queue.Load()
	if b == nil {
		return nil, errNoQueue
	}
	it, _, err := b.q.Schedule(ctx, job, cause, job.ConfiguredBy, model.DefaultParams(job.Config.Params), nil)
	return it, err
}

func (p *Plugin) inQueue(jobID int64) bool {
	b := p.queue.Load()
	return b != nil && b.q.JobItem(jobID) != nil
}

// Close stops the polls hooks started and waits for them.
func (p *Plugin) Close() {
	p.stop()
	p.bg.Wait()
}

func (p *Plugin) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// cacheRoot is the directory a node keeps its caches in, found from a
// build's workspace (<root>/workspace/<full name>[@N]); "" when the
// workspace is not laid out so.
func cacheRoot(workspace, fullName string) string {
	base := workspace
	if i := lastAt(base); i >= 0 {
		base = base[:i]
	}
	suffix := "/workspace/" + fullName
	if len(base) <= len(suffix) || base[len(base)-len(suffix):] != suffix {
		return ""
	}
	return base[:len(base)-len(suffix)]
}

// lastAt is the index of a trailing "@N" (digits) in s, or -1.
func lastAt(s string) int {
	i := len(s) - 1
	for i >= 0 && s[i] >= '0' && s[i] <= '9' {
		i--
	}
	if i >= 0 && i < len(s)-1 && s[i] == '@' {
		return i
	}
	return -1
}

// CacheDir is where a node whose workspaces are below root keeps its git
// mirrors: root/caches/git (JENKINS_HOME/caches/git on the built-in
// node).
func CacheDir(root string) string { return path.Join(root, "caches", "git") }

// hostKeys is the host key verification of the settings, with "accept
// first connection" remembering keys in cacheDir's known_hosts.
func hostKeys(v Values, cacheDir string) git.HostKeys {
	hk := v.HostKeys()
	if cacheDir != "" {
		hk.AcceptFile = path.Join(cacheDir, "known_hosts")
	}
	return hk
}
