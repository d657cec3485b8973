package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/mask"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// Shell is the interpreter for shell steps, as Jenkins's default.
const Shell = "/bin/sh"

// steps is everything a build's steps need.
type steps struct {
	job       *model.Job
	build     *model.Build
	workspace string
	env       []string // the full environment, Jenkins's variables included
	log       io.Writer
	// notes are lines the console gets after its opening lines (such as
	// a password parameter too short to be masked).
	notes    []string
	launcher launcher.Launcher
	// cookie marks the build's processes: when the build ends or is
	// stopped, every process still carrying it is killed. Empty: only
	// each step's process group is killed.
	cookie string
	grace  time.Duration // between SIGTERM and SIGKILL
	// beforeFinish, when set, is called once the steps are over, with the
	// log and the build's result, before the log's "Finished:" line.
	beforeFinish func(log io.Writer, result model.Result)
	// parts are what the build's contributors do (see Contributor), and
	// ctx what they see of the build; ctx may be nil when parts is.
	parts []*Part
	ctx   *Build
}

// errWriter remembers the first error writing the log (a full disk).
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// runSteps writes the console's opening lines, runs each shell step as
// `/bin/sh -xe <script>` in the workspace (a script with a #! line runs
// with that interpreter), and writes the closing lines; it returns the
// build's result. Before the steps, the log names each element of the
// job's config.xml that jeeves does not run; an SCM or a build step among
// them fails the build unrun.
//
// Cancelling ctx with an *Aborted cause (context.WithCancelCause) stops
// the running step, with every process carrying the cookie, and ends the
// build ABORTED.
//
// logErr is the first error writing the log (a full disk): the build is
// then at best a FAILURE, since its output is incomplete, and no step
// runs if not even the log's first lines could be written.
func runSteps(ctx context.Context, s steps) (result model.Result, logErr error) {
	log := &errWriter{w: s.log}
	// Secrets a contributor binds are masked from then on, in what the
	// console says and in what the steps print: each Mask wraps the
	// console in a masker, closed (flushed) innermost first at the end.
	var maskers []io.Closer
	defer func() {
		for i := len(maskers) - 1; i >= 0; i-- {
			if err := maskers[i].Close(); err != nil && logErr == nil {
				logErr = err
			}
		}
	}()
	bc := s.ctx
	if bc == nil {
		bc = &Build{}
	}
	bc.console, bc.env, bc.Workspace = log, &s.env, s.workspace
	bc.mask = func(secrets []string) {
		if !mask.Needed(secrets) {
			return
		}
		m := mask.NewMasker(log.w, secrets)
		maskers = append(maskers, m)
		log.w, s.log = m, m
	}
	started := false // whether a step's process ran
	for _, c := range s.build.Causes {
		fmt.Fprintln(log, c.Description())
	}
	if len(s.build.Causes) == 0 {
		fmt.Fprintln(log, "Started")
	}
	fmt.Fprintln(log, "Running as SYSTEM")
	fmt.Fprintf(log, "Building in workspace %s\n", s.workspace)
	for _, n := range s.notes {
		fmt.Fprintln(log, n)
	}
	result = model.Success
	if log.err != nil {
		result = model.Failure
	} else if err := s.launcher.MkdirAll(ctx, s.workspace, 0o700); err != nil {
		fmt.Fprintf(log, "ERROR: cannot create the workspace: %v\n", err)
		result = model.Failure
	}
	if result == model.Success && !reportUnsupported(log, notRun(s.job.Config.Unsupported, s.parts)) {
		result = model.Failure
	}
	bc.Result = result
	for _, p := range s.parts {
		if p.Checkout == nil || bc.Result != model.Success {
			continue
		}
		if err := p.Checkout(ctx, bc); err != nil || ctx.Err() != nil {
			bc.SetResult(model.Failure)
		}
	}
	var teardowns []func(context.Context, *Build)
	for _, p := range s.parts {
		if p.Setup == nil || bc.Result != model.Success || ctx.Err() != nil {
			continue
		}
		undo, err := p.Setup(ctx, bc)
		if undo != nil {
			teardowns = append(teardowns, undo)
		}
		if err != nil {
			bc.SetResult(model.Failure)
		}
	}
	result = bc.Result
	for _, step := range s.job.Config.Builders {
		if result != model.Success && result != model.Unstable {
			break
		}
		if !step.IsShell() {
			// Unsupported lists it; a config built without Parse may not.
			fmt.Fprintf(log, "ERROR: jeeves cannot run %s: %s\n", step.Class, cannotRun[model.KindBuilder])
			result = model.Failure
			break
		}
		if ctx.Err() != nil {
			result = model.Aborted
			break
		}
		code, err := runShell(ctx, s, log, step.Command, &started)
		switch {
		case ctx.Err() != nil:
			result = model.Aborted
		case err != nil:
			fmt.Fprintf(log, "ERROR: %v\n", err)
			fmt.Fprintln(log, "Build step 'Execute shell' marked build as failure")
			result = model.Failure
		case code == 0:
		case step.UnstableReturn != 0 && code == step.UnstableReturn:
			fmt.Fprintln(log, "Build step 'Execute shell' changed build result to UNSTABLE")
			result = model.Unstable
		default:
			fmt.Fprintln(log, "Build step 'Execute shell' marked build as failure")
			result = model.Failure
		}
	}
	// Jenkins's rule: nothing the build started outlives it, unless it
	// opted out with dontKillMe.
	if s.cookie != "" && started {
		s.launcher.KillAll(context.Background(), s.grace, s.cookie)
	}
	for i := len(teardowns) - 1; i >= 0; i-- {
		teardowns[i](context.Background(), bc)
	}
	if result == model.Aborted || ctx.Err() != nil {
		result = model.Aborted
		fmt.Fprintln(log, "Build was aborted")
		var a *Aborted
		if errors.As(context.Cause(ctx), &a) {
			if a.Reason != "" {
				fmt.Fprintln(log, a.Reason)
			} else {
				fmt.Fprintf(log, "Aborted by %s\n", a.By)
			}
		}
	}
	if log.err != nil && result != model.Aborted {
		result = model.Failure
	}
	// Publishers run whatever the result, as Jenkins's post-build
	// actions do: recorders first, then notifiers.
	bc.Result = result
	for _, notifiers := range []bool{false, true} {
		for _, p := range s.parts {
			if p.Publish != nil && p.Notifier == notifiers {
				p.Publish(context.WithoutCancel(ctx), bc)
			}
		}
	}
	result = bc.Result
	if log.err != nil && result != model.Aborted {
		result = model.Failure
	}
	if s.beforeFinish != nil {
		s.beforeFinish(log, result)
	}
	fmt.Fprintf(log, "Finished: %s\n", result)
	return result, log.err
}

