package executor

import (
	"context"
	"io"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// A Contributor takes part in the builds of the jobs it cares for, as
// Jenkins's SCMs, build wrappers and publishers do: a git checkout, a
// credentials binding, the artifact archiver, the JUnit recorder, the
// mailer. The executor asks each registered contributor once per build,
// before the steps, and runs the phases it returns, in registration
// order within each phase:
//
//	Started by … / Building in workspace …
//	Checkout        (SCM: the sources the steps expect)
//	Setup           (build wrappers: variables, secret files, masks)
//	the build steps
//	teardowns       (in reverse, also when the build failed or was aborted)
//	Publish         (recorders, then notifiers: they may worsen the result)
//	Finished: RESULT
//	Finished        (once the result is recorded: discarding old builds)
//
// A contributor reads what it needs from the job's stored config.xml
// (Job.ConfigXML) and is told nothing else of its configuration.
type Contributor interface {
	// For returns what the contributor does in a build of job, or nil
	// when it has nothing to do there.
	For(job *model.Job) *Part
}

// Part is what one contributor does in one build; any phase may be nil.
type Part struct {
	// Name names the contributor in jeeves's own log lines.
	Name string
	// Checkout runs before the build wrappers and steps. An error fails
	// the build unless it was aborted; Checkout prints its own console
	// lines, the error's included.
	Checkout func(ctx context.Context, b *Build) error
	// Setup runs after every Checkout. It may add variables (SetEnv),
	// secrets to mask (Mask) and files, and returns what undoes it
	// (nil: nothing), which runs after the steps however they ended,
	// even after an abort, with a context that is not cancelled. An
	// error fails the build; what the Setups before it did is undone.
	Setup func(ctx context.Context, b *Build) (teardown func(ctx context.Context, b *Build), err error)
	// Publish runs after the steps and teardowns, whatever the result so
	// far (b.Result), also after an abort; it may worsen the result
	// (SetResult) and print to the console. Recorders (archivers, test
	// reports) come before notifiers (mail): set Notifier for those.
	Publish func(ctx context.Context, b *Build)
	// Notifier puts Publish after every recorder's.
	Notifier bool
	// Runs names, by class, the elements of the job's config.xml that
	// configxml lists as not run by jeeves (model.JobConfig.Unsupported)
	// and that this part runs: an SCM whose checkout it does
	// (hudson.plugins.git.GitSCM). A build does not report them, nor
	// fail for them. configxml cannot know which contributors are
	// registered, so it lists such an element, and the build of a job
	// no registered contributor runs it for fails before its steps
	// rather than run them without their sources.
	Runs []string
	// Finished runs once the build's result is recorded and its executor
	// is free, outside the build: it cannot change the build any more.
	Finished func(ctx context.Context, b model.Build)
}

// A Recoverer is a Contributor that cleans up after the builds a jeeves
// that stopped uncleanly left running (files a teardown did not get to
// remove). Executor.Recover calls it once per node, with those builds,
// after their processes are killed and before they are recorded ABORTED;
// no build runs on the node meanwhile.
type Recoverer interface {
	Recover(ctx context.Context, node *Node, stale []*model.Build)
}

// Build is one build as its contributors see it: Jenkins's
// AbstractBuild, with the launcher of the node it runs on.
type Build struct {
	Job       *model.Job       // the job as the build runs it
	Build     *model.Build     // number, causes, parameters
	By        *model.Authority // whom the build acts for; nil: never recorded
	Node      *Node
	Launcher  launcher.Launcher
	Workspace string // on the node
	// TmpDir is WORKSPACE@tmp on the node: what a contributor writes for
	// the build's duration (secret files, scripts) goes below it.
	TmpDir string
	// Blobs keeps what the build leaves besides its log, below
	// blob.BuildKey(job, number): artifacts, reports, records.
	Blobs blob.Store
	// Result is the build's result so far.
	Result model.Result
	// Cookie marks the build's processes (launcher.Proc.Cookie).
	Cookie string

	console *errWriter
	env     *[]string
	mask    func(secrets []string)
}

// Console is the build's console log. What Mask was given is masked in
// it from then on.
func (b *Build) Console() io.Writer { return b.console }

// Env is the build's environment as its steps will get it.
func (b *Build) Env() []string { return *b.env }

// SetEnv sets a variable in the environment of the steps (and of the
// phases after this one).
func (b *Build) SetEnv(name, value string) {
	*b.env = append(*b.env, name+"="+value)
}

// Getenv is the value of a variable in the build's environment.
func (b *Build) Getenv(name string) string {
	env := *b.env
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v
		}
	}
	return ""
}

// Mask makes the console print **** for each of secrets from now on.
func (b *Build) Mask(secrets ...string) {
	if b.mask != nil && len(secrets) > 0 {
		b.mask(secrets)
	}
}

// SetResult worsens the build's result to r (a better one is ignored, as
// Jenkins's Run.setResult does).
func (b *Build) SetResult(r model.Result) {
	if r.Rank() > b.Result.Rank() {
		b.Result = r
	}
}

// Register adds a contributor to every build started from now on.
func (e *Executor) Register(c Contributor) {
	e.mu.Lock()
	e.contributors = append(e.contributors, c)
	e.mu.Unlock()
}

// recoverers is the registered contributors that are Recoverers.
func (e *Executor) recoverers() []Recoverer {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Recoverer
	for _, c := range e.contributors {
		if r, ok := c.(Recoverer); ok {
			out = append(out, r)
		}
	}
	return out
}

// parts asks every contributor what it does in a build of job.
func (e *Executor) parts(job *model.Job) []*Part {
	e.mu.Lock()
	cs := e.contributors
	e.mu.Unlock()
	var out []*Part
	for _, c := range cs {
		if p := c.For(job); p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Unsupported is what a build of job reports as not run by jeeves:
// job.Config.Unsupported without the elements the registered
// contributors run (Part.Runs). The job page shows it.
func (e *Executor) Unsupported(job *model.Job) []model.Unsupported {
	return notRun(job.Config.Unsupported, e.parts(job))
}
