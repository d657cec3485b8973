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
	// node is where the build runs (nil: the built-in node), and agents
	// says whether any agent is configured: the console's "Building …"
	// line says where the build runs only then, as Jenkins's does.
	node   *Node
	agents bool
	// tracker records where a build on an agent stands, so that a later
	// start resumes it (nil: nothing recorded); resume, when set, is
	// where this run of the steps takes over from an earlier one.
	tracker *tracker
	resume  *resumePoint
}

// bounded is the context of a call made outside the build's own (a kill,
// a clean-up): a local machine answers at once, but an agent's
// connection may be down, and the build must not wait for it long.
func (s steps) bounded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.grace+30*time.Second)
}

// buildingLine is the console's line saying where the build runs
// (AbstractBuild's Messages): "Building in workspace W" while jeeves has
// no agents; else "Building on the built-in node in workspace W" or
// "Building remotely on agent1 (linux docker) in workspace W".
func buildingLine(n *Node, agents bool, ws string) string {
	switch {
	case n == nil || n.BuiltIn && !agents:
		return "Building in workspace " + ws
	case n.BuiltIn:
		return "Building on the built-in node in workspace " + ws
	}
	var labels []string
	for _, l := range n.Labels {
		if l != n.Name {
			labels = append(labels, l)
		}
	}
	where := n.Name
	if len(labels) > 0 {
		where += " (" + strings.Join(labels, " ") + ")"
	}
	return "Building remotely on " + where + " in workspace " + ws
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
// build ABORTED. A cause with Detach set instead leaves a durable step
// running on its agent (see tracker): runSteps then returns at once with
// the result "", the build still running, for a later start to resume.
//
// A step whose machine went away for good (launcher.ErrOffline) fails
// the build with Jenkins's "Agent went offline during the build"; what
// runs after it (teardowns, publishers) then finds the machine gone at
// once, and nothing is killed there.
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
	result = model.Success
	if s.resume == nil {
		for _, c := range s.build.Causes {
			fmt.Fprintln(log, c.Description())
		}
		if len(s.build.Causes) == 0 {
			fmt.Fprintln(log, "Started")
		}
		fmt.Fprintln(log, "Running as SYSTEM")
		fmt.Fprintln(log, buildingLine(s.node, s.agents, s.workspace))
		for _, n := range s.notes {
			fmt.Fprintln(log, n)
		}
		if log.err != nil {
			result = model.Failure
		} else if err := s.launcher.MkdirAll(ctx, s.workspace, 0o700); err != nil {
			fmt.Fprintf(log, "ERROR: cannot create the workspace: %v\n", err)
			result = model.Failure
		}
		if result == model.Success && !reportUnsupported(log, notRun(s.job.Config.Unsupported, s.parts)) {
			result = model.Failure
		}
	} else {
		// The steps before the one resumed ran in the previous run of
		// jeeves, as did the checkout; the build wrappers are set up
		// again, for the variables, files and masks the rest needs.
		result, started = s.resume.result, true
	}
	bc.Result = result
	for _, p := range s.parts {
		if p.Checkout == nil || bc.Result != model.Success || s.resume != nil {
			continue
		}
		if err := p.Checkout(ctx, bc); err != nil || ctx.Err() != nil {
			bc.SetResult(model.Failure)
		}
	}
	var teardowns []func(context.Context, *Build)
	for _, p := range s.parts {
		if p.Setup == nil || bc.Result.Rank() > model.Unstable.Rank() || ctx.Err() != nil {
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
	gone := false  // the build's machine went away for good
	swept := false // the last step's launcher swept the cookie after it
	for i, step := range s.job.Config.Builders {
		if s.resume != nil && i < s.resume.step {
			continue
		}
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
		var code int
		var err error
		if s.resume != nil && i == s.resume.step {
			code, err = reattachShell(ctx, s, *s.resume)
		} else {
			code, err = runShell(ctx, s, log, i, result, step.Command, &started, &swept)
		}
		switch {
		case errors.Is(err, errDetached):
			return "", log.err
		case errors.Is(err, launcher.ErrOffline):
			// AbstractBuild.reportBrokenChannel's lines.
			fmt.Fprintln(log, "Agent went offline during the build")
			fmt.Fprintf(log, "ERROR: Connection was broken: %s\n", strings.TrimPrefix(err.Error(), "Agent went offline during the build: "))
			fmt.Fprintln(log, "Build step 'Execute shell' marked build as failure")
			result, gone = model.Failure, true
			bc.Launcher = offlineLauncher{}
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
		if gone {
			break
		}
	}
	if s.tracker != nil {
		s.tracker.stepEnded()
	}
	// Jenkins's rule: nothing the build started outlives it, unless it
	// opted out with dontKillMe. A machine that went away is spared the
	// sweep, as Jenkins spares it.
	if s.cookie != "" && started && !gone && !swept {
		kctx, cancel := s.bounded()
		s.launcher.KillAll(kctx, s.grace, s.cookie)
		cancel()
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

// errDetached is runShell's error when the build detached from its
// durable step (jeeves shuts down; the step goes on on its agent).
var errDetached = errors.New("detached from the running step")

// runShell runs one shell step, the i-th of the job, and returns its
// exit code. err is set when the step could not be started at all, or
// its end could not be known. started is set once a process ran; result
// is the build's result so far (for the tracker).
func runShell(ctx context.Context, s steps, log io.Writer, i int, result model.Result, command string, started, swept *bool) (code int, err error) {
	l := s.launcher
	script := strings.ReplaceAll(command, "\r\n", "\n")
	shebang := strings.HasPrefix(script, "#!")
	if !shebang {
		script = "\n" + script
	}
	argv := []string{Shell, "-xe", launcher.ScriptArg}
	if shebang {
		line, _, _ := strings.Cut(script[2:], "\n")
		argv = append(strings.Fields(line), launcher.ScriptArg)
	}
	if len(argv) < 2 {
		return -1, errors.New("the script's #! line names no interpreter")
	}
	proc := launcher.Proc{Dir: s.workspace, Env: s.env, Cookie: s.cookie}
	if i == len(s.job.Config.Builders)-1 && s.cookie != "" && s.resume == nil {
		// The last step: the end-of-build sweep may go with it (not
		// after a restart: the launcher knows nothing then of the
		// build's earlier processes).
		proc.KillAllAfter = s.grace
	}
	var name string
	announce := func(file string) {
		name = file
		fmt.Fprintf(log, "[%s] $ %s\n", path.Base(s.workspace), quoteArgs(withScript(argv, file)))
	}
	proc.Stdout = s.log
	if s.tracker != nil {
		proc.Stdout = s.tracker.output(s.log, 0)
	}
	proc.Stderr = proc.Stdout
	var p launcher.Process
	if ss, ok := l.(launcher.ScriptStarter); ok {
		// The script is written by the command that starts the step,
		// beside the step's own files, and goes with them.
		proc.Argv = argv
		p, err = ss.StartScript(ctx, proc, []byte(script), announce)
		if err != nil {
			return -1, err
		}
	} else {
		name, err = l.CreateTemp(ctx, "", "jeeves*.sh", strings.NewReader(script))
		if err != nil {
			return -1, fmt.Errorf("cannot write the step's script: %w", err)
		}
		defer func() {
			if !errors.Is(err, errDetached) {
				c, cancel := s.bounded()
				l.Remove(c, name)
				cancel()
			}
		}()
		announce(name)
		proc.Argv = withScript(argv, name)
		if p, err = l.Start(ctx, proc); err != nil {
			return -1, err
		}
	}
	*started = true
	d, durable := p.(launcher.Durable)
	if durable && s.tracker != nil {
		s.tracker.stepStarted(i, result, name, d.Handle())
	}
	code, err = follow(ctx, s, p, durable)
	if sw, ok := p.(launcher.Swept); ok && sw.Swept() && err == nil {
		*swept = true
	}
	if s.tracker != nil && !errors.Is(err, errDetached) {
		s.tracker.stepEnded()
	}
	return code, err
}

// withScript is argv with launcher.ScriptArg replaced by path.
func withScript(argv []string, path string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == launcher.ScriptArg {
			a = path
		}
		out[i] = a
	}
	return out
}

// reattachShell follows again the step a previous run of jeeves left
// running (see resumePoint), and removes its script once it is over.
func reattachShell(ctx context.Context, s steps, at resumePoint) (int, error) {
	r, ok := s.launcher.(launcher.Reattacher)
	if !ok {
		return -1, errors.New("the node's launcher cannot follow a step again")
	}
	out := s.log
	if s.tracker != nil {
		out = s.tracker.output(s.log, at.offset)
	}
	p, err := r.Reattach(ctx, at.handle, at.offset, out)
	if err != nil {
		if errors.Is(err, launcher.ErrOffline) || ctx.Err() != nil {
			return -1, err
		}
		return -1, fmt.Errorf("cannot follow the running step again: %w", err)
	}
	if s.tracker != nil {
		s.tracker.stepStarted(at.step, at.result, at.script, at.handle)
	}
	code, err := follow(ctx, s, p, true)
	if !errors.Is(err, errDetached) {
		if s.tracker != nil {
			s.tracker.stepEnded()
		}
		if at.script != "" && !strings.HasPrefix(at.script, at.handle+"/") {
			// A script of its own (CreateTemp); one in the step's
			// control directory goes with it.
			c, cancel := s.bounded()
			s.launcher.Remove(c, at.script)
			cancel()
		}
	}
	return code, err
}

// follow waits for a step's end. When ctx is cancelled, the step is
// stopped (every process with the cookie, else its process group), or,
// for a durable step and a cause that says Detach, left running.
func follow(ctx context.Context, s steps, p launcher.Process, durable bool) (int, error) {
	select {
	case <-p.Done():
	case <-ctx.Done():
		var a *Aborted
		if d, ok := p.(launcher.Durable); ok && durable && errors.As(context.Cause(ctx), &a) && a.Detach {
			if d.Detach() {
				if s.tracker != nil {
					s.tracker.snapshot()
				}
				return -1, errDetached
			}
			// It ended meanwhile: its end is the build's.
			return p.Wait()
		}
		// Every process with the build's cookie, sparing those that
		// opted out (dontKillMe), as Jenkins's ProcessTreeKiller; when
		// none carried it, the step was just starting (its cookie not
		// exported yet): its process group, whose launcher remembers the
		// stop and applies it as the step starts.
		killed := 0
		if s.cookie != "" {
			kctx, cancel := s.bounded()
			killed, _ = s.launcher.KillAll(kctx, s.grace, s.cookie)
			cancel()
		}
		if killed == 0 {
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