// cannotRun says why a build fails rather than run without an element of
// that kind.
var cannotRun = map[string]string{
	model.KindSCM:     "the build steps would run without the checkout they expect, so the build does not run",
	model.KindBuilder: "skipping this step would report a result the build did not earn, so the build does not run",
}

// notRun is the unsupported elements of a job's configuration but those
// the build's parts run.
func notRun(list []model.Unsupported, parts []*Part) []model.Unsupported {
	var runs []string
	for _, p := range parts {
		runs = append(runs, p.Runs...)
	}
	if len(runs) == 0 {
		return list
	}
	out := make([]model.Unsupported, 0, len(list))
	for _, u := range list {
		if !slices.Contains(runs, u.Class) {
			out = append(out, u)
		}
	}
	return out
}

// reportUnsupported writes a line for each element of the config.xml that
// jeeves does not run, before any step: a warning for those a build can
// do without, an error for an SCM or a build step. It reports whether
// the build may run its steps.
func reportUnsupported(log io.Writer, list []model.Unsupported) (ok bool) {
	ok = true
	for _, u := range list {
		switch {
		case u.Fails():
			fmt.Fprintf(log, "ERROR: jeeves cannot run %s: %s\n", u, cannotRun[u.Kind])
			ok = false
		case u.Kind == model.KindParameter:
			fmt.Fprintf(log, "WARNING: jeeves does not run %s; the build gets its value as a string parameter\n", u)
		default:
			fmt.Fprintf(log, "WARNING: jeeves does not run %s; it is kept in config.xml but ignored\n", u)
		}
	}
	return ok
}

// runShell runs one shell step and returns its exit code. err is set when
// the step could not be started at all, or its end could not be known.
// started is set once a process ran.
func runShell(ctx context.Context, s steps, log io.Writer, command string, started *bool) (int, error) {
	l := s.launcher
	script := strings.ReplaceAll(command, "\r\n", "\n")
	shebang := strings.HasPrefix(script, "#!")
	if !shebang {
		script = "\n" + script
	}
	name, err := l.CreateTemp(ctx, "", "jeeves*.sh", strings.NewReader(script))
	if err != nil {
		return -1, fmt.Errorf("cannot write the step's script: %w", err)
	}
	defer l.Remove(context.Background(), name)
	argv := []string{Shell, "-xe", name}
	if shebang {
		line, _, _ := strings.Cut(script[2:], "\n")
		argv = append(strings.Fields(line), name)
	}
	if len(argv) < 2 {
		return -1, errors.New("the script's #! line names no interpreter")
	}
	fmt.Fprintf(log, "[%s] $ %s\n", path.Base(s.workspace), quoteArgs(argv))

	p, err := l.Start(ctx, launcher.Proc{Argv: argv, Dir: s.workspace, Env: s.env, Stdout: s.log, Stderr: s.log, Cookie: s.cookie})
	if err != nil {
		return -1, err
	}
	*started = true
	select {
	case <-p.Done():
	case <-ctx.Done():
		if s.cookie != "" {
			l.KillAll(context.Background(), s.grace, s.cookie)
		} else {
			p.Kill(s.grace)
		}
		<-p.Done()
	}
	return p.Wait()
}

func quoteArgs(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if strings.ContainsAny(a, " \t\"'") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
